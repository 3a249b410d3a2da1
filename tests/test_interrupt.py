"""Ctrl-C stops every long native call, and plans answer at once for any ``n``.

Each check runs the call in a child process on an input that takes tens of seconds, sends it
a real SIGINT after it started, and asserts that the child raised ``KeyboardInterrupt`` within
a few seconds (a liveness bound, not a benchmark) and that rankwise still works afterwards.
The bound is on the interrupt alone (until the child prints INTERRUPTED); the call after it and
the child's exit, which frees the workload's inputs, have their own generous bound, so a loaded
machine slowing those cannot fail the interrupt's.
Inputs stay small in memory (tens of MB): the work comes from repetition, not size.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import pytest

import rankwise
from rankwise.errors import InvalidValueError
from rankwise.rerank.strategies import (
    Pairwise,
    Setwise,
    SlidingWindow,
    TopDown,
)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGINT needs POSIX signals")

ROOT = Path(rankwise.__file__).resolve().parent.parent

# Each workload: setup (run before READY), then the long call as `call()`, and a small call
# that must still give the right answer after the interrupt, as `after()`.
WORKLOADS = {
    "evaluate": """
        docs = [f"d{j}" for j in range(10000)]
        qrels = rankwise.Qrels({f"q{i}": {f"d{j}": 1 for j in range(0, 10000, 9)} for i in range(150)})
        run = rankwise.Run({f"q{i}": dict(zip(docs, rng.random(10000).tolist())) for i in range(150)})
        names = [f"{m}@{k}" for m in ("nDCG", "P", "R", "AP", "RR", "Success") for k in range(1, 10001)]
        def call():
            rankwise.evaluate(qrels, run, names)
    """,
    "evaluate_arrays": """
        from rankwise.metrics import evaluate_arrays
        scores = rng.random((400, 10000), dtype=np.float32)
        labels = rng.integers(0, 3, (400, 10000)).astype(np.int8)
        names = [f"nDCG@{k}" for k in range(10, 10001, 10)]
        def call():
            evaluate_arrays(scores, labels, names)
    """,
    "aggregate": """
        from rankwise import labels
        windows = np.stack([
            np.stack([rng.permutation(40)[:10] for _ in range(10)]) for _ in range(6000)
        ])
        def call():
            labels.aggregate(windows, 40, method="plackett_luce", max_iter=10000, tol=0.0,
                             alpha=0.01)
    """,
    # One query whose fit iterates for an hour: the MM loop itself polls, not only the
    # loop over queries.
    "aggregate_one_query": """
        from rankwise import labels
        windows = np.stack([rng.permutation(200)[:20] for _ in range(400)])
        def call():
            labels.aggregate(windows, 200, method="plackett_luce", max_iter=10**8, tol=0.0,
                             alpha=0.01)
    """,
    "compare": """
        qrels = {f"q{i}": {"a": 1, "b": 0} for i in range(30)}
        good = {f"q{i}": {"a": float(i % 3), "b": 1.0} for i in range(30)}
        bad = {f"q{i}": {"a": 1.0, "b": 2.0} for i in range(30)}
        def call():
            rankwise.compare(qrels, {"good": good, "bad": bad}, ["RR"], test="randomization",
                             n_resamples=2**62)  # the chunks left are skipped at once
    """,
    "opis": """
        from rankwise.consistency import opis
        x = rng.standard_normal((45000, 32))
        y = rng.integers(0, 10, 45000)
        def call():
            opis(x, y)
    """,
    # The same run fused with itself 3,000 times: 900 million document updates.
    "fuse": """
        docs = [f"d{j}" for j in range(1000)]
        run = rankwise.Run({f"q{i}": dict(zip(docs, rng.random(1000).tolist())) for i in range(300)})
        def call():
            rankwise.fuse([run] * 3000, method="rrf")
    """,
    # One rollout of 3 million candidates: pairwise accuracy is quadratic in its length.
    "score_rewards_pairwise_accuracy": """
        from rankwise.torch.rewards import score_rewards
        scores = rng.random(3_000_000)
        labels = rng.integers(0, 3, 3_000_000).astype(np.float64)
        def call():
            score_rewards(scores, labels, "pairwise_accuracy", offsets=np.array([0, 3_000_000]))
    """,
}

# A FIFO whose writer wrote a few lines and keeps it open: the read blocks in the kernel, where
# no loop of rankwise can look at a flag.
OPEN_PIPE = """
    import os, tempfile, threading
    fifo = os.path.join(tempfile.mkdtemp(), "open.fifo")
    os.mkfifo(fifo)
    def keep_open():
        with open(fifo, "w") as w:
            w.write("{line}\\n" * 10)
            w.flush()
            threading.Event().wait()
    threading.Thread(target=keep_open, daemon=True).start()
    def call():
        rankwise.{kind}.from_trec(fifo)
"""
WORKLOADS["run_from_trec_open_pipe"] = OPEN_PIPE.format(kind="Run", line="q1 Q0 d1 1 2.5 r")
WORKLOADS["qrels_from_trec_open_pipe"] = OPEN_PIPE.format(kind="Qrels", line="q1 0 d1 1")

CHILD = """
import sys, time
import numpy as np
import rankwise
rng = np.random.default_rng(0)
{setup}
print("READY", flush=True)
start = time.monotonic()
try:
    call()
except KeyboardInterrupt:
    print(f"INTERRUPTED {{time.monotonic() - start:.2f}}", flush=True)
else:
    print(f"FINISHED {{time.monotonic() - start:.2f}}", flush=True)
    sys.exit(1)
# The interrupt was for that call only: the next one runs and is right.
r = rankwise.evaluate({{"q": {{"a": 1}}}}, {{"q": {{"a": 1.0, "b": 2.0}}}}, ["RR"])
print("AFTER", r["RR"], flush=True)
"""


def _run_and_interrupt(
    setup: str, *, delay: float = 1.0, bound: float = 10.0, exit_bound: float = 120.0
) -> str:
    code = CHILD.format(setup=textwrap.dedent(setup))
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    with tempfile.TemporaryFile("w+") as err:
        # stderr to a file, not a pipe: only stdout is read while the child runs
        child = subprocess.Popen(
            [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=err, text=True, env=env
        )
        assert child.stdout is not None
        stdout = child.stdout
        lines: list[str] = []
        answered = threading.Event()

        def read() -> None:
            for line in stdout:
                lines.append(line)
                if line.startswith(("INTERRUPTED", "FINISHED")):
                    answered.set()
            answered.set()  # the child ended without either line: the asserts below say how

        try:
            line = stdout.readline()
            if line.strip() != "READY":
                child.wait(exit_bound)
                err.seek(0)
                pytest.fail(line + err.read())
            reader = threading.Thread(target=read, daemon=True)
            reader.start()
            time.sleep(delay)
            sent = time.monotonic()
            child.send_signal(signal.SIGINT)
            if not answered.wait(bound):
                pytest.fail(f"the call ignored SIGINT for {bound} s")
            took = time.monotonic() - sent
            child.wait(exit_bound)  # the call after the interrupt, and the exit
            reader.join(exit_bound)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the child did not end {exit_bound} s after it was interrupted")
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        err.seek(0)
        out = "".join(lines)
        assert child.returncode == 0, out + err.read()
        assert "INTERRUPTED" in out, out + err.read()
    assert took < bound
    return out


@pytest.mark.parametrize("workload", sorted(WORKLOADS))
def test_sigint_stops_a_long_native_call_and_rankwise_still_works(workload: str) -> None:
    out = _run_and_interrupt(WORKLOADS[workload])
    assert "AFTER 0.5" in out, out


def test_plans_of_huge_lists_return_at_once_in_constant_memory() -> None:
    # Before the closed forms, plan(10**18) needed exabytes and plan(10**7) with one child
    # ran for minutes; a subprocess with a generous timeout turns a hang into a failure.
    code = textwrap.dedent(
        """
        from rankwise.rerank.strategies import *
        n = 10**18
        print(SlidingWindow().plan(n).calls_max)
        print(SlidingWindow(compat="rankgpt", direction="front_to_back", passes=3).plan(n).calls_max)
        print(SlidingWindow(top_k=10**6).plan(10**12).calls_max)
        print(Setwise(children=1).plan(10**7).calls_max)
        print(Setwise(children=3, top_k=10**12).plan(n).calls_max)
        print(Setwise(method="bubblesort", top_k=10).plan(n).calls_max)
        print(Pairwise(method="sliding", passes=3).plan(n).calls_max)
        print(Tournament().plan(n).calls_max)
        print(TopDown().plan(n).calls_max)
        print(Groupwise().plan(n).calls_max)
        print(Pairwise().plan(10**12).calls_max)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.split()
    assert lines[0] == str((10**18 - 20 + 9) // 10 + 1)
    assert lines[1] == str(3 * ((10**18 - 20) // 10 + 1))
    # A chain heap: n (n - 1) / 2 to build, then 9 root sifts of the sizes n - 1 .. n - 9.
    n = 10**7
    assert lines[3] == str(n * (n - 1) // 2 + sum(n - r - 1 for r in range(1, 10)))
    assert lines[6] == str(2 * 3 * (10**18 - 1))


def test_plans_agree_with_the_calls_a_run_makes() -> None:
    assert SlidingWindow(top_k=100).plan(100).calls_max == 45
    assert SlidingWindow().calls(100) == 9


@pytest.mark.parametrize(
    "strategy",
    [
        SlidingWindow(top_k=2**63, step=19),
        SlidingWindow(passes=2**63),
        Setwise(children=1),
        Pairwise(method="allpair"),
        TopDown(window=2, top_k=1, buffer=2**63),
    ],
    ids=repr,
)
def test_a_plan_beyond_64_bits_is_a_clear_error(strategy: object) -> None:
    with pytest.raises(InvalidValueError, match=r"`n` must be .*fits 64 bits"):
        strategy.plan(2**64 - 1)  # type: ignore[attr-defined]


def test_plan_refuses_n_beyond_64_bits_without_overflow_error() -> None:
    with pytest.raises(
        InvalidValueError, match=r"`n` must be a non-negative integer at most 2\*\*64 - 1"
    ):
        SlidingWindow().plan(2**64)


@pytest.mark.parametrize("via", ["stdin", "fifo"])
def test_sigint_stops_rankwise_eval_reading_a_pipe_that_stays_open(
    tmp_path: Path, via: str
) -> None:
    # `producer | rankwise eval qrels -` (or a FIFO argument) whose writer never closes: the
    # read blocks in the kernel, where no loop of rankwise looks at a flag; Ctrl-C must still
    # end the command with one line and status 130 (before, a FIFO was read on the main
    # thread, which retried the interrupted read and never returned).
    qrels = tmp_path / "qrels"
    qrels.write_text("q1 0 d1 1\n")
    fifo = tmp_path / "run.fifo"
    os.mkfifo(fifo)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "rankwise", "eval", "-m", "map", str(qrels),
         "-" if via == "stdin" else str(fifo)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )  # fmt: skip
    writer = child.stdin if via == "stdin" else open(fifo, "w")  # noqa: SIM115 (kept open)
    assert writer is not None
    try:
        writer.write("q1 Q0 d1 1 2.5 r\n")
        writer.flush()
        time.sleep(3.0)  # started, reading, blocked on the open pipe
        assert child.poll() is None
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        pytest.fail("rankwise eval ignored SIGINT while reading an open pipe")
    finally:
        writer.close()
    assert child.returncode == 130, err
    assert "Traceback" not in err, err
    assert err.strip() == "rankwise eval: interrupted", err
