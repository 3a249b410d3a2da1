"""Reranking with neural and LLM rankers.

Strategies are Rust state machines that hand out model calls and take their answers; the
driver (:func:`rerank`) gathers the ready calls of every query, groups them by kind, sends
them to the ranker in batches, and feeds the answers back until every query is done.

=================  =============  ================================  ==========================
strategy           model call     calls for 100 candidates          depth
=================  =============  ================================  ==========================
SlidingWindow      rank           9 per pass (w=20, s=10)           = calls
FullList           rank           1                                 1
JointRank          rank           20 (blocks of 10, replication 2)  1
AcuRank            rank           5..100 (adaptive, top 10)         1..96
TopDown            rank           about 6                           about 3
Setwise            select         59..151 heapsort (c=2, k=10)      = calls
Tournament         select         13 per tournament                 5
Pairwise           compare        9,900 allpair; 1,980 sliding-10   1; 990
Groupwise          score_group    7 (groups of 20, overlap 5)       rounds
Pointwise          score          100                               1
=================  =============  ================================  ==========================

Rankers are plain objects with the method their strategy calls (:class:`ListwiseRanker`,
:class:`PairwiseRanker`, :class:`SetwiseRanker`, :class:`GroupwiseRanker`,
:class:`PointwiseRanker`); :class:`OracleRanker` simulates all of them from true relevance,
for tests and benchmarks without a GPU.

>>> from rankwise.rerank import OracleRanker, Pairwise, SlidingWindow, rerank
>>> relevance = [[0, 3, 1, 2], [2, 0, 1]]           # true grades of each query's candidates
>>> result = rerank(["q1", "q2"], relevance, OracleRanker(), SlidingWindow(window=2, step=1))
>>> result.orders          # candidate indices, best first; one pass settles the top w - s
[[1, 0, 3, 2], [0, 2, 1]]
>>> result.calls, SlidingWindow(window=2, step=1).calls(4)
([3, 2], 3)
>>> rerank(["q1", "q2"], relevance, OracleRanker(), Pairwise(method="allpair")).orders
[[1, 3, 2, 0], [0, 2, 1]]

Real models in one line: :class:`Reranker` picks the wrapper from a Hugging Face id or folder
(bi-encoder, cross-encoder, causal LM) or an ``http(s)://`` URL (:class:`OpenAICompatibleRanker`,
any OpenAI-compatible server: vLLM, SGLang, llama.cpp, TGI, Ollama, hosted APIs;
:class:`VLLMRanker` runs vLLM in-process), and :func:`rerank_run` takes a TREC run and the
query and document texts and returns the reranked :class:`rankwise.Run`.

Plans before running, exact or as bounds:

>>> Pairwise(method="allpair").plan(100), Pairwise().plan(100)
(Plan(calls=9900, depth=1), Plan(calls=234..600, depth=117..300))

Reading raw answers:

>>> from rankwise.rerank import parse_permutation
>>> p = parse_permutation("[2] > [3] > [2] > [9]", 4)
>>> p.order, p.repaired
([1, 2, 0, 3], True)
>>> p.duplicates, p.out_of_range, p.missing
([1], ['9'], [0, 3])
"""

from __future__ import annotations

from .auto import Reranker, candidates_from_run, rerank_run
from .cache import AnswerCache
from .driver import (
    GroupwiseRanker,
    ListwiseRanker,
    PairwiseRanker,
    PointwiseRanker,
    Repair,
    RerankResult,
    SetwiseRanker,
    rerank,
    rerank_async,
)
from .openai import OpenAICompatibleRanker
from .parsing import ParsedPermutation, parse_permutation, strip_think
from .passages import Passages, split_passages
from .simulate import OracleListwiseRanker, OracleRanker, SimulatedRanker
from .strategies import (
    AcuRank,
    FullList,
    Groupwise,
    JointRank,
    Pairwise,
    Plan,
    Pointwise,
    Setwise,
    SlidingWindow,
    Strategy,
    TopDown,
    Tournament,
)
from .vllm import VLLMRanker

__all__ = [
    "AcuRank",
    "AnswerCache",
    "FullList",
    "Groupwise",
    "GroupwiseRanker",
    "JointRank",
    "ListwiseRanker",
    "OpenAICompatibleRanker",
    "OracleListwiseRanker",
    "OracleRanker",
    "Pairwise",
    "PairwiseRanker",
    "ParsedPermutation",
    "Passages",
    "Plan",
    "Pointwise",
    "PointwiseRanker",
    "Repair",
    "RerankResult",
    "Reranker",
    "Setwise",
    "SetwiseRanker",
    "SimulatedRanker",
    "SlidingWindow",
    "Strategy",
    "TopDown",
    "Tournament",
    "VLLMRanker",
    "candidates_from_run",
    "parse_permutation",
    "rerank",
    "rerank_async",
    "rerank_run",
    "split_passages",
    "strip_think",
]
