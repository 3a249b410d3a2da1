"""The driver: every query's state machine advanced together, model calls batched across
queries, answers cached, runs resumable."""

from __future__ import annotations

import asyncio
import gc
import inspect
import os
import sys
import time
import warnings
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from .._validation import U64_MAX, flag, integer
from ..errors import (
    InvalidValueError,
    PromptTooLongError,
    RankwiseError,
    RankwiseTypeError,
    RerankInterruptedError,
    UnparsedAnswersError,
    UnparsedAnswersWarning,
)
from .cache import AnswerCache
from .parsing import strip_think
from .strategies import SlidingWindow, Strategy

__all__ = [
    "GroupwiseRanker",
    "ListwiseRanker",
    "PairwiseRanker",
    "PointwiseRanker",
    "Repair",
    "RerankResult",
    "SetwiseRanker",
    "rerank",
    "rerank_async",
]


@runtime_checkable
class ListwiseRanker(Protocol):
    """Orders candidates: ``rank`` gets ``(query, candidates)`` pairs and returns, for each,
    the order as a permutation of ``range(len(candidates))`` (best first) or the model's raw
    text (``"[2] > [1] > [3]"``), which rankwise parses and repairs in Rust."""

    def rank(self, batch: Sequence[tuple[Any, Sequence[Any]]]) -> Sequence[Sequence[int] | str]: ...


@runtime_checkable
class PairwiseRanker(Protocol):
    """Compares two candidates: ``compare`` gets ``(query, a, b)`` triples and returns
    P(``a`` should be ranked before ``b``) for each. Strategies ask both orders themselves."""

    def compare(self, batch: Sequence[tuple[Any, Any, Any]]) -> Sequence[float]: ...


@runtime_checkable
class SetwiseRanker(Protocol):
    """Picks the best: ``select`` gets ``(query, candidates, count)`` and returns, for each, the
    index of the best (``count == 1``), the ``count`` best indices, or a weight per candidate
    (floats: logits or probabilities; the top ``count`` are taken, ties to the earlier)."""

    def select(
        self, batch: Sequence[tuple[Any, Sequence[Any], int]]
    ) -> Sequence[int | Sequence[int] | Sequence[float]]: ...


@runtime_checkable
class GroupwiseRanker(Protocol):
    """Scores a group jointly: ``score_group`` gets ``(query, candidates)`` and returns one
    score per candidate."""

    def score_group(
        self, batch: Sequence[tuple[Any, Sequence[Any]]]
    ) -> Sequence[Sequence[float]]: ...


@runtime_checkable
class PointwiseRanker(Protocol):
    """Scores one candidate: ``score`` gets ``(query, candidate)`` pairs, returns a score each."""

    def score(self, batch: Sequence[tuple[Any, Any]]) -> Sequence[float]: ...


@dataclass(frozen=True)
class Repair:
    """A text answer that needed repairs: query ``query``'s task ``task_id``; the candidates
    named twice, the identifiers naming none, the candidates left out (positions in the
    task's window)."""

    query: int
    task_id: int
    duplicates: list[int]
    out_of_range: list[str]
    missing: list[int]


@dataclass(frozen=True)
class RerankResult:
    """The outcome of :func:`rerank`.

    ``orders[q]``: query ``q``'s candidate indices, best first. ``calls[q]``: model calls
    answered for it (cached ones included), ``depth[q]``: rounds of calls that waited for
    each other. ``repairs``: every text answer that needed a repair. ``batches``: ranker
    invocations; ``cache_hits``: calls answered by the cache; ``tokens``: what the ranker's
    ``usage()`` reported for this run (empty if it has none); ``seconds``: wall time.
    ``unparsed[q]``: query ``q``'s calls whose answer named no candidate (prose instead of
    ``[2] > [1]``, no choice among the targets): those calls kept their window's input order
    or got a neutral answer; :attr:`reranked` says which queries the model actually reordered.
    """

    orders: list[list[int]]
    calls: list[int]
    depth: list[int]
    repairs: list[Repair]
    batches: int
    cache_hits: int = 0
    tokens: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    unparsed: list[int] = field(default_factory=list)

    @property
    def reranked(self) -> list[bool]:
        """Per query: whether at least one of its calls had an answer that named a candidate
        (a query that needed no call, one candidate or none, counts as reranked). False means
        its order is the input order: every answer the model gave it was unreadable."""
        unparsed = self.unparsed or [0] * len(self.calls)
        return [c == 0 or u < c for c, u in zip(self.calls, unparsed, strict=True)]

    @property
    def unparsed_share(self) -> float:
        """The share of the run's calls whose answer named no candidate (0.0 for no call)."""
        total = sum(self.calls)
        return sum(self.unparsed) / total if total else 0.0

    @property
    def repaired(self) -> list[int]:
        """Text answers that needed a repair, per query."""
        counts = [0] * len(self.orders)
        for r in self.repairs:
            counts[r.query] += 1
        return counts

    def to_run(
        self, query_ids: Sequence[str], doc_ids: Sequence[Sequence[str]], name: str | None = None
    ) -> Any:
        """The reranked lists as a :class:`rankwise.Run` (score ``n - rank``), ready for
        :func:`rankwise.evaluate`. ``doc_ids[q]`` are query ``q``'s candidates' ids in the
        order they were given to :func:`rerank`."""
        from ..evaluate import Run

        if len(query_ids) != len(self.orders) or len(doc_ids) != len(self.orders):
            raise InvalidValueError(
                f"`query_ids` and `doc_ids` must have one entry per query ({len(self.orders)}); "
                f"got {len(query_ids)} and {len(doc_ids)}"
            )
        run: dict[str, dict[str, float]] = {}
        for qid, docs, order in zip(query_ids, doc_ids, self.orders, strict=True):
            if len(docs) != len(order):
                raise InvalidValueError(
                    f"`doc_ids` of query {qid!r} must name its {len(order)} candidates; "
                    f"got {len(docs)}"
                )
            n = len(order)
            run[str(qid)] = dict(
                zip([str(docs[i]) for i in order], map(float, range(n, 0, -1)), strict=True)
            )
        return Run(run) if name is None else Run(run, name=name)

    def __repr__(self) -> str:
        return (
            f"RerankResult({len(self.orders)} queries, {sum(self.calls)} calls, "
            f"max depth {max(self.depth, default=0)}, {len(self.repairs)} repaired answers, "
            f"{sum(self.unparsed)} unparsed, {self.batches} batches, {self.cache_hits} cache hits)"
        )


#: Calls per ranker invocation when neither ``batch_size`` nor the ranker's
#: ``calls_per_batch`` says otherwise.
DEFAULT_BATCH_SIZE = 32

_METHOD = {
    "rank": "rank",
    "compare": "compare",
    "select": "select",
    "score_group": "score_group",
    "score": "score",
}

# What `take` gets for a batch the cache answered whole (a ranker may return None itself).
_CACHED = object()

# Runs stopped by a ranker error, kept so that a second call with the same arguments resumes:
# keyed by the identity of (queries, candidates, ranker) and the strategy.
_STOPPED: dict[tuple[int, int, int, Strategy], _Progress] = {}


@dataclass
class _Progress:
    queries: Sequence[Any]
    candidates: Sequence[Sequence[Any]]
    ranker: Any
    states: Any
    queues: dict[str, deque[tuple[int, int, list[int], int]]]
    batches: int = 0
    cache_hits: int = 0
    seconds: float = 0.0
    tokens: dict[str, int] = field(default_factory=dict)
    # Choice answers (select, compare, score) that were text: unparsed, per query.
    unparsed: list[int] = field(default_factory=list)
    # Listwise calls answered with text: (query, task id) -> window size, to tell an answer
    # that named no candidate (every one of the window missing) from a repaired one.
    texts: dict[tuple[int, int], int] = field(default_factory=dict)
    # Calls whose prompt does not fit the model (on_overflow="error"): (kind, task, error);
    # every other query goes on, then the run stops naming these.
    blocked: list[tuple[str, tuple[int, int, list[int], int], BaseException]] = field(
        default_factory=list
    )


# What the ranker receives for each kind of call: (query, what is shown[, count]).
_PAYLOAD: dict[str, Callable[[Any, Sequence[Any], list[int], int], tuple[Any, ...]]] = {
    "rank": lambda query, cands, shown, count: (query, [cands[i] for i in shown]),
    "score_group": lambda query, cands, shown, count: (query, [cands[i] for i in shown]),
    "select": lambda query, cands, shown, count: (query, [cands[i] for i in shown], count),
    "compare": lambda query, cands, shown, count: (query, cands[shown[0]], cands[shown[1]]),
    "score": lambda query, cands, shown, count: (query, cands[shown[0]]),
}


def _usage(ranker: Any) -> dict[str, int]:
    usage = getattr(ranker, "usage", None)
    if not callable(usage):
        return {}
    report = usage()
    return {str(k): int(v) for k, v in report.items()} if isinstance(report, Mapping) else {}


class _Progressbar:
    def __init__(self, show: bool, queries: int, planned: int | None) -> None:
        self.show, self.queries, self.planned = show, queries, planned
        self.last = 0.0

    def update(self, finished: int, calls: int, force: bool = False) -> None:
        now = time.monotonic()
        if not self.show or (not force and now - self.last < 0.2):
            return
        self.last = now
        of = f"/{self.planned}" if self.planned is not None else ""
        print(
            f"\rrankwise rerank: {finished}/{self.queries} queries, {calls}{of} calls",
            end="",
            file=sys.stderr,
        )

    def close(self) -> None:
        if self.show:
            print(file=sys.stderr)


@dataclass
class _Batch:
    """Calls of one kind sent to the ranker together; ``todo`` are those the cache did not
    answer (their payloads go to the ranker)."""

    kind: str
    tasks: list[tuple[int, int, list[int], int]]
    payloads: list[tuple[Any, ...]]
    answers: list[Any]
    keys: list[str]
    todo: list[int]

    def request(self) -> list[tuple[Any, ...]]:
        if len(self.todo) == len(self.tasks):
            return self.payloads
        return [self.payloads[i] for i in self.todo]


class _Run:
    """One call of :func:`rerank` or :func:`rerank_async`: hands out batches of ready calls
    (answering from the cache what it can) and takes the ranker's answers. The two front ends
    differ only in how they call the ranker."""

    def __init__(
        self,
        queries: Sequence[Any],
        candidates: Sequence[Sequence[Any]],
        ranker: Any,
        strategy: Strategy | None,
        batch_size: int | None,
        cache: AnswerCache | str | os.PathLike[str] | None,
        progress: bool | None,
        ids: str,
        first_id: int,
        on_problem: str,
        max_unparsed: float | None,
    ) -> None:
        _check_max_unparsed(max_unparsed)
        strategy = SlidingWindow() if strategy is None else strategy
        if not isinstance(strategy, Strategy):
            raise RankwiseTypeError(
                f"`strategy` must be a rankwise.rerank strategy (SlidingWindow, Setwise, ...); "
                f"got {type(strategy).__name__}"
            )
        if progress is not None:
            flag("progress", progress)
        for name, value in (("queries", queries), ("candidates", candidates)):
            if not _is_list(value):
                raise RankwiseTypeError(
                    f"`{name}` must be a list (one entry per query); got {type(value).__name__}"
                )
        bad = next(
            (
                i
                for i, c in enumerate(candidates)
                if isinstance(c, (str, bytes)) or not isinstance(c, Sequence)
            ),
            None,
        )
        if bad is not None:
            raise RankwiseTypeError(
                f"`candidates[{bad}]` must be a list of the query's candidates; got "
                f"{type(candidates[bad]).__name__}"
            )
        if len(queries) != len(candidates):
            raise InvalidValueError(
                f"`candidates` must have one list per query ({len(queries)}); got {len(candidates)}"
            )
        if batch_size is None:
            # A ranker that gains from seeing many queries' calls at once (encoders: one forward
            # pass per length bucket, each distinct text encoded once) says how many it wants.
            batch_size = getattr(ranker, "calls_per_batch", DEFAULT_BATCH_SIZE)
            where = f"`{type(ranker).__name__}.calls_per_batch`"
        else:
            where = "`batch_size`"
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise InvalidValueError(f"{where} must be a positive integer; got {batch_size!r}")
        first_id = integer("first_id", first_id, maximum=U64_MAX)
        if on_problem not in ("repair", "error"):
            raise InvalidValueError(f'`on_problem` must be "repair" or "error"; got {on_problem!r}')
        kind = strategy.task_kind
        if not callable(getattr(ranker, _METHOD[kind], None)):
            raise RankwiseTypeError(
                f"`ranker` must have a {_METHOD[kind]}(batch) method for "
                f"{type(strategy).__name__}; got {type(ranker).__name__}"
            )
        self.queries, self.candidates, self.ranker = queries, candidates, ranker
        self.batch_size, self.max_unparsed = batch_size, max_unparsed
        self.cache = (
            cache
            if cache is None or isinstance(cache, AnswerCache)
            else AnswerCache._from_argument(cache, "cache")
        )
        self.ranker_id = str(getattr(ranker, "ranker_id", None) or repr(ranker))
        self.key = (id(queries), id(candidates), id(ranker), strategy)
        progress_state = _STOPPED.pop(self.key, None)
        if progress_state is None:
            states = strategy._spec().start(
                [len(c) for c in candidates],
                ids=ids,
                first_id=first_id,
                duplicates=on_problem,
                out_of_range=on_problem,
                missing=on_problem,
            )
            progress_state = _Progress(
                queries, candidates, ranker, states, {}, unparsed=[0] * len(queries)
            )
        self.p = progress_state
        show = sys.stderr.isatty() if progress is None else progress
        plans = [strategy.plan(len(c)) for c in candidates] if show else []
        planned = (
            sum(pl.calls_max for pl in plans) if plans and all(pl.exact for pl in plans) else None
        )
        self.bar = _Progressbar(show, len(queries), planned)
        self.made = sum(self.p.states.calls())

    def __enter__(self) -> _Run:
        self.started = time.monotonic()
        self.usage_before = _usage(self.ranker)
        # The loop allocates many small, acyclic objects (tasks, payloads); the cyclic garbage
        # collector would scan the whole heap again and again for nothing: pause it.
        self.gc_was_enabled = gc.isenabled()
        gc.disable()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.gc_was_enabled:
            gc.enable()
        p = self.p
        p.seconds += time.monotonic() - self.started
        for k, v in _usage(self.ranker).items():
            p.tokens[k] = p.tokens.get(k, 0) + v - self.usage_before.get(k, 0)
        self.bar.update(p.states.finished, self.made, force=True)
        self.bar.close()

    def batches(self, most: int) -> list[_Batch]:
        """Up to ``most`` batches of ready calls (none: every query is done)."""
        queues = self.p.queues
        out: list[_Batch] = []
        while len(out) < most:
            if not any(queues.values()):
                if out:
                    break  # the next round depends on these answers
                for q, task_id, task_kind, shown, count in self.p.states.ready():
                    queues.setdefault(task_kind, deque()).append((q, task_id, shown, count))
                if not any(queues.values()):
                    break
            # The fullest kind first: batches stay as full as they can be.
            kind, queue = max(queues.items(), key=lambda kv: len(kv[1]))
            tasks = [queue.popleft() for _ in range(min(self.batch_size, len(queue)))]
            out.append(self._batch(kind, tasks))
        return out

    def _batch(self, kind: str, tasks: list[tuple[int, int, list[int], int]]) -> _Batch:
        build = _PAYLOAD[kind]
        queries, candidates = self.queries, self.candidates
        payloads = [build(queries[q], candidates[q], shown, count) for q, _, shown, count in tasks]
        batch = _Batch(kind, tasks, payloads, [None] * len(tasks), [], list(range(len(tasks))))
        if self.cache is not None:
            batch.keys = [
                AnswerCache.key(self.ranker_id, kind, pl[0], pl[1:], 0) for pl in payloads
            ]
            batch.todo = []
            for i, k in enumerate(batch.keys):
                hit = self.cache.get(k)
                if hit is None:
                    batch.todo.append(i)
                else:
                    batch.answers[i] = hit
            self.p.cache_hits += len(tasks) - len(batch.todo)
        return batch

    def method(self, batch: _Batch) -> Any:
        return getattr(self.ranker, _METHOD[batch.kind])

    def failed(self, batches: list[_Batch], exc: BaseException, first: _Batch) -> Exception:
        """Put unanswered batches back and describe the failure (the run can resume)."""
        for batch in reversed(batches):
            self.p.queues[batch.kind].extendleft(reversed(batch.tasks))
        # A ranker may say which call of the batch failed (``batch_index``, a position in
        # the request): name that call's query, not the batch's first.
        at = getattr(exc, "batch_index", None)
        at = at if isinstance(at, int) and 0 <= at < len(first.todo) else 0
        q0, t0 = first.tasks[first.todo[at]][:2]
        return _interrupted(
            self.p, self.key, exc, first.kind, len(first.todo), q0, t0, self.queries
        )

    def _checked(self, batch: _Batch, got: object) -> Sequence[Any]:
        """The ranker's reply to ``batch`` if it is a list of answers (a list, tuple or 1-D+
        array), else a :class:`RankwiseTypeError` saying what came back; batches are put
        back first so that a rerun resumes. A generator is refused, not drained: the ranker
        is called again on resume, and a half-consumed generator cannot be."""
        method = f"ranker.{_METHOD[batch.kind]}"
        problem = None
        if got is None:
            problem = "got None (did the method forget to `return` its answers?)"
        elif isinstance(got, (str, bytes, bytearray, memoryview)):
            problem = (
                f"got a single {type(got).__name__} {_short(got)} (wrap each request's answer in "
                "a list, one per request)"
            )
        elif isinstance(got, Mapping):
            problem = f"got a {type(got).__name__} (answers go in request order, in a list)"
        elif not isinstance(got, Sequence) and getattr(got, "ndim", 0) < 1:
            # numpy arrays (ndim >= 1) are not Sequences but serve; a 0-d one does not.
            hint = " (return list(...) of it)" if isinstance(got, Iterator) else ""
            problem = f"got {type(got).__name__}{hint}"
        if problem is None:
            answers: Sequence[Any] = got  # type: ignore[assignment]
            bad = next(
                (i for i, a in enumerate(answers) if isinstance(a, (bytes, bytearray, memoryview))),
                None,
            )
            if bad is None:
                return answers
            problem = (
                f"answer {bad} is {type(answers[bad]).__name__} {_short(answers[bad])}; text "
                "answers must be str (decode the bytes first)"
            )
        self.p.queues[batch.kind].extendleft(reversed(batch.tasks))
        raise RankwiseTypeError(
            f"`{method}` must return a list of answers, one per request ({len(batch.todo)}); "
            f"{problem}"
        )

    def _readable(self, batch: _Batch) -> list[Any]:
        """The batch's answers as the state machines read them: a reasoning model's
        ``<think>`` removed from listwise text; a text answer to a choice call (the ranker
        found no choice in it) counted as unparsed and replaced by the neutral answer."""
        answers = batch.answers
        if batch.kind == "rank":
            texts = self.p.texts
            for i, a in enumerate(answers):
                if isinstance(a, str):
                    q, task_id, shown, _ = batch.tasks[i]
                    texts[q, task_id] = len(shown)
                    if "<think>" in a:
                        answers = answers if answers is not batch.answers else list(answers)
                        answers[i] = strip_think(a)
            return answers
        groups = batch.kind == "score_group"
        if not any(isinstance(a, str) for a in answers) and not (
            groups and any(_has_text(a) for a in answers)
        ):
            return answers
        out = list(answers)
        for i, a in enumerate(answers):
            q, _, shown, _ = batch.tasks[i]
            if isinstance(a, str):
                out[i] = [1.0] * len(shown) if batch.kind in ("select", "score_group") else 0.5
                self.p.unparsed[q] += 1
            elif groups and _has_text(a):
                out[i] = [0.5 if isinstance(x, str) else x for x in a]
                if all(isinstance(x, str) for x in a):
                    self.p.unparsed[q] += 1
        return out

    def overflowed(self, batch: _Batch, exc: BaseException) -> bool:
        """``exc`` says some calls' prompts cannot fit the model, with the batch's other
        answers: take those, set the calls that did not fit aside (their queries stop there,
        every other query goes on) and report True; False for any other failure."""
        answers = getattr(exc, "answers", None)
        if (
            not isinstance(exc, PromptTooLongError)
            or not isinstance(answers, list)
            or len(answers) != len(batch.todo)
        ):
            return False
        failed = {batch.todo[j] for j, a in enumerate(answers) if a is None}
        if not failed:
            return False
        for j, a in enumerate(answers):
            if a is not None:
                batch.answers[batch.todo[j]] = a
        keep = [i for i in range(len(batch.tasks)) if i not in failed]
        at = {old: new for new, old in enumerate(keep)}
        sub = _Batch(
            batch.kind,
            [batch.tasks[i] for i in keep],
            [batch.payloads[i] for i in keep],
            [batch.answers[i] for i in keep],
            [batch.keys[i] for i in keep] if batch.keys else [],
            [at[i] for i in batch.todo if i not in failed],
        )
        self.p.blocked.extend((batch.kind, batch.tasks[i], exc) for i in sorted(failed))
        if sub.tasks:
            self.take(sub, [sub.answers[i] for i in sub.todo] if sub.todo else _CACHED)
        return True

    def raise_blocked(self) -> None:
        """At the end of the loop (inside the run, as :meth:`failed`), if :meth:`overflowed`
        set calls aside: they go back in the queues (a rerun retries them, and only them) and
        the error raised names each one's query and call."""
        p = self.p
        if not p.blocked:
            return
        blocked, p.blocked = p.blocked, []
        for kind, task, _ in reversed(blocked):
            p.queues.setdefault(kind, deque()).appendleft(task)
        _STOPPED[self.key] = p
        named = "; ".join(
            f"query {task[0]} ({_short(self.queries[task[0]])}), {kind} call {task[1]}"
            for kind, task, _ in blocked[:5]
        )
        more = f" and {len(blocked) - 5} more" if len(blocked) > 5 else ""
        cause = blocked[0][2]
        err = RerankInterruptedError(
            f"{len(blocked)} model call(s) did not fit the model's context: {named}{more} "
            f"({type(cause).__name__}: {cause}). Every other query went on: "
            f"{p.states.finished} of {len(self.queries)} queries were finished (in `partial`). "
            "Shorten those queries' candidates or use on_overflow='shorten'; calling rerank "
            "again with the same arguments (or with the same cache) retries only these calls."
        )
        err.partial = _result(p, finished_only=True)
        raise err from cause

    def result(self) -> RerankResult:
        """The run's result once it is over (its time and tokens counted), checked against
        ``max_unparsed``."""
        return _checked_unparsed(_result(self.p), self.max_unparsed)

    def take(self, batch: _Batch, got: object) -> None:
        """The ranker's answers to ``batch.todo`` (``_CACHED`` if the cache answered all)."""
        if got is not _CACHED:
            got = self._checked(batch, got)
            if len(got) != len(batch.todo):
                self.p.queues[batch.kind].extendleft(reversed(batch.tasks))
                raise InvalidValueError(
                    f"`ranker.{_METHOD[batch.kind]}` must return one answer per request "
                    f"({len(batch.todo)}); got {len(got)}"
                )
            for i, answer in zip(batch.todo, got, strict=True):
                batch.answers[i] = answer
            if self.cache is not None:
                self.cache.put_many([(batch.keys[i], batch.answers[i]) for i in batch.todo])
            self.p.batches += 1
        tasks = batch.tasks
        answers = self._readable(batch)
        bad = self.p.states.answer_many([t[0] for t in tasks], [t[1] for t in tasks], answers)
        if bad is not None:
            i, e = bad
            q, task_id = tasks[i][0], tasks[i][1]
            if isinstance(e, RankwiseError):
                raise type(e)(
                    f"`ranker.{_METHOD[batch.kind]}` gave a bad answer to query {q} "
                    f"({_short(self.queries[q])}), {batch.kind} call {task_id}: {e}"
                ) from None
            raise e
        self.made += len(tasks)
        self.bar.update(self.p.states.finished, self.made)


def rerank(
    queries: Sequence[Any],
    candidates: Sequence[Sequence[Any]],
    ranker: Any,
    strategy: Strategy | None = None,
    *,
    batch_size: int | None = None,
    cache: AnswerCache | str | os.PathLike[str] | None = None,
    progress: bool | None = None,
    ids: str = "bracketed",
    first_id: int = 1,
    on_problem: str = "repair",
    max_unparsed: float | None = 0.5,
) -> RerankResult:
    """Rerank every query's candidates with ``ranker`` following ``strategy``.

    Each query gets its own state machine (Rust). The driver gathers the calls that are ready
    across all queries, groups them by kind, hands them to the ranker ``batch_size`` at a
    time (default: the ranker's ``calls_per_batch`` attribute if it has one, else
    ``DEFAULT_BATCH_SIZE`` = 32; the encoders of :mod:`rankwise.torch.models` ask for 4096,
    about 40 queries of 100 candidates under :class:`Pointwise`, so that each distinct text
    is encoded once and batches are sorted by length across queries), and feeds the answers
    back until every query is done. A query's dependent calls stay in order; independent ones
    (tournament groups, allpair comparisons, partition windows) and other queries' calls share
    batches. With a ranker that answers each call
    independently, the result does not depend on ``batch_size`` (batch-dependent numerics,
    such as fp16 padding in an LLM, can change a model's answers; the cache makes reruns
    reproducible).

    ``ranker`` needs the method the strategy calls (``strategy.task_kind``): ``rank``
    (:class:`ListwiseRanker`), ``compare``, ``select``, ``score_group`` or ``score``; a plain
    object with that method serves. Its optional ``ranker_id`` attribute names it in cache
    keys (default: its ``repr``), and an optional ``usage()`` reporting cumulative token
    counts fills ``RerankResult.tokens``.

    ``cache``: an :class:`AnswerCache`, or a path to an SQLite file to create or reuse: calls
    whose content was answered before are not sent again. Text answers to ``rank`` calls are
    read with ``ids`` and ``first_id`` (see :func:`parse_permutation`); ``on_problem="error"``
    refuses answers that would need a repair instead of repairing them.

    An answer that names no candidate at all (a model answering in prose; a text answer to a
    ``select``/``compare``/``score`` call, which is how a text-generation ranker says it found
    no choice) leaves the window in its input order or gets a neutral answer (the first
    candidate; 0.5), and is counted per query in ``RerankResult.unparsed``
    (``RerankResult.reranked`` is False for a query none of whose answers could be read). At
    the end of the run an :class:`rankwise.errors.UnparsedAnswersWarning` gives their count and
    share, and if the share is above ``max_unparsed`` (default 0.5: most of the run would be
    the input order) :class:`rankwise.errors.UnparsedAnswersError` is raised instead, carrying
    the result (``max_unparsed=None``: never). A reasoning model's ``<think>...</think>`` is
    removed before a listwise answer is read.

    A ranker that cannot fit some calls' prompts in its context may raise
    :class:`rankwise.errors.PromptTooLongError` with ``answers`` (its answers to the batch's
    other calls, None for those): the answers are taken, every other query goes on to the
    end, and then :class:`rankwise.errors.RerankInterruptedError` names each call that did
    not fit; a rerun retries only those (the rankers of :mod:`rankwise.torch.models` and
    :class:`OpenAICompatibleRanker` do this with ``on_overflow="error"``; by default they
    shorten the passages to fit).

    If the ranker raises, :class:`rankwise.errors.RerankInterruptedError` names the query and
    the call, carries the finished queries in ``partial``, and calling ``rerank`` again with
    the same ``queries``, ``candidates``, ``ranker`` and ``strategy`` objects resumes where the
    run stopped. ``progress`` (default: when stderr is a terminal) shows queries and calls
    done. :func:`rerank_async` is the same for rankers whose methods are coroutines.
    """
    run = _Run(
        queries, candidates, ranker, strategy, batch_size, cache, progress, ids, first_id,
        on_problem, max_unparsed,
    )  # fmt: skip
    with run:
        while batches := run.batches(1):
            batch = batches[0]
            got: Any = _CACHED
            if batch.todo:
                try:
                    got = run.method(batch)(batch.request())
                except Exception as exc:
                    if run.overflowed(batch, exc):
                        continue
                    raise run.failed(batches, exc, batch) from exc
            run.take(batch, got)
        run.raise_blocked()
    return run.result()


async def rerank_async(
    queries: Sequence[Any],
    candidates: Sequence[Sequence[Any]],
    ranker: Any,
    strategy: Strategy | None = None,
    *,
    batch_size: int | None = None,
    concurrency: int = 4,
    cache: AnswerCache | str | os.PathLike[str] | None = None,
    progress: bool | None = None,
    ids: str = "bracketed",
    first_id: int = 1,
    on_problem: str = "repair",
    max_unparsed: float | None = 0.5,
) -> RerankResult:
    """:func:`rerank` for rankers whose methods are coroutines (API clients): up to
    ``concurrency`` batches are awaited at once (``asyncio.gather``), each of at most
    ``batch_size`` calls. Batches go out in the same order as :func:`rerank` sends them and
    answers are taken in that order, so a ranker that answers each call independently gives
    the same result. Errors and resumption as in :func:`rerank`.

    >>> import asyncio
    >>> from rankwise.rerank import OracleRanker, Setwise
    >>> class Api:
    ...     async def select(self, batch):
    ...         await asyncio.sleep(0)            # a network round trip
    ...         return OracleRanker().select(batch)
    >>> result = asyncio.run(rerank_async(["q"], [[0, 3, 1, 2]], Api(), Setwise(top_k=2)))
    >>> result.orders
    [[1, 3, 0, 2]]
    """
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise InvalidValueError(f"`concurrency` must be a positive integer; got {concurrency!r}")
    run = _Run(
        queries, candidates, ranker, strategy, batch_size, cache, progress, ids, first_id,
        on_problem, max_unparsed,
    )  # fmt: skip

    async def call(batch: _Batch) -> Any:
        if not batch.todo:
            return _CACHED
        got = run.method(batch)(batch.request())
        return await got if inspect.isawaitable(got) else got

    with run:
        while batches := run.batches(concurrency):
            results = await asyncio.gather(*(call(b) for b in batches), return_exceptions=True)
            for i, (batch, got) in enumerate(zip(batches, results, strict=True)):
                if isinstance(got, BaseException):
                    if run.overflowed(batch, got):
                        continue
                    raise run.failed(batches[i:], got, batch) from got
                run.take(batch, got)
        run.raise_blocked()
    return run.result()


def _has_text(answer: object) -> bool:
    """A list answer with a text element (a ``score_group`` answer with unreadable scores)."""
    return isinstance(answer, list) and any(isinstance(x, str) for x in answer)


def _check_max_unparsed(max_unparsed: float | None) -> None:
    if max_unparsed is None:
        return
    if (
        isinstance(max_unparsed, bool)
        or not isinstance(max_unparsed, (int, float))
        or not 0.0 <= max_unparsed <= 1.0
    ):
        raise InvalidValueError(
            "`max_unparsed` must be a share in [0, 1] (of calls whose answer names no "
            f"candidate) or None; got {max_unparsed!r}"
        )


def _checked_unparsed(result: RerankResult, max_unparsed: float | None) -> RerankResult:
    """Warn when some answers named no candidate; raise when more than ``max_unparsed``."""
    count = sum(result.unparsed)
    if not count:
        return result
    share = result.unparsed_share
    lost = result.reranked.count(False)
    message = (
        f"{count} of {sum(result.calls)} model calls ({share:.0%}) had an answer that names no "
        f"candidate (prose, or no choice among the targets): those calls kept their input "
        f"order or got a neutral answer; {lost} of {len(result.orders)} queries were not "
        "reranked at all (`RerankResult.unparsed` and `.reranked` say which)"
    )
    if max_unparsed is not None and share > max_unparsed:
        err = UnparsedAnswersError(
            f"{message}; that is above max_unparsed={max_unparsed}. Check the model's prompt "
            "template and mode (a small chat model may need mode='first' or a setwise or "
            "pairwise strategy, which read logits), or pass max_unparsed=None to accept the "
            "result (in this error's `result`)"
        )
        err.result = result
        raise err
    # stacklevel 4: the caller of rerank / rerank_async (through _Run.result).
    warnings.warn(message, UnparsedAnswersWarning, stacklevel=4)
    return result


def _is_list(value: object) -> bool:
    """A list, tuple, numpy array, ...: sized and indexable, not text, not a mapping."""
    if isinstance(value, (str, bytes, bytearray, Mapping)):
        return False
    return isinstance(value, Sequence) or (
        hasattr(value, "__len__")
        and hasattr(value, "__getitem__")
        and getattr(value, "ndim", 1) > 0
    )


def _short(query: Any) -> str:
    text = repr(query)
    return text if len(text) <= 60 else text[:57] + "..."


def _result(p: _Progress, finished_only: bool = False) -> RerankResult:
    states = p.states
    orders = states.results()
    unparsed = list(p.unparsed) or [0] * len(orders)
    if p.texts:
        for r in states.repairs():
            size = p.texts.get((r[0], r[1]))
            if size is not None and len(r[4]) == size:
                unparsed[r[0]] += 1
    if finished_only:
        ready = states.finished_mask()
        orders = [o if done else [] for o, done in zip(orders, ready, strict=True)]
    return RerankResult(
        orders=orders,
        calls=states.calls(),
        depth=states.rounds(),
        repairs=[Repair(*r) for r in states.repairs()],
        batches=p.batches,
        cache_hits=p.cache_hits,
        tokens=dict(p.tokens),
        seconds=p.seconds,
        unparsed=unparsed,
    )


def _interrupted(
    p: _Progress,
    key: tuple[int, int, int, Strategy],
    exc: BaseException,
    kind: str,
    size: int,
    query: int,
    task_id: int,
    queries: Sequence[Any],
) -> RerankInterruptedError:
    _STOPPED[key] = p
    err = RerankInterruptedError(
        f"the ranker's {_METHOD[kind]}() failed on a batch of {size} calls, at the call for "
        f"query {query} ({_short(queries[query])}), {kind} call {task_id}: "
        f"{type(exc).__name__}: {exc}. {p.states.finished} of {len(queries)} queries were "
        f"finished (in `partial`); call rerank again with the same arguments to resume."
    )
    err.partial = _result(p, finished_only=True)
    return err
