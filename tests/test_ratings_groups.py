"""rankwise.ratings.<model>_groups: many problems computed at once equal each problem computed
alone by the single-problem function (bradley_terry, plackett_luce, davidson, rao_kupper, elo,
rank_centrality; themselves checked against choix, the arena and statsmodels in
tests/test_ratings*.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rankwise import ratings
from rankwise.errors import InvalidValueError, RankwiseError, ShapeError
from tests.ratings_matches import SEEDS, battles


def test_a_problem_that_cannot_be_fitted_is_named():
    with pytest.raises(InvalidValueError, match="problem 1"):
        ratings.bradley_terry_groups(
            ["x", "x", "p"], ["y", "y", "q"], ["model_a", "model_b", "model_a"], [0, 0, 1]
        )
    with pytest.raises(ShapeError, match="`groups`"):
        ratings.bradley_terry_groups(["x"], ["y"], ["model_a"], [0, 1])


def problems(test):
    """The draws of the grouped-equals-alone property tests: a seed, how many problems,
    weights or not, and the intervals (for the models that have them)."""
    draws = given(
        seed=SEEDS,
        n_groups=st.integers(1, 6),
        weighted=st.booleans(),
        intervals=st.sampled_from(["asymptotic", None, "bootstrap"]),
    )
    return settings(max_examples=20, deadline=None)(draws(test))


def _intervals(intervals, seed):
    """The interval options of a fitted model: a small seeded bootstrap where drawn."""
    if intervals == "bootstrap":
        return {"intervals": "bootstrap", "n_resamples": 15, "seed": seed}
    return {"intervals": intervals}


def _votes(rng, n_players: int, n: int, prefix: str) -> list[list[str]]:
    return [
        [f"{prefix}{p}" for p in rng.permutation(n_players)[: rng.integers(2, n_players + 1)]]
        for _ in range(n)
    ]


@problems
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
    kw = _intervals(intervals, seed)
    boards = ratings.plackett_luce_groups(votes, groups, weights=w, alpha=0.1, **kw)
    assert sorted(boards) == sorted(set(names))
    for key, board in boards.items():
        idx = np.flatnonzero(groups == key)
        alone = ratings.plackett_luce(
            [votes[i] for i in idx], weights=None if w is None else w[idx], alpha=0.1, **kw
        )
        _assert_same_board(board, alone)


def test_plackett_luce_groups_refuses_bad_problems_by_name():
    with pytest.raises(InvalidValueError, match="problem 1"):
        ratings.plackett_luce_groups([["x", "y"], ["y", "x"], ["p", "q"]], [0, 0, 1])
    with pytest.raises(ShapeError, match="`groups`"):
        ratings.plackett_luce_groups([["x", "y"]], [0, 1])


def _problems(seed: int, n_groups: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Battles of ``n_groups`` problems (players of different problems share names), shuffled
    together (the order within each problem kept), and the problem of each."""
    rng = np.random.default_rng(seed)
    parts, names = [], []
    for k in range(n_groups):
        df = battles(seed + k, int(rng.integers(2, 6)), int(rng.integers(20, 80)))
        parts.append(df)
        names += [f"g{k}"] * len(df["winner"])
    data = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    # A random interleaving of the problems: each problem's comparisons keep their order.
    interleave = np.asarray(names)[rng.permutation(len(names))]
    perm = np.empty(len(names), dtype=np.int64)
    for k in range(n_groups):
        perm[interleave == f"g{k}"] = np.flatnonzero(np.asarray(names) == f"g{k}")
    return {key: v[perm] for key, v in data.items()}, np.asarray(names)[perm]


def _assert_same_board(board, alone, **parameter_tolerance):
    """A problem's grouped Ratings equal its Ratings alone: players, ratings and their
    intervals to 1e-9, the other parameters and their intervals to ``parameter_tolerance``."""
    assert board.players.tolist() == alone.players.tolist()
    assert board.method == alone.method
    np.testing.assert_allclose(board.ratings, alone.ratings, atol=1e-9)
    assert (board.bootstrap is None) == (alone.bootstrap is None)
    if alone.bootstrap is not None:
        np.testing.assert_allclose(board.bootstrap, alone.bootstrap, atol=1e-9)
    assert (board.lower is None) == (alone.lower is None)
    if alone.lower is not None:
        np.testing.assert_allclose(board.lower, alone.lower, atol=1e-9)
        np.testing.assert_allclose(board.upper, alone.upper, atol=1e-9)
    assert (board.parameters or {}).keys() == (alone.parameters or {}).keys()
    for name, value in (alone.parameters or {}).items():
        np.testing.assert_allclose(board.parameters[name], value, **parameter_tolerance)
    assert (board.parameter_intervals is None) == (alone.parameter_intervals is None)
    for name, bounds in (alone.parameter_intervals or {}).items():
        np.testing.assert_allclose(board.parameter_intervals[name], bounds, **parameter_tolerance)


# Every grouped comparison model, its options, and how close its other parameters (the tie
# parameter, the coefficients) must be to those of the fit alone.
COMPARISON_MODELS = [
    ("bradley_terry", {"alpha": 0.1}, {}),
    ("davidson", {"alpha": 0.1}, {"rtol": 1e-9}),
    ("rao_kupper", {"alpha": 0.1}, {"rtol": 1e-9}),
    ("contextual_bradley_terry", {"alpha": 0.1}, {"atol": 1e-9}),
    ("elo", {"k": 8.0}, {}),
    ("rank_centrality", {"alpha": 0.1}, {}),
]
FITTED = {"bradley_terry", "davidson", "rao_kupper", "contextual_bradley_terry"}  # intervals


def _rows(value, mask):
    """The rows ``mask`` of an argument: an array, or a dict of columns (features)."""
    return {k: v[mask] for k, v in value.items()} if isinstance(value, dict) else value[mask]


@pytest.mark.parametrize(("model", "options", "parameter_tolerance"), COMPARISON_MODELS)
@problems
def test_each_problem_equals_the_model_on_it_alone(
    model, options, parameter_tolerance, seed, n_groups, weighted, intervals
):
    if model in FITTED:
        options = {**options, **_intervals(intervals, seed)}
    data, groups = _problems(seed, n_groups)
    rng = np.random.default_rng(seed)
    w = rng.integers(1, 4, len(groups)).astype(float) if weighted else None
    if model == "contextual_bradley_terry":
        n = len(groups)
        data["features"] = {"length": rng.normal(size=n), "markdown": rng.normal(size=n)}
    alone = {}
    for key in np.unique(groups).tolist():
        mask = groups == key
        try:
            alone[key] = getattr(ratings, model)(
                **{k: _rows(v, mask) for k, v in data.items()},
                weights=None if w is None else w[mask],
                **options,
            )
        except InvalidValueError:  # e.g. a resample without ties: so must the grouped call
            with pytest.raises(InvalidValueError, match="problem"):
                getattr(ratings, f"{model}_groups")(**data, groups=groups, weights=w, **options)
            return
    boards = getattr(ratings, f"{model}_groups")(**data, groups=groups, weights=w, **options)
    assert sorted(boards) == sorted(set(groups.tolist()))
    for key, board in boards.items():
        if model == "elo":  # bit for bit: the same operations in the same order
            assert board.ratings.tolist() == alone[key].ratings.tolist()
        _assert_same_board(board, alone[key], **parameter_tolerance)


GROUPED = ["davidson_groups", "rao_kupper_groups", "elo_groups", "rank_centrality_groups"]


@pytest.mark.parametrize("name", GROUPED)
def test_grouped_comparisons_refuse_bad_input_by_name(name):
    grouped = getattr(ratings, name)
    with pytest.raises(ShapeError, match="`groups`"):
        grouped(["x"], ["y"], ["model_a"], [0, 1])
    with pytest.raises(ShapeError, match="`model_b`"):
        grouped(["x", "y"], ["y"], ["model_a", "tie"], [0, 0])
    with pytest.raises(InvalidValueError, match="winner"):
        grouped(["x"], ["y"], ["nobody"], [0])
    with pytest.raises(InvalidValueError, match="`weights`"):
        grouped(["x", "p"], ["y", "q"], ["model_a", "tie"], [0, 1], weights=[1.0, -1.0])


@pytest.mark.parametrize("name", ["davidson_groups", "rao_kupper_groups", "rank_centrality_groups"])
def test_grouped_fits_refuse_a_bad_alpha_by_name(name):
    with pytest.raises(InvalidValueError, match="alpha"):
        getattr(ratings, name)(["x"], ["y"], ["model_a"], [0], alpha=-1.0)


def test_elo_groups_refuses_a_bad_k_by_name():
    with pytest.raises(InvalidValueError, match="`k`"):
        ratings.elo_groups(["x"], ["y"], ["model_a"], [0], k=float("nan"))


@pytest.mark.parametrize("name", ["davidson_groups", "rao_kupper_groups"])
def test_a_tie_model_problem_that_cannot_be_fitted_is_named(name):
    # problem 1: p always beats q, and no ties: no finite maximum without alpha
    with pytest.raises(InvalidValueError, match="problem 1"):
        getattr(ratings, name)(
            ["x", "x", "p"], ["y", "y", "q"], ["model_a", "model_b", "model_a"], [0, 0, 1]
        )


@settings(max_examples=20, deadline=None)
@given(seed=SEEDS, n_groups=st.integers(1, 6))
def test_each_problem_equals_luce_choice_on_it_alone(seed, n_groups):
    rng = np.random.default_rng(seed)
    chosen, alternatives, names = [], [], []
    for k in range(n_groups):
        m = int(rng.integers(2, 6))
        for _ in range(int(rng.integers(5, 40))):
            order = rng.permutation(m)
            chosen.append(f"p{order[0]}")
            alternatives.append([f"p{i}" for i in order[1 : rng.integers(2, m + 1)]])
            names.append(f"g{k}")
    perm = rng.permutation(len(names))
    chosen = [chosen[i] for i in perm]
    alternatives = [alternatives[i] for i in perm]
    groups = np.asarray(names)[perm]
    boards = ratings.luce_choice_groups(chosen, alternatives, groups, alpha=0.1)
    assert sorted(boards) == sorted(set(names))
    for key, board in boards.items():
        idx = np.flatnonzero(groups == key)
        alone = ratings.luce_choice(
            [chosen[i] for i in idx], [alternatives[i] for i in idx], alpha=0.1
        )
        _assert_same_board(board, alone)


def test_luce_choice_groups_refuses_bad_input_by_name():
    with pytest.raises(ShapeError, match="`groups`"):
        ratings.luce_choice_groups(["a"], [["b"]], [0, 1])
    with pytest.raises(ShapeError, match="`alternatives`"):
        ratings.luce_choice_groups(["a", "b"], [["b"]], [0, 0])
    with pytest.raises(InvalidValueError, match="alternatives"):
        ratings.luce_choice_groups(["a"], [["a", "b"]], [0])
    with pytest.raises(InvalidValueError, match="alpha"):
        ratings.luce_choice_groups(["a"], [["b"]], [0], alpha=-1.0)
    with pytest.raises(InvalidValueError, match="problem 1"):
        # problem 1: q is never chosen, no finite maximum without alpha
        ratings.luce_choice_groups(["a", "b", "p"], [["b"], ["a"], ["q"]], [0, 0, 1])


def test_contextual_groups_refuse_bad_input_by_name():
    fit = ratings.contextual_bradley_terry_groups
    with pytest.raises(ShapeError, match="`groups`"):
        fit(["x"], ["y"], ["model_a"], {"f": [1.0]}, [0, 1])
    with pytest.raises(ShapeError, match="features"):
        fit(["x", "p"], ["y", "q"], ["model_a", "tie"], {"f": [1.0]}, [0, 1])
    with pytest.raises(InvalidValueError, match="features"):
        fit(["x", "p"], ["y", "q"], ["model_a", "tie"], {"f": [1.0, np.nan]}, [0, 1], alpha=1.0)
    with pytest.raises(InvalidValueError, match="alpha"):
        fit(["x"], ["y"], ["model_a"], {"f": [1.0]}, [0], alpha=-1.0)


@pytest.mark.parametrize("model", sorted(FITTED))
def test_explicit_resamples_of_each_problem_equal_those_resamples_alone(model):
    data, groups = _problems(7, 3)
    rng = np.random.default_rng(7)
    if model == "contextual_bradley_terry":
        data["features"] = {"length": rng.normal(size=len(groups))}
    keys = np.unique(groups).tolist()
    given = {k: rng.integers(0, (groups == k).sum(), (12, (groups == k).sum())) for k in keys}
    kw = {"intervals": "bootstrap", "alpha": 0.1, "confidence": 0.8}
    boards = getattr(ratings, f"{model}_groups")(**data, groups=groups, resamples=given, **kw)
    for key, board in boards.items():
        mask = groups == key
        alone = getattr(ratings, model)(
            **{k: _rows(v, mask) for k, v in data.items()}, resamples=given[key], **kw
        )
        _assert_same_board(board, alone, rtol=1e-9)
        assert board.bootstrap.shape == (12, len(board.players))


def test_grouped_resamples_are_refused_by_name():
    data, groups = _problems(3, 2)
    fit = ratings.bradley_terry_groups
    n0 = int((groups == "g0").sum())
    ok = np.zeros((4, n0), dtype=np.int64)
    with pytest.raises(InvalidValueError, match="g1"):  # a problem without resamples
        fit(**data, groups=groups, intervals="bootstrap", resamples={"g0": ok}, alpha=0.1)
    with pytest.raises(InvalidValueError, match="not in `groups`"):
        fit(**data, groups=groups, intervals="bootstrap", resamples={"zz": ok}, alpha=0.1)
    n1 = int((groups == "g1").sum())
    bad = {"g0": ok, "g1": np.zeros((5, n1), dtype=np.int64)}  # counts differ
    with pytest.raises(ShapeError, match="g1"):
        fit(**data, groups=groups, intervals="bootstrap", resamples=bad, alpha=0.1)
    out_of_range = {"g0": ok + n0, "g1": np.zeros((4, n1), dtype=np.int64)}
    with pytest.raises(InvalidValueError, match="problem 0"):
        fit(**data, groups=groups, intervals="bootstrap", resamples=out_of_range, alpha=0.1)
    with pytest.raises(InvalidValueError, match="n_resamples"):
        fit(**data, groups=groups, intervals="bootstrap", n_resamples=0)


ONLINE = [
    ("openskill", {}),
    ("openskill", {"beta": 2.0, "kappa": 0.01, "tau": 0.0, "mu": 0.0, "sigma": 1.0}),
    ("trueskill", {}),
    ("trueskill", {"draw_probability": 0.3, "tau": 1.0, "mu": 10.0, "sigma": 3.0}),
]


@pytest.mark.parametrize(("model", "options"), ONLINE)
@settings(max_examples=20, deadline=None)
@given(seed=SEEDS, n_groups=st.integers(1, 6), draws=st.booleans())
def test_each_leaderboard_equals_the_online_model_on_it_alone(
    model, options, seed, n_groups, draws
):
    rng = np.random.default_rng(seed)
    games, names, ranks = [], [], []
    for k in range(n_groups):
        part = _votes(rng, int(rng.integers(2, 8)), int(rng.integers(1, 30)), "p")
        games += part
        names += [f"g{k}"] * len(part)
        ranks += [rng.integers(0, 3, len(m)).tolist() for m in part]
    perm = rng.permutation(len(names))
    games = [games[i] for i in perm]
    ranks = [ranks[i] for i in perm]
    groups = np.asarray(names)[perm]
    kw = dict(options)
    if model == "trueskill" and draws:
        kw["ranks"] = ranks
    alone = {}
    for key in np.unique(groups).tolist():
        idx = np.flatnonzero(groups == key)
        local = {**kw}
        if "ranks" in kw:
            local["ranks"] = [ranks[i] for i in idx]
        try:
            alone[key] = getattr(ratings, model)([games[i] for i in idx], **local)
        except InvalidValueError:  # the package's FloatingPointError: the grouped call too
            with pytest.raises(InvalidValueError, match="problem"):
                getattr(ratings, f"{model}_groups")(games, groups, **kw)
            return
    boards = getattr(ratings, f"{model}_groups")(games, groups, **kw)
    assert sorted(boards) == sorted(alone)
    for key, board in boards.items():
        _assert_same_board(board, alone[key])
        assert board.sigma.tolist() == alone[key].sigma.tolist()  # bit for bit
        assert board.ratings.tolist() == alone[key].ratings.tolist()


def test_online_groups_refuse_bad_input_by_name():
    with pytest.raises(ShapeError, match="`groups`"):
        ratings.openskill_groups([["a", "b"]], [0, 1])
    with pytest.raises(InvalidValueError, match="problem 1"):
        ratings.trueskill_groups(
            [["a", "b"], ["c", "d"]], [0, 1], ranks=[[0, 1], [0, 0]], draw_probability=0.0
        )
    with pytest.raises(ShapeError, match="ranks"):
        ratings.trueskill_groups([["a", "b"]], [0], ranks=[[0]])
    with pytest.raises(InvalidValueError, match="beta"):
        ratings.openskill_groups([["a", "b"]], [0], beta=-1.0)
    with pytest.raises(RankwiseError, match="mu"):
        ratings.trueskill_groups([["a", "b"]], [0], mu=float("nan"))
