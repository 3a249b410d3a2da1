"""``#`` lines in a run or qrels that comes through a pipe (``-``, ``/dev/stdin``).

trec_eval 9.0 has no comment lines: it reads a ``#`` line as data (a query ``#`` when the line
has the format's fields). rankwise's readers skip such lines, and for a file ``rankwise eval``
refuses them under ``--trec-eval 9.0`` by reading the file again
(``tests/test_trec_eval10_comments.py``). A pipe cannot be read again, so the readers remember
the first comment line they skipped in it, and the same refusal names it: no pipe gives a
number that trec_eval would not (it used to, silently).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

QRELS = "q1 0 d1 1\nq1 0 d2 1\nq1 0 d3 2\nq2 0 d1 1\n"
RUN = "q1 Q0 d1 1 3.0 r\nq1 Q0 d4 3 1.0 r\nq2 Q0 d5 1 1.0 r\n"
# trec_eval 9.0 reads the second line as a run line of query `#`
HASHED_RUN = "q1 Q0 d1 1 3.0 r\n# Q0 d2 2 2.0 r\nq1 Q0 d4 3 1.0 r\nq2 Q0 d5 1 1.0 r\n"


def eval_piped(stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rankwise", "eval", *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def qrels(tmp_path):
    path = tmp_path / "qrels"
    path.write_text(QRELS)
    return str(path)


@pytest.mark.parametrize("name", ["-", "/dev/stdin"])
@pytest.mark.parametrize("fmt", [[], ["--format", "json"]])
def test_a_piped_hash_line_is_refused_under_9(qrels, name, fmt):
    done = eval_piped(HASHED_RUN, *fmt, "-m", "P.5", qrels, name)
    assert done.returncode == 1, done.stdout
    shown = "<stdin>" if name == "-" else name
    assert f"{shown}:2: trec_eval 9.0 has no comment lines" in done.stderr
    assert '"# Q0 d2 2 2.0 r"' in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_under_10_a_piped_run_skips_it_as_trec_eval_does(qrels, tmp_path):
    done = eval_piped(HASHED_RUN, "--trec-eval", "10.0", "-q", "-m", "P.5", qrels, "-")
    assert done.returncode == 0, done.stderr
    plain = tmp_path / "run"
    plain.write_text(HASHED_RUN.replace("# Q0 d2 2 2.0 r\n", ""))
    want = eval_piped("", "--trec-eval", "10.0", "-q", "-m", "P.5", qrels, str(plain))
    assert done.stdout == want.stdout


def test_piped_judgements_with_a_hash_line_are_refused_under_10(tmp_path):
    """10.0's qrels reader skips one comment at a time and only in column 0; whether a line is
    data depends on its neighbours, which a pipe cannot be read again to see."""
    run = tmp_path / "run"
    run.write_text(RUN)
    done = eval_piped("# judged by\n" + QRELS, "--trec-eval", "10.0", "-m", "P.5", "-", str(run))
    assert done.returncode == 1
    assert "<stdin>:1: trec_eval 10.0 reads some `#` lines" in done.stderr


def test_a_piped_run_without_hash_lines_is_evaluated(qrels, tmp_path):
    plain = tmp_path / "run"
    plain.write_text(RUN)
    done = eval_piped(RUN, "-q", "-m", "P.5", qrels, "-")
    assert done.returncode == 0, done.stderr
    assert done.stdout == eval_piped("", "-q", "-m", "P.5", qrels, str(plain)).stdout
