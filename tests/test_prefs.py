"""`rankwise eval -R prefs|qrels_prefs|qrels_jg` prints what trec_eval 9.0.4 prints.

Random preference files (several judgement groups and sub-groups, ties in levels, all-zero
groups, repeated lines, queries on one side only) and judgement-group qrels (negative labels,
documents outside the pool), runs with tied scores and unjudged documents: trec_eval's
``-q`` output, per query and summary, byte for byte, under ``-c``, ``-J``, ``-l``, ``-M``.

trec_eval is not on PyPI: the comparisons run where ``$TREC_EVAL`` (or ``trec_eval`` on the
``PATH``) is trec_eval 9.0.4 built from source (usnistgov/trec_eval at tag v9.0.4, ``make``).
The error paths and the CLI flags are tested without it.

``python -m tests.test_prefs N`` prints per-measure equality counts over N random examples.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rankwise import _native

TREC_EVAL = os.environ.get("TREC_EVAL") or shutil.which("trec_eval")


def _trec_eval_version() -> str:
    if not TREC_EVAL:
        return ""
    done = subprocess.run([TREC_EVAL, "-v"], capture_output=True, text=True)
    return (done.stdout + done.stderr).strip()


needs_trec_eval = pytest.mark.skipif(
    "9.0.4" not in _trec_eval_version(),
    reason="trec_eval 9.0.4 is not installed here (set TREC_EVAL to a build of tag v9.0.4)",
)

DOCS = [f"d{i}" for i in range(8)]
SCORES = [0.0, 0.5, 1.0, 1.5, 2.0]  # few values: ties


@st.composite
def prefs_lines(draw: st.DrawFn, *, sub_groups: bool = True) -> list[str]:
    """Lines of a prefs file (``qid jg jsg docno rel``), or of a qrels_prefs file without
    the jsg column. Each judgement group gives its documents fixed levels (so its sub-groups
    agree, as trec_eval requires); each sub-group rescales them (order and zeros kept)."""
    lines: list[str] = []
    for q in draw(st.lists(st.sampled_from(["q1", "q2", "q3", "q4"]), min_size=1, unique=True)):
        for g in range(draw(st.integers(1, 3))):
            level = {d: draw(st.sampled_from([0, 0, 1, 2, 3])) for d in DOCS}
            for s in range(draw(st.integers(1, 3)) if sub_groups else 1):
                scale = draw(st.sampled_from([1.0, 0.5, 2.0]))
                docs = draw(st.lists(st.sampled_from(DOCS), min_size=1, max_size=6))
                for d in docs:  # repeats allowed: a repeated line
                    rel = level[d] * scale
                    if sub_groups:
                        lines.append(f"{q} u{g} s{s} {d} {rel:g}")
                    else:
                        lines.append(f"{q} u{g} {d} {rel:g}")
    draw(st.randoms()).shuffle(lines)
    return lines


@st.composite
def jg_lines(draw: st.DrawFn) -> list[str]:
    """Lines of a qrels_jg file (``qid jg docno rel``): one label per document and group."""
    lines = []
    for q in draw(st.lists(st.sampled_from(["q1", "q2", "q3", "q4"]), min_size=1, unique=True)):
        for g in range(draw(st.integers(1, 3))):
            docs = draw(st.lists(st.sampled_from(DOCS), min_size=1, max_size=6, unique=True))
            lines += [f"{q} g{g} {d} {draw(st.sampled_from([-1, 0, 0, 1, 2]))}" for d in docs]
    return lines


@st.composite
def run_lines(draw: st.DrawFn) -> list[str]:
    """A run: tied scores, unjudged documents (``x*``), queries the judgements lack."""
    lines = []
    for q in draw(st.lists(st.sampled_from(["q1", "q2", "q3", "q5"]), min_size=1, unique=True)):
        docs = draw(st.lists(st.sampled_from([*DOCS, "x1", "x2"]), min_size=1, unique=True))
        lines += [f"{q} Q0 {d} 0 {draw(st.sampled_from(SCORES))} run1" for d in docs]
    return lines


FLAGS = [[], ["-c"], ["-M", "3"], ["-J"], ["-l", "2"], ["-l", "0"]]


def _write(directory: str, name: str, lines: list[str]) -> str:
    path = os.path.join(directory, name)
    Path(path).write_text("\n".join(lines) + "\n")
    return path


def _ours(rel: str, fmt: str, run: str, measures: list[str], flags: list[str]) -> str:
    opts: dict[str, object] = {"per_query": True, "complete": "-c" in flags}
    if "-J" in flags:
        opts["judged_only"] = True
    if "-M" in flags:
        opts["max_docs"] = int(flags[flags.index("-M") + 1])
    if "-l" in flags:
        opts["rel_level"] = float(flags[flags.index("-l") + 1])
    return _native.trec_eval_rel_info_output(rel, fmt, [run], measures, **opts)  # type: ignore[arg-type]


def _theirs(rel: str, fmt: str, run: str, measures: list[str], flags: list[str]) -> str:
    assert TREC_EVAL
    args = [TREC_EVAL, "-q", "-R", fmt, *flags]
    for m in measures:
        args += ["-m", m]
    done = subprocess.run([*args, rel, run], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _compare(
    fmt: str, rel_lines: list[str], run: list[str], measures: list[str], flags: list[str]
) -> tuple[str, str]:
    with tempfile.TemporaryDirectory() as d:
        rel = _write(d, "rel", rel_lines)
        run_path = _write(d, "run", run)
        return _theirs(rel, fmt, run_path, measures, flags), _ours(
            rel, fmt, run_path, measures, flags
        )


def _judged_queries(rel_lines: list[str], run: list[str]) -> bool:
    """Whether some run query has judgements (else both refuse: no queries to evaluate)."""
    return bool({r.split()[0] for r in rel_lines} & {r.split()[0] for r in run})


@needs_trec_eval
@settings(max_examples=300, deadline=None)
@given(prefs_lines(), run_lines(), st.sampled_from(FLAGS[:3]))
def test_prefs_equal_trec_eval(rel_lines: list[str], run: list[str], flags: list[str]) -> None:
    if not _judged_queries(rel_lines, run):
        return
    theirs, ours = _compare("prefs", rel_lines, run, ["all_prefs"], flags)
    assert ours == theirs


@needs_trec_eval
@settings(max_examples=150, deadline=None)
@given(prefs_lines(sub_groups=False), run_lines(), st.sampled_from(FLAGS[:3]))
def test_qrels_prefs_equal_trec_eval(
    rel_lines: list[str], run: list[str], flags: list[str]
) -> None:
    if not _judged_queries(rel_lines, run):
        return
    theirs, ours = _compare("qrels_prefs", rel_lines, run, ["all_prefs"], flags)
    assert ours == theirs


JG_MEASURES = ["qrels_jg", "P_avgjg.1,2,3,5", "Rprec_mult_avgjg.0.2,0.5,1,1.5,2"]


@needs_trec_eval
@settings(max_examples=300, deadline=None)
@given(jg_lines(), run_lines(), st.sampled_from(FLAGS), st.booleans())
def test_qrels_jg_equal_trec_eval(
    rel_lines: list[str], run: list[str], flags: list[str], cuts: bool
) -> None:
    if not _judged_queries(rel_lines, run):
        return
    measures = JG_MEASURES[1:] if cuts else JG_MEASURES[:1]
    theirs, ours = _compare("qrels_jg", rel_lines, run, measures, flags)
    assert ours == theirs


ZSCORE_COLUMNS = ["map_avgjg", *(f"P_avgjg_{k}" for k in (1, 2, 3, 5))]


@needs_trec_eval
@settings(max_examples=150, deadline=None)
@given(jg_lines(), run_lines(), st.data())
def test_zscores_equal_trec_eval(rel_lines: list[str], run: list[str], data: st.DataObject) -> None:
    """``-Z``: per-query values become Z-scores (stddev 0: 0 where the value is the mean, else
    trec_eval's -1000000), then are averaged. Queries list some of the measures: trec_eval's
    binary search reads one entry past a query's lines, so a measure after the query's last
    is looked up in the next query's first line (``ZScores::get``); a last query id sorts
    after the run's, so that no lookup reads past the file's lines (undefined there)."""
    if not _judged_queries(rel_lines, run):
        return
    lines = []
    for q in ["q1", "q2", "q3", "zz"]:
        if q != "zz" and not data.draw(st.booleans()):
            continue  # a query the file lacks: every value -1000000
        for m in data.draw(st.lists(st.sampled_from(ZSCORE_COLUMNS), min_size=1, unique=True)):
            mean = data.draw(st.sampled_from([0, 0.25, 0.5]))
            std = data.draw(st.sampled_from([0, 0.5, 1, 2]))
            lines.append(f"{q} {m} {mean} {std}")
    measures = ["map_avgjg", "P_avgjg.1,2,3,5"]
    with tempfile.TemporaryDirectory() as d:
        rel = _write(d, "rel", rel_lines)
        run_path = _write(d, "run", run)
        z = _write(d, "z", lines)
        theirs = _theirs(rel, "qrels_jg", run_path, measures, ["-Z", z])
        ours = _native.trec_eval_rel_info_output(
            rel, "qrels_jg", [run_path], measures, per_query=True, zscore_path=z
        )
    assert ours == theirs


@needs_trec_eval
def test_get_prefs_examples_equal_trec_eval() -> None:
    """The examples of get_prefs.c's comment, one query each, with a run over them."""
    rel = [
        *(f"q1 u1 s1 d{i} {r}" for i, r in enumerate([3, 2, 0, 6, 0, 2], 1)),
        "q2 u1 s1 d1 3",
        "q2 u1 s1 d2 2",
        "q2 u1 s1 d3 1",
        "q2 u1 s2 d1 2",
        "q2 u1 s2 d2 1",
        "q2 u1 s2 d4 3",
        "q3 u1 s1 d1 3",
        "q3 u1 s1 d2 2",
        "q3 u2 s1 d1 0",
        "q3 u2 s1 d3 6",
        "q3 u2 s1 d4 2",
        "q3 u2 s2 d1 0",
        "q3 u2 s2 d2 8",
    ]
    run = [f"q{q} Q0 d{d} 0 {s} r" for q in (1, 2, 3) for d, s in ((4, 3), (2, 2), (1, 2), (9, 1))]
    for flags in FLAGS[:3]:
        theirs, ours = _compare("prefs", rel, run, ["all_prefs"], flags)
        assert ours == theirs


def test_cli_reads_other_formats(tmp_path: Path) -> None:
    rel = _write(str(tmp_path), "prefs", ["q1 u1 s1 d1 2", "q1 u1 s1 d2 0", "q1 u1 s1 d3 1"])
    run = _write(str(tmp_path), "run", ["q1 Q0 d2 1 3 r", "q1 Q0 d1 2 2 r"])
    cli = [sys.executable, "-m", "rankwise", "eval"]
    done = subprocess.run(
        [*cli, "-R", "prefs", "-T", "trec_results", rel, run], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    # d1 > d2 (both retrieved, not fulfilled), d1 > d3 (implied, fulfilled), d3 > d2 (not).
    assert "prefs_num_prefs_poss  \tall\t3\n" in done.stdout
    assert "prefs_num_prefs_ful   \tall\t1\n" in done.stdout
    assert done.stdout.startswith("runid                 \tall\tr\nnum_q   ")
    # the same through argparse (the fast reader leaves abbreviations such as --form to it)
    slow = subprocess.run(
        [*cli, "--form", "trec", "-R", "prefs", "-T", "trec_results", rel, run],
        capture_output=True,
        text=True,
    )
    assert slow.stdout == done.stdout


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (
            ["-R", "trec"],
            "-R must be one of qrels, prefs, qrels_prefs, qrels_jg, diversity; got 'trec'",
        ),
        (["-T", "trec"], "-T must be trec_results"),
        (["-R", "prefs", "-m", "map"], "it needs relevance format qrels;"),
        (["-R", "prefs", "-m", "map_avgjg"], "needs relevance format qrels_jg"),
        (["-R", "qrels_jg", "-m", "prefs_simp"], "needs relevance format prefs or qrels_prefs"),
        (["-R", "prefs", "--format", "json"], "prints trec_eval's format only"),
        (["-N", "-3"], "-N must be a non-negative integer"),
    ],
)
def test_cli_refuses_clearly(tmp_path: Path, flags: list[str], message: str) -> None:
    rel = _write(str(tmp_path), "prefs", ["q1 u1 s1 d1 2", "q1 u1 s1 d2 0"])
    run = _write(str(tmp_path), "run", ["q1 Q0 d2 1 3 r"])
    done = subprocess.run(
        [sys.executable, "-m", "rankwise", "eval", *flags, rel, run], capture_output=True, text=True
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert message in done.stderr, done.stderr


@pytest.mark.parametrize(
    ("z_lines", "flags", "message"),
    [
        (["q1 map 0"], [], "z:1: expected 4 fields (query_id measure mean stddev), found 3"),
        (["q1 map 0 1", "q1 P_5 x 1"], [], 'z:2: mean "x" is not a finite number'),
        (["q1 map 0 inf"], [], 'z:1: stddev "inf" is not a finite number'),
        (["q1 map 0 1"], ["--format", "json"], "-Z works with trec_eval's format only"),
        ([], ["-N", "3", "--format", "csv"], "-N works with trec_eval's format only"),
        ([], ["-N", str(2**62)], "-N must be a non-negative integer below 2**62"),
    ],
)
def test_zscores_and_collection_size_refuse_clearly_with_qrels(
    tmp_path: Path, z_lines: list[str], flags: list[str], message: str
) -> None:
    """``-Z`` and ``-N`` with plain qrels: a bad Z-score file is an error naming file and
    line; the flags that only trec_eval's format prints are refused with another format."""
    qrels = _write(str(tmp_path), "qrels", ["q1 0 d1 1", "q1 0 d2 0"])
    run = _write(str(tmp_path), "run", ["q1 Q0 d2 1 3 r", "q1 Q0 d1 2 2 r"])
    z = ["-Z", _write(str(tmp_path), "z", z_lines)] if z_lines else []
    done = subprocess.run(
        [sys.executable, "-m", "rankwise", "eval", *z, *flags, qrels, run],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert message in done.stderr, done.stderr


@pytest.mark.parametrize(
    ("fmt", "lines", "message"),
    [
        ("prefs", ["q1 u1 s1 d1 2", "q1 u1 d2 0"], ":2: expected 5 fields"),
        ("prefs", ["q1 u1 s1 d1 high"], ':1: relevance level "high" is not a number'),
        ("qrels_jg", ["q1 a d1 1", "q1 a d1 0"], 'duplicate document "d1"'),
        ("prefs", ["q1 u1 s1 d1 2", "q1 u1 s1 d1 1"], "has two relevance levels"),
        (
            "prefs",
            ["q1 u1 s1 d1 2", "q1 u1 s1 d2 1", "q1 u1 s2 d2 2", "q1 u1 s2 d1 1"],
            "each preferred to the other",
        ),
        (
            "prefs",
            ["q1 u1 s1 d1 2", "q1 u1 s1 d2 1", "q1 u1 s2 d1 0", "q1 u1 s2 d3 -1"],
            "both 0 and a non-0 relevance level",
        ),
        ("qrels_prefs", [], "no judgements"),
    ],
)
def test_bad_judgements_raise_clear_errors(
    tmp_path: Path, fmt: str, lines: list[str], message: str
) -> None:
    import rankwise

    rel = _write(str(tmp_path), "rel", lines) if lines else str(tmp_path / "empty")
    if not lines:
        Path(rel).write_text("")
    run = _write(str(tmp_path), "run", ["q1 Q0 d1 1 3 r"])
    with pytest.raises((rankwise.errors.RankwiseError, OSError)) as info:
        _native.trec_eval_rel_info_output(rel, fmt, [run], [])
    assert message in str(info.value)


def _equality_counts(n: int) -> None:  # pragma: no cover - a report, run by hand
    """Per-measure counts of (query or summary) lines equal to trec_eval's on n examples."""
    import collections
    import random

    counts: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    rng = random.Random(17)
    for fmt, strategy, measures in [
        ("prefs", prefs_lines(), ["all_prefs"]),
        ("qrels_prefs", prefs_lines(sub_groups=False), ["all_prefs"]),
        ("qrels_jg", jg_lines(), ["qrels_jg"]),
    ]:
        for _ in range(n):
            rel = strategy.example()
            run = run_lines().example()
            if not _judged_queries(rel, run):
                continue
            flags = rng.choice(FLAGS if fmt == "qrels_jg" else FLAGS[:3])
            theirs, ours = _compare(fmt, rel, run, measures, flags)
            for a, b in zip(theirs.splitlines(), ours.splitlines(), strict=False):
                name = a.split("\t")[0].strip()
                name = (
                    name.split("_avgjg_")[0] + "_avgjg"
                    if "avgjg_" in name and not name.startswith("prefs")
                    else name
                )
                counts[f"{fmt}:{name}"][0] += a == b
                counts[f"{fmt}:{name}"][1] += 1
            if len(theirs.splitlines()) != len(ours.splitlines()):
                counts[f"{fmt}:line count"][1] += 1
    for key, (same, total) in sorted(counts.items()):
        print(f"{key:40} {same}/{total}")


if __name__ == "__main__":  # pragma: no cover
    _equality_counts(int(sys.argv[1]) if len(sys.argv) > 1 else 200)


def test_malformed_arguments_found_by_fuzz_api_are_named(tmp_path: Path) -> None:
    """benches/fuzz_api.py: each of these escaped as a raw TypeError, OverflowError or
    UnicodeEncodeError from the native call."""
    from rankwise.errors import InvalidValueError, RankwiseTypeError, UnknownMeasureError
    from rankwise.rel_info import evaluate_rel_info

    rel, run = tmp_path / "prefs", tmp_path / "run"
    rel.write_text("q1 u1 s1 d1 2\nq1 u1 s1 d2 1\n")
    run.write_text("q1 Q0 d2 1 3.0 r\nq1 Q0 d1 2 2.0 r\n")
    for bad, kind, name in (
        ({"rel_info": None}, RankwiseTypeError, "rel_info"),
        ({"run": 0}, RankwiseTypeError, "run"),
        ({"measures": 2**80}, RankwiseTypeError, "measures"),
        ({"measures": "\udcff"}, UnknownMeasureError, "measures"),
        ({"complete": "x"}, RankwiseTypeError, "complete"),
        ({"judged_only": 1.5}, RankwiseTypeError, "judged_only"),
        ({"rel_level": "x"}, RankwiseTypeError, "rel_level"),
        ({"max_docs": -4334}, InvalidValueError, "max_docs"),
        ({"max_docs": 2.5}, RankwiseTypeError, "max_docs"),
        ({"rel_format": 3}, InvalidValueError, "rel_format"),
        ({"zscores": 3}, RankwiseTypeError, "zscores"),
    ):
        args = {"rel_info": rel, "run": run, **bad}
        with pytest.raises(kind, match=f"`{name}`"):
            evaluate_rel_info(**args)  # type: ignore[arg-type]
    # one measure name as a str is that measure, not its letters
    assert list(evaluate_rel_info(rel, run, "prefs_simp").summary) == ["prefs_simp"]
