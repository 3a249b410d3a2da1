"""rankwise.stats and the statistics of Comparison: one-sided paired tests (scipy), effect sizes
(their definitions), t intervals (scipy), corrections (statsmodels)."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats
from statsmodels.stats.multitest import multipletests

import rankwise
from rankwise.errors import InvalidValueError, RankwiseTypeError, ShapeError
from rankwise.stats import correct, effect_size, paired_test, t_interval

# Per-query values like those of IR measures: many ties, many zeros.
VALUES = st.one_of(
    st.sampled_from([0.0, 0.1, 0.25, 0.5, 1.0]),
    st.floats(0, 1, allow_nan=False, allow_subnormal=False),
)
ALTERNATIVE = st.sampled_from(["two-sided", "greater", "less"])


@st.composite
def paired(draw, min_n=2, max_n=60):
    n = draw(st.integers(min_n, max_n))
    x = np.array(draw(st.lists(VALUES, min_size=n, max_size=n)))
    if draw(st.booleans()):  # a constant difference, or none at all
        y = x - draw(st.sampled_from([0.0, 0.25, -0.5]))
    else:
        y = np.array(draw(st.lists(VALUES, min_size=n, max_size=n)))
    return x, y


def quiet(f, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f(*args, **kw)


def no_spread(d):
    """Equal values, or a spread whose square underflows (numpy's variance is then 0 too)."""
    return np.all(d == d[0]) or quiet(np.var, d) == 0


# ------------------------------------------------------------------ one-sided paired tests


@given(paired(), ALTERNATIVE)
def test_t_test_equals_scipy_ttest_rel_for_every_alternative(xy, alternative):
    x, y = xy
    want = quiet(stats.ttest_rel, x, y, alternative=alternative).pvalue
    got = paired_test(x, y, "t-test", alternative=alternative)
    d = x - y
    if math.isnan(want) or no_spread(d):  # scipy: NaN, or 0/1 from an infinite t
        m = d.mean()  # the differences' side (their spread may underflow to 0)
        side = {"two-sided": m != 0, "greater": m > 0, "less": m < 0}[alternative]
        assert got == (0.0 if side else 1.0)
    else:
        assert got == pytest.approx(want, rel=1e-9, abs=1e-14)


# The reference costs ~0.1 s an example (statsmodels' OLS, scipy's exact Wilcoxon): 300
# examples keep CI's hypothesis profile (1500) from spending minutes on one test.
@settings(max_examples=300, deadline=None)
@given(paired(), ALTERNATIVE)
def test_wilcoxon_equals_scipy_wilcoxon_for_every_alternative(xy, alternative):
    x, y = xy
    want = quiet(stats.wilcoxon, x, y, alternative=alternative).pvalue
    got = paired_test(x, y, "wilcoxon", alternative=alternative)
    if math.isnan(want):  # every pair equal: rankwise says 1
        assert np.all(x == y) and got == 1.0
    else:
        assert got == pytest.approx(want, rel=1e-9, abs=1e-14)


@given(paired(max_n=30), st.sampled_from(["randomization", "bootstrap"]))
def test_one_sided_resampling_tests_are_the_two_tails_of_one_null_distribution(xy, test):
    x, y = xy
    greater = paired_test(x, y, test, alternative="greater", n_resamples=500, seed=3)
    # The same resamples with x and y swapped count the other tail.
    assert paired_test(y, x, test, alternative="less", n_resamples=500, seed=3) == greater
    less = paired_test(x, y, test, alternative="less", n_resamples=500, seed=3)
    # Every resample lies on one side of the observed statistic, or on it (counted twice).
    assert greater + less >= 1 + 1 / 501 - 1e-12


def exact_randomization(d, alternative):
    """Share of all 2^n sign flips whose sum is as extreme as the observed one."""
    observed = d.sum()
    sums = np.array([np.dot(s, d) for s in itertools.product([1, -1], repeat=len(d))])
    return share_as_extreme(sums, observed, alternative)


def exact_bootstrap(d, alternative):
    """P(mean of a resample of the centred differences is as extreme as the observed mean),
    over all n^n equally likely resamples."""
    n = len(d)
    mean = d.mean()
    centred = d - mean
    means = np.array(
        [centred[list(idx)].sum() / n for idx in itertools.product(range(n), repeat=n)]
    )
    return share_as_extreme(means, mean, alternative)


def share_as_extreme(values, observed, alternative):
    """Share of ``values`` at least as extreme as ``observed`` under ``alternative`` (a
    relative tolerance of 1e-12 keeps exact ties counted, as the tests under check do)."""
    tol = abs(observed) * 1e-12
    return {
        "greater": np.mean(values >= observed - tol),
        "less": np.mean(values <= observed + tol),
        "two-sided": np.mean(np.abs(values) >= abs(observed) - tol),
    }[alternative]


@pytest.mark.parametrize("alternative", ["greater", "less", "two-sided"])
def test_one_sided_resampling_tests_approach_their_exact_definitions(alternative):
    rng = np.random.default_rng(5)
    x, y = rng.random(10), rng.random(10) * 0.8
    got = paired_test(x, y, "randomization", alternative=alternative, n_resamples=40_000, seed=1)
    assert got == pytest.approx(exact_randomization(x - y, alternative), abs=0.01)
    x, y = x[:5], y[:5]
    got = paired_test(x, y, "bootstrap", alternative=alternative, n_resamples=40_000, seed=1)
    assert got == pytest.approx(exact_bootstrap(x - y, alternative), abs=0.01)


# ------------------------------------------------------------------ effect sizes


@given(paired(min_n=3))
def test_effect_sizes_follow_their_definitions(xy):
    x, y = xy
    d = x - y
    n = len(d)

    def standardised(mean, sd):
        if sd == 0:
            return 0.0 if mean == 0 else math.copysign(math.inf, mean)
        return mean / sd

    sd_d = 0.0 if no_spread(d) else d.std(ddof=1)  # numpy leaves ~1e-17 for constant values
    sd_y = 0.0 if no_spread(y) else y.std(ddof=1)
    cohen = standardised(d.mean(), sd_d)
    m = n - 1
    j = math.exp(special.gammaln(m / 2) - special.gammaln((m - 1) / 2)) / math.sqrt(m / 2)
    expect = {"cohens_d": cohen, "glass_delta": standardised(d.mean(), sd_y), "hedges_g": cohen * j}
    for kind, want in expect.items():
        got = effect_size(x, y, kind)
        if math.isinf(want) or want == 0:
            assert got == want, kind
        else:
            assert got == pytest.approx(want, rel=1e-9, abs=1e-12), kind


def test_effect_sizes_of_constant_differences_and_two_queries():
    x = np.array([0.5, 0.25, 1.0])
    assert effect_size(x, x) == 0.0
    assert effect_size(x + 0.5, x) == math.inf
    assert effect_size(x - 0.5, x, "hedges_g") == -math.inf
    assert effect_size(np.full(3, 0.25), np.full(3, 0.5), "glass_delta") == -math.inf  # sd(y) = 0
    assert effect_size([1.0, 0.0], [0.0, 0.5]) == pytest.approx(
        0.25 / np.std([1, -0.5], ddof=1)
    )  # n = 2
    with pytest.raises(InvalidValueError, match="`x` must be at least 3 values"):
        effect_size([1.0, 0.0], [0.0, 0.5], "hedges_g")
    with pytest.raises(InvalidValueError, match="`kind` must be one of"):
        effect_size(x, x, "cliffs_delta")  # type: ignore[arg-type]


# ------------------------------------------------------------------ t intervals


@given(paired(), ALTERNATIVE, st.sampled_from([0.5, 0.9, 0.95, 0.99]))
def test_paired_t_interval_equals_scipy(xy, alternative, confidence):
    x, y = xy
    got = t_interval(x, y, confidence=confidence, alternative=alternative)
    d = x - y
    if no_spread(d):  # scipy: NaN; rankwise: the mean itself on the finite sides
        want = {"two-sided": (d[0], d[0]), "greater": (d[0], math.inf), "less": (-math.inf, d[0])}
        assert got == pytest.approx(want[alternative], abs=1e-12)
        return
    res = quiet(stats.ttest_rel, x, y, alternative=alternative)
    want = res.confidence_interval(confidence)
    assert got == pytest.approx((want.low, want.high), rel=1e-9, abs=1e-12)
    if alternative == "two-sided":
        se = d.std(ddof=1) / math.sqrt(len(d))
        t = stats.t.interval(confidence, len(d) - 1, loc=d.mean(), scale=se)
        assert got == pytest.approx(t, rel=1e-9, abs=1e-12)


@given(paired(), ALTERNATIVE)
def test_mean_t_interval_equals_scipy_ttest_1samp(xy, alternative):
    x, _ = xy
    got = t_interval(x, confidence=0.9, alternative=alternative)
    if no_spread(x):  # scipy: NaN; rankwise: the mean on the finite sides
        m = x.mean()
        want = {"two-sided": (m, m), "greater": (m, math.inf), "less": (-math.inf, m)}
        assert got == pytest.approx(want[alternative], abs=1e-12)
        return
    want = quiet(stats.ttest_1samp, x, 0, alternative=alternative).confidence_interval(0.9)
    assert got == pytest.approx((want.low, want.high), rel=1e-9, abs=1e-12)


# ------------------------------------------------------------------ corrections

P_VALUES = st.lists(
    st.one_of(st.sampled_from([0.0, 0.01, 0.05, 0.5, 1.0]), st.floats(0, 1)),
    min_size=1,
    max_size=40,
)
STATSMODELS = {"holm": "holm", "bonferroni": "bonferroni", "bh": "fdr_bh", "by": "fdr_by"}


# The reference costs ~0.1 s an example (statsmodels' OLS, scipy's exact Wilcoxon): 300
# examples keep CI's hypothesis profile (1500) from spending minutes on one test.
@settings(max_examples=300, deadline=None)
@given(P_VALUES, st.sampled_from(list(STATSMODELS)))
def test_corrections_equal_statsmodels_multipletests(p, method):
    want = multipletests(p, method=STATSMODELS[method])[1]
    np.testing.assert_allclose(correct(p, method), want, rtol=1e-12, atol=1e-15)


def test_corrections_refuse_what_is_not_a_p_value():
    with pytest.raises(InvalidValueError, match=r"`p` must be p-values in \[0, 1\].*NaN"):
        correct([0.1, float("nan")], "bh")
    with pytest.raises(InvalidValueError, match=r"got 1\.5"):
        correct([0.1, 1.5], "holm")
    with pytest.raises(InvalidValueError, match="`method` must be one of"):
        correct([0.1], "fdr_tsbh")  # type: ignore[arg-type]
    assert correct([], "by").shape == (0,)
    np.testing.assert_array_equal(correct([0.3, 0.1], None), [0.3, 0.1])


# ------------------------------------------------------------------ bad input


def test_bad_values_are_refused_with_the_argument_named():
    with pytest.raises(InvalidValueError, match="`x, y` must be finite per-query values; got NaN"):
        paired_test([0.1, float("nan")], [0.2, 0.3])
    with pytest.raises(InvalidValueError, match="`x` must be finite values; got inf"):
        effect_size([0.1, float("inf")], [0.2, 0.3])
    with pytest.raises(InvalidValueError, match="`y` must be finite values; got NaN"):
        t_interval([0.1, 0.2], [0.2, float("nan")])
    with pytest.raises(ShapeError, match="`y` must have shape"):
        paired_test([0.1, 0.2], [0.2, 0.3, 0.4])
    with pytest.raises(InvalidValueError, match="`x` must be at least 2 values"):
        t_interval([0.1])
    with pytest.raises(InvalidValueError, match="`confidence` must be in"):
        t_interval([0.1, 0.2], confidence=1.0)
    with pytest.raises(InvalidValueError, match="`alternative` must be one of"):
        paired_test([0.1, 0.2], [0.2, 0.3], alternative="two_sided")  # type: ignore[arg-type]
    with pytest.raises(RankwiseTypeError, match="`x` must be an array of real numbers"):
        effect_size(["a", "b"], [0.2, 0.3])


# ------------------------------------------------------------------ on Comparison

QRELS = {f"q{i}": {"a": 1, "b": int(i % 3 == 0), "c": 1} for i in range(30)}
RUNS = {
    "one": {f"q{i}": {"a": 3.0, "b": 2.0, "c": 1.0 + (i % 2) * 3} for i in range(30)},
    "two": {f"q{i}": {"b": 3.0, "a": 2.0, "c": 1.0 + (i % 5)} for i in range(30)},
    "three": {f"q{i}": {"c": 3.0, "b": 2.0 + (i % 4), "a": 1.0} for i in range(30)},
}


def test_comparison_statistics_are_those_of_each_pair():
    c = rankwise.compare(QRELS, RUNS, ["AP", "RR"], test="t-test", correction=None)
    for m in c.measures:
        s = c.scores[m]
        assert s.shape == (3, 30)
        np.testing.assert_allclose(s.mean(axis=1), [c.means[n][m] for n in c.systems])
        g = c.effect_sizes(m, "hedges_g")
        lo_hi = c.difference_intervals(m, 0.9)
        means = c.mean_intervals(m, 0.9)
        for i, j in itertools.permutations(range(3), 2):
            assert g[i, j] == effect_size(s[i], s[j], "hedges_g")
            assert tuple(lo_hi[i, j]) == t_interval(s[i], s[j], confidence=0.9)
            assert c.p_values[m][i, j] == paired_test(s[i], s[j], "t-test")
        for i in range(3):
            assert tuple(means[i]) == t_interval(s[i], confidence=0.9)
        assert np.all(np.diag(g) == 0)
    with pytest.raises(InvalidValueError, match="`measure` must be one of the compared"):
        c.effect_sizes("nDCG@10")


@pytest.mark.parametrize("test", ["t-test", "wilcoxon", "randomization", "bootstrap"])
def test_one_sided_compare_tests_each_ordered_pair(test):
    kw = {"n_resamples": 1000, "seed": 4}
    c = rankwise.compare(
        QRELS, RUNS, ["AP"], test=test, alternative="greater", correction=None, **kw
    )
    s = c.scores["AP"]
    # Pair n (row-major, i < j) resamples with seed + n, in both orders.
    for n, (i, j) in enumerate(itertools.combinations(range(3), 2)):
        for a, b in ((i, j), (j, i)):
            want = paired_test(
                s[a], s[b], test, alternative="greater", n_resamples=1000, seed=4 + n
            )
            assert c.p_values["AP"][a, b] == want
    assert "greater" in repr(c)
    less = rankwise.compare(
        QRELS, RUNS, ["AP"], test=test, alternative="less", correction=None, **kw
    )
    # "less" tests (i, j) as "greater" tests (j, i): the same matrix transposed
    np.testing.assert_array_equal(less.p_values["AP"], c.p_values["AP"].T)
    for system in c.systems:
        assert less.better_than("AP", system) == c.better_than("AP", system)
    assert any(c.better_than("AP", s) for s in c.systems), "the fixture has a significant pair"
    corrected = rankwise.compare(QRELS, RUNS, ["AP"], test=test, alternative="greater",
                                 correction="by", **kw)  # fmt: skip
    off = ~np.eye(3, dtype=bool)
    np.testing.assert_allclose(
        corrected.p_values["AP"][off], correct(c.p_values["AP"][off], "by"), rtol=1e-12
    )


def test_compare_corrects_the_pairs_with_bh():
    raw = rankwise.compare(QRELS, RUNS, ["RR"], test="t-test", correction=None)
    bh = rankwise.compare(QRELS, RUNS, ["RR"], test="t-test", correction="bh")
    upper = np.triu_indices(3, 1)
    want = multipletests(raw.p_values["RR"][upper], method="fdr_bh")[1]
    np.testing.assert_allclose(bh.p_values["RR"][upper], want, rtol=1e-12)
    np.testing.assert_array_equal(bh.p_values["RR"], bh.p_values["RR"].T)


# ------------------------------------------------------------------ ANOVA (statsmodels)


@st.composite
def matrices(draw):
    k, n = draw(st.integers(2, 5)), draw(st.integers(2, 25))
    rows = [draw(st.lists(VALUES, min_size=n, max_size=n)) for _ in range(k)]
    if draw(st.booleans()):  # a system that copies another, shifted: ties, additive parts
        rows[-1] = [v + 0.25 for v in rows[0]]
    return np.array(rows)


def statsmodels_anova(scores, formula):
    import pandas as pd
    import statsmodels.formula.api as smf
    from statsmodels.stats.anova import anova_lm

    k, n = scores.shape
    data = pd.DataFrame(
        {
            "score": scores.ravel(),
            "system": np.repeat(np.arange(k), n),
            "topic": np.tile(np.arange(n), k),
        }
    )
    return quiet(anova_lm, smf.ols(formula, data).fit())


# The reference costs ~0.1 s an example (statsmodels' OLS, scipy's exact Wilcoxon): 300
# examples keep CI's hypothesis profile (1500) from spending minutes on one test.
@settings(max_examples=300, deadline=None)
@given(matrices(), st.sampled_from(["one-way", "two-way"]))
def test_anova_equals_statsmodels_anova_lm(scores, design):
    formula = "score ~ C(system) + C(topic)" if design == "two-way" else "score ~ C(system)"
    want = statsmodels_anova(scores, formula)
    got = rankwise.stats.anova(scores, design)
    assert len(got.sources) == len(want)
    np.testing.assert_array_equal(got.df, want["df"].to_numpy())
    total = ((scores - scores.mean()) ** 2).sum()
    np.testing.assert_allclose(
        got.sum_sq, want["sum_sq"].to_numpy(), rtol=1e-9, atol=1e-12 * max(total, 1)
    )
    residual = got.mean_sq[-1]
    assert np.isnan(got.f[-1]) and np.isnan(got.p_value[-1])
    for i in range(len(got.sources) - 1):
        if residual == 0:  # an exactly additive matrix: rankwise's convention
            assert (got.f[i], got.p_value[i]) in ((math.inf, 0.0), (0.0, 1.0))
            continue
        if residual <= 1e-12 * total:  # a residual of rounding errors: F is noise in both
            continue
        assert got.f[i] == pytest.approx(want["F"].iloc[i], rel=1e-8, abs=1e-10)
        assert got.p_value[i] == pytest.approx(want["PR(>F)"].iloc[i], rel=1e-8, abs=1e-12)
    if design == "one-way" and residual > 1e-12 * max(total, 1e-300):
        want_p = quiet(stats.f_oneway, *scores).pvalue
        if math.isnan(want_p):  # scipy: NaN for identical groups; F = 0 has P(F > 0) = 1
            # equal means up to rounding (the same values in another order): F is ~0
            assert got.sum_sq[0] <= 1e-12 * max(total, 1)
            assert got.p_value[0] == pytest.approx(1.0, abs=1e-9)
        else:
            assert got.p_value[0] == pytest.approx(want_p, rel=1e-8, abs=1e-12)


@given(matrices())
def test_residual_effect_sizes_are_mean_differences_over_the_residual_sd(scores):
    table = rankwise.stats.anova(scores)
    got = rankwise.stats.residual_effect_sizes(scores)
    means = scores.mean(axis=1)
    sd = math.sqrt(table.mean_sq[-1])
    if sd > 1e-9:
        np.testing.assert_allclose(
            got, (means[:, None] - means[None, :]) / sd, rtol=1e-9, atol=1e-9
        )
    assert np.all(np.diag(got) == 0) and np.all(got == -got.T)


def test_anova_refuses_what_it_cannot_analyse():
    with pytest.raises(InvalidValueError, match="`scores` must be at least 2 topics"):
        rankwise.stats.anova([[0.1], [0.2]])
    with pytest.raises(InvalidValueError, match="`scores` must be at least 2 systems"):
        rankwise.stats.anova([[0.1, 0.2]])
    with pytest.raises(InvalidValueError, match="`scores` must be finite values; got NaN"):
        rankwise.stats.anova([[0.1, float("nan")], [0.2, 0.3]])
    with pytest.raises(ShapeError, match="`scores` must be 2-D"):
        rankwise.stats.anova([0.1, 0.2])
    with pytest.raises(InvalidValueError, match="`design` must be one of"):
        rankwise.stats.anova([[0.1, 0.2], [0.2, 0.3]], "three-way")  # type: ignore[arg-type]


def test_comparison_anova_is_that_of_its_scores():
    c = rankwise.compare(QRELS, RUNS, ["AP"], test="t-test")
    table = c.anova("AP")
    assert table.sources == ("system", "topic", "residual")
    np.testing.assert_array_equal(table.f, rankwise.stats.anova(c.scores["AP"]).f)
    np.testing.assert_array_equal(
        c.effect_sizes("AP", "residual"), rankwise.stats.residual_effect_sizes(c.scores["AP"])
    )
    assert list(table.to_pandas().columns) == ["df", "sum_sq", "mean_sq", "F", "PR(>F)"]


def test_latex_table_marks_significance_bolds_the_best_and_escapes_names():
    runs = {"good_run": RUNS["one"], "50%": RUNS["two"], "x&y": RUNS["three"]}
    c = rankwise.compare(QRELS, runs, ["AP", "RR"], test="t-test")
    latex = c.to_latex(digits=3)
    lines = latex.splitlines()
    assert lines[0] == "\\begin{tabular}{llcc}" and lines[1] == "\\toprule"
    assert lines[-2:] == ["\\bottomrule", "\\end{tabular}"]
    assert "good\\_run" in latex and "50\\%" in latex and "x\\&y" in latex
    body = lines[4:-2]
    letters = "abc"
    for k, (system, row) in enumerate(zip(c.systems, body, strict=True)):
        cells = row.removesuffix(" \\\\").split(" & ")
        assert cells[0] == letters[k]
        for m, cell in zip(c.measures, cells[2:], strict=True):
            marks = "".join(letters[c.systems.index(o)] for o in c.better_than(m, system))
            assert cell.endswith(f"$^{{{marks}}}$") == bool(marks), (cell, marks)
            best = c.means[system][m] == max(c.means[s][m] for s in c.systems)
            assert cell.startswith("\\textbf{") == best
            assert f"{c.means[system][m]:.3f}" in cell
    assert any("$^{" in row for row in body), "the fixture has significant differences"


def test_power_refuses_a_noncentrality_it_cannot_sum():
    # benches/fuzz_api.py found this call running for ever (noncentrality ~2e131).
    with pytest.raises(InvalidValueError, match=r"`difference`.*noncentrality"):
        rankwise.stats.power(-1.8e130, 74, variance=0.4866, alpha=0.12, alternative="greater")
    with pytest.raises(InvalidValueError, match="`difference`"):
        rankwise.stats.power(1e130, 74, variance=0.5, test="anova", n_systems=6)
    # just inside the bound: summed, and as good as certain
    assert rankwise.stats.power(1e4 / 10, 100, variance=1.0) == pytest.approx(1.0, abs=1e-12)
