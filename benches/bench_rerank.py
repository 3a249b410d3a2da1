"""Reranking orchestration: the rankwise driver against the reference loops, same answers.

The reference implementations (RankLLM's sliding window, llm-rankers' setwise and pairwise
heapsorts, PRP-allpair) rerank one query at a time and send the model one prompt per
invocation. rankwise advances every query's state machine together and sends the ready calls
of all queries in batches. Both run here with the same simulated ranker (true grades plus
fixed per-candidate noise, so every prompt has one answer), and must produce the same orders
(checked). Reported per strategy:

* model invocations: what a GPU pays for (a batch of 32 prompts costs about one forward pass
  when the model is memory-bound, as LLM decoding is);
* orchestration time per prompt: wall time minus the time spent inside the ranker;
* calls and depth per query against the spec's call-count table (section 1 and 12);
* wall time with a simulated GPU (a fixed cost per invocation plus a cost per candidate shown,
  on a simulated clock) for all queries batched together vs one query at a time, and the
  engine + driver overhead per task (measured, with answers that cost nothing).

Data: ``--queries`` queries (default 1000; 20 for allpair) of 100 candidates, grades 0 with
probability 0.7, else 1-3, in a noisy first-stage order (grade + N(0, 1) sorted).

    python benches/bench_rerank.py [--queries 1000] [--batch-size 32] [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rankwise.rerank import (
    FullList,
    Groupwise,
    Pairwise,
    Setwise,
    SlidingWindow,
    Strategy,
    TopDown,
    Tournament,
    rerank,
)
from tests.test_rerank_strategies import (
    ref_allpair,
    ref_pairwise_heapsort,
    ref_setwise_heapsort,
)


class TimedRanker:
    """Every kind of call, answered from a hidden score per candidate id; counts prompts and
    invocations and the time spent answering."""

    def __init__(self, scores: np.ndarray) -> None:
        self.scores = scores.tolist()
        self.ranker_id = "bench"
        self.reset()

    def reset(self) -> None:
        self.prompts = self.invocations = 0
        self.seconds = 0.0

    def _enter(self, n: int) -> float:
        self.prompts += n
        self.invocations += 1
        return time.perf_counter()

    def rank(self, batch):
        t = self._enter(len(batch))
        s = self.scores
        out = [sorted(range(len(c)), key=lambda i, c=c: -s[c[i]]) for _, c in batch]
        self.seconds += time.perf_counter() - t
        return out

    def select(self, batch):
        t = self._enter(len(batch))
        s = self.scores
        out = [
            sorted(range(len(c)), key=lambda i, c=c: (-s[c[i]], i))[:count] for _, c, count in batch
        ]
        self.seconds += time.perf_counter() - t
        return out

    def score_group(self, batch):
        t = self._enter(len(batch))
        out = [[self.scores[c] for c in cs] for _, cs in batch]
        self.seconds += time.perf_counter() - t
        return out

    def compare(self, batch):
        t = self._enter(len(batch))
        s = self.scores
        out = [1.0 if s[a] > s[b] else 0.0 if s[a] < s[b] else 0.5 for _, a, b in batch]
        self.seconds += time.perf_counter() - t
        return out


def ref_sliding(cands, ranker, window=20, step=10):
    """RankLLM's loop (clamped last window), one window per model invocation."""
    arr = list(cands)
    end = len(arr)
    while end > 0:
        start = max(end - window, 0)
        order = ranker.rank([("q", arr[start:end])])[0]
        arr[start:end] = [arr[start:end][i] for i in order]
        if start == 0:
            break
        end -= step
    return arr


def make_data(queries: int, docs: int, seed: int = 42):
    rng = np.random.default_rng(seed)
    grades = np.where(rng.random((queries, docs)) < 0.7, 0, rng.integers(1, 4, (queries, docs)))
    first_stage = np.argsort(-(grades + rng.standard_normal((queries, docs))), axis=1)
    hidden = (grades + 0.3 * rng.standard_normal((queries, docs))).ravel()
    ids = np.arange(queries * docs).reshape(queries, docs)
    cands = [ids[q, first_stage[q]].tolist() for q in range(queries)]
    return cands, hidden


def run_case(name: str, strategy: Strategy, reference, queries: int, batch_size: int) -> None:
    cands, hidden = make_data(queries, 100)
    ranker = TimedRanker(hidden)
    t = time.perf_counter()
    expected = [reference(c, ranker) for c in cands]
    ref_wall = time.perf_counter() - t
    ref = (ranker.prompts, ranker.invocations, ref_wall - ranker.seconds)
    ranker.reset()
    t = time.perf_counter()
    result = rerank(
        [f"q{i}" for i in range(queries)],
        cands,
        ranker,
        strategy,
        batch_size=batch_size,
        progress=False,
    )
    wall = time.perf_counter() - t
    got = [[c[i] for i in order] for c, order in zip(cands, result.orders, strict=True)]
    same = "same orders" if got == expected else "ORDERS DIFFER"
    ours = (ranker.prompts, ranker.invocations, wall - ranker.seconds)
    plan = strategy.plan(100)
    print(f"\n{name}: {queries} queries x 100 candidates; {same}; plan per query {plan}")
    print(
        f"  calls per query: mean {statistics.mean(result.calls):.1f}, "
        f"depth mean {statistics.mean(result.depth):.1f}"
    )
    print(f"  {'':28} {'prompts':>10} {'invocations':>12} {'orchestration':>14} {'per prompt':>11}")
    for label, (prompts, inv, orch) in (
        ("reference, query by query", ref),
        ("rankwise driver", ours),
    ):
        print(
            f"  {label:28} {prompts:>10,} {inv:>12,} {orch:>12.3f} s {orch / max(prompts, 1) * 1e6:>8.1f} us"
        )
    print(
        f"  invocations: {ref[1] / max(ours[1], 1):.1f}x fewer; orchestration: "
        f"{ref[2] / max(ours[2], 1e-9):.2f}x the reference's speed"
    )


# Published or derived call counts for N = 100: RankGPT's window 20 / step 10 (Sun et al. 2023),
# TDPart (Parry et al. 2024), TourRank (Chen et al. 2024), Setwise heapsort and bubblesort
# (Zhuang et al. 2024; llm-rankers skips a pass when nothing moved), PRP (Qin et al. 2024).
SPEC_CALLS = {
    "SlidingWindow()": "9",
    "SlidingWindow(top_k=100)": "45 (fullrank)",
    "FullList()": "1",
    "TopDown()": "4-7 (TDPart, sequential)",
    "Tournament(tournaments=10)": "130, depth 5",
    "Setwise(children=2)": "123-140 simulated, 125.4 measured",
    "Setwise(children=2, method='bubblesort')": "<= 475; 455-463 with llm-rankers' skip",
    "Pairwise()": "2 x 245-277 comparisons",
    "Groupwise()": "-",
}


def plan_table(queries: int) -> None:
    """Calls and depth per query on the noisy first-stage order, against the spec."""
    cands, hidden = make_data(queries, 100)
    print(f"\nCalls per query over {queries} queries x 100 candidates (noisy first stage):")
    print(f"  {'strategy':42} {'calls (mean)':>12} {'depth (mean)':>12}  spec")
    for label, strategy in (
        ("SlidingWindow()", SlidingWindow()),
        ("SlidingWindow(top_k=100)", SlidingWindow(top_k=100)),
        ("FullList()", FullList()),
        ("TopDown()", TopDown()),
        ("Tournament(tournaments=10)", Tournament(tournaments=10)),
        ("Setwise(children=2)", Setwise(children=2)),
        ("Setwise(children=2, method='bubblesort')", Setwise(children=2, method="bubblesort")),
        ("Pairwise()", Pairwise()),
        ("Groupwise()", Groupwise()),
    ):
        ranker = TimedRanker(hidden)
        result = rerank([str(i) for i in range(queries)], cands, ranker, strategy, progress=False)
        print(
            f"  {label:42} {statistics.mean(result.calls):>12.1f} "
            f"{statistics.mean(result.depth):>12.1f}  {SPEC_CALLS[label]}"
        )


class CostModel:
    """Wraps a ranker with a stand-in for a GPU: each invocation costs ``per_call`` seconds plus
    ``per_item`` per candidate shown (summed on a simulated clock, not slept, so that the
    one-query-at-a-time baseline of 100,000 calls does not take minutes)."""

    def __init__(self, ranker: TimedRanker, per_call: float, per_item: float) -> None:
        self.ranker, self.per_call, self.per_item = ranker, per_call, per_item
        self.ranker_id = "cost-model"
        self.clock = 0.0

    def _cost(self, batch, items) -> None:
        self.clock += self.per_call + self.per_item * items

    def rank(self, batch):
        self._cost(batch, sum(len(c) for _, c in batch))
        return self.ranker.rank(batch)

    def select(self, batch):
        self._cost(batch, sum(len(c) for _, c, _ in batch))
        return self.ranker.select(batch)


def speed_table(queries: int, batch_size: int, per_call: float, per_item: float) -> None:
    """Wall time = measured time of the driver (engine, driver, zero-cost answers) + the
    simulated model time, for all queries batched together vs one query at a time with one
    prompt per invocation (as RankGPT, llm-rankers and TourRank's worker processes call the
    model)."""
    cands, hidden = make_data(queries, 100)
    print(
        f"\nSpeed with a simulated GPU ({per_call * 1e3:g} ms per invocation + "
        f"{per_item * 1e6:g} us per candidate shown), {queries} queries x 100 candidates:"
    )
    print(
        f"  {'strategy':28} {'one query, one prompt':>22} {'all queries':>12} {'speed-up':>9}"
        f" {'overhead/task':>14}"
    )
    for label, strategy in (
        ("SlidingWindow(20, 10)", SlidingWindow()),
        ("Setwise(children=2)", Setwise(children=2)),
        ("Tournament(tournaments=10)", Tournament(tournaments=10)),
    ):
        timings = []
        for together in (False, True):
            model = CostModel(TimedRanker(hidden), per_call, per_item)
            t = time.perf_counter()
            if together:
                result = rerank(
                    [str(i) for i in range(queries)], cands, model, strategy,
                    batch_size=batch_size, progress=False,
                )  # fmt: skip
                tasks = sum(result.calls)
            else:
                # As the reference implementations run: one query, one prompt per invocation.
                for q, c in enumerate(cands):
                    rerank([str(q)], [c], model, strategy, batch_size=1, progress=False)
            measured = time.perf_counter() - t
            timings.append((measured + model.clock, measured - model.ranker.seconds))
        (alone, _), (together_s, overhead) = timings
        print(
            f"  {label:28} {alone:>20.1f} s {together_s:>10.1f} s {alone / together_s:>8.1f}x"
            f" {overhead / tasks * 1e6:>11.1f} us"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--quick", action="store_true", help="tiny sizes (CI smoke test)")
    ap.add_argument("--per-call-ms", type=float, default=5.0, help="simulated GPU: per invocation")
    ap.add_argument("--per-item-us", type=float, default=10.0, help="simulated GPU: per candidate")
    args = ap.parse_args()
    q = 40 if args.quick else args.queries
    b = args.batch_size
    plan_table(min(q, 200))
    speed_table(q, b, args.per_call_ms / 1e3, args.per_item_us / 1e6)
    run_case("SlidingWindow(20, 10) vs RankLLM's loop", SlidingWindow(), ref_sliding, q, b)
    run_case(
        "Setwise(children=2) heapsort vs llm-rankers",
        Setwise(children=2),
        lambda c, r: ref_setwise_heapsort(c, r, 2, 10),
        q,
        b,
    )
    run_case(
        "Pairwise heapsort vs llm-rankers",
        Pairwise(),
        lambda c, r: ref_pairwise_heapsort(c, r, 10, True),
        q,
        b,
    )
    run_case(
        "Pairwise allpair vs PRP-Allpair",
        Pairwise(method="allpair"),
        lambda c, r: ref_allpair(c, r, True),
        max(2, q // 50),
        b,
    )


if __name__ == "__main__":
    main()
