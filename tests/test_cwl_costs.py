"""``rankwise.cwl`` equals cwl_eval 1.0.12 (``cwl-eval`` on PyPI) with element types and costs.

The reference is cwl_eval's own classes driven as ``cwl/cwl_eval.py``'s ``main`` drives them
(``TrecQrelHandler``, ``read_in_cost_file``, ``RankingMaker`` per run of consecutive lines of a
topic, ``max_n=1000``, ``min_cost=max_cost=1``), read at full precision; one test runs the
``cwl-eval`` command itself and compares its printed text. cwl_eval sums with numpy, rankwise
in rank order (with the tail past the ranking's end in closed form), so values agree to
rounding: ``rel=1e-9, abs=1e-12``.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cwl.cwl_eval import read_in_cost_file
from cwl.ruler.cwl_ruler import CWLRuler
from cwl.ruler.ranking import RankingMaker
from cwl.seeker.trec_qrel_handler import TrecQrelHandler
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rankwise.cwl import cwl_eval, cwl_eval_output
from rankwise.errors import ParseError

from .test_ir_measures_extras import compared_counts

logging.getLogger("cwl").disabled = True  # cwl_eval logs every vector at DEBUG

COMPARED, _report_counts = compared_counts("cwl_eval")

# every measure class rankwise.cwl knows, as metrics-file lines
METRICS = [
    "PrecisionCWLMetric(3)",
    "RBPCWLMetric(0.8)",
    "NDCGCWLMetric(5)",
    "RRCWLMetric()",
    "APCWLMetric()",
    "INSTCWLMetric(1.0)",
    "INSTCWLMetric(2)",
    "INSQCWLMetric(1.5)",
    "BPMCWLMetric(1.0,3.5)",
    "BPMDCWLMetric(1.0,4,0.5,1.0,0.25)",
    "NERReq8CWLMetric(4)",
    "NERReq9CWLMetric(5)",
    "NERReq10CWLMetric(0.7)",
    "NERReq11CWLMetric(2.0)",
]


def reference_metrics(lines: list[str]) -> list[Any]:
    """cwl_eval's metric objects for metrics-file lines (``CWLRuler.populate_list``)."""
    cwl_dir = str(Path(sys.modules["cwl"].__file__ or "").parent)
    if cwl_dir not in sys.path:  # cwl_eval imports its measures as `ruler.measures.*`
        sys.path.append(cwl_dir)
    ruler = CWLRuler()
    ruler.metrics = [ruler.instantiate_class(*split(line)) for line in lines]
    return ruler.metrics


def split(line: str) -> list[str]:
    name, rest = line.split("(")
    return [name, *(a for a in rest[:-1].split(",") if a)]


def reference(d: Path, costs: bool, lines: list[str] | None, residuals: bool) -> list[Any]:
    """cwl_eval's rows ``(topic, name, [EU, ETU, EC, ETC, ED], residuals)`` at full precision."""
    qrh = TrecQrelHandler(str(d / "gains"))
    qrh.validate_gains(min_gain=0.0, max_gain=1.0)
    cost = read_in_cost_file(str(d / "costs")) if costs else None
    metrics = reference_metrics(lines) if lines is not None else CWLRuler().metrics
    for m in metrics:
        m.residuals = residuals
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    for line in (d / "run").read_text().splitlines():
        topic, etype, doc, *_ = line.split()
        if groups and groups[-1][0] == topic:
            groups[-1][1].append((doc, etype))
        else:
            groups.append((topic, [(doc, etype)]))
    rows = []
    for topic, items in groups:
        maker = RankingMaker(topic, qrh, cost, max_gain=1.0, max_cost=1.0, min_cost=1.0)
        for doc, etype in items:
            maker.add(doc, etype)
        ranking = maker.get_ranking()
        for m in metrics:
            m.measure(ranking)
            res = None
            if residuals:
                res = [
                    m.residual_expected_utility,
                    m.residual_expected_total_utility,
                    m.residual_expected_cost,
                    m.residual_expected_total_cost,
                    m.residual_expected_items,
                ]
            rows.append((topic, m.name(), [float(x) for x in m.get_scores()], res))
    return rows


@st.composite
def collections_(draw: Any) -> dict[str, Any]:
    """Gain, result and cost files: graded gains, ties of score, repeated and unjudged
    documents, element types the cost file lacks, topics without judgements, a topic split
    in two runs of lines, rankings longer than cwl_eval's 1,000 ranks now and then."""
    topics = draw(st.lists(st.sampled_from("123456"), min_size=1, max_size=5))
    docs = [f"d{i}" for i in range(12)]
    gains = draw(
        st.dictionaries(
            st.sampled_from("12345"),
            st.dictionaries(st.sampled_from(docs), st.sampled_from([0, 0.25, 0.5, 1, 1.0])),
        )
    )
    types = ["snip", "page", "img", "odd"]
    costs = draw(
        st.dictionaries(st.sampled_from(types[:3]), st.sampled_from([0.5, 1, 2.0, 3.25, 10]))
    )
    run = []
    for t in topics:
        if draw(st.integers(0, 20)) == 0:
            n = draw(st.integers(995, 1010))
            items = [(f"d{i % 15}", types[i % 4]) for i in range(n)]
        else:
            items = draw(
                st.lists(st.tuples(st.sampled_from([*docs, "x1", "x2"]), st.sampled_from(types)))
            )
            items = items or [("d0", "snip")]
        run += [f"{t} {e} {doc} {r + 1} 1.0 run" for r, (doc, e) in enumerate(items)]
    return {"gains": gains, "costs": costs, "run": run}


def write(d: Path, c: dict[str, Any]) -> None:
    (d / "gains").write_text(
        "".join(f"{q} 0 {doc} {g}\n" for q, docs in c["gains"].items() for doc, g in docs.items())
    )
    (d / "costs").write_text("".join(f"{t}\t{v}\n" for t, v in c["costs"].items()))
    (d / "run").write_text("".join(line + "\n" for line in c["run"]))


def assert_rows(got: Any, want: Any) -> None:
    assert [(r.topic, r.measure) for r in got] == [(t, n) for t, n, _, _ in want]
    for r, (_, name, values, res) in zip(got, want, strict=True):
        assert pytest.approx(values, rel=1e-9, abs=1e-12) == [r.EU, r.ETU, r.EC, r.ETC, r.ED]
        if res is None:
            assert r.residuals is None
        else:
            assert list(r.residuals) == pytest.approx(res, rel=1e-9, abs=1e-12), name
        COMPARED[name.split("@")[0].split("-")[0]] += 5 + (0 if res is None else 5)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(collections_(), st.booleans(), st.booleans())
def test_every_measure_matches_cwl_eval_with_costs(tmp_path, c, with_costs, residuals):
    write(tmp_path, c)
    want = reference(tmp_path, with_costs, METRICS, residuals)
    costs = tmp_path / "costs" if with_costs else None
    got = cwl_eval(tmp_path / "gains", tmp_path / "run", costs, METRICS, residuals=residuals)
    assert_rows(got, want)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(collections_())
def test_default_measures_match_cwl_eval(tmp_path, c):
    write(tmp_path, c)
    want = reference(tmp_path, True, None, True)
    got = cwl_eval(tmp_path / "gains", tmp_path / "run", tmp_path / "costs", residuals=True)
    assert_rows(got, want)


def test_metrics_file_and_its_lines_agree(tmp_path):
    write(tmp_path, {"gains": {"1": {"a": 1}}, "costs": {"snip": 2}, "run": ["1 snip a 1 1 r"]})
    (tmp_path / "metrics").write_text("\n".join(METRICS) + "\n")
    by_file = cwl_eval(tmp_path / "gains", tmp_path / "run", metrics=tmp_path / "metrics")
    assert by_file == cwl_eval(tmp_path / "gains", tmp_path / "run", metrics=METRICS)
    assert len(by_file) == len(METRICS)


CWL_EVAL = shutil.which("cwl-eval", path=str(Path(sys.executable).parent))


@pytest.mark.skipif(CWL_EVAL is None, reason="cwl-eval is not installed next to this Python")
@pytest.mark.parametrize("flags", [[], ["-n"], ["-r"], ["-n", "-r"]])
def test_output_is_cwl_evals_text(tmp_path, flags):
    c = {
        "gains": {"1": {"a": 1, "b": 0.5, "c": 0}, "2": {"a": 0.25}},
        "costs": {"snip": 0.5, "page": 3},
        "run": [
            "1 snip a 1 3 r",
            "1 page x 2 2 r",
            "1 img b 3 2 r",
            "1 page c 4 1 r",
            "2 snip a 1 1 r",
            "2 snip z 2 1 r",
            "9 page a 1 1 r",
        ],
    }
    write(tmp_path, c)
    cmd = [CWL_EVAL, "gains", "run", "-c", "costs", *flags]
    want = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    got = cwl_eval_output(
        tmp_path / "gains",
        tmp_path / "run",
        tmp_path / "costs",
        residuals="-r" in flags,
        headings="-n" in flags,
    )
    assert got == want
    COMPARED["cwl-eval text lines"] += len(want.splitlines())


@pytest.mark.parametrize(
    ("file", "text", "message"),
    [
        ("run", "1 snip a 1 1\n", r"run:1: expected 6 columns"),
        ("gains", "1 0 a\n", r"gains:1: expected 4 columns"),
        ("gains", "1 0 a 2\n", r"gains:1: the gain must be within \[0, 1\]"),
        ("gains", "1 0 a x\n", r"gains:1: the gain must be a number"),
        ("gains", "1 0 a nan\n", r"gains:1: the gain must be within \[0, 1\]"),
        ("costs", "snip\n", r"costs:1: expected 2 columns"),
        ("costs", "snip x\n", r"costs:1: the cost must be a number"),
    ],
)
def test_bad_lines_name_file_and_line(tmp_path, file, text, message):
    write(tmp_path, {"gains": {"1": {"a": 1}}, "costs": {"snip": 2}, "run": ["1 snip a 1 1 r"]})
    (tmp_path / file).write_text(text)
    with pytest.raises(ParseError, match=message):
        cwl_eval(tmp_path / "gains", tmp_path / "run", tmp_path / "costs")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("FooCWLMetric()", "unknown measure class"),
        ("NDCGCWLMetric()", "needs its argument k"),
        ("PrecisionCWLMetric(0)", "k must be an integer >= 1"),
        ("RBPCWLMetric(0.5", "closing parenthesis"),
        ("RBPCWLMetric(x)", "is not a number"),
    ],
)
def test_bad_measures_are_parse_errors(tmp_path, line, message):
    write(tmp_path, {"gains": {"1": {"a": 1}}, "costs": {}, "run": ["1 snip a 1 1 r"]})
    with pytest.raises(ParseError, match=message):
        cwl_eval(tmp_path / "gains", tmp_path / "run", metrics=[line])


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        cwl_eval(tmp_path / "nope", tmp_path / "run")


@pytest.mark.skipif(CWL_EVAL is None, reason="cwl-eval is not installed next to this Python")
def test_cli_prints_what_cwl_eval_prints(tmp_path, capsys):
    from rankwise.cli import main

    c = {
        "gains": {"1": {"a": 1, "b": 0.25}, "3": {"q": 0.5}},
        "costs": {"snip": 0.25, "page": 4},
        "run": ["1 snip a 1 3 r", "1 page b 2 2 r", "3 page q 1 1 r", "3 odd a 2 1 r"],
    }
    write(tmp_path, c)
    (tmp_path / "metrics").write_text("\n".join(METRICS) + "\n")
    args = ["gains", "run", "-c", "costs", "-m", "metrics", "-n", "-r"]
    # cwl_eval imports the classes of a metrics file as `ruler.measures.*`
    env = {"PYTHONPATH": str(Path(sys.modules["cwl"].__file__ or "").parent), "PATH": ""}
    want = subprocess.run(
        [CWL_EVAL, *args], cwd=tmp_path, capture_output=True, text=True, check=True, env=env
    ).stdout
    assert main(["cwl", *[str(tmp_path / a) if a in c or a == "metrics" else a for a in args]]) == 0
    assert capsys.readouterr().out == want
    COMPARED["cwl-eval text lines"] += len(want.splitlines())


def test_cli_error_is_one_line_not_a_traceback(tmp_path, capsys):
    from rankwise.cli import main

    (tmp_path / "gains").write_text("1 0 a 1\n")
    (tmp_path / "run").write_text("1 a\n")
    assert main(["cwl", str(tmp_path / "gains"), str(tmp_path / "run")]) != 0
    err = capsys.readouterr().err
    assert "run:1: expected 6 columns" in err
    assert "Traceback" not in err
