"""Tie rules: ``rankwise.evaluate(..., ties=...)`` against trec_eval's rule and against ranx.

A run whose scores take few values (rounded to one decimal, so most documents tie) of
``--queries`` queries x ``--docs`` documents, evaluated on ``nDCG@10, AP, RR, P@10``:

* rankwise under ``ties="trec_eval"`` (the default; the baseline), ``"ranx"`` and
  ``"expected"`` (the closed forms of McSherry & Najork), each ratio to the baseline printed;
* ranx 0.3.21 (``ranx.evaluate`` on a prebuilt ``ranx.Run``), the peer of ``ties="ranx"``.

Qrels and runs are built once, outside the timings.

    python benches/bench_ties.py [--queries 5000] [--docs 100] [--repeat 5]

``--measures ERR@10,Bpref,infAP,RBP`` times other measures (rankwise's rules only: the ranx
row needs ranx's names of the default measures). C/W/L models under ``"expected"`` enumerate
the orders of labels within tied groups: time them on short rankings (``--docs 20``), as
100 documents with one-decimal scores have too many orders and are refused.
"""

from __future__ import annotations

import argparse
import re
import warnings

import _runner as R
import numpy as np

import rankwise

MEASURES = ["nDCG@10", "AP", "RR", "P@10"]
RANX_METRICS = ["ndcg@10", "map", "mrr", "precision@10"]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--queries", type=int, default=5000)
    p.add_argument("--docs", type=int, default=100)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--measures", help="comma-separated measures (default: nDCG@10,AP,RR,P@10)")
    args = p.parse_args()
    # commas inside parentheses belong to a measure's parameters: INST(T=2,max_rel=3)
    measures = re.split(r",(?![^()]*\))", args.measures) if args.measures else MEASURES
    R.print_banner()
    rng = np.random.default_rng(R.SEED)
    q, d = args.queries, args.docs
    labels = np.where(rng.random((q, d)) < 0.8, 0, rng.integers(1, 4, (q, d)))
    scores = np.round(rng.random((q, d)) + 0.3 * labels, 1)
    qids, dids = [f"q{i}" for i in range(q)], [f"d{j:04d}" for j in range(d)]
    qrels = {
        qi: dict(zip(dids, labels[i].tolist(), strict=True)) | {"extra": 1}
        for i, qi in enumerate(qids)
    }
    run = {qi: dict(zip(dids, scores[i].tolist(), strict=True)) for i, qi in enumerate(qids)}
    ours_q, ours_r = rankwise.Qrels(qrels), rankwise.Run(run)
    rows: list[list[str]] = []
    base = None
    for ties in ("trec_eval", "ranx", "expected"):
        timing, _ = R.measure(
            lambda t=ties: rankwise.evaluate(ours_q, ours_r, measures, ties=t), args.repeat
        )
        base = base or timing.median_s
        rows.append(
            [f"rankwise ties={ties}", R.fmt_s(timing.median_s), R.fmt_ratio(timing.median_s / base)]
        )
    ranx = R.optional_import("ranx")
    if ranx is not None and measures == MEASURES:
        theirs_q, theirs_r = ranx.Qrels(qrels), ranx.Run(run)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            timing, _ = R.measure(
                lambda: ranx.evaluate(theirs_q, theirs_r, RANX_METRICS), args.repeat
            )
        rows.append(["ranx 0.3.21", R.fmt_s(timing.median_s), R.fmt_ratio(timing.median_s / base)])
    print(f"{q} queries x {d} documents, scores with one decimal (most tie); {measures}")
    R.print_table(["what", "median", "vs rankwise trec_eval"], rows)


if __name__ == "__main__":
    main()
