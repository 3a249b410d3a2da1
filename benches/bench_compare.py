"""Significance testing of several systems: ``rankwise.compare`` vs ``ranx.compare``.

Data: 5 runs over ``--queries`` queries (default 250) x 100 candidates, scores
``z + 0.5 * system_skill * relevance + noise`` so the systems differ a little, labels 0 with
probability 0.9 else uniform in {1, 2, 3}; every run evaluated on nDCG@10, AP and RR.

Timed, each after one warm-up call, median of ``--repeat``:

* ``rankwise.compare(qrels, runs, ["nDCG@10", "AP", "RR"], test="randomization",
  n_resamples=N, correction=None)``: evaluation of every run plus Fisher's randomization test
  for all 10 pairs x 3 measures, in Rust;
* ``ranx.compare(qrels, runs, ["ndcg@10", "map", "mrr"], stat_test="fisher",
  n_permutations=N)``: the same work in ranx (numba), on ``ranx.Qrels``/``ranx.Run`` built
  beforehand (not timed).

Both evaluate the same per-query values (checked), and the p-values of the two Monte-Carlo
tests are printed side by side: they estimate the same quantity with different random
streams, so they agree within a few standard errors (sqrt(p(1-p)/N)), not digit for digit;
rankwise reports (1 + hits) / (1 + N) where ranx reports hits / N.

    python benches/bench_compare.py [--queries 250] [--resamples 10000] [--repeat 5] [--quick]
"""

from __future__ import annotations

import argparse
import itertools
import math
from typing import Any

import _runner as R
import numpy as np

import rankwise

MEASURES = ["nDCG@10", "AP", "RR"]
RANX_MEASURES = {"nDCG@10": "ndcg@10", "AP": "map", "RR": "mrr"}
N_RUNS = 5


def make_runs(
    queries: int, docs: int = 100, seed: int = 42
) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, dict[str, float]]]]:
    rng = np.random.default_rng(seed)
    labels = np.where(rng.random((queries, docs)) < 0.9, 0, rng.integers(1, 4, (queries, docs)))
    qids = [f"q{i}" for i in range(queries)]
    dids = [f"d{j}" for j in range(docs)]
    qrels = {q: {d: int(labels[i, j]) for j, d in enumerate(dids)} for i, q in enumerate(qids)}
    runs = {}
    for s in range(N_RUNS):
        scores = rng.standard_normal((queries, docs)) + 0.5 * (1 + s / 4) * labels
        runs[f"system{s}"] = {
            q: {d: float(scores[i, j]) for j, d in enumerate(dids)} for i, q in enumerate(qids)
        }
    return qrels, runs


def parser(doc: str) -> argparse.ArgumentParser:
    """The options of the comparison benchmarks (this one and ``bench_compare_stats``)."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--queries", type=int, default=250)
    ap.add_argument("--resamples", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5)
    return ap


def inputs(
    args: argparse.Namespace,
) -> tuple[
    dict[str, dict[str, int]],
    dict[str, dict[str, dict[str, float]]],
    rankwise.Qrels,
    dict[str, rankwise.Run],
]:
    """The banner and a line on the data printed; ``make_runs``' qrels and runs, as dicts
    and as rankwise's named runs, built beforehand (not timed)."""
    R.print_banner()
    qrels, runs = make_runs(args.queries)
    print(
        f"{len(runs)} runs x {args.queries} queries x 100 docs, {len(MEASURES)} measures, "
        f"{math.comb(len(runs), 2)} pairs, {args.resamples:,} resamples"
    )
    rw_runs = {name: rankwise.Run(run, name=name) for name, run in runs.items()}
    return qrels, runs, rankwise.Qrels(qrels), rw_runs


def ranx_inputs(
    ranx: Any, qrels: dict[str, dict[str, int]], runs: dict[str, dict[str, dict[str, float]]]
) -> tuple[Any, list[Any]]:
    """``make_runs``' data as ranx's ``Qrels`` and named ``Run``s, built beforehand (not
    timed)."""
    named = []
    for name, run in runs.items():
        r = ranx.Run(run)
        r.name = name
        named.append(r)
    return ranx.Qrels(qrels), named


def main() -> None:
    ap = parser(__doc__)
    ap.add_argument("--quick", action="store_true", help="50 queries, 1,000 resamples")
    args = ap.parse_args()
    if args.quick:
        args.queries, args.resamples, args.repeat = 50, 1000, 2
    qrels, runs, rw_qrels, rw_runs = inputs(args)

    def ours() -> rankwise.comparison.Comparison:
        return rankwise.compare(
            rw_qrels,
            rw_runs,
            MEASURES,
            test="randomization",
            n_resamples=args.resamples,
            correction=None,
        )

    t_ours, comparison = R.measure(ours, repeat=args.repeat)
    rows = [["rankwise.compare (randomization)", R.fmt_s(t_ours.median_s), "1.0x"]]

    ranx = R.optional_import("ranx")
    p_ranx: dict[tuple[str, str, str], float] = {}
    if ranx is not None:
        r_qrels, r_runs = ranx_inputs(ranx, qrels, runs)

        def theirs() -> object:
            return ranx.compare(
                r_qrels,
                r_runs,
                [RANX_MEASURES[m] for m in MEASURES],
                stat_test="fisher",
                n_permutations=args.resamples,
                max_p=0.05,
            )

        t_ranx, report = R.measure(theirs, repeat=args.repeat, budget_s=120)
        rows.append(
            [
                "ranx.compare (fisher)",
                R.fmt_s(t_ranx.median_s),
                R.fmt_ratio(t_ranx.median_s / t_ours.median_s),
            ]
        )
        for a, b in itertools.permutations(runs, 2):
            for m in MEASURES:
                p_ranx[(a, b, m)] = report.comparisons[a, b][RANX_MEASURES[m]]["p_value"]
        # Same per-query values, so the same means.
        for name in runs:
            for m in MEASURES:
                ours_mean = comparison.means[name][m]
                theirs_mean = report.results[name][RANX_MEASURES[m]]
                if not math.isclose(ours_mean, theirs_mean, rel_tol=1e-9, abs_tol=1e-12):
                    print(f"DISAGREE: {name} {m}: rankwise {ours_mean} vs ranx {theirs_mean}")
    else:
        print("ranx is not installed: only rankwise is timed")
    R.print_table(["call", "median", "vs rankwise"], rows)
    if p_ranx:
        print("\np-values (rankwise vs ranx), first pairs:")
        worst, worst_case = 0.0, ""
        names = list(runs)
        for (i, a), (j, b) in itertools.combinations(enumerate(names), 2):
            for m in MEASURES:
                p_ours = float(comparison.p_values[m][i, j])
                p_theirs = p_ranx[(a, b, m)]
                # Standard error of the difference of two independent estimates of p.
                p_mid = (p_ours + p_theirs) / 2
                se = math.sqrt(2 * max(p_mid * (1 - p_mid), 1 / args.resamples) / args.resamples)
                if abs(p_ours - p_theirs) / se > worst:
                    worst = abs(p_ours - p_theirs) / se
                    worst_case = f"{a} vs {b} {m}: {p_ours:.4f} vs {p_theirs:.4f}"
                if a == "system0" and b in ("system1", "system2"):
                    print(f"  {a} vs {b} {m:<8} {p_ours:.4f}  {p_theirs:.4f}")
        print(
            f"largest difference: {worst:.1f} standard errors of the Monte-Carlo difference "
            f"({worst_case})"
        )


if __name__ == "__main__":
    main()
