"""Measures trec_eval lacks equal the peer implementation that defines them.

* exp2-gain nDCG and DCG, and the ranx names of the trec measures: ranx (`ndcg_burges@k`, ...);
* RBP: ranx (`rbp.p`) on binary labels (ranx multiplies by graded labels; see ``metrics.rbp``);
* Judged@k: ir_measures' own provider; SetP, SetR, SetAP, infAP: ir_measures' names for
  trec_eval's set measures and infAP;
* ERR@k and exp2 nDCG@k: gdeval, through ir_measures (printed with 5 decimals);
* tie-averaged nDCG: ``sklearn.metrics.ndcg_score`` (and ``dcg_score``).

ranx, ir_measures and gdeval order tied scores their own way (ranx: an unstable argsort;
ir_measures' judged: doc id ascending; gdeval: doc id descending on doubles), so these
comparisons use scores that are distinct even in single precision; tie behaviour is pinned
against trec_eval in ``test_trec_eval_compat``.
"""

from __future__ import annotations

import shutil

import ir_measures
import numpy as np
import pytest
import ranx
from hypothesis import given
from hypothesis import strategies as st
from sklearn.metrics import dcg_score, ndcg_score

import rankwise
from rankwise.metrics import dcg, ndcg

from .strategies import TIED_SCORES, distinct_scores

# Fixed-width ids: ranx compiles a new numba signature for every new maximum id length.
RANX_DOCS = [f"d{i:03d}" for i in range(20)]
RANX_QUERIES = ["q1", "q2", "q3", "q4"]


@st.composite
def tie_free_data(draw, labels=st.integers(-1, 3), queries=RANX_QUERIES, docs=RANX_DOCS):
    qs = draw(st.lists(st.sampled_from(queries), min_size=1, max_size=len(queries), unique=True))
    qrels, run = {}, {}
    for q in qs:
        judged = draw(st.lists(st.sampled_from(docs), min_size=1, max_size=12, unique=True))
        qrels[q] = {d: draw(labels) for d in judged}
        if max(qrels[q].values()) < 1:
            qrels[q][judged[0]] = 1  # ranx needs a relevant document per query
        retrieved = draw(st.lists(st.sampled_from(docs), min_size=1, max_size=15, unique=True))
        run[q] = dict(zip(retrieved, draw(distinct_scores(len(retrieved))), strict=True))
    return qrels, run


def ranx_per_query(qrels, run, metrics):
    rq, rr = ranx.Qrels(qrels), ranx.Run(run)
    ranx.evaluate(rq, rr, metrics, make_comparable=True, save_results_in_run=True)
    return rr.scores


RANX_EQUIVALENTS = {
    "ndcg@{k}": "nDCG@{k}",
    "ndcg_burges@{k}": "nDCG(dcg=exp-log2)@{k}",
    "dcg@{k}": "DCG@{k}",
    "dcg_burges@{k}": "DCG(gain=exp2)@{k}",
    "map@{k}": "AP@{k}",
    "mrr@{k}": "RR@{k}",
    "precision@{k}": "P@{k}",
    "recall@{k}": "R@{k}",
    "hit_rate@{k}": "Success@{k}",
    "ndcg": "nDCG",
    "map": "AP",
    "mrr": "RR",
    "r-precision": "Rprec",
}


@given(tie_free_data(), st.integers(1, 12))
def test_ranx_measures_match_on_tie_free_runs(data, k):
    qrels, run = data
    pairs = {r.format(k=k): o.format(k=k) for r, o in RANX_EQUIVALENTS.items()}
    expected = ranx_per_query(qrels, run, list(pairs))
    ours = rankwise.evaluate(qrels, run, list(pairs.values()), per_query=True)
    for ranx_name, ours_name in pairs.items():
        for q, want in expected[ranx_name].items():
            assert ours[q][ours_name] == pytest.approx(want, abs=1e-9), (q, ranx_name)


@given(tie_free_data(labels=st.integers(0, 1)), st.sampled_from([0.5, 0.8, 0.9, 0.95]))
def test_rbp_matches_ranx_on_binary_labels(data, p):
    qrels, run = data
    ranx_name = f"rbp.{str(p)[2:]}"
    expected = ranx_per_query(qrels, run, [ranx_name])[ranx_name]
    ours = rankwise.evaluate(qrels, run, [f"RBP(p={p})"], per_query=True)
    for q, want in expected.items():
        assert ours[q][f"RBP(p={p})"] == pytest.approx(want, abs=1e-9), q


@given(
    tie_free_data(labels=st.integers(0, 1)),
    st.sampled_from([0.5, 0.8, 0.95]),
    st.integers(1, 12),
)
def test_rbp_at_k_is_rbp_of_the_top_k(data, p, k):
    # ir_measures' RBP@k (trectools provider) cuts the ranking at depth k; RBP@k had ignored k
    qrels, run = data
    top = {q: dict(sorted(docs.items(), key=lambda kv: -kv[1])[:k]) for q, docs in run.items()}
    ranx_name = f"rbp.{str(p)[2:]}"
    expected = ranx_per_query(qrels, top, [ranx_name])[ranx_name]
    name = f"RBP(p={p})@{k}"
    ours = rankwise.evaluate(qrels, run, [name], per_query=True)
    for q, want in expected.items():
        assert ours[q][name] == pytest.approx(want, abs=1e-9), q


# ir_measures names that rankwise accepts as plain aliases of a trec_eval row of the measure
# table (each one word in a row's `ir_measures`); ir_measures computes them with pytrec_eval.
IR_MEASURES_ALIASES = ["SetP", "SetR", "SetAP", "infAP"]


@given(tie_free_data(labels=st.integers(-1, 3)), st.sampled_from([1, 2]))
def test_ir_measures_set_and_infap_names_match_ir_measures(data, rel):
    qrels, run = data
    names = [f"{n}(rel={rel})" for n in IR_MEASURES_ALIASES]
    measures = [ir_measures.parse_measure(n) for n in names]
    expected = {
        (m.query_id, str(m.measure)): m.value for m in ir_measures.iter_calc(measures, qrels, run)
    }
    assert expected
    ours = rankwise.evaluate(qrels, run, names, per_query=True)
    compared = 0
    for name, measure in zip(names, measures, strict=True):
        for q in ours:
            want = expected.get((q, str(measure)))
            if want is not None:
                assert ours[q][name] == pytest.approx(want, abs=1e-12), (q, name)
                compared += 1
    assert compared == len(expected)


@given(tie_free_data(labels=st.integers(-1, 3)), st.integers(1, 20))
def test_judged_at_k_matches_ir_measures(data, k):
    qrels, run = data
    measure = ir_measures.Judged @ k
    expected = {m.query_id: m.value for m in ir_measures.iter_calc([measure], qrels, run)}
    assert expected
    ours = rankwise.evaluate(qrels, run, [f"Judged@{k}"], per_query=True)
    for q, want in expected.items():
        assert ours[q][f"Judged@{k}"] == pytest.approx(want, abs=1e-12), q


@pytest.mark.skipif(shutil.which("perl") is None, reason="gdeval (ir_measures' ERR) needs perl")
@given(
    tie_free_data(labels=st.integers(-1, 4), queries=["301", "302", "303", "44"]),
    st.integers(1, 15),
)
def test_err_and_exp2_ndcg_match_gdeval(data, k):
    qrels, run = data
    err, ndcg_exp = ir_measures.ERR @ k, ir_measures.nDCG(dcg="exp-log2") @ k
    expected: dict[str, dict[str, float]] = {}
    for m in ir_measures.iter_calc([err, ndcg_exp], qrels, run):
        expected.setdefault(m.query_id, {})[str(m.measure)] = m.value
    assert expected, "gdeval evaluated no query"
    names = [f"ERR@{k}", f"nDCG(dcg=exp-log2)@{k}"]
    ours = rankwise.evaluate(qrels, run, names, per_query=True)
    for q, values in expected.items():
        # gdeval prints 5 decimals
        assert ours[q][names[0]] == pytest.approx(values[str(err)], abs=5.1e-6), q
        assert ours[q][names[1]] == pytest.approx(values[str(ndcg_exp)], abs=5.1e-6), q


@st.composite
def tied_rows(draw):
    d = draw(st.integers(2, 12))
    scores = np.array(draw(st.lists(TIED_SCORES, min_size=d, max_size=d)))
    labels = np.array(draw(st.lists(st.integers(0, 3), min_size=d, max_size=d)))
    return scores, labels


@given(st.lists(tied_rows(), min_size=1, max_size=5), st.integers(1, 14))
def test_tie_averaged_ndcg_matches_sklearn(rows, k):
    for scores, labels in rows:
        want = ndcg_score(labels[None], scores[None], k=k)
        got = ndcg(scores[None], labels[None], k=k, ties="average")
        assert got[0] == pytest.approx(want, abs=1e-9)
        want_dcg = dcg_score(labels[None], scores[None], k=k)
        assert dcg(scores[None], labels[None], k=k, ties="average")[0] == pytest.approx(
            want_dcg, abs=1e-9
        )


@given(st.integers(1, 8).flatmap(lambda d: st.tuples(st.just(d), st.integers(1, 6))), st.data())
def test_tie_averaged_ndcg_matches_sklearn_on_a_matrix(shape, data):
    d, q = shape
    d += 1  # sklearn needs at least two documents per row
    scores = np.array(data.draw(st.lists(TIED_SCORES, min_size=q * d, max_size=q * d))).reshape(
        q, d
    )
    labels = np.array(
        data.draw(st.lists(st.integers(0, 3), min_size=q * d, max_size=q * d))
    ).reshape(q, d)
    got = ndcg(scores, labels, k=None, ties="average").mean()
    assert got == pytest.approx(ndcg_score(labels, scores), abs=1e-9)
