"""TREC files end to end, as whole processes: `rankwise eval` vs trec_eval vs pytrec_eval.

Writes a run of ``Q`` queries x ``D`` documents (default 10,000 x 100: 1M lines) and its qrels
(every 10th document judged relevant, graded 1-3, plus as many judged non-relevant) to a
temporary folder, then times each tool as a fresh process that reads both files and prints
nDCG@10, AP and RR (trec_eval: ``-m ndcg_cut.10 -m map -m recip_rank``):

* ``rankwise eval QRELS RUN -m ndcg_cut.10 -m map -m recip_rank`` (the installed command);
* ``trec_eval`` 9.0.4 built from source, if ``--trec-eval PATH`` or ``$TREC_EVAL`` names it
  (it is not on PyPI; build it with ``make`` in a checkout of usnistgov/trec_eval at v9.0.4);
* ``python -c`` with pytrec_eval: ``parse_qrel`` + ``parse_run`` on the files, then
  ``RelevanceEvaluator.evaluate`` and the means: its documented file workflow.

Each process runs ``--repeat`` times after one warm-up (file cache, and the .pyc files that
``pip install`` would have written: ``PYTHONDONTWRITEBYTECODE`` is dropped from the
processes' environment); the median wall time, the median CPU time (user + system, all
threads) and the peak RSS (from GNU ``time``) are reported, with the ratio to rankwise. The outputs of rankwise and trec_eval are compared line
by line, so a speed-up can never come from computing something else.

Either mode also writes its figures to ``results/bench_cli.json`` (key ``eval`` or
``memory``; the other key is kept), from which ``python tools/bench_table.py`` regenerates the
tables of the README and the docs.

``--memory`` instead compares ``rankwise eval`` on a sorted run (each query's lines
consecutive, as tools write them: streamed) and on the same lines shuffled (read once more, into
compact records partitioned by query): time and peak RSS of each, against the file's size (default 50,000
queries x 100 docs, ~180 MB; the outputs must be identical).

trec_eval 9.0.4 (git tag v9.0.4 of usnistgov/trec_eval) builds with its own ``make``; with
a recent gcc the binary it builds crashes unless the ``extern long te_num_...`` declarations
in ``trec_eval.c`` are changed to ``extern int`` (the type their definitions have):
``sed -i 's/extern long te_num_/extern int te_num_/' trec_eval.c``.

    python benches/bench_cli.py [--queries 10000] [--docs 100] [--repeat 5] [--trec-eval PATH]
    python benches/bench_cli.py --memory [--queries 50000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

PYTREC_SCRIPT = """
import sys, pytrec_eval
with open(sys.argv[1]) as f:
    qrels = pytrec_eval.parse_qrel(f)
with open(sys.argv[2]) as f:
    run = pytrec_eval.parse_run(f)
ev = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut.10", "map", "recip_rank"})
res = ev.evaluate(run)
for m in ("ndcg_cut_10", "map", "recip_rank"):
    vals = [v[m] for v in res.values()]
    print(f"{m:<22}\\tall\\t{sum(vals) / len(vals):.4f}")
"""


def write_files(folder: Path, queries: int, docs: int, seed: int = 42) -> tuple[Path, Path]:
    rng = np.random.default_rng(seed)
    run_path, qrels_path = folder / "run.txt", folder / "qrels.txt"
    scores = rng.random((queries, docs))
    relevant = rng.random((queries, docs)) < 0.1
    nonrel = ~relevant & (rng.random((queries, docs)) < 0.1)
    grades = rng.integers(1, 4, size=(queries, docs))
    with open(run_path, "w") as run, open(qrels_path, "w") as qrels:
        for q in range(queries):
            order = np.argsort(-scores[q], kind="stable")
            run.writelines(
                f"q{q} Q0 d{q}_{d} {rank} {scores[q, d]:.6f} bench\n"
                for rank, d in enumerate(order, start=1)
            )
            qrels.writelines(
                f"q{q} 0 d{q}_{d} {grades[q, d] if relevant[q, d] else 0}\n"
                for d in range(docs)
                if relevant[q, d] or nonrel[q, d]
            )
    return qrels_path, run_path


# A child's peak RSS as wait4 reports it is never below its parent's RSS at fork time (Linux
# keeps the pre-exec high-water mark), and this script holds numpy and the generated data; so
# peak memory is read from GNU time, a small C process whose own child starts from nothing.
GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None

# The processes run as after `pip install`, which byte-compiles the package: the warm-up
# writes any .pyc file that is missing, even where the calling environment sets
# PYTHONDONTWRITEBYTECODE (without the .pyc files, each process would compile rankwise's
# modules from source, ~6 ms of CPU that no installed copy spends).
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed_rss(argv: list[str]) -> tuple[float, int | None, str, float | None]:
    """Wall time, peak RSS (bytes, from GNU time; None without it), stdout and CPU time
    (user + system seconds, from GNU time; None without it) of one process."""
    wrapped = [GNU_TIME, "-f", "%M %U %S", *argv] if GNU_TIME else argv
    t0 = time.perf_counter()
    proc = subprocess.run(wrapped, capture_output=True, check=False, env=CHILD_ENV)
    elapsed = time.perf_counter() - t0
    err = proc.stderr.decode()
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed: {err.strip()[-500:]}")
    if not GNU_TIME:
        return elapsed, None, proc.stdout.decode(), None
    rss, user, system = err.strip().splitlines()[-1].split()
    return elapsed, int(rss) * 1024, proc.stdout.decode(), float(user) + float(system)


def median_of(argv: list[str], repeat: int) -> tuple[float, int | None, str, float | None]:
    """Median wall time, highest peak RSS, last stdout and median CPU time of `repeat`
    processes after one warm-up (file cache, .pyc files)."""
    timed_rss(argv)
    runs = [timed_rss(argv) for _ in range(repeat)]
    peaks = [r[1] for r in runs if r[1] is not None]
    cpus = [r[3] for r in runs if r[3] is not None]
    return (
        statistics.median(r[0] for r in runs),
        max(peaks) if peaks else None,
        runs[-1][2],
        statistics.median(cpus) if cpus else None,
    )


RESULTS = Path(__file__).resolve().parent / "results" / "bench_cli.json"


def save(key: str, record: dict[str, object]) -> None:
    """Store `record` under `key` in ``results/bench_cli.json``, keeping the other key, with
    the machine, the time and the load average (the machine may be shared)."""
    probe = [sys.executable, "-c", "import rankwise; print(rankwise.build_profile)"]
    build = subprocess.run(probe, capture_output=True, text=True, check=False).stdout.strip()
    record = {
        **record,
        "rankwise_build": build or None,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()}",
    }
    old: dict[str, object] = {}
    if RESULTS.exists():
        try:
            old = json.loads(RESULTS.read_text())
        except ValueError:
            old = {}
    old["name"] = "bench_cli"
    old[key] = record
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(old, indent=1) + "\n")
    print(f"wrote {RESULTS.relative_to(RESULTS.parent.parent.parent)}")


def memory(rankwise_cmd: str, queries: int, docs: int, repeat: int) -> None:
    """Sorted vs shuffled run: time and peak RSS of `rankwise eval`, against the file size."""
    measures = ["-m", "ndcg_cut.10", "-m", "map", "-m", "recip_rank"]
    with tempfile.TemporaryDirectory() as tmp:
        qrels, run = write_files(Path(tmp), queries, docs)
        lines = run.read_bytes().splitlines(keepends=True)
        order = np.random.default_rng(7).permutation(len(lines))
        shuffled = Path(tmp) / "shuffled.txt"
        with open(shuffled, "wb") as f:
            f.writelines(lines[i] for i in order)
        del lines, order
        size = run.stat().st_size
        print(
            f"run: {queries:,} queries x {docs} docs ({size / 1e6:.0f} MB), qrels: "
            f"{qrels.stat().st_size / 1e6:.0f} MB; median of {repeat} processes"
        )
        print(f"{'rankwise eval':<24}{'wall':>9}{'CPU':>9}{'peak RSS':>11}{'/ run size':>12}")
        outputs = []
        base = None
        rows = []
        load_before = os.getloadavg()
        for name, path in (("sorted run", run), ("shuffled run", shuffled)):
            t, rss, out, cpu = median_of(
                [rankwise_cmd, "eval", str(qrels), str(path), *measures], repeat
            )
            outputs.append(out)
            rows.append({"key": name, "wall_s": t, "cpu_s": cpu, "peak_rss": rss})
            base = base or t
            cpu_text = f"{cpu * 1e3:>7.0f}ms" if cpu is not None else "        -"
            peak = f"{rss / 1e6:>9.0f}MB{rss / size:>11.2f}x" if rss is not None else ""
            print(f"{name:<24}{t * 1e3:>7.0f}ms{cpu_text}{peak}   ({t / base:.2f}x sorted)")
        print(f"shuffled output identical to sorted: {outputs[0] == outputs[1]}")
        save(
            "memory",
            {
                "queries": queries,
                "docs": docs,
                "run_bytes": size,
                "repeat": repeat,
                "rows": rows,
                "identical": outputs[0] == outputs[1],
                "load_before": load_before,
                "load_after": os.getloadavg(),
            },
        )
        if outputs[0] != outputs[1]:
            sys.exit("outputs differ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--queries", type=int, default=None, help="default 10,000 (--memory: 50,000)"
    )
    parser.add_argument("--docs", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--trec-eval", default=os.environ.get("TREC_EVAL"))
    parser.add_argument("--quick", action="store_true", help="1,000 x 100, 2 repeats")
    parser.add_argument(
        "--memory", action="store_true", help="peak RSS and time: sorted vs shuffled run"
    )
    args = parser.parse_args()
    if args.quick:
        args.queries, args.repeat = 1000, 2
    rankwise_cmd = shutil.which("rankwise") or str(Path(sys.executable).parent / "rankwise")
    if args.memory:
        memory(rankwise_cmd, args.queries or 50_000, args.docs, args.repeat)
        return
    args.queries = args.queries or 10_000
    measures = ["-m", "ndcg_cut.10", "-m", "map", "-m", "recip_rank"]
    with tempfile.TemporaryDirectory() as tmp:
        qrels, run = write_files(Path(tmp), args.queries, args.docs)
        size = run.stat().st_size + qrels.stat().st_size
        print(
            f"run: {args.queries:,} queries x {args.docs} docs ({run.stat().st_size / 1e6:.1f} MB), "
            f"qrels: {qrels.stat().st_size / 1e6:.1f} MB; median of {args.repeat} processes"
        )
        tools: dict[str, list[str]] = {
            "rankwise eval": [rankwise_cmd, "eval", str(qrels), str(run), *measures],
        }
        if args.trec_eval:
            tools["trec_eval 9.0.4"] = [args.trec_eval, *measures, str(qrels), str(run)]
        else:
            print("trec_eval: skipped (pass --trec-eval PATH or set TREC_EVAL)")
        tools["pytrec_eval (parse + evaluate)"] = [
            sys.executable, "-c", PYTREC_SCRIPT, str(qrels), str(run)
        ]  # fmt: skip
        load_before = os.getloadavg()
        results = {name: median_of(argv, args.repeat) for name, argv in tools.items()}
        load_after = os.getloadavg()
        base_t, _, base_out, base_cpu = results["rankwise eval"]
        print(f"{'tool':<32}{'time':>10}{'vs rankwise':>13}{'CPU':>9}{'vs':>7}{'peak RSS':>11}")
        for name, (t, rss, _, cpu) in results.items():
            peak = f"{rss / 1e6:>9.0f}MB" if rss is not None else "        -"
            cpu_text = (
                f"{cpu * 1e3:>7.0f}ms{cpu / base_cpu:>6.1f}x"
                if cpu is not None and base_cpu
                else "              -"
            )
            print(f"{name:<32}{t * 1e3:>8.0f}ms{t / base_t:>12.1f}x{cpu_text}{peak}")
        if GNU_TIME is None:
            print("peak RSS: not measured (/usr/bin/time is missing)")
        print(f"input files: {size / 1e6:.0f} MB (run + qrels)")
        print(f"load average: {load_before[0]:.2f} before, {load_after[0]:.2f} after")
        same = results["trec_eval 9.0.4"][2] == base_out if "trec_eval 9.0.4" in results else None
        save(
            "eval",
            {
                "queries": args.queries,
                "docs": args.docs,
                "run_bytes": run.stat().st_size,
                "qrels_bytes": qrels.stat().st_size,
                "repeat": args.repeat,
                "rows": [
                    {"key": name, "wall_s": t, "cpu_s": cpu, "peak_rss": rss}
                    for name, (t, rss, _, cpu) in results.items()
                ],
                "identical_to_trec_eval": same,
                "load_before": load_before,
                "load_after": load_after,
            },
        )
        if same is not None:
            print(f"rankwise output identical to trec_eval's: {same}")
            if not same:
                sys.exit("outputs differ")


if __name__ == "__main__":
    main()
