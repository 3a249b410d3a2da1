"""MTEB's abstention measures: ``rankwise.metrics.confidence_scores``, ``nauc`` and
``abstention`` equal ``mteb._evaluators.retrieval_metrics``' ``confidence_scores``, ``nauc`` and
``evaluate_abstention`` (mteb 2.26, a test dependency) bit for bit: rankwise sums in numpy's
order (pairwise blocks of eight), so the comparison is exact, NaN included.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rankwise.errors import InvalidValueError, RankwiseTypeError, ShapeError
from rankwise.metrics import abstention, confidence_scores, nauc

mteb_metrics = pytest.importorskip("mteb._evaluators.retrieval_metrics")

# few distinct values, so that ties (in confidences and in values) are common
_grid = st.sampled_from([0.0, 0.1, 0.25, 1 / 3, 0.5, 0.7, 0.9, 1.0])
_any = st.floats(-10, 10, allow_nan=False, width=64)
values_st = st.one_of(_grid, _any)


def _same(a: float, b: float) -> bool:
    return (np.isnan(a) and np.isnan(b)) or a == b


@settings(max_examples=400, deadline=None)
@given(st.data(), st.integers(1, 300))
def test_nauc_equals_mteb(data: st.DataObject, n: int) -> None:
    conf = np.array(data.draw(st.lists(values_st, min_size=n, max_size=n)))
    values = np.array(data.draw(st.lists(_grid, min_size=n, max_size=n)))
    want = mteb_metrics.nauc(conf, values)
    got = nauc(conf, values)
    assert _same(got, want), (got, want)


@settings(max_examples=150, deadline=None)
@given(st.data(), st.integers(1, 80))
def test_nauc_with_other_rates_equals_mteb(data: st.DataObject, n: int) -> None:
    conf = np.array(data.draw(st.lists(values_st, min_size=n, max_size=n)))
    values = np.array(data.draw(st.lists(values_st, min_size=n, max_size=n)))
    rates = np.sort(np.array(data.draw(st.lists(st.floats(0, 1), min_size=2, max_size=25))))
    want = mteb_metrics.nauc(conf, values, rates)
    assert _same(nauc(conf, values, abstention_rates=rates), want)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(values_st, max_size=40), min_size=1, max_size=20))
def test_confidence_scores_equal_mteb(rows: list[list[float]]) -> None:
    offsets = np.cumsum([0] + [len(r) for r in rows])
    flat = np.array([x for r in rows for x in r], dtype=np.float64)
    got = confidence_scores(flat, offsets=offsets)
    for q, row in enumerate(rows):
        want = mteb_metrics.confidence_scores(row)
        for name in ("max", "std", "diff1"):
            assert got[name][q] == want[name], (name, row)


@settings(max_examples=60, deadline=None)
@given(st.data(), st.integers(1, 60))
def test_abstention_equals_evaluate_abstention(data: st.DataObject, n: int) -> None:
    results = {
        f"q{i}": {
            f"d{j}": s
            for j, s in enumerate(data.draw(st.lists(values_st, min_size=1, max_size=12)))
        }
        for i in range(n)
    }
    metric_scores = {
        m: data.draw(st.lists(_grid, min_size=n, max_size=n)) for m in ("NDCG@10", "MAP@10")
    }
    want = mteb_metrics.evaluate_abstention(results, metric_scores)
    rows = [list(d.values()) for d in results.values()]
    offsets = np.cumsum([0] + [len(r) for r in rows])
    conf = confidence_scores(np.concatenate([np.array(r) for r in rows]), offsets=offsets)
    got = abstention(conf, {k: np.array(v) for k, v in metric_scores.items()})
    assert list(got) == list(want)
    for key in want:
        assert _same(got[key], want[key]), key


def test_nauc_refuses_bad_input() -> None:
    with pytest.raises(ShapeError, match="values"):
        nauc([0.1, 0.2], [1.0])
    with pytest.raises(ShapeError):
        nauc([], [])
    with pytest.raises(InvalidValueError, match="confidence"):
        nauc([np.nan, 0.2], [1.0, 0.0])
    with pytest.raises(InvalidValueError, match="abstention_rates"):
        nauc([0.1, 0.2], [1.0, 0.0], abstention_rates=[0.5, 0.2])
    with pytest.raises(InvalidValueError, match="abstention_rates"):
        nauc([0.1, 0.2], [1.0, 0.0], abstention_rates=[0.5])
    with pytest.raises(InvalidValueError, match="scores"):
        confidence_scores(np.array([[0.1, np.inf]]))
    with pytest.raises(RankwiseTypeError, match="scores"):
        confidence_scores([["a", "b"]])
    with pytest.raises(ShapeError, match="offsets"):
        confidence_scores(np.array([1.0, 2.0]), offsets=[0, 5])
    with pytest.raises(ShapeError, match="values"):
        abstention({"max": [1.0, 2.0]}, {"m": [1.0]})


def test_a_nan_nauc_comes_with_a_warning() -> None:
    """benches/fuzz_api.py: nAUC was NaN without a warning for equal values and for rates
    that abstain on as many queries each (MTEB's value, 0/0, kept)."""
    from rankwise.errors import DegenerateDataWarning

    v = np.array([1.5, 1.0, 0.5])
    for values, rates in ((np.ones(3), None), (v, [0.0, 0.0]), (v, [0.1, 0.1])):
        with pytest.warns(DegenerateDataWarning, match="nAUC"):
            assert np.isnan(nauc(v, values, abstention_rates=rates))
    with pytest.warns(DegenerateDataWarning, match="nAUC_MAP_max"):
        out = abstention({"max": v, "std": v}, {"MAP": np.ones(3)})
    assert np.isnan(out["nAUC_MAP_max"])


def test_malformed_arguments_found_by_fuzz_api_are_named() -> None:
    """benches/fuzz_api.py: raw TypeError / IndexError / OverflowError before."""
    v = np.array([1.0, 0.5])
    for bad in (-5.3e16, b"g", np.zeros((2, 2, 2)), [2**70, 1], iter([1, 2]), np.array(1.0)):
        with pytest.raises(RankwiseTypeError, match="`confidence`"):
            abstention(bad, {"MAP": v})  # type: ignore[arg-type]
        with pytest.raises(RankwiseTypeError, match="`values`"):
            abstention({"max": v}, bad)  # type: ignore[arg-type]
    with pytest.raises(ShapeError, match="offsets"):
        confidence_scores(np.zeros(0), offsets=[[1, 2, -2], [0, -1, -2]])
