"""compare() and fuse(): scipy's paired tests, resampling tests, corrections, ranx's fusion."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest
import ranx
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy import stats

import rankwise
from rankwise import _native
from rankwise.errors import InvalidValueError

from .strategies import distinct_scores

# Per-query values like those of IR measures: many ties, many zeros.
VALUES = st.one_of(
    st.sampled_from([0.0, 0.1, 0.25, 0.5, 1.0]),
    st.floats(0, 1, allow_nan=False, allow_subnormal=False),
)


@st.composite
def paired(draw, max_n=80):
    n = draw(st.integers(2, max_n))
    x = draw(st.lists(VALUES, min_size=n, max_size=n))
    y = draw(st.lists(VALUES, min_size=n, max_size=n))
    return np.array(x), np.array(y)


def p_of(x, y, test, **kw):
    return _native.pairwise_p_values(np.ascontiguousarray(np.stack([x, y])), test, **kw)[0, 1]


def scipy_p(test, x, y):
    """scipy's p-value, without the warnings it gives for degenerate samples."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return test(x, y).pvalue


@given(paired())
def test_t_test_equals_scipy_ttest_rel(xy):
    x, y = xy
    want = scipy_p(stats.ttest_rel, x, y)
    got = p_of(x, y, "t-test")
    if math.isnan(want):  # no variation in the differences: rankwise says 1 (or 0)
        d = x - y
        assert got == (1.0 if np.all(d == 0) else 0.0)
    else:
        assert got == pytest.approx(want, rel=1e-9, abs=1e-14)


@given(paired())
def test_wilcoxon_equals_scipy_wilcoxon(xy):
    x, y = xy
    want = scipy_p(stats.wilcoxon, x, y)
    got = p_of(x, y, "wilcoxon")
    if math.isnan(want):  # every pair equal: rankwise says 1
        assert got == 1.0
    else:
        assert got == pytest.approx(want, rel=1e-9, abs=1e-14)


def test_randomization_approaches_the_exact_permutation_p_value():
    rng = np.random.default_rng(3)
    x, y = rng.random(10), rng.random(10) * 0.7
    d = x - y
    observed = abs(d.sum())
    flips = [abs(sum(s * v for s, v in zip(signs, d, strict=True))) for signs in
             itertools.product([1, -1], repeat=10)]  # fmt: skip
    exact = np.mean([f >= observed - 1e-12 for f in flips])
    got = p_of(x, y, "randomization", n_resamples=40_000, seed=1)
    assert got == pytest.approx(exact, abs=0.01)


def test_resampling_is_reproducible_and_independent_of_threads():
    rng = np.random.default_rng(0)
    m = np.ascontiguousarray(rng.random((4, 100)))
    before = rankwise.get_num_threads()
    try:
        rankwise.set_num_threads(1)
        one = _native.pairwise_p_values(m, "bootstrap", n_resamples=3000, seed=9)
        rankwise.set_num_threads(2)
        two = _native.pairwise_p_values(m, "bootstrap", n_resamples=3000, seed=9)
    finally:
        rankwise.set_num_threads(0)
    np.testing.assert_array_equal(one, two)
    assert rankwise.get_num_threads() == before
    other = _native.pairwise_p_values(m, "bootstrap", n_resamples=3000, seed=10)
    assert not np.array_equal(one, other)
    assert np.all(one > 0) and np.all(np.diag(one) == 1)


def test_corrections():
    p = np.array([0.01, 0.04, 0.03, 0.2])
    np.testing.assert_allclose(_native.corrected_p_values(p, "bonferroni"), [0.04, 0.16, 0.12, 0.8])
    np.testing.assert_allclose(_native.corrected_p_values(p, "holm"), [0.04, 0.09, 0.09, 0.2])
    np.testing.assert_array_equal(_native.corrected_p_values(p, None), p)


QRELS = {f"q{i}": {"a": 1, "b": 0, "c": 1 if i % 3 else 0} for i in range(40)}
GOOD = {f"q{i}": {"a": 3.0, "c": 2.0, "b": 1.0} for i in range(40)}
BAD = {f"q{i}": {"b": 3.0, "a": 2.0, "c": 1.0} for i in range(40)}


def test_compare_reports_means_p_values_and_win_tie_loss():
    result = rankwise.compare(QRELS, {"good": GOOD, "bad": BAD}, ["AP", "P@1"], test="t-test")
    assert result.systems == ("good", "bad")
    assert result.means["good"]["P@1"] == 1.0 and result.means["bad"]["P@1"] == 0.0
    assert result.better_than("AP", "good") == ["bad"]
    assert result.better_than("AP", "bad") == []
    assert result.wins["P@1"][0, 1] == 40 and result.ties["P@1"][0, 1] == 0
    assert result.significant["AP"][0, 1]
    assert "0.0000" in result.to_markdown() and "^b" in result.to_markdown()
    assert result.to_pandas().loc["good", "P@1"] == 1.0
    assert repr(result).startswith("Comparison of 2 systems over 40 queries (t-test")


def test_compare_refuses_bad_arguments():
    with pytest.raises(InvalidValueError, match="at least 2 systems"):
        rankwise.compare(QRELS, [GOOD], ["AP"])
    with pytest.raises(InvalidValueError, match="`test` must be one of"):
        rankwise.compare(QRELS, {"a": GOOD, "b": BAD}, ["AP"], test="anova")
    with pytest.raises(InvalidValueError, match="`n_resamples`"):
        rankwise.compare(QRELS, {"a": GOOD, "b": BAD}, ["AP"], n_resamples=0)
    with pytest.raises(InvalidValueError, match="`correction`"):
        rankwise.compare(QRELS, {"a": GOOD, "b": BAD}, ["AP"], correction="fdr")
    with pytest.raises(InvalidValueError, match="distinct names"):
        rankwise.compare(QRELS, [rankwise.Run(GOOD, name="x"), rankwise.Run(BAD, name="x")], ["AP"])


# ------------------------------------------------------------------ fusion vs ranx

DOCS = [f"d{i:02d}" for i in range(12)]


@st.composite
def tie_free_runs(draw):
    runs = []
    for _ in range(draw(st.integers(2, 3))):
        run = {}
        for q in ["q1", "q2"]:
            docs = draw(st.lists(st.sampled_from(DOCS), min_size=1, max_size=8, unique=True))
            run[q] = dict(zip(docs, draw(distinct_scores(len(docs))), strict=True))
        runs.append(run)
    return runs


RANX_METHODS = {"combsum": "sum", "combmnz": "mnz", "combmax": "max", "combmin": "min",
                "combanz": "anz"}  # fmt: skip


@given(tie_free_runs(), st.sampled_from(list(RANX_METHODS)),
       st.sampled_from([None, "min-max", "max", "sum", "zmuv", "rank", "borda"]))  # fmt: skip
def test_score_fusion_matches_ranx(runs, method, norm):
    assume(norm != "max" or all(min(d.values()) > 0 for r in runs for d in r.values()))
    expected = ranx.fuse([ranx.Run(r) for r in runs], norm=norm, method=RANX_METHODS[method])
    got = rankwise.fuse(runs, method, norm=norm).to_dict()
    for q, docs in expected.to_dict().items():
        assert set(got[q]) == set(docs)
        for d, v in docs.items():
            assert got[q][d] == pytest.approx(v, abs=1e-9), (q, d)


@given(tie_free_runs(), st.sampled_from(["rrf", "isr", "bordafuse"]))
def test_rank_fusion_matches_ranx(runs, method):
    expected = ranx.fuse([ranx.Run(r) for r in runs], norm=None, method=method)
    got = rankwise.fuse(runs, "borda" if method == "bordafuse" else method).to_dict()
    for q, docs in expected.to_dict().items():
        for d, v in docs.items():
            assert got[q][d] == pytest.approx(v, abs=1e-12), (q, d, method)


@given(tie_free_runs())
def test_weighted_sum_matches_ranx(runs):
    weights = [0.5 + i for i in range(len(runs))]
    expected = ranx.fuse(
        [ranx.Run(r) for r in runs], norm="min-max", method="wsum", params={"weights": weights}
    )
    got = rankwise.fuse(runs, "wsum", norm="min-max", weights=weights).to_dict()
    for q, docs in expected.to_dict().items():
        for d, v in docs.items():
            assert got[q][d] == pytest.approx(v, abs=1e-12)


def test_fusion_refuses_bad_arguments():
    run = {"q": {"a": 1.0}}
    with pytest.raises(InvalidValueError, match="`method` must be one of"):
        rankwise.fuse([run, run], "magic")
    with pytest.raises(InvalidValueError, match="`weights` are needed"):
        rankwise.fuse([run, run], "wsum")
    with pytest.raises(ValueError, match="`weights` must have one weight per run"):
        rankwise.fuse([run, run], "wsum", weights=[1.0])
    with pytest.raises(InvalidValueError, match="`norm` must be"):
        rankwise.fuse([run, run], "combsum", norm="softmax")
