"""Rank correlation and OPIS: rankwise against scipy and numpy, same data, one process.

Measured (the goals of issue 4 are printed as met / missed; nothing is asserted):

* Kendall tau-b of one pair of n = 10^7 floats with ties (x ~ U(0, 1), y = x + N(0, 0.5), both
  floored to 100 levels, so that ties are common):
  ``rankwise.correlation.kendall_tau`` vs ``scipy.stats.kendalltau``; goal >= 3x;
* 10,000 rows of 100 (no ties): ``kendall_tau(X, Y, axis=1)`` vs a Python loop of
  ``scipy.stats.kendalltau`` (goal >= 50x) and ``scipy.stats.kendalltau(X, Y, axis=1)``
  (goal >= 20x); Spearman rows vs a loop of ``scipy.stats.spearmanr`` for reference;
* weighted tau, n = 10^6 (no ties): ``rankwise.correlation.weighted_tau`` vs
  ``scipy.stats.weightedtau``; goal >= 10x;
* OPIS on 20,000 float32 embeddings of dimension 128 in 100 classes: ``rankwise.consistency.opis``
  vs a vectorised numpy implementation of the same formula (blocks of rows, ``X @ X.T``,
  ``np.quantile``, ``searchsorted`` and ``bincount``); goal >= 10x and peak memory of the rankwise
  call below 1 GB beyond the input (measured in a fresh process).

Every value is also checked against the peer (bit-identical where rankwise promises it).
``--quick`` runs tiny sizes (a smoke test); ``--only kendall,rows,wtau,opis`` picks sections.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import time
from pathlib import Path
from typing import Any

import _runner as R
import numpy as np
from _runner import Bench, Target

SEED = 42
MEMORY_LIMIT = 1 << 30  # bytes of extra peak RSS allowed for the OPIS call

FULL = {
    "kendall": (1, 10_000_000),
    "rows": (10_000, 100),
    "wtau": (1, 1_000_000),
    "opis": (20_000, 128),
}
QUICK = {"kendall": (1, 100_000), "rows": (1_000, 100), "wtau": (1, 20_000), "opis": (2_000, 32)}
OPIS_CLASSES = {20_000: 100}

TARGETS = [
    Target(
        "sp_tau",
        "rw",
        3,
        "Kendall tau-b, n = 10^7 with ties: >= 3x scipy.stats.kendalltau",
        "1x10000000",
    ),
    Target(
        "sp_loop",
        "rw",
        50,
        "10,000 rows x 100: >= 50x a Python loop over scipy.stats.kendalltau",
        "10000x100",
    ),
    Target(
        "sp_axis",
        "rw",
        20,
        "10,000 rows x 100: >= 20x scipy.stats.kendalltau(X, Y, axis=1)",
        "10000x100",
    ),
    Target(
        "sp_wtau", "rw", 10, "weighted tau, n = 10^6: >= 10x scipy.stats.weightedtau", "1x1000000"
    ),
    Target(
        "np_opis", "rw", 10, "OPIS 20,000 x 128 (100 classes): >= 10x vectorised numpy", "20000x128"
    ),
]


# ----------------------------------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------------------------------
def pair(n: int, ties: bool, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.random(n)
    y = x + rng.normal(0, 0.5, n)
    if ties:
        x, y = np.floor(x * 100), np.floor(y * 100)
    return x, y


def rows(q: int, d: int, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.random((q, d))
    return x, x + rng.normal(0, 0.5, (q, d))


def embeddings(n: int, dim: int, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """Class centres plus noise, float32: classes overlap, as real embeddings do."""
    rng = np.random.default_rng(seed)
    classes = OPIS_CLASSES.get(n, max(2, n // 200))
    labels = rng.integers(0, classes, n)
    centres = rng.normal(size=(classes, dim)).astype(np.float32)
    noise = rng.normal(size=(n, dim)).astype(np.float32)
    return (centres[labels] + 1.5 * noise).astype(np.float32), labels


# ----------------------------------------------------------------------------------------------
# The vectorised numpy OPIS (the same formula as rankwise.consistency.opis, default options)
# ----------------------------------------------------------------------------------------------
def numpy_opis(
    emb: np.ndarray, labels: np.ndarray, far: tuple[float, float] = (0.01, 0.1), k: int = 101
) -> tuple[float, float]:
    """Cosine OPIS and epsilon-OPIS with numpy, vectorised over blocks of 1,024 rows."""
    x = emb / np.linalg.norm(emb, axis=1, keepdims=True)
    n = len(x)
    _, codes = np.unique(labels, return_inverse=True)
    c = int(codes.max()) + 1
    cols = np.arange(n)
    block = 1024

    def blocks():
        for b0 in range(0, n, block):
            b1 = min(n, b0 + block)
            d = -(x[b0:b1] @ x.T)  # negated cosine similarity: smaller = closer
            upper = cols[None, :] > np.arange(b0, b1)[:, None]
            same = codes[b0:b1, None] == codes[None, :]
            yield b0, b1, d, upper, same

    neg = np.concatenate([d[upper & ~same] for _, _, d, upper, same in blocks()])
    lo, hi = np.quantile(neg.astype(np.float64), far)
    del neg
    grid = np.linspace(lo, hi, k)
    pos_hist = np.zeros(c * (k + 1), np.int64)
    neg_hist = np.zeros(c * (k + 1), np.int64)
    for b0, b1, d, upper, same in blocks():
        bucket = np.searchsorted(grid, d.astype(np.float64), side="left")
        row_c = np.broadcast_to(codes[b0:b1, None], d.shape)
        col_c = np.broadcast_to(codes[None, :], d.shape)
        p, q = upper & same, upper & ~same
        pos_hist += np.bincount(row_c[p] * (k + 1) + bucket[p], minlength=c * (k + 1))
        neg_hist += np.bincount(row_c[q] * (k + 1) + bucket[q], minlength=c * (k + 1))
        neg_hist += np.bincount(col_c[q] * (k + 1) + bucket[q], minlength=c * (k + 1))
    sizes = np.bincount(codes, minlength=c)
    tp = np.cumsum(pos_hist.reshape(c, k + 1), axis=1)[:, :k]
    fp = np.cumsum(neg_hist.reshape(c, k + 1), axis=1)[:, :k]
    keep = sizes >= 2
    npos = (sizes * (sizes - 1) // 2)[keep, None]
    nneg = (sizes * (n - sizes))[keep, None]
    tar, trr = tp[keep] / npos, (nneg - fp[keep]) / nneg
    den = tar + trr
    u = np.where(den > 0, 2 * tar * trr / np.where(den > 0, den, 1), 0.0)
    f = (u - u.mean(axis=0)) ** 2
    opis = float(np.mean((f.sum(axis=1) - 0.5 * (f[:, 0] + f[:, -1])) / (k - 1)))
    m = max(1, math.floor(0.05 * len(u)))
    s = np.sort(u, axis=0)
    g = (s[-m:].mean(axis=0) - s[:m].mean(axis=0)) ** 2
    return opis, float((g.sum() - 0.5 * (g[0] + g[-1])) / (k - 1))


# ----------------------------------------------------------------------------------------------
# Memory probe (a fresh process)
# ----------------------------------------------------------------------------------------------
def memprobe(call: str, size: str) -> None:
    q, d = R.parse_size(size)
    emb, labels = embeddings(q, d)
    if call == "rw_opis":
        from rankwise.consistency import opis

        def fn(e: np.ndarray, lab: np.ndarray) -> Any:
            return opis(e, lab)
    else:
        fn = numpy_opis
    fn(emb[:300].copy(), labels[:300].copy())  # imports, thread pool, first-call state
    gc.collect()
    before = R.rss_bytes()
    reset = R.reset_peak_rss()
    peak_before = R.peak_rss_bytes()
    t0 = time.perf_counter()
    fn(emb, labels)
    seconds = time.perf_counter() - t0
    peak = R.peak_rss_bytes()
    base = before if (reset and before is not None) else peak_before
    print(
        json.dumps(
            {
                "call": call,
                "input_bytes": emb.nbytes + labels.nbytes,
                "peak_extra": peak - base,
                "peak_reset": reset,
                "seconds": seconds,
            }
        )
    )


# ----------------------------------------------------------------------------------------------
# Sections
# ----------------------------------------------------------------------------------------------
def same_bits(a: Any, b: Any) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))


def same_result(a: Any, b: Any) -> bool:
    """Two scipy results with the same bits in statistic and p-value."""
    return same_bits(a.statistic, b.statistic) and same_bits(a.pvalue, b.pvalue)


def scipy_time(bench: Bench, stats: Any, key: str, label: str, fn: Any) -> Any:
    """scipy's result, timed; None (and a skipped row) when scipy is not installed."""
    if stats is None:
        bench.skip("scipy", "not installed")
        return None
    return bench.time(key, "scipy", label, fn)


def one_pair(
    bench: Bench,
    q: int,
    n: int,
    stats: Any,
    ties: bool,
    note: str,
    ours: Any,
    theirs: Any,
    check: Any,
) -> None:
    """Size ``n`` on one pair ``x, y`` (see :func:`pair`): time ``ours = (label, fn)`` and
    scipy's ``theirs = (key, label, fn)``, each ``fn(x, y)``, then note ``check(x, y, our
    result, scipy's)``; without scipy its row is skipped and nothing is compared."""
    x, y = pair(n, ties=ties)
    bench.start_size(q, n)
    bench.note(note)
    result = bench.time("rw", "rankwise", ours[0], lambda: ours[1](x, y))
    key, label, fn = theirs
    reference = scipy_time(bench, stats, key, label, lambda: fn(x, y))
    if reference is not None:
        bench.note(check(x, y, result, reference))
    bench.end_size()


def section_kendall(bench: Bench, q: int, n: int, stats: Any) -> None:
    from rankwise.compat.scipy import kendalltau as compat_kendalltau
    from rankwise.correlation import kendall_tau

    def check(x: np.ndarray, y: np.ndarray, ours: Any, theirs: Any) -> str:
        return (
            "compat.scipy.kendalltau bit-identical to scipy: "
            f"{same_result(compat_kendalltau(x, y), theirs)}; "
            f"rankwise tau {float(ours.statistic)!r} vs scipy {float(theirs.statistic)!r}, "
            f"p-value identical: {same_bits(ours.pvalue, theirs.pvalue)}"
        )

    note = f"x ~ U(0,1), y = x + N(0, 0.5), both floored to 100 levels; n = {n:,}"
    one_pair(
        bench, q, n, stats, True, note, ("correlation.kendall_tau(x, y) [tau-b]", kendall_tau),
        ("sp_tau", "stats.kendalltau(x, y)", lambda x, y: stats.kendalltau(x, y)), check,
    )  # fmt: skip


def section_rows(bench: Bench, q: int, d: int, stats: Any) -> None:
    from rankwise.compat.scipy import kendalltau as compat_kendalltau
    from rankwise.correlation import kendall_tau, spearman

    x, y = rows(q, d)
    bench.start_size(q, d)
    bench.note(f"{q:,} rows of {d}: x ~ U(0,1), y = x + N(0, 0.5) (no ties)")
    ours = bench.time(
        "rw", "rankwise", "kendall_tau(X, Y, axis=1)", lambda: kendall_tau(x, y, axis=1)
    )
    bench.time("rw_spearman", "rankwise", "spearman(X, Y, axis=1)", lambda: spearman(x, y, axis=1))
    loop = scipy_time(
        bench,
        stats,
        "sp_loop",
        "[stats.kendalltau(X[i], Y[i]) for i in rows]",
        lambda: [stats.kendalltau(x[i], y[i]) for i in range(q)],
    )
    if loop is not None:
        axis = bench.time(
            "sp_axis",
            "scipy",
            "stats.kendalltau(X, Y, axis=1)",
            lambda: stats.kendalltau(x, y, axis=1),
        )
        bench.time(
            "sp_spearman_loop",
            "scipy",
            "[stats.spearmanr(X[i], Y[i]) for i in rows]",
            lambda: [stats.spearmanr(x[i], y[i]) for i in range(q)],
        )
        compat = compat_kendalltau(x, y, axis=1)
        loop_tau = np.array([r.statistic for r in loop])
        bench.note(
            "compat.scipy.kendalltau(axis=1) bit-identical to scipy's axis=1: "
            f"{same_result(compat, axis)}; "
            f"rankwise tau within 4 ulps of the loop: "
            f"{bool(np.all(np.abs(ours.statistic - loop_tau) <= 4 * np.spacing(np.abs(loop_tau))))}"
        )
    bench.end_size()


def section_wtau(bench: Bench, q: int, n: int, stats: Any) -> None:
    from rankwise.correlation import weighted_tau

    def check(x: np.ndarray, y: np.ndarray, ours: Any, theirs: Any) -> str:
        return f"bit-identical to scipy: {same_bits(ours, theirs.statistic)} ({float(ours)!r})"

    note = f"x ~ U(0,1), y = x + N(0, 0.5) (no ties); n = {n:,}; hyperbolic weigher, rank=True"
    one_pair(
        bench, q, n, stats, False, note, ("correlation.weighted_tau(x, y)", weighted_tau),
        ("sp_wtau", "stats.weightedtau(x, y)", lambda x, y: stats.weightedtau(x, y)), check,
    )  # fmt: skip


def section_opis(bench: Bench, q: int, d: int, args: argparse.Namespace) -> None:
    from rankwise.consistency import opis

    emb, labels = embeddings(q, d)
    bench.start_size(q, d, unit=f"embedding values; {q * (q - 1) // 2:,} pairs")
    classes = len(np.unique(labels))
    bench.note(
        f"{q:,} float32 embeddings of dimension {d}, {classes} classes; cosine, default options"
    )
    ours = bench.time("rw", "rankwise", "consistency.opis(emb, labels)", lambda: opis(emb, labels))
    repeat = args.repeat
    args.repeat = 1  # numpy takes tens of seconds: one timed call after the warm-up
    theirs = bench.time(
        "np_opis", "numpy", "vectorised numpy OPIS (1 timed call)", lambda: numpy_opis(emb, labels)
    )
    args.repeat = repeat
    rel = abs(ours.opis - theirs[0]) / max(abs(theirs[0]), 1e-300)
    bench.note(
        f"OPIS rankwise {ours.opis:.10g} vs numpy {theirs[0]:.10g} (relative difference {rel:.1e}; "
        f"float32 dot products summed in different orders); epsilon-OPIS {ours.epsilon_opis:.6g} vs "
        f"{theirs[1]:.6g}"
    )
    bench.end_size()
    if args.no_memory:
        return
    results = []
    for call in ("rw_opis", "np_opis"):
        res = R.run_probe(Path(__file__), ["--memprobe", call, R.size_key(q, d)])
        res.setdefault("call", call)
        results.append(res)
    bench.extra("memory", results)
    print("\npeak memory of one call in a fresh process (extra RSS over RSS just before it):")
    for r in results:
        if "error" in r:
            print(f"  {r['call']}: error {' '.join(r['error'])}")
            continue
        print(
            f"  {r['call']}: {r['peak_extra'] / 2**20:.0f} MiB (input {r['input_bytes'] / 2**20:.1f} MiB)"
        )
    rw = results[0]
    if "error" not in rw and (q, d) == FULL["opis"]:  # the goal is stated for this size only
        ok = rw["peak_extra"] < MEMORY_LIMIT
        line = (
            f"{'[met]   ' if ok else '[MISSED]'} OPIS peak extra memory below 1 GB: "
            f"{rw['peak_extra'] / 2**20:.0f} MiB"
        )
        print("  " + line)
        bench.extra("memory_target", line)


def main() -> None:
    p = R.parser(__doc__.split("\n\n")[0], sizes=False, memory=True)
    p.add_argument("--only", default="kendall,rows,wtau,opis", help="comma-separated sections")
    args = p.parse_args()
    if args.memprobe:
        memprobe(*args.memprobe)
        return
    R.print_banner()
    stats = R.optional_import("scipy.stats")
    sizes = QUICK if args.quick else FULL
    bench = Bench("bench_correlation", args, baselines=[("rw", "rankwise")], targets=TARGETS)
    for name in (s.strip() for s in args.only.split(",") if s.strip()):
        q, d = sizes[name]
        if name == "kendall":
            section_kendall(bench, q, d, stats)
        elif name == "rows":
            section_rows(bench, q, d, stats)
        elif name == "wtau":
            section_wtau(bench, q, d, stats)
        elif name == "opis":
            section_opis(bench, q, d, args)
        else:
            raise SystemExit(f"unknown section {name!r}; choose from {', '.join(FULL)}")
    bench.save()


if __name__ == "__main__":
    main()
