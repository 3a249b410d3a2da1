"""The measures trec_eval lacks: their cost in rankwise's fused per-query pass against nDCG@10's,
and against the reference that defines each, on the same prebuilt dicts.

Measured, per size, with ``Qrels`` and ``Run`` built once outside the timed regions:

* rankwise ``evaluate(qrels, run, [name])`` for ``nDCG@10`` and for each measure below, alone,
  and all of them in one call (one pass per query computes every measure);
* the reference of each (ir_measures' providers: cwl_eval for SDCG, its own compat and
  accuracy providers, pytrec_eval for ``gains=`` and ``judged_only``; BEIR's
  ``evaluate_custom`` for ``recall_cap`` and ``hole``), at sizes up to ``--peer-max`` query-document pairs
  (they are pure Python loops, or a process per call).

The issue's target is every new measure within 2x of nDCG's cost per query; the ratio columns
against ``rankwise nDCG@10`` and ``rankwise nDCG`` (no cutoff: Compat and ``judged_only`` read
the whole ranking, as it does) show it. Every timing is the median of several calls
after one warm-up call. Run ``python benches/bench_measures.py --help`` for the flags.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import _runner as R
from _runner import Bench

# rankwise name -> (row key, reference, how the reference computes it)
NEW_MEASURES: dict[str, tuple[str, str]] = {
    "SDCG(max_rel=3)@10": ("sdcg", "ir_measures"),
    "Compat": ("compat", "ir_measures"),
    "Accuracy@10": ("accuracy", "ir_measures"),
    "nDCG(gains={1:1,2:3,3:7})@10": ("gains", "ir_measures"),
    "nDCG(judged_only=True)@10": ("judged", "ir_measures"),
    "recall_cap@10": ("rcap", "beir"),
    "hole@10": ("hole", "beir"),
    # cwl_eval's C/W/L models (ir_measures' cwl_eval provider): 1000 ranks per query each
    "INST(T=1.0,max_rel=3)": ("inst", "ir_measures"),
    "INSQ(T=1.0,max_rel=3)": ("insq", "ir_measures"),
    "BPM(T=1.0,max_rel=3)@10": ("bpm", "ir_measures"),
    "NERR8(max_rel=3)@10": ("nerr8", "ir_measures"),
    "NERR10(p=0.9,max_rel=3)": ("nerr10", "ir_measures"),
    "NERR11(T=1.0,max_rel=3)": ("nerr11", "ir_measures"),
    "INST(T=1.0,max_rel=3,column=ResETU)": ("inst_res", "none"),
}


def reference_call(name: str, tool: str, qrels_d: Any, run_d: Any) -> Callable[[], Any] | None:
    if tool == "ir_measures":
        ir_measures = R.optional_import("ir_measures")
        if ir_measures is None:
            return None
        logging.getLogger("ir_measures.cwl_eval").setLevel(logging.ERROR)
        measure = ir_measures.parse_measure(name)
        return lambda: ir_measures.calc_aggregate([measure], qrels_d, run_d)
    if tool == "none":  # a column ir_measures does not report
        return None
    beir = R.optional_import("beir.retrieval.evaluation")
    if beir is None:
        return None
    metric = name.split("@")[0]
    return lambda: beir.EvaluateRetrieval.evaluate_custom(qrels_d, run_d, [10], metric)


def run_size(bench: Bench, q: int, d: int, peer_max: int) -> None:
    import rankwise

    scores, labels = R.make_data(q, d)
    bench.start_size(q, d)
    qrels_d, run_d = R.make_dicts(scores, labels)
    del scores, labels
    qrels, run = rankwise.Qrels(qrels_d), rankwise.Run(run_d)
    bench.time(
        "rw_ndcg",
        "rankwise",
        'evaluate(qrels, run, ["nDCG@10"])',
        lambda: rankwise.evaluate(qrels, run, ["nDCG@10"]),
    )
    # Compat and judged_only read the whole ranking, as nDCG without a cutoff does.
    bench.time(
        "rw_ndcg_all",
        "rankwise",
        'evaluate(qrels, run, ["nDCG"])',
        lambda: rankwise.evaluate(qrels, run, ["nDCG"]),
    )
    for name, (key, _) in NEW_MEASURES.items():
        bench.time(
            f"rw_{key}",
            "rankwise",
            f"evaluate(qrels, run, [{name!r}])",
            lambda name=name: rankwise.evaluate(qrels, run, [name]),
        )
    everything = ["nDCG@10", *NEW_MEASURES]
    bench.time(
        "rw_all",
        "rankwise",
        f"evaluate(qrels, run, all {len(everything)} above)",
        lambda: rankwise.evaluate(qrels, run, everything),
    )
    if q * d > peer_max:
        bench.note(f"references skipped above {peer_max:,} pairs (--peer-max)")
    else:
        for name, (key, tool) in NEW_MEASURES.items():
            call = reference_call(name, tool, qrels_d, run_d)
            if call is None:
                if tool != "none":
                    bench.skip(tool, "not installed")
                continue
            bench.time(f"ref_{key}", tool, name, call)
    bench.end_size()


def main() -> None:
    p = R.parser(__doc__.split("\n\n")[0])
    p.add_argument(
        "--peer-max",
        type=int,
        default=100_000,
        help="largest size (query-document pairs) the references run at (default 100000)",
    )
    args = p.parse_args()
    R.print_banner()
    bench = Bench(
        "bench_measures",
        args,
        baselines=[("rw_ndcg", "rankwise nDCG@10"), ("rw_ndcg_all", "rankwise nDCG")],
    )
    for q, d in R.sizes_from(args):
        run_size(bench, q, d, args.peer_max)
    bench.save()


if __name__ == "__main__":
    main()
