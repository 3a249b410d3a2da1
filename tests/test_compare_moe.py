"""The margin of error (elinor's "MOE"): rankwise.stats.margin_of_error,
AnovaTable.margin_of_error and Comparison.margin_of_error against scipy's t quantiles and the
values elinor's tests pin (Sakai's book, Table 5.1), and the renders that print it."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

import rankwise
from rankwise.errors import InvalidValueError, ShapeError
from rankwise.stats import anova, margin_of_error, t_interval

from .test_compare_stats import QRELS, RUNS, matrices, no_spread, paired, quiet

CONFIDENCE = st.sampled_from([0.5, 0.9, 0.95, 0.99])

# Table 5.1 of Sakai, 情報アクセス評価方法論 (2015): three systems over 20 topics, the data of
# elinor's tests `test_student_t_test_sakai_book_15` and
# `test_two_way_anova_without_replication_sakai_book_15` (kampersanda/elinor,
# src/statistical_tests/), which pin the MOEs 0.0742 (paired t, A - B) and 0.0670 (system means
# after the two-way ANOVA) to 4 decimals.
SAKAI_A = [0.70, 0.30, 0.20, 0.60, 0.40, 0.40, 0.00, 0.70, 0.10, 0.30,
           0.50, 0.40, 0.00, 0.60, 0.50, 0.30, 0.10, 0.50, 0.20, 0.10]  # fmt: skip
SAKAI_B = [0.50, 0.10, 0.00, 0.20, 0.40, 0.30, 0.00, 0.50, 0.30, 0.30,
           0.40, 0.40, 0.10, 0.40, 0.20, 0.10, 0.10, 0.60, 0.30, 0.20]  # fmt: skip
SAKAI_C = [0.00, 0.00, 0.20, 0.10, 0.30, 0.30, 0.10, 0.20, 0.40, 0.40,
           0.40, 0.30, 0.30, 0.20, 0.20, 0.20, 0.10, 0.50, 0.40, 0.30]  # fmt: skip


def scipy_moe(d: np.ndarray, confidence: float) -> float:
    """t.ppf((1 + c) / 2, n - 1) * sem(d), the definition."""
    return float(stats.t.ppf(0.5 + 0.5 * confidence, len(d) - 1) * stats.sem(d))


@given(paired(), CONFIDENCE)
def test_paired_margin_of_error_is_scipy_t_ppf_times_sem(xy, confidence):
    x, y = xy
    got = margin_of_error(x, y, confidence=confidence)
    d = x - y
    if no_spread(d):
        assert got == 0.0
        return
    assert got == pytest.approx(scipy_moe(d, confidence), rel=1e-9, abs=1e-15)
    lo, hi = t_interval(x, y, confidence=confidence)
    assert got == pytest.approx((hi - lo) / 2, rel=1e-9, abs=1e-12)


@given(paired(), CONFIDENCE)
def test_mean_margin_of_error_is_scipy_t_ppf_times_sem(xy, confidence):
    x, _ = xy
    got = margin_of_error(x, confidence=confidence)
    if no_spread(x):
        assert got == 0.0
        return
    assert got == pytest.approx(scipy_moe(x, confidence), rel=1e-9, abs=1e-15)


def residual_variance(scores: np.ndarray, design: str) -> tuple[float, float]:
    """V_E and its degrees of freedom, from the textbook sums of squares (numpy)."""
    k, n = scores.shape
    if design == "two-way":
        r = scores - scores.mean(1, keepdims=True) - scores.mean(0, keepdims=True) + scores.mean()
        df = (k - 1) * (n - 1)
    else:
        r = scores - scores.mean(1, keepdims=True)
        df = k * (n - 1)
    return float((r**2).sum() / df), float(df)


@given(matrices(), st.sampled_from(["one-way", "two-way"]), CONFIDENCE)
def test_anova_margin_of_error_is_t_ppf_of_the_residual_df_times_sqrt_ve_over_n(
    scores, design, confidence
):
    got = anova(scores, design).margin_of_error(confidence)
    ve, df = residual_variance(scores, design)
    want = stats.t.ppf(0.5 + 0.5 * confidence, df) * math.sqrt(ve / scores.shape[1])
    assert got == pytest.approx(want, rel=1e-7, abs=1e-12)


def test_sakai_book_values_pinned_by_elinor():
    assert round(margin_of_error(SAKAI_A, SAKAI_B), 4) == 0.0742
    assert margin_of_error(SAKAI_A, SAKAI_B) == pytest.approx(0.0742, abs=5e-5)
    table = anova([SAKAI_A, SAKAI_B, SAKAI_C])
    assert table.margin_of_error() == pytest.approx(0.0670, abs=5e-5)  # elinor: 1e-4
    # elinor's Sakai values of the same table: V_E = 0.0219, the 95% MOE its t quantile
    assert table.mean_sq[2] == pytest.approx(0.0219, abs=5e-5)


def test_comparison_margin_of_error_is_that_of_each_pair_and_half_the_interval():
    c = rankwise.compare(QRELS, RUNS, ["AP", "RR"], test="t-test", correction=None)
    for m in c.measures:
        moe = c.margin_of_error(m, 0.9)
        assert moe.shape == (3, 3)
        assert np.all(np.diag(moe) == 0)
        intervals = c.difference_intervals(m, 0.9)
        s = c.scores[m]
        for i in range(3):
            for j in range(3):
                if i == j:
                    continue
                assert moe[i, j] == margin_of_error(s[i], s[j], confidence=0.9)
                lo, hi = intervals[i, j]
                assert moe[i, j] == pytest.approx((hi - lo) / 2, rel=1e-12, abs=1e-15)
        np.testing.assert_array_equal(moe, moe.T)


def test_one_sided_comparison_still_gives_the_two_sided_margin():
    c = rankwise.compare(QRELS, RUNS, ["AP"], test="t-test", alternative="greater")
    two = rankwise.compare(QRELS, RUNS, ["AP"], test="t-test")
    np.testing.assert_array_equal(c.margin_of_error("AP"), two.margin_of_error("AP"))


def test_renders_print_the_anova_margin_of_the_means_at_one_minus_alpha():
    c = rankwise.compare(QRELS, RUNS, ["AP", "RR"], test="t-test", alpha=0.1)
    margins = {m: c.anova(m).margin_of_error(0.9) for m in c.measures}
    assert margins["AP"] > 0 and margins["RR"] > 0
    df = c.to_pandas(margin_of_error=True)
    assert list(df.columns) == ["AP", "AP MOE", "RR", "RR MOE"]
    np.testing.assert_array_equal(df["AP MOE"], margins["AP"])
    np.testing.assert_array_equal(df["RR"], c.to_pandas()["RR"])
    md = c.to_markdown(margin_of_error=True)
    assert md.count(f" ± {margins['AP']:.4f}") == 3
    assert md.count(f" ± {margins['RR']:.4f}") == 3
    tex = c.to_latex(margin_of_error=True)
    assert tex.count(f"$\\pm$ {margins['AP']:.4f}") == 3
    # without the flag, the tables are unchanged
    assert "±" not in c.to_markdown() and "\\pm" not in c.to_latex()
    assert list(c.to_pandas().columns) == ["AP", "RR"]


def test_bad_values_are_refused_with_the_argument_named():
    with pytest.raises(InvalidValueError, match="confidence"):
        margin_of_error([0.1, 0.2], [0.3, 0.1], confidence=1.0)
    with pytest.raises(InvalidValueError, match="confidence"):
        anova([[0.1, 0.2], [0.3, 0.1]]).margin_of_error(0.0)
    with pytest.raises(InvalidValueError, match="`x`"):
        margin_of_error([0.1])
    with pytest.raises(InvalidValueError, match="`x`"):
        margin_of_error([0.1, math.nan], [0.1, 0.2])
    with pytest.raises(ShapeError, match="`y`"):
        margin_of_error([0.1, 0.2], [0.1])
    c = rankwise.compare(QRELS, RUNS, ["AP"])
    with pytest.raises(InvalidValueError, match="measure"):
        c.margin_of_error("nDCG")
    with pytest.raises(InvalidValueError, match="confidence"):
        c.margin_of_error("AP", 2.0)
    assert quiet(margin_of_error, [0.5, 0.5, 0.5]) == 0.0


def test_equal_values_have_a_zero_margin_of_error():
    # The mean of three copies of 0.12173791 is not exactly representable: the two-pass
    # variance left ~1e-34 and a margin of 8e-18 (found by hypothesis in CI).
    x = np.full(3, 0.12173791)
    assert margin_of_error(x, confidence=0.5) == 0.0
    assert margin_of_error(x, np.zeros(3), confidence=0.95) == 0.0


def test_values_whose_variance_overflows_have_the_t_intervals_margin():
    """benches/fuzz_api.py: values of ~1e180 overflowed the variance, and the error named
    `variance`, which is no argument of margin_of_error. The margin is now half the t
    interval's width: infinite, as scipy's interval is (-inf, inf)."""
    x = [-1.4364101641263042e183, 3.0, -2.1274261310735107e36, 0.95, -2.2583029182323462e179]
    y = [-1.0, -1.0, 1.0, 1.0, 0.0]
    assert t_interval(x, y, confidence=0.5) == (-math.inf, math.inf)
    assert margin_of_error(x, y, confidence=0.5) == math.inf
    assert margin_of_error(x, confidence=0.5) == math.inf
    assert margin_of_error([1e160, -1e160, 0.0]) == math.inf
