"""Active label construction: ask the teacher again only where the label is uncertain.

Part of :mod:`rankwise.labels`, which re-exports :func:`active_labels` and
:class:`ActiveLabels` (import them from there).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from . import _native
from ._label_targets import _check_teacher_inputs, ranking_text
from ._validation import I64_MAX, U64_MAX, _short, choice, integer, real_scalar
from .errors import ConvergenceWarning, InvalidValueError, RankwiseTypeError

__all__ = ["ActiveLabels", "ActiveRound", "active_labels"]

_METHODS = ("plackett_luce", "plackett_luce_ilsr", "bradley_terry", "borda", "copeland")


@dataclass(frozen=True)
class ActiveRound:
    """One round of :func:`active_labels`: the teacher ``windows`` asked in it (all queries
    together), the ``queries`` that asked any, and after it the number of queries whose every
    position reached the requested confidence (``settled``) and the lowest confidence of any
    adjacent pair (``min_confidence``, NaN if a pair was never compared)."""

    round: int
    windows: int
    queries: int
    settled: int
    min_confidence: float


@dataclass(frozen=True)
class ActiveLabels:
    """Labels built by :func:`active_labels`.

    ``orders[q]``: query ``q``'s candidate indices, best first; ``texts[q]`` the same as a
    generative ranker's target text (``"[3] > [1] > [2]"``); ``confidence[q]`` the confidence
    of each position under the ``stop`` rule (see :class:`Aggregation`, or the evidence
    confidence; NaN for the last); ``windows[q]`` the teacher windows query ``q`` took;
    ``settled[q]`` whether every adjacent pair the rule looks at (all, or the top ``k``)
    reached the requested confidence (False: the budget ran out first); ``rounds`` the trace, one
    :class:`ActiveRound` per round; ``evidence[q]`` the teacher's window orders (candidate
    indices, best first), to aggregate again by another method.
    """

    orders: list[list[int]]
    texts: list[str]
    confidence: list[npt.NDArray[np.float64]]
    windows: list[int]
    settled: list[bool]
    rounds: list[ActiveRound]
    evidence: list[list[list[int]]]

    @property
    def calls(self) -> int:
        """Teacher windows asked in all."""
        return int(sum(self.windows))


def _answer(answer: Any, size: int, where: str) -> list[int]:
    """A teacher answer (a permutation of ``range(size)`` or text) as a permutation."""
    if isinstance(answer, str):
        from .rerank.parsing import parse_permutation

        return parse_permutation(answer, size).order
    try:
        order = [int(i) for i in answer]
    except (TypeError, ValueError):
        raise InvalidValueError(
            f"`teacher` answers must be permutations of the window or text; got "
            f"{_short(answer)} for {where}"
        ) from None
    if sorted(order) != list(range(size)):
        raise InvalidValueError(
            f"`teacher` answers must be permutations of range({size}) (the window's positions, "
            f"best first); got {_short(answer)} for {where}"
        )
    return order


def _evidence(
    evidence: list[list[list[int]]],
    n: npt.NDArray[np.int64],
    offsets: npt.NDArray[np.int64],
    order: npt.NDArray[np.int64],
) -> npt.NDArray[np.float64]:
    """The evidence confidence of each adjacent pair of the current ``order`` (see
    :func:`active_labels`, ``stop="evidence"``); NaN at each query's last position."""
    total = order.shape[0]
    ranked = order + np.repeat(offsets[:-1], n)  # each position's candidate, flat
    position = np.empty(total, dtype=np.int64)
    position[ranked] = np.arange(total)
    is_last = np.zeros(total, dtype=bool)
    is_last[offsets[1:][n > 0] - 1] = True
    # Every entry of every window: its candidate (flat), its window and its rank in it.
    sizes = [len(w) for ev in evidence for w in ev]
    owner = np.repeat(np.arange(len(evidence)), [len(ev) for ev in evidence])
    cand = np.fromiter(
        (i for ev in evidence for w in ev for i in w), np.int64, int(sum(sizes))
    ) + np.repeat(offsets[:-1][owner], sizes)
    window = np.repeat(np.arange(len(sizes)), sizes)
    rank = np.arange(cand.shape[0]) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    # For the entry of candidate a (at position p, not last): the same window's entry of the
    # candidate at p + 1, if the window showed it.
    keys = window * total + cand
    sort = np.argsort(keys, kind="stable")
    p = position[cand]
    has_next = ~is_last[p]
    nxt = ranked[np.minimum(p + 1, total - 1)]
    want = window * total + nxt
    met = wins = np.zeros(total, dtype=np.int64)
    if keys.shape[0]:
        at = np.minimum(np.searchsorted(keys[sort], want), keys.shape[0] - 1)
        shown = has_next & (keys[sort][at] == want)
        won = shown & (rank < rank[sort][at])
        met = np.bincount(p[shown], minlength=total)
        wins = np.bincount(p[won], minlength=total)
    out: npt.NDArray[np.float64] = _sign_confidence(wins, met - wins)
    out[is_last] = np.nan
    return out


def _sign(wins: int, losses: int) -> float:
    """P(q > 1/2) for the probability ``q`` that the first of a pair is shown before the
    second, under a uniform prior after ``wins`` and ``losses``: the Beta(wins + 1, losses +
    1) tail, ``P(Binomial(wins + losses + 1, 1/2) <= wins)``."""
    m = wins + losses + 1
    return math.fsum(math.comb(m, k) for k in range(wins + 1)) / 2.0**m


_sign_confidence = np.vectorize(_sign, otypes=[np.float64])


def active_labels(
    queries: Sequence[Any],
    candidates: Sequence[Sequence[Any]],
    teacher: Any,
    *,
    confidence: float = 0.9,
    max_windows: int = 45,
    window: int = 20,
    per_round: int | None = None,
    method: Literal[
        "plackett_luce", "plackett_luce_ilsr", "bradley_terry", "borda", "copeland"
    ] = "plackett_luce",
    alpha: float = 1.0,
    seed: int = 0,
    batch_size: int = 32,
    stop: Literal["probability", "evidence"] = "probability",
    top_k: int | None = None,
) -> ActiveLabels:
    """Complete listwise labels that ask the ``teacher`` more windows only where the ranking is
    still uncertain (active label construction).

    Round 0 covers each query's candidates, in the order given, by windows of ``window``
    overlapping by half (one sliding-window pass: 9 windows for 100 candidates). After each
    round every query's windows so far are aggregated by :func:`aggregate` (``method``,
    ``alpha``), giving a full order and the confidence of each adjacent pair (for
    Plackett-Luce, the fitted probability that the first belongs before the second). The next
    round asks, for each query, windows of consecutive positions of its current order around
    the pairs below ``confidence``, least confident first (Rust,
    ``labels/active.rs``), each shown in a shuffled order; at most ``per_round`` per query
    (default: as many as cover every uncertain pair) and ``max_windows`` in all. A query stops
    when every pair reaches ``confidence`` or its budget is spent; the rounds stop when every
    query has stopped.

    ``teacher`` is a listwise ranker as for :func:`fullrank_labels`: ``teacher.rank(batch)``
    gets ``(query, shown candidates)`` pairs, up to ``batch_size`` at a time, and answers each
    with a permutation of the window's positions (best first) or text (``"[2] > [1]"``,
    read by :func:`rankwise.rerank.parse_permutation`, repairs included).

    ``stop`` chooses what a pair's confidence is, and so when a query stops:

    * ``"probability"``: the aggregation's confidence (for Plackett-Luce, the fitted
      probability that the first of the pair belongs before the second). It is the fitted
      probability of the order, not a measure of how much evidence there is: it grows as
      windows confirm a pair (``alpha=1`` is one pseudo-comparison of prior), but for a long
      list the neighbours' strengths are close, and even a perfect teacher rarely lifts every
      pair above ``confidence``; ``max_windows`` is then what stops.
    * ``"evidence"``: how much the teacher's answers support the pair's order. Of the
      windows that showed both candidates, ``w`` put them in the current order and ``l`` the
      other way; the confidence is the posterior probability, under a uniform prior, that the
      teacher puts them in this order more often than not: ``P(q > 1/2)`` for ``q ~ Beta(w +
      1, l + 1)`` (a Bayesian sign test; 0.5 before any window showed both). It grows with
      every window that agrees, however close the pair's fitted strengths, so a consistent
      teacher settles a query (with ``confidence=0.9``, three agreeing windows and none
      against settle a pair); a teacher that answers at random does not, as ``w`` and ``l``
      stay alike. Only direct evidence counts (``a`` before ``c`` and ``c`` before ``b`` is
      not evidence for the pair ``a``, ``b``): conservative. The Wald test of the fitted
      log-worths (their Fisher-information standard errors) is not used: with a consistent
      teacher the fit separates, its errors grow faster than its differences (Hauck &
      Donner 1977), and it would never stop.

    ``top_k`` (either rule): only the pairs within the first ``top_k`` positions and the one
    across the boundary (positions ``top_k - 1``, ``top_k``) must reach ``confidence``; the
    windows go there, and a query stops once its top ``k`` is settled (the order below is the
    current estimate).

    >>> from rankwise.rerank import OracleRanker
    >>> grades = [list(range(40)), [0, 3, 1, 2]]   # a perfect teacher ranks by these
    >>> out = active_labels(["q1", "q2"], grades, OracleRanker(), max_windows=10)
    >>> out.orders[1], out.texts[1], out.windows, out.settled
    ([1, 3, 2, 0], '[2] > [4] > [3] > [1]', [10, 10], [False, False])
    >>> [(r.round, r.windows) for r in out.rounds][:4]
    [(0, 4), (1, 4), (2, 5), (3, 1)]
    >>> out.confidence[1].round(3)
    array([0.812, 0.857, 0.917,   nan])
    """
    _check_teacher_inputs(teacher, candidates, queries)
    threshold = real_scalar("confidence", confidence)
    if not 0.5 < threshold <= 1.0:
        raise InvalidValueError(f"`confidence` must be in (0.5, 1]; got {confidence!r}")
    budget = integer("max_windows", max_windows, minimum=1, maximum=I64_MAX)  # int64 counts
    size = integer("window", window, minimum=2)
    rounds_cap = budget if per_round is None else integer("per_round", per_round, minimum=1)
    method = choice("method", method, _METHODS)  # type: ignore[assignment]
    alpha_value = real_scalar("alpha", alpha)
    if not (math.isfinite(alpha_value) and alpha_value >= 0):
        raise InvalidValueError(f"`alpha` must be finite and >= 0; got {alpha!r}")
    seed_value = integer("seed", seed, maximum=U64_MAX)
    batch = integer("batch_size", batch_size, minimum=1)
    rule = choice("stop", stop, ("probability", "evidence"))
    k_top = None if top_k is None else integer("top_k", top_k, minimum=1)
    from .labels import aggregate

    nq = len(candidates)
    n = np.array([len(c) for c in candidates], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(n)]).astype(np.int64)
    order = np.concatenate([np.arange(k, dtype=np.int64) for k in n] or [np.zeros(0, np.int64)])
    conf = np.full(order.shape[0], np.nan)
    evidence: list[list[list[int]]] = [[] for _ in range(nq)]
    used = np.zeros(nq, dtype=np.int64)
    trace: list[ActiveRound] = []
    settled = np.zeros(nq, dtype=bool)
    last = offsets[1:] - 1  # each query's last position has no pair
    within = np.arange(order.shape[0]) - np.repeat(offsets[:-1], n)  # position in its query
    selected = conf
    round_no = 0
    while True:
        items, wo, qo = _native.labels_active_windows(
            order,
            selected,
            offsets,
            budget - used,
            window=size,
            threshold=threshold,
            per_round=rounds_cap,
            seed=seed_value,
            round=round_no,
        )
        asked = np.diff(qo)
        if not asked.any():
            break
        owner = np.repeat(np.arange(nq), asked)
        calls = [(int(owner[w]), items[wo[w] : wo[w + 1]].tolist()) for w in range(wo.shape[0] - 1)]
        for s in range(0, len(calls), batch):
            chunk = calls[s : s + batch]
            answers = teacher.rank(
                [(queries[q], [candidates[q][i] for i in shown]) for q, shown in chunk]
            )
            if isinstance(answers, (str, bytes)) or not isinstance(answers, Iterable):
                raise RankwiseTypeError(
                    f"`teacher.rank` must return a list of answers, one per window; got "
                    f"{type(answers).__name__}"
                )
            answers = list(answers)
            if len(answers) != len(chunk):
                raise InvalidValueError(
                    f"`teacher.rank` must answer each of the {len(chunk)} windows it is given; "
                    f"got {len(answers)} answers"
                )
            for (q, shown), answer in zip(chunk, answers, strict=True):
                perm = _answer(answer, len(shown), f"query {q}")
                evidence[q].append([shown[i] for i in perm])
        used += asked
        flat = [w for ev in evidence for w in ev]
        lengths = np.array([len(w) for w in flat], dtype=np.int64)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            agg = aggregate(
                np.fromiter((i for w in flat for i in w), np.int64, int(lengths.sum())),
                n,
                method=method,
                window_offsets=np.concatenate([[0], np.cumsum(lengths)]),
                query_offsets=np.concatenate([[0], np.cumsum([len(ev) for ev in evidence])]),
                alpha=alpha_value,
            )
        order, conf = agg.order, agg.confidence
        if rule == "evidence":
            conf = _evidence(evidence, n, offsets, order)
        selected = conf if k_top is None else np.where(within >= k_top, 1.0, conf)
        ok = selected >= threshold
        ok[last[n > 0]] = True
        settled = np.ones(nq, dtype=bool)
        if ok.shape[0]:
            settled[n > 0] = np.logical_and.reduceat(ok, offsets[:-1][n > 0])
        pairs = np.delete(selected, last[n > 0])
        trace.append(
            ActiveRound(
                round=round_no,
                windows=int(asked.sum()),
                queries=int((asked > 0).sum()),
                settled=int(settled.sum()),
                min_confidence=float(pairs.min()) if pairs.shape[0] else math.nan,
            )
        )
        round_no += 1
    if trace and not agg.converged.all():
        stuck = np.flatnonzero(~agg.converged)
        warnings.warn(
            f"{method}: the last fit did not converge for {stuck.shape[0]} of {nq} queries "
            f"(first: query {int(stuck[0])}); their labels are the current estimate (raise "
            "`alpha`)",
            ConvergenceWarning,
            stacklevel=2,
        )
    orders = [order[offsets[q] : offsets[q + 1]].tolist() for q in range(nq)]
    texts = ranking_text(order, offsets=offsets) if nq else []
    return ActiveLabels(
        orders=orders,
        texts=list(texts),
        confidence=[conf[offsets[q] : offsets[q + 1]].copy() for q in range(nq)],
        windows=used.tolist(),
        settled=[bool(s) or int(k) < 2 for s, k in zip(settled, n, strict=True)],
        rounds=trace,
        evidence=evidence,
    )
