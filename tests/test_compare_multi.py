"""Tests over all systems and resampled intervals: Tukey's HSD (scipy.stats.tukey_hsd) and the
bootstrap percentile and BCa intervals (scipy.stats.bootstrap given the same resamples)."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import rankwise
from rankwise.errors import InvalidValueError, RankwiseTypeError, ShapeError
from rankwise.stats import bootstrap_interval, tukey_hsd

from .test_compare_stats import QRELS, RUNS  # three systems over 30 queries

# Per-query values like those of IR measures: many ties, many zeros.
VALUES = st.one_of(
    st.sampled_from([0.0, 0.1, 0.25, 0.5, 1.0]),
    st.floats(0, 1, allow_nan=False, allow_subnormal=False),
)


def quiet(f, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f(*args, **kw)


@st.composite
def matrices(draw, max_k=5, max_n=25):
    k, n = draw(st.integers(2, max_k)), draw(st.integers(2, max_n))
    rows = [draw(st.lists(VALUES, min_size=n, max_size=n)) for _ in range(k)]
    if draw(st.booleans()):  # a system that copies another, shifted
        rows[-1] = [v + draw(st.sampled_from([0.0, 0.25, 2.0])) for v in rows[0]]
    return np.array(rows)


# ------------------------------------------------------------------ Tukey HSD


# scipy integrates the studentized range in Python (nquad): 1 to 3 s an example, so 12 keep
# CI's profile to well under a minute here.
@settings(max_examples=12, deadline=None)
@given(matrices(max_k=4, max_n=12), st.sampled_from([0.9, 0.95, 0.99]))
def test_tukey_hsd_equals_scipy(scores, confidence):
    want = quiet(stats.tukey_hsd, *scores)
    got = tukey_hsd(scores, confidence)
    np.testing.assert_allclose(got.statistic, want.statistic, rtol=0, atol=1e-15)
    if np.isnan(want.pvalue).any():  # no spread within systems: rankwise's convention
        assert np.array_equal(got.p_value, np.where(got.statistic == 0, 1.0, 0.0))
        assert np.array_equal(got.low, got.statistic) and np.array_equal(got.high, got.statistic)
        return
    # scipy: sf = 1 - cdf, integrated to epsabs=1e-11.
    np.testing.assert_allclose(got.p_value, want.pvalue, rtol=0, atol=1e-9)
    ci = quiet(want.confidence_interval, confidence)
    np.testing.assert_allclose(got.low, ci.low, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got.high, ci.high, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(("k", "n", "shift"), [(2, 3, 0.4), (5, 20, 0.3), (3, 250, 0.1)])
def test_tukey_hsd_tails_and_large_df_match_scipy(k, n, shift):
    rng = np.random.default_rng(k * n)
    scores = rng.random((k, n)) * 0.5 + shift * np.arange(k)[:, None]
    want = stats.tukey_hsd(*scores)
    got = tukey_hsd(scores)
    np.testing.assert_allclose(got.p_value, want.pvalue, rtol=0, atol=1e-9)
    ci = want.confidence_interval()
    np.testing.assert_allclose(got.low, ci.low, rtol=1e-9)
    # Small p-values keep their relative accuracy (scipy's 1 - cdf cannot): they shrink as the
    # standardised difference grows, and stay positive.
    p = got.p_value[0]
    assert np.all(p[1:] > 0) and np.all(np.diff(p[1:]) <= 0)


def test_tukey_hsd_refuses_bad_input_and_sits_on_comparison():
    with pytest.raises(InvalidValueError, match="`confidence` must be in"):
        tukey_hsd([[0.1, 0.2], [0.3, 0.4]], confidence=1.5)
    with pytest.raises(InvalidValueError, match="`scores` must be at least 2 systems"):
        tukey_hsd([[0.1, 0.2]])
    with pytest.raises(InvalidValueError, match="`scores` must be finite values"):
        tukey_hsd([[0.1, 0.2], [0.3, math.nan]])
    with pytest.raises(ShapeError, match="`scores` must be 2-D"):
        tukey_hsd([0.1, 0.2])
    c = rankwise.compare(QRELS, RUNS, ["AP"], correction=None)
    t = c.tukey_hsd("AP", 0.9)
    want = tukey_hsd(c.scores["AP"], 0.9)
    assert np.array_equal(t.p_value, want.p_value) and np.array_equal(t.low, want.low)


# ------------------------------------------------------------------ randomised Tukey HSD


def carterette_reference(scores, perms):
    """Carterette's randomised Tukey HSD (ACM TOIS 30(1), 2012, 4.2; Sakai 2018, 4.5), loop by
    loop: permute each topic's values among the systems, take the range of the system means,
    count the resamples whose range reaches each pair's difference. Counted from 1 over
    1 + B as rankwise does; a 1e-12 tolerance on sums keeps exact ties (rounding) counted."""
    k, n = len(scores), len(scores[0])
    sums = [0.0] * k
    for s in range(k):
        for t in range(n):
            sums[s] += scores[s][t]
    tol = 1e-12 * max(abs(v) for v in sums)
    ranges = []
    for perm in perms:
        permuted = [0.0] * k
        for t in range(n):
            for s in range(k):
                permuted[s] += scores[perm[t][s]][t]
        ranges.append(max(permuted) - min(permuted))
    p = np.empty((k, k))
    for i in range(k):
        for j in range(k):
            hits = sum(r >= abs(sums[i] - sums[j]) - tol for r in ranges)
            p[i, j] = (1 + hits) / (1 + len(ranges))
    return p


@settings(max_examples=100, deadline=None)
@given(matrices(max_k=5, max_n=12), st.integers(0, 2**32))
def test_randomized_tukey_hsd_equals_a_transcription_of_carterette(scores, seed):
    k, n = scores.shape
    rng = np.random.default_rng(seed)
    perms = np.array([[rng.permutation(k) for _ in range(n)] for _ in range(60)])
    got = rankwise.stats.randomized_tukey_hsd(scores, permutations=perms)
    np.testing.assert_array_equal(got, carterette_reference(scores.tolist(), perms.tolist()))


def test_randomized_tukey_hsd_over_every_permutation_is_the_exact_test():
    scores = np.array([[0.9, 0.7, 0.8], [0.1, 0.3, 0.2], [0.15, 0.25, 0.3]])
    one_topic = list(itertools.permutations(range(3)))
    perms = np.array(list(itertools.product(one_topic, repeat=3)))  # all 6^3
    got = rankwise.stats.randomized_tukey_hsd(scores, permutations=perms)
    np.testing.assert_array_equal(got, carterette_reference(scores.tolist(), perms.tolist()))
    # System 0 beats the others on every topic: few permutations keep a range as wide, while
    # systems 1 and 2 differ by little.
    assert got[0, 1] < 0.15 and got[1, 2] > 0.5
    seeded = rankwise.stats.randomized_tukey_hsd(scores, n_resamples=20_000, seed=5)
    np.testing.assert_allclose(seeded, got, atol=0.02)  # the Monte Carlo estimate
    c = rankwise.compare(QRELS, RUNS, ["AP"], correction=None)
    assert np.array_equal(
        c.randomized_tukey_hsd("AP", n_resamples=500, seed=2),
        rankwise.stats.randomized_tukey_hsd(c.scores["AP"], n_resamples=500, seed=2),
    )
    with pytest.raises(ShapeError, match=r"`permutations` must have shape \(n_resamples, 3, 3\)"):
        rankwise.stats.randomized_tukey_hsd(scores, permutations=perms[:, :2])
    bad = perms.copy()
    bad[0, 0] = [0, 0, 1]
    with pytest.raises(InvalidValueError, match=r"`permutations` must be a permutation of 0\.\.3"):
        rankwise.stats.randomized_tukey_hsd(scores, permutations=bad)


# ------------------------------------------------------------------ bootstrap intervals


@st.composite
def bootstrap_cases(draw):
    n = draw(st.integers(2, 30))
    x = np.array(draw(st.lists(VALUES, min_size=n, max_size=n)))
    y = np.array(draw(st.lists(VALUES, min_size=n, max_size=n))) if draw(st.booleans()) else None
    return x, y, draw(st.integers(0, 2**32))


@settings(max_examples=150, deadline=None)
@given(
    bootstrap_cases(),
    st.sampled_from(["percentile", "bca"]),
    st.sampled_from(["two-sided", "greater", "less"]),
    st.sampled_from([0.8, 0.9, 0.95]),
)
def test_bootstrap_interval_equals_scipy_given_the_same_resamples(case, method, alt, confidence):
    x, y, seed = case
    d = x if y is None else x - y
    n, b = len(d), 199
    idx = np.random.default_rng(seed).integers(0, n, (b, n))
    kw = {"method": method, "confidence_level": confidence, "alternative": alt}
    want = quiet(
        stats.bootstrap, (d,), np.mean, n_resamples=b, rng=np.random.default_rng(seed), **kw
    )
    ci = want.confidence_interval
    args = (x,) if y is None else (x, y)
    if np.all(d == d[0]):  # no spread: scipy NaN (BCa) or the value; rankwise the mean
        got = bootstrap_interval(*args, confidence=confidence, method=method, alternative=alt,
                                 resamples=idx)  # fmt: skip
        m = np.mean(d)
        assert got[0] in (m, -math.inf) and got[1] in (m, math.inf)
        return
    if np.isnan([ci.low, ci.high]).any():  # BCa's bias correction or acceleration undefined
        assert method == "bca"
        with pytest.raises(InvalidValueError, match="`method` must be 'percentile' here: BCa's"):
            bootstrap_interval(*args, confidence=confidence, method=method, alternative=alt,
                               resamples=idx)  # fmt: skip
        return
    got = bootstrap_interval(*args, confidence=confidence, method=method, alternative=alt,
                             resamples=idx)  # fmt: skip
    np.testing.assert_allclose(got, (ci.low, ci.high), rtol=1e-12, atol=1e-14)


def test_comparison_bootstrap_intervals_are_those_of_each_pair():
    c = rankwise.compare(QRELS, RUNS, ["AP", "RR"], correction=None)
    idx = np.random.default_rng(5).integers(0, 30, (500, 30))
    for m in c.measures:
        s = c.scores[m]
        for method in ("percentile", "bca"):
            diff = c.difference_intervals(m, 0.9, method, resamples=idx)
            means = c.mean_intervals(m, 0.9, method, resamples=idx)
            for i, j in itertools.permutations(range(3), 2):
                want = bootstrap_interval(s[i], s[j], confidence=0.9, method=method, resamples=idx)
                assert tuple(diff[i, j]) == want
            for i in range(3):
                want = bootstrap_interval(s[i], confidence=0.9, method=method, resamples=idx)
                assert tuple(means[i]) == want
            assert np.all(diff[[0, 1, 2], [0, 1, 2]] == 0)
    # Seeded draws: reproducible, and a fair bootstrap (it covers the mean difference).
    one = c.difference_intervals("AP", 0.95, "bca", n_resamples=2000, seed=3)
    assert np.array_equal(one, c.difference_intervals("AP", 0.95, "bca", n_resamples=2000, seed=3))
    d = c.scores["AP"][0] - c.scores["AP"][1]
    assert one[0, 1, 0] <= d.mean() <= one[0, 1, 1]


def test_bootstrap_refuses_bad_input():
    x, y = [0.1, 0.5, 0.3], [0.2, 0.2, 0.4]
    with pytest.raises(ShapeError, match=r"`resamples` must have shape \(n_resamples, 3\)"):
        bootstrap_interval(x, y, resamples=[[0, 1], [1, 2]])
    with pytest.raises(InvalidValueError, match=r"`resamples` must hold indices in 0..2; got 3"):
        bootstrap_interval(x, y, resamples=[[0, 1, 3]])
    with pytest.raises(RankwiseTypeError, match="`resamples` must be an integer array"):
        bootstrap_interval(x, y, resamples=[[0.0, 1.0, 2.0]])
    with pytest.raises(InvalidValueError, match="`method` must be one of"):
        bootstrap_interval(x, y, method="bc")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="`n_resamples` must be"):
        bootstrap_interval(x, n_resamples=0)
    with pytest.raises(InvalidValueError, match="`x` must be finite values; got NaN"):
        bootstrap_interval([0.1, math.nan])
    with pytest.raises(InvalidValueError, match="`y` must be finite values; got inf"):
        bootstrap_interval(x, [0.1, math.inf, 0.2])
    with pytest.raises(InvalidValueError, match="`x` must be at least 2 values; got 1 values"):
        bootstrap_interval([0.1])
    c = rankwise.compare(QRELS, RUNS, ["AP"], correction=None)
    with pytest.raises(InvalidValueError, match="`method` must be one of"):
        c.mean_intervals("AP", method="bootstrap")  # type: ignore[arg-type]


# ------------------------------------------------------------------ plot


def test_plot_draws_sorted_differences_and_the_interval():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    c = rankwise.compare(QRELS, RUNS, ["AP"], correction=None)
    fig = c.plot("AP", "two", confidence=0.9, method="percentile")
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    s = c.scores["AP"]
    ci = c.difference_intervals("AP", 0.9, "percentile")
    for ax, i in zip(fig.axes, (0, 2), strict=True):
        bars = list(ax.containers[0])
        np.testing.assert_array_equal([b.get_height() for b in bars], np.sort(s[i] - s[1]))
        (band,) = [p for p in ax.patches if p not in bars]  # axhspan: a Rectangle
        lo, hi = band.get_y(), band.get_y() + band.get_height()
        np.testing.assert_allclose((lo, hi), ci[i, 1])
        assert c.systems[i] in ax.get_ylabel()
    fig.savefig(__import__("io").BytesIO(), format="png")
    with pytest.raises(InvalidValueError, match="`baseline` must be one of the compared systems"):
        c.plot("AP", "four")
