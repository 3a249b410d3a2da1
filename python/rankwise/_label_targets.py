"""Training targets from a teacher's scores and orders, and complete listwise labels.

Part of :mod:`rankwise.labels`, which re-exports every name here (import them from there):
:func:`soft_labels`, :func:`margin_targets`, :func:`hard_negatives`, :func:`ranking_text`,
:func:`ranking_label`, and :func:`fullrank_labels`, which drives a listwise teacher through
:func:`rankwise.rerank.rerank` until every candidate is placed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from . import _native
from ._validation import _int_vector, _ints, _labels_like, _real, _rows, _shape, cutoff, real_scalar
from .errors import InvalidValueError, RankwiseTypeError, ShapeError

__all__ = [
    "FullRankLabels",
    "fullrank_labels",
    "hard_negatives",
    "margin_targets",
    "ranking_label",
    "ranking_text",
    "soft_labels",
]

Array = npt.ArrayLike


# ----------------------------------------------------------------------------------------------
# Targets
# ----------------------------------------------------------------------------------------------
def soft_labels(
    scores: Array, *, offsets: Array | None = None, temperature: float = 1.0
) -> npt.NDArray[np.float64]:
    r"""Soft labels: per row, :math:`\mathrm{softmax}(\theta / T)`. For Plackett-Luce
    log-strengths (:attr:`Aggregation.scores`) and :math:`T = 1`, the probability of each
    candidate being ranked first. NaN entries (never observed, padding) get 0.

    >>> soft_labels([0.0, np.log(3.0), np.nan])
    array([0.25, 0.75, 0.  ])
    """
    flat, off, shape = _rows("scores", scores, offsets)
    t = real_scalar("temperature", temperature)
    out = _native.labels_soft_labels(flat, t, offsets=off, shape=shape)
    return out.reshape(np.shape(scores))


def margin_targets(positive_scores: Array, negative_scores: Array) -> npt.NDArray[np.float64]:
    """Margin-MSE targets (Hofstätter et al., 2020): the teacher's score of the positive minus
    its score of the negative, for each (query, positive, negative) triple.

    >>> margin_targets([9.5, 7.0], [2.5, 7.5])
    array([ 7. , -0.5])
    """
    p = np.ascontiguousarray(_real("positive_scores", positive_scores), dtype=np.float64)
    n = np.ascontiguousarray(_real("negative_scores", negative_scores), dtype=np.float64)
    if p.shape != n.shape:
        raise ShapeError(
            f"`negative_scores` must have shape {_shape(p)} like `positive_scores`; got {_shape(n)}"
        )
    return _native.labels_margin_targets(p.reshape(-1), n.reshape(-1)).reshape(p.shape)


def hard_negatives(
    scores: Array,
    labels: Array,
    k: int,
    *,
    offsets: Array | None = None,
    margin: float = 0.0,
    relative: float | None = None,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """The ``k`` hardest negatives of each query by teacher score, kept away from the positives.

    With :math:`P` the lowest teacher score of the query's positives (``labels > 0``), a
    negative is eligible when its score is at most ``P - margin`` and, with ``relative``, at
    most ``relative * P`` (NV-Retriever's TopK-MarginPos / TopK-PercPos filters against false
    negatives). Returns the positions of the ``k`` eligible negatives of highest score (ties
    by position) as a ``(Q, k)`` array padded with ``-1``, and their margins ``P - score``
    (NaN for padding). A query without positives gets none.

    >>> hard_negatives([5.0, 4.9, 4.0, 3.0], [1, 0, 0, 0], 2, margin=0.5)
    (array([[2, 3]]), array([[1., 2.]]))
    """
    kk = cutoff("k", k, optional=False) or 1
    flat, off, shape = _rows("scores", scores, offsets)
    lab = _labels_like(labels, scores)
    lab_flat = np.ascontiguousarray(lab, dtype=np.float64).reshape(-1)
    idx, gap = _native.labels_hard_negatives(
        flat,
        lab_flat,
        kk,
        margin=real_scalar("margin", margin),
        relative=None if relative is None else real_scalar("relative", relative),
        offsets=off,
        shape=shape,
    )
    return idx.reshape(-1, kk), gap.reshape(-1, kk)


def ranking_text(order: Array, *, offsets: Array | None = None) -> Any:
    """The target text of a generative listwise ranker, ``"[3] > [1] > [2]"``.

    ``order`` holds 0-based positions of the candidates in the prompt, best first (``-1`` is
    padding and skipped); identifiers are 1-based prompt positions, as RankGPT prompts number
    passages and as fullrank's ``get_ranking_label`` writes its labels. A 1-D ``order``
    gives a string, a 2-D one (or ragged with ``offsets``) a list of strings. A position
    twice in one row, or outside ``0..len(row)``, is an :class:`InvalidValueError`.

    >>> ranking_text([2, 0, 1])
    '[3] > [1] > [2]'
    >>> ranking_text([[1, 0], [0, -1]])
    ['[2] > [1]', '[1]']
    """
    a = _ints("order", order)
    if offsets is not None:
        off = _int_vector("offsets", offsets, None, "row boundaries, length Q + 1")
        return _native.labels_ranking_text(a.reshape(-1), offsets=off)
    if a.ndim == 1:
        return _native.labels_ranking_text(a, shape=(1, int(a.shape[0])))[0]
    if a.ndim != 2:
        raise ShapeError(f"`order` must be 1-D or 2-D; got shape {_shape(a)}")
    return _native.labels_ranking_text(a.reshape(-1), shape=(int(a.shape[0]), int(a.shape[1])))


def ranking_label(initial_list: Sequence[Any], final_list: Sequence[Any]) -> str:
    """fullrank's ``get_ranking_label`` for one query: ``final_list`` (document ids, best
    first) written with identifiers = 1-based positions in ``initial_list`` (the prompt
    order).

    >>> ranking_label(["d1", "d2", "d3"], ["d3", "d1", "d2"])
    '[3] > [1] > [2]'
    """
    for name, value in (("initial_list", initial_list), ("final_list", final_list)):
        if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
            raise RankwiseTypeError(
                f"`{name}` must be a list of document ids; got {type(value).__name__}"
            )
    # Read once: an iterator given for either list is consumed by the first pass over it.
    lists = []
    for name, value in (("initial_list", initial_list), ("final_list", final_list)):
        try:
            lists.append(list(value))
        except TypeError:  # a 0-d numpy array is Iterable but not iterable
            raise RankwiseTypeError(
                f"`{name}` must be a list of document ids; got {type(value).__name__}"
            ) from None
    initial_list, final_list = lists
    try:
        position = {d: i for i, d in enumerate(initial_list)}
    except TypeError:
        raise RankwiseTypeError("`initial_list` must hold hashable document ids") from None
    if len(position) != len(initial_list):
        raise InvalidValueError("`initial_list` must not repeat a document id")
    try:
        missing = [d for d in final_list if d not in position]
    except TypeError:
        raise RankwiseTypeError("`final_list` must hold hashable document ids") from None
    if missing:
        raise InvalidValueError(
            f"`final_list` must only hold ids of `initial_list`; got {missing[0]!r} (and "
            f"{len(missing) - 1} more)"
        )
    order = np.array([position[d] for d in final_list], dtype=np.int64)
    if np.unique(order).shape[0] != order.shape[0]:
        raise InvalidValueError("`final_list` must not repeat a document id")
    return str(_native.labels_ranking_text(order, shape=(1, int(order.shape[0])))[0])


# ----------------------------------------------------------------------------------------------
# Complete listwise labels from a teacher (fullrank)
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FullRankLabels:
    """Complete teacher rankings: ``orders[q]`` is query ``q``'s candidate indices, best first
    (positions in the prompt order, i.e. the order given); ``texts[q]`` the same as the target
    text of a generative listwise ranker (``"[3] > [1] > [2]"``); ``windows[q]`` the teacher
    calls it took; ``repairs`` the teacher's answers that needed a repair (see
    :class:`rankwise.rerank.RerankResult`)."""

    orders: list[list[int]]
    texts: list[str]
    windows: list[int]
    repairs: list[Any]


_NOT_GIVEN: Any = object()


def _check_teacher_inputs(teacher: Any, candidates: Any, queries: Any = _NOT_GIVEN) -> None:
    """Refuse a ``teacher`` without ``rank(batch)`` and ``candidates`` that are not one list
    of candidates per query (per query of ``queries``, when given: ``None`` is refused)."""
    if not callable(getattr(teacher, "rank", None)):
        raise RankwiseTypeError(
            "`teacher` must be a listwise ranker (a rank(batch) method); got "
            f"{type(teacher).__name__}"
        )
    if isinstance(candidates, (str, bytes)) or not isinstance(candidates, Sequence):
        raise RankwiseTypeError(
            f"`candidates` must be a list of lists, one per query; got {type(candidates).__name__}"
        )
    if queries is not _NOT_GIVEN:
        if isinstance(queries, (str, bytes)) or not isinstance(queries, Sequence):
            raise RankwiseTypeError(f"`queries` must be a list; got {type(queries).__name__}")
        if len(queries) != len(candidates):
            raise InvalidValueError(
                f"`candidates` must hold one list per query ({len(queries)}); got {len(candidates)}"
            )
    bad = next((i for i, c in enumerate(candidates) if not hasattr(c, "__len__")), None)
    if bad is not None:
        raise RankwiseTypeError(
            f"`candidates[{bad}]` must be a list of the query's candidates; got "
            f"{type(candidates[bad]).__name__}"
        )


def fullrank_labels(
    queries: Sequence[Any],
    candidates: Sequence[Sequence[Any]],
    teacher: Any,
    *,
    window: int = 20,
    step: int = 10,
    batch_size: int = 32,
    cache: Any = None,
    progress: bool | None = None,
) -> FullRankLabels:
    """Complete listwise labels by the fullrank construction ("Sliding Windows Are Not the
    End", Liu et al., ACL 2025): shrinking
    sliding-window passes of a listwise ``teacher`` (any :class:`rankwise.rerank.ListwiseRanker`)
    until every candidate is placed. Each pass runs back to front over the part of the list
    not yet fixed and fixes its top ``window - step``; 100 candidates with windows of 20 and
    steps of 10 take 9 + 8 + ... + 1 = 45 teacher windows. The passes of all queries are
    batched by :func:`rankwise.rerank.rerank` (with its answer cache and resumption).

    >>> from rankwise.rerank import OracleRanker
    >>> grades = [list(range(100)), [0, 3, 1, 2]]   # a perfect teacher ranks by these
    >>> out = fullrank_labels(["q1", "q2"], grades, OracleRanker(), progress=False)
    >>> out.windows, out.orders[0][:3], out.texts[1]
    ([45, 1], [99, 98, 97], '[2] > [4] > [3] > [1]')
    """
    from .rerank import SlidingWindow, rerank

    _check_teacher_inputs(teacher, candidates)
    longest = max((len(c) for c in candidates), default=1)
    strategy = SlidingWindow(window=window, step=step, top_k=max(longest, 1))
    result = rerank(
        queries,
        candidates,
        teacher,
        strategy,
        batch_size=batch_size,
        cache=cache,
        progress=progress,
    )
    sizes = [len(o) for o in result.orders]
    flat = np.fromiter((i for o in result.orders for i in o), dtype=np.int64, count=sum(sizes))
    texts = ranking_text(flat, offsets=np.concatenate([[0], np.cumsum(sizes)]))
    return FullRankLabels(
        orders=result.orders, texts=texts, windows=result.calls, repairs=result.repairs
    )
