"""The random data of the ratings tests, kept apart from any reference package so that a test
module importing it does not skip with the module that needs choix: arena-style battles
(tests/test_ratings*.py) and sequences of matches (rankings best first, one player per team, no
ties; the online rating tests)."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

OUTCOMES = ["model_a", "model_b", "tie", "tie (bothbad)"]
SEEDS = st.integers(0, 2**32 - 1)


def matches(seed: int, n_players: int, n: int) -> list[list[int]]:
    rng = np.random.default_rng(seed)
    return [
        [int(p) for p in rng.permutation(n_players)[: rng.integers(2, n_players + 1)]]
        for _ in range(n)
    ]


def battles(seed: int, n_players: int, n: int, ties: bool = True) -> dict[str, Any]:
    """Random battles between players "m0".."m{n_players-1}" (each player in at least one)."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, n_players, n)
    b = (a + rng.integers(1, n_players, n)) % n_players
    a[:n_players], b[:n_players] = np.arange(n_players), (np.arange(n_players) + 1) % n_players
    p = [0.4, 0.4, 0.1, 0.1] if ties else [0.5, 0.5, 0.0, 0.0]
    winner = rng.choice(OUTCOMES, n, p=p)
    names = np.array([f"m{i}" for i in range(n_players)])
    return {"model_a": names[a], "model_b": names[b], "winner": winner}


def resample_ok(df: dict[str, Any], idx: np.ndarray, n_players: int) -> bool:
    """Every player plays and scores something, and loses something, in the resample: the
    maximum-likelihood ratings exist (with enough data, the comparisons also connect)."""
    a, b, w = df["model_a"][idx], df["model_b"][idx], df["winner"][idx]
    names = [f"m{i}" for i in range(n_players)]
    for m in names:
        scored = ((a == m) & (w != "model_b")).any() or ((b == m) & (w != "model_a")).any()
        lost = ((a == m) & (w != "model_a")).any() or ((b == m) & (w != "model_b")).any()
        if not (scored and lost):
            return False
    return True


def player_indices(df: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """The indices ``i`` of the players ``m{i}`` of each battle: ``model_a``, ``model_b``."""
    ia = np.array([int(s[1:]) for s in df["model_a"]])
    ib = np.array([int(s[1:]) for s in df["model_b"]])
    return ia, ib


def winners_and_losers(df: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """The winner's and the loser's index of each battle (battles without ties)."""
    ia, ib = player_indices(df)
    a_won = df["winner"] == "model_a"
    return np.where(a_won, ia, ib), np.where(a_won, ib, ia)
