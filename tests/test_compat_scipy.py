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
from rankwise.errors import RankwiseTypeError, ShapeError


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


# ----------------------------------------------------------------------------------------------
# Found by running scipy's own tests against the drop-in (tests/peer_suites/run_peer_suites.py)


def test_spearmanr_of_scalars_is_nan_as_scipy():
    theirs = scipy.stats.spearmanr(4.0, 2.0)
    ours = cs.spearmanr(4.0, 2.0)
    assert same(tuple(ours), tuple(theirs)) and math.isnan(ours.statistic)


@pytest.mark.parametrize(("a", "b"), [([1, 2, 1], 8), ([1, 2, 1], [8, 9]), (4.0, [1, 2])])
def test_spearmanr_of_uneven_lengths_raises_value_error_as_scipy(a, b):
    with pytest.raises(ValueError, match="must match exactly"):
        scipy.stats.spearmanr(a, b)
    with pytest.raises(ShapeError, match="`b` must have as many observations as `a`"):
        cs.spearmanr(a, b)


@given(
    st.integers(0, 2**31),
    st.integers(2, 8),
    st.integers(3, 6),
    st.sets(st.integers(0, 5), max_size=2),
    st.sampled_from([0.0, 0.2]),
)
def test_spearmanr_omit_with_all_nan_variables_equals_scipy(seed, n_obs, n_vars, empty, rate):
    rng = np.random.default_rng(seed)
    # Distinct values: a variable constant after dropping NaN is a documented difference
    # (test_spearmanr_omit_of_a_variable_constant_after_dropping_nan_is_nan).
    x = rng.random((n_obs, n_vars))
    x[rng.random(x.shape) < rate] = np.nan
    for j in empty:
        if j < n_vars:
            x[:, j] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            theirs = scipy.stats.spearmanr(x, nan_policy="omit")
        except ValueError:
            with pytest.raises(ValueError, match="at least 3 entries"):
                cs.spearmanr(x, nan_policy="omit")
            return
        ours = cs.spearmanr(x, nan_policy="omit")
    rho, p = np.asarray(ours.statistic), np.asarray(ours.pvalue)
    t_rho, t_p = np.asarray(theirs.statistic), np.asarray(theirs.pvalue)
    assert rho.shape == t_rho.shape and p.shape == t_p.shape
    assert np.array_equal(np.isnan(rho), np.isnan(t_rho)), (rho, t_rho)
    np.testing.assert_allclose(rho, t_rho, rtol=1e-12, atol=1e-13)
    # The documented difference: where rho is exactly +-1 scipy's p-value goes through a
    # rho a rounding error past 1 (p = 1, or a tiny number); rankwise's is exact.
    perfect = np.abs(rho) == 1.0
    if rho.ndim:
        perfect &= ~np.eye(len(rho), dtype=bool)
    assert np.array_equal(np.isnan(p) & ~perfect, np.isnan(t_p) & ~perfect), (p, t_p)
    np.testing.assert_allclose(p[~perfect], t_p[~perfect], rtol=1e-9, atol=1e-12)


shapes = st.lists(st.integers(0, 4), min_size=1, max_size=3).map(tuple)


@given(st.integers(0, 2**31), shapes, st.data(), st.booleans(), st.sampled_from([0.0, 0.3]))
def test_tuple_axis_and_broadcasting_equal_scipy(seed, shape, data, keepdims, nan_rate):
    rng = np.random.default_rng(seed)
    nd = len(shape)
    axes = data.draw(
        st.lists(st.integers(-nd, nd - 1), min_size=1, max_size=nd, unique_by=lambda a: a % nd)
    )
    x = rng.integers(0, 4, size=shape).astype(float)
    # y broadcasts against x along one of its dimensions
    y_shape = tuple(1 if i == 0 and nd > 1 else n for i, n in enumerate(shape))
    y = rng.integers(0, 4, size=y_shape).astype(float)
    clean = x.copy()
    x[rng.random(x.shape) < nan_rate] = np.nan
    for f in ("kendalltau", "weightedtau"):
        for nan_policy in ("propagate", "omit"):
            # weightedtau of an all-NaN slice is a documented difference (pinned above)
            x = clean if (f, nan_policy) == ("weightedtau", "propagate") else x
            kw = {"axis": tuple(axes), "keepdims": keepdims, "nan_policy": nan_policy}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                theirs = getattr(scipy.stats, f)(x, y, **kw)
                ours = getattr(cs, f)(x, y, **kw)
            assert same(ours.statistic, theirs.statistic), (f, kw, ours, theirs)
            assert same(ours.pvalue, theirs.pvalue), (f, kw, ours, theirs)
            assert type(ours.statistic) is type(theirs.statistic)


def test_non_broadcastable_samples_raise_scipys_message():
    for f in ("kendalltau", "weightedtau"):
        for axis in (0, 1, None, (0, 1)):
            with pytest.raises(ValueError, match="Array shapes are incompatible for broadcasting"):
                getattr(scipy.stats, f)(np.ones((3, 4)), np.ones((5, 4)), axis=axis)
            with pytest.raises(ValueError, match="Array shapes are incompatible for broadcasting"):
                getattr(cs, f)(np.ones((3, 4)), np.ones((5, 4)), axis=axis)


@pytest.mark.parametrize(
    ("f", "kwargs", "args", "message"),
    [
        (
            "kendalltau",
            {"alternative": "ekki", "method": "asymptotic"},
            ([1, 2, 3, 4], [1, 3, 2, 4]),
            "`alternative` must be 'less'",
        ),
        (
            "spearmanr",
            {"alternative": "ekki"},
            ([1, 2, 3], [1, 3, 2]),
            "`alternative` must be 'less'",
        ),
        ("kendalltau", {"nan_policy": "ekki"}, ([1, 2, 3], [1, 3, 2]), "nan_policy must be one of"),
        (
            "weightedtau",
            {"nan_policy": "ekki"},
            ([1, 2, 3], [1, 3, 2]),
            "nan_policy must be one of",
        ),
        ("spearmanr", {"nan_policy": "ekki"}, ([1, 2, 3], [1, 3, 2]), "nan_policy must be one of"),
        (
            "kendalltau",
            {"nan_policy": "raise"},
            ([1, np.nan, 3], [1, 3, 2]),
            "The input contains nan values",
        ),
        (
            "weightedtau",
            {"nan_policy": "raise"},
            ([1, 2, 3], [1, np.nan, 2]),
            "The input contains nan values",
        ),
        (
            "spearmanr",
            {"nan_policy": "raise"},
            ([1, np.nan, 3, 4], [1, 3, 2, 4]),
            "The input contains nan values",
        ),
    ],
)
def test_error_messages_use_scipys_words(f, kwargs, args, message):
    with pytest.raises(ValueError, match=message):
        getattr(scipy.stats, f)(*args, **kwargs)
    with pytest.raises(ValueError, match=message):
        getattr(cs, f)(*args, **kwargs)


def test_all_nan_rank_ranks_every_element_alike_where_scipy_ranks_the_first_apart():
    # The documented difference: scipy's _toint64 ranks all-NaN values [1, 0, 0, ...], so its
    # answer is that of rank=[1, 0, 0, 0, 0]; rankwise ranks NaN lowest and alike, as scipy
    # does whenever one value is not NaN (checked below), i.e. rank=[0, 0, 0, 0, 0].
    x, y = [1, 2, 3, 4, 5], [1, 3, 2, 5, 4]
    nan_rank = [np.nan] * 5
    theirs = scipy.stats.weightedtau(x, y, rank=nan_rank).statistic
    assert theirs == scipy.stats.weightedtau(x, y, rank=[1, 0, 0, 0, 0]).statistic
    ours = cs.weightedtau(x, y, rank=nan_rank).statistic
    assert ours == scipy.stats.weightedtau(x, y, rank=[0, 0, 0, 0, 0]).statistic
    assert ours != theirs
    partial = [np.nan, 1, np.nan, 2, 0]
    assert (
        cs.weightedtau(x, y, rank=partial).statistic
        == scipy.stats.weightedtau(x, y, rank=partial).statistic
    )


def test_spearmanr_omit_of_a_variable_constant_after_dropping_nan_is_nan():
    # scipy's nan_policy="omit" path (mstats) reports the 0 a masked correlation leaves behind
    # (with p-value 1); its own path without NaN, and rankwise, say NaN: rho is undefined.
    x, y = [1, 2, 3, 4], [2, 2, 2, np.nan]
    theirs = scipy.stats.spearmanr(x, y, nan_policy="omit")
    assert (theirs.statistic, theirs.pvalue) == (0.0, 1.0)
    assert math.isnan(scipy.stats.spearmanr(x[:3], y[:3]).statistic)
    ours = cs.spearmanr(x, y, nan_policy="omit")
    assert math.isnan(ours.statistic) and math.isnan(ours.pvalue)


@pytest.mark.parametrize(
    ("shape", "axis"), [((0, 3), 0), ((3, 0), 1), ((2, 0, 4), 1), ((2, 0), 0), ((0,), 0)]
)
@pytest.mark.parametrize("keepdims", [False, True])
def test_kendalltau_of_empty_slices_warns_and_answers_as_scipy(shape, axis, keepdims):
    x = np.ones(shape)
    results, messages = [], []
    for module in (scipy.stats, cs):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            results.append(module.kendalltau(x, x, axis=axis, keepdims=keepdims))
        messages.append([(type(m.message).__name__, str(m.message)) for m in w])
    assert messages[1] == messages[0]
    assert same(results[1].statistic, results[0].statistic)
    assert same(results[1].pvalue, results[0].pvalue)
