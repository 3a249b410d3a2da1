"""Run fusion: ``rankwise.fuse`` vs ``ranx.fuse`` on 10 runs x Q queries x 1000 docs.

The issue's size is 10 runs x 10,000 queries x 1000 docs (100M entries). Holding ranx's
numba dicts of all 100M entries next to ours does not fit a 24 GB machine, so the two sides
are measured one after the other in the same process, on the same data:

1. The data: per run and query, 1000 of 2000 candidate docs with distinct scores, generated
   with numpy and kept as arrays (int32 doc numbers and float64 scores, 1.2 GB at 10k queries).
2. rankwise: the 10 ``rankwise.Run`` of all Q queries are built (through Arrow, not timed),
   each method is timed on the whole set (one warm-up, then the median of ``--repeat`` calls),
   then our runs are freed.
3. ranx: the queries are split into chunks of ``--ranx-chunk`` (default 1000). For each chunk
   the 10 ``ranx.Run`` of its queries are built (not timed; ``ranx.Run`` sorts on
   construction, so each timed call does the same work), every method is timed on them
   (median of ``--repeat`` calls), and they are freed before the next chunk. ranx fuses each
   query on its own (its kernels loop over queries), so **the sum of the chunk times is ranx's
   time for the whole set**, up to ranx's fixed per-call overhead, which is counted once per
   chunk instead of once. That overhead favours us, so keep chunks large (it is small next to
   a 1000-query call); ``--ranx-chunk`` equal to ``--queries`` times ranx on the whole set in
   one call, where memory allows, to check the sum against it. numba's JIT is warmed up on a
   10-query chunk first.

Fused values of the first and the last query are compared between the two sides. The peak
RSS (VmHWM, reset before each phase) of each phase is printed.
"""

from __future__ import annotations

import argparse
import gc
import time

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
DOC_NAMES = np.array([f"d{d}" for d in range(2 * N_DOCS)], dtype=object)


def make_run(seed: int, queries: int) -> tuple[np.ndarray, np.ndarray]:
    """One run: each query ranks 1000 of 2000 candidate docs with distinct scores.

    Returns the doc numbers (``queries x 1000`` int32, into ``DOC_NAMES``) and the scores
    (float64): a random permutation of ``k / 1000`` plus a per-query offset.
    """
    rng = np.random.default_rng(seed)
    docs = np.argsort(rng.random((queries, 2 * N_DOCS)), axis=1)[:, :N_DOCS].astype(np.int32)
    ranks = np.argsort(rng.random((queries, N_DOCS)), axis=1)
    scores = ranks / N_DOCS + rng.random((queries, 1))
    return docs, scores


def ours_run(docs: np.ndarray, scores: np.ndarray, name: str) -> rankwise.Run:
    """The whole run as a ``rankwise.Run``, read from an Arrow table (no Python dicts)."""
    import pyarrow as pa

    queries = docs.shape[0]
    qnames = pa.array([f"q{q}" for q in range(queries)]).take(
        pa.array(np.repeat(np.arange(queries), N_DOCS))
    )
    dnames = pa.array(DOC_NAMES.tolist()).take(pa.array(docs.ravel()))
    table = pa.table({"query_id": qnames, "doc_id": dnames, "score": scores.ravel()})
    return rankwise.Run.from_frame(table, name=name)


def ranx_run(ranx: object, docs: np.ndarray, scores: np.ndarray, q0: int, q1: int, name: str):  # type: ignore[no-untyped-def]
    """Queries ``q0 .. q1 - 1`` of one run as a ``ranx.Run`` (built from a dict of dicts)."""
    run = {
        f"q{q}": dict(zip(DOC_NAMES[docs[q]].tolist(), scores[q].tolist(), strict=True))
        for q in range(q0, q1)
    }
    return ranx.Run(run, name=name)  # type: ignore[attr-defined]


def gib(n: int) -> str:
    return f"{n / 2**30:.2f} GiB"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--ranx-chunk", type=int, default=1000, help="queries per ranx call")
    ap.add_argument("--methods", default=",".join(c[0] for c in CASES))
    args = ap.parse_args()
    R.print_banner()
    ranx = R.optional_import("ranx")
    wanted = set(args.methods.split(","))
    cases = [c for c in CASES if c[0] in wanted]
    t0 = time.perf_counter()
    data = [make_run(i, args.queries) for i in range(N_RUNS)]
    print(
        f"{N_RUNS} runs x {args.queries} queries x {N_DOCS} docs "
        f"(generated in {time.perf_counter() - t0:.0f} s)",
        flush=True,
    )
    last = f"q{args.queries - 1}"
    probe = ("q0", last)

    # rankwise on the whole set ------------------------------------------------------------
    R.reset_peak_rss()
    ours_runs = [ours_run(d, s, f"r{i}") for i, (d, s) in enumerate(data)]
    ours_t: dict[str, float] = {}
    ours_values: dict[str, dict[str, dict[str, float]]] = {}
    for ours_name, _, norm, params in cases:

        def ours(
            m: str = ours_name,
            n: str | None = norm,
            p: dict = params,
            runs: list[rankwise.Run] = ours_runs,
        ) -> rankwise.Run:
            return rankwise.fuse(runs, m, norm=n, **p)  # type: ignore[arg-type]

        timing, fused = R.measure(ours, repeat=args.repeat)
        ours_t[ours_name] = timing.median_s
        as_dict = fused.to_dict()
        ours_values[ours_name] = {q: as_dict[q] for q in probe}
        del fused, as_dict
        print(f"rankwise {ours_name}: {R.fmt_s(timing.median_s)}", flush=True)
    ours_peak = R.peak_rss_bytes()
    print(f"peak RSS so far, rankwise phase: {gib(ours_peak)}", flush=True)
    del ours_runs
    gc.collect()

    # ranx, chunk by chunk -----------------------------------------------------------------
    ranx_t = dict.fromkeys(ours_t, 0.0)
    ranx_peak = 0
    if ranx is not None:
        warm = [
            ranx_run(ranx, d, s, 0, min(10, args.queries), f"r{i}") for i, (d, s) in enumerate(data)
        ]
        for _, ranx_name, norm, params in cases:
            ranx.fuse(warm, norm=norm, method=ranx_name, params=params)
        del warm
        gc.collect()
        R.reset_peak_rss()
        chunk = max(1, args.ranx_chunk)
        for q0 in range(0, args.queries, chunk):
            q1 = min(q0 + chunk, args.queries)
            runs = [ranx_run(ranx, d, s, q0, q1, f"r{i}") for i, (d, s) in enumerate(data)]
            for ours_name, ranx_name, norm, params in cases:
                times = []
                for _ in range(max(1, args.repeat)):
                    gc.collect()
                    t = time.perf_counter()
                    fused = ranx.fuse(runs, norm=norm, method=ranx_name, params=params)
                    times.append(time.perf_counter() - t)
                ranx_t[ours_name] += float(np.median(times))
                as_dict = fused.to_dict()
                for q in probe:
                    if q in as_dict:
                        check(ours_name, q, ours_values[ours_name][q], as_dict[q])
                del fused, as_dict
            del runs
            gc.collect()
            done = ", ".join(f"{m} {R.fmt_s(t)}" for m, t in ranx_t.items())
            print(f"ranx: queries {q0}..{q1 - 1} done; sums so far: {done}; peak RSS "
                  f"{gib(R.peak_rss_bytes())}", flush=True)  # fmt: skip
        ranx_peak = R.peak_rss_bytes()

    rows = []
    for ours_name, _, norm, _ in cases:
        row = [f"{ours_name} (norm={norm})", R.fmt_s(ours_t[ours_name]), "-", "-"]
        if ranx is not None:
            row[2] = R.fmt_s(ranx_t[ours_name])
            row[3] = R.fmt_ratio(ranx_t[ours_name] / ours_t[ours_name])
        rows.append(row)
    head = ["method", "rankwise.fuse", f"ranx.fuse (sum over {args.ranx_chunk}-query chunks)"]
    R.print_table([*head, "ranx / rankwise"], rows)
    print(f"peak RSS: rankwise phase {gib(ours_peak)} (data + 10 Runs + fused Run)")
    if ranx is None:
        print("ranx is not installed: only rankwise is timed")
    else:
        print(f"peak RSS: ranx phase {gib(ranx_peak)} (data + one chunk's 10 ranx.Runs + fused)")


def check(method: str, q: str, got: dict[str, float], want: dict[str, float]) -> None:
    """Print a line when the two sides' fused scores of query ``q`` differ."""
    worst = max(abs(got.get(d, np.inf) - v) / max(1.0, abs(v)) for d, v in want.items())
    if set(got) != set(want) or worst > 1e-9:
        print(f"DISAGREE: {method} {q}: largest relative difference {worst:.3g}")


if __name__ == "__main__":
    main()
