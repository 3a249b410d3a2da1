"""C/W/L user models equal ``cwl_eval`` 1.0.12 (``cwl-eval`` on PyPI), every output column.

rankwise names them as ir_measures' ``cwl_eval`` provider does (``INST(T=,max_rel=)``,
``INSQ``, ``BPM(T=,max_rel=)@K``, ``NERR8@k``, ``NERR9@k``, ``NERR10(p=)``, ``NERR11(T=)``,
``RBP(p=,rel=)``), with ``column=`` for cwl_eval's other columns (``ETU``, ``EC``, ``ETC``,
``ED`` and the residuals ``ResEU`` ... ``ResED``, its ``-r``) and ``dynamic=True`` for its
dynamic BPM. The reference is cwl_eval's Python API fed as ir_measures' provider feeds it:
labels clipped at 0, then to ``[min_rel, max_rel]`` and scaled to ``[0, 1]`` (binary
``label >= rel`` for RBP), unit costs, ``max_n=1000``, runs in trec_eval's order (cwl_eval
keeps the run's order). cwl_eval sums with numpy (pairwise sums, BLAS dot products), rankwise
in rank order, so values agree to rounding: ``rel=1e-9, abs=1e-12``.
"""

from __future__ import annotations

import gzip
import logging
from pathlib import Path
from typing import Any

import ir_measures
import pytest
from cwl.ruler.measures.cwl_bpm import BPMCWLMetric, BPMDCWLMetric
from cwl.ruler.measures.cwl_insq import INSQCWLMetric
from cwl.ruler.measures.cwl_inst import INSTCWLMetric
from cwl.ruler.measures.cwl_nerr import (
    NERReq8CWLMetric,
    NERReq9CWLMetric,
    NERReq10CWLMetric,
    NERReq11CWLMetric,
)
from cwl.ruler.measures.cwl_rbp import RBPCWLMetric
from cwl.ruler.ranking import RankingMaker
from cwl.seeker.trec_qrel_handler import TrecQrelHandler
from hypothesis import given, settings
from hypothesis import strategies as st

import rankwise

from .strategies import qrels_and_run
from .test_ir_measures_extras import compared_counts, trec_order

logging.getLogger("cwl").disabled = True  # cwl_eval logs every vector at DEBUG
logging.getLogger("ir_measures.cwl_eval").setLevel(logging.ERROR)

COMPARED, _report_counts = compared_counts("cwl_eval")

# cwl_eval's attribute for each column
COLUMNS = {
    "EU": "expected_utility",
    "ETU": "expected_total_utility",
    "EC": "expected_cost",
    "ETC": "expected_total_cost",
    "ED": "expected_items",
    "ResEU": "residual_expected_utility",
    "ResETU": "residual_expected_total_utility",
    "ResEC": "residual_expected_cost",
    "ResETC": "residual_expected_total_cost",
    "ResED": "residual_expected_items",
}

# rankwise name (without column) -> cwl_eval metric; `scale` names min_rel and max_rel.
MODELS: list[tuple[str, Any]] = [
    ("INST(T={t},{scale})", lambda p: INSTCWLMetric(p["t"])),
    ("INSQ(T={t},{scale})", lambda p: INSQCWLMetric(p["t"])),
    ("BPM(T={t},{scale})@{k}", lambda p: BPMCWLMetric(p["t"], p["k"])),
    (
        "BPM(T={t},{scale},dynamic=True,hb={hb},gain_med={med})@{k}",
        lambda p: BPMDCWLMetric(p["t"], p["k"], p["hb"], 1.0, p["med"]),
    ),
    ("NERR8({scale})@{k}", lambda p: NERReq8CWLMetric(p["k"])),
    ("NERR9({scale})@{k}", lambda p: NERReq9CWLMetric(p["k"])),
    ("NERR10(p={p},{scale})", lambda p: NERReq10CWLMetric(p["p"])),
    ("NERR11(T={t},{scale})", lambda p: NERReq11CWLMetric(p["t"])),
]


def cwl_reference(
    metric: Any, qrels: dict[str, dict[str, int]], run: dict[str, dict[str, float]], gain: Any
) -> dict[str, dict[str, float]]:
    """Every column of cwl_eval's ``metric`` per query judged in ``qrels``, with labels made
    gains by ``gain`` (as ir_measures' ``IrmQrelHandler``)."""
    qrh = TrecQrelHandler(None)
    for q, docs in qrels.items():
        for d, label in docs.items():
            qrh.put_value(q, d, gain(max(label, 0)))
    metric.residuals = True
    out = {}
    for q, docs in run.items():
        if q not in qrels or not docs:
            continue
        maker = RankingMaker(q, qrh, None, max_gain=1.0, max_cost=1.0, min_cost=1.0, max_n=1000)
        for d in docs:  # the run is in trec_eval's order
            maker.add(d, "_")
        metric.measure(maker.get_ranking())
        out[q] = {col: float(getattr(metric, attr)) for col, attr in COLUMNS.items()}
    return out


def scaled(min_rel: int, max_rel: int) -> Any:
    return lambda rel: (min(max(rel, min_rel), max_rel) - min_rel) / (max_rel - min_rel)


def assert_columns(family: str, base: str, want: dict[str, dict[str, float]], qrels, run) -> None:
    """rankwise's ``base`` with each ``column=`` equals cwl_eval's column, query by query."""
    names = [base.replace(")", f",column={col})", 1) for col in COLUMNS]
    got = rankwise.evaluate(qrels, run, names, per_query=True)
    for q, columns in want.items():
        for name, col in zip(names, COLUMNS, strict=True):
            assert got[q][name] == pytest.approx(columns[col], rel=1e-9, abs=1e-12), (q, name)
            COMPARED[f"{family} {col}"] += 1


@pytest.mark.parametrize(
    "model",
    range(len(MODELS)),
    ids=[t.split("(")[0] + ("-dynamic" if "dynamic" in t else "") for t, _ in MODELS],
)
@settings(max_examples=25)
@given(
    qrels_and_run(),
    st.sampled_from([(0, 3), (0, 4), (1, 4), (2, 3), (0, 1)]),
    st.fixed_dictionaries(
        {
            "t": st.sampled_from([0.5, 1.0, 2.0, 3.0]),
            "k": st.integers(1, 15),
            "p": st.sampled_from([0.2, 0.5, 0.9, 1.0]),
            "hb": st.sampled_from([0.5, 1.0, 2.0]),
            "med": st.sampled_from([0.25, 0.5]),
        }
    ),
)
def test_models_match_cwl_eval_in_every_column(model, data, scale, params):
    qrels, run = data
    run = trec_order(run)
    template, make = MODELS[model]
    min_rel, max_rel = scale
    base = template.format(scale=f"min_rel={min_rel},max_rel={max_rel}", **params)
    want = cwl_reference(make(params), qrels, run, scaled(min_rel, max_rel))
    assert_columns(base.split("(")[0], base, want, qrels, run)


@settings(max_examples=60)
@given(qrels_and_run(), st.sampled_from([0.2, 0.5, 0.8, 0.95]), st.integers(1, 3))
def test_rbp_residuals_match_cwl_eval(data, p, rel):
    qrels, run = data
    run = trec_order(run)
    want = cwl_reference(RBPCWLMetric(p), qrels, run, lambda label: 1.0 if label >= rel else 0.0)
    names = [f"RBP(p={p},rel={rel},column={col})" for col in COLUMNS]
    got = rankwise.evaluate(qrels, run, names, per_query=True)
    for q, columns in want.items():
        for name, col in zip(names, COLUMNS, strict=True):
            # RBP's EU is rankwise's RBP: (1 - p) sum p^i over every rank; cwl_eval normalises
            # over its 1000 ranks, 1 - p^1000 (below 1e-22 for p <= 0.95).
            assert got[q][name] == pytest.approx(columns[col], rel=1e-9, abs=1e-12), (q, name)
            COMPARED[f"RBP {col}"] += 1


@settings(max_examples=40)
@given(qrels_and_run(), st.integers(1, 12))
def test_expected_utility_is_ir_measures_value(data, k):
    """The default column is what ir_measures' cwl_eval provider reports, under its names."""
    qrels, run = data
    run = trec_order(run)
    names = [
        "INST(max_rel=3)",
        "INSQ(T=2.0,max_rel=3)",
        f"BPM(T=1.0,max_rel=3)@{k}",
        f"NERR8(max_rel=3)@{k}",
        f"NERR9(max_rel=3)@{k}",
        "NERR10(p=0.8,max_rel=3)",
        "NERR11(T=2.0,max_rel=3)",
    ]
    parsed = [ir_measures.parse_measure(n) for n in names]
    want: dict[tuple[str, str], float] = {}
    for m in ir_measures.iter_calc(parsed, qrels, run):
        want[(m.query_id, str(m.measure))] = m.value
    got = rankwise.evaluate(qrels, run, names, per_query=True, missing="zero")
    for name, measure in zip(names, parsed, strict=True):
        for (q, mname), value in want.items():
            if mname == str(measure):
                assert got[q][name] == pytest.approx(value, rel=1e-9, abs=1e-12), (q, name)
                COMPARED[f"{name.split('(')[0]} EU (ir_measures)"] += 1


@pytest.mark.parametrize(
    "ranked",
    [[], [None, None], [0, 0, 0], [3, 3, 3], [None, 3, 0, None, 1]],
    ids=["empty", "unjudged", "all-zero", "all-top", "mixed"],
)
def test_edge_rankings_match_cwl_eval(ranked):
    """Empty rankings (cwl_eval: all 1000 ranks padded), unjudged and all-zero ones."""
    qrels = {"q": {f"d{i}": label for i, label in enumerate(ranked) if label is not None}}
    qrels["q"]["judged-elsewhere"] = 2
    run = {"q": {f"d{i}": 10.0 - i for i in range(len(ranked))}}
    for template, make in MODELS:
        params = {"t": 1.0, "k": 3, "p": 0.9, "hb": 1.0, "med": 0.5}
        base = template.format(scale="max_rel=3", **params)
        if ranked:
            want = cwl_reference(make(params), qrels, run, scaled(0, 3))
        else:
            # cwl_eval needs a document to make a ranking: hand it one outside the 1000 ranks
            many = {"q": {f"x{i}": -float(i) for i in range(1001)}}
            want = cwl_reference(make(params), qrels, many, scaled(0, 3))
        got_run = run if ranked else {"q": {}}
        names = [base.replace(")", f",column={col})", 1) for col in COLUMNS]
        got = rankwise.evaluate(qrels, got_run, names, per_query=True, missing="zero")
        for name, col in zip(names, COLUMNS, strict=True):
            assert got["q"][name] == pytest.approx(want["q"][col], rel=1e-9, abs=1e-12), name


def read_trec(path: Path, columns: int) -> list[list[str]]:
    with gzip.open(path, "rt") as f:
        return [line.split() for line in f if len(line.split()) == columns]


def test_robust04_matches_cwl_eval():
    """The bundled robust04 qrels and BM25+RM3 run, 12 queries, every model and column."""
    data = Path(rankwise.__file__).parent / "data"
    qrels: dict[str, dict[str, int]] = {}
    for q, _, d, label in read_trec(data / "robust04.qrels.gz", 4):
        qrels.setdefault(q, {})[d] = int(label)
    run: dict[str, dict[str, float]] = {}
    for q, _, d, _, score, _ in read_trec(data / "robust04-bm25-rm3.run.gz", 6):
        run.setdefault(q, {})[d] = float(score)
    keep = sorted(q for q in run if q in qrels)[:12]
    qrels = {q: qrels[q] for q in keep}
    run = trec_order({q: run[q] for q in keep})
    params = {"t": 2.0, "k": 20, "p": 0.9, "hb": 1.0, "med": 0.5}
    for template, make in MODELS:
        base = template.format(scale="max_rel=2", **params)
        want = cwl_reference(make(params), qrels, run, scaled(0, 2))
        assert_columns(base.split("(")[0] + " robust04", base, want, qrels, run)


def test_cwl_names_and_errors():
    assert rankwise.measure_names(["INST(T=2,max_rel=3,column=ETU)"]) == [
        "INST(T=2,max_rel=3,column=ETU)"
    ]
    for bad, match in [
        ("INST", "max_rel=3"),
        ("INST(max_rel=3,column=XYZ)", "ResED"),
        ("INST(T=0,max_rel=3)", "T must be a positive"),
        ("NERR10(p=1.5,max_rel=3)", r"\(0, 1\]"),
        ("BPM(max_rel=3)", "needs a cutoff"),
        ("NERR11(min_rel=3,max_rel=3)", "min_rel must be below max_rel"),
        ("INST(max_rel=3)@10", "takes no cutoff"),
    ]:
        with pytest.raises(rankwise.errors.RankwiseError, match=match):
            rankwise.measure_names([bad])
