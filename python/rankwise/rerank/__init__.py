"""Reranking with neural and LLM rankers.

Strategies are Rust state machines that hand out model calls and take their answers; the
driver (:func:`rerank`) gathers the ready calls of every query, sends them to the ranker in
batches, and feeds the answers back until every query is done. Rankers are plain objects with
a ``rank`` method (:class:`ListwiseRanker`); :class:`OracleListwiseRanker` simulates one from
true relevance, for tests and benchmarks without a GPU.

>>> from rankwise.rerank import OracleListwiseRanker, SlidingWindow, rerank
>>> relevance = [[0, 3, 1, 2], [2, 0, 1]]           # true grades of each query's candidates
>>> result = rerank(["q1", "q2"], relevance, OracleListwiseRanker(),
...                 SlidingWindow(window=2, step=1))
>>> result.orders          # candidate indices, best first; one pass settles the top w - s
[[1, 0, 3, 2], [0, 2, 1]]
>>> result.calls, SlidingWindow(window=2, step=1).calls(4)
([3, 2], 3)

Reading raw answers:

>>> from rankwise.rerank import parse_permutation
>>> p = parse_permutation("[2] > [3] > [2] > [9]", 4)
>>> p.order, p.repaired
([1, 2, 0, 3], True)
>>> p.duplicates, p.out_of_range, p.missing
([1], ['9'], [0, 3])

Still to come (issue 5): setwise, pairwise, tournament, top-down and groupwise strategies,
the answer cache and resumable runs, and model wrappers (issue 7).
"""

from __future__ import annotations

from .driver import ListwiseRanker, RerankResult, rerank
from .parsing import ParsedPermutation, parse_permutation
from .simulated import OracleListwiseRanker
from .strategies import SlidingWindow

__all__ = [
    "ListwiseRanker",
    "OracleListwiseRanker",
    "ParsedPermutation",
    "RerankResult",
    "SlidingWindow",
    "parse_permutation",
    "rerank",
]
