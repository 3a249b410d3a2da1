"""Run fusion: ``rankwise.fuse`` vs ``ranx.fuse`` on 10 runs x Q queries x 1000 docs.

Both sides get their runs built beforehand (``rankwise.Run`` / ``ranx.Run``, not timed), so
the table times the fusion alone: normalisation, combination and the fused run (a
``rankwise.Run``; ranx's a ``ranx.Run``). Scores are distinct (no ties), so both compute the
same values, which the script checks on the first query. ranx's first call (numba's JIT) is
the warm-up and is kept out of the median.

The issue's size is 10 runs x 10,000 queries x 1000 docs (100M entries); the default
``--queries 1000`` keeps the shared 2-core development machine and its memory usable (the
Python dicts ranx needs take ~1 GB per 10M entries). Run it with ``--queries 10000`` where
memory allows.
"""

from __future__ import annotations

import argparse

import _runner as R
import numpy as np

import rankwise

N_RUNS = 10
N_DOCS = 1000
CASES = [
    ("rrf", "rrf", None, {}),
    ("combsum", "sum", "min-max", {}),
    ("combmnz", "mnz", "min-max", {}),
    ("combmed", "med", "min-max", {}),
    ("combgmnz", "gmnz", "min-max", {"gamma": 0.5}),
    ("wsum", "wsum", "min-max", {"weights": [0.1] * N_RUNS}),
    ("isr", "isr", None, {}),
    ("rbc", "rbc", None, {"phi": 0.8}),
    ("bordafuse", "bordafuse", None, {}),
]


def make_run(seed: int, queries: int) -> dict[str, dict[str, float]]:
    """One run: each query ranks 1000 of 2000 candidate docs with distinct scores."""
    rng = np.random.default_rng(seed)
    run = {}
    for q in range(queries):
        docs = rng.choice(2 * N_DOCS, size=N_DOCS, replace=False)
        scores = rng.permutation(N_DOCS) / N_DOCS + rng.random()
        run[f"q{q}"] = {f"d{d}": float(s) for d, s in zip(docs, scores, strict=True)}
    return run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--methods", default=",".join(c[0] for c in CASES))
    args = ap.parse_args()
    R.print_banner()
    ranx = R.optional_import("ranx")
    wanted = set(args.methods.split(","))
    ours_runs, their_runs = [], []
    for i in range(N_RUNS):
        run = make_run(i, args.queries)
        ours_runs.append(rankwise.Run(run, name=f"r{i}"))
        if ranx is not None:
            their_runs.append(ranx.Run(run, name=f"r{i}"))
        del run
    print(f"{N_RUNS} runs x {args.queries} queries x {N_DOCS} docs", flush=True)
    rows = []
    for ours_name, ranx_name, norm, params in CASES:
        if ours_name not in wanted:
            continue

        def ours(m: str = ours_name, n: str | None = norm, p: dict = params) -> rankwise.Run:
            return rankwise.fuse(ours_runs, m, norm=n, **p)  # type: ignore[arg-type]

        t_ours, fused = R.measure(ours, repeat=args.repeat)
        row = [f"{ours_name} (norm={norm})", R.fmt_s(t_ours.median_s), "-", "-"]
        if ranx is not None:

            def theirs(m: str = ranx_name, n: str | None = norm, p: dict = params) -> object:
                return ranx.fuse(their_runs, norm=n, method=m, params=p)

            t_ranx, expected = R.measure(theirs, repeat=args.repeat, budget_s=120)
            row[2] = R.fmt_s(t_ranx.median_s)
            row[3] = R.fmt_ratio(t_ranx.median_s / t_ours.median_s)
            want = expected.to_dict()["q0"]
            got = fused.to_dict()["q0"]
            worst = max(abs(got[d] - v) / max(1.0, abs(v)) for d, v in want.items())
            if set(got) != set(want) or worst > 1e-9:
                print(f"DISAGREE: {ours_name}: largest relative difference {worst:.3g}")
        print("  ".join(row), flush=True)  # as it comes: ranx takes a while per method
        rows.append(row)
    R.print_table(["method", "rankwise.fuse", "ranx.fuse", "ranx / rankwise"], rows)
    if ranx is None:
        print("ranx is not installed: only rankwise is timed")


if __name__ == "__main__":
    main()
