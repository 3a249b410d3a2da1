"""The driver: every query's state machine advanced together, model calls batched across
queries."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ..errors import InvalidValueError, RankwiseTypeError
from .strategies import SlidingWindow


class ListwiseRanker(Protocol):
    """Orders candidates for queries, a batch of calls at a time.

    ``rank`` gets ``(query, candidates)`` pairs (the objects given to :func:`rerank`) and
    returns, for each, either the order as a permutation of ``range(len(candidates))`` (best
    first) or the model's raw text (``"[2] > [1] > [3]"``), which rankwise parses and repairs.
    """

    def rank(self, batch: Sequence[tuple[Any, Sequence[Any]]]) -> Sequence[Sequence[int] | str]: ...


@dataclass(frozen=True)
class RerankResult:
    """``orders[q]``: query ``q``'s candidate indices, best first. ``calls[q]``: model calls
    made for it; ``repaired[q]``: its text answers that needed a repair; ``batches``: ranker
    invocations."""

    orders: list[list[int]]
    calls: list[int]
    repaired: list[int]
    batches: int


def rerank(
    queries: Sequence[Any],
    candidates: Sequence[Sequence[Any]],
    ranker: ListwiseRanker,
    strategy: SlidingWindow | None = None,
    *,
    batch_size: int = 32,
    progress: bool | None = None,
) -> RerankResult:
    """Rerank every query's candidates with ``ranker`` following ``strategy``.

    Each query gets its own state machine (Rust); the driver collects the calls that are ready
    across all queries, hands them to ``ranker.rank`` ``batch_size`` at a time, and feeds the
    answers back, until every query is done. A query's calls stay in its order; queries advance
    side by side, so a batch holds up to one call per query for a sliding window. The result
    does not depend on ``batch_size`` when the ranker answers each call independently.
    ``progress`` (default: when stderr is a terminal) prints the calls made so far.
    """
    strategy = strategy or SlidingWindow()
    if len(queries) != len(candidates):
        raise InvalidValueError(
            f"`candidates` must have one list per query ({len(queries)}); got {len(candidates)}"
        )
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise InvalidValueError(f"`batch_size` must be a positive integer; got {batch_size!r}")
    if not callable(getattr(ranker, "rank", None)):
        raise RankwiseTypeError(
            f"`ranker` must have a rank(batch) method; got {type(ranker).__name__}"
        )
    show = sys.stderr.isatty() if progress is None else progress
    states = [strategy.start(len(c)) for c in candidates]
    planned = sum(strategy.calls(len(c)) for c in candidates)
    queue: list[tuple[int, int, list[int]]] = []  # (query, task id, candidate indices)
    batches = made = 0
    while True:
        if not queue:
            for q, state in enumerate(states):
                queue.extend((q, task_id, cands) for task_id, cands in state.ready())
            if not queue:
                break
        batch, queue = queue[:batch_size], queue[batch_size:]
        answers = ranker.rank([(queries[q], [candidates[q][i] for i in c]) for q, _, c in batch])
        if len(answers) != len(batch):
            raise InvalidValueError(
                f"`ranker.rank` must return one answer per request ({len(batch)}); "
                f"got {len(answers)}"
            )
        for (q, task_id, _), answer in zip(batch, answers, strict=True):
            if isinstance(answer, str):
                states[q].answer_text(task_id, answer)
            else:
                states[q].answer(task_id, [int(i) for i in answer])
        batches += 1
        made += len(batch)
        if show:
            print(f"\rrankwise rerank: {made}/{planned} calls", end="", file=sys.stderr)
    if show:
        print(file=sys.stderr)
    return RerankResult(
        orders=[s.result() for s in states],
        calls=[s.calls for s in states],
        repaired=[s.repaired_answers for s in states],
        batches=batches,
    )
