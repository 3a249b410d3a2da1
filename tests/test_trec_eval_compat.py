"""rankwise equals trec_eval 9.0.x, as bundled in pytrec_eval (pytrec-eval-terrier).

Random qrels and runs with ties, duplicate scores, graded and negative labels, queries
missing on either side, empty rankings and cutoffs beyond the list: every trec_eval measure,
per query, to 1e-9 (in practice bit for bit).
"""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
import pytrec_eval
from hypothesis import given
from hypothesis import strategies as st

import rankwise

from .strategies import qrels_and_run

CUTOFFS = "1,2,3,5,10,20"
PYTREC_MEASURES = {
    "ndcg",
    f"ndcg_cut.{CUTOFFS}",
    "map",
    f"map_cut.{CUTOFFS}",
    "recip_rank",
    f"P.{CUTOFFS}",
    f"recall.{CUTOFFS}",
    "Rprec",
    "bpref",
    f"success.{CUTOFFS}",
    "iprec_at_recall",
    "num_ret",
    "num_rel",
    "num_rel_ret",
    "gm_map",
}
TOL = 1e-9


def pytrec(qrels, run, *, rel_level=1, judged_only=False):
    evaluator = pytrec_eval.RelevanceEvaluator(
        qrels, PYTREC_MEASURES, relevance_level=rel_level, judged_docs_only_flag=judged_only
    )
    return evaluator.evaluate(run)


def as_trec_eval_keeps(name, value):
    """Our per-query value of ``name`` as trec_eval keeps it: for gm_map trec_eval keeps
    log(max(AP, 1e-5)) per query, rankwise keeps AP (and takes the log in the mean)."""
    return math.log(max(value, 1e-5)) if name == "gm_map" else value


def assert_same_per_query(expected, ours):
    assert set(ours) == set(expected), "rankwise evaluated other queries than trec_eval"
    for q, values in expected.items():
        for name, want in values.items():
            got = as_trec_eval_keeps(name, ours[q][name])
            if math.isnan(want):
                # trec_eval divides 0 by 0 for iprec_at_recall on an empty ranking.
                assert name.startswith("iprec_at_recall") and got == 0.0, (q, name, got)
            else:
                assert got == pytest.approx(want, abs=TOL), (q, name, got, want)


def names_of(expected):
    return sorted(next(iter(expected.values())))


def assert_evaluate_matches(expected, qrels, run, **options):
    """rankwise.evaluate(qrels, run, **options) per query equals pytrec_eval's ``expected`` on
    every measure it reports (nothing to compare when pytrec_eval scores no query)."""
    if not expected:
        return
    ours = rankwise.evaluate(qrels, run, names_of(expected), per_query=True, **options)
    assert_same_per_query(expected, ours)


@given(qrels_and_run(), st.sampled_from([1, 2, 3]))
def test_every_trec_measure_matches_trec_eval_per_query(data, rel_level):
    qrels, run = data
    expected = pytrec(qrels, run, rel_level=rel_level)
    assert_evaluate_matches(expected, qrels, run, rel_level=rel_level)


@given(qrels_and_run())
def test_judged_only_matches_trec_eval_dash_j(data):
    qrels, run = data
    expected = pytrec(qrels, run, judged_only=True)
    assert_evaluate_matches(expected, qrels, run, judged_only=True)


def trec_order(docs: dict[str, float]) -> list[str]:
    """trec_eval 9.0.x's ranking: score (as a C float) descending, then doc id descending as
    UTF-8 bytes."""
    by_doc = sorted(docs, key=lambda d: d.encode(), reverse=True)
    return sorted(by_doc, key=lambda d: -float(np.float32(docs[d])))


def pytrec_on_top(qrels, run, k):
    """pytrec_eval's per-query values of the run cut to each query's top ``k`` documents, in
    trec_eval's order."""
    return pytrec(qrels, {q: {d: docs[d] for d in trec_order(docs)[:k]} for q, docs in run.items()})


@given(qrels_and_run(), st.integers(1, 6))
def test_max_docs_matches_trec_eval_on_the_truncated_run(data, max_docs):
    qrels, run = data
    expected = pytrec_on_top(qrels, run, max_docs)
    assert_evaluate_matches(expected, qrels, run, max_docs=max_docs)


IR_MEASURES_EQUIVALENTS = {
    "nDCG": "ndcg",
    "nDCG@5": "ndcg_cut_5",
    "AP": "map",
    "AP@10": "map_cut_10",
    "RR": "recip_rank",
    "P@3": "P_3",
    "R@10": "recall_10",
    "Rprec": "Rprec",
    "Bpref": "bpref",
    "Success@2": "success_2",
    "IPrec@0.3": "iprec_at_recall_0.30",
    "NumRet": "num_ret",
    "NumRel": "num_rel",
    "NumRelRet": "num_rel_ret",
    "ndcg@5": "ndcg_cut_5",
    "map@10": "map_cut_10",
    "precision@3": "P_3",
    "recall@10": "recall_10",
    "hit_rate@2": "success_2",
    "r-precision": "Rprec",
}


def assert_names_mean(expected, qrels, run, equivalents):
    """Per query, each of our measure names in ``equivalents`` gives pytrec_eval's
    ``expected`` value of the trec_eval name it maps to (a NaN there, trec_eval's 0/0 for
    iprec_at_recall on an empty ranking, is passed over; nothing to compare when pytrec_eval
    scores no query)."""
    if not expected:
        return
    ours = rankwise.evaluate(qrels, run, list(equivalents), per_query=True)
    for q, values in expected.items():
        for ours_name, trec_name in equivalents.items():
            want = values[trec_name]
            if not math.isnan(want):
                assert ours[q][ours_name] == pytest.approx(want, abs=TOL), (q, ours_name)


@given(qrels_and_run())
def test_ir_measures_and_ranx_names_mean_the_trec_eval_measures(data):
    qrels, run = data
    assert_names_mean(pytrec(qrels, run), qrels, run, IR_MEASURES_EQUIVALENTS)


@given(qrels_and_run(), st.integers(1, 6))
def test_rr_at_k_is_recip_rank_on_the_run_cut_at_k(data, k):
    qrels, run = data
    assert_names_mean(pytrec_on_top(qrels, run, k), qrels, run, {f"RR@{k}": "recip_rank"})


@given(qrels_and_run())
def test_means_are_exact_means_of_the_per_query_values(data):
    qrels, run = data
    expected = pytrec(qrels, run)
    if not expected:
        return
    names = ["ndcg_cut_5", "map", "P_3", "num_ret", "num_rel", "num_rel_ret", "gm_map"]
    means = rankwise.evaluate(qrels, run, names)
    for name in names:
        column = [expected[q][name] for q in expected]
        if name.startswith("num_"):
            want = sum(column)  # trec_eval sums counts
        elif name == "gm_map":
            want = math.exp(statistics.fmean(column))
        else:
            want = statistics.fmean(column)
        assert means[name] == pytest.approx(want, abs=TOL), name


@given(qrels_and_run())
def test_missing_zero_averages_over_all_judged_queries_like_dash_c(data):
    qrels, run = data
    names = ["ndcg_cut_5", "map", "recip_rank", "P_3", "gm_map", "num_rel"]
    expected = pytrec(qrels, run)
    ours = rankwise.evaluate(qrels, run, names, missing="zero", per_query=True)
    assert set(ours) == set(qrels)
    for q in qrels:
        for name in names:
            if q in expected:
                want = expected[q][name]
                got = as_trec_eval_keeps(name, ours[q][name])
                assert got == pytest.approx(want, abs=TOL)
            elif name == "num_rel":
                assert ours[q][name] == sum(1 for v in qrels[q].values() if v >= 1)
            else:
                assert ours[q][name] == 0.0
    means = rankwise.evaluate(qrels, run, ["map", "gm_map"], missing="zero")
    aps = [ours[q]["map"] for q in qrels]
    assert means["map"] == pytest.approx(statistics.fmean(aps), abs=TOL)
    assert means["gm_map"] == pytest.approx(
        math.exp(statistics.fmean(math.log(max(a, 1e-5)) for a in aps)), abs=TOL
    )


def test_bundled_robust04_sample_matches_trec_eval_exactly():
    from rankwise.sample import sample_paths

    qrels_path, run_path = sample_paths()
    qrels = rankwise.Qrels.from_trec(qrels_path)
    run = rankwise.Run.from_trec(run_path)
    expected = pytrec(qrels.to_dict(), run.to_dict())
    assert len(expected) == 249
    ours = rankwise.evaluate(qrels, run, names_of(expected), per_query=True)
    for q, values in expected.items():
        for name, want in values.items():
            assert as_trec_eval_keeps(name, ours[q][name]) == want, (q, name)  # bit for bit


def test_file_and_dict_inputs_give_identical_results():
    from rankwise.sample import sample_paths

    qrels_path, run_path = sample_paths()
    qrels = rankwise.Qrels.from_trec(qrels_path)
    run = rankwise.Run.from_trec(run_path)
    a = rankwise.evaluate(qrels, run, ["official", "nDCG@10"])
    b = rankwise.evaluate(qrels.to_dict(), run.to_dict(), ["official", "nDCG@10"])
    assert a == b
    assert np.isfinite(list(a.values())).all()
