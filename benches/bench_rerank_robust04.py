"""Every reranking strategy on a real run: Robust04 BM25+RM3 (the sample bundled with rankwise,
250 topics), top 100 reranked by a simulated LLM ranker built from the judgements.

The ranker (``rankwise.rerank.SimulatedRanker``) samples Plackett-Luce orders at a temperature,
errs on a share of pairwise comparisons, favours what it is shown first, and now and then
returns a listwise answer that needs a repair; one noise setting serves every strategy. For
each: nDCG@10 before and after, model calls and depth per query (mean), repaired answers, and
the call counts the papers report (``SPEC_CALLS`` in ``bench_rerank.py``, with sources).

    python benches/bench_rerank_robust04.py [--temperature 1.0] [--pairwise-error 0.1]
        [--position-bias 0.3] [--failure-rate 0.05] [--queries 250] [--quick] [--equal-ndcg]

``--equal-ndcg`` adds AcuRank against SlidingWindow at equal nDCG@10: AcuRank's call budget
(``max_calls``) swept, and the fewest mean calls at which it reaches the sliding window's
nDCG@10, with the simulated LLM ranker and with an oracle ranker with Gaussian noise.
"""

from __future__ import annotations

import argparse
import statistics
import time
from importlib.resources import files

import rankwise
from rankwise.rerank import (
    AcuRank,
    FullList,
    Groupwise,
    JointRank,
    OracleRanker,
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
    ("AcuRank()", AcuRank(), "adaptive (AcuRank)"),
    ("AcuRank(max_calls=20)", AcuRank(max_calls=20), "at most 20"),
]

BUDGETS = [5, 6, 7, 8, 9, 10, 12, 15, 20, 30, 50, 100]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--temperature", type=float, default=1.0)
    ap.add_argument("--pairwise-error", type=float, default=0.1)
    ap.add_argument("--position-bias", type=float, default=0.3)
    ap.add_argument("--failure-rate", type=float, default=0.05)
    ap.add_argument("--queries", type=int, default=250)
    ap.add_argument("--quick", action="store_true", help="20 queries, a few strategies")
    ap.add_argument(
        "--equal-ndcg", action="store_true", help="AcuRank vs SlidingWindow at equal nDCG@10"
    )
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

    def simulated() -> SimulatedRanker:
        return SimulatedRanker(
            judged,
            temperature=args.temperature,
            pairwise_error=args.pairwise_error,
            position_bias=args.position_bias,
            failure_rate=args.failure_rate,
            seed=0,
        )

    def measure(ranker, strategy):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        result = rerank(qids, heads, ranker, strategy, batch_size=64, progress=False)
        seconds = time.perf_counter() - t
        after = rankwise.evaluate(qrels, result.to_run(qids, heads), ["nDCG@10"])["nDCG@10"]
        return after, result, seconds

    if args.equal_ndcg:
        equal_ndcg(qids, heads, judged, simulated, measure)
        return
    print(
        f"{'strategy':28} {'nDCG@10':>8} {'calls/query':>12} {'depth':>7} {'repaired':>9}"
        f" {'seconds':>8}  papers' calls for 100"
    )
    chosen = STRATEGIES[:4] + STRATEGIES[6:7] if args.quick else STRATEGIES
    for label, strategy, papers in chosen:
        after, result, seconds = measure(simulated(), strategy)
        print(
            f"{label:28} {after:>8.4f} {statistics.mean(result.calls):>12.1f}"
            f" {statistics.mean(result.depth):>7.1f} {len(result.repairs):>9}"
            f" {seconds:>8.2f}  {papers}"
        )


def equal_ndcg(qids, heads, judged, simulated, measure) -> None:  # type: ignore[no-untyped-def]
    """AcuRank's budget swept against one sliding-window pass, per ranker: the simulated LLM
    (answering from the documents' judgements) and an oracle with Gaussian noise of 1 grade
    (answering from the grades of the same candidates)."""
    qrels = rankwise.Qrels(judged)
    grades = [
        [float(judged.get(q, {}).get(d, 0)) for d in h] for q, h in zip(qids, heads, strict=True)
    ]

    def by_oracle(strategy):  # type: ignore[no-untyped-def]
        ranker = OracleRanker(noise=1.0, seed=0)
        result = rerank(qids, grades, ranker, strategy, batch_size=64, progress=False)
        after = rankwise.evaluate(qrels, result.to_run(qids, heads), ["nDCG@10"])["nDCG@10"]
        return after, result, 0.0

    def by_simulated(strategy):  # type: ignore[no-untyped-def]
        return measure(simulated(), strategy)

    for name, run in (("simulated LLM", by_simulated), ("oracle, noise 1.0", by_oracle)):
        print(f"\n{name} ranker")
        sw, sw_result, _ = run(SlidingWindow())
        sw_calls = statistics.mean(sw_result.calls)
        print(f"{'SlidingWindow()':28} nDCG@10 {sw:.4f}  calls/query {sw_calls:6.1f}")
        reached = None
        for budget in BUDGETS:
            after, result, _ = run(AcuRank(max_calls=budget))
            calls = statistics.mean(result.calls)
            label = f"AcuRank(max_calls={budget})"
            print(f"{label:28} nDCG@10 {after:.4f}  calls/query {calls:6.1f}")
            if reached is None and after >= sw:
                reached = calls
        if reached is None:
            print(f"AcuRank did not reach the sliding window's nDCG@10 within {BUDGETS[-1]} calls")
        else:
            print(
                f"equal nDCG@10: AcuRank {reached:.1f} calls/query vs SlidingWindow "
                f"{sw_calls:.1f} (ratio {reached / sw_calls:.2f})"
            )


if __name__ == "__main__":
    main()
