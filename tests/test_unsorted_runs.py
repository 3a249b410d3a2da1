"""`rankwise eval` on run files whose queries are not on consecutive lines, large enough
(~10 MB) to be read a group of queries at a time: the output and the errors are those of the
same lines in sorted order (or, for errors, those a whole read reports), whatever the shape of
the groups."""

from __future__ import annotations

import random
import subprocess
import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rankwise import _native

from ._trec_cli import EVAL_FLAGS, rankwise_cli, same_eval_output


def edge_lines(rng: random.Random) -> list[str]:
    """~10 MB of run lines: one query with a document on every 100th line (so it spans the
    whole shuffled file), 20,000 queries of one line each, 3,600 queries of 100 lines, and a
    query whose documents have ids over 255 bytes (longer than the index's 1-byte lengths)."""
    lines = [f"wide Q0 w{i} 1 {rng.randrange(100) / 10} sys\n" for i in range(1000)]
    lines += [f"one{q} Q0 d{q} 1 {rng.randrange(100) / 10} sys\n" for q in range(20_000)]
    lines += [
        f"q{q} Q0 d{q}_{d} 1 {rng.randrange(1000) / 100} sys\r\n"
        for q in range(3600)
        for d in range(100)
    ]
    lines += [f"long Q0 {'x' * 300}{d} 1 {d % 5} sys\n" for d in range(40)]
    return lines


def edge_qrels() -> str:
    judged = [f"wide 0 w{i} {i % 3}\n" for i in range(0, 1000, 3)]
    judged += [f"one{q} 0 d{q} 1\n" for q in range(0, 20_000, 2)]
    judged += [f"q{q} 0 d{q}_{d} {d % 3}\n" for q in range(3600) for d in range(0, 100, 9)]
    judged += [f"long 0 {'x' * 300}{d} 1\n" for d in range(0, 40, 4)]
    return "".join(judged)


def test_shuffled_runs_print_the_sorted_output_for_every_group_shape(tmp_path):
    rng = random.Random(5)
    lines = edge_lines(rng)
    qp, sorted_run, shuffled_run = tmp_path / "q", tmp_path / "sorted", tmp_path / "shuffled"
    qp.write_text(edge_qrels())
    sorted_run.write_text("".join(lines))
    rng.shuffle(lines)
    # A comment, a blank line and a byte-order mark on the way; no final newline. trec_eval
    # 10.0 skips a run's comment lines (9.0 reads them as data, so rankwise refuses them there).
    lines.insert(7, "# a comment\n\n")
    shuffled_run.write_text("\ufeff" + "".join(lines).rstrip("\n"))
    assert shuffled_run.stat().st_size > 9 << 20
    outputs = same_eval_output(
        qp, sorted_run, shuffled_run, "all_trec", "nDCG@10", trec_eval="10.0"
    )
    for flags, text in outputs.items():
        assert "\twide\t" in text or not flags


def test_a_shuffled_run_through_a_pipe_prints_the_sorted_output(tmp_path):
    """Standard input cannot be read twice: it is read in partitions by query from its first
    line, whatever its order, and prints what the sorted file prints."""
    rng = random.Random(7)
    lines = edge_lines(rng)
    qp, sorted_run = tmp_path / "q", tmp_path / "sorted"
    qp.write_text(edge_qrels())
    sorted_run.write_text("".join(lines))
    rng.shuffle(lines)
    for run_text in ("".join(lines), sorted_run.read_text()):
        for flags in EVAL_FLAGS:
            expected = rankwise_cli("eval", *flags, "-m", "all_trec", qp, sorted_run)
            piped = subprocess.run(
                [sys.executable, "-m", "rankwise", "eval", *flags, "-m", "all_trec", str(qp), "-"],
                input=run_text,
                capture_output=True,
                text=True,
                check=False,
            )
            assert expected.returncode == 0 and piped.returncode == 0, piped.stderr
            assert piped.stdout == expected.stdout, flags


def test_errors_in_a_shuffled_run_name_the_file_and_line_as_a_whole_read_does(tmp_path):
    rng = random.Random(6)
    lines = edge_lines(rng)
    rng.shuffle(lines)
    qp = tmp_path / "q"
    qp.write_text(edge_qrels())
    # A duplicate document far from the first: its second line is reported.
    dup = lines[:]
    first = next(i for i, line in enumerate(dup) if line.startswith("q7 "))
    at = len(dup) - 3
    dup.insert(at, dup[first])
    dup_run = tmp_path / "dup"
    dup_run.write_text("".join(dup))
    done = rankwise_cli("eval", "-m", "map", qp, dup_run)
    doc = dup[first].split()[2]
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert f"{dup_run}:{at + 1})" in done.stderr, done.stderr
    assert f"duplicate document {doc!r}".replace("'", '"') in done.stderr, done.stderr
    # A malformed score on a line near the end.
    bad = lines[:]
    at = len(bad) - 10
    bad.insert(at, "q3 Q0 oops 1 notanumber sys\n")
    bad_run = tmp_path / "bad"
    bad_run.write_text("".join(bad))
    done = rankwise_cli("eval", "-m", "map", qp, bad_run)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert f"{bad_run}:{at + 1}: the score must be a number" in done.stderr, done.stderr


_SCORES = ["1", "0.5", "0.50", "2.25", "-0", "-1.5", "1e0", "3.", "123456789012345678901", "inf"]


@st.composite
def run_lines(draw: st.DrawFn) -> list[str]:
    """Run lines of a few queries (ties, scores in every written form, CRLF), in query
    order."""
    lines = []
    for q in range(draw(st.integers(1, 6))):
        docs = draw(st.lists(st.integers(0, 30), min_size=1, max_size=8, unique=True))
        for d in docs:
            score = draw(st.sampled_from(_SCORES))
            end = draw(st.sampled_from(["\n", "\r\n"]))
            lines.append(f"q{q} Q0 d{d} 1 {score} sys{end}")
    return lines


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=run_lines(), data=st.data())
def test_every_line_order_gives_the_sorted_output(tmp_path, lines, data):
    """Small runs in every order (read in partitions by query once a query's lines are found
    apart): the output of the same lines sorted, per query and in the summary."""
    order = data.draw(st.permutations(range(len(lines))))
    shuffled = [lines[i] for i in order]
    shuffled.insert(data.draw(st.integers(0, len(lines))), "\n")
    qp, sorted_run, shuffled_run = tmp_path / "q", tmp_path / "s", tmp_path / "u"
    qp.write_text("".join(f"q{q} 0 d{d} {d % 3}\n" for q in range(6) for d in range(0, 30, 2)))
    sorted_run.write_text("".join(lines))
    shuffled_run.write_text("".join(shuffled))
    expected = _native.trec_eval_output(qp, [sorted_run], ["all_trec"], per_query=True)
    got = _native.trec_eval_output(qp, [shuffled_run], ["all_trec"], per_query=True)
    assert got == expected
