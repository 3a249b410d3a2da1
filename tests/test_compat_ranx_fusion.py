"""rankwise.compat.ranx's fuse (ranx's every method) and optimize_fusion against ranx 0.3.21.

Where ranx is inconsistent the equality tests stay clear of it (see tests/test_fusion.py):
runs have distinct scores per query, and Condorcet's majority must be a strict order. Two more
for ``optimize_fusion``, which evaluates each configuration's fused run:

- fused scores can tie (RRF gives ranks (1, 2) and (2, 1) the same score; a weight of 0 gives
  every document of that run alone 0). ranx ranks tied documents in its sort's order, rankwise
  by doc id (descending), so where tied documents have different labels the two can score a
  configuration differently. The test compares every configuration whose fused run has no
  such tie, and the best parameters where no configuration has one;
- ranx labels weight configurations ``str(tuple)`` of numpy floats, which numpy 2 prints as
  ``(np.float64(0.5), ...)``; rankwise's labels are ``(0.5, ...)`` (the test reads both).

ranx-bound property tests are capped (``max_examples``) to stay cheap under
``HYPOTHESIS_PROFILE=ci``.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
import ranx
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import rankwise
from rankwise.compat import _ranx_fusion
from rankwise.compat import ranx as rx
from rankwise.errors import InvalidValueError, UnknownMeasureError

from .test_fusion import (
    NORMS,
    QUERIES,
    assert_same,
    qrels_for,
    ranx_fuse,
    runs_same_queries,
    same_docs_runs,
)

CAPPED = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def compat_fuse(runs: list[dict], method: str, norm: str | None, **params: Any) -> rx.Run:
    return rx.fuse([rx.Run(r) for r in runs], norm=norm, method=method, params=params)


# ------------------------------------------------------------------ the methods ranx adds


# ranx's "borda" normalisation gives every run a score for every candidate, so ranx's
# rank-based methods then count every run as retrieving every document; rankwise's rank-based
# methods read the runs' own rankings whatever `norm` is (see rankwise.fuse).
RANK_NORMS = [n for n in NORMS if n != "borda"]


@CAPPED
@given(runs_same_queries(), st.sampled_from(RANK_NORMS), st.data())
def test_log_isr_and_weighted_bordafuse_equal_ranx(
    runs: list[dict], norm: str | None, data: Any
) -> None:
    weights = data.draw(st.lists(st.floats(0, 2), min_size=len(runs), max_size=len(runs)))
    got = compat_fuse(runs, "log_isr", norm)
    want = ranx_fuse(runs, "log_isr", norm)
    assert got.name == want.name == "log_isr"
    assert_same(got.native, want)
    got = compat_fuse(runs, "w_bordafuse", norm, weights=weights)
    want = ranx_fuse(runs, "w_bordafuse", norm, weights=weights)
    assert got.name == want.name == "weighted_bordafuse"
    assert_same(got.native, want)
    # the same through rankwise.fuse under the same names
    assert_same(rankwise.fuse(runs, "w_bordafuse", norm=norm, weights=weights), want)


def _weighted_majority_is_an_order(runs: list[dict], weights: list[float]) -> bool:
    """Whether ranx's weighted comparison is a strict total order in every query: no pair
    with equal vote sums (summed in run order, as ranx adds them), no cycle. The runs rank
    the same documents (``same_docs_runs``), so every run ranks every pair."""
    for q in QUERIES:
        pos = [
            {d: i for i, d in enumerate(sorted(r[q], key=lambda d, r=r: -r[q][d]))} for r in runs
        ]
        cands = list(pos[0])
        wins = dict.fromkeys(cands, 0)
        for i, x in enumerate(cands):
            for y in cands[i + 1 :]:
                xv = yv = 0.0
                for p, w in zip(pos, weights, strict=True):
                    if p[x] < p[y]:
                        xv += w
                    else:
                        yv += w
                if xv == yv:
                    return False
                wins[x if xv > yv else y] += 1
        if len(set(wins.values())) != len(cands):
            return False
    return True


@CAPPED
@given(same_docs_runs(), st.lists(st.integers(1, 9), min_size=3, max_size=3))
def test_weighted_condorcet_equals_ranx_where_the_weighted_majority_is_an_order(
    runs: list[dict], tenths: list[int]
) -> None:
    weights = [t / 10 for t in tenths]
    assume(_weighted_majority_is_an_order(runs, weights))
    got = compat_fuse(runs, "w_condorcet", None, weights=weights)
    want = ranx_fuse(runs, "w_condorcet", None, weights=weights)
    assert got.name == want.name == "weighted_condorcet"
    assert_same(got.native, want)


def test_weighted_condorcet_with_equal_weights_is_condorcet() -> None:
    runs = [
        {"q": {"a": 3.0, "b": 2.0, "c": 1.0}},
        {"q": {"b": 3.0, "c": 2.0, "a": 1.0}},
        {"q": {"c": 3.0, "a": 2.0, "b": 1.0}},
    ]
    plain = rankwise.fuse(runs, "condorcet").to_dict()
    assert rankwise.fuse(runs, "w_condorcet", weights=[0.5] * 3).to_dict() == plain
    # a heavy third run decides every pair: its order wins
    heavy = rankwise.fuse(runs, "w_condorcet", weights=[0.1, 0.1, 1.0]).to_dict()["q"]
    assert heavy == {"c": 3.0, "a": 2.0, "b": 1.0}


def test_log_isr_gives_a_document_one_run_retrieved_zero() -> None:
    fused = rankwise.fuse([{"q": {"a": 2.0, "b": 1.0}}, {"q": {"b": 5.0}}], "log_isr")
    assert fused.to_dict()["q"] == {"b": pytest.approx((1 / 4 + 1) * np.log(2)), "a": 0.0}


def test_fuse_accepts_every_method_of_ranx_fuse() -> None:
    from ranx.fusion import fusion_switch

    with open(fusion_switch.__code__.co_filename) as f:
        names = re.findall(r'method == "(\w+)"', f.read())
    assert len(names) == 25 and set(names) == set(_ranx_fusion._FUSION)


# ------------------------------------------------------------------ optimize_fusion

# w_condorcet is left out: on random runs its majority relation has cycles, where ranx's
# order is Python's set order (test_weighted_condorcet_equals_ranx_... covers it where not).
SPACES: dict[str, dict[str, Any]] = {
    **{m: {"step": 0.5} for m in ("wsum", "wmnz", "mixed", "w_bordafuse")},
    "gmnz": {"min_gamma": 0.25, "step": 0.25},
    "logn_isr": {"min_sigma": 0.25, "step": 0.25},
    "rbc": {"min_phi": 0.25, "step": 0.25},
    "rrf": {"max_k": 40},
    "probfuse": {"max_n_segments": 4},
    "slidefuse": {"max_w": 3},
}
METRICS = ["ndcg@5", "map", "mrr", "precision@3", "f1@4", "recall@5-l2", "ndcg_burges"]
_NP_FLOAT = re.compile(r"np\.float64\(([^)]*)\)")


def _has_relevant_tie(run: rx.Run, qrels: dict[str, dict[str, int]]) -> bool:
    """Whether two documents with the same fused score carry different labels."""
    for q, docs in run.to_dict().items():
        by_score: dict[float, set[int]] = {}
        for d, s in docs.items():
            by_score.setdefault(s, set()).add(qrels.get(q, {}).get(d, 0))
        if any(len(labels) > 1 for labels in by_score.values()):
            return True
    return False


def _params_equal(method: str, ours: dict[str, Any], theirs: dict[str, Any]) -> bool:
    assert ours.keys() == theirs.keys()
    for key, v in ours.items():
        if key == "probs":
            w = theirs[key]
            if len(v) != len(w) or not all(np.allclose(a, b) for a, b in zip(v, w, strict=True)):
                return False
        elif key == "weights":
            if not np.allclose(v, theirs[key]):
                return False
        elif v != pytest.approx(theirs[key]):
            return False
    return True


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    qrels_for(),
    runs_same_queries(n_runs=(2, 3)),
    st.sampled_from(sorted(SPACES)),
    st.sampled_from(METRICS),
    st.sampled_from([None, "min-max", "zmuv"]),
)
def test_optimize_fusion_equals_ranx(
    qrels: dict, runs: list[dict], method: str, metric: str, norm: str | None
) -> None:
    space = SPACES[method]
    ours, report = rx.optimize_fusion(
        rx.Qrels(qrels),
        [rx.Run(r) for r in runs],
        norm=norm,
        method=method,
        metric=metric,
        return_optimization_report=True,
        show_progress=False,
        **space,
    )
    ranx_runs = [ranx.Run(r) for r in runs]
    theirs, their_report = ranx.optimize_fusion(
        ranx.Qrels(qrels),
        ranx_runs,
        norm=norm,
        method=method,
        metric=metric,
        return_optimization_report=True,
        show_progress=False,
        **space,
    )
    assert report.configs == [_NP_FLOAT.sub(r"\1", str(c)) for c in their_report.configs]
    tied = []
    for config, (score, their_score) in zip(
        report.configs, zip(report.results, their_report.results, strict=True), strict=True
    ):
        params = _config_params(method, config, ours, runs, qrels)
        fused = rx.fuse([rx.Run(r) for r in runs], norm=norm, method=method, params=params)
        if _has_relevant_tie(fused, qrels):
            tied.append(config)
            continue
        assert score == pytest.approx(their_score, rel=1e-9, abs=1e-12), config
    if tied:
        return  # ranx's choice among tied configurations is its sort's
    assert _params_equal(method, ours, theirs)
    # the fused run with the best parameters is ranx's
    got = rx.fuse([rx.Run(r) for r in runs], norm=norm, method=method, params=ours)
    want = ranx.fuse(ranx_runs, norm=norm, method=method, params=theirs)
    assert_same(got.native, want)


def _config_params(
    method: str,
    label: str,
    best: dict[str, Any],
    runs: list[dict],
    qrels: dict,
) -> dict[str, Any]:
    """fuse's params for one configuration of the report (from its label)."""
    if method in ("wsum", "wmnz", "mixed", "w_bordafuse", "w_condorcet"):
        return {"weights": [float(x) for x in label.strip("()").split(",") if x.strip()]}
    if method in ("gmnz", "logn_isr", "rbc"):
        return {{"gmnz": "gamma", "logn_isr": "sigma", "rbc": "phi"}[method]: float(label)}
    if method == "rrf":
        return {"k": int(label)}
    if method == "slidefuse":
        return {"probs": best["probs"], "w": int(label)}
    trained = rankwise.fusion_train(qrels, runs, "probfuse", n_segments=int(label))
    return {"probs": trained["probs"]}


@pytest.mark.parametrize("method", ["bayesfuse", "mapfuse", "posfuse", "segfuse"])
def test_optimize_fusion_of_trained_methods_is_their_training_as_ranx(method: str) -> None:
    qrels = {"q1": {"a": 1, "c": 2}, "q2": {"b": 1}}
    runs = [
        {"q1": {"a": 3.0, "b": 2.0, "c": 1.0}, "q2": {"b": 1.0, "a": 0.5}},
        {"q1": {"c": 3.0, "a": 2.0}, "q2": {"a": 2.0, "b": 1.0, "c": 0.0}},
    ]
    ours = rx.optimize_fusion(rx.Qrels(qrels), [rx.Run(r) for r in runs], method=method)
    theirs = ranx.optimize_fusion(ranx.Qrels(qrels), [ranx.Run(r) for r in runs], method=method)
    assert ours.keys() == theirs.keys()
    for a, b in zip(next(iter(ours.values())), next(iter(theirs.values())), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    with pytest.raises(InvalidValueError, match="does not support optimization report"):
        rx.optimize_fusion(qrels, runs, method=method, return_optimization_report=True)


def test_optimize_fusion_report_and_errors() -> None:
    qrels = {"q": {"x": 1}}
    runs = [rx.Run({"q": {"x": 2.0, "y": 1.0}}), rx.Run({"q": {"y": 2.0, "x": 1.0}})]
    best, report = rx.optimize_fusion(
        qrels, runs, method="rrf", metric="mrr", max_k=30, return_optimization_report=True
    )
    assert best == {"k": 30}  # all tie: the last of the best, as ranx
    assert isinstance(report, rx.OptimizationReport)
    text = str(report)
    assert text.startswith("RRF\n") and "MRR" in text and "30 *" not in text and "10 *" in text
    probs = rx.optimize_fusion(qrels, runs, method="probfuse", max_n_segments=2)["probs"]
    assert isinstance(probs, np.ndarray) and probs.shape == (2, 2)  # ranx's 2-d array
    with pytest.raises(InvalidValueError, match="'sum' does not support optimization"):
        rx.optimize_fusion(qrels, runs, method="sum")
    with pytest.raises(InvalidValueError, match="Run 0 and Qrels query ids do not match"):
        rx.optimize_fusion({"p": {"x": 1}}, runs, method="rrf")
    with pytest.raises(InvalidValueError, match="at least 2 runs"):
        rx.optimize_fusion(qrels, runs[:1], method="rrf")
    with pytest.raises(InvalidValueError, match="`min_x` is not a search parameter"):
        rx.optimize_fusion(qrels, runs, method="rrf", min_x=3)
    with pytest.raises(UnknownMeasureError, match="nope"):
        rx.optimize_fusion(qrels, runs, method="rrf", metric="nope")
    with pytest.raises(InvalidValueError, match="`norm`"):
        rx.optimize_fusion(qrels, runs, norm="l2", method="rrf")
