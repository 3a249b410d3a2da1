"""A ranker over any OpenAI-compatible HTTP server: vLLM, SGLang, llama.cpp, TGI, Ollama,
OpenAI and most hosted APIs.

Standard library only (``http.client`` in a thread pool); no SDK.

>>> ranker = OpenAICompatibleRanker("http://127.0.0.1:8000/v1", "my-model")  # doctest: +SKIP
>>> rerank(queries, candidates, ranker, Setwise())                             # doctest: +SKIP
>>> await rerank_async(queries, candidates, ranker.aio, Setwise(), concurrency=8)  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal
from urllib.parse import SplitResult, urlsplit

from ..errors import InvalidValueError, RankwiseTypeError
from ..torch._prompts import (
    ListwiseTemplate,
    Messages,
    PairwiseTemplate,
    PointwiseTemplate,
    SetwiseTemplate,
)
from ._llm import DEFAULTS, Call, Completion, OverflowRefusal, _is_int, _LLMRanker, _short

__all__ = ["OpenAICompatibleRanker", "ServerError"]

_OVERFLOW_WORDS = (
    "context length",
    "context window",
    "maximum context",
    "context_length_exceeded",
    "too long",
    "exceed",
)


class ServerError(ConnectionError):
    """The server refused a request (not for its length), or stayed unreachable through every
    retry."""


def _is_overflow(status: int, message: str) -> bool:
    text = message.lower()
    return status in (400, 413, 422) and any(w in text for w in _OVERFLOW_WORDS)


class OpenAICompatibleRanker(_LLMRanker):
    """Rank through an OpenAI-compatible server's ``/chat/completions`` or ``/completions``.

    Every strategy runs on it: ``rank`` (listwise: the answer's text, parsed by the driver, or
    with ``listwise_mode="first"`` the first-token log-probabilities of the identifiers, as
    FIRST reads them), ``compare`` (PRP: the log-probabilities of "Passage A"/"Passage B"),
    ``select`` (Setwise: of the passage labels) and ``score`` (yes/no pointwise, P(yes) as
    Qwen3-Reranker reads it). Prompts come from the same templates as the local causal rankers
    (``rankwise.torch.models.RANKZEPHYR``, ``PRP``, ``SETWISE``, ``QWEN3_RERANKER``).

    ``api="chat"`` sends the conversation; the choice is read at the first generated position
    whose token is a target (after any ``</think>``). ``api="completions"`` sends the
    conversation as text (``prompt_format(messages, answer_prefix)``, default: the turns
    separated by blank lines, as the local rankers do without a chat template) and reads the
    choice at the first position. Where the server gives no log-probabilities, the target the
    answer text names first is taken; an answer naming none counts in ``usage()["unparsed"]``
    and its text is returned: :func:`rankwise.rerank.rerank` gives the call a neutral answer
    (the first candidate, 0.5), counts it in ``RerankResult.unparsed`` and warns.

    Requests run ``concurrency`` at a time (a thread pool); each has ``timeout`` seconds, and
    connection errors, timeouts, 429 and 5xx are retried up to ``max_retries`` times with
    exponential backoff (``backoff * 2**attempt`` seconds, at most ``max_backoff``; a
    ``Retry-After`` header is obeyed). A prompt the server refuses for its length has its
    passages cut evenly (each to 3/4 of the longest, again until it fits) and is sent again,
    recorded in ``shortened`` and ``usage()["shortened"]``; ``on_overflow="error"`` raises
    :class:`rankwise.errors.PromptTooLongError` naming the query instead (the batch's other
    calls complete, and a rerun takes their answers without asking the server again).

    ``usage()`` reports the server's token counts, requests, retries; ``cost()`` the price in
    dollars from ``price`` (dollars per million input and output tokens). ``aio`` is the same
    ranker with coroutine methods, for :func:`rankwise.rerank.rerank_async`. ``ranker_id``
    names model, prompts and settings (not the URL) for answer caches: a rerun through another
    address of the same server reuses the cache.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api: Literal["chat", "completions"] = "chat",
        listwise_mode: Literal["generate", "first"] = "generate",
        listwise_template: ListwiseTemplate = DEFAULTS["listwise_template"],
        pairwise_template: PairwiseTemplate = DEFAULTS["pairwise_template"],
        setwise_template: SetwiseTemplate = DEFAULTS["setwise_template"],
        pointwise_template: PointwiseTemplate = DEFAULTS["pointwise_template"],
        max_passage_words: int | None = 300,
        max_tokens: int | None = None,
        top_logprobs: int = 20,
        logprobs: bool = True,
        on_overflow: Literal["shorten", "error"] = "shorten",
        prompt_format: Callable[[Messages, str], str] | None = None,
        concurrency: int = 8,
        timeout: float = 120.0,
        max_retries: int = 6,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        api_key: str | None = None,
        price: tuple[float, float] | None = None,
        extra_body: dict[str, Any] | None = None,
        ranker_id: str | None = None,
    ) -> None:
        if not isinstance(base_url, str):
            raise RankwiseTypeError(
                f"`base_url` must be a str (an http(s) URL); got {type(base_url).__name__}"
            )
        try:
            parts: SplitResult | None = urlsplit(base_url)
            _ = parts.port if parts is not None else None  # a port that is not a number raises
        except ValueError:
            parts = None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidValueError(
                f"`base_url` must be an http(s) URL such as http://127.0.0.1:8000/v1; "
                f"got {_short(base_url)}"
            )
        if not isinstance(model, str) or not model:
            raise InvalidValueError(f"`model` must name the served model; got {_short(model)}")
        for arg, value, least in (("concurrency", concurrency, 1), ("max_retries", max_retries, 0)):
            if not _is_int(value, least):
                raise InvalidValueError(
                    f"`{arg}` must be an integer >= {least}; got {_short(value)}"
                )
        for arg, number in (
            ("timeout", timeout),
            ("backoff", backoff),
            ("max_backoff", max_backoff),
        ):
            if (
                isinstance(number, bool)
                or not isinstance(number, (int, float))
                or not 0 <= number <= sys.float_info.max
            ):
                raise InvalidValueError(
                    f"`{arg}` must be a finite number >= 0; got {_short(number)}"
                )
        if price is not None and not (
            isinstance(price, tuple)
            and len(price) == 2
            and all(
                isinstance(p, (int, float))
                and not isinstance(p, bool)
                and 0 <= p <= sys.float_info.max
                for p in price
            )
        ):
            raise InvalidValueError(
                f"`price` must be None or (dollars per million input tokens, per million "
                f"output tokens), two finite numbers >= 0; got {_short(price)}"
            )
        if extra_body is not None and not isinstance(extra_body, dict):
            raise RankwiseTypeError(
                f"`extra_body` must be a dict or None; got {type(extra_body).__name__}"
            )
        for arg, text in (("api_key", api_key), ("ranker_id", ranker_id)):
            if text is not None and not isinstance(text, str):
                raise RankwiseTypeError(f"`{arg}` must be a str or None; got {type(text).__name__}")
        if not isinstance(logprobs, bool):
            raise RankwiseTypeError(f"`logprobs` must be a bool; got {type(logprobs).__name__}")
        super().__init__(
            api=api,
            listwise_mode=listwise_mode,
            listwise_template=listwise_template,
            pairwise_template=pairwise_template,
            setwise_template=setwise_template,
            pointwise_template=pointwise_template,
            max_passage_words=max_passage_words,
            max_tokens=max_tokens,
            top_logprobs=top_logprobs,
            on_overflow=on_overflow,
            prompt_format=prompt_format,
            name=model,
            ranker_id=ranker_id,
        )
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.logprobs = logprobs
        self.concurrency = concurrency
        self.timeout = float(timeout)
        self.max_retries = max_retries
        self.backoff = float(backoff)
        self.max_backoff = float(max_backoff)
        self.price = price
        self.extra_body = dict(extra_body or {})
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._path = parts.path.rstrip("/")
        key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY")
        self._headers = {"Content-Type": "application/json"}
        if key:
            self._headers["Authorization"] = f"Bearer {key}"
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self._aio: _AsyncView | None = None

    def __repr__(self) -> str:
        return (
            f"OpenAICompatibleRanker({self.base_url!r}, {self.model!r}, api={self.api!r}, "
            f"listwise_mode={self.listwise_mode!r}, concurrency={self.concurrency})"
        )

    def __getstate__(self) -> dict[str, Any]:  # pragma: no cover - pickling for workers
        state = dict(self.__dict__)
        state.update(_pool=None, _pool_lock=None, _lock=None, _aio=None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:  # pragma: no cover
        self.__dict__.update(state)
        self._pool_lock = threading.Lock()
        self._lock = threading.Lock()

    @property
    def aio(self) -> _AsyncView:
        """This ranker with coroutine methods, for :func:`rankwise.rerank.rerank_async`."""
        if self._aio is None:
            self._aio = _AsyncView(self)
        return self._aio

    def cost(self) -> float:
        """Dollars spent so far at ``price`` (0.0 without one)."""
        if self.price is None:
            return 0.0
        u = self.usage()
        return (u["input_tokens"] * self.price[0] + u["output_tokens"] * self.price[1]) / 1e6

    def close(self) -> None:
        """Stop the request threads (they are started again when needed)."""
        with self._pool_lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None

    # -- HTTP --------------------------------------------------------------------------------

    def _body(self, call: Call) -> tuple[str, dict[str, Any]]:
        body: dict[str, Any] = {
            "model": self.model,
            "max_tokens": call.max_tokens,
            "temperature": 0,
        }
        want = self.logprobs and call.targets is not None
        if self.api == "chat":
            body["messages"] = call.messages
            if want:
                body["logprobs"] = True
                body["top_logprobs"] = self.top_logprobs
            path = "/chat/completions"
        else:
            body["prompt"] = self._prompt(call)
            if want:
                body["logprobs"] = self.top_logprobs
            path = "/completions"
        body.update(self.extra_body)
        return path, body

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        payload = json.dumps(body).encode()
        attempt = 0
        while True:
            retry_after: float | None = None
            try:
                cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
                conn = cls(self._host, self._port, timeout=self.timeout)
                try:
                    conn.request("POST", self._path + path, payload, self._headers)
                    resp = conn.getresponse()
                    data = resp.read()
                    status = resp.status
                    header = resp.getheader("Retry-After")
                finally:
                    conn.close()
            except (OSError, http.client.HTTPException) as e:
                problem = f"{type(e).__name__}: {e}"
            else:
                if status == 200:
                    try:
                        answer = json.loads(data)
                    except ValueError:
                        problem = f"a 200 answer that is not JSON: {data[:80]!r}"
                    else:
                        if isinstance(answer, dict):
                            return answer
                        problem = f"a 200 answer that is not a JSON object: {data[:80]!r}"
                else:
                    message = data.decode("utf-8", "replace")[:500]
                    if _is_overflow(status, message):
                        raise OverflowRefusal(f"HTTP {status}: {message[:200]}")
                    if status != 429 and status < 500:
                        raise ServerError(
                            f"{self.base_url}{path} answered HTTP {status}: {message[:300]}"
                        )
                    problem = f"HTTP {status}: {message[:200]}"
                    if header:
                        try:
                            retry_after = float(header)
                        except ValueError:
                            retry_after = None
            if attempt >= self.max_retries:
                raise ServerError(
                    f"{self.base_url}{path}: no answer after {attempt + 1} tries; last: {problem}"
                )
            wait = min(self.max_backoff, self.backoff * 2**attempt)
            if retry_after is not None:
                wait = min(self.max_backoff, max(wait, retry_after))
            self._count(retries=1)
            time.sleep(wait)
            attempt += 1

    def _complete(self, call: Call) -> Completion:
        path, body = self._body(call)
        answer = self._post(path, body)
        try:
            choice = answer["choices"][0]
            if self.api == "chat":
                text = choice["message"].get("content") or ""
                positions = [
                    (
                        str(p.get("token", "")),
                        {str(t["token"]): float(t["logprob"]) for t in p.get("top_logprobs") or []},
                    )
                    for p in ((choice.get("logprobs") or {}).get("content") or [])
                ]
            else:
                text = choice.get("text") or ""
                lp = choice.get("logprobs") or {}
                tops = lp.get("top_logprobs") or []
                positions = [
                    (str(tok), {str(k): float(v) for k, v in (top or {}).items()})
                    for tok, top in zip(lp.get("tokens") or [], tops, strict=False)
                ]
        except (KeyError, IndexError, TypeError, AttributeError) as e:
            raise ServerError(
                f"{self.base_url}{path} answered JSON without the OpenAI fields "
                f"({type(e).__name__}: {e}): {json.dumps(answer)[:200]}"
            ) from None
        usage = answer.get("usage") or {}
        prompt_tokens = int(usage.get("prompt_tokens") or 0)
        completion_tokens = int(usage.get("completion_tokens") or 0)
        self._count(input_tokens=prompt_tokens, output_tokens=completion_tokens, requests=1)
        return Completion(str(text), positions, prompt_tokens, completion_tokens)

    def _complete_many(self, calls: Sequence[Call]) -> list[Completion | BaseException]:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    self.concurrency, thread_name_prefix="rankwise-http"
                )
            pool = self._pool
        futures = [pool.submit(self._complete, c) for c in calls]
        out: list[Completion | BaseException] = []
        for f in futures:
            try:
                out.append(f.result())
            except Exception as e:  # returned: the batch's other calls still complete
                out.append(e)
        return out


class _AsyncView:
    """A ranker's methods as coroutines (run in a worker thread), for ``rerank_async``."""

    def __init__(self, ranker: OpenAICompatibleRanker) -> None:
        self.ranker = ranker
        self.ranker_id = ranker.ranker_id

    def usage(self) -> dict[str, int]:
        return self.ranker.usage()

    def __repr__(self) -> str:
        return f"{self.ranker!r}.aio"

    async def rank(self, batch: Sequence[tuple[Any, Sequence[Any]]]) -> list[Any]:
        return await asyncio.to_thread(self.ranker.rank, batch)

    async def compare(self, batch: Sequence[tuple[Any, Any, Any]]) -> list[float]:
        return await asyncio.to_thread(self.ranker.compare, batch)

    async def select(self, batch: Sequence[tuple[Any, Sequence[Any], int]]) -> list[list[float]]:
        return await asyncio.to_thread(self.ranker.select, batch)

    async def score(self, batch: Sequence[tuple[Any, Any]]) -> list[float]:
        return await asyncio.to_thread(self.ranker.score, batch)

    async def score_group(self, batch: Sequence[tuple[Any, Sequence[Any]]]) -> list[list[float]]:
        return await asyncio.to_thread(self.ranker.score_group, batch)
