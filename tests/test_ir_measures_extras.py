"""ir_measures' measures that trec_eval lacks, spelled as ir_measures spells them and equal to
the provider ir_measures computes each with (ir_measures 0.4.3):

* ``SDCG(max_rel=m)@k``: cwl_eval (``cwl-eval`` on PyPI, ir_measures' ``cwl_eval`` provider);
* ``Compat(p=, normalize=)``: ir_measures' own ``compat`` provider;
* ``Accuracy@k``: ir_measures' own ``accuracy`` provider;
* ``nDCG(gains={...})``, ``judged_only=True`` and ``SetF(beta=)``: pytrec_eval (trec_eval
  with relabelled qrels, and trec_eval's ``-J``).

The inputs have tied scores, graded and negative labels, queries whose labels are all 0 and
queries on one side only. pytrec_eval breaks ties as rankwise does (trec_eval's rule: score
descending, then document id descending). cwl_eval and the accuracy provider keep the run's
order for tied scores (a stable sort by score), so their runs are handed over in trec_eval's
order. The compat provider breaks ties by document id ascending and ranks unretrieved ideal
documents above retrieved ones with a negative score, so Compat is compared on distinct
positive scores (``docs/guide/exactness.md`` says why rankwise differs there).
"""

from __future__ import annotations

import collections
import logging
import math
from collections.abc import Iterator
from typing import Any

import ir_measures
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import rankwise

from .strategies import qrels_and_run

logging.getLogger("ir_measures.cwl_eval").setLevel(logging.ERROR)  # verify_gains chatter


def compared_counts(reference: str) -> tuple[collections.Counter[str], Any]:
    """A counter of the values compared per measure family, and an autouse module fixture
    that prints it at the end of the module (pytest -s); bind both at module level."""
    compared: collections.Counter[str] = collections.Counter()

    @pytest.fixture(scope="module", autouse=True)
    def report_counts() -> Iterator[None]:
        yield
        for family, n in sorted(compared.items()):
            print(f"\n{family}: {n} per-query values equal to {reference}")

    return compared, report_counts


COMPARED, _report_counts = compared_counts("the reference")


def trec_order(run: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """The run as trec_eval sees it: scores rounded to single precision (trec_eval 9.0.x
    compares them as C floats), each ranking in trec_eval's order (score descending, then doc
    id descending), so that a reference that keeps the run's order for ties ranks as rankwise.
    Both sides get this run."""
    out = {}
    for q, docs in run.items():
        single = [(d, float(np.float32(s))) for d, s in docs.items()]
        by_id = sorted(single, key=lambda kv: kv[0].encode(), reverse=True)
        out[q] = dict(sorted(by_id, key=lambda kv: kv[1], reverse=True))
    return out


def reference(measure: str, qrels, run) -> dict[str, float]:
    parsed = ir_measures.parse_measure(measure)
    return {m.query_id: m.value for m in ir_measures.iter_calc([parsed], qrels, run)}


def ours(measure: str, qrels, run) -> dict[str, float]:
    # ir_measures reports its default (0) for judged queries the run lacks: missing="zero".
    per_query = rankwise.evaluate(qrels, run, [measure], per_query=True, missing="zero")
    return {q: values[measure] for q, values in per_query.items()}


def assert_matches(family: str, name: str, qrels, run) -> None:
    """rankwise's value of ``name`` equals the reference's for every query the reference
    reports; the count goes to ``COMPARED[family]``."""
    want = reference(name, qrels, run)
    got = ours(name, qrels, run)
    for q, value in want.items():
        assert got[q] == pytest.approx(value, abs=1e-12), (q, name)
    COMPARED[family] += len(want)


def test_every_new_name_parses_in_ir_measures_and_rankwise():
    names = [
        "SDCG(max_rel=3)@10",
        "SDCG(dcg='log2',min_rel=1,max_rel=4)@5",
        "nDCG(dcg='exp-log2')@10",
        "SetF(beta=0.5,judged_only=True)",
        "Compat",
        "Compat(p=0.8)",
        "Compat(p=0.5,normalize=False)",
        "Accuracy",
        "Accuracy@10",
        "Accuracy(rel=2)@5",
        "nDCG(gains={0:0,1:1,2:3})@10",
        "nDCG(judged_only=True)@10",
        "P(judged_only=True)@5",
        "AP(rel=2,judged_only=True)",
        "infAP",
        "infAP(rel=2)",
    ]
    for name in names:
        assert ir_measures.parse_measure(name) is not None
        assert rankwise.measure_names([name]) == [name]


@given(
    qrels_and_run(),
    st.integers(1, 20),
    # ir_measures' parser takes no negative numbers (min_rel=-1 is refused).
    st.sampled_from([(0, 3), (0, 4), (1, 4), (2, 3)]),
)
def test_sdcg_matches_cwl_eval(data, k, scale):
    qrels, run = data
    run = trec_order(run)
    min_rel, max_rel = scale
    name = f"SDCG(min_rel={min_rel},max_rel={max_rel})@{k}"
    assert_matches("SDCG", name, qrels, run)


def test_sdcg_reads_1000_ranks_as_cwl_eval():
    docs = [f"d{i:04d}" for i in range(1500)]
    qrels = {"q": {d: (i * 7) % 4 for i, d in enumerate(docs)}}
    run = {"q": {d: 1500.0 - i for i, d in enumerate(docs)}}
    for k in (999, 1000, 1001, 1400, 10**12):
        name = f"SDCG(max_rel=3)@{k}"
        want = reference(name, qrels, run)
        assert ours(name, qrels, run)["q"] == pytest.approx(want["q"], abs=1e-12), k
        COMPARED["SDCG"] += 1


@st.composite
def positive_distinct_run(draw):
    qrels, run = draw(qrels_and_run())
    values = st.lists(st.integers(1, 10_000), min_size=20, max_size=20, unique=True)
    for q, docs in run.items():
        scores = draw(values)
        run[q] = {d: scores[i] / 100 for i, d in enumerate(docs)}
    return qrels, run


@given(positive_distinct_run(), st.sampled_from([0.5, 0.8, 0.95, 0.99, 1.0]), st.booleans())
def test_compat_matches_ir_measures(data, p, normalize):
    qrels, run = data
    name = f"Compat(p={p},normalize={normalize})"
    assert_matches("Compat", name, qrels, run)


@given(qrels_and_run(), st.one_of(st.none(), st.integers(1, 20)), st.sampled_from([1, 2]))
def test_accuracy_matches_ir_measures(data, k, rel):
    qrels, run = data
    run = trec_order(run)
    name = f"Accuracy(rel={rel})" + (f"@{k}" if k else "")
    got = ours(name, qrels, run)
    for q in got:
        if q not in run:
            continue
        try:
            want = reference(name, {q: qrels[q]}, {q: run[q]})
        except ZeroDivisionError:
            # The provider divides by the number of non-relevant documents ranked; rankwise
            # reports 1 (every pair, of which there is none, in order).
            assert got[q] == 1.0, q
            continue
        if q in want:
            assert got[q] == pytest.approx(want[q], abs=1e-12), q
            COMPARED["Accuracy"] += 1
        else:
            # No relevant document in the top k: the provider reports nothing.
            assert got[q] == 0.0, q


GAINS = st.dictionaries(st.integers(0, 4), st.integers(0, 6), max_size=5)


@given(qrels_and_run(), GAINS, st.one_of(st.none(), st.integers(1, 20)))
def test_ndcg_custom_gains_match_pytrec_eval(data, gains, k):
    qrels, run = data
    name = "nDCG(gains={" + ",".join(f"{a}:{b}" for a, b in gains.items()) + "})"
    name += f"@{k}" if k else ""
    assert_matches("nDCG(gains=)", name, qrels, run)


# Every ir_measures measure that takes judged_only and that rankwise has, at a cutoff where
# it takes one.
JUDGED_ONLY = [
    "nDCG(judged_only=True)",
    "nDCG(judged_only=True)@{k}",
    "AP(judged_only=True,rel={rel})",
    "AP(judged_only=True,rel={rel})@{k}",
    "P(judged_only=True,rel={rel})@{k}",
    "R(judged_only=True)@{k}",
    "RR(judged_only=True,rel={rel})",
    "Rprec(judged_only=True,rel={rel})",
    "Success(judged_only=True,rel={rel})@{k}",
    "IPrec(judged_only=True)@0.3",
    "SetP(judged_only=True,rel={rel})",
    "SetAP(judged_only=True,rel={rel})",
    "SetF(judged_only=True,rel={rel})",
]


@st.composite
def judged_run(draw):
    """A run whose every ranking holds a judged document (pytrec_eval crashes on a ranking
    that -J empties, as it does on an empty one)."""
    qrels, run = draw(qrels_and_run())
    for q, docs in run.items():
        judged = [d for d, label in qrels.get(q, {}).items() if label >= 0]
        if q in qrels and not any(d in docs for d in judged):
            docs[judged[0]] = draw(st.sampled_from([0.0, 1.0, -1.0]))
    return qrels, run


@given(judged_run(), st.integers(1, 20), st.sampled_from([1, 2]))
def test_judged_only_matches_pytrec_eval(data, k, rel):
    qrels, run = data
    for template in JUDGED_ONLY:
        name = template.format(k=k, rel=rel)
        assert_matches("judged_only", name, qrels, run)


@given(qrels_and_run(), st.sampled_from([0.25, 0.5, 1.0, 2.0]), st.sampled_from([1, 2]))
def test_setf_name_matches_pytrec_eval(data, beta, rel):
    qrels, run = data
    name = f"SetF(beta={beta},rel={rel})"
    assert_matches("SetF", name, qrels, run)


def test_new_measures_read_arrays_too():
    """The array API runs the same kernels: label 0 between hits is judged there."""
    scores = [[0.9, 0.8, 0.7, 0.6]]
    labels = [[2, 0, -1, 1]]
    got = rankwise.metrics.evaluate_arrays(
        scores,
        labels,
        ["SDCG(min_rel=-1,max_rel=2)@4", "Accuracy", "nDCG(gains={0:1})", "P(judged_only=True)@3"],
    )
    disc = [1 / math.log2(i + 2) for i in range(4)]
    # scaled gains: (2+1)/3, (0+1)/3, the -1 label clipped to 0 -> 1/3, (1+1)/3
    sdcg = (disc[0] + disc[1] / 3 + disc[2] / 3 + disc[3] * 2 / 3) / sum(disc)
    assert got["SDCG(min_rel=-1,max_rel=2)@4"][0] == pytest.approx(sdcg, abs=1e-12)
    # relevant at 0 and 3; non-relevant 1 and 2 (the -1 counts as non-relevant): 2 of 4 pairs
    assert got["Accuracy"][0] == pytest.approx(0.5)
    # gains 2, 1, 0 (unjudged), 1 against the ideal 2, 1, 1
    ndcg = (2 * disc[0] + disc[1] + disc[3]) / (2 * disc[0] + disc[1] + disc[2])
    assert got["nDCG(gains={0:1})"][0] == pytest.approx(ndcg, abs=1e-12)
    # without the -1 document the top 3 are labels 2, 0, 1
    assert got["P(judged_only=True)@3"][0] == pytest.approx(2 / 3)


def test_tie_averaging_refuses_judged_only():
    with pytest.raises(rankwise.errors.RankwiseError, match="judged_only"):
        rankwise.metrics.evaluate_arrays(
            [[0.5, 0.5, 0.2]], [[1, -1, 2]], ["nDCG(judged_only=True)"], ties="average"
        )
