"""Dict input end to end: rankwise.evaluate vs pytrec_eval and ranx on {qid: {docid: value}}.

The dict-of-dicts qrels and run (the shape pytrec_eval and ranx take) are built once per size,
outside every timed region; each tool then gets the same dicts. Measured, per size:

* rankwise ``evaluate(qrels_dict, run_dict, ["nDCG@10", "AP", "RR@10"])`` (builds its
  Qrels/Run internally); the same with the run's ids other ``str`` objects than the qrels'
  (equal text: the dicts of a program that did not make its ids once); and the same split
  into ``Qrels(dict)``, ``Run(dict)`` and ``evaluate`` on the prebuilt objects.
* pytrec_eval ``RelevanceEvaluator(qrels, {"ndcg_cut.10", "map", "recip_rank"})`` +
  ``evaluate(run)`` + the means (construct + evaluate), and ``evaluate`` alone with the
  evaluator reused. trec_eval has no RR@k, so pytrec_eval computes ``recip_rank`` without a
  cutoff: the closest it can do, and slightly more work than RR@10, not less.
* the drop-in end to end: ``RelevanceEvaluator(qrels, {"ndcg_cut", "map", "recip_rank"})
  .evaluate(run)`` (construct + evaluate + the nested ``{qid: {measure: value}}`` result,
  eleven values per query) from :mod:`rankwise.compat.pytrec_eval` and from pytrec_eval.

The two headline pairs (``rankwise.evaluate`` vs pytrec_eval, and the drop-in vs pytrec_eval)
are timed interleaved, one call of each in turn, so that both sides of a ratio see the same
machine load.
* ranx ``Qrels.from_dict`` + ``Run.from_dict`` + ``evaluate(..., save_results_in_run=False)``;
  ``evaluate`` on the prebuilt objects; and ``evaluate`` on the plain dicts (ranx's other dict
  path). A JIT warm-up on a tiny slice of the data (same doc-id width, since every new width is
  a new numba signature) runs first.

Every timing is the median of several calls after one warm-up call. Run
``python benches/bench_dicts.py --help`` for the flags.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from typing import Any

import _runner as R
import numpy as np
from _runner import Bench, Target

MEASURES = ["nDCG@10", "AP", "RR@10"]
PYTREC_MEASURES = {"ndcg_cut.10", "map", "recip_rank"}
PYTREC_KEYS = ["ndcg_cut_10", "map", "recip_rank"]  # the per-query result keys, same order
COMPAT_MEASURES = {"ndcg_cut", "map", "recip_rank"}  # the drop-in row: issue 20's measures
HEADLINES = {
    "rw_e2e": "rankwise.evaluate(dicts)",
    "pt_e2e": "pytrec_eval (construct + evaluate)",
}
RANX_MEASURES = ["ndcg@10", "map", "mrr@10"]

TARGETS = [
    Target(
        "pt_e2e",
        "rw_e2e",
        8,
        "rankwise.evaluate(dicts) >= 8x faster than pytrec_eval (construct + evaluate)",
    ),
    Target(
        "pt_compat",
        "rw_compat",
        5,
        "compat.pytrec_eval drop-in >= 5x faster than pytrec_eval (construct + evaluate + "
        "nested result)",
    ),
    Target(
        "ranx_e2e",
        "rw_e2e",
        10,
        "rankwise.evaluate(dicts) >= 10x faster than ranx (from_dict + evaluate)",
    ),
]


def pytrec_means(per_query: dict[str, dict[str, float]]) -> list[float]:
    # Averaging is part of what a user has to do with pytrec_eval's per-query output.
    n = len(per_query)
    return [sum(v[k] for v in per_query.values()) / n for k in PYTREC_KEYS]


def interleaved(bench: Bench, rows: list[tuple[str, str, str, Callable[[], Any]]]) -> list[Any]:
    """Time ``rows`` (key, tool, label, call) one call of each in turn, ``--repeat`` rounds
    after one warm-up round (stopping early past ``--budget`` seconds, after 3 rounds), so
    that a ratio between two of them compares calls made under the same machine load."""
    firsts, times, results = [], [[] for _ in rows], []
    cpus: list[list[float]] = [[] for _ in rows]
    for _, _, _, fn in rows:
        gc.collect()
        t0 = time.perf_counter()
        results.append(fn())
        firsts.append(time.perf_counter() - t0)
    spent = 0.0
    for n in range(max(bench.args.repeat, 1)):
        if spent >= bench.args.budget and n >= 3:
            break
        for i, (_, _, _, fn) in enumerate(rows):
            results[i] = None
            gc.collect()
            c0, t0 = time.process_time(), time.perf_counter()
            results[i] = fn()
            dt = time.perf_counter() - t0
            cpus[i].append(time.process_time() - c0)
            times[i].append(dt)
            spent += dt
    for (key, tool, label, _), ts, cs, first in zip(rows, times, cpus, firsts, strict=True):
        bench.record(key, tool, label, ts, first)
        bench._size().rows[-1].headline = HEADLINES.get(key)  # the rows of speed.png
        # CPU time (user + sys, every thread of the process): on a shared machine it shows
        # the work done, where the wall time also shows the waits for a core.
        print(
            f"  {tool:<10} {label}: median {R.fmt_s(statistics.median(ts))}, CPU "
            f"{R.fmt_s(statistics.median(cs))} (n={len(ts)}, 1st {R.fmt_s(first)})"
        )
    # The targets' ratios in CPU time too: on a loaded machine the wall-time ratio moves with
    # the load, the CPU one much less. It counts every thread of rankwise's, so an idle
    # machine with cores to spare usually shows a higher wall-time ratio.
    cpu = {key: statistics.median(cs) for (key, *_), cs in zip(rows, cpus, strict=True)}
    for t in TARGETS:
        if t.peer in cpu and t.rankwise in cpu:
            print(f"  CPU ratio {t.peer}/{t.rankwise}: {cpu[t.peer] / cpu[t.rankwise]:.2f}x")
    return results


def other(text: str) -> str:
    """An equal str that is another object."""
    return (text + " ")[:-1]


def run_size(bench: Bench, q: int, d: int, pytrec_eval: Any, ranx: Any) -> None:
    import rankwise

    scores, labels = R.make_data(q, d)
    bench.start_size(q, d)
    t0 = time.perf_counter()
    qrels_d, run_d = R.make_dicts(scores, labels)
    bench.note(f"dicts built outside the timed regions in {R.fmt_s(time.perf_counter() - t0)}")
    # trec_eval 9.x (so pytrec_eval, and rankwise.evaluate by default) ranks by the score
    # rounded to float32; ranx and the array path compare float64. Scores that are distinct
    # as float64 can tie as float32, and are then ordered by doc id: count those queries, as
    # they explain AP differences of ~1e-9 on the mean between ranx and the other two.
    f32 = np.sort(scores.astype(np.float32), axis=1)
    n_f32_ties = int((np.diff(f32, axis=1) == 0).any(axis=1).sum())
    bench.extra("queries_with_float32_ties", n_f32_ties)
    if n_f32_ties:
        bench.note(
            f"{n_f32_ties} of {q} queries have scores equal once rounded to float32: "
            "pytrec_eval and rankwise.evaluate (trec_eval 9.x semantics) tie them and order "
            "by doc id, ranx compares float64, so ranx's means may differ slightly"
        )
    del scores, labels, f32
    means: dict[str, dict[str, float]] = {m: {} for m in MEASURES}

    # rankwise ------------------------------------------------------------------------------
    # The headline pairs, interleaved ----------------------------------------------------------
    from rankwise.compat import pytrec_eval as drop_in

    rows: list[tuple[str, str, str, Callable[[], Any]]] = [
        (
            "rw_e2e",
            "rankwise",
            'evaluate(qrels_dict, run_dict, ["nDCG@10","AP","RR@10"])',
            lambda: rankwise.evaluate(qrels_d, run_d, MEASURES),
        ),
        (
            "rw_compat",
            "rankwise",
            "compat.pytrec_eval: RelevanceEvaluator(qrels, {ndcg_cut,map,recip_rank})"
            ".evaluate(run)",
            lambda: drop_in.RelevanceEvaluator(qrels_d, COMPAT_MEASURES).evaluate(run_d),
        ),
    ]
    if pytrec_eval is not None:
        rows += [
            (
                "pt_e2e",
                "pytrec_eval",
                "RelevanceEvaluator(qrels, {ndcg_cut.10,map,recip_rank}).evaluate(run) + mean",
                lambda: pytrec_means(
                    pytrec_eval.RelevanceEvaluator(qrels_d, PYTREC_MEASURES).evaluate(run_d)
                ),
            ),
            (
                "pt_compat",
                "pytrec_eval",
                "RelevanceEvaluator(qrels, {ndcg_cut,map,recip_rank}).evaluate(run)",
                lambda: pytrec_eval.RelevanceEvaluator(qrels_d, COMPAT_MEASURES).evaluate(run_d),
            ),
        ]
    else:
        bench.skip("pytrec_eval", "not installed")
    results = interleaved(bench, rows)
    out = results[0]
    for m in MEASURES:
        means[m]["rankwise"] = out[m]
    if pytrec_eval is not None:
        compat, peer = results[1], results[3]
        same = list(compat) == list(peer) and all(
            list(compat[q].items()) == list(peer[q].items()) for q in peer
        )
        bench.extra("drop_in_result_identical", same)
        bench.note(
            f"drop-in nested result identical to pytrec_eval's (keys, order, values): {same}"
        )
        res = results[2]
        means["nDCG@10"]["pytrec_eval"] = res[0]
        means["AP"]["pytrec_eval"] = res[1]
    del results, out
    # The same run with each id another str object than the qrels' (equal text): make_dicts
    # shares the id objects, as a program that made its ids once does, and the dict path finds
    # a run document in the qrels by address first; this row shows the lookup without it.
    copies = {other(q): {other(d): s for d, s in docs.items()} for q, docs in run_d.items()}
    bench.time(
        "rw_e2e_copies",
        "rankwise",
        "evaluate(qrels_dict, run_dict, ...), the run's ids other str objects",
        lambda: rankwise.evaluate(qrels_d, copies, MEASURES),
    )
    copies.clear()  # its memory back before the next rows
    rw_qrels = bench.time(
        "rw_qrels", "rankwise", "Qrels(qrels_dict)", lambda: rankwise.Qrels(qrels_d)
    )
    rw_run = bench.time("rw_run", "rankwise", "Run(run_dict)", lambda: rankwise.Run(run_d))
    out = bench.time(
        "rw_eval",
        "rankwise",
        "evaluate(Qrels, Run, ...) on prebuilt objects",
        lambda: rankwise.evaluate(rw_qrels, rw_run, MEASURES),
    )
    for m in MEASURES:
        means[m]["rankwise prebuilt"] = out[m]
    # pytrec_eval computes recip_rank without a cutoff; give it a same-measure partner (not
    # timed) so that its RR can be checked too.
    rr_nocut = rankwise.evaluate(rw_qrels, rw_run, ["recip_rank"])["recip_rank"]

    # pytrec_eval ---------------------------------------------------------------------------
    if pytrec_eval is not None:
        evaluator = pytrec_eval.RelevanceEvaluator(qrels_d, PYTREC_MEASURES)
        bench.time(
            "pt_eval",
            "pytrec_eval",
            "evaluator reused: evaluate(run) + mean",
            lambda: pytrec_means(evaluator.evaluate(run_d)),
        )
        res = pytrec_means(pytrec_eval.RelevanceEvaluator(qrels_d, PYTREC_MEASURES).evaluate(run_d))
        del evaluator
        means["RR (no cutoff)"] = {"rankwise recip_rank": rr_nocut, "pytrec_eval": res[2]}
        bench.note("pytrec_eval's third measure is recip_rank (no cutoff): trec_eval has no RR@k")

    # ranx ----------------------------------------------------------------------------------
    if ranx is None:
        bench.skip("ranx", "not installed or --no-ranx")
    else:
        warm_up_ranx(ranx, qrels_d, run_d)

        def ranx_e2e() -> tuple[Any, Any, Any]:
            qrels = ranx.Qrels.from_dict(qrels_d)
            run = ranx.Run.from_dict(run_d)
            res = ranx.evaluate(qrels, run, RANX_MEASURES, save_results_in_run=False)
            return qrels, run, res

        qrels, run, res = bench.time(
            "ranx_e2e",
            "ranx",
            "Qrels.from_dict + Run.from_dict + evaluate(save_results_in_run=False)",
            ranx_e2e,
            headline="ranx from_dict + evaluate",
        )
        for m, rm in zip(MEASURES, RANX_MEASURES, strict=True):
            means[m]["ranx"] = float(res[rm])
        bench.time(
            "ranx_eval",
            "ranx",
            "evaluate(Qrels, Run, ...) on prebuilt objects",
            lambda: ranx.evaluate(qrels, run, RANX_MEASURES, save_results_in_run=False),
        )
        del qrels, run
        res = bench.time(
            "ranx_dict",
            "ranx",
            "evaluate(qrels_dict, run_dict, ...) (plain-dict path)",
            lambda: ranx.evaluate(qrels_d, run_d, RANX_MEASURES),
        )
        for m, rm in zip(MEASURES, RANX_MEASURES, strict=True):
            means[m]["ranx plain dicts"] = float(res[rm])

    bench.agreement(
        means,
        explained=("ranx", "ranx plain dicts") if n_f32_ties else (),
        why="ranx ranks by float64 scores, trec_eval 9.x by float32: see the float32-ties note",
    )
    bench.end_size()


def warm_up_ranx(ranx: Any, qrels_d: dict[str, Any], run_d: dict[str, Any]) -> None:
    """Compile ranx's numba functions on a tiny slice before anything is timed.

    The slice keeps the doc ids (hence their maximum width, part of numba's signature) and has
    more than 10 queries: ranx's evaluate() switches numba to one thread for fewer than 10
    queries, and that setting sticks for every later call.
    """
    import numba

    t0 = time.perf_counter()
    qids = list(qrels_d)[:32]
    tiny_q = {k: qrels_d[k] for k in qids}
    tiny_r = {k: run_d[k] for k in qids}
    ranx.evaluate(
        ranx.Qrels.from_dict(tiny_q),
        ranx.Run.from_dict(tiny_r),
        RANX_MEASURES,
        save_results_in_run=False,
    )
    ranx.evaluate(tiny_q, tiny_r, RANX_MEASURES)
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)  # belt and braces, see above
    print(f"  ranx JIT warm-up on {len(qids)} queries: {R.fmt_s(time.perf_counter() - t0)}")


def main() -> None:
    parser = R.parser(__doc__.split("\n\n")[0])
    parser.add_argument(
        "--no-ranx", action="store_true", help="skip ranx (its JIT warm-up alone takes ~20 s)"
    )
    args = parser.parse_args()

    R.print_banner()
    pytrec_eval = R.optional_import("pytrec_eval")
    ranx = None if args.no_ranx else R.optional_import("ranx")
    bench = Bench(
        "bench_dicts",
        args,
        baselines=[("rw_e2e", "rankwise evaluate(dicts)"), ("rw_eval", "rankwise prebuilt")],
        targets=TARGETS,
    )
    for q, d in R.sizes_from(args):
        run_size(bench, q, d, pytrec_eval, ranx)
    bench.save()


if __name__ == "__main__":
    main()
