"""The ``rankwise`` command and TREC files for the CLI tests (test_cli, test_trec_eval10*,
test_unsorted_runs)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .strategies import qrels_and_run

# The flag sets under which two runs that hold the same lines must print the same: summary,
# per query, and per query over every judged query (-c).
EVAL_FLAGS: tuple[tuple[str, ...], ...] = ((), ("-q",), ("-c", "-q"))


def rankwise_cli(*args: str | os.PathLike[str]) -> subprocess.CompletedProcess[str]:
    """Run ``python -m rankwise ARGS`` with this interpreter; output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "rankwise", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
    )


def write_trec(
    directory: Path,
    qrels: dict,
    run: dict,
    *,
    runid: str = "sys",
) -> tuple[Path, Path]:
    """Write ``{query: {doc: label}}`` and ``{query: {doc: score}}`` as a qrels and a run file
    in ``directory`` (ranks in dict order, scores by ``repr``); their paths."""
    qp, rp = directory / "qrels.txt", directory / "run.txt"
    qp.write_text("".join(f"{q} 0 {d} {g}\n" for q, docs in qrels.items() for d, g in docs.items()))
    rp.write_text(
        "".join(
            f"{q} Q0 {d} {i + 1} {s!r} {runid}\n"
            for q, docs in run.items()
            for i, (d, s) in enumerate(docs.items())
        )
    )
    return qp, rp


def same_eval_output(
    qrels: Path, run: Path, other: Path, *measures: str, trec_eval: str = "9.0"
) -> dict[tuple, str]:
    """``rankwise eval --trec-eval VERSION -m MEASURE...`` of ``run`` and of ``other`` under
    each of :data:`EVAL_FLAGS`: asserts both succeed with the same output; the outputs by
    flags."""
    picked = ["--trec-eval", trec_eval, *(arg for m in measures for arg in ("-m", m))]
    outputs = {}
    for flags in EVAL_FLAGS:
        a = rankwise_cli("eval", *flags, *picked, qrels, run)
        b = rankwise_cli("eval", *flags, *picked, qrels, other)
        assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr
        assert a.stdout == b.stdout
        outputs[flags] = a.stdout
    return outputs


def on_trec_files(
    tmp_path_factory: pytest.TempPathFactory,
    scores: st.SearchStrategy[float],
    check: Callable[[dict, dict, Path, Path, Any], None],
) -> None:
    """Call ``check(qrels, run, qrels_path, run_path, draw)`` on 150 hypothesis examples of
    ``qrels_and_run(scores=scores)``, the qrels cut to the queries the run has (each with a
    judgement: trec_eval 10.0 refuses the others without ``-c``), both written by
    :func:`write_trec` (run id ``r``) in a new directory; ``draw`` is ``st.data()``, for the
    example's further draws."""

    @settings(max_examples=150, deadline=None)
    @given(qrels_and_run(scores=scores), st.data())
    def example(data: tuple[dict, dict], draw: Any) -> None:
        qrels, run = data
        qrels = {q: docs for q, docs in qrels.items() if q in run and docs}
        qp, rp = write_trec(tmp_path_factory.mktemp("te"), qrels, run, runid="r")
        check(qrels, run, qp, rp, draw)

    example()
