"""rankwise.compat.scipy is a drop-in: scipy's signatures, result objects, values and warnings;
the deliberate differences are pinned here."""

from __future__ import annotations

import inspect
import math
import warnings

import numpy as np
import pytest
import scipy.stats
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats._axis_nan_policy import SmallSampleWarning as ScipySmallSampleWarning

from rankwise.compat import scipy as cs
from rankwise.errors import RankwiseTypeError


def same(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))


@pytest.mark.parametrize("name", ["kendalltau", "weightedtau", "spearmanr"])
def test_signatures_are_scipys(name):
    ours = inspect.signature(getattr(cs, name)).parameters
    theirs = inspect.signature(getattr(scipy.stats, name)).parameters
    assert list(ours) == list(theirs)
    for p in theirs:
        assert ours[p].kind == theirs[p].kind, p
        assert ours[p].default == theirs[p].default, p


def test_result_objects_behave_like_scipys():
    x, y = [12, 2, 1, 12, 2], [1, 4, 7, 1, 0]
    for f in ("kendalltau", "weightedtau", "spearmanr"):
        ours, theirs = getattr(cs, f)(x, y), getattr(scipy.stats, f)(x, y)
        if f != "spearmanr":  # spearmanr's statistic differs in the last bit (exact sums)
            assert repr(ours) == repr(theirs)
        assert repr(ours).startswith("SignificanceResult(statistic=np.float64(")
        assert type(ours).__name__ == "SignificanceResult"
        a, b = ours
        assert len(ours) == 2 and same(a, ours.statistic) and same(b, ours.pvalue)
        assert ours.correlation == pytest.approx(theirs.correlation, rel=1e-15)
        assert type(ours.statistic) is type(theirs.statistic)


@given(
    st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=0, max_size=40),
    st.sampled_from(["propagate", "omit", "raise"]),
    st.floats(0, 0.3),
    st.integers(0, 2**31),
)
def test_nan_policy_values_and_warnings_match_scipy(rows, nan_policy, nan_rate, seed):
    x = np.array([r[0] for r in rows], dtype=float)
    y = np.array([r[1] for r in rows], dtype=float)
    rng = np.random.default_rng(seed)
    x[rng.random(len(x)) < nan_rate] = np.nan
    for f in ("kendalltau", "weightedtau"):
        with warnings.catch_warnings(record=True) as w_theirs:
            warnings.simplefilter("always")
            try:
                theirs = getattr(scipy.stats, f)(x, y, nan_policy=nan_policy)
            except ValueError:
                with pytest.raises(ValueError, match="NaN"):
                    getattr(cs, f)(x, y, nan_policy=nan_policy)
                continue
        with warnings.catch_warnings(record=True) as w_ours:
            warnings.simplefilter("always")
            ours = getattr(cs, f)(x, y, nan_policy=nan_policy)
        if f == "weightedtau" and nan_policy == "propagate" and len(x) >= 2 and np.isnan(x).all():
            # The deliberate difference (see test_all_nan_weightedtau_is_nan_...): all-NaN x
            # is constant, so NaN, where scipy's ordering of NaN makes up a number.
            assert math.isnan(ours.statistic) and math.isnan(ours.pvalue)
            assert not w_ours and not w_theirs
            continue
        assert same(ours.statistic, theirs.statistic), (f, ours, theirs)
        assert same(ours.pvalue, theirs.pvalue), (f, ours, theirs)
        kinds = lambda ws: sorted(type(w.message).__name__ for w in ws)  # noqa: E731
        messages = lambda ws: sorted(str(w.message) for w in ws)  # noqa: E731
        assert kinds(w_ours) == kinds(w_theirs)
        assert messages(w_ours) == messages(w_theirs)


@given(
    st.integers(0, 2**31),
    st.sampled_from([None, 0, 1]),
    st.sampled_from(["propagate", "omit"]),
    st.integers(2, 5),
)
def test_spearmanr_matrices_match_scipy(seed, axis, nan_policy, n_vars):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 6, (30, n_vars)).astype(float)
    a[:, 1:] += a[:, :1]
    if nan_policy == "omit":
        a[rng.random(a.shape) < 0.05] = np.nan
    data = a if axis != 1 else a.T
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if axis is None:
            # (scipy's own mstats path fails with an IndexError on axis=None + omit)
            policy = "propagate"
            theirs = scipy.stats.spearmanr(data[:, 0], data[:, 1], axis=None, nan_policy=policy)
            ours = cs.spearmanr(data[:, 0], data[:, 1], axis=None, nan_policy=policy)
        else:
            theirs = scipy.stats.spearmanr(data, axis=axis, nan_policy=nan_policy)
            ours = cs.spearmanr(data, axis=axis, nan_policy=nan_policy)
    assert np.shape(ours.statistic) == np.shape(theirs.statistic)
    np.testing.assert_allclose(
        ours.statistic, np.clip(theirs.statistic, -1, 1), rtol=1e-13, atol=1e-15
    )
    stat = np.asarray(theirs.statistic)
    mask = np.abs(stat) < 1 - 1e-12
    np.testing.assert_allclose(
        np.asarray(ours.pvalue)[mask], np.asarray(theirs.pvalue)[mask], rtol=1e-9, atol=1e-290
    )


def test_spearmanr_forms_and_scipy_values():
    x = np.array([1, 2, 3, 4, 5, 6.0])
    y = np.array([2, 1, 4, 3, 6, 5.0])
    z = np.array([6, 5, 4, 3, 2, 1.0])
    pair = cs.spearmanr(x, y)
    assert pair.statistic == 29 / 35  # correctly rounded; scipy prints 0.8285714285714287
    assert pair.statistic == pytest.approx(scipy.stats.spearmanr(x, y).statistic, rel=1e-15)
    both = cs.spearmanr(np.column_stack([x, y]), z[:, None])
    want = scipy.stats.spearmanr(np.column_stack([x, y]), z[:, None])
    np.testing.assert_allclose(both.statistic, want.statistic, rtol=1e-14)
    np.testing.assert_allclose(both.pvalue, want.pvalue, rtol=1e-10)
    with pytest.warns(scipy.stats.ConstantInputWarning):
        r = cs.spearmanr([1, 1, 1], [1, 2, 3])
    assert math.isnan(r.statistic)
    with pytest.raises(ValueError, match="at least 2 variables"):
        cs.spearmanr(x)
    with pytest.raises(ValueError, match="The input contains nan values"):
        cs.spearmanr([1, np.nan, 3], [1, 2, 3], nan_policy="raise")
    with pytest.raises(ValueError, match="at least 3 entries"):
        cs.spearmanr([1, np.nan, 3], [np.nan, 2, 3], nan_policy="omit")
    assert math.isnan(cs.spearmanr([1, 2], [2, 1]).pvalue)


def test_keepdims_and_axis_shapes_match_scipy():
    rng = np.random.default_rng(1)
    x, y = rng.random((3, 4, 5)), rng.random((3, 4, 5))
    for axis in (None, 0, 1, 2, -1):
        for keepdims in (False, True):
            ours = cs.kendalltau(x, y, axis=axis, keepdims=keepdims)
            theirs = scipy.stats.kendalltau(x, y, axis=axis, keepdims=keepdims)
            assert same(ours.statistic, theirs.statistic) and same(ours.pvalue, theirs.pvalue)
            ours = cs.weightedtau(x, y, axis=axis, keepdims=keepdims)
            theirs = scipy.stats.weightedtau(x, y, axis=axis, keepdims=keepdims)
            assert same(ours.statistic, theirs.statistic)


def test_warning_classes_are_scipys():
    with pytest.warns(ScipySmallSampleWarning, match="too small"):
        cs.kendalltau([1], [2])
    with pytest.warns(ScipySmallSampleWarning):
        cs.weightedtau([1], [2])


# ----------------------------------------------------------------------------------------------
# Deliberate differences
# ----------------------------------------------------------------------------------------------
def test_non_numeric_input_is_refused_where_scipy_ranks_strings():
    assert not math.isnan(scipy.stats.kendalltau(["a", "b", "c"], ["a", "c", "b"]).statistic)
    with pytest.raises(
        RankwiseTypeError, match="`x` must be an array of real numbers; got dtype <U1"
    ):
        cs.kendalltau(["a", "b", "c"], ["a", "c", "b"])


def test_two_observations_asymptotic_has_a_pvalue_where_scipy_divides_by_zero():
    with pytest.raises(ZeroDivisionError):
        scipy.stats.kendalltau([1, 2], [2, 1], method="asymptotic")
    r = cs.kendalltau([1, 2], [2, 1], method="asymptotic")
    assert r.statistic == -1.0
    assert r.pvalue == pytest.approx(math.erfc(1 / math.sqrt(2)))  # z = -1, Var S = 1


def test_all_nan_weightedtau_is_nan_where_scipy_returns_a_number():
    x = [np.nan, np.nan, np.nan]
    assert not math.isnan(scipy.stats.weightedtau(x, [1, 2, 3]).statistic)
    assert math.isnan(cs.weightedtau(x, [1, 2, 3]).statistic)


def test_spearmanr_of_identical_rankings_is_exactly_one():
    x = np.arange(10.0) ** 2
    assert scipy.stats.spearmanr(x, np.arange(10.0)).statistic < 1.0
    r = cs.spearmanr(x, np.arange(10.0))
    assert r.statistic == 1.0 and r.pvalue == 0.0
