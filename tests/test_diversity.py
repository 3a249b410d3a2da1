"""rankwise.diversity against pyndeval (ndeval.c 4.5 compiled as a Python extension)."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rankwise import errors
from rankwise.diversity import NDEVAL_MEASURES, evaluate_diversity, ndeval_output

pyndeval = pytest.importorskip("pyndeval")

MEASURES = [
    *NDEVAL_MEASURES,
    *(f"{m}@{k}" for m in ("ERR-IA", "nERR-IA", "alpha-DCG", "alpha-nDCG") for k in (1, 2, 3)),
    *(f"{m}@{k}" for m in ("P-IA", "strec") for k in (1, 2, 7)),
]
DOCS = [f"d{i}" for i in range(8)] + ["D", "d10"]
QUERIES = ["1", "2", "3"]

rows = st.lists(
    st.tuples(
        st.sampled_from(QUERIES),
        st.sampled_from(["a", "b", "c", "d", "e"]),
        st.sampled_from(DOCS),
        st.sampled_from([-1, 0, 0, 1, 1, 1, 2]),
    ),
    max_size=30,
)
runs = st.dictionaries(
    st.sampled_from(QUERIES),
    st.dictionaries(st.sampled_from(DOCS), st.sampled_from([0.0, 0.5, 1.0, 2.0, -3.25])),
)
unit = st.one_of(st.sampled_from([0.0, 0.5, 1.0]), st.floats(0.0, 1.0))


def _nested(qrel_rows: list[tuple[str, str, str, int]]) -> dict[str, dict[str, dict[str, int]]]:
    out: dict[str, dict[str, dict[str, int]]] = {}
    for q, s, d, j in qrel_rows:
        out.setdefault(q, {}).setdefault(s, {})[d] = j
    return out


def _flat(nested: dict[str, dict[str, dict[str, int]]]) -> list[tuple[str, str, str, int]]:
    return [
        (q, s, d, j)
        for q, st_ in nested.items()
        for s, docs in st_.items()
        for d, j in docs.items()
    ]


def _reference(qrel_rows, run, alpha, beta):  # type: ignore[no-untyped-def]
    tuples = [(q, d, s) for q, docs in run.items() for d, s in docs.items()]
    return pyndeval.ndeval(qrel_rows, tuples, MEASURES, alpha=alpha, beta=beta)


def _has_relevant(qrel_rows, q):  # type: ignore[no-untyped-def]
    # Some document relevant by its last line (the one ndeval keeps).
    subtopics = _nested(qrel_rows).get(q, {})
    return any(j >= 1 for docs in subtopics.values() for j in docs.values())


def _assert_equal(report, expected, qrel_rows, alpha, beta):  # type: ignore[no-untyped-def]
    assert sorted(report.query_ids) == sorted(expected)
    for q, row in report.per_query.items():
        for m in MEASURES:
            want = expected[q][m]
            if math.isnan(want):
                # ndeval's nNRBP is 0/0 where the ideal NRBP is 0 (a topic without relevant
                # documents, or alpha = 0 with beta = 1); ours is 0.
                zero_ideal = not _has_relevant(qrel_rows, q) or 1 - (1 - alpha) * beta == 0
                assert m == "nNRBP" and zero_ideal, (q, m)
                assert row[m] == 0.0
            else:
                assert row[m] == want, (q, m, row[m], want)


@settings(max_examples=800)
@given(rows, runs, unit, unit)
def test_every_measure_equals_pyndeval_with_ties_unjudged_and_empty_queries(
    qrel_rows, run, alpha, beta
):
    nested = _nested(qrel_rows)
    flat = _flat(nested)  # a dict keeps one judgement per (query, subtopic, doc)
    expected = _reference(flat, run, alpha, beta)
    if not expected:
        with pytest.raises(errors.InvalidValueError, match="share at least one query"):
            evaluate_diversity(nested, run, MEASURES, alpha=alpha, beta=beta)
        return
    report = evaluate_diversity(nested, run, MEASURES, alpha=alpha, beta=beta)
    _assert_equal(report, expected, flat, alpha, beta)
    assert list(report.query_ids) == [q for q in run if q in expected]


@settings(max_examples=400)
@given(rows, runs, unit)
def test_repeated_qrels_lines_from_a_file_equal_pyndeval(tmp_path_factory, qrel_rows, run, alpha):
    # A file keeps repeated and conflicting lines; ndeval lets the last one decide relevance
    # and counts every relevant one in MAP-IA's denominator.
    qrel_rows = qrel_rows + qrel_rows[: len(qrel_rows) // 2]
    expected = _reference(qrel_rows, run, alpha, 0.5)
    if not expected:
        return
    path = tmp_path_factory.mktemp("div") / "qrels"
    path.write_text("".join(f"{q} {s} {d} {j}\n" for q, s, d, j in qrel_rows))
    report = evaluate_diversity(path, run, MEASURES, alpha=alpha)
    _assert_equal(report, expected, qrel_rows, alpha, 0.5)


@settings(max_examples=150)
@given(rows, runs)
def test_cli_prints_ndeval_csv_with_pyndevals_values(tmp_path_factory, qrel_rows, run):
    run = {q: docs for q, docs in run.items() if docs}  # a file cannot hold an empty query
    expected = _reference(qrel_rows, run, 0.5, 0.5)
    if not expected:
        return
    d = tmp_path_factory.mktemp("cli")
    (d / "qrels").write_text("".join(f"{q} {s} {x} {j}\n" for q, s, x, j in qrel_rows))
    lines = []
    for q, docs in run.items():
        ranked = sorted(docs.items(), key=lambda x: (-x[1], x[0]))  # pyndeval's order
        lines += [f"{q} Q0 {doc} {r} {s} sys" for r, (doc, s) in enumerate(ranked, 1)]
    (d / "run").write_text("\n".join(lines) + "\n")
    out = ndeval_output(d / "qrels", d / "run").splitlines()
    assert out[0] == "runid,topic," + ",".join(NDEVAL_MEASURES)
    got = {row.split(",")[1]: row.split(",")[2:] for row in out[1:]}
    assert list(got)[:-1] == sorted(run, key=int) and list(got)[-1] == "amean"
    for q in run:
        for m, text in zip(NDEVAL_MEASURES, got[q], strict=True):
            want = expected[q][m] if q in expected else 0.0
            assert text == f"{0.0 if math.isnan(want) else want:.6f}", (q, m)
    # amean: ndeval's sum over the printed topics divided by the number of judged ones.
    for i, m in enumerate(NDEVAL_MEASURES):
        values = [expected[q][m] for q in sorted(expected, key=int)]
        mean = sum(0.0 if math.isnan(v) else v for v in values) / len(values)
        assert got["amean"][i] == f"{mean:.6f}", m


DEEP_DOCS = [f"doc{i:02d}" for i in range(40)]
deep_rows = st.lists(
    st.tuples(
        st.sampled_from(QUERIES[:2]),
        st.integers(0, 7).map(str),
        st.sampled_from(DEEP_DOCS),
        st.sampled_from([0, 1, 1]),
    ),
    max_size=120,
)
deep_runs = st.dictionaries(
    st.sampled_from(QUERIES[:2]),
    st.dictionaries(st.sampled_from(DEEP_DOCS), st.integers(0, 6).map(float), max_size=40),
)


@settings(max_examples=200)
@given(deep_rows, deep_runs, unit, unit)
def test_rankings_deeper_than_twenty_equal_pyndeval(qrel_rows, run, alpha, beta):
    nested = _nested(qrel_rows)
    flat = _flat(nested)
    expected = _reference(flat, run, alpha, beta)
    if expected:
        report = evaluate_diversity(nested, run, MEASURES, alpha=alpha, beta=beta)
        _assert_equal(report, expected, flat, alpha, beta)


def test_example_from_pyndevals_own_test_suite():
    qrels = {"0": {"a": {"A": 1}, "b": {"B": 1, "D": 1}, "c": {"C": 1}}}
    run = {"0": {"A": 9.3, "D": 8.4, "E": 8.1, "B": 7.6}}
    report = evaluate_diversity(qrels, run)
    assert report["alpha-nDCG@5"] == pytest.approx(0.7868, abs=1e-4)
    assert report["MAP-IA"] == 0.5 and report["P-IA@5"] == 0.2
    assert report.measures == NDEVAL_MEASURES


def test_orders_differ_only_in_how_ties_are_broken(tmp_path):
    qrels = {"1": {"x": {"A": 1}}}
    run = {"1": {"A": 1.0, "B": 1.0}}
    # Score order: ties by doc id ascending (A first); traditional: descending (B first).
    assert evaluate_diversity(qrels, run, ["strec@1"])["strec@1"] == 1.0
    assert evaluate_diversity(qrels, run, ["strec@1"], order="traditional")["strec@1"] == 0.0
    (tmp_path / "run").write_text("1 Q0 A 2 1.0 r\n1 Q0 B 1 1.0 r\n")
    assert evaluate_diversity(qrels, tmp_path / "run", ["strec@1"], order="rank")["strec@1"] == 0.0
    report = evaluate_diversity(qrels, tmp_path / "run", ["strec@2"], order="rank", depth=1)
    assert report["strec@2"] == 0.0  # only B, ranked first, is kept


def test_malformed_subtopic_qrels_line_names_file_and_line(tmp_path):
    path = tmp_path / "bad.qrels"
    path.write_text("1 1 A 1\n1 2 B\n")
    with pytest.raises(errors.ParseError, match=r"bad\.qrels:2: expected 4 fields") as e:
        evaluate_diversity(path, {"1": {"A": 1.0}})
    assert (e.value.path, e.value.line) == (str(path), 2)
    path.write_text("1 1 A 1\n\n1 2 B yes\n")
    with pytest.raises(errors.ParseError, match=r"bad\.qrels:3: the judgement"):
        evaluate_diversity(path, {"1": {"A": 1.0}})


def test_malformed_run_lines_and_repeats_are_errors_naming_the_file(tmp_path):
    qrels = {"1": {"x": {"A": 1}}}
    run = tmp_path / "r.run"
    run.write_text("1 Q0 A 1 2.0 r\n1 Q0 B x 1.0 r\n")
    with pytest.raises(errors.ParseError, match=r"r\.run:2: the rank"):
        evaluate_diversity(qrels, run)
    run.write_text("1 Q0 A 1 2.0 r\n1 Q0 A 2 1.0 r\n")
    with pytest.raises(errors.DuplicateDocumentError, match=r"r\.run:2"):
        evaluate_diversity(qrels, run)
    run.write_text("1 Q0 A 1 2.0 r\n1 Q0 B 1 1.0 r\n")
    with pytest.raises(errors.InvalidValueError, match="rank 1 twice"):
        evaluate_diversity(qrels, run, order="rank")
    with pytest.raises(errors.InvalidValueError, match="'score' or 'traditional'"):
        evaluate_diversity(qrels, {"1": {"A": 1.0}}, order="rank")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"measures": ["alpha-nDCG"]}, errors.InvalidValueError, "with a cutoff"),
        ({"measures": ["NRBP@5"]}, errors.InvalidValueError, "without a cutoff"),
        ({"measures": ["nDCG@5"]}, errors.InvalidValueError, "diversity measure names"),
        ({"measures": "NRBP"}, errors.RankwiseTypeError, "not one str"),
        ({"alpha": 1.5}, errors.InvalidValueError, r"`alpha` must be a number in \[0, 1\]"),
        ({"beta": "x"}, errors.RankwiseTypeError, "`beta`"),
        ({"order": "random"}, errors.InvalidValueError, "`order` must be one of"),
        ({"depth": 0}, errors.InvalidValueError, "`depth`"),
        # found by benches/fuzz_api.py: these leaked TypeError, UnicodeEncodeError, OverflowError
        ({"measures": np.int64(-1)}, errors.RankwiseTypeError, "`measures` must be a list"),
        ({"order": "\udcff"}, errors.InvalidValueError, "`order` must be one of"),
        ({"relevance_level": -(2**2000)}, errors.InvalidValueError, "`relevance_level` must be"),
        ({"relevance_level": 1.0}, errors.RankwiseTypeError, "`relevance_level` must be"),
        ({"alpha": -(2**2000)}, errors.InvalidValueError, "`alpha` must be"),
        ({"measures": np.array(1.0)}, errors.RankwiseTypeError, "`measures` must be a list"),
        ({"beta": 2**2000}, errors.InvalidValueError, "`beta` must be"),
    ],
)
def test_bad_options_are_rankwise_errors_naming_the_argument(kwargs, error, match):
    qrels = {"1": {"x": {"A": 1}}}
    with pytest.raises(error, match=match):
        evaluate_diversity(qrels, {"1": {"A": 1.0}}, **kwargs)


def test_bad_dict_inputs_name_the_argument():
    with pytest.raises(errors.RankwiseTypeError, match="`qrels` judgements must be integers"):
        evaluate_diversity({"1": {"x": {"A": "yes"}}}, {"1": {"A": 1.0}})
    with pytest.raises(errors.RankwiseTypeError, match="`run` scores must be numbers"):
        evaluate_diversity({"1": {"x": {"A": 1}}}, {"1": {"A": None}})
    with pytest.raises(errors.RankwiseTypeError, match="`qrels` must be a path or a dict"):
        evaluate_diversity([("1", "x", "A", 1)], {"1": {"A": 1.0}})  # type: ignore[arg-type]
    with pytest.raises(errors.InvalidValueError, match="`run` must be finite scores"):
        evaluate_diversity({"1": {"x": {"A": 1}}}, {"1": {"A": float("nan")}})
    # A lone surrogate in an id (fuzz_api found it): a value error naming the argument, not
    # Python's UnicodeEncodeError.
    surrogate = "`run` doc ids must be valid Unicode text"
    with pytest.raises(errors.InvalidValueError, match=surrogate):
        evaluate_diversity({"1": {"x": {"A": 1}}}, {"1": {"d\udcff": 1.0}})
    with pytest.raises(errors.InvalidValueError, match="`qrels` query ids must be valid Unicode"):
        evaluate_diversity({"\udcff": {"x": {"A": 1}}}, {"1": {"A": 1.0}})
    with pytest.raises(errors.RankwiseTypeError, match="`run` doc ids must be str; got 5"):
        evaluate_diversity({"1": {"x": {"A": 1}}}, {"1": {5: 1.0}})


def test_cli_ndeval_prints_csv_and_reports_errors_in_one_line(tmp_path):
    (tmp_path / "q").write_text("1 1 A 1\n1 2 B 1\n")
    (tmp_path / "r").write_text("1 Q0 A 1 2.0 myrun\n1 Q0 B 2 1.0 myrun\n")
    cmd = [sys.executable, "-m", "rankwise", "ndeval", str(tmp_path / "q"), str(tmp_path / "r")]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    assert done.stdout == ndeval_output(tmp_path / "q", tmp_path / "r")
    alpha = subprocess.run([*cmd[:4], "-alpha", "0.2", *cmd[4:]], capture_output=True, text=True)
    assert alpha.stdout == ndeval_output(tmp_path / "q", tmp_path / "r", alpha=0.2)
    (tmp_path / "q").write_text("1 1 A\n")
    bad = subprocess.run(cmd, capture_output=True, text=True)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert bad.stderr.count("\n") == 1 and f"{tmp_path / 'q'}:1:" in bad.stderr


def test_eval_with_diversity_judgements_prints_what_ndeval_prints(tmp_path):
    # `rankwise eval -R diversity` is ndeval's output with its defaults; -c and -M are ndeval's.
    (tmp_path / "q").write_text("1 1 A 1\n1 2 B 1\n2 1 C 1\n3 1 D 1\n")
    (tmp_path / "r").write_text("1 Q0 B 1 2.0 myrun\n1 Q0 A 2 1.0 myrun\n2 Q0 A 1 1.0 myrun\n")
    q, r = tmp_path / "q", tmp_path / "r"
    evaluate = [sys.executable, "-m", "rankwise", "eval", "-R", "diversity"]
    for flags, options in (([], {}), (["-c"], {"complete": True}), (["-M", "1"], {"depth": 1})):
        done = subprocess.run([*evaluate, *flags, str(q), str(r)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert done.stdout == ndeval_output(q, r, **options)  # type: ignore[arg-type]
        assert done.stdout.splitlines()[-1].startswith("myrun,amean,")
    ndeval = [sys.executable, "-m", "rankwise", "ndeval", "-c", str(q), str(r)]
    assert subprocess.run(ndeval, capture_output=True, text=True).stdout == ndeval_output(
        q, r, complete=True
    )
    for flags, message in (
        (["-m", "map"], "-R diversity prints every ndeval measure in ndeval's format; drop -m"),
        (["--format", "json"], "drop --format"),
        (["-J", "-n"], "drop -J, -n"),
        (["-M", "0"], "-M must be a positive integer; got 0"),
    ):
        bad = subprocess.run([*evaluate, *flags, str(q), str(r)], capture_output=True, text=True)
        assert bad.returncode != 0 and "Traceback" not in bad.stderr
        assert message in bad.stderr, bad.stderr
    two = subprocess.run([*evaluate, str(q), str(r), str(r)], capture_output=True, text=True)
    assert "-R diversity evaluates one run, as ndeval does; got 2" in two.stderr, two.stderr


def _write_run(path, run, name):  # type: ignore[no-untyped-def]
    lines = []
    for q, docs in run.items():
        ranked = sorted(docs.items(), key=lambda x: (-x[1], x[0]))  # pyndeval's order
        lines += [f"{q} Q0 {doc} {r} {s} {name}" for r, (doc, s) in enumerate(ranked, 1)]
    path.write_text("\n".join(lines) + "\n")


def _topic_values(expected, q):  # type: ignore[no-untyped-def]
    if q not in expected:
        return [0.0] * len(NDEVAL_MEASURES)  # a topic the qrels do not judge prints zeros
    return [0.0 if math.isnan(v) else v for v in (expected[q][m] for m in NDEVAL_MEASURES)]


@settings(max_examples=200)
@given(
    rows,
    runs,
    runs,
    st.sampled_from([0.0, 1.0, 5.0, 0.25]),
    st.booleans(),
)
def test_risk_against_a_baseline_follows_ndevals_rule_on_pyndevals_values(
    tmp_path_factory, qrel_rows, run, base, risk_alpha, complete
):
    # ndeval.c 4.5 (outputMeasures): per topic RiskBased(run, base, a) = run - base when
    # run >= base, else (1 + a)(run - base); the run's topics (with -c also the baseline's),
    # merged in topic order, a missing side counting 0; amean divides by the larger of the
    # number of lines and the number of judged run topics (with -c, of qrels topics).
    run = {q: docs for q, docs in run.items() if docs}
    base = {q: docs for q, docs in base.items() if docs}
    if not run or not base:
        return
    d = tmp_path_factory.mktemp("risk")
    (d / "qrels").write_text("".join(f"{q} {s} {x} {j}\n" for q, s, x, j in qrel_rows))
    _write_run(d / "run", run, "sys")
    _write_run(d / "base", base, "bl")
    if not qrel_rows:
        with pytest.raises(errors.InvalidValueError, match="qrels"):
            ndeval_output(d / "qrels", d / "run", baseline=d / "base")
        return
    got_run = _reference(qrel_rows, run, 0.5, 0.5)
    got_base = _reference(qrel_rows, base, 0.5, 0.5)
    text = f"{risk_alpha:g}"
    out = ndeval_output(
        d / "qrels", d / "run", baseline=d / "base", risk_alpha=text, complete=complete
    ).splitlines()
    topics = sorted(set(run) | (set(base) if complete else set()), key=int)
    name = f"sys (rel to. bl; rs=1+a; a={text})"
    assert out[0] == "runid,topic," + ",".join(NDEVAL_MEASURES)
    assert [row.split(",")[:2] for row in out[1:]] == [[name, q] for q in [*topics, "amean"]]
    totals = [0.0] * len(NDEVAL_MEASURES)
    for row, q in zip(out[1:], topics, strict=False):
        r = _topic_values(got_run, q) if q in run else [0.0] * len(NDEVAL_MEASURES)
        b = _topic_values(got_base, q) if q in base else [0.0] * len(NDEVAL_MEASURES)
        want = [x - y if x >= y else (risk_alpha + 1) * (x - y) for x, y in zip(r, b, strict=True)]
        assert row.split(",")[2:] == [f"{v:.6f}" for v in want], q
        totals = [t + v for t, v in zip(totals, want, strict=True)]
    qrels_topics = {q for q, _, _, _ in qrel_rows}
    judged = len(qrels_topics) if complete else len(got_run)
    denominator = max(judged, len(topics))
    assert out[-1].split(",")[2:] == [f"{t / denominator:.6f}" for t in totals]


def test_risk_options_are_checked_and_the_cli_passes_them(tmp_path):
    (tmp_path / "q").write_text("1 1 A 1\n1 2 B 1\n")
    (tmp_path / "r").write_text("1 Q0 A 1 2.0 myrun\n1 Q0 C 2 1.0 myrun\n")
    (tmp_path / "b").write_text("1 Q0 A 1 2.0 base\n1 Q0 B 2 1.0 base\n")
    q, r, b = tmp_path / "q", tmp_path / "r", tmp_path / "b"
    with pytest.raises(errors.InvalidValueError, match=r"`risk_alpha` .* needs a `baseline`"):
        ndeval_output(q, r, risk_alpha=1.0)
    for bad in (-1.0, "x", math.inf):
        with pytest.raises(errors.InvalidValueError, match="`risk_alpha` must be a number >= 0"):
            ndeval_output(q, r, baseline=b, risk_alpha=bad)
    with pytest.raises(errors.RankwiseTypeError, match="`risk_alpha`"):
        ndeval_output(q, r, baseline=b, risk_alpha=None)  # type: ignore[arg-type]
    out = ndeval_output(q, r, baseline=b, risk_alpha=2)
    # the run finds one subtopic where the baseline finds two: strec@5 is 0.5 - 1 = -0.5,
    # weighted by 1 + 2
    assert out.splitlines()[1].split(",")[:2] == ["myrun (rel to. base; rs=1+a; a=2)", "1"]
    assert out.splitlines()[1].split(",")[-1] == "-1.500000"
    cmd = [sys.executable, "-m", "rankwise", "ndeval", "-baseline", str(b), "-riskAlpha", "2"]
    done = subprocess.run([*cmd, str(q), str(r)], capture_output=True, text=True, check=True)
    assert done.stdout == out
    missing = subprocess.run(
        [*cmd[:4], "-baseline", str(tmp_path / "nope"), str(q), str(r)],
        capture_output=True,
        text=True,
    )
    assert (
        missing.returncode == 1 and "Traceback" not in missing.stderr and "nope" in missing.stderr
    )


ir_measures = pytest.importorskip("ir_measures")
IR_NAMES = [
    *(f"{m}@{k}" for m in ("ERR_IA", "nERR_IA", "alpha_DCG", "alpha_nDCG") for k in (1, 5, 20)),
    *(f"{m}@{k}" for m in ("P_IA", "StRecall") for k in (1, 2, 10)),
    "NRBP",
    "nNRBP",
    "AP_IA",
]


@settings(max_examples=200)
@given(rows, runs)
def test_ir_measures_names_equal_its_pyndeval_provider(qrel_rows, run):
    # issue 17: ir_measures' names (StRecall, alpha_nDCG, ERR_IA, ...), spelled as it spells
    # them in the report, and equal to the values its pyndeval provider gives.
    run = {q: docs for q, docs in run.items() if docs}
    nested = _nested(qrel_rows)
    qrels = [ir_measures.Qrel(q, d, j, s) for q, s, d, j in _flat(nested)]
    scored = [ir_measures.ScoredDoc(q, d, x) for q, docs in run.items() for d, x in docs.items()]
    measures = [ir_measures.parse_measure(name) for name in IR_NAMES]
    expected: dict[str, dict[str, float]] = {}
    for metric in ir_measures.iter_calc(measures, qrels, scored):
        expected.setdefault(metric.query_id, {})[str(metric.measure)] = metric.value
    if not any(q in nested for q in run):
        return  # no judged query in the run: evaluate_diversity refuses it (tested above)
    report = evaluate_diversity(nested, run, IR_NAMES)
    assert list(report.measures) == IR_NAMES
    for q in report.query_ids:
        for name in IR_NAMES:
            want = expected.get(q, {}).get(name)
            if want is None or math.isnan(want):
                continue  # ir_measures leaves the query out, or pyndeval's 0/0 (see above)
            assert report.per_query[q][name] == want, (q, name)
