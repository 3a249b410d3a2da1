"""Power and topic set size: the noncentral t and F distributions against scipy.stats.nct / ncf,
power against statsmodels.stats.power, Sakai's topic set sizes checked to be the smallest that
meet their requirement (with statsmodels' power and scipy's t quantiles), the variance estimate
against the two-way residual computed directly, and compare(test="tukey")."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.power import FTestAnovaPower, TTestPower

import rankwise
from rankwise import _native
from rankwise.errors import InvalidValueError
from rankwise.stats import power, topic_set_size, variance_estimate

SM_ALTERNATIVE = {"two-sided": "two-sided", "greater": "larger", "less": "smaller"}
ALPHAS = st.sampled_from([0.001, 0.01, 0.05, 0.1, 0.2])


def quiet(f, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f(*args, **kw)


# ------------------------------------------------------------------ distributions


@settings(max_examples=300, deadline=None)
@given(
    st.floats(-30, 30),
    st.one_of(st.integers(1, 2000).map(float), st.floats(1, 300)),
    st.floats(-25, 25),
)
@example(t=1e-08, df=1.0, nc=0.0)  # scipy's nct and t: 0.5000000047; exact: 0.5000000032
@example(t=1e-08, df=1.0, nc=2.5647721852907793e-74)  # the same, found by the ci profile
def test_noncentral_t_equals_scipy(t, df, nc):
    cdf, sf = _native.noncentral_t(t, df, nc)
    assert 0 <= cdf <= 1 and 0 <= sf <= 1 and abs(cdf + sf - 1) < 1e-12
    # At df = 1, nc = 0 this is the Cauchy distribution, 0.5 + atan(t) / pi: scipy's t and nct
    # are both off by 1.6e-9 near t = 0 there (found by hypothesis), scipy's cauchy is exact.
    # A noncentrality below 1e-12 moves the cdf by less than |nc| * phi(0) < 4e-13, far inside
    # the tolerance, so those cases compare with the Cauchy distribution too.
    central_cauchy = df == 1 and abs(nc) < 1e-12
    ref, args = (stats.cauchy, (t,)) if central_cauchy else (stats.nct, (t, df, nc))
    want_cdf, want_sf = quiet(ref.cdf, *args), quiet(ref.sf, *args)
    assume(np.isfinite(want_cdf) and np.isfinite(want_sf))  # Boost fails on a few (scipy: NaN)
    assert cdf == pytest.approx(want_cdf, rel=0, abs=1e-9)
    assert sf == pytest.approx(want_sf, rel=0, abs=1e-9)


@settings(max_examples=300, deadline=None)
@given(
    st.floats(1e-3, 60),
    st.one_of(st.integers(1, 60).map(float), st.floats(1, 60)),
    st.one_of(st.integers(1, 3000).map(float), st.floats(1, 500)),
    st.floats(1e-6, 300),
)
def test_noncentral_f_equals_scipy(f, d1, d2, nc):
    cdf, sf = _native.noncentral_f(f, d1, d2, nc)
    assert 0 <= cdf <= 1 and 0 <= sf <= 1 and abs(cdf + sf - 1) < 1e-12
    assert cdf == pytest.approx(stats.ncf.cdf(f, d1, d2, nc), rel=0, abs=1e-9)
    assert sf == pytest.approx(stats.ncf.sf(f, d1, d2, nc), rel=0, abs=1e-9)


def test_noncentral_f_without_noncentrality_is_the_central_f():
    # scipy.stats.ncf.sf(1, 2, 3, 0) is -0.535 (it returns -cdf there): compare with f.
    cdf, sf = _native.noncentral_f(1.0, 2.0, 3.0, 0.0)
    assert cdf == pytest.approx(stats.f.cdf(1.0, 2, 3), abs=1e-14)
    assert sf == pytest.approx(stats.f.sf(1.0, 2, 3), abs=1e-14)
    assert math.isnan(_native.noncentral_t(1.0, 0.0, 1.0)[0])
    assert math.isnan(_native.noncentral_f(1.0, 2.0, 3.0, -1.0)[1])


# ------------------------------------------------------------------ power


@settings(max_examples=200, deadline=None)
@given(
    st.floats(-2, 2),
    st.integers(2, 400),
    ALPHAS,
    st.sampled_from(["two-sided", "greater", "less"]),
)
def test_t_test_power_equals_statsmodels(effect, n, alpha, alternative):
    want = quiet(TTestPower().power, effect, n, alpha, alternative=SM_ALTERNATIVE[alternative])
    got = power(effect * 0.3, n, variance=0.09, alpha=alpha, alternative=alternative)
    assert 0 <= got <= 1
    assume(np.isfinite(want))  # scipy's nct gives NaN in some far tails, and so statsmodels
    assert got == pytest.approx(float(want), rel=0, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(st.floats(0.01, 1), st.floats(0.001, 0.2), st.integers(2, 300), st.integers(2, 40), ALPHAS)
def test_anova_power_equals_statsmodels(difference, variance, n, m, alpha):
    f = math.sqrt(difference**2 / (2 * m * variance))
    want = quiet(FTestAnovaPower().power, f, m * n, alpha, m)
    got = power(difference, n, variance=variance, test="anova", n_systems=m, alpha=alpha)
    assert 0 <= got <= 1
    assume(np.isfinite(want))  # scipy's ncf gives NaN for very large noncentralities
    assert got == pytest.approx(float(want), rel=0, abs=1e-9)


# ------------------------------------------------------------------ topic set size


def expected_ci_width(variance, n, alpha):
    """Sakai (2016), 5: 2 t_(1-alpha/2)(n-1) sqrt(variance / n) E(s) / sigma."""
    c = math.sqrt(2 / (n - 1)) * math.exp(math.lgamma(n / 2) - math.lgamma((n - 1) / 2))
    return 2 * stats.t.ppf(1 - alpha / 2, n - 1) * math.sqrt(variance / n) * c


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["t-test", "anova", "ci"]),
    st.floats(0.02, 0.5),
    st.floats(0.005, 0.2),
    st.sampled_from([0.5, 0.7, 0.8, 0.9, 0.95]),
    ALPHAS,
    st.integers(2, 30),
    st.sampled_from(["two-sided", "greater"]),
)
def test_topic_set_size_is_the_smallest_that_suffices(
    design, difference, variance, target, alpha, m, alternative
):
    n = topic_set_size(
        difference,
        variance=variance,
        design=design,
        power=target,
        alpha=alpha,
        alternative=alternative,
        n_systems=m,
    )
    assume(n <= 20_000)

    def margin(n):
        """How far topic set ``n`` exceeds the requirement (>= 0: met)."""
        if design == "ci":
            return difference - expected_ci_width(variance, n, alpha)
        if design == "anova":
            f = math.sqrt(difference**2 / (2 * m * variance))
            return quiet(FTestAnovaPower().power, f, m * n, alpha, m) - target
        d = difference / math.sqrt(variance)
        sm = SM_ALTERNATIVE[alternative]
        return quiet(TTestPower().power, d, n, alpha, alternative=sm) - target

    # statsmodels and scipy agree with rankwise to ~1e-12: a requirement met within 1e-9
    # could tip either way, so such draws are skipped.
    above = margin(n)
    assume(abs(above) > 1e-9)
    assert above >= 0
    if n > 2:
        below = margin(n - 1)
        assume(abs(below) > 1e-9)
        assert below < 0


def test_topic_set_size_refuses_undetectable_differences():
    with pytest.raises(InvalidValueError, match="`difference` must be a non-zero"):
        topic_set_size(0.0, variance=0.1)
    with pytest.raises(InvalidValueError, match="positive number \\(alternative 'greater'\\)"):
        topic_set_size(-0.1, variance=0.1, alternative="greater")
    with pytest.raises(InvalidValueError, match="`difference` must be large enough"):
        topic_set_size(1e-9, variance=1.0)
    with pytest.raises(InvalidValueError, match="`variance` must be a positive"):
        topic_set_size(0.1, variance=0.0)
    with pytest.raises(InvalidValueError, match="`design` must be one of"):
        topic_set_size(0.1, variance=0.1, design="wilcoxon")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="`power` must be in"):
        topic_set_size(0.1, variance=0.1, power=1.0)
    with pytest.raises(InvalidValueError, match="`n_topics` must be an integer >= 2"):
        power(0.1, 1)
    with pytest.raises(InvalidValueError, match="`n_systems` must be an integer >= 2"):
        power(0.1, 10, test="anova", n_systems=1)
    with pytest.raises(InvalidValueError, match="`alpha` must be in"):
        power(0.1, 10, alpha=0.0)
    with pytest.raises(InvalidValueError, match="`difference` must be a finite"):
        power(float("nan"), 10)


@settings(max_examples=50, deadline=None)
@given(st.integers(2, 6), st.integers(2, 30), st.integers(0, 2**32 - 1))
def test_variance_estimate_is_the_two_way_residual_mean_square(k, n, seed):
    scores = np.random.default_rng(seed).random((k, n))
    residual = (
        scores - scores.mean(axis=1, keepdims=True) - scores.mean(axis=0, keepdims=True)
    ) + scores.mean()
    v_e = (residual**2).sum() / ((k - 1) * (n - 1))
    assert variance_estimate(scores, "anova") == pytest.approx(v_e, rel=1e-12)
    assert variance_estimate(scores) == pytest.approx(2 * v_e, rel=1e-12)
    assert variance_estimate(scores, "ci") == variance_estimate(scores, "t-test")


# ------------------------------------------------------------------ on a Comparison


def small_comparison(test="t-test", **kw):
    rng = np.random.default_rng(7)
    qrels = {f"q{i}": {"a": 1, "b": int(rng.integers(0, 2)), "c": 0} for i in range(20)}
    runs = {name: {q: {d: float(rng.random()) for d in "abc"} for q in qrels} for name in "xyzw"}
    return rankwise.compare(qrels, runs, ["AP", "RR"], test=test, **kw)


def test_comparison_topic_set_size_uses_its_variance_estimate():
    c = small_comparison()
    for design in ("t-test", "anova", "ci"):
        want = topic_set_size(
            0.05,
            variance=variance_estimate(c.scores["AP"], design),
            design=design,
            n_systems=4,
            alpha=c.alpha,
        )
        assert c.topic_set_size("AP", 0.05, design=design) == want
    assert c.topic_set_size("AP", 0.05, power=0.9) > c.topic_set_size("AP", 0.05)
    with pytest.raises(InvalidValueError, match="`measure` must be one of"):
        c.topic_set_size("nDCG", 0.05)


def test_compare_tukey_equals_scipy_tukey_hsd_without_correction():
    c = small_comparison("tukey")
    assert c.test == "tukey" and c.correction is None
    for m in c.measures:
        want = quiet(stats.tukey_hsd, *c.scores[m]).pvalue
        np.testing.assert_allclose(c.p_values[m], want, rtol=0, atol=1e-9)
    with pytest.raises(InvalidValueError, match="`alternative` must be 'two-sided'"):
        small_comparison("tukey", alternative="greater")
    with pytest.raises(InvalidValueError, match="`test` must be one of"):
        small_comparison("anova")
