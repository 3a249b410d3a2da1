"""ranx's open complaints, ranx vs ``rankwise.compat.ranx`` on the same data, ratio printed.

* many small evaluations (ranx issue #23): ``--small`` calls of ``evaluate(qrels, run,
  ["ndcg@10", "map@100", "mrr"])`` on dicts of 5 queries x 20 documents, a new pair each call
  (as in a training loop or a per-topic sweep); ranx pays its dict-to-numba conversion and
  dispatch on every call;
* one large evaluation: ``Qrels``/``Run`` built from dicts of ``--queries`` queries x 100
  documents, then evaluated (construction and evaluation timed separately);
* memory (#48): peak RSS above the baseline after imports and data generation, of building
  ``Qrels``/``Run`` from the large dicts and evaluating them, each library in a fresh
  interpreter;
* numba's JIT disabled (#74): ``NUMBA_DISABLE_JIT=1``, a fresh interpreter per library
  evaluates a small pair; ranx fails there, the drop-in has no numba.

ranx's first call compiles (or loads from its cache) numba code: it is the warm-up call of
``_runner.measure`` (``first`` column), kept out of the median.

    python benches/bench_ranx_compat.py [--queries 20000] [--small 200] [--repeat 5] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import _runner as R
import numpy as np

METRICS = ["ndcg@10", "map@100", "mrr"]


def make_pair(queries: int, docs: int, seed: int) -> tuple[dict[str, Any], dict[str, Any]]:
    rng = np.random.default_rng(seed)
    labels = np.where(rng.random((queries, docs)) < 0.8, 0, rng.integers(1, 4, (queries, docs)))
    scores = rng.standard_normal((queries, docs)) + 0.7 * labels
    qids = [f"q{seed}_{i}" for i in range(queries)]
    dids = [f"doc{j:04d}" for j in range(docs)]
    qrels = {q: dict(zip(dids, labels[i].tolist(), strict=True)) for i, q in enumerate(qids)}
    for i, q in enumerate(qids):
        if labels[i].max() == 0:
            qrels[q][dids[0]] = 1
    run = {q: dict(zip(dids, scores[i].tolist(), strict=True)) for i, q in enumerate(qids)}
    return qrels, run


def module(which: str) -> Any:
    if which == "ranx":
        import ranx

        return ranx
    from rankwise.compat import ranx as drop_in

    return drop_in


def probe(which: str, kind: str, queries: int) -> None:
    """In a fresh interpreter: one measurement, printed as JSON on the last line."""
    lib = module(which)
    if kind == "nojit":
        qrels, run = make_pair(5, 20, 0)
        try:
            value = lib.evaluate(lib.Qrels(qrels), lib.Run(run), "ndcg@10")
            print(json.dumps({"ok": True, "value": float(value)}))
        except Exception as e:  # what ranx raises without numba's JIT
            print(json.dumps({"ok": False, "error": f"{type(e).__name__}: {e}"[:160]}))
        return
    qrels, run = make_pair(queries, 100, 1)
    small_q, small_r = make_pair(5, 20, 2)
    lib.evaluate(lib.Qrels(small_q), lib.Run(small_r), METRICS)  # JIT / imports out of the peak
    R.reset_peak_rss()
    base = R.rss_bytes() or 0
    q, r = lib.Qrels(qrels), lib.Run(run)
    lib.evaluate(q, r, METRICS)
    print(json.dumps({"peak_mib": (R.peak_rss_bytes() - base) / 2**20}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--queries", type=int, default=20_000)
    ap.add_argument("--small", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="2,000 queries, 50 small calls")
    ap.add_argument("--probe", nargs=3, metavar=("LIB", "KIND", "QUERIES"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.probe:
        probe(args.probe[0], args.probe[1], int(args.probe[2]))
        return
    if args.quick:
        args.queries, args.small, args.repeat = 2_000, 50, 3
    R.print_banner()
    ranx = R.optional_import("ranx")
    from rankwise.compat import ranx as drop_in

    libs = {"rankwise.compat.ranx": drop_in}
    if ranx is not None:
        libs["ranx"] = ranx
    else:
        print("ranx is not installed: only the drop-in is timed")

    small = [make_pair(5, 20, 100 + i) for i in range(args.small)]
    large_q, large_r = make_pair(args.queries, 100, 1)
    rows: list[list[str]] = []
    values: dict[str, Any] = {}
    for task, fn_of in {
        f"{args.small} small evaluate() calls (5 q x 20 docs, dicts)": lambda lib: (
            lambda: [lib.evaluate(q, r, METRICS) for q, r in small]
        ),
        f"Qrels + Run from dicts ({args.queries:,} q x 100 docs)": lambda lib: (
            lambda: (
                lib.Qrels(large_q),
                lib.Run(large_r),
            )
        ),
    }.items():
        timings = {}
        for name, lib in libs.items():
            timings[name], values[(task, name)] = R.measure(
                fn_of(lib), repeat=args.repeat, budget_s=60
            )
        base = timings["rankwise.compat.ranx"].median_s
        for name, t in timings.items():
            rows.append(
                [
                    task,
                    name,
                    R.fmt_s(t.median_s),
                    R.fmt_s(t.first_s),
                    R.fmt_ratio(t.median_s / base),
                ]
            )
    # evaluate on built tables
    timings = {}
    for name, lib in libs.items():
        q, r = lib.Qrels(large_q), lib.Run(large_r)
        timings[name], values[("large", name)] = R.measure(
            lambda lib=lib, q=q, r=r: lib.evaluate(q, r, METRICS), repeat=args.repeat
        )
    base = timings["rankwise.compat.ranx"].median_s
    for name, t in timings.items():
        rows.append(
            [
                f"evaluate, built Qrels/Run ({args.queries:,} q)",
                name,
                R.fmt_s(t.median_s),
                R.fmt_s(t.first_s),
                R.fmt_ratio(t.median_s / base),
            ]
        )
    R.print_table(["task", "library", "median", "first call", "vs drop-in"], rows)
    if ranx is not None:
        ours, theirs = values[("large", "rankwise.compat.ranx")], values[("large", "ranx")]
        worst = max(abs(ours[m] - theirs[m]) for m in METRICS)
        print(f"means agree with ranx to {worst:.1e} ({', '.join(METRICS)})")

    here = Path(__file__)
    print(f"\nmemory: peak RSS of building and evaluating {args.queries:,} q x 100 docs")
    for name in libs:
        lib = "ranx" if name == "ranx" else "rankwise"
        out = R.run_probe(here, ["--probe", lib, "memory", str(args.queries)])
        print(f"  {name:<22} {out.get('peak_mib', float('nan')):8.1f} MiB  {out.get('error', '')}")

    print("\nNUMBA_DISABLE_JIT=1 (ranx issue #74):")
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    for name in libs:
        lib = "ranx" if name == "ranx" else "rankwise"
        proc = subprocess.run(
            [sys.executable, str(here), "--probe", lib, "nojit", "0"],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
            check=False,
        )
        lines = (proc.stdout or proc.stderr).strip().splitlines()
        last = lines[-1] if lines else ""
        try:
            result = json.loads(last)
            shown = "works" if result["ok"] else f"fails: {result['error']}"
        except (json.JSONDecodeError, KeyError):
            shown = f"fails (exit {proc.returncode}): {last[:160]}"
        print(f"  {name:<22} {shown}")


if __name__ == "__main__":
    main()
