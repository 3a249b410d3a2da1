"""rankwise.correlation against scipy, against brute-force definitions, and its properties.

* Kendall: tau-b/tau-c from ``compat.scipy.kendalltau`` bit-identical to scipy (statistic and
  p-value, every method and alternative, heavy ties, n up to a few thousand);
  ``correlation.kendall_tau`` with the same p-value and tau within an ulp; tau-a/b/c equal
  the O(n^2) pair-counting definitions;
* weighted tau bit-identical to ``scipy.stats.weightedtau`` for every rank mode, both
  additive modes and a custom weigher, and equal to the O(n^2) definition;
* Spearman within ulps of scipy, p-value within 1e-11 (1e-9 when scipy's rho is an ulp off);
* AP correlation and RBO equal direct transcriptions of their definitions;
* rows (2-D ``axis``, ragged ``offsets``) equal one call per row.
"""

from __future__ import annotations

import decimal
import itertools
import math
import warnings
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
import scipy.stats
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats._axis_nan_policy import SmallSampleWarning as ScipySmallSampleWarning

import rankwise
from rankwise.compat import scipy as cs
from rankwise.correlation import (
    ap_correlation,
    correlate_systems,
    kendall_tau,
    rbo,
    spearman,
    weighted_tau,
)
from rankwise.errors import ConstantInputWarning, SmallSampleWarning

ALTERNATIVES = ["two-sided", "less", "greater"]


decimal.getcontext().prec = 60


# ----------------------------------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------------------------------
@st.composite
def tied_pairs(draw, min_size=2, max_size=60, levels=None):
    """Small x, y with many ties (few distinct values), shrinkable."""
    n = draw(st.integers(min_size, max_size))
    k = levels or draw(st.integers(1, 8))
    x = draw(st.lists(st.integers(0, k), min_size=n, max_size=n))
    y = draw(st.lists(st.integers(0, k), min_size=n, max_size=n))
    return np.array(x, dtype=float), np.array(y, dtype=float)


@st.composite
def big_pairs(draw, max_n=3000):
    """Large x, y from a seed: correlated, with ties from a random number of levels (or none)."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, max_n))
    x = rng.random(n)
    y = x + rng.normal(0, rng.choice([0.05, 0.5, 5.0]), n)
    levels = rng.choice([0, 2, 5, 30, 1000])
    if levels:
        x, y = np.floor(x * levels), np.floor(y * levels)
    if rng.random() < 0.2:
        y = -y
    return x, y


def same(a, b):
    """Bit-identical floats (NaN equals NaN)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))


def quiet(f, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f(*args, **kwargs)


# ----------------------------------------------------------------------------------------------
# Kendall
# ----------------------------------------------------------------------------------------------
def brute_kendall(x, y):
    """(P, Q, n1, n2) by comparing every pair."""
    x, y = np.asarray(x), np.asarray(y)
    i, j = np.triu_indices(len(x), 1)
    sx, sy = np.sign(x[i] - x[j]), np.sign(y[i] - y[j])
    p = int(np.sum(sx * sy > 0))
    q = int(np.sum(sx * sy < 0))
    return p, q, int(np.sum(sx == 0)), int(np.sum(sy == 0))


@given(tied_pairs(max_size=40), st.sampled_from(["a", "b", "c"]))
def test_kendall_tau_equals_the_pair_counting_definition(data, variant):
    x, y = data
    n = len(x)
    p, q, n1, n2 = brute_kendall(x, y)
    n0 = n * (n - 1) // 2
    got = quiet(kendall_tau, x, y, variant=variant).statistic
    if n1 == n0 or n2 == n0:
        assert math.isnan(got)
        return
    # The exact values, rounded once (tau is correctly rounded).
    if variant == "a":
        want = float(Fraction(p - q, n0))
    elif variant == "b":
        den = (Decimal(n0 - n1) * Decimal(n0 - n2)).sqrt()
        want = float(Decimal(p - q) / den)
    else:
        m = min(len(set(x)), len(set(y)))
        want = float(Fraction(2 * (p - q) * m, n * n * (m - 1)))
    assert got == want


@given(
    st.one_of(tied_pairs(), big_pairs()),
    st.sampled_from(["b", "c"]),
    st.sampled_from(["auto", "asymptotic", "exact"]),
    st.sampled_from(ALTERNATIVES),
)
def test_kendalltau_is_bit_identical_to_scipy(data, variant, method, alternative):
    x, y = data
    kwargs = {"variant": variant, "method": method, "alternative": alternative}
    try:
        want = quiet(scipy.stats.kendalltau, x, y, **kwargs)
    except ValueError:  # "Ties found, exact method cannot be used."
        with pytest.raises(ValueError, match="exact distribution assumes none"):
            cs.kendalltau(x, y, **kwargs)
        return
    except ZeroDivisionError:  # scipy, n = 2 with method="asymptotic" (pinned elsewhere)
        return
    got = quiet(cs.kendalltau, x, y, **kwargs)
    assert same(got.statistic, want.statistic), (got, want)
    assert same(got.pvalue, want.pvalue), (got, want)
    # rankwise's own: same p-value, tau correctly rounded (scipy's is within a few ulps)
    own = quiet(kendall_tau, x, y, **kwargs)
    assert same(own.pvalue, want.pvalue)
    if math.isnan(want.statistic):
        assert math.isnan(own.statistic)
    else:
        assert abs(own.statistic - want.statistic) <= 4 * np.spacing(abs(want.statistic))


@given(st.integers(2, 40), st.integers(0, 2**32 - 1), st.sampled_from(ALTERNATIVES))
def test_exact_pvalues_without_ties_match_scipy(n, seed, alternative):
    rng = np.random.default_rng(seed)
    x = rng.permutation(n)
    # Near-sorted and random permutations: both tails and the middle.
    y = x.copy() if rng.random() < 0.3 else rng.permutation(n)
    if rng.random() < 0.5:
        i = int(rng.integers(0, n - 1))
        y[i], y[i + 1] = y[i + 1], y[i]
    want = scipy.stats.kendalltau(x, y, method="exact", alternative=alternative)
    got = kendall_tau(x, y, method="exact", alternative=alternative)
    assert same(got.pvalue, want.pvalue)


def test_exact_pvalues_match_the_enumerated_null_distribution():
    # n = 6: all 720 permutations; P(S >= s) by counting.
    n = 6
    base = np.arange(n)
    s_of = {}
    for perm in itertools.permutations(range(n)):
        p, q, _, _ = brute_kendall(base, np.array(perm))
        s_of[perm] = p - q
    values = np.array(list(s_of.values()))
    for perm in [(0, 1, 2, 3, 5, 4), (1, 0, 3, 2, 5, 4), (5, 4, 3, 2, 1, 0), (2, 0, 4, 1, 5, 3)]:
        s = s_of[perm]
        greater = float(np.mean(values >= s))
        got = kendall_tau(base, np.array(perm), alternative="greater").pvalue
        assert got == pytest.approx(greater, rel=1e-14)


@given(tied_pairs(min_size=3, max_size=80))
def test_asymptotic_pvalue_uses_the_tie_corrected_variance(data):
    x, y = data
    n = len(x)
    p, q, n1, n2 = brute_kendall(x, y)
    if n1 == n * (n - 1) // 2 or n2 == n * (n - 1) // 2:
        return
    t = np.unique(x, return_counts=True)[1].astype(float)
    u = np.unique(y, return_counts=True)[1].astype(float)
    var = (
        (
            n * (n - 1) * (2 * n + 5)
            - np.sum(t * (t - 1) * (2 * t + 5))
            - np.sum(u * (u - 1) * (2 * u + 5))
        )
        / 18
        + np.sum(t * (t - 1) * (t - 2))
        * np.sum(u * (u - 1) * (u - 2))
        / (9 * n * (n - 1) * (n - 2))
        + np.sum(t * (t - 1)) * np.sum(u * (u - 1)) / (2 * n * (n - 1))
    )
    z = (p - q) / math.sqrt(var)
    want = math.erfc(abs(z) / math.sqrt(2))
    got = kendall_tau(x, y, method="asymptotic").pvalue
    assert got == pytest.approx(want, rel=1e-12, abs=1e-300)


@given(tied_pairs(min_size=2, max_size=50, levels=30))
def test_kendall_properties(data):
    x, y = data
    for variant in ("a", "b", "c"):
        r = quiet(kendall_tau, x, y, variant=variant)
        s = quiet(kendall_tau, y, x, variant=variant)
        assert same(r.statistic, s.statistic) and same(r.pvalue, s.pvalue)  # symmetric
        if not math.isnan(r.statistic):
            assert -1 <= r.statistic <= 1
            # invariant to strictly increasing maps of either variable
            t = quiet(kendall_tau, np.exp(x / 10) * 3 + 1, y**3 - 5, variant=variant)
            assert same(t.statistic, r.statistic) and same(t.pvalue, r.pvalue)
    if len(set(x)) > 1:
        assert kendall_tau(x, x).statistic == 1.0
        assert kendall_tau(x, -x).statistic == -1.0


def test_identical_rankings_give_exactly_one_where_scipy_rounds_below():
    x = np.arange(12)
    assert scipy.stats.kendalltau(x, x).statistic == 0.9999999999999998  # scipy's two sqrts
    assert cs.kendalltau(x, x).statistic == 0.9999999999999998  # the drop-in matches it
    assert kendall_tau(x, x).statistic == 1.0
    assert kendall_tau(x, -x).statistic == -1.0


# ----------------------------------------------------------------------------------------------
# Rows
# ----------------------------------------------------------------------------------------------
@given(st.integers(0, 2**32 - 1), st.sampled_from(["propagate", "omit"]))
def test_rows_equal_one_call_per_row(seed, nan_policy):
    rng = np.random.default_rng(seed)
    q, d = int(rng.integers(1, 30)), int(rng.integers(1, 40))
    x = rng.integers(0, 6, (q, d)).astype(float)
    y = x + rng.integers(-3, 4, (q, d))
    x[rng.random((q, d)) < 0.05] = np.nan
    kw = {"nan_policy": nan_policy}
    for f in (kendall_tau, spearman):
        rows = quiet(f, x, y, axis=1, **kw)
        for i in range(q):
            one = quiet(f, x[i], y[i], **kw)
            assert same(rows.statistic[i], one.statistic) and same(rows.pvalue[i], one.pvalue)
        cols = quiet(f, x, y, axis=0, **kw)
        assert same(cols.statistic, [quiet(f, x[:, j], y[:, j], **kw).statistic for j in range(d)])
    for f, extra in ((weighted_tau, {}), (ap_correlation, {"ties": "b"})):
        rows = quiet(f, x, y, axis=-1, **kw, **extra)
        assert same(rows, [quiet(f, x[i], y[i], **kw, **extra) for i in range(q)])
    # ragged rows
    cuts = np.sort(rng.integers(0, q * d + 1, int(rng.integers(0, 6))))
    offsets = np.concatenate([[0], cuts, [q * d]])
    ragged = quiet(kendall_tau, x.ravel(), y.ravel(), offsets=offsets, **kw)
    for i in range(len(offsets) - 1):
        a, b = offsets[i], offsets[i + 1]
        one = quiet(kendall_tau, x.ravel()[a:b], y.ravel()[a:b], **kw)
        assert same(ragged.statistic[i], one.statistic) and same(ragged.pvalue[i], one.pvalue)


def test_rows_match_scipy_axis_1_and_warn_like_it():
    rng = np.random.default_rng(5)
    x = rng.integers(0, 5, (50, 20)).astype(float)
    y = x + rng.integers(-2, 3, (50, 20))
    x[3] = 1.0  # a constant row
    want = scipy.stats.kendalltau(x, y, axis=1)
    got = cs.kendalltau(x, y, axis=1)
    assert same(got.statistic, want.statistic) and same(got.pvalue, want.pvalue)
    x[7, 1:] = np.nan
    with pytest.warns(
        ScipySmallSampleWarning, match="After omitting NaNs, one or more axis-slices"
    ):
        got = cs.kendalltau(x, y, axis=1, nan_policy="omit")
    with pytest.warns(
        ScipySmallSampleWarning, match="After omitting NaNs, one or more axis-slices"
    ):
        want = scipy.stats.kendalltau(x, y, axis=1, nan_policy="omit")
    assert same(got.statistic, want.statistic) and same(got.pvalue, want.pvalue)
    got = cs.kendalltau(x[:, :, None], y[:, :, None], axis=1, keepdims=True)
    want = scipy.stats.kendalltau(x[:, :, None], y[:, :, None], axis=1, keepdims=True)
    assert got.statistic.shape == want.statistic.shape == (50, 1, 1)


# ----------------------------------------------------------------------------------------------
# Weighted tau
# ----------------------------------------------------------------------------------------------
@given(
    st.one_of(tied_pairs(), big_pairs(max_n=2000)),
    st.sampled_from([True, None, False, "array"]),
    st.booleans(),
    st.integers(0, 3),
)
def test_weightedtau_is_bit_identical_to_scipy(data, rank, additive, weigher_kind):
    x, y = data
    if rank == "array":
        rank = np.random.default_rng(len(x)).integers(0, len(x), len(x))
    weigher = [None, lambda r: 1, lambda r: 1.0 / (r + 1) ** 2, lambda r: math.exp(-r / 7)][
        weigher_kind
    ]
    want = quiet(scipy.stats.weightedtau, x, y, rank=rank, weigher=weigher, additive=additive)
    got = quiet(cs.weightedtau, x, y, rank=rank, weigher=weigher, additive=additive)
    assert same(got.statistic, want.statistic), (got, want)
    assert math.isnan(got.pvalue)
    own = quiet(weighted_tau, x, y, rank=rank, weigher=weigher, additive=additive)
    assert same(own, want.statistic)


def brute_weighted_tau(x, y, ranks, additive):
    """The definition pair by pair, for given ranks and the hyperbolic weigher."""
    w = 1.0 / (np.asarray(ranks, dtype=float) + 1)
    i, j = np.triu_indices(len(x), 1)
    pw = w[i] + w[j] if additive else w[i] * w[j]
    tx, ty = x[i] == x[j], y[i] == y[j]
    disc = ~tx & ~ty & ((x[i] < x[j]) != (y[i] < y[j]))
    tot = pw.sum()
    num = tot - pw[tx].sum() - pw[ty].sum() + pw[tx & ty].sum() - 2 * pw[disc].sum()
    return num / math.sqrt((tot - pw[tx].sum()) * (tot - pw[ty].sum()))


@given(tied_pairs(min_size=2, max_size=40), st.booleans())
def test_weighted_tau_equals_the_pair_definition(data, additive):
    x, y = data
    got = quiet(weighted_tau, x, y, rank=False, additive=additive)
    if len(set(x)) < 2 or len(set(y)) < 2:
        assert math.isnan(got)
        return
    want = brute_weighted_tau(x, y, np.arange(len(x)), additive)
    assert got == pytest.approx(min(1.0, max(-1.0, want)), rel=1e-12, abs=1e-14)
    # rank=None: the decreasing lexicographic rank by (x, y), ties by position (scipy's).
    order = np.lexsort((y, x))[::-1]
    ranks = np.empty(len(x), dtype=int)
    ranks[order] = np.arange(len(x))
    lex = brute_weighted_tau(x, y, ranks, additive)
    assert quiet(weighted_tau, x, y, rank=None, additive=additive) == pytest.approx(
        min(1.0, max(-1.0, lex)), rel=1e-12, abs=1e-14
    )
    # rank=True is symmetric
    assert same(quiet(weighted_tau, x, y), quiet(weighted_tau, y, x))
    # weigher = 1 is Kendall's tau-b
    assert quiet(weighted_tau, x, y, weigher=lambda r: 1) == pytest.approx(
        kendall_tau(x, y).statistic, rel=1e-12
    )


def test_weighted_tau_nan_is_the_smallest_value_and_all_nan_is_constant():
    x = np.array([12, 2, 1, 12, 2.0])
    y = np.array([1, 4, 7, 1, np.nan])
    assert same(weighted_tau(x, y), scipy.stats.weightedtau(x, y).statistic)
    # Deliberate difference: scipy turns an all-NaN x into ranks [1, 0, 0] and returns a number.
    nan3 = np.array([np.nan] * 3)
    assert not math.isnan(scipy.stats.weightedtau(nan3, [1, 2, 3]).statistic)
    assert math.isnan(weighted_tau(nan3, [1, 2, 3]))


# ----------------------------------------------------------------------------------------------
# Spearman
# ----------------------------------------------------------------------------------------------
@given(st.one_of(tied_pairs(min_size=3), big_pairs()), st.sampled_from(ALTERNATIVES))
def test_spearman_matches_scipy(data, alternative):
    x, y = data
    want = quiet(scipy.stats.spearmanr, x, y, alternative=alternative)
    got = quiet(spearman, x, y, alternative=alternative)
    if math.isnan(want.statistic):
        assert math.isnan(got.statistic)
        return
    assert abs(got.statistic - want.statistic) <= 4 * np.spacing(1.0)
    if abs(want.statistic) == 1 or abs(got.statistic) == 1:
        return  # scipy's rho can be an ulp below 1 (pinned below)
    rtol = 1e-11 if got.statistic == want.statistic else 1e-9
    assert got.pvalue == pytest.approx(want.pvalue, rel=rtol, abs=1e-290)


@given(tied_pairs(min_size=3, max_size=60, levels=10))
def test_spearman_is_pearson_of_midranks(data):
    x, y = data
    rx, ry = scipy.stats.rankdata(x), scipy.stats.rankdata(y)
    if rx.std() == 0 or ry.std() == 0:
        return
    want = float(np.corrcoef(rx, ry)[0, 1])
    assert quiet(spearman, x, y).statistic == pytest.approx(want, rel=1e-13)
    assert spearman(x, x).statistic == 1.0
    assert spearman(x, -x).statistic == -1.0


def test_spearman_of_identical_rankings_is_exactly_one():
    x = np.arange(10.0) ** 2
    want = scipy.stats.spearmanr(x, np.arange(10.0))
    assert want.statistic == 0.9999999999999999 and 0 < want.pvalue < 1e-60  # scipy
    got = spearman(x, np.arange(10.0))
    assert got.statistic == 1.0 and got.pvalue == 0.0


def test_scipy_nan_and_warning_behaviour():
    with pytest.warns(ConstantInputWarning, match="An input array is constant"):
        r = spearman([1, 1, 1], [1, 2, 3])
    assert math.isnan(r.statistic) and math.isnan(r.pvalue)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert math.isnan(kendall_tau([1, 1, 1], [1, 2, 3]).statistic)  # no warning, as scipy
        assert math.isnan(spearman([1], [2]).statistic)  # no warning, as scipy
        two = spearman([1, 2], [2, 1])
        assert two.statistic == -1.0 and math.isnan(two.pvalue)
    with pytest.warns(SmallSampleWarning, match="One or more sample arguments is too small"):
        assert math.isnan(kendall_tau([1], [2]).statistic)
    with pytest.warns(SmallSampleWarning, match="After omitting NaNs"):
        kendall_tau([1, np.nan, 3], [np.nan, 2, 3], nan_policy="omit")
    with pytest.warns(SmallSampleWarning):
        assert math.isnan(weighted_tau([1], [2]))
    r = kendall_tau([1, np.nan, 3, 4], [1, 2, 3, 5])
    assert math.isnan(r.statistic) and math.isnan(r.pvalue)
    r = kendall_tau([1, np.nan, 3, 4], [1, 2, 3, 5], nan_policy="omit")
    assert r.statistic == 1.0 and r.pvalue == pytest.approx(1 / 3)


# ----------------------------------------------------------------------------------------------
# AP correlation
# ----------------------------------------------------------------------------------------------
def brute_tau_ap(x, y):
    """Yilmaz et al. pairwise form: each concordant pair adds 1 / (max position in y - 1)."""
    n = len(x)
    pos = {i: 1 + sum(y[j] > y[i] for j in range(n)) for i in range(n)}
    num = sum(
        1 / (max(pos[i], pos[j]) - 1)
        for i in range(n)
        for j in range(i + 1, n)
        if np.sign(x[i] - x[j]) == np.sign(y[i] - y[j])
    )
    return 2 * num / (n - 1) - 1


def brute_tau_ap_a(x, y):
    """Urbano & Marrero's accuracy version (ties in y): direct transcription."""
    n = len(x)
    p = [1 + sum(y[j] > y[i] for j in range(n)) for i in range(n)]
    t = [sum(y[j] == y[i] for j in range(n)) for i in range(n)]
    total = 0.0
    for i in range(n):
        if p[i] != 1:
            c_above = sum(1 for j in range(n) if p[j] < p[i] and x[j] > x[i])
            total += c_above * sum(1 / (p[i] + k - 2) for k in range(1, t[i] + 1)) / t[i]
        total += sum(k / (p[i] + k - 1) for k in range(1, t[i])) / 2 / t[i]
    return 2 / (n - 1) * total - 1


def brute_tau_ap_b(x, y):
    def one(x, y):
        n = len(x)
        p = [1 + sum(y[j] > y[i] for j in range(n)) for i in range(n)]
        not_top = [i for i in range(n) if p[i] != 1]
        if not not_top:
            return math.nan
        total = sum(
            sum(1 for j in range(n) if p[j] < p[i] and x[j] > x[i]) / (p[i] - 1) for i in not_top
        )
        return 2 / len(not_top) * total - 1

    return (one(x, y) + one(y, x)) / 2


@given(st.integers(2, 25), st.integers(0, 2**32 - 1), st.integers(1, 6))
def test_ap_correlation_equals_its_definitions(n, seed, levels):
    rng = np.random.default_rng(seed)
    x = rng.permutation(n).astype(float)
    y = rng.permutation(n).astype(float)
    assert ap_correlation(x, y) == pytest.approx(brute_tau_ap(x, y), rel=1e-12, abs=1e-14)
    yt = np.floor(y / levels)
    assert quiet(ap_correlation, x, yt) == pytest.approx(
        brute_tau_ap_a(x, yt), rel=1e-12, abs=1e-14
    )
    xt = np.floor(x / levels)
    want = brute_tau_ap_b(xt, yt)
    got = quiet(ap_correlation, xt, yt, ties="b")
    assert (math.isnan(got) and math.isnan(want)) or got == pytest.approx(
        want, rel=1e-12, abs=1e-14
    )
    # without ties, "b" is the symmetrised tau_AP
    sym = (brute_tau_ap(x, y) + brute_tau_ap(y, x)) / 2
    assert ap_correlation(x, y, ties="b") == pytest.approx(sym, rel=1e-12, abs=1e-14)
    assert ap_correlation(x, x) == 1.0
    assert ap_correlation(x, -x) == -1.0


def test_ap_correlation_matches_ircor_examples():
    # The example of ircor's tauAP documentation (x true scores, y estimated); values printed
    # by the R package to 4 decimals in its tests of the same data are not available here, so
    # the definitions above are the oracle; this pins the ties="a" refusal of tied truth.
    x = [0.67, 0.45, 0.29, 0.12, 0.57, 0.24, 0.94, 0.75, 0.08, 0.54]
    y = [0.48, 0.68, 0.32, 0.09, 0.06, 0.61, 0.87, 0.22, 0.44, 0.84]
    assert ap_correlation(x, y) == pytest.approx(brute_tau_ap(np.array(x), np.array(y)))
    with pytest.raises(rankwise.errors.InvalidValueError, match=r"`x` must be free of ties"):
        ap_correlation(np.round(x, 1), y)


# ----------------------------------------------------------------------------------------------
# RBO
# ----------------------------------------------------------------------------------------------
def brute_rbo(a, b, p, ties):
    """Corsi & Urbano's definitions with dense contribution matrices (items x depth)."""

    def flat(r):
        ids, top, bottom, pos = [], [], [], 0
        for g in r:
            group = sorted(g) if isinstance(g, (set, frozenset)) else [g]
            for item in group:
                ids.append(item)
                top.append(pos)
                bottom.append(pos + len(group) - 1)
            pos += len(group)
        return ids, top, bottom

    fa, fb = flat(a), flat(b)
    short, long_ = (fb, fa) if len(fa[0]) >= len(fb[0]) else (fa, fb)
    s, n_long = len(short[0]), len(long_[0])
    untied = all(t == u for t, u in zip(short[1] + long_[1], short[2] + long_[2], strict=True))
    ties = "w" if untied else ties
    omega = short[0] + [i for i in long_[0] if i not in short[0]]

    def contrib(f):
        m = np.zeros((len(omega), n_long))
        for item, t, bot in zip(*f, strict=True):
            r = omega.index(item)
            if ties == "w":
                m[r, t:] = 1
            else:
                m[r, bot:] = 1
                g = bot - t + 1
                m[r, t:bot] = np.arange(1, g) / g
        return m

    cs_, cl = contrib(short), contrib(long_)
    depth = np.arange(1, n_long + 1)
    x = (cs_ * cl).sum(axis=0)

    def agree(xd, d, beyond):
        if ties == "w":
            ns = depth[d] if beyond else cs_[:, d].sum()
            return 2 * xd / (ns + cl[:, d].sum())
        if ties == "a":
            return xd / depth[d]
        ss = depth[d] if beyond else (cs_[:, d] ** 2).sum()
        return xd / math.sqrt(ss) / math.sqrt((cl[:, d] ** 2).sum())

    a1 = [agree(x[d], d, False) for d in range(s)]
    lds = [i for i in long_[0] if i not in short[0]]
    mins, maxs, exts = list(a1), list(a1), list(a1)
    for d in range(s, n_long):
        rows = [omega.index(i) for i in lds[: d - s + 1]]
        unseen_max = cl[rows, d].sum()
        nz = cl[[omega.index(i) for i in lds], d]
        nz = nz[nz > 0]
        x_ext = x[d] + (d - s + 1) * a1[s - 1] * nz.mean()
        mins.append(agree(x[d], d, True))
        maxs.append(agree(x[d] + unseen_max, d, True))
        exts.append(agree(x_ext, d, True))
    xl = x[n_long - 1]
    pw = p**depth
    sec_min = xl * (math.log(1 / (1 - p)) - np.sum(pw / depth))
    f = n_long + s - xl
    ds = np.arange(n_long + 1, f + 1)
    sec_max = np.sum((2 * ds - n_long - s + xl) / ds * p**ds) + p ** (f + 1) / (1 - p)
    sec_ext = (xl + (n_long - s) * a1[s - 1]) / n_long * p ** (n_long + 1) / (1 - p)
    k = (1 - p) / p
    lo = k * (np.sum(np.array(mins) * pw) + sec_min)
    hi = k * (np.sum(np.array(maxs) * pw) + sec_max)
    return k * (np.sum(np.array(exts) * pw) + sec_ext), lo, hi


@st.composite
def rankings(draw, universe=12, tied=True):
    items = draw(st.lists(st.integers(0, universe), min_size=1, max_size=universe, unique=True))
    if not tied:
        return items
    out, i = [], 0
    while i < len(items):
        g = draw(st.integers(1, 3))
        chunk = items[i : i + g]
        out.append(set(chunk) if len(chunk) > 1 else chunk[0])
        i += g
    return out


@given(rankings(), rankings(), st.sampled_from([0.5, 0.8, 0.9, 0.95]), st.sampled_from("wab"))
def test_rbo_equals_the_contribution_matrix_definition(a, b, p, ties):
    got = rbo(a, b, p=p, ties=ties)
    ext, lo, hi = brute_rbo(a, b, p, ties)
    assert got.ext == pytest.approx(ext, rel=1e-12, abs=1e-14)
    assert got.min == pytest.approx(lo, rel=1e-12, abs=1e-14)
    assert got.max == pytest.approx(hi, rel=1e-12, abs=1e-14)
    assert got.res == pytest.approx(hi - lo, rel=1e-12, abs=1e-13)


@given(rankings(tied=False), rankings(tied=False), st.sampled_from([0.5, 0.9, 0.98]))
def test_rbo_identities_without_ties(a, b, p):
    r = rbo(a, b, p=p)
    assert r.min - 1e-12 <= r.ext <= r.max + 1e-12
    assert rbo(b, a, p=p) == pytest.approx(r) or (
        len(a) == len(b) and rbo(b, a, p=p).ext == pytest.approx(r.ext)
    )
    same_list = rbo(a, a, p=p)
    assert same_list.ext == pytest.approx(1.0, abs=1e-12)
    assert same_list.min + same_list.res == pytest.approx(1.0, abs=1e-12)
    disjoint = rbo(a, [x + 100 for x in a], p=p)
    assert disjoint.ext == 0.0 and disjoint.min == 0.0


def test_rbo_inputs_arrays_mappings_and_bad_input():
    r1 = rbo(np.array(["a", "b", "c"]), ["b", "a", "d"])
    r2 = rbo({"a": 3.0, "b": 2.0, "c": 1.0}, {"b": 9, "a": 5, "d": 1})
    assert r1 == r2
    tied = rbo({"a": 1.0, "b": 1.0, "c": 0.0}, ["a", "b", "c"])
    assert tied == rbo([{"a", "b"}, "c"], ["a", "b", "c"])
    with pytest.raises(rankwise.errors.InvalidValueError, match="`p` must be in"):
        rbo(["a"], ["a"], p=1.0)
    with pytest.raises(rankwise.errors.InvalidValueError, match="every item once"):
        rbo(["a", "a"], ["a"])
    with pytest.raises(rankwise.errors.InvalidValueError, match="at least one item"):
        rbo([], ["a"])
    with pytest.raises(rankwise.errors.RankwiseTypeError, match="sequence of items"):
        rbo("abc", ["a"])


# ----------------------------------------------------------------------------------------------
# correlate_systems
# ----------------------------------------------------------------------------------------------
def test_correlate_systems_reads_scores_summaries_and_per_query_reports():
    qrels = {"q1": {"d1": 1, "d2": 0, "d3": 2}, "q2": {"d4": 1, "d5": 1}}
    runs = {
        "good": {"q1": {"d3": 3, "d1": 2, "d2": 1}, "q2": {"d4": 2, "d5": 1, "d6": 0}},
        "ok": {"q1": {"d1": 3, "d3": 2, "d2": 1}, "q2": {"d6": 2, "d4": 1, "d5": 0}},
        "bad": {"q1": {"d2": 3, "d1": 2, "d3": 1}, "q2": {"d6": 2, "d7": 1, "d5": 0}},
    }
    per_query = {
        s: rankwise.evaluate(qrels, r, ["nDCG@10", "AP"], per_query=True) for s, r in runs.items()
    }
    summary = {s: rankwise.evaluate(qrels, r, ["nDCG@10", "AP"]) for s, r in runs.items()}
    r = correlate_systems(per_query, summary, "nDCG@10")
    assert r.systems == ["good", "ok", "bad"]
    np.testing.assert_allclose(r.scores_a, r.scores_b, rtol=1e-15)
    assert r.kendall.statistic == 1.0 and r.tau_ap == 1.0 and r.spearman.statistic == 1.0
    flipped = {"good": 0.1, "ok": 0.2, "bad": 0.3}
    r = correlate_systems(summary, flipped, "AP")
    assert r.kendall.statistic == -1.0 and r.tau_ap == -1.0
    with pytest.raises(rankwise.errors.InvalidValueError, match="`measure` must name"):
        correlate_systems(per_query, summary)
    with pytest.raises(rankwise.errors.InvalidValueError, match="at least two systems"):
        correlate_systems({"good": 1.0}, {"good": 2.0, "x": 1.0})
    with pytest.raises(rankwise.errors.InvalidValueError, match="'P@5' is not in"):
        correlate_systems(summary, summary, "P@5")
