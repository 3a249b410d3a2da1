"""``rankwise.cwl.cwl_eval`` against cwl_eval 1.0.12 itself, on the same files, in one run.

Writes a gain file, a result file with element types and a cost file (``--queries`` topics of
``--docs`` documents, gains 0 w.p. 0.7 else 0.25-1, three element types of which the cost
file knows two), then times cwl_eval's ``main`` (stdout discarded, its DEBUG log off) and
rankwise with the same measures (cwl_eval's default set, or ``--metrics``), median of
``--repeat`` after a warm-up, and prints the ratio.

    python benches/bench_cwl_costs.py --queries 200 --docs 100 --repeat 3
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import random
import statistics
import tempfile
import time
from pathlib import Path


def write_files(d: Path, queries: int, docs: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    gains, run = [], []
    for q in range(queries):
        for i in range(docs):
            g = 0 if rng.random() < 0.7 else rng.choice([0.25, 0.5, 1.0])
            gains.append(f"{q} 0 d{i} {g}\n")
        order = rng.sample(range(docs + docs // 5), docs)  # some unjudged documents
        for r, i in enumerate(order):
            run.append(f"{q} {rng.choice(['snip', 'page', 'img'])} d{i} {r + 1} {-r} run\n")
    (d / "gains").write_text("".join(gains))
    (d / "run").write_text("".join(run))
    (d / "costs").write_text("snip 0.5\npage 3.0\n")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--docs", type=int, default=100)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--metrics", default=None, help="a cwl_eval metrics file (default: its set)")
    args = p.parse_args()

    from cwl.cwl_eval import main as cwl_main

    from rankwise.cwl import cwl_eval

    logging.getLogger("cwl").disabled = True
    with tempfile.TemporaryDirectory() as folder:
        d = Path(folder)
        write_files(d, args.queries, args.docs)
        g, r, c = (str(d / n) for n in ("gains", "run", "costs"))
        old = os.getcwd()
        os.chdir(folder)  # cwl_eval writes cwl.log into the working directory

        def reference() -> None:
            with contextlib.redirect_stdout(io.StringIO()):
                cwl_main(r, g, c, args.metrics)

        def ours() -> None:
            cwl_eval(g, r, c, args.metrics)

        def median(f: object) -> float:
            f()  # type: ignore[operator]
            times = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                f()  # type: ignore[operator]
                times.append(time.perf_counter() - t)
            return statistics.median(times)

        try:
            theirs, mine = median(reference), median(ours)
        finally:
            os.chdir(old)
    print(f"{args.queries} topics x {args.docs} docs, with a cost file, median of {args.repeat}")
    print(f"cwl_eval {theirs * 1e3:10.1f} ms")
    print(f"rankwise {mine * 1e3:10.1f} ms   {theirs / mine:8.1f}x faster")


if __name__ == "__main__":
    main()
