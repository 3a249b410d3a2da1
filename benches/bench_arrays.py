"""Array path: rankwise.metrics on 2-D numpy arrays vs scikit-learn and ranx, same data.

Measured, per size (Q queries x D candidates, the data of ``_runner.make_data``):

* rankwise ``evaluate_arrays(scores, labels, ["nDCG@10", "AP", "RR@10"])``: three measures
  fused in one pass; ``ndcg(k=10)`` alone; ``ndcg(k=10, ties="average")`` (the like-for-like
  of sklearn's tie-averaged default).
* scikit-learn ``ndcg_score(labels, scores, k=10)``, default (tie-averaged) and
  ``ignore_ties=True``. nDCG only: sklearn has no AP/RR over query rows.
* ranx ``evaluate(qrels, run, ["ndcg@10", "map", "mrr@10"], save_results_in_run=False)`` on
  Qrels/Run built beforehand (not timed); ``to_typed_list`` (the doc-id hashing every
  ``evaluate`` repeats); and the numba kernels alone on the typed lists: ``ndcg(k=10)``, and
  ``ndcg + average_precision + reciprocal_rank(k=10)``.
* peak extra RSS of the rankwise call in a fresh subprocess, relative to the input arrays.

Every timing is the median of several calls after one warm-up call (which absorbs numba's JIT
compilation). Run ``python benches/bench_arrays.py --help`` for the flags.
"""

from __future__ import annotations

import argparse
import gc
import json
import time
from pathlib import Path
from typing import Any

import _runner as R
import numpy as np
from _runner import Bench, Target

MEASURES = ["nDCG@10", "AP", "RR@10"]
RANX_MEASURES = ["ndcg@10", "map", "mrr@10"]
HEADLINE = "100000x100"
MEMORY_TARGET = 1.5  # peak extra RSS of the rankwise call / input bytes, at most

TARGETS = [
    Target(
        "sk_default",
        "rw_fused",
        30,
        "rankwise fused >= 30x faster than sklearn ndcg_score (default ties)",
        HEADLINE,
    ),
    Target(
        "ranx_eval",
        "rw_fused",
        50,
        "rankwise fused >= 50x faster than ranx evaluate (3 measures, prebuilt Qrels/Run)",
        HEADLINE,
    ),
    Target(
        "ranx_k_ndcg",
        "rw_fused",
        1,
        "rankwise fused (3 measures) faster than ranx's nDCG@10 kernel alone",
        HEADLINE,
    ),
    # Like-for-like companions of the targets above (informational).
    Target(
        "ranx_k_ndcg",
        "rw_ndcg",
        1,
        "rankwise nDCG@10 faster than ranx's nDCG@10 kernel (like-for-like)",
        HEADLINE,
    ),
    Target(
        "ranx_k_3",
        "rw_fused",
        1,
        "rankwise fused faster than ranx's 3 kernels (like-for-like)",
        HEADLINE,
    ),
]


# ----------------------------------------------------------------------------------------------
# Peak memory, measured in a child process (this same script with --memprobe)
# ----------------------------------------------------------------------------------------------
def probe_calls() -> dict[str, Any]:
    """The calls whose peak memory can be probed, taking (scores, labels)."""

    def rw_fused(s: np.ndarray, lab: np.ndarray) -> Any:
        from rankwise.metrics import evaluate_arrays

        return evaluate_arrays(s, lab, MEASURES)

    def rw_ndcg(s: np.ndarray, lab: np.ndarray) -> Any:
        from rankwise.metrics import ndcg

        return ndcg(s, lab, k=10)

    def sk_default(s: np.ndarray, lab: np.ndarray) -> Any:
        from sklearn.metrics import ndcg_score

        return ndcg_score(lab, s, k=10)

    return {"rw_fused": rw_fused, "rw_ndcg": rw_ndcg, "sk_default": sk_default}


def memprobe(call: str, size: str) -> None:
    """Child side: build the data, then record RSS before and the peak during one call.

    Rust allocations are invisible to tracemalloc, so the kernel's own counters are used:
    VmRSS before the call, and VmHWM (peak RSS) after it, with the peak reset just before the
    call so that the temporaries of the data generation do not hide the call's own peak.
    """
    q, d = R.parse_size(size)
    fn = probe_calls()[call]
    scores, labels = R.make_data(q, d)
    input_bytes = scores.nbytes + labels.nbytes
    # Warm-up on a few rows: imports, the thread pool and other one-time state are not memory
    # that the call needs per byte of input.
    fn(scores[:4].copy(), labels[:4].copy())
    gc.collect()
    before = R.rss_bytes()
    reset = R.reset_peak_rss()
    peak_before = R.peak_rss_bytes()
    t0 = time.perf_counter()
    out = fn(scores, labels)
    seconds = time.perf_counter() - t0
    peak = R.peak_rss_bytes()
    after = R.rss_bytes()
    base = before if (reset and before is not None) else peak_before
    out_bytes = sum(v.nbytes for v in out.values()) if isinstance(out, dict) else 0
    print(
        json.dumps(
            {
                "call": call,
                "q": q,
                "d": d,
                "input_bytes": input_bytes,
                "output_bytes": out_bytes,
                "rss_before": before,
                "peak_reset": reset,
                "peak_before_call": peak_before,
                "peak": peak,
                "rss_after": after,
                "peak_extra": peak - base,
                "peak_extra_over_input": (peak - base) / input_bytes,
                "seconds": seconds,
            }
        )
    )


def memory_section(bench: Bench, q: int, d: int, have_sklearn: bool) -> None:
    calls = ["rw_fused", "rw_ndcg"] + (["sk_default"] if have_sklearn else [])
    results = []
    for call in calls:
        res = R.run_probe(Path(__file__), ["--memprobe", call, R.size_key(q, d)])
        res.setdefault("call", call)
        results.append(res)
    bench.extra("memory", results)
    print("\npeak memory of one call in a fresh process (extra RSS over RSS just before it):")
    head = ["call", "input arrays", "peak extra RSS", "extra / input", "peak reset"]
    rows = []
    for r in results:
        if "error" in r:
            rows.append([r["call"], "-", "error: " + " ".join(r["error"]), "-", "-"])
            continue
        rows.append(
            [
                r["call"],
                f"{r['input_bytes'] / 2**20:.1f} MiB",
                f"{r['peak_extra'] / 2**20:.1f} MiB",
                f"{r['peak_extra_over_input']:.3f}x",
                "yes" if r["peak_reset"] else "no (lower bound)",
            ]
        )
    R.print_table(head, rows)
    fused = results[0]
    if "error" not in fused:
        ratio = fused["peak_extra_over_input"]
        verdict = "[met]   " if ratio <= MEMORY_TARGET else "[MISSED]"
        line = (
            f"{verdict} rankwise fused peak extra memory <= {MEMORY_TARGET}x the input arrays: "
            f"{ratio:.3f}x"
        )
        print("  " + line)
        bench.extra("memory_target", line)


# ----------------------------------------------------------------------------------------------
# Timings
# ----------------------------------------------------------------------------------------------
def run_size(bench: Bench, q: int, d: int, sk: Any, ranx: Any, args: argparse.Namespace) -> None:
    import rankwise
    from rankwise.metrics import evaluate_arrays

    scores, labels = R.make_data(q, d)
    bench.start_size(q, d)
    bench.note(
        f"inputs: scores float64 + labels int64, {(scores.nbytes + labels.nbytes) / 2**20:.1f} "
        f"MiB; rankwise threads={rankwise.get_num_threads()}"
    )
    means: dict[str, dict[str, float]] = {"nDCG@10": {}, "AP": {}, "RR@10": {}}

    # rankwise ------------------------------------------------------------------------------
    fused = bench.time(
        "rw_fused",
        "rankwise",
        'evaluate_arrays(scores, labels, ["nDCG@10","AP","RR@10"])',
        lambda: evaluate_arrays(scores, labels, MEASURES),
        headline="rankwise evaluate_arrays",
    )
    for m in MEASURES:
        means[m]["rankwise fused"] = float(fused[m].mean())
    alone = bench.time(
        "rw_ndcg",
        "rankwise",
        "metrics.ndcg(scores, labels, k=10)",
        lambda: rankwise.metrics.ndcg(scores, labels, k=10),
    )
    means["nDCG@10"]["rankwise ndcg"] = float(alone.mean())
    if not np.array_equal(alone, fused["nDCG@10"]):
        bench.note("rankwise ndcg() alone and inside evaluate_arrays() differ per query!")
    avg = bench.time(
        "rw_ndcg_avg",
        "rankwise",
        'metrics.ndcg(k=10, ties="average")',
        lambda: rankwise.metrics.ndcg(scores, labels, k=10, ties="average"),
    )
    means["nDCG@10"]['rankwise ties="average"'] = float(avg.mean())

    # scikit-learn --------------------------------------------------------------------------
    if sk is None:
        bench.skip("sklearn", "not installed")
    else:
        means["nDCG@10"]["sklearn default"] = bench.time(
            "sk_default",
            "sklearn",
            "ndcg_score(labels, scores, k=10) [nDCG only]",
            lambda: sk.ndcg_score(labels, scores, k=10),
            headline="sklearn ndcg_score (nDCG@10 only)",
        )
        means["nDCG@10"]["sklearn ignore_ties"] = bench.time(
            "sk_ignore",
            "sklearn",
            "ndcg_score(..., k=10, ignore_ties=True) [nDCG only]",
            lambda: sk.ndcg_score(labels, scores, k=10, ignore_ties=True),
        )

    # ranx ----------------------------------------------------------------------------------
    if ranx is None:
        bench.skip("ranx", "not installed")
    else:
        from ranx.metrics import average_precision, ndcg, reciprocal_rank

        # ranx has no array input: it needs Qrels/Run objects, built from dicts. That cost
        # (seconds at 100k queries) is deliberately left out here; bench_dicts.py times it.
        t0 = time.perf_counter()
        qrels_d, run_d = R.make_dicts(scores, labels)
        qrels = ranx.Qrels.from_dict(qrels_d)
        run = ranx.Run.from_dict(run_d)
        del qrels_d, run_d
        bench.note(
            f"ranx Qrels/Run built from dicts outside the timed region in "
            f"{R.fmt_s(time.perf_counter() - t0)} (first from_dict calls include numba JIT)"
        )
        out = bench.time(
            "ranx_eval",
            "ranx",
            'evaluate(Qrels, Run, ["ndcg@10","map","mrr@10"], save_results_in_run=False)',
            lambda: ranx.evaluate(qrels, run, RANX_MEASURES, save_results_in_run=False),
            headline="ranx evaluate (prebuilt Qrels/Run)",
        )
        for m, rm in zip(MEASURES, RANX_MEASURES, strict=True):
            means[m]["ranx evaluate"] = float(out[rm])
        # What evaluate() redoes on every call before the kernels run: hash every doc id.
        q_tl, r_tl = bench.time(
            "ranx_typed",
            "ranx",
            "Qrels/Run.to_typed_list() (inside every evaluate)",
            lambda: (qrels.to_typed_list(), run.to_typed_list()),
        )
        k_ndcg = bench.time(
            "ranx_k_ndcg",
            "ranx",
            "numba kernel ndcg(k=10) on typed lists",
            lambda: ndcg(q_tl, r_tl, k=10),
        )
        means["nDCG@10"]["ranx kernel"] = float(np.mean(k_ndcg))
        k3 = bench.time(
            "ranx_k_3",
            "ranx",
            "numba kernels ndcg@10 + map + mrr@10 on typed lists",
            lambda: (
                ndcg(q_tl, r_tl, k=10),
                average_precision(q_tl, r_tl, k=0),
                reciprocal_rank(q_tl, r_tl, k=10),
            ),
            headline="ranx numba kernels only (run pre-sorted)",
        )
        for m, values in zip(MEASURES, k3, strict=True):
            means[m]["ranx kernels"] = float(np.mean(values))
        del qrels, run, q_tl, r_tl

    bench.agreement(means)
    bench.end_size()
    if not args.no_memory:
        memory_section(bench, q, d, sk is not None)


def main() -> None:
    args = R.parser(__doc__.split("\n\n")[0], memory=True).parse_args()
    if args.memprobe:
        memprobe(*args.memprobe)
        return

    R.print_banner()
    sk = R.optional_import("sklearn.metrics")
    ranx = R.optional_import("ranx")
    bench = Bench(
        "bench_arrays",
        args,
        baselines=[("rw_fused", "rankwise fused"), ("rw_ndcg", "rankwise nDCG")],
        targets=TARGETS,
    )
    for q, d in R.sizes_from(args):
        run_size(bench, q, d, sk, ranx, args)
    bench.save()


if __name__ == "__main__":
    main()
