"""A short run of the public-API fuzz sweep (``benches/fuzz_api.py``; CI runs it for 60 s and
the benchmark for 5 minutes): every entry point gets generated calls, and none may end in a
panic, a crash, a raw builtin error, a message naming no argument or a wrong value."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rankwise.errors import InvalidValueError

from ._helpers import load_script

SCRIPT = Path(__file__).resolve().parents[1] / "benches" / "fuzz_api.py"


@pytest.mark.slow  # a timed sweep in a subprocess
def test_a_short_sweep_reaches_every_entry_point_and_finds_no_failure() -> None:
    p = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--seconds",
            "10",  # 138 entry points since answers/abstention/rel_info/grouped ratings joined
            "--batch",
            "4",
            "--cli-runs",
            "2",
            "--skip",
            "torch",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "fuzz_api:" in p.stdout, p.stdout + p.stderr
    assert p.returncode == 0, p.stdout[-6000:] + p.stderr[-3000:]
    summary = p.stdout.strip().splitlines()[-1]
    tried = int(summary.split()[1].replace(",", ""))
    # every entry point was reached: they take turns, one input each in the first round
    assert "not reached in the time given" not in p.stdout, p.stdout
    assert "0 entry points not reached" in summary, summary
    table = [line for line in p.stdout.splitlines() if line.startswith("rankwise.")]
    assert len(table) >= 80, p.stdout
    # at least one input per entry point; how many more fit in the seconds depends on the
    # machine's load (87 on a 2-core machine with a load average of 10), so no count beyond
    assert tried >= len(table), summary


def _fuzz_api() -> Any:
    return load_script(SCRIPT)


def _planted(values: Any, k: int = 1) -> Any:
    if k == 2:
        raise IndexError("tuple index out of range")
    if k == 3:
        raise InvalidValueError("something was wrong")
    if k == 4:
        raise InvalidValueError("`k` must be 1")
    return [0.5]


def test_the_verdict_flags_raw_errors_and_messages_naming_no_argument() -> None:
    fz = _fuzz_api()
    entry = fz.Entry("planted", lambda draw: {}, call=_planted)
    assert fz.verdict(entry, {"values": [1], "k": 1}, False, 5) is None
    assert "IndexError" in fz.verdict(entry, {"values": [1], "k": 2}, False, 5)
    assert "naming no argument" in fz.verdict(entry, {"values": [1], "k": 3}, False, 5)
    assert fz.verdict(entry, {"values": [1], "k": 4}, False, 5) is None
    # a wrong value for valid arguments is a failure too
    entry.check = lambda result, kw: fz.in_minus1_1([2.0], kw)
    assert "outside" in fz.verdict(entry, {"values": [1], "k": 1}, True, 5)


def test_reproducers_rebuild_the_arguments() -> None:
    fz = _fuzz_api()
    for value in [2**2000, -(2**70 + 3), float("nan"), [1.5, float("-inf")], np.zeros((2, 0))]:
        rebuilt = eval(fz.py(value), fz._namespace())
        assert repr(rebuilt) == repr(value)
    a = np.array([[1, 2]], dtype=np.int8)
    rebuilt = eval(fz.py(a), fz._namespace())
    assert rebuilt.dtype == a.dtype and np.array_equal(rebuilt, a)


def test_the_summary_tells_unreached_entry_points_from_missing_ones(
    capsys: Any,
) -> None:
    fz = _fuzz_api()
    counts = {"rankwise.metrics.ndcg": {"tried": 3, "valid": 1, "outcomes": {"result": 3}}}
    names = {"rankwise.metrics.ndcg", "rankwise.metrics.precision"}
    status = fz._summary(counts, [], names, 0, 1.0, "metrics", None)
    out = capsys.readouterr().out
    assert status == 0
    assert "not reached in the time given: rankwise.metrics.precision" in out
    assert "1 entry points not reached" in out
    # a failure always fails the run: there is no list of known failures
    assert not hasattr(fz, "KNOWN")
    failure = {"entry": "rankwise.metrics.ndcg", "problem": "IndexError: x", "repro": "..."}
    assert fz._summary(counts, [failure], names, 0, 1.0, "metrics", None) == 1
    assert "FAILURE: rankwise.metrics.ndcg: IndexError" in capsys.readouterr().out


def _slow(n_samples: int = 1, delay: float = 0.0) -> list[float]:
    import time

    time.sleep(delay)
    return [0.5]


def test_a_timeout_is_a_hang_unless_a_work_sized_argument_asked_for_it() -> None:
    import signal

    fz = _fuzz_api()
    previous = signal.signal(signal.SIGALRM, fz._alarm)
    try:
        entry = fz.Entry("slow", lambda draw: {}, call=_slow)
        # a small request that runs past the bound: a hang
        assert "hang" in fz.verdict(entry, {"n_samples": 4, "delay": 5.0}, False, 0.2)
        # a huge request stopped by the alarm (the harness's Ctrl-C): slow by request
        assert fz.verdict(entry, {"n_samples": 8_694_209, "delay": 5.0}, False, 0.2) is None
        assert entry.outcomes["stopped"] == 1
    finally:
        signal.signal(signal.SIGALRM, previous)


def test_the_sweep_reaches_the_parsers_the_server_ranker_and_the_async_driver() -> None:
    fz = _fuzz_api()
    names = {e.name for e in fz._entries("torch")}
    for name in (
        "rankwise.compat.pytrec_eval.parse_qrel",
        "rankwise.compat.pytrec_eval.parse_run",
        "rankwise.rerank.OpenAICompatibleRanker",
        "rankwise.rerank.rerank_async",
        "rankwise.rerank.rerank_run",
    ):
        assert name in names
    assert {e.name for e in fz._entries(None)} >= {"rankwise.torch.losses.pg_rank_loss"}


def test_the_sweep_reaches_answers_abstention_rel_info_grouped_ratings_and_rerankers() -> None:
    fz = _fuzz_api()
    names = {e.name for e in fz._entries("torch")}
    from rankwise import ratings

    grouped = {f"rankwise.ratings.{n}" for n in ratings.__all__ if n.endswith("_groups")}
    assert len(grouped) == 10  # eight fitted models, openskill and trueskill
    assert names >= grouped | {
        "rankwise.answers.evaluate_answers",
        "rankwise.answers.has_answer",
        "rankwise.metrics.abstention",
        "rankwise.metrics.confidence_scores",
        "rankwise.metrics.nauc",
        "rankwise.labels.active_labels",
        "rankwise.ratings.trueskill",
        "rankwise.rel_info.evaluate_rel_info",
        "rankwise.rerank.Passages",
        "rankwise.rerank.Reranker",
        "rankwise.rerank.VLLMRanker",
        "rankwise.rerank.candidates_from_run",
        "rankwise.compat.pytrec_eval.compute_aggregated_measure",
    }
    # and no public function outside rankwise.torch is left without an entry point
    missing = fz.not_fuzzed(sorted({e.name for e in fz._entries(None)}))
    assert [m for m in missing if not m.startswith("rankwise.torch.")] == []


def test_every_torch_loss_function_has_an_entry_point() -> None:
    pytest.importorskip("torch")
    fz = _fuzz_api()
    assert fz.not_fuzzed(sorted({e.name for e in fz._entries(None)})) == []


def test_the_vllm_stand_in_checks_arguments_without_vllm() -> None:
    """VLLMRanker's own argument checks run over a stand-in vllm module (no GPU, no model);
    the stand-in is gone again after the call."""
    fz = _fuzz_api()
    ranker = fz._vllm_call("m", api="completions", top_logprobs=5)
    assert ranker.model == "m" and ranker.api == "completions"
    with pytest.raises(InvalidValueError, match="top_logprobs"):
        fz._vllm_call("m", top_logprobs=0)
    assert "vllm" not in sys.modules or not hasattr(sys.modules["vllm"], "options")
