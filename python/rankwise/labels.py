"""Listwise label construction: full rankings, weights and targets from teacher evidence.

Training a listwise or full-list ranker needs a complete ranking of every candidate as its
label; teachers (a large LLM, a cross-encoder ensemble) give window orders or pairwise
preferences. Everything here is computed in Rust, over whole batches, in parallel.

* Permutations: :func:`permutation`, :func:`ranks`, :func:`topk_mask` from scores or graded
  labels with an explicit tie rule; :func:`inverse_permutation`.
* Aggregation into one full ranking per query with a confidence per position:
  :func:`aggregate` (window orders: Borda, Copeland, Plackett-Luce by MM exactly as
  ``choix.mm_rankings`` or by I-LSR as ``choix.ilsr_rankings``, Bradley-Terry, Kemeny) and
  :func:`aggregate_pairs` (pairwise outcomes, PRP-allpair probabilities included).
* :func:`active_labels`: complete labels that ask a teacher more windows only where the
  aggregated order is still uncertain (active label construction).
* Weights: :func:`position_weights` (fullrank, DCG), :func:`pair_weights` (FIRST),
  :func:`curriculum_ease` and :func:`curriculum_weights` (MacAvaney et al., SIGIR 2020).
* Targets: :func:`soft_labels`, :func:`margin_targets` (Margin-MSE), :func:`hard_negatives`,
  :func:`ranking_text` and :func:`ranking_label` (``"[3] > [1] > [2]"``).
* :func:`select_committee`: k-Borda, Chamberlin-Courant and PAV, optionally with group bounds.
* :func:`to_padded`: ragged results as a padded ``(Q, N)`` array.

Batches are ragged, as everywhere in rankwise: a 2-D array (rows padded with NaN), or flat
values with ``offsets`` (query ``q`` owns ``values[offsets[q]:offsets[q + 1]]``).

>>> import numpy as np
>>> from rankwise import labels
>>> labels.permutation([0.2, 0.9, 0.5])
array([1, 2, 0])
>>> a = labels.aggregate([[0, 1, 2], [0, 2, 3], [3, 4]], 5, method="borda")
>>> a.order
array([0, 1, 2, 3, 4])
>>> a.scores
array([4., 1., 1., 1., 0.])
>>> labels.ranking_text(a.order)
'[1] > [2] > [3] > [4] > [5]'
>>> labels.position_weights([1, 2, 3]).round(3)
array([2.   , 1.631, 1.5  ])

Plackett-Luce strengths (centred log-strengths, as choix returns them) and the probability
of each candidate being ranked first:

>>> pl = labels.aggregate([[0, 1, 2], [1, 0], [2, 0, 1], [1, 2]], 3, method="plackett_luce")
>>> pl.order, bool(pl.converged[0])
(array([0, 1, 2]), True)
>>> labels.soft_labels(pl.scores).round(3)
array([0.451, 0.371, 0.177])
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from . import _native
from ._label_active import ActiveLabels, ActiveRound, active_labels
from ._label_targets import (
    FullRankLabels,
    fullrank_labels,
    hard_negatives,
    margin_targets,
    ranking_label,
    ranking_text,
    soft_labels,
)
from ._validation import (
    I64_MAX,
    U64_MAX,
    _int_vector,
    _ints,
    _labels_like,
    _real,
    _rows,
    _shape,
    cutoff,
    flag,
    integer,
    real_array,
    real_scalar,
)
from .errors import ConvergenceWarning, InvalidValueError, RankwiseTypeError, ShapeError

__all__ = [
    "ActiveLabels",
    "ActiveRound",
    "Aggregation",
    "Committee",
    "FullRankLabels",
    "active_labels",
    "aggregate",
    "aggregate_pairs",
    "curriculum_ease",
    "curriculum_weights",
    "fullrank_labels",
    "hard_negatives",
    "inverse_permutation",
    "margin_targets",
    "pair_weights",
    "permutation",
    "position_weights",
    "ranking_label",
    "ranking_text",
    "ranks",
    "select_committee",
    "soft_labels",
    "to_padded",
    "topk_mask",
]

Array = npt.ArrayLike
TieBreak = Literal["stable", "random", "doc_id"]
Method = Literal[
    "borda",
    "copeland",
    "plackett_luce",
    "plackett_luce_ilsr",
    "bradley_terry",
    "kemeny",
    "kemeny_exact",
]


# ----------------------------------------------------------------------------------------------
# Ragged results
# ----------------------------------------------------------------------------------------------
def to_padded(values: Array, offsets: Array, *, fill: float | int = -1) -> npt.NDArray[Any]:
    """Ragged rows (flat ``values`` cut by ``offsets``) as a ``(Q, max_len)`` array padded with
    ``fill``.

    >>> to_padded([3, 1, 2, 0], [0, 3, 4])
    array([[ 3,  1,  2],
           [ 0, -1, -1]])
    """
    v = real_array("values", values)
    if v.ndim != 1:
        raise ShapeError(f"`values` must be 1-D (flat, cut by `offsets`); got shape {_shape(v)}")
    if isinstance(fill, bool) or not isinstance(fill, (int, float, np.integer, np.floating)):
        raise RankwiseTypeError(f"`fill` must be a number; got {type(fill).__name__}")
    off = _int_vector("offsets", offsets, None, "query boundaries, length Q + 1")
    if off.shape[0] == 0 or off[0] != 0 or off[-1] != v.shape[0] or np.any(np.diff(off) < 0):
        raise InvalidValueError(
            f"`offsets` must start at 0, never decrease and end at len(values) = {v.shape[0]}"
        )
    lengths = np.diff(off)
    q = lengths.shape[0]
    width = int(lengths.max()) if q else 0
    try:
        dtype = np.result_type(v.dtype, np.min_scalar_type(fill))
    except (TypeError, ValueError):
        raise InvalidValueError(f"`fill` must be a number numpy can hold; got {fill!r}") from None
    out = np.full((q, width), fill, dtype=dtype)
    rows = np.repeat(np.arange(q), lengths)
    cols = np.arange(v.shape[0]) - np.repeat(off[:-1], lengths)
    out[rows, cols] = v
    return out


# ----------------------------------------------------------------------------------------------
# Permutations
# ----------------------------------------------------------------------------------------------
def _order(
    values: Array,
    offsets: Array | None,
    ties: TieBreak,
    seed: int,
    doc_ids: Array | None,
    descending: bool,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], tuple[int, ...]]:
    values = real_array("values", values)
    shape_in = np.shape(values)
    flat, off, shape = _rows("values", values, offsets)
    ids = None
    if doc_ids is not None:
        ids = _ints("doc_ids", doc_ids).reshape(-1)
    order, rk = _native.labels_order(
        flat,
        offsets=off,
        shape=shape,
        ties=ties,
        seed=integer("seed", seed, maximum=U64_MAX),
        doc_ids=ids,
        descending=flag("descending", descending),
    )
    return order, rk, tuple(int(d) for d in shape_in)


def permutation(
    values: Array,
    *,
    offsets: Array | None = None,
    ties: TieBreak = "stable",
    seed: int = 0,
    doc_ids: Array | None = None,
    descending: bool = True,
) -> npt.NDArray[np.int64]:
    """The order of every row: positions of its values, best first.

    ``values`` are scores or graded labels: 1-D (one row, or ragged rows with ``offsets``) or
    2-D ``(Q, D)`` with NaN padding. Higher values come first (``descending=False`` reverses
    that); equal values by ``ties``: ``"stable"`` (lower position first), ``"random"``
    (drawn from ``seed`` and the row index, reproducible on any machine and thread count) or
    ``"doc_id"`` (lower ``doc_ids`` first; ``doc_ids`` has the shape of ``values``). NaN
    values take no part: each row's order is followed by ``-1`` for them. The result has the
    shape of ``values``.

    >>> permutation([[1, 3, 1], [np.nan, 2, 2]])
    array([[ 1,  0,  2],
           [ 1,  2, -1]])
    """
    order, _, shape = _order(values, offsets, ties, seed, doc_ids, descending)
    return order.reshape(shape)


def ranks(
    values: Array,
    *,
    offsets: Array | None = None,
    ties: TieBreak = "stable",
    seed: int = 0,
    doc_ids: Array | None = None,
    descending: bool = True,
) -> npt.NDArray[np.int64]:
    """The 0-based rank of every value in its row (the inverse of :func:`permutation`), ``-1``
    for NaN; same options as :func:`permutation`.

    >>> ranks([0.2, 0.9, 0.5])
    array([2, 0, 1])
    """
    _, rk, shape = _order(values, offsets, ties, seed, doc_ids, descending)
    return rk.reshape(shape)


def topk_mask(
    values: Array,
    k: int,
    *,
    offsets: Array | None = None,
    ties: TieBreak = "stable",
    seed: int = 0,
    doc_ids: Array | None = None,
    descending: bool = True,
) -> npt.NDArray[np.bool_]:
    """True for the ``k`` best values of each row (by :func:`ranks`), False elsewhere.

    >>> topk_mask([0.2, 0.9, 0.5], 2)
    array([False,  True,  True])
    """
    kk = cutoff("k", k, optional=False)
    rk = ranks(
        values, offsets=offsets, ties=ties, seed=seed, doc_ids=doc_ids, descending=descending
    )
    return (rk >= 0) & (rk < kk)  # type: ignore[operator]


def inverse_permutation(perm: Array, *, offsets: Array | None = None) -> npt.NDArray[np.int64]:
    """Inverse of every row of a batch of permutations.

    A row holds distinct positions in ``0..len(row)`` followed by ``-1`` padding; the inverse
    maps each position to where it appears (``-1`` where it does not), so the inverse of a
    :func:`permutation` is :func:`ranks`.

    >>> inverse_permutation([2, 0, 1])
    array([1, 2, 0])
    """
    a = _ints("perm", perm)
    if offsets is not None:
        if a.ndim != 1:
            raise ShapeError(f"`perm` must be 1-D with `offsets`; got shape {_shape(a)}")
        off = _int_vector("offsets", offsets, None, "row boundaries, length Q + 1")
        return _perm_named(lambda: _native.labels_inverse(a, offsets=off))
    if a.ndim not in (1, 2):
        raise ShapeError(f"`perm` must be 1-D or 2-D; got shape {_shape(a)}")
    shape = (1, int(a.shape[0])) if a.ndim == 1 else (int(a.shape[0]), int(a.shape[1]))
    out = _perm_named(lambda: _native.labels_inverse(a.reshape(-1), shape=shape))
    return out.reshape(a.shape)


def _perm_named(call: Any) -> npt.NDArray[np.int64]:
    """The core calls the argument `permutation`; here it is `perm`."""
    try:
        out: npt.NDArray[np.int64] = call()
    except (InvalidValueError, ShapeError) as e:
        raise type(e)(str(e).replace("`permutation`", "`perm`")) from None
    return out


# ----------------------------------------------------------------------------------------------
# Aggregation
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Aggregation:
    """One full ranking per query, flat: query ``q`` owns ``offsets[q]:offsets[q + 1]`` of
    ``order``, ``scores``, ``confidence`` and ``observed`` (one entry per candidate; use
    :func:`to_padded` for a ``(Q, N)`` array).

    * ``order``: candidate indices, best first; never-observed candidates come last, in
      candidate order;
    * ``scores``: each candidate's score (indexed by candidate): Borda points, Copeland score,
      centred log-strength (Plackett-Luce, Bradley-Terry; as choix), or ``m - 1 - position``
      (Kemeny); NaN for never-observed candidates;
    * ``confidence``: per position ``p``, the probability that the candidate at ``p`` belongs
      before the one at ``p + 1``: the fitted model's for Plackett-Luce and Bradley-Terry,
      else the share of direct evidence between the two that agrees (NaN if never compared);
      NaN for the last observed position and after;
    * ``observed``: whether each candidate carries any evidence;
    * per query: ``iterations`` and ``converged`` (MM / I-LSR; 0 and True otherwise) and
      ``disagreement``, the Kemeny cost of the order (weight of contradicted pairwise
      evidence).
    """

    order: npt.NDArray[np.int64]
    scores: npt.NDArray[np.float64]
    confidence: npt.NDArray[np.float64]
    observed: npt.NDArray[np.bool_]
    offsets: npt.NDArray[np.int64]
    iterations: npt.NDArray[np.uint32]
    converged: npt.NDArray[np.bool_]
    disagreement: npt.NDArray[np.float64]
    method: str


def _n_items(n_items: object, q: int) -> npt.NDArray[np.int64]:
    if isinstance(n_items, (int, np.integer)) and not isinstance(n_items, bool):
        return np.full(q, integer("n_items", n_items, maximum=I64_MAX), dtype=np.int64)
    return _int_vector("n_items", n_items, q, "one candidate count per query")


def _windows(
    windows: object, window_offsets: Array | None, query_offsets: Array | None
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(items, window_offsets, query_offsets) from any accepted form of window orders."""
    if window_offsets is not None:
        items = _ints("windows", windows)
        if items.ndim != 1:
            raise ShapeError(
                f"`windows` must be 1-D (flat) with `window_offsets`; got {_shape(items)}"
            )
        wo = _int_vector("window_offsets", window_offsets, None, "window boundaries")
        w = max(wo.shape[0] - 1, 0)
        qo = (
            np.array([0, w], dtype=np.int64)
            if query_offsets is None
            else _int_vector("query_offsets", query_offsets, None, "query boundaries")
        )
        return items, wo, qo
    if isinstance(windows, (list, tuple)) and not windows:
        if query_offsets is not None:
            raise InvalidValueError("`query_offsets` needs flat `windows` and `window_offsets`")
        empty = np.zeros(0, dtype=np.int64)
        return empty, np.zeros(1, dtype=np.int64), np.array([0, 0], dtype=np.int64)
    if isinstance(windows, (list, tuple)) and not _rectangular(windows):
        # One query, windows of different sizes: one conversion per window (input only).
        parts = [_ints("windows", w) for w in windows]
        bad = next((i for i, part in enumerate(parts) if part.ndim != 1), None)
        if bad is not None:
            raise ShapeError(
                f"`windows` given as a list must hold 1-D windows of one query; window {bad} "
                f"has shape {_shape(parts[bad])} (for many queries pass a 3-D array, or flat "
                "windows with `window_offsets` and `query_offsets`)"
            )
        lengths = np.array([p.shape[0] for p in parts], dtype=np.int64)
        items = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        wo = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        qo = np.array([0, len(parts)], dtype=np.int64)
        if query_offsets is not None:
            raise InvalidValueError("`query_offsets` needs flat `windows` and `window_offsets`")
        return np.ascontiguousarray(items), wo, qo
    a = _ints("windows", windows)
    if a.ndim == 2:
        a = a[None]
    if a.ndim != 3:
        raise ShapeError(
            "`windows` must be a list of windows, a 2-D array (windows, size) for one query, "
            f"a 3-D array (queries, windows, size), or flat with `window_offsets`; got {_shape(a)}"
        )
    q, w, m = (int(d) for d in a.shape)
    valid = a >= 0
    if m > 1 and np.any(~valid[..., :-1] & valid[..., 1:]):
        raise InvalidValueError(
            "`windows` may be padded with negative values only at the end of a window"
        )
    lengths = valid.sum(axis=2).reshape(-1)
    items = np.ascontiguousarray(a[valid])
    wo = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    qo = (np.arange(q + 1) * w).astype(np.int64)
    return items, wo, qo


def _rectangular(seq: Sequence[Any]) -> bool:
    try:
        lengths = {len(w) for w in seq}
    except TypeError:
        return True
    return len(lengths) == 1


def _fit(
    evidence: dict[str, Any],
    qo: npt.NDArray[np.int64],
    n_items: object,
    method: Method,
    normalize: Literal["none", "window", "mean"],
    count: Literal["majority", "sum"],
    start: Literal["borda", "copeland"],
    alpha: float,
    max_iter: int | None,
    tol: float,
) -> Aggregation:
    """Aggregate the evidence of each query (window orders or weighted pairs, flat and cut by
    ``qo``) by the core; warn when MM or I-LSR did not converge."""
    n = _n_items(n_items, max(qo.shape[0] - 1, 0))
    if not isinstance(method, str):  # compared below; the core checks the name itself
        raise RankwiseTypeError(f"`method` must be a str; got {type(method).__name__}")
    if max_iter is None:
        max_iter = 100 if method == "plackett_luce_ilsr" else 10000
    max_iter = integer("max_iter", max_iter, minimum=1)
    raw = _native.labels_aggregate(
        method,
        n,
        qo,
        normalize=normalize,
        count=count,
        start=start,
        alpha=real_scalar("alpha", alpha),
        max_iter=max_iter,
        tol=real_scalar("tol", tol),
        **evidence,
    )
    offsets = np.concatenate([[0], np.cumsum(n)]).astype(np.int64)
    conv = raw["converged"]
    if not conv.all():
        bad = np.flatnonzero(~conv)
        warnings.warn(
            f"{method}: the iterations did not converge for {bad.shape[0]} of {conv.shape[0]} "
            f"queries (first: query {int(bad[0])}); their current estimates are returned and "
            "flagged in `converged` (raise `max_iter`, or `alpha` > 0 when the comparisons do "
            "not connect every candidate)",
            ConvergenceWarning,
            stacklevel=3,
        )
    return Aggregation(
        order=raw["order"],
        scores=raw["scores"],
        confidence=raw["confidence"],
        observed=raw["observed"],
        offsets=offsets,
        iterations=raw["iterations"],
        converged=conv,
        disagreement=raw["disagreement"],
        method=method,
    )


def aggregate(
    windows: object,
    n_items: int | Array,
    *,
    method: Method = "plackett_luce",
    window_offsets: Array | None = None,
    query_offsets: Array | None = None,
    normalize: Literal["none", "window", "mean"] = "none",
    count: Literal["majority", "sum"] = "majority",
    start: Literal["borda", "copeland"] = "borda",
    alpha: float = 0.0,
    max_iter: int | None = None,
    tol: float = 1e-8,
) -> Aggregation:
    r"""Aggregate window orders into one full ranking per query.

    ``windows`` are orders (best first) over subsets of each query's candidates
    ``0..n_items - 1``: a list of windows (one query, windows of any size), a 2-D int array
    ``(windows, size)`` (one query) or 3-D ``(queries, windows, size)`` (negative values pad
    windows at their end), or flat candidate indices with ``window_offsets`` (window ``w`` is
    ``windows[window_offsets[w]:window_offsets[w + 1]]``) and ``query_offsets`` (query ``q``
    owns windows ``query_offsets[q]:query_offsets[q + 1]``). ``n_items`` is one count for all
    queries or one per query.

    Methods (``W[a][b]``: number of windows that put ``a`` before ``b``):

    * ``"borda"``: a window of size :math:`m` gives position :math:`p` (0-based)
      :math:`m - 1 - p` points; ``normalize="window"`` divides by :math:`m`, ``"mean"``
      averages over the windows that contain the candidate;
    * ``"copeland"``: ``count="majority"``: +1 for each candidate beaten by majority, -1 for
      each lost to, 0 for a tie (wins - losses, a tie counting half of each);
      ``count="sum"``: :math:`\sum_b W[a][b] - W[b][a]` (every comparison counts);
    * ``"plackett_luce"``: maximum likelihood under Plackett-Luce by Hunter's MM algorithm,
      iteration for iteration as ``choix.mm_rankings(n_items, windows, alpha=alpha,
      max_iter=max_iter, tol=tol)`` (choix 0.4; default ``max_iter=10000``); scores are
      choix's centred log-strengths. With ``alpha = 0`` a candidate that never wins a stage
      (last in every window it is in) has no finite estimate: that is an error naming it
      (pass e.g. ``alpha=0.01``);
    * ``"plackett_luce_ilsr"``: the same model by I-LSR, as ``choix.ilsr_rankings`` (default
      ``max_iter=100``);
    * ``"bradley_terry"``: windows expanded into all their ordered pairs, then MM as
      ``choix.mm_pairwise``;
    * ``"kemeny"``: the Borda (``start="borda"``) or Copeland order improved by insertion
      moves while any lowers the Kemeny cost :math:`\sum_{a \text{ before } b} W[b][a]`;
      never worse than its start;
    * ``"kemeny_exact"``: the exact Kemeny order by enumeration (at most 8 observed
      candidates; for tests).

    Equal scores are ordered by candidate index. Candidates that appear in no window of two
    or more are never observed: they are ranked last in candidate order, with NaN scores,
    and ``observed`` is False for them; the Plackett-Luce fits leave them out (choix, given
    them with ``alpha > 0``, would fit them a strength of its own). When MM or I-LSR reaches
    ``max_iter``, a :class:`~rankwise.errors.ConvergenceWarning` is issued and the current
    estimate returned, flagged in ``converged``.

    >>> a = aggregate(np.array([[[2, 0, 1], [0, 1, 3]]]), 5, method="copeland")
    >>> a.order, a.observed
    (array([2, 0, 1, 3, 4]), array([ True,  True,  True,  True, False]))
    >>> a.confidence
    array([ 1.,  1.,  1., nan, nan])
    """
    items, wo, qo = _windows(windows, window_offsets, query_offsets)
    evidence = {"items": items, "window_offsets": wo}
    return _fit(evidence, qo, n_items, method, normalize, count, start, alpha, max_iter, tol)


def aggregate_pairs(
    pairs: Array,
    n_items: int | Array,
    *,
    method: Method = "bradley_terry",
    weights: Array | None = None,
    probabilities: Array | None = None,
    query_offsets: Array | None = None,
    normalize: Literal["none", "window", "mean"] = "none",
    count: Literal["majority", "sum"] = "majority",
    start: Literal["borda", "copeland"] = "borda",
    alpha: float = 0.0,
    max_iter: int | None = None,
    tol: float = 1e-8,
) -> Aggregation:
    """Aggregate pairwise outcomes into one full ranking per query.

    ``pairs`` is an int array ``(P, 2)`` of ``(winner, loser)``, each pair one comparison, or
    ``weights`` comparisons (counts). With ``probabilities``, ``pairs`` are ``(a, b)`` with
    ``probabilities = P(a before b)`` (PRP-allpair, duoT5): ``a`` wins mass ``p`` and ``b``
    mass ``1 - p``, so a tie (``p = 0.5``) counts half to each. ``query_offsets`` cuts the
    pairs into queries. The methods are those of :func:`aggregate`, each pair being a window
    of two: ``"bradley_terry"`` (= ``"plackett_luce"`` here) is ``choix.mm_pairwise``,
    ``"copeland"`` with ``count="sum"`` is PRP-allpair's score (wins - losses).

    >>> a = aggregate_pairs([[0, 1], [1, 2], [0, 2]], 3, method="copeland")
    >>> a.order, a.scores
    (array([0, 1, 2]), array([ 2.,  0., -2.]))
    """
    p = _ints("pairs", pairs)
    if p.ndim != 2 or p.shape[1] != 2:
        raise ShapeError(f"`pairs` must have shape (P, 2) (winner, loser); got {_shape(p)}")
    npairs = int(p.shape[0])
    if query_offsets is None:
        qo = np.array([0, npairs], dtype=np.int64)
    else:
        qo = _int_vector("query_offsets", query_offsets, None, "query boundaries")
    w: npt.NDArray[np.float64] | None = None
    if weights is not None and probabilities is not None:
        raise InvalidValueError("give `weights` or `probabilities`, not both")
    if weights is not None:
        w = np.ascontiguousarray(_real("weights", weights), dtype=np.float64).reshape(-1)
        winners, losers = np.ascontiguousarray(p[:, 0]), np.ascontiguousarray(p[:, 1])
    elif probabilities is not None:
        pr = np.asarray(_real("probabilities", probabilities), dtype=np.float64).reshape(-1)
        if pr.shape[0] != npairs:
            raise ShapeError(
                f"`probabilities` must have one value per pair ({npairs}); got {pr.shape[0]}"
            )
        bad = ~((pr >= 0) & (pr <= 1))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InvalidValueError(f"`probabilities` must be in [0, 1]; got {pr[i]} at pair {i}")
        winners = np.ascontiguousarray(np.stack([p[:, 0], p[:, 1]], axis=1).reshape(-1))
        losers = np.ascontiguousarray(np.stack([p[:, 1], p[:, 0]], axis=1).reshape(-1))
        w = np.ascontiguousarray(np.stack([pr, 1.0 - pr], axis=1).reshape(-1))
        qo = qo * 2
    else:
        winners, losers = np.ascontiguousarray(p[:, 0]), np.ascontiguousarray(p[:, 1])
    evidence = {"winners": winners, "losers": losers, "weights": w}
    return _fit(evidence, qo, n_items, method, normalize, count, start, alpha, max_iter, tol)


# ----------------------------------------------------------------------------------------------
# Weights
# ----------------------------------------------------------------------------------------------
def position_weights(
    ranks: Array, *, scheme: Literal["fullrank", "dcg"] = "fullrank"
) -> npt.NDArray[np.float64]:
    r"""Importance weight of each **1-based** rank :math:`r` (any shape; ``-1`` is padding and
    gives NaN).

    ``"fullrank"``: :math:`1 + 1/\log_2(r + 1)`, the identifier-token weight of fullrank
    ("Sliding Windows Are Not the End", Liu et al., ACL 2025; rank 1 -> 2, rank 100 -> 1.150);
    ``"dcg"``: :math:`1/\log_2(r + 1)`.

    >>> position_weights([1, 3, 7], scheme="dcg")
    array([1.        , 0.5       , 0.33333333])
    """
    r = _ints("ranks", ranks)
    return _native.labels_position_weights(r.reshape(-1), scheme).reshape(r.shape)


def pair_weights(ranks_i: Array, ranks_j: Array) -> npt.NDArray[np.float64]:
    """FIRST's pair weight :math:`1/(r_i + r_j)` of 1-based ranks (Reddy et al., 2024, weighted
    RankNet); ``-1`` is padding and gives NaN.

    >>> pair_weights([1, 1], [2, 9])
    array([0.33333333, 0.1       ])
    """
    a, b = _ints("ranks_i", ranks_i), _ints("ranks_j", ranks_j)
    if a.shape != b.shape:
        raise ShapeError(f"`ranks_j` must have shape {_shape(a)} like `ranks_i`; got {_shape(b)}")
    return _native.labels_pair_weights(a.reshape(-1), b.reshape(-1)).reshape(a.shape)


def curriculum_ease(
    scores: Array,
    labels: Array,
    *,
    offsets: Array | None = None,
    difficulty: Literal["reciprocal_rank", "normalized_score"] = "reciprocal_rank",
) -> npt.NDArray[np.float64]:
    r"""Ease :math:`D \in [0, 1]` (1 = easy) of each training sample from first-stage (or
    teacher) scores, as in MacAvaney et al., "Training Curricula for Open Domain Answer
    Re-Ranking" (SIGIR 2020).

    ``"reciprocal_rank"``: with :math:`r` the sample's 1-based rank by ``scores`` in its
    query, :math:`D = 1/r` for a relevant sample (``labels > 0``) and :math:`1 - 1/r`
    otherwise (a relevant document ranked low, or a non-relevant one ranked high, is hard);
    ``"normalized_score"``: the same with the query's min-max normalised score :math:`\tilde
    s` in place of :math:`1/r`. NaN scores are padding and give NaN. These are the authors'
    ``reciprank`` and ``normscore`` curricula (OpenNIR, ``onir/trainers/pointwise_cl.py``:
    the weight, or one minus it for a non-relevant sample; ``normscore`` is min-max per query,
    ``onir/datasets/index_backed.py::_norm``), without the 1e-8 the code adds.

    >>> curriculum_ease([3.0, 1.0, 2.0], [1, 1, 0])
    array([1.        , 0.33333333, 0.5       ])
    """
    flat, off, shape = _rows("scores", scores, offsets)
    lab = _labels_like(labels, scores)
    rel = np.ascontiguousarray(lab.reshape(-1) > 0)
    out = _native.labels_curriculum_ease(flat, rel, difficulty, offsets=off, shape=shape)
    return out.reshape(np.shape(scores))


def curriculum_weights(ease: Array, step: int, total_steps: int) -> npt.NDArray[np.float64]:
    r"""Curriculum weight of each sample at training step ``step`` (MacAvaney et al., 2020):

    .. math:: W = D + \frac{i}{m}(1 - D) \quad (i < m), \qquad W = 1 \quad (i \ge m)

    with :math:`D` the ease (:func:`curriculum_ease`), :math:`i` = ``step`` and :math:`m` =
    ``total_steps``: hard samples are down-weighted at first, and every sample weighs 1 after
    :math:`m` steps.

    >>> curriculum_weights([0.25, 1.0], 1, 3)
    array([0.5, 1. ])
    """
    e = _real("ease", ease)
    step = integer("step", step, maximum=U64_MAX)
    tot = integer("total_steps", total_steps, minimum=1, maximum=U64_MAX)
    flat = np.ascontiguousarray(e, dtype=np.float64).reshape(-1)
    return _native.labels_curriculum_weights(flat, step, tot).reshape(e.shape)


# ----------------------------------------------------------------------------------------------
# Committee selection
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Committee:
    """The selected candidates (in selection order) and the committee's score under the rule."""

    members: npt.NDArray[np.int64]
    score: float


def select_committee(
    rankings: Array,
    k: int,
    *,
    rule: Literal["k_borda", "chamberlin_courant", "pav"] = "k_borda",
    approval_top: int = 1,
    groups: Array | None = None,
    lower: Array | None = None,
    upper: Array | None = None,
) -> Committee:
    r"""Select ``k`` candidates from many full rankings (``(voters, n)``, each row a
    permutation of ``0..n-1``, best first), greedily.

    A voter's utility for the candidate at position :math:`p` is :math:`n - 1 - p` (Borda).
    ``"k_borda"``: :math:`\sum_v \sum_{c \in S} u_v(c)` (the k best Borda scores);
    ``"chamberlin_courant"``: :math:`\sum_v \max_{c \in S} u_v(c)`; ``"pav"``: approvals are
    each voter's top ``approval_top``, score :math:`\sum_v H(|A_v \cap S|)`. Each step adds
    the candidate of largest marginal gain (ties: lower index), a :math:`1 - 1/e`
    approximation for Chamberlin-Courant and PAV. With ``groups`` (a group id ``0..G-1`` per
    candidate) and bounds ``lower``/``upper`` (length G), a candidate is only taken if the
    remaining slots can still meet every lower bound.

    >>> r = [[0, 1, 2, 3], [0, 1, 3, 2], [3, 2, 1, 0]]
    >>> select_committee(r, 2, rule="chamberlin_courant")
    Committee(members=array([0, 3]), score=9.0)
    >>> select_committee(r, 2, groups=[0, 0, 1, 1], lower=[0, 2], upper=[2, 2]).members
    array([3, 2])
    """
    a = _ints("rankings", rankings)
    if a.ndim != 2:
        raise ShapeError(f"`rankings` must be 2-D (voters, candidates); got {_shape(a)}")
    kk = cutoff("k", k, optional=False) or 1
    given = [x is not None for x in (groups, lower, upper)]
    if any(given) and not all(given):
        raise InvalidValueError("`groups`, `lower` and `upper` go together")
    g = lo = up = None
    if all(given):
        g = _ints("groups", groups).reshape(-1)
        lo = _ints("lower", lower).reshape(-1)
        up = _ints("upper", upper).reshape(-1)
    members, score = _native.labels_committee(
        a.reshape(-1),
        int(a.shape[1]),
        kk,
        rule,
        approval_top=integer("approval_top", approval_top),
        groups=g,
        lower=lo,
        upper=up,
    )
    return Committee(members=members, score=float(score))
