"""rankwise.ratings.bradley_terry_groups and plackett_luce_groups: many problems fitted at once
equal each problem fitted alone by rankwise.ratings.bradley_terry / plackett_luce (themselves
checked against choix, the arena and statsmodels in tests/test_ratings*.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rankwise import ratings
from rankwise.errors import InvalidValueError, ShapeError
from tests.test_ratings import SEEDS, battles


@settings(max_examples=20, deadline=None)
@given(seed=SEEDS, n_groups=st.integers(1, 6), weighted=st.booleans())
def test_each_problem_equals_bradley_terry_on_it_alone(seed, n_groups, weighted):
    rng = np.random.default_rng(seed)
    parts, names = [], []
    for k in range(n_groups):
        df = battles(seed + k, int(rng.integers(2, 6)), int(rng.integers(20, 80)))
        # players of different problems may share names: they are different players
        parts.append(df)
        names += [f"g{k}"] * len(df["winner"])
    data = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    perm = rng.permutation(len(names))
    data = {key: v[perm] for key, v in data.items()}
    groups = np.asarray(names)[perm]
    w = rng.integers(1, 4, len(groups)).astype(float) if weighted else None
    boards = ratings.bradley_terry_groups(**data, groups=groups, weights=w, alpha=0.1)
    assert sorted(boards) == sorted(set(names))
    for key, board in boards.items():
        mask = groups == key
        alone = ratings.bradley_terry(
            **{k: v[mask] for k, v in data.items()},
            weights=None if w is None else w[mask],
            intervals="asymptotic",
            alpha=0.1,
        )
        assert board.players.tolist() == alone.players.tolist()
        np.testing.assert_allclose(board.ratings, alone.ratings, atol=1e-9)
        assert board.lower is not None and alone.lower is not None
        np.testing.assert_allclose(board.lower, alone.lower, atol=1e-9)


def test_a_problem_that_cannot_be_fitted_is_named():
    with pytest.raises(InvalidValueError, match="problem 1"):
        ratings.bradley_terry_groups(
            ["x", "x", "p"], ["y", "y", "q"], ["model_a", "model_b", "model_a"], [0, 0, 1]
        )
    with pytest.raises(ShapeError, match="`groups`"):
        ratings.bradley_terry_groups(["x"], ["y"], ["model_a"], [0, 1])


def _votes(rng, n_players: int, n: int, prefix: str) -> list[list[str]]:
    return [
        [f"{prefix}{p}" for p in rng.permutation(n_players)[: rng.integers(2, n_players + 1)]]
        for _ in range(n)
    ]


@settings(max_examples=20, deadline=None)
@given(
    seed=SEEDS,
    n_groups=st.integers(1, 6),
    weighted=st.booleans(),
    intervals=st.sampled_from(["asymptotic", None]),
)
def test_each_problem_equals_plackett_luce_on_it_alone(seed, n_groups, weighted, intervals):
    rng = np.random.default_rng(seed)
    votes, names = [], []
    for k in range(n_groups):
        # players of different problems may share names: they are different players
        part = _votes(rng, int(rng.integers(2, 7)), int(rng.integers(5, 40)), "p")
        votes += part
        names += [f"g{k}"] * len(part)
    perm = rng.permutation(len(names))
    votes = [votes[i] for i in perm]
    groups = np.asarray(names)[perm]
    w = rng.integers(1, 4, len(groups)).astype(float) if weighted else None
    boards = ratings.plackett_luce_groups(votes, groups, weights=w, alpha=0.1, intervals=intervals)
    assert sorted(boards) == sorted(set(names))
    for key, board in boards.items():
        idx = np.flatnonzero(groups == key)
        alone = ratings.plackett_luce(
            [votes[i] for i in idx],
            weights=None if w is None else w[idx],
            intervals=intervals,
            alpha=0.1,
        )
        assert board.players.tolist() == alone.players.tolist()
        np.testing.assert_allclose(board.ratings, alone.ratings, atol=1e-9)
        if intervals is None:
            assert board.lower is None
        else:
            assert board.lower is not None and alone.lower is not None
            np.testing.assert_allclose(board.lower, alone.lower, atol=1e-9)


def test_plackett_luce_groups_refuses_bad_problems_by_name():
    with pytest.raises(InvalidValueError, match="problem 1"):
        ratings.plackett_luce_groups([["x", "y"], ["y", "x"], ["p", "q"]], [0, 0, 1])
    with pytest.raises(ShapeError, match="`groups`"):
        ratings.plackett_luce_groups([["x", "y"]], [0, 1])
