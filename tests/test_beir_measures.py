"""BEIR's evaluator extras equal BEIR's own functions (``beir`` 2.2,
``EvaluateRetrieval.evaluate_custom``): ``recall_cap@k`` (its ``R_cap@k``),
``top_k_accuracy@k`` (its ``Accuracy@k``, rankwise's ``Success@k``) and ``hole@k`` (its
``Hole@k``); and ``rankwise.evaluate(..., ignore_identical_ids=True)`` equals
``EvaluateRetrieval.evaluate(..., ignore_identical_ids=True)``.

``hole@k`` counts a document judged when the query's own qrels hold it; BEIR's, when any
query's do. Handed one query at a time, as here, the two are the same.

BEIR reports only means over the judged queries, rounded to 5 decimals, so each query is
handed to it alone and compared to 5 decimals. It counts a document relevant when its label is
``> 0`` (rankwise's default ``rel_level=1`` on integer labels), ranks by a stable sort on the
score (so runs are handed over in trec_eval's order, as in ``test_ir_measures_extras``) and
fails on a run query it has no judgements for (so runs hold judged queries only).
"""

from __future__ import annotations

import pytest
from beir.retrieval.evaluation import EvaluateRetrieval
from hypothesis import given, settings
from hypothesis import strategies as st

import rankwise

from .strategies import qrels_and_run
from .test_ir_measures_extras import compared_counts, trec_order

COMPARED, _report_counts = compared_counts("BEIR")


# rankwise name, BEIR's metric argument, BEIR's output key
BEIR_MEASURES = [
    ("recall_cap@{k}", "recall_cap", "R_cap@{k}"),
    ("R_cap@{k}", "r_cap", "R_cap@{k}"),
    ("top_k_accuracy@{k}", "top_k_accuracy", "Accuracy@{k}"),
    ("hole@{k}", "hole", "Hole@{k}"),
]


@settings(max_examples=500)  # BEIR is called once per query and measure
@given(qrels_and_run(), st.integers(1, 20))
def test_beir_extras_match_beir(data, k):
    qrels, run = data
    run = {q: docs for q, docs in trec_order(run).items() if q in qrels}
    names = [ours.format(k=k) for ours, _, _ in BEIR_MEASURES]
    got = rankwise.evaluate(qrels, run, names, per_query=True)
    for q, ranking in run.items():
        for (ours, metric, key), name in zip(BEIR_MEASURES, names, strict=True):
            try:
                want = EvaluateRetrieval.evaluate_custom({q: qrels[q]}, {q: ranking}, [k], metric)
            except ZeroDivisionError:
                # recall_cap of a query without a relevant document: BEIR divides by zero.
                assert metric in {"recall_cap", "r_cap"}, name
                assert got[q][name] == 0.0
                continue
            assert got[q][name] == pytest.approx(want[key.format(k=k)], abs=5e-6 + 1e-12), (q, name)
            COMPARED[ours.split("@")[0]] += 1


def test_beir_names_need_a_cutoff():
    with pytest.raises(rankwise.errors.UnknownMeasureError, match=r"recall_cap@10"):
        rankwise.measure_names(["recall_cap"])


@st.composite
def runs_naming_their_query(draw: st.DrawFn):
    """Qrels and a run (judged queries only) where rankings may hold a document named as the
    query, judged or not, at any score, besides at least one other document."""
    qrels, run = draw(qrels_and_run())
    run = {q: docs for q, docs in run.items() if q in qrels}
    for q, docs in run.items():
        if draw(st.booleans()):
            docs[q] = draw(st.sampled_from([-1.0, 0.0, 0.5, 2.0, 100.0]))
            if draw(st.booleans()):
                qrels[q][q] = draw(st.integers(0, 3))
    return qrels, run


@settings(max_examples=150)
@given(runs_naming_their_query(), st.integers(1, 12))
def test_ignore_identical_ids_matches_beir(data, k):
    qrels, run = data
    names = [f"nDCG@{k}", f"AP@{k}", f"R@{k}", f"P@{k}"]
    keys = [f"NDCG@{k}", f"MAP@{k}", f"Recall@{k}", f"P@{k}"]
    got = rankwise.evaluate(qrels, run, names, per_query=True, ignore_identical_ids=True)
    for q, ranking in run.items():
        # BEIR pops the documents from the run it is given: hand it a copy
        results = EvaluateRetrieval.evaluate({q: qrels[q]}, {q: dict(ranking)}, [k], True)
        want = {key: v for part in results for key, v in part.items()}
        for name, key in zip(names, keys, strict=True):
            assert got[q][name] == pytest.approx(want[key], abs=5e-6 + 1e-12), (q, name)
            COMPARED[f"ignore_identical_ids {name.split('@')[0]}"] += 1


def test_ignore_identical_ids_is_off_by_default():
    qrels = {"q1": {"q1": 0, "d1": 1}}
    run = {"q1": {"q1": 2.0, "d1": 1.0, "x": 0.5}}
    names = ["P@1", "hole@2"]
    assert rankwise.evaluate(qrels, run, names) == {"P@1": 0.0, "hole@2": 0.0}
    dropped = rankwise.evaluate(qrels, run, names, ignore_identical_ids=True)
    assert dropped == {"P@1": 1.0, "hole@2": 0.5}
