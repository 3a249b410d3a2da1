"""Long documents for pointwise scorers: split into passages, score each, aggregate.

A cross-encoder reads 512 tokens and a yes/no LLM scorer a context's worth; a longer document
is cut and its tail never seen. Dai and Callan (SIGIR 2019, "Deeper Text Understanding for
IR with Contextual Neural Language Modeling") split each document into overlapping passages
of 150 words every 75 words, score each passage against the query, and take the document's
score from the first passage (FirstP), the best one (MaxP) or their sum (SumP).
:class:`Passages` does the same around any pointwise ranker.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .._validation import _short, integer
from ..errors import InvalidValueError, RankwiseTypeError
from ..torch._prompts import regroup, text_of

__all__ = ["Passages", "split_passages"]

_AGGREGATES = ("max", "first", "sum")


def split_passages(text: str, window: int = 150, stride: int = 75) -> list[str]:
    """``text`` cut into passages of ``window`` whitespace-separated words starting every
    ``stride`` words, the last one reaching the end (a text of at most ``window`` words is
    one passage; an empty text is one empty passage).

    >>> split_passages("a b c d e f g", window=3, stride=2)
    ['a b c', 'c d e', 'e f g']
    >>> split_passages("a b c d", window=3, stride=3)
    ['a b c', 'd']
    """
    if not isinstance(text, str):
        raise RankwiseTypeError(f"`text` must be a str; got {type(text).__name__}")
    window, stride = _window(window, stride)
    words = text.split()
    if len(words) <= window:
        return [text]
    out = []
    for start in range(0, len(words), stride):
        out.append(" ".join(words[start : start + window]))
        if start + window >= len(words):
            break
    return out


def _list(value: Any, expected: str) -> list[Any]:
    """``list(value)`` for a list-like ``value`` (not a str, bytes or 0-d array)."""
    scalar = isinstance(value, str | bytes) or (isinstance(value, np.ndarray) and value.ndim == 0)
    if scalar or not isinstance(value, Iterable):
        raise RankwiseTypeError(f"{expected}; got {_short(value)}")
    return list(value)


def _number(score: Any) -> float:
    try:
        return float(score)
    except (TypeError, ValueError, OverflowError):
        raise InvalidValueError(
            f"`ranker.score` must return a number (or the text it could not read) per passage; "
            f"got {_short(score)}"
        ) from None


def _window(window: int, stride: int) -> tuple[int, int]:
    window = integer("window", window, minimum=1)
    stride = integer("stride", stride, minimum=1)
    if stride > window:
        raise InvalidValueError(
            f"`stride` must be at most `window` ({window}), or words between passages "
            f"would be skipped; got {stride}"
        )
    return window, stride


class Passages:
    """A pointwise ranker over long documents: each candidate is split into passages
    (:func:`split_passages`: ``window`` words every ``stride``), ``ranker.score`` scores every
    ``(query, passage)`` pair in one batch, and the candidate's score is the passages'
    ``aggregate``: ``"max"`` (MaxP, default), ``"first"`` (FirstP: only the first passage is
    scored) or ``"sum"`` (SumP), after Dai and Callan (SIGIR 2019).

    It is a :class:`rankwise.rerank.PointwiseRanker` (``score``, and ``score_group``/``rank``
    from the scores) for :class:`rankwise.rerank.Pointwise` or
    :class:`rankwise.rerank.Groupwise`; ``ranker_id`` names the inner ranker and the
    splitting, so cached answers of other settings are not reused. A passage the inner ranker
    could not read (it answered with text: a yes/no LLM that said neither) is left out of the
    aggregate; a candidate none of whose passages was read is answered with that text, and
    :func:`rankwise.rerank.rerank` counts it as unparsed.

    >>> from rankwise.rerank import Pointwise, rerank
    >>> class Overlap:          # a toy scorer: query words found in the passage
    ...     def score(self, batch):
    ...         return [float(len(set(q.split()) & set(p.split()))) for q, p in batch]
    >>> long = "filler " * 300 + "rust ranking"
    >>> docs = [["rust intro " + "filler " * 300, long]]
    >>> rerank(["rust ranking"], docs, Passages(Overlap()), Pointwise()).orders
    [[1, 0]]
    >>> rerank(["rust ranking"], docs, Passages(Overlap(), aggregate="first"), Pointwise()).orders
    [[0, 1]]
    """

    def __init__(
        self, ranker: Any, *, window: int = 150, stride: int = 75, aggregate: str = "max"
    ) -> None:
        if not callable(getattr(ranker, "score", None)):
            raise RankwiseTypeError(
                f"`ranker` must be a pointwise ranker (a score(batch) method); "
                f"got {type(ranker).__name__}"
            )
        window, stride = _window(window, stride)
        if not isinstance(aggregate, str) or aggregate not in _AGGREGATES:
            raise InvalidValueError(
                f"`aggregate` must be one of 'max' (MaxP), 'first' (FirstP), 'sum' (SumP); "
                f"got {aggregate!r}"
            )
        self.ranker, self.window, self.stride, self.aggregate = ranker, window, stride, aggregate
        inner = str(getattr(ranker, "ranker_id", None) or repr(ranker))
        self.ranker_id = f"Passages({inner}, window={window}, stride={stride}, {aggregate})"
        self.passages = 0  # passages scored so far

    def __repr__(self) -> str:
        return (
            f"Passages({self.ranker!r}, window={self.window}, stride={self.stride}, "
            f"aggregate={self.aggregate!r})"
        )

    def usage(self) -> dict[str, int]:
        """The inner ranker's ``usage()`` (if it has one) and ``passages`` scored."""
        usage = getattr(self.ranker, "usage", None)
        report = dict(usage()) if callable(usage) else {}
        return {**report, "passages": self.passages}

    def split(self, candidate: Any) -> list[str]:
        """The passages of one candidate that are scored."""
        parts = split_passages(text_of(candidate, "candidate"), self.window, self.stride)
        return parts[:1] if self.aggregate == "first" else parts

    def score(self, batch: Sequence[tuple[Any, Any]]) -> list[Any]:
        """One score per ``(query, candidate)``: its passages' scores aggregated."""
        pairs: list[tuple[Any, str]] = []
        spans: list[tuple[int, int]] = []
        items = _list(batch, "`batch` must be a list of (query, candidate) pairs")
        if not all(isinstance(x, tuple | list) and len(x) == 2 for x in items):
            raise RankwiseTypeError(
                f"`batch` must be a list of (query, candidate) pairs; got {_short(batch)}"
            )
        for query, candidate in items:
            parts = self.split(candidate)
            spans.append((len(pairs), len(pairs) + len(parts)))
            pairs.extend((query, p) for p in parts)
        scores = (
            _list(self.ranker.score(pairs), "`ranker.score` must return a list") if pairs else []
        )
        if len(scores) != len(pairs):
            raise InvalidValueError(
                f"`ranker.score` must return one score per passage ({len(pairs)}); "
                f"got {len(scores)}"
            )
        self.passages += len(pairs)
        out: list[Any] = []
        for start, end in spans:
            got = scores[start:end]
            read = [_number(s) for s in got if not isinstance(s, str)]
            if not read:
                out.append(got[0])  # the inner ranker's unreadable answer: unparsed
            elif self.aggregate == "sum":
                out.append(sum(read))
            else:
                out.append(max(read))  # "first" has one passage
        return out

    def score_group(self, batch: Sequence[tuple[Any, Sequence[Any]]]) -> list[list[Any]]:
        """One score per candidate of each ``(query, candidates)``."""
        return regroup(self.score([(q, c) for q, cands in batch for c in cands]), batch)

    def rank(self, batch: Sequence[tuple[Any, Sequence[Any]]]) -> list[list[int]]:
        """Candidates by aggregated score, best first (ties keep their order)."""
        out = []
        for scores in self.score_group(batch):
            key = [-s if not isinstance(s, str) else float("inf") for s in scores]
            out.append(sorted(range(len(scores)), key=key.__getitem__))
        return out
