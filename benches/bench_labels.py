"""Plackett-Luce aggregation of teacher windows: rankwise against choix, same data, one process.

Measured (the goal of issue 6 is printed as met / missed; nothing is asserted):

* 100,000 queries, each with 45 windows of 20 over 100 candidates (the window count of
  fullrank's 9-pass label construction), every window an order drawn from a Plackett-Luce
  model over a random subset: ``rankwise.labels.aggregate(..., method="plackett_luce")`` on
  the whole batch vs ``choix.mm_rankings`` looped over queries; goal >= 20x. Both use
  ``alpha=0.01`` (a candidate last in all its windows has no finite MLE otherwise) and
  choix's ``max_iter=10000``, ``tol=1e-8``. choix takes seconds per query, so it is timed on
  a sample of queries and **scaled** to the batch (said so in the output); its estimates on
  the sample are compared with rankwise's.
* Peak memory of the rankwise call beyond its input, measured in fresh processes at the full
  and at half the number of queries (linear in the input: the two ratios should agree).

``--active`` measures active label construction instead (no timing): the teacher calls
``rankwise.labels.active_labels`` needs to agree with the true order as well as the 45-window
fullrank construction (``fullrank_labels``) does. The teacher is simulated
(``OracleRanker``: true grades 0..99 plus Gaussian noise of each ``--noise``); agreement is
the mean Kendall tau between each label and the true order. The smallest budget ``max_windows``
(found by bisection) at which the active labels' agreement reaches fullrank's is reported; the
calls saved are 45 minus that budget's mean calls per query.

``--quick`` runs a tiny smoke test.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path
from typing import Any

import _runner as R
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# --active's agreement is the one tests/test_labels_active.py asserts on
from tests.test_labels_active import agreement as _agreement

SEED = 42
N_CANDIDATES = 100
N_WINDOWS = 45
WINDOW = 20
ALPHA = 0.01
GOAL = 20.0


def make_windows(q: int, seed: int = SEED) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flat window orders, window offsets and query offsets of ``q`` queries."""
    rng = np.random.default_rng(seed)
    items = np.empty(q * N_WINDOWS * WINDOW, dtype=np.int64)
    chunk = 2_000
    for s in range(0, q, chunk):
        e = min(q, s + chunk)
        theta = rng.normal(0.0, 1.5, size=(e - s, 1, N_CANDIDATES))
        # a random subset of WINDOW candidates per window ...
        keys = rng.random((e - s, N_WINDOWS, N_CANDIDATES))
        subset = np.argpartition(keys, WINDOW, axis=2)[:, :, :WINDOW]
        # ... ordered by Plackett-Luce sampling (Gumbel-max trick)
        noisy = np.take_along_axis(np.broadcast_to(theta, keys.shape), subset, axis=2)
        noisy = noisy + rng.gumbel(size=noisy.shape)
        order = np.argsort(-noisy, axis=2)
        windows = np.take_along_axis(subset, order, axis=2)
        items[s * N_WINDOWS * WINDOW : e * N_WINDOWS * WINDOW] = windows.reshape(-1)
    window_offsets = np.arange(0, q * N_WINDOWS * WINDOW + 1, WINDOW, dtype=np.int64)
    query_offsets = np.arange(0, q * N_WINDOWS + 1, N_WINDOWS, dtype=np.int64)
    return items, window_offsets, query_offsets


def rankwise_call(items: np.ndarray, wo: np.ndarray, qo: np.ndarray) -> Any:
    from rankwise import labels

    return labels.aggregate(
        items,
        N_CANDIDATES,
        method="plackett_luce",
        window_offsets=wo,
        query_offsets=qo,
        alpha=ALPHA,
    )


def choix_loop(choix: Any, items: np.ndarray, queries: int) -> list[np.ndarray]:
    per_query = N_WINDOWS * WINDOW
    out = []
    for i in range(queries):
        data = items[i * per_query : (i + 1) * per_query].reshape(N_WINDOWS, WINDOW).tolist()
        out.append(choix.mm_rankings(N_CANDIDATES, data, alpha=ALPHA))
    return out


def memprobe(queries: int) -> None:
    items, wo, qo = make_windows(queries)
    rankwise_call(*make_windows(5, seed=1))  # imports, thread pool, first-call state
    gc.collect()
    before = R.rss_bytes()
    reset = R.reset_peak_rss()
    peak_before = R.peak_rss_bytes()
    t0 = time.perf_counter()
    rankwise_call(items, wo, qo)
    seconds = time.perf_counter() - t0
    peak = R.peak_rss_bytes()
    base = before if (reset and before is not None) else peak_before
    input_bytes = items.nbytes + wo.nbytes + qo.nbytes
    print(
        json.dumps(
            {
                "queries": queries,
                "input_bytes": input_bytes,
                "peak_extra": peak - base,
                "seconds": seconds,
            }
        )
    )


def active(queries: int, noises: list[float]) -> None:
    """Teacher calls of active label construction at the agreement of the 45-window one."""
    from rankwise.labels import active_labels, fullrank_labels
    from rankwise.rerank import OracleRanker

    rng = np.random.default_rng(SEED)
    grades = [[float(g) for g in rng.permutation(N_CANDIDATES)] for _ in range(queries)]
    names = [f"q{i}" for i in range(queries)]
    print(
        f"\nActive label construction: {queries} queries x {N_CANDIDATES} candidates, windows "
        f"of {WINDOW}, simulated teacher (true grades + Gaussian noise), agreement = mean "
        "Kendall tau to the true order"
    )
    print(
        f"  {'noise':>6}  {'fullrank calls':>14}  {'tau':>6}  {'active calls':>12}  {'tau':>6}  saved"
    )
    for noise in noises:
        full = fullrank_labels(names, grades, OracleRanker(noise, seed=SEED), progress=False)
        target = _agreement(grades, full.orders)
        full_calls = float(np.mean(full.windows))

        # The smallest budget whose labels agree as well (bisection: agreement rises with
        # the budget, up to the simulated teacher's noise).
        def run(budget: int, noise: float = noise) -> tuple[float, float]:
            teacher = OracleRanker(noise, seed=SEED)
            out = active_labels(names, grades, teacher, max_windows=budget)
            return float(np.mean(out.windows)), _agreement(grades, out.orders)

        lo, hi = 1, 2 * N_WINDOWS
        found = run(hi)
        if found[1] < target:
            found = None
        else:
            while lo < hi:
                mid = (lo + hi) // 2
                r = run(mid)
                if r[1] >= target:
                    hi, found = mid, r
                else:
                    lo = mid + 1
        if found is None:
            print(f"  {noise:>6g}  {full_calls:>14.1f}  {target:6.4f}  {'> 90':>12}  {'':>6}  none")
            continue
        calls, tau = found
        saved = 1 - calls / full_calls
        print(
            f"  {noise:>6g}  {full_calls:>14.1f}  {target:6.4f}  {calls:>12.1f}  {tau:6.4f}  "
            f"{saved:+.0%}"
        )
    evidence_rule(names, grades, noises)
    sys.stdout.flush()


def evidence_rule(names: list[str], grades: list[list[float]], noises: list[float]) -> None:
    """The evidence stopping rule (``stop="evidence"``): the rule decides when each query
    stops (budget 90 windows, twice fullrank's), over all pairs and over the top 10."""
    from rankwise.labels import active_labels, fullrank_labels
    from rankwise.rerank import OracleRanker

    print(
        "\n  stop='evidence' (confidence 0.9, budget 90 windows): calls per query, agreement, "
        "queries settled; saved = 1 - calls / 45 where tau reaches fullrank's (top10 rows: "
        "tau = the share of queries whose top 10 is exactly the true top 10)"
    )
    print(f"  {'noise':>6}  {'pairs':>6}  {'calls':>6}  {'tau':>6}  {'fullrank tau':>12}  "
          f"{'settled':>9}  saved")  # fmt: skip
    for noise in noises:
        full = fullrank_labels(names, grades, OracleRanker(noise, seed=SEED), progress=False)
        target = _agreement(grades, full.orders)
        for top_k in (None, 10):
            out = active_labels(
                names, grades, OracleRanker(noise, seed=SEED), max_windows=2 * N_WINDOWS,
                stop="evidence", top_k=top_k,
            )  # fmt: skip
            calls, tau = float(np.mean(out.windows)), _agreement(grades, out.orders)
            if top_k is not None:  # agreement of the top 10 only: their order, truth's
                tau = float(np.mean([
                    [g[i] for i in o[:top_k]] == sorted(g, reverse=True)[:top_k]
                    for g, o in zip(grades, out.orders, strict=True)
                ]))  # fmt: skip
            saved = f"{1 - calls / N_WINDOWS:+.0%}" if top_k or tau >= target else "none"
            print(f"  {noise:>6g}  {'top10' if top_k else 'all':>6}  {calls:6.1f}  {tau:6.4f}  "
                  f"{target if not top_k else float('nan'):12.4f}  "
                  f"{sum(out.settled):>4}/{len(names):<4}  {saved}")  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="smoke test: tiny sizes")
    p.add_argument("--queries", type=int, default=100_000, help="queries in the batch")
    p.add_argument("--sample", type=int, default=10, help="queries choix is timed on")
    p.add_argument("--repeat", type=int, default=3, help="timed rankwise calls (median)")
    p.add_argument("--no-memory", action="store_true", help="skip the peak-memory subprocesses")
    p.add_argument("--memprobe", type=int, help=argparse.SUPPRESS)
    p.add_argument("--active", action="store_true", help="active label construction's calls")
    p.add_argument(
        "--noise", default="0,3,10,30", help="--active: teacher noise levels, comma-separated"
    )
    p.add_argument("--active-queries", type=int, default=100, help="--active: queries")
    args = p.parse_args()
    if args.active:
        R.print_banner()
        active(10 if args.quick else args.active_queries, [float(x) for x in args.noise.split(",")])
        return
    if args.memprobe:
        memprobe(args.memprobe)
        return
    if args.quick:
        args.queries, args.sample, args.repeat = 200, 2, 1
    R.print_banner()
    q = args.queries
    print(
        f"\nPlackett-Luce MM: {q:,} queries x {N_WINDOWS} windows of {WINDOW} over "
        f"{N_CANDIDATES} candidates, alpha={ALPHA}, tol=1e-8, max_iter=10000"
    )
    items, wo, qo = make_windows(q)
    timing, result = R.measure(lambda: rankwise_call(items, wo, qo), repeat=args.repeat)
    rw_s = timing.median_s
    iters = result.iterations
    print(
        f"  rankwise.labels.aggregate   {R.fmt_s(rw_s):>10}  (median of {len(timing.times_s)}; "
        f"{rw_s / q * 1e6:.1f} us/query; MM iterations median {int(np.median(iters))}, "
        f"max {int(iters.max())}; converged {int(result.converged.sum())}/{q})"
    )
    record: dict[str, Any] = {
        "queries": q,
        "rankwise_s": rw_s,
        "rankwise_times_s": timing.times_s,
        "iterations_median": float(np.median(iters)),
    }
    choix = R.optional_import("choix")
    if choix is not None:
        s = min(args.sample, q)
        t0 = time.perf_counter()
        ref = choix_loop(choix, items, s)
        choix_sample_s = time.perf_counter() - t0
        choix_s = choix_sample_s * q / s
        diff = max(
            float(np.max(np.abs(result.scores[i * N_CANDIDATES : (i + 1) * N_CANDIDATES] - r)))
            for i, r in enumerate(ref)
        )
        ratio = choix_s / rw_s
        print(
            f"  choix.mm_rankings loop      {R.fmt_s(choix_s):>10}  (SCALED: timed on {s} "
            f"queries, {R.fmt_s(choix_sample_s)}, x {q / s:,.0f})"
        )
        print(f"  max |rankwise - choix| on the sample: {diff:.2e}")
        verdict = "met" if ratio >= GOAL else "MISSED"
        print(f"  ratio choix / rankwise: {ratio:,.0f}x  (goal >= {GOAL:.0f}x: {verdict})")
        record.update(
            choix_sample_queries=s,
            choix_sample_s=choix_sample_s,
            choix_scaled_s=choix_s,
            ratio=ratio,
            max_abs_diff=diff,
        )
    if not args.no_memory:
        print("  peak memory of the rankwise call beyond its input (fresh processes):")
        script = Path(__file__).resolve()
        mem = []
        for qq in (max(q // 2, 1), q):
            r = R.run_probe(script, ["--memprobe", str(qq)], timeout=3600)
            mem.append(r)
            print(
                f"    {qq:>9,} queries: input {r['input_bytes'] / 2**20:8.1f} MiB, "
                f"peak extra {r['peak_extra'] / 2**20:8.1f} MiB "
                f"({r['peak_extra'] / r['input_bytes']:.2f} x input)"
            )
        record["memory"] = mem
    out = R.RESULTS / "bench_labels.json"
    if not args.quick:
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps(record, indent=2) + "\n")
        print(f"  wrote {out.relative_to(R.HERE.parent)}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
