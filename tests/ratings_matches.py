"""Random sequences of matches (rankings best first, one player per team, no ties): the data of
the online rating tests (tests/test_ratings_online.py, tests/test_ratings_openskill.py,
tests/test_ratings_trueskill.py)."""

from __future__ import annotations

import numpy as np


def matches(seed: int, n_players: int, n: int) -> list[list[int]]:
    rng = np.random.default_rng(seed)
    return [
        [int(p) for p in rng.permutation(n_players)[: rng.integers(2, n_players + 1)]]
        for _ in range(n)
    ]
