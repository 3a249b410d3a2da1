"""C/W/L user models against nDCG@10 in rankwise, per query, in one run (ratios printed).

The issue's target: every C/W/L measure (INST, INSQ, BPM, NERR8-11, RBP with its residual
columns) within 2x of nDCG@10's cost per query. Qrels and Run are built once; each line is
the median of ``--repeat`` calls of ``rankwise.evaluate(qrels, run, [name])`` after a warm-up.
The data is ``_runner.make_data`` (labels 0 w.p. 0.9, else 1-3; every candidate judged).

The C/W/L models read the whole ranking (cwl_eval reads 1,000 ranks), so every one of them
pays for ranking all of a query's documents, where nDCG@10 ranks only its top 10. The last
column divides by nDCG without a cutoff, which pays the same sort: it is the cost of the
model itself. (Past the ranking's end the models sum in closed form, see ``cwl.rs``.)

    python benches/bench_cwl.py --queries 20000 --docs 100 --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import time

import _runner as R

MEASURES = (
    "nDCG@10",
    "nDCG",
    "INST(T=1.0,max_rel=3)",
    "INSQ(T=1.0,max_rel=3)",
    "BPM(T=1.0,max_rel=3)@10",
    "NERR8(max_rel=3)@10",
    "NERR9(max_rel=3)@10",
    "NERR10(p=0.9,max_rel=3)",
    "NERR11(T=1.0,max_rel=3)",
    "RBP(p=0.8,rel=1,column=EU)",
    "RBP(p=0.8,rel=1,column=ResEU)",
    "INST(T=1.0,max_rel=3,column=ResETU)",
)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--queries", type=int, default=20000)
    p.add_argument("--docs", type=int, default=100)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--measures", default=",".join(MEASURES), help="';'-separated names")
    args = p.parse_args()

    import rankwise

    scores, labels = R.make_data(args.queries, args.docs)
    qrels_d, run_d = R.make_dicts(scores, labels)
    qrels, run = rankwise.Qrels(qrels_d), rankwise.Run(run_d)
    names = args.measures.split(";") if ";" in args.measures else list(MEASURES)

    def median(name: str) -> float:
        rankwise.evaluate(qrels, run, [name])
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            rankwise.evaluate(qrels, run, [name])
            times.append(time.perf_counter() - t)
        return statistics.median(times)

    base = median("nDCG@10")
    full = median("nDCG")
    print(f"{args.queries} queries x {args.docs} docs, median of {args.repeat}")
    print(f"{'measure':42s} {'ms':>9s} {'us/query':>9s} {'x nDCG@10':>10s} {'x nDCG':>7s}")
    for name in names:
        t = {"nDCG@10": base, "nDCG": full}.get(name) or median(name)
        us = t / args.queries * 1e6
        print(f"{name:42s} {t * 1e3:9.2f} {us:9.3f} {t / base:10.2f} {t / full:7.2f}")


if __name__ == "__main__":
    main()
