"""Diversity measures: ``rankwise.diversity.evaluate_diversity`` vs ``pyndeval.ndeval``.

Same data for both, in one process: Q queries, 1000 retrieved documents each (scores rounded to
two decimals, so ties occur), 200 judged documents per query over 6 subtopics, ndeval's 21
columns. pyndeval's time includes its own conversion of the tuples (what a user pays); so does
rankwise's (from dicts). The script also counts, per measure, the queries whose value is equal
to pyndeval's as a float (``==``; nNRBP's NaN where ndeval divides 0 by 0 counts as equal to
rankwise's 0). Nothing is asserted.

    python benches/bench_diversity.py --queries 1000
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

import numpy as np
import pyndeval

from rankwise.diversity import NDEVAL_MEASURES, evaluate_diversity


def make_data(queries: int, seed: int = 42):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    qrels: dict[str, dict[str, dict[str, int]]] = {}
    run: dict[str, dict[str, float]] = {}
    for q in range(queries):
        qid = str(q + 1)
        judged = rng.choice(2000, size=200, replace=False)
        subtopics: dict[str, dict[str, int]] = {}
        for d in judged:
            for s in rng.choice(6, size=rng.integers(1, 3), replace=False):
                subtopics.setdefault(str(s + 1), {})[f"doc{d}"] = int(rng.random() < 0.3)
        qrels[qid] = subtopics
        docs = rng.choice(2000, size=1000, replace=False)
        run[qid] = {
            f"doc{d}": round(float(x), 2) for d, x in zip(docs, rng.random(1000), strict=True)
        }
    return qrels, run


def timed(f, repeats: int) -> float:  # type: ignore[no-untyped-def]
    f()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    qrels, run = make_data(args.queries)
    rows = [(q, s, d, j) for q, st in qrels.items() for s, ds in st.items() for d, j in ds.items()]
    tuples = [(q, d, x) for q, ds in run.items() for d, x in ds.items()]
    measures = list(NDEVAL_MEASURES)

    t_ref = timed(lambda: pyndeval.ndeval(rows, tuples, measures), args.repeats)
    t_us = timed(lambda: evaluate_diversity(qrels, run, measures), args.repeats)
    print(f"{args.queries} queries x 1000 docs, 21 measures (median of {args.repeats})")
    print(f"  pyndeval  {t_ref * 1e3:9.1f} ms")
    print(f"  rankwise  {t_us * 1e3:9.1f} ms   ({t_ref / t_us:.1f}x faster)")

    expected = pyndeval.ndeval(rows, tuples, measures)
    report = evaluate_diversity(qrels, run, measures)
    print("equal to pyndeval (queries, ==):")
    for m in measures:
        mine = dict(zip(report.query_ids, report.column(m).tolist(), strict=True))
        same = sum(
            mine[q] == v[m] or (math.isnan(v[m]) and mine[q] == 0.0) for q, v in expected.items()
        )
        print(f"  {m:<14} {same}/{len(expected)}")


if __name__ == "__main__":
    main()
