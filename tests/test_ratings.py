"""rankwise.ratings against the LMSYS arena's code, choix and statsmodels.

The arena references are transcriptions of lm-sys/FastChat
``fastchat/serve/monitor/elo_analysis.py`` (``compute_elo``, ``compute_mle_elo``,
``get_bootstrap_result``) and ``fastchat/serve/monitor/monitor.py``
(``recompute_final_ranking``).
"""

from __future__ import annotations

import math
import sys
from collections import defaultdict
from statistics import NormalDist
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from rankwise import ratings
from rankwise.errors import InvalidValueError, RankwiseError, ShapeError
from tests.ratings_matches import (
    SEEDS,
    battles,
    player_indices,
    resample_ok,
    winners_and_losers,
)

choix = pytest.importorskip("choix")


def arena_compute_elo(df: dict[str, Any], K=4, SCALE=400, BASE=10, INIT_RATING=1000):  # noqa: N803
    """``compute_elo`` of FastChat's elo_analysis.py, line for line."""
    rating: dict[str, float] = defaultdict(lambda: INIT_RATING)
    for model_a, model_b, winner in zip(df["model_a"], df["model_b"], df["winner"], strict=True):
        ra = rating[model_a]
        rb = rating[model_b]
        ea = 1 / (1 + BASE ** ((rb - ra) / SCALE))
        eb = 1 / (1 + BASE ** ((ra - rb) / SCALE))
        if winner == "model_a":
            sa = 1
        elif winner == "model_b":
            sa = 0
        elif winner == "tie" or winner == "tie (bothbad)":
            sa = 0.5
        else:
            raise Exception(f"unexpected vote {winner}")
        rating[model_a] += K * (sa - ea)
        rating[model_b] += K * (1 - sa - eb)
    return dict(rating)


def arena_compute_mle_elo(df: dict[str, Any], SCALE=400, BASE=10, INIT_RATING=1000):  # noqa: N803
    """``compute_mle_elo`` of FastChat's elo_analysis.py: the win table ``2 * a_win + 2 *
    b_win.T + tie + tie.T`` (built with numpy instead of pandas pivot tables), one pair of
    logistic-regression rows per ordered pair of models, weighted by the table, fitted without
    intercept or penalty at tol 1e-6 (``C=np.inf`` is sklearn >= 1.8's ``penalty=None``)."""
    from sklearn.linear_model import LogisticRegression

    models = sorted(set(df["model_a"]) | set(df["model_b"]))
    ix = {m: i for i, m in enumerate(models)}
    p = len(models)
    a = np.array([ix[m] for m in df["model_a"]])
    b = np.array([ix[m] for m in df["model_b"]])
    w = np.asarray(df["winner"])
    a_win, b_win, tie = (np.zeros((p, p)) for _ in range(3))
    np.add.at(a_win, (a[w == "model_a"], b[w == "model_a"]), 1)
    np.add.at(b_win, (a[w == "model_b"], b[w == "model_b"]), 1)
    is_tie = np.isin(w, ["tie", "tie (bothbad)"])
    np.add.at(tie, (a[is_tie], b[is_tie]), 1)
    ptbl_win = a_win * 2 + b_win.T * 2 + tie + tie.T
    X = np.zeros([p * (p - 1) * 2, p])  # noqa: N806
    Y = np.zeros(p * (p - 1) * 2)  # noqa: N806
    cur_row = 0
    sample_weights = []
    for m_a in range(p):
        for m_b in range(p):
            if m_a == m_b:
                continue
            X[cur_row, m_a] = +math.log(BASE)
            X[cur_row, m_b] = -math.log(BASE)
            Y[cur_row] = 1.0
            sample_weights.append(ptbl_win[m_a, m_b])
            X[cur_row + 1, m_a] = math.log(BASE)
            X[cur_row + 1, m_b] = -math.log(BASE)
            Y[cur_row + 1] = 0.0
            sample_weights.append(ptbl_win[m_b, m_a])
            cur_row += 2
    X = X[:cur_row]  # noqa: N806
    Y = Y[:cur_row]  # noqa: N806
    lr = LogisticRegression(fit_intercept=False, C=np.inf, tol=1e-6)
    lr.fit(X, Y, sample_weight=sample_weights)
    return SCALE * lr.coef_[0] + INIT_RATING


def arena_recompute_final_ranking(lower: np.ndarray, upper: np.ndarray) -> list[int]:
    """``recompute_final_ranking`` of FastChat's monitor.py."""
    ranking = []
    for i in range(len(lower)):
        r = 1
        for j in range(len(lower)):
            if i != j and lower[j] > upper[i]:
                r += 1
        ranking.append(r)
    return ranking


ALPHAS = st.sampled_from([0.01, 0.1, 1.0])


@settings(max_examples=15, deadline=None)
@given(seed=SEEDS, n_players=st.integers(2, 5), n=st.integers(40, 150))
def test_bootstrap_equals_the_arena_bootstrap_given_the_same_resamples(seed, n_players, n):
    df = battles(seed, n_players, n)
    rng = np.random.default_rng(seed + 1)
    idx = rng.integers(0, n, (8, n))
    assume(resample_ok(df, np.arange(n), n_players))
    assume(all(resample_ok(df, row, n_players) for row in idx))
    # get_bootstrap_result: one compute_mle_elo per resample (battles.sample(frac=1.0,
    # replace=True) draws the rows `idx` here), then quantiles of each model's column
    rows = np.array([arena_compute_mle_elo({k: v[row] for k, v in df.items()}) for row in idx])
    full = arena_compute_mle_elo(df)
    r = ratings.bradley_terry(**df, resamples=idx)
    # sklearn's lbfgs stops at tol 1e-6: agreement to a hundredth of a rating point
    np.testing.assert_allclose(r.ratings, full, atol=1e-2)
    assert r.bootstrap is not None
    np.testing.assert_allclose(r.bootstrap, rows, atol=1e-2)
    lo, hi = np.quantile(rows, [0.025, 0.975], axis=0)
    assert r.lower is not None and r.upper is not None
    np.testing.assert_allclose(r.lower, lo, atol=1e-2)
    np.testing.assert_allclose(r.upper, hi, atol=1e-2)
    # arena's rank from its own intervals, where they are not within rounding of a tie
    gaps = np.abs(r.lower[None, :] - r.upper[:, None])
    if gaps.min() > 0.05:
        assert r.rank.tolist() == arena_recompute_final_ranking(lo, hi)


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS, n_players=st.integers(2, 6), n=st.integers(1, 200))
def test_elo_equals_the_arena_compute_elo_exactly(seed, n_players, n):
    df = battles(seed, n_players, max(n, n_players))
    arena = arena_compute_elo(df)
    r = ratings.elo(**df)
    assert {str(p): float(v) for p, v in zip(r.players, r.ratings, strict=True)} == arena
    k = ratings.elo(**df, k=32.0, scale=200.0, base=math.e, init=1500.0)
    arena_k = arena_compute_elo(df, K=32.0, SCALE=200.0, BASE=math.e, INIT_RATING=1500.0)
    assert dict(zip(map(str, k.players), k.ratings.tolist(), strict=True)) == arena_k


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS, n_players=st.integers(2, 6), n=st.integers(10, 120))
def test_bradley_terry_without_ties_equals_choix_mm_pairwise(seed, n_players, n):
    df = battles(seed, n_players, n, ties=False)
    winners, losers = winners_and_losers(df)
    alpha = 0.1
    ref = choix.mm_pairwise(n_players, list(zip(winners, losers, strict=True)), alpha=alpha)
    r = ratings.bradley_terry(
        winners, losers, np.ones(n), players=range(n_players), intervals=None, alpha=alpha
    )
    theta = (r.ratings - 1000.0) * math.log(10) / 400.0
    np.testing.assert_allclose(theta, ref, atol=1e-7)


@settings(max_examples=20, deadline=None)
@given(seed=SEEDS, n_players=st.integers(2, 5), n=st.integers(30, 200))
def test_asymptotic_intervals_equal_statsmodels_logit_standard_errors(seed, n_players, n):
    import statsmodels.api as sm

    df = battles(seed, n_players, n, ties=False)
    assume(resample_ok(df, np.arange(n), n_players))
    ia, ib = player_indices(df)
    y = (df["winner"] == "model_a").astype(float)
    x = np.zeros((n, n_players))
    x[np.arange(n), ia] += 1.0
    x[np.arange(n), ib] -= 1.0
    try:
        fit = sm.Logit(y, x[:, 1:]).fit(disp=0, method="newton", tol=1e-12, maxiter=200)
    except Exception:  # statsmodels refuses (perfect) separation: no finite MLE
        assume(False)
    cov = np.zeros((n_players, n_players))
    cov[1:, 1:] = fit.cov_params()
    centre = np.eye(n_players) - 1.0 / n_players
    se = np.sqrt(np.diag(centre @ cov @ centre)) * 400 / math.log(10)
    r = ratings.bradley_terry(**df, intervals="asymptotic", confidence=0.9)
    z = NormalDist().inv_cdf(0.95)
    assert r.lower is not None and r.upper is not None
    np.testing.assert_allclose((r.upper - r.ratings) / z, se, rtol=1e-5)
    np.testing.assert_allclose((r.ratings - r.lower) / z, se, rtol=1e-5)
    theta = np.concatenate([[0.0], fit.params]) @ centre
    np.testing.assert_allclose(r.ratings, 1000 + 400 * theta / math.log(10), atol=1e-5)


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS, n_players=st.integers(2, 6), n=st.integers(1, 100), alpha=ALPHAS)
def test_rank_centrality_equals_choix(seed, n_players, n, alpha):
    df = battles(seed, n_players, max(n, n_players), ties=False)
    winners, losers = winners_and_losers(df)
    ref = choix.rank_centrality(n_players, list(zip(winners, losers, strict=True)), alpha=alpha)
    r = ratings.rank_centrality(winners, losers, np.ones(len(winners)), alpha=alpha)
    np.testing.assert_allclose(r.ratings, ref, atol=1e-9)


def top1_data(seed: int, n_players: int, n: int) -> list[tuple[int, list[int]]]:
    """Random choices: a random set of 2..n_players options, one chosen by Luce's rule."""
    rng = np.random.default_rng(seed)
    strength = rng.gamma(2.0, size=n_players)
    data = []
    for _ in range(n):
        options = rng.permutation(n_players)[: rng.integers(2, n_players + 1)]
        winner = int(rng.choice(options, p=strength[options] / strength[options].sum()))
        data.append((winner, [int(o) for o in options if o != winner]))
    return data


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS, n_players=st.integers(2, 6), n=st.integers(1, 80), alpha=ALPHAS)
def test_luce_choice_equals_choix_mm_top1(seed, n_players, n, alpha):
    data = top1_data(seed, n_players, n)
    chosen = [w for w, _ in data]
    others = [losers for _, losers in data]
    r = ratings.luce_choice(chosen, others, players=range(n_players), alpha=alpha)
    np.testing.assert_allclose(r.ratings, choix.mm_top1(n_players, data, alpha=alpha), atol=1e-9)
    flat = ratings.luce_choice(
        chosen,
        np.concatenate([np.asarray(o, dtype=np.int64) for o in others]),
        offsets=np.concatenate([[0], np.cumsum([len(o) for o in others])]),
        players=range(n_players),
        alpha=alpha,
    )
    np.testing.assert_array_equal(flat.ratings, r.ratings)


def test_luce_choice_refuses_bad_choices_by_name():
    with pytest.raises(InvalidValueError, match="both chosen"):
        ratings.luce_choice(["a"], [["a", "b"]])
    with pytest.raises(InvalidValueError, match="alpha"):
        ratings.luce_choice(["a"], [["b"]])
    with pytest.raises(ShapeError, match="`alternatives`"):
        ratings.luce_choice(["a", "b"], [["b"]])
    with pytest.raises(InvalidValueError, match="unknown player 'z'"):
        ratings.luce_choice(["a"], [["z"]], players=["a", "b"])
    # found by benches/fuzz_api.py: numpy's raw errors leaked through
    with pytest.raises(ShapeError, match="`chosen` must be an array; got nested"):
        ratings.luce_choice([["a", "b"], ["c"]], [["b"], ["a"]])  # type: ignore[list-item]
    with pytest.raises(ShapeError, match="`players` must be an array; got nested"):
        ratings.luce_choice(["a"], [["b"]], players=[[3], [], [-3, 0, 3]])
    with pytest.raises(ShapeError, match="`winner` must be an array; got nested"):
        ratings.elo(["a", "b", "a"], ["b", "a", "b"], [[2], [1, -1], [1]])
    with pytest.raises(RankwiseError, match="`players` must be names of one orderable kind"):
        ratings.elo(["a", "b"], ["b", "a"], ["model_a", "tie"], players=[2**2000, 0])
    with pytest.raises(RankwiseError, match="`players` must be names of one orderable kind"):
        ratings.luce_choice(["a"], [["b"]], players=[b"\xff", b"a"])
    with pytest.raises(InvalidValueError, match="`players` must be a non-empty"):
        ratings.luce_choice(["a"], [["b"]], players=[])


def test_seeded_bootstrap_is_reproducible_and_seed_dependent():
    df = battles(7, 4, 300)
    x = ratings.bradley_terry(**df, n_resamples=50, seed=3)
    y = ratings.bradley_terry(**df, n_resamples=50, seed=3)
    z = ratings.bradley_terry(**df, n_resamples=50, seed=4)
    assert x.bootstrap is not None and y.bootstrap is not None and z.bootstrap is not None
    assert x.bootstrap.shape == (50, 4)
    np.testing.assert_array_equal(x.bootstrap, y.bootstrap)
    assert not np.array_equal(x.bootstrap, z.bootstrap)
    assert x.lower is not None and x.upper is not None
    assert (x.lower < x.upper).all()


def test_bootstrap_does_not_depend_on_the_number_of_threads():
    import rankwise

    df = battles(11, 5, 400)
    before = rankwise.get_num_threads()
    try:
        rankwise.set_num_threads(1)
        one = ratings.bradley_terry(**df, n_resamples=40, seed=9).bootstrap
        rankwise.set_num_threads(2)
        two = ratings.bradley_terry(**df, n_resamples=40, seed=9).bootstrap
    finally:
        rankwise.set_num_threads(before)
    np.testing.assert_array_equal(one, two)


@settings(max_examples=20, deadline=None)
@given(seed=SEEDS, n_players=st.integers(2, 5), n=st.integers(30, 120))
def test_weights_count_like_repeated_comparisons(seed, n_players, n):
    df = battles(seed, n_players, n)
    assume(resample_ok(df, np.arange(n), n_players))
    counts = np.random.default_rng(seed).integers(1, 4, n)
    repeated = {k: np.repeat(v, counts) for k, v in df.items()}
    w = ratings.bradley_terry(**df, weights=counts, intervals="asymptotic")
    r = ratings.bradley_terry(**repeated, intervals="asymptotic")
    np.testing.assert_allclose(w.ratings, r.ratings, atol=1e-6)
    assert w.lower is not None and r.lower is not None
    np.testing.assert_allclose(w.lower, r.lower, atol=1e-6)


def test_ranks_with_intervals_and_the_table():
    # a clear leader, two players that cannot be told apart
    a = ["top"] * 40 + ["p"] * 20 + ["top"] * 40
    b = ["p"] * 40 + ["q"] * 20 + ["q"] * 40
    w = ["model_a"] * 36 + ["model_b"] * 4 + ["model_a", "model_b"] * 10 + ["model_a"] * 36
    w += ["model_b"] * 4
    r = ratings.bradley_terry(a, b, w, n_resamples=200, seed=0)
    assert r.players.tolist() == ["p", "q", "top"]
    assert r.rank.tolist() == [2, 2, 1]
    assert r.rank_worst.tolist() == [3, 3, 1]
    text = repr(r)
    assert "2-3" in text and "top" in text and "95% intervals" in text
    table = r.to_pandas()
    assert table.index.tolist()[0] == "top"
    assert list(table.columns) == ["rank", "rank_worst", "rating", "lower", "upper"]
    e = ratings.elo(a, b, w)
    assert e.lower is None and e.rank.tolist() == list(e.rank_worst)


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"winner": ["model_a", float("nan")]}, InvalidValueError, ["`winner`", "nan"]),
        ({"winner": [1.0, 1.5]}, InvalidValueError, ["`winner`", "1.5"]),
        ({"winner": ["model_a", "draw"]}, InvalidValueError, ["`winner`", "'draw'"]),
        # benches/fuzz_api.py: None in an outcome array was an AttributeError (no .tolist())
        ({"winner": ["model_a", None]}, InvalidValueError, ["`winner`", "None"]),
        ({"winner": np.array([None, 1.0])}, InvalidValueError, ["`winner`", "None"]),
        ({"players": ["x", "y"]}, InvalidValueError, ["`model_a`", "unknown player 'z'"]),
        ({"weights": [1.0, -2.0]}, InvalidValueError, ["`weights`", "-2"]),
        ({"model_b": ["y"]}, ShapeError, ["`model_b`"]),
        ({"model_a": [], "model_b": [], "winner": []}, InvalidValueError, ["`model_a`", "none"]),
        ({"model_b": ["y", "z"], "model_a": ["x", "z"]}, InvalidValueError, ["against itself"]),
    ],
)
@pytest.mark.parametrize("method", [ratings.bradley_terry, ratings.elo, ratings.rank_centrality])
def test_bad_input_raises_a_rankwise_error_naming_it(kwargs, error, words, method):
    args = {"model_a": ["x", "z"], "model_b": ["y", "x"], "winner": ["model_a", "model_b"]}
    args.update(kwargs)
    with pytest.raises(error) as info:
        method(**args)
    assert isinstance(info.value, RankwiseError)
    for word in words:
        assert word in str(info.value), str(info.value)


def test_a_player_that_never_wins_asks_for_alpha_and_bad_options_are_named():
    with pytest.raises(InvalidValueError, match="alpha"):
        ratings.bradley_terry(["x", "y"], ["y", "z"], ["model_a", "model_a"], intervals=None)
    r = ratings.bradley_terry(
        ["x", "y"], ["y", "z"], ["model_a", "model_a"], intervals=None, alpha=0.1
    )
    assert r.rank.tolist() == [1, 2, 3]
    for kw, word in [
        ({"confidence": 1.0}, "`confidence`"),
        ({"base": 1.0}, "`base`"),
        ({"intervals": "jackknife"}, "`intervals`"),
        ({"resamples": [[0, 5]]}, "`resamples`"),
        ({"n_resamples": 0}, "`n_resamples`"),
    ]:
        with pytest.raises(RankwiseError, match=word):
            ratings.bradley_terry(["x", "y"], ["y", "x"], ["model_a", "model_a"], **kw)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT needs POSIX signals")
def test_sigint_stops_a_long_bootstrap_and_rankwise_still_works():
    from tests.test_interrupt import _run_and_interrupt

    # 10^6 resamples of 20,000 comparisons: minutes of work, stopped within seconds
    out = _run_and_interrupt(
        """
        from rankwise import ratings
        a = rng.integers(0, 20, 20000)
        b = (a + rng.integers(1, 20, 20000)) % 20
        s = rng.random(20000).round()
        def call():
            ratings.bradley_terry(a, b, s, n_resamples=10**6)
        """
    )
    assert "AFTER 0.5" in out, out
