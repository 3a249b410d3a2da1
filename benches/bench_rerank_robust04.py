"""Every reranking strategy on a real run: Robust04 BM25+RM3 (the sample bundled with rankwise,
250 topics), top 100 reranked by a simulated LLM ranker built from the judgements.

The ranker (``rankwise.rerank.SimulatedRanker``) samples Plackett-Luce orders at a temperature,
errs on a share of pairwise comparisons, favours what it is shown first, and now and then
returns a listwise answer that needs a repair; one noise setting serves every strategy. For
each: nDCG@10 before and after, model calls and depth per query (mean), repaired answers, and
the call counts the papers report (``SPEC_CALLS`` in ``bench_rerank.py``, with sources).

    python benches/bench_rerank_robust04.py [--temperature 1.0] [--pairwise-error 0.1]
        [--position-bias 0.3] [--failure-rate 0.05] [--queries 250] [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import time
from importlib.resources import files

import rankwise
from rankwise.rerank import (
    FullList,
    Groupwise,
    JointRank,
    Pairwise,
    Pointwise,
    Setwise,
    SimulatedRanker,
    SlidingWindow,
    TopDown,
    Tournament,
    rerank,
)

STRATEGIES = [
    ("SlidingWindow()", SlidingWindow(), "9 (RankGPT, RankLLM)"),
    ("SlidingWindow(passes=3)", SlidingWindow(passes=3), "27 (RankZephyr, 3 passes)"),
    ("FullList()", FullList(), "1 (fullrank)"),
    ("TopDown()", TopDown(), "4-7 (TDPart)"),
    ("Setwise(children=2)", Setwise(children=2), "125.4 (Setwise paper)"),
    ("Setwise(bubblesort)", Setwise(children=2, method="bubblesort"), "460.5 (Setwise paper)"),
    ("Tournament(tournaments=2)", Tournament(tournaments=2), "26, depth 5 (TourRank-2)"),
    ("Pairwise(heapsort)", Pairwise(), "2 x 230-242 (Setwise paper)"),
    ("Pairwise(sliding, 10)", Pairwise(method="sliding", passes=10), "1,980 (PRP-Sliding-10)"),
    ("Groupwise()", Groupwise(), "-"),
    ("Pointwise()", Pointwise(), "100"),
    (
        "JointRank(10, latin_square)",
        JointRank(block_size=10, design="latin_square"),
        "20 (JointRank)",
    ),
    ("JointRank(20, replicated x2)", JointRank(), "10, depth 1"),
    ("JointRank(20, replicated x3)", JointRank(replication=3), "15, depth 1"),
    ("SlidingWindow(permutations=3)", SlidingWindow(permutations=3), "27, depth 9 (PSC)"),
    ("FullList(permutations=5)", FullList(permutations=5), "5, depth 1 (PSC)"),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--temperature", type=float, default=1.0)
    ap.add_argument("--pairwise-error", type=float, default=0.1)
    ap.add_argument("--position-bias", type=float, default=0.3)
    ap.add_argument("--failure-rate", type=float, default=0.05)
    ap.add_argument("--queries", type=int, default=250)
    ap.add_argument("--quick", action="store_true", help="20 queries, a few strategies")
    args = ap.parse_args()
    data = files("rankwise") / "data"
    qrels = rankwise.Qrels.from_trec(str(data / "robust04.qrels.gz"))
    run = rankwise.Run.from_trec(str(data / "robust04-bm25-rm3.run.gz")).to_dict()
    qids = sorted(q for q in run if q in qrels)[: 20 if args.quick else args.queries]
    # trec_eval's order (score descending, ties by doc id descending), top 100.
    heads = [
        [d for d, _ in sorted(run[q].items(), key=lambda x: (x[1], x[0]), reverse=True)][:100]
        for q in qids
    ]
    before = rankwise.Run(
        {q: {d: 100.0 - r for r, d in enumerate(h)} for q, h in zip(qids, heads, strict=True)}
    )
    base = rankwise.evaluate(qrels, before, ["nDCG@10"])["nDCG@10"]
    judged = qrels.to_dict()
    print(
        f"Robust04 BM25+RM3, {len(qids)} topics, top 100; simulated ranker: temperature "
        f"{args.temperature}, pairwise error {args.pairwise_error}, position bias "
        f"{args.position_bias}, failure rate {args.failure_rate}"
    )
    print(f"nDCG@10 of the first stage: {base:.4f}\n")
    print(
        f"{'strategy':28} {'nDCG@10':>8} {'calls/query':>12} {'depth':>7} {'repaired':>9}"
        f" {'seconds':>8}  papers' calls for 100"
    )
    chosen = STRATEGIES[:4] + STRATEGIES[6:7] if args.quick else STRATEGIES
    for label, strategy, papers in chosen:
        ranker = SimulatedRanker(
            judged,
            temperature=args.temperature,
            pairwise_error=args.pairwise_error,
            position_bias=args.position_bias,
            failure_rate=args.failure_rate,
            seed=0,
        )
        t = time.perf_counter()
        result = rerank(qids, heads, ranker, strategy, batch_size=64, progress=False)
        seconds = time.perf_counter() - t
        after = rankwise.evaluate(qrels, result.to_run(qids, heads), ["nDCG@10"])["nDCG@10"]
        print(
            f"{label:28} {after:>8.4f} {statistics.mean(result.calls):>12.1f}"
            f" {statistics.mean(result.depth):>7.1f} {len(result.repairs):>9}"
            f" {seconds:>8.2f}  {papers}"
        )


if __name__ == "__main__":
    main()
