"""``#`` comment lines under ``rankwise eval --trec-eval 9.0|10.0``.

trec_eval 9.0 has no comments; 10.0 skips run lines whose first non-blank character is
``#``, and one column-0 ``#`` line at a time in qrels, prefs and qrels_jg files (the next
line is data; a comment on the last line makes it read past its buffer). rankwise's readers
skip every ``#`` line, and ``rankwise eval`` refuses, naming file and line, those the chosen
version would not skip (``rankwise_core::trec::comments``). Compared with both binaries where
given (``RANKWISE_TREC_EVAL9``, ``RANKWISE_TREC_EVAL10``).
"""

from __future__ import annotations

import subprocess

import pytest
from hypothesis import strategies as st

from ._trec_cli import on_trec_files
from .test_trec_eval10 import CLOSE_SCORES, binary_or_skip


def run_cli(*args: str) -> tuple[int, str, str]:
    import contextlib
    import io

    from rankwise.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["eval", *args])
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("qrels", "run", "version", "error"),
    [
        # 10.0: comments skipped in both files
        ("# a\nq 0 d 1\n# b\nq 0 e 0\n", "# r\n  # r\nq Q0 d 1 1 r\n", "10.0", None),
        # 9.0 reads every # line as data
        ("# a\nq 0 d 1\n", "q Q0 d 1 1 r\n", "9.0", "qrels:1: trec_eval 9.0 has no comment"),
        ("q 0 d 1\n", "q Q0 d 1 1 r\n  # r\n", "9.0", "run:2: trec_eval 9.0 has no comment"),
        # 10.0's qrels reader: two in a row, or after blanks, are data
        ("# a\n# b\nq 0 d 1\n", "q Q0 d 1 1 r\n", "10.0", "qrels:2: trec_eval 10.0 reads this"),
        ("q 0 d 1\n # a\nq 0 e 1\n", "q Q0 d 1 1 r\n", "10.0", "qrels:2: trec_eval 10.0 reads"),
        # a comment on the last line: 10.0 reads past its buffer
        ("q 0 d 1\n# a\n", "q Q0 d 1 1 r\n", "10.0", "qrels:2: trec_eval 10.0 reads past"),
        ("q 0 d 1\n# a", "q Q0 d 1 1 r\n", "10.0", "qrels:2: trec_eval 10.0 reads past"),
    ],
)
def test_comment_lines_follow_each_version(tmp_path, qrels, run, version, error):
    (tmp_path / "qrels").write_text(qrels)
    (tmp_path / "run").write_text(run)
    args = ["--trec-eval", version, "-m", "map", str(tmp_path / "qrels"), str(tmp_path / "run")]
    code, out, err = run_cli(*args)
    if error is None:
        assert (code, out) == (0, "map                   \tall\t1.0000\n"), err
    else:
        assert code != 0 and error in err and "Traceback" not in err, err
    # every output format, and -R qrels_jg (the same reader in 10.0), check the same
    code_json, _, err_json = run_cli("--format", "json", *args)
    assert (code_json == 0) == (error is None), err_json
    if error is not None and "qrels:" in error:
        code_jg, _, err_jg = run_cli("-R", "qrels_jg", *args)
        assert code_jg != 0 and error in err_jg, err_jg


def with_comments(text: str, draw) -> str:
    """``text`` with comment lines put before random lines (and maybe at the end): ``#``
    in column 0 or after blanks, one or two in a row, of 1, 2, 3 or 5 words (a field count
    that neither a qrels line, 4, nor a run line, 6, has, so trec_eval 9.0 refuses them)."""
    lines = text.splitlines(True)
    out = []
    for i in range(len(lines) + 1):
        for _ in range(draw(st.sampled_from([0, 0, 0, 1, 1, 2]))):
            lead = draw(st.sampled_from(["", "", " ", "\t"]))
            out.append(lead + "#" + " w" * (draw(st.sampled_from([1, 2, 3, 5])) - 1) + "\n")
        if i < len(lines):
            out.append(lines[i])
    return "".join(out)


@pytest.mark.parametrize("version", ["9.0", "10.0"])
def test_cli_equals_each_binary_on_files_with_comments(tmp_path_factory, version):
    """Where rankwise evaluates, the binary prints the same; where it refuses, the binary
    refuses too (but for 10.0's last-line comment, undefined behaviour)."""
    binary = binary_or_skip(version)

    def check(qrels, run, qp, rp, draw):
        if draw.draw(st.booleans()):
            qp.write_text(with_comments(qp.read_text(), draw.draw))
        if draw.draw(st.booleans()):
            rp.write_text(with_comments(rp.read_text(), draw.draw))
        args = ["-q", "-m", "official", "-m", "ndcg", str(qp), str(rp)]
        done = subprocess.run([binary, *args], capture_output=True, text=True)
        code, out, err = run_cli("--trec-eval", version, *args)
        if code == 0:
            assert done.returncode == 0, (done.stderr, qp.read_text(), rp.read_text())
            assert out == done.stdout
            outcomes.append("equal")
        elif "reads past the end" in err:
            outcomes.append("undefined")
        else:
            assert "Traceback" not in err
            assert done.returncode != 0, (err, done.stdout)
            outcomes.append("both refuse")

    outcomes: list[str] = []
    on_trec_files(tmp_path_factory, CLOSE_SCORES, check)
    print(version, {o: outcomes.count(o) for o in sorted(set(outcomes))})  # pytest -s shows it
    assert outcomes.count("equal") >= 20 and outcomes.count("both refuse") >= 20, outcomes
