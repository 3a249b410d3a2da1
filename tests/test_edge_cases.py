"""Edge cases where rankwise deliberately differs from, or goes beyond, the reference tools.
Each difference is documented in a docstring; these tests pin it."""

from __future__ import annotations

import numpy as np
import pytest

import rankwise
from rankwise.metrics import evaluate_arrays

ALL = ["nDCG", "nDCG@5", "AP", "RR", "P@5", "R@5", "Rprec", "Bpref", "Judged@5", "ERR@5",
       "RBP(p=0.8)", "iprec_at_recall", "gm_map"]  # fmt: skip


def test_empty_rankings_score_zero_not_nan():
    # pytrec_eval crashes on some measure sets here and gives NaN for iprec_at_recall
    # (trec_eval computes 0/0); rankwise gives the value of an empty ranking: 0.
    out = rankwise.evaluate({"q": {"d": 1}}, {"q": {}}, ALL, per_query=True)
    assert all(v == 0.0 for v in out["q"].values())
    arrays = evaluate_arrays(np.zeros(0), np.zeros(0), ALL, offsets=[0, 0])
    assert all(v.tolist() == [0.0] for v in arrays.values())


def test_queries_whose_judgements_are_all_negative_have_no_relevant_documents():
    # pytrec_eval never returns on such qrels; trec_eval's form_res_rels reads a cached
    # level count from the previous query. rankwise: no relevant document, every measure 0.
    out = rankwise.evaluate(
        {"q": {"a": -1, "b": -2}}, {"q": {"a": 1.0, "b": 0.5}}, [*ALL, "NumRel"]
    )
    assert out["NumRel"] == 0.0
    assert out["nDCG"] == 0.0 and out["AP"] == 0.0 and out["Judged@5"] == 1.0


def test_queries_without_judgements_are_dropped_from_qrels():
    qrels = rankwise.Qrels({"q1": {}, "q2": {"d": 1}})
    assert len(qrels) == 1 and "q1" not in qrels and "q2" in qrels


def test_score_precision_float32_reproduces_trec_eval_9_ties():
    run = {"q": {"a": 1.0 + 1e-12, "b": 1.0}}
    qrels = {"q": {"a": 1}}
    # trec_eval 9.0.x / pytrec_eval compare C floats: a and b tie, b (doc id desc) first.
    assert rankwise.evaluate(qrels, run, "RR")["RR"] == 0.5
    # trec_eval 10.0 compares doubles: a first.
    assert rankwise.evaluate(qrels, rankwise.Run(run, score_precision="float64"), "RR")["RR"] == 1.0


def test_infinite_scores_are_ordered_in_runs():
    out = rankwise.evaluate({"q": {"a": 1}}, {"q": {"a": float("inf"), "b": 1e30}}, "RR")
    assert out["RR"] == 1.0
    # 1e300 overflows a C float: trec_eval 9.0.x ties it with inf (then doc id descending).
    out = rankwise.evaluate({"q": {"a": 1}}, {"q": {"a": float("inf"), "b": 1e300}}, "RR")
    assert out["RR"] == 0.5


def test_float_labels_are_accepted_in_qrels():
    out = rankwise.evaluate(
        {"q": {"a": 0.5, "b": 1.5}}, {"q": {"a": 2.0, "b": 1.0}}, ["nDCG", "AP"]
    )
    ideal = 1.5 + 0.5 / np.log2(3)
    assert out["nDCG"] == pytest.approx((0.5 + 1.5 / np.log2(3)) / ideal)
    assert out["AP"] == pytest.approx(0.5)


def test_counts_are_summed_and_gm_map_is_geometric():
    qrels = {"q1": {"a": 1, "b": 1}, "q2": {"c": 1}}
    run = {"q1": {"a": 1.0, "x": 0.5}, "q2": {"y": 1.0}}
    out = rankwise.evaluate(qrels, run, ["num_ret", "num_rel", "num_rel_ret", "num_q", "gm_map"])
    assert out["num_ret"] == 3 and out["num_rel"] == 3 and out["num_rel_ret"] == 1
    assert out["num_q"] == 2
    assert out["gm_map"] == pytest.approx(np.exp((np.log(0.5) + np.log(1e-5)) / 2))


def test_means_do_not_depend_on_query_order():
    rng = np.random.default_rng(0)
    qrels = {f"q{i}": {f"d{j}": int(rng.integers(0, 3)) for j in range(20)} for i in range(300)}
    run = {q: {f"d{j}": float(rng.random()) for j in range(20)} for q in qrels}
    shuffled_q = dict(reversed(list(qrels.items())))
    shuffled_r = {q: dict(reversed(list(run[q].items()))) for q in reversed(list(run))}
    a = rankwise.evaluate(qrels, run, ["nDCG@10", "AP"])
    b = rankwise.evaluate(shuffled_q, shuffled_r, ["nDCG@10", "AP"])
    assert a == b  # bit for bit


def test_collections_round_trip_and_describe_themselves():
    qrels = rankwise.Qrels({"q1": {"d1": 2, "d2": 0}, "q2": {"d3": 1}})
    run = rankwise.Run({"q1": {"d1": 0.5, "d2": 0.9}}, name="bm25")
    assert qrels.to_dict() == {"q1": {"d1": 2, "d2": 0}, "q2": {"d3": 1}}
    assert run.to_dict() == {"q1": {"d2": 0.9, "d1": 0.5}}  # rank order
    assert list(run.to_dict()["q1"]) == ["d2", "d1"]
    assert repr(qrels) == "Qrels(2 queries, 3 judgements, 2 with label >= 1)"
    assert repr(run) == 'Run("bm25", 1 queries, 2 documents)'
    assert run.name == "bm25" and run.num_documents == 2 and run.query_ids == ["q1"]
    assert qrels.num_judgements == 3 and qrels.query_ids == ["q1", "q2"]
    assert run.score_precision == "float32"


def test_thread_count_can_be_changed_and_results_do_not_depend_on_it():
    qrels = {f"q{i}": {f"d{j}": j % 3 for j in range(30)} for i in range(50)}
    run = {q: {f"d{j}": float((j * 7 + i) % 11) for j in range(30)} for i, q in enumerate(qrels)}
    before = rankwise.get_num_threads()
    try:
        rankwise.set_num_threads(1)
        assert rankwise.get_num_threads() == 1
        one = rankwise.evaluate(qrels, run, ["nDCG@10", "AP", "Bpref"], per_query=True)
        rankwise.set_num_threads(3)
        three = rankwise.evaluate(qrels, run, ["nDCG@10", "AP", "Bpref"], per_query=True)
    finally:
        rankwise.set_num_threads(0)
    assert one == three
    assert rankwise.get_num_threads() == before


def test_measure_names_expand_trec_families():
    assert rankwise.measure_names("official")[:4] == ["num_q", "num_ret", "num_rel", "num_rel_ret"]
    assert rankwise.measure_names("ndcg_cut.5,10") == ["ndcg_cut_5", "ndcg_cut_10"]
    assert len(rankwise.measure_names(["P", "iprec_at_recall"])) == 20


class Tag(str):
    """A str subclass: read through the slow (safe) path of the dict reader."""


def test_dicts_with_numpy_scalars_subclasses_and_big_ints_read_like_plain_ones():
    plain_q = {"q1": {"a": 2, "b": 0, "c": 1}}
    plain_r = {"q1": {"a": 0.5, "b": 0.25, "c": 0.75}}
    odd_q = {Tag("q1"): {Tag("a"): np.int64(2), "b": False, "c": True}}
    odd_r = {"q1": {"a": np.float32(0.5), Tag("b"): np.float64(0.25), "c": 0.75}}
    measures = ["nDCG@3", "AP", "RR"]
    assert rankwise.evaluate(odd_q, odd_r, measures) == rankwise.evaluate(
        plain_q, plain_r, measures
    )
    big = rankwise.Qrels({"q": {"a": 2**70}})
    assert big.to_dict() == {"q": {"a": float(2**70)}}
