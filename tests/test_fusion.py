"""rankwise.fuse / fusion_train / optimize_fusion against ranx 0.3 (the reference semantics).

Where ranx is inconsistent, the equality tests stay clear of it and a test pins rankwise's rule:

- ties: ranx orders equal scores of a run arbitrarily (its sort), so the rank-based methods
  give tied documents arbitrary ranks; rankwise reads a run in its ranking order (score
  descending, doc id descending). The equality tests draw distinct scores per run and query.
- queries: ranx asserts every run has the same queries (and fuses the first run's);
  rankwise fuses the union. The equality tests give every run the same queries.
- Condorcet: ranx's comparison is no order when the pairwise majority has a cycle (or an even
  split) and ranx sorts the candidates in Python ``set`` order, which changes between
  processes; rankwise merge-sorts them in order of first appearance. The equality test keeps
  to inputs whose majority relation is a strict total order.
- BayesFuse: ranx indexes its 1000 log-odds past their end (numba, no bounds check) for a
  ranking deeper than 1000; rankwise gives such ranks the log-odds of a missing document.

ranx-bound property tests are capped (``max_examples``) to stay cheap under
``HYPOTHESIS_PROFILE=ci`` (see TEAM notes in the repository's CI settings).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
import ranx
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from ranx.fusion import (
    bayesfuse_train,
    mapfuse_train,
    posfuse_train,
    probfuse_train,
    segfuse_train,
    slidefuse_train,
)
from ranx.fusion_optimization.optimize_weights import get_possible_weights, get_trial_configs

import rankwise
from rankwise.errors import InvalidValueError, RankwiseError, ShapeError
from rankwise.fusion import _weight_grid

from .strategies import distinct_scores

DOCS = [f"d{i:02d}" for i in range(10)]
QUERIES = ["q1", "q2", "q3"]
NORMS = [None, "min-max", "sum", "zmuv", "rank", "borda"]
CAPPED = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def runs_same_queries(draw: Any, n_runs: tuple[int, int] = (2, 4), docs: list[str] = DOCS) -> Any:
    """2-4 runs over the same queries, distinct scores within each ranking."""
    runs = []
    for _ in range(draw(st.integers(*n_runs))):
        run = {}
        for q in QUERIES:
            ds = draw(st.lists(st.sampled_from(docs), min_size=1, max_size=len(docs), unique=True))
            run[q] = dict(zip(ds, draw(distinct_scores(len(ds))), strict=True))
        runs.append(run)
    return runs


@st.composite
def qrels_for(draw: Any) -> dict[str, dict[str, int]]:
    qrels = {}
    for q in QUERIES:
        ds = draw(st.lists(st.sampled_from(DOCS), min_size=1, max_size=6, unique=True))
        qrels[q] = {d: draw(st.integers(0, 2)) for d in ds}
    return qrels


def assert_same(got: rankwise.Run, expected: ranx.Run, tol: float = 1e-9) -> None:
    want = expected.to_dict()
    have = got.to_dict()
    assert set(have) == set(want)
    for q, docs in want.items():
        assert set(have[q]) == set(docs), q
        for d, v in docs.items():
            assert have[q][d] == pytest.approx(v, rel=1e-9, abs=tol), (q, d)


def ranx_fuse(runs: list[dict], method: str, norm: str | None, **params: Any) -> ranx.Run:
    return ranx.fuse([ranx.Run(r) for r in runs], norm=norm, method=method, params=params)


# ------------------------------------------------------------------ unsupervised methods


@CAPPED
@given(runs_same_queries(), st.sampled_from(NORMS), st.floats(0.01, 1.0))
def test_combmed_and_combgmnz_equal_ranx(runs: list[dict], norm: str | None, gamma: float) -> None:
    assert_same(rankwise.fuse(runs, "combmed", norm=norm), ranx_fuse(runs, "med", norm))
    assert_same(
        rankwise.fuse(runs, "combgmnz", norm=norm, gamma=gamma),
        ranx_fuse(runs, "gmnz", norm, gamma=gamma),
    )


@CAPPED
@given(runs_same_queries(), st.sampled_from(NORMS), st.data())
def test_wmnz_and_mixed_equal_ranx(runs: list[dict], norm: str | None, data: Any) -> None:
    weights = data.draw(st.lists(st.floats(0, 2), min_size=len(runs), max_size=len(runs)))
    for method in ("wmnz", "mixed"):
        assert_same(
            rankwise.fuse(runs, method, norm=norm, weights=weights),
            ranx_fuse(runs, method, norm, weights=weights),
        )


@CAPPED
@given(runs_same_queries(), st.floats(0.0, 1.0), st.floats(0.01, 0.99))
def test_logn_isr_and_rbc_equal_ranx(runs: list[dict], sigma: float, phi: float) -> None:
    assert_same(
        rankwise.fuse(runs, "logn_isr", sigma=sigma), ranx_fuse(runs, "logn_isr", None, sigma=sigma)
    )
    assert_same(rankwise.fuse(runs, "rbc", phi=phi), ranx_fuse(runs, "rbc", None, phi=phi))


def _majority_is_a_total_order(runs: list[dict]) -> bool:
    """Whether, in every query, ranx's pairwise comparison is a strict total order: every run
    ranks every pair (ranx counts a pair that a run lacks both of as a vote for whichever
    document it compares second, so its comparison is not symmetric there), with no cycle."""
    for q in QUERIES:
        ranked = [sorted(r[q], key=lambda d, r=r: -r[q][d]) for r in runs]
        cands = {d for rk in ranked for d in rk}
        pos = [{d: i for i, d in enumerate(rk)} for rk in ranked]
        wins = dict.fromkeys(cands, 0)
        for x, y in itertools.combinations(cands, 2):
            xv = sum(p.get(x, 10**6) < p.get(y, 10**6) for p in pos)
            yv = sum(p.get(y, 10**6) < p.get(x, 10**6) for p in pos)
            if xv + yv != len(runs) or 2 * xv == len(runs):
                return False
            wins[x if 2 * xv > len(runs) else y] += 1
        if len(set(wins.values())) != len(cands):
            return False  # a cycle
    return True


@st.composite
def same_docs_runs(draw: Any) -> Any:
    """3 runs that rank the same documents per query in their own orders (distinct scores)."""
    docs = {q: draw(st.lists(st.sampled_from(DOCS[:5]), min_size=1, unique=True)) for q in QUERIES}
    return [
        {q: dict(zip(ds, draw(distinct_scores(len(ds))), strict=True)) for q, ds in docs.items()}
        for _ in range(3)
    ]


@CAPPED
@given(same_docs_runs())
def test_condorcet_equals_ranx_where_the_majority_is_an_order(runs: list[dict]) -> None:
    assume(_majority_is_a_total_order(runs))
    assert_same(rankwise.fuse(runs, "condorcet"), ranx_fuse(runs, "condorcet", None))


def test_condorcet_on_a_cycle_follows_first_appearance() -> None:
    # a > b (runs 1, 3), b > c (runs 1, 2), c > a (runs 2, 3): a majority cycle. ranx's order
    # depends on Python's set order; rankwise merge-sorts [a, b, c] (order of first
    # appearance): [a] then merge [b] with [c] (c before b? no: b beats c) -> [b, c];
    # merging [a] with [b, c]: b before a? no -> a; then b, c.
    runs = [
        {"q": {"a": 3.0, "b": 2.0, "c": 1.0}},
        {"q": {"b": 3.0, "c": 2.0, "a": 1.0}},
        {"q": {"c": 3.0, "a": 2.0, "b": 1.0}},
    ]
    assert rankwise.fuse(runs, "condorcet").to_dict()["q"] == {"a": 3.0, "b": 2.0, "c": 1.0}
    # The same runs in another order start from another candidate.
    got = rankwise.fuse(runs[1:] + runs[:1], "condorcet").to_dict()["q"]
    assert got == {"b": 3.0, "c": 2.0, "a": 1.0}


def test_tied_scores_rank_by_doc_id_descending_and_queries_are_the_union() -> None:
    a = {"q": {"x": 1.0, "y": 1.0}}  # tie: y ranks first (doc id descending)
    b = {"p": {"z": 1.0}}  # a query the first run lacks: still fused
    fused = rankwise.fuse([a, b], "rbc", phi=0.5).to_dict()
    assert fused["q"] == {"y": 0.5, "x": 0.25}
    assert fused["p"] == {"z": 0.5}


# ------------------------------------------------------------------ supervised methods


def _ranx(runs: list[dict]) -> list[ranx.Run]:
    return [ranx.Run(r) for r in runs]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(qrels_for(), runs_same_queries(), st.integers(1, 6), st.integers(1, 4))
def test_training_and_supervised_fusion_equal_ranx(
    qrels: dict, runs: list[dict], n_segments: int, w: int
) -> None:
    rq, rr = ranx.Qrels(qrels), _ranx(runs)
    cases = [
        ("bayesfuse", {}, bayesfuse_train(rq, rr), "log_odds", None),
        ("posfuse", {}, posfuse_train(rq, rr), "probs", None),
        ("probfuse", {"n_segments": n_segments}, probfuse_train(rq, rr, n_segments), "probs", None),
        ("segfuse", {}, segfuse_train(rq, rr), "probs", "min-max"),
        ("slidefuse", {}, slidefuse_train(rq, rr), "probs", None),
    ]
    for method, kw, want, key, norm in cases:
        trained = rankwise.fusion_train(qrels, runs, method, **kw)  # type: ignore[arg-type]
        assert len(trained[key]) == len(runs)
        for got_t, want_t in zip(trained[key], want, strict=True):
            np.testing.assert_allclose(got_t, want_t, rtol=1e-12, atol=1e-15, err_msg=method)
        extra = {"w": w} if method == "slidefuse" else {}
        ranx_params = {key: [np.asarray(t) for t in want], **extra}
        got = rankwise.fuse(runs, method, norm=norm, **trained, **extra)  # type: ignore[arg-type]
        assert_same(got, ranx_fuse(runs, method, norm, **ranx_params))
    maps = rankwise.fusion_train(qrels, runs, "mapfuse")["map_scores"]
    assert maps == pytest.approx(mapfuse_train(rq, rr), rel=1e-12, abs=1e-15)
    assert_same(
        rankwise.fuse(runs, "mapfuse", map_scores=maps),
        ranx_fuse(runs, "mapfuse", None, map_scores=maps),
    )


def test_bayesfuse_past_its_table_counts_as_missing() -> None:
    run = {"q": {f"d{i}": float(-i) for i in range(3)}}
    odds = [[1.0], [2.0, 3.0]]  # run 0 has a table of one rank
    fused = rankwise.fuse([run, run], "bayesfuse", log_odds=odds).to_dict()["q"]
    min_odd = np.log(0.001 / 0.999)
    assert fused["d0"] == 1.0 + 2.0
    assert fused["d1"] == pytest.approx(min_odd + 3.0)
    assert fused["d2"] == pytest.approx(min_odd + min_odd)


# ------------------------------------------------------------------ optimize_fusion


@pytest.mark.parametrize("step", [0.1, 0.05, 0.2, 0.25, 0.5])
@pytest.mark.parametrize("n_runs", [2, 3, 4])
def test_weight_grid_is_ranx_grid(step: float, n_runs: int) -> None:
    assert _weight_grid(step, n_runs) == get_trial_configs(get_possible_weights(step), n_runs)


def _mean(qrels: dict, run: rankwise.Run, metric: str) -> float:
    return float(rankwise.evaluate(qrels, run, [metric])[metric])


@settings(max_examples=20, deadline=None)
@given(qrels_for(), runs_same_queries(n_runs=(2, 3)), st.sampled_from(["P_5", "map", "ndcg"]))
def test_grid_search_picks_the_last_best_configuration(
    qrels: dict, runs: list[dict], metric: str
) -> None:
    best, report = rankwise.optimize_fusion(
        qrels, runs, method="rrf", metric=metric, return_optimization_report=True
    )
    scores = {k: _mean(qrels, rankwise.fuse(runs, "rrf", k=k), metric) for k in range(10, 101, 10)}
    assert report == pytest.approx({str(k): v for k, v in scores.items()}, abs=1e-12)
    top = max(scores.values())
    assert best == {"k": max(k for k, v in scores.items() if v >= top - 1e-12)}
    wbest, fused = rankwise.optimize_fusion(
        qrels, runs, method="wsum", metric=metric, step=0.25, return_fused=True
    )
    assert wbest["weights"] in _weight_grid(0.25, len(runs))
    direct = rankwise.fuse(runs, "wsum", norm="min-max", weights=list(wbest["weights"]))
    assert fused.to_dict() == direct.to_dict()


def test_every_method_optimizes_and_training_only_methods_return_their_training() -> None:
    qrels = {"q1": {"a": 1, "c": 2}, "q2": {"b": 1}}
    runs = [
        {"q1": {"a": 3.0, "b": 2.0, "c": 1.0}, "q2": {"b": 1.0, "a": 0.5}},
        {"q1": {"c": 3.0, "a": 2.0}, "q2": {"a": 2.0, "b": 1.0, "c": 0.0}},
    ]
    for method in ("bayesfuse", "mapfuse", "posfuse", "segfuse"):
        got = rankwise.optimize_fusion(qrels, runs, method=method, metric="map")
        want = rankwise.fusion_train(qrels, runs, method)  # type: ignore[arg-type]
        assert list(got) == list(want)
        for g, w in zip(next(iter(got.values())), next(iter(want.values())), strict=True):
            np.testing.assert_array_equal(g, w)
    small = {"step": 0.5}
    for method, space, key in [
        ("wsum", small, "weights"),
        ("wmnz", small, "weights"),
        ("mixed", small, "weights"),
        ("combgmnz", {"step": 0.25, "min_gamma": 0.25}, "gamma"),
        ("logn_isr", {"step": 0.5, "min_sigma": 0.5}, "sigma"),
        ("rbc", {"step": 0.25, "min_phi": 0.25}, "phi"),
        ("probfuse", {"max_n_segments": 3}, "probs"),
        ("slidefuse", {"max_w": 3}, "w"),
    ]:
        best, report, fused = rankwise.optimize_fusion(
            qrels,
            runs,
            method=method,  # type: ignore[arg-type]
            metric="map",
            return_optimization_report=True,
            return_fused=True,
            **space,
        )
        assert (
            key in best
            and report
            and max(report.values()) == pytest.approx(_mean(qrels, fused, "map"))
        ), method


def test_random_search_samples_the_grid_reproducibly() -> None:
    qrels = {"q1": {"a": 1, "c": 2}, "q2": {"b": 1}}
    runs = [
        {"q1": {"a": 3.0, "b": 2.0, "c": 1.0}, "q2": {"b": 1.0, "a": 0.5}},
        {"q1": {"c": 3.0, "a": 2.0}, "q2": {"a": 2.0, "b": 1.0, "c": 0.0}},
        {"q1": {"b": 3.0, "c": 2.0}, "q2": {"c": 2.0, "b": 1.0}},
    ]
    kw: dict[str, Any] = {"method": "wsum", "metric": "map", "search": "random", "seed": 7}
    best, report = rankwise.optimize_fusion(
        qrels, runs, n_trials=10, return_optimization_report=True, **kw
    )
    assert len(report) == 10
    grid = {str(g) for g in _weight_grid(0.1, 3)}
    assert set(report) <= grid
    assert report[str(best["weights"])] == max(report.values())
    again = rankwise.optimize_fusion(
        qrels, runs, n_trials=10, return_optimization_report=True, **kw
    )
    assert again == (best, report)


# ------------------------------------------------------------------ errors


def test_bad_arguments_are_refused_naming_them() -> None:
    run = {"q": {"a": 1.0, "b": 0.5}}
    # found by benches/fuzz_api.py: an array flag leaked numpy's "truth value" ValueError
    with pytest.raises(RankwiseError, match="`return_optimization_report` must be True or"):
        rankwise.optimize_fusion(
            {"q": {"a": 1}}, [run, run], method="rrf", return_optimization_report=np.zeros(2)
        )
    with pytest.raises(InvalidValueError, match="`gamma` is needed"):
        rankwise.fuse([run, run], "combgmnz")
    with pytest.raises(InvalidValueError, match="`phi` is needed"):
        rankwise.fuse([run, run], "rbc")
    with pytest.raises(InvalidValueError, match="`sigma`"):
        rankwise.fuse([run, run], "logn_isr", sigma=2.0)
    with pytest.raises(ShapeError, match="`weights`"):
        rankwise.fuse([run, run], "mixed", weights=[1.0])
    with pytest.raises(ShapeError, match="`probs`"):
        rankwise.fuse([run, run], "posfuse", probs=[[1.0]])
    with pytest.raises(InvalidValueError, match="`probs`"):
        rankwise.fuse([run, run], "probfuse", probs=[[], [1.0]])
    with pytest.raises(InvalidValueError, match="`w` is needed"):
        rankwise.fuse([run, run], "slidefuse", probs=[[1.0], [1.0]])
    with pytest.raises(InvalidValueError, match="`log_odds`"):
        rankwise.fuse([run, run], "bayesfuse", log_odds=[[float("nan")], [1.0]])
    with pytest.raises(InvalidValueError, match="`n_segments`"):
        rankwise.fusion_train({"q": {"a": 1}}, [run, run], "probfuse")
    with pytest.raises(InvalidValueError, match="`method`"):
        rankwise.fusion_train({"q": {"a": 1}}, [run, run], "rrf")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="`min_x` is not a search parameter"):
        rankwise.optimize_fusion({"q": {"a": 1}}, [run, run], method="rrf", min_x=1)
    with pytest.raises(InvalidValueError, match="at least two runs"):
        rankwise.optimize_fusion({"q": {"a": 1}}, [run], method="rrf")
    with pytest.raises(InvalidValueError, match="`method`"):
        rankwise.optimize_fusion({"q": {"a": 1}}, [run, run], method="combsum")


def test_optimize_fusion_names_a_metric_that_is_no_unicode_text() -> None:
    # Before: a UnicodeEncodeError from the native call (found by benches/fuzz_api.py).
    qrels = {"q": {"x": 1}}
    runs = [{"q": {"x": 2.0, "y": 1.0}}, {"q": {"y": 2.0, "x": 1.0}}]
    with pytest.raises(InvalidValueError, match="`metric` must be a measure name of valid"):
        rankwise.optimize_fusion(qrels, runs, method="rrf", metric="\udcff")


def test_fusion_train_names_runs_that_are_a_0d_array() -> None:
    # Before: numpy's "iteration over a 0-d array" (found by benches/fuzz_api.py).
    with pytest.raises(RankwiseError, match="`runs` must be a list of runs"):
        rankwise.fusion_train({"q0": {"d1": 2}}, np.array(1.0), "slidefuse")
