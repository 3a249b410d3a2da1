"""Scale-out: Dask evaluation of a run generated per partition, against the single-machine path.

The run is never materialised in one process: each Dask partition generates its own queries
(``--docs`` documents each, scores rounded to 3 decimals so ties exist, rows shuffled within
the partition) on the worker, from a seed and its partition number. The qrels (10 judged
documents per query, grades 0-3) are built once on the driver and broadcast.

Reported:

* **single machine, 1 core**: ``Run.from_frame`` + ``rankwise.evaluate`` on one partition
  generated in this process, ``RANKWISE_NUM_THREADS=1`` (rows/s per core);
* **Dask, already partitioned by query** (``sorted_by_qid=True``): ``rankwise.dask.evaluate``
  on a ``LocalCluster`` of ``--workers`` worker processes, one thread and one rankwise
  thread each; the wall time includes generating the rows on the workers, so the generation
  alone is timed too and the evaluation's share is the difference;
* **Dask with the shuffle by query id** (``sorted_by_qid=False``) on ``--shuffle-rows`` rows;
* peak RSS of each worker process (``VmHWM``) and of the driver.

The shuffled variant is checked against the same run evaluated without the shuffle (the
same report, bit for bit); ``tests/test_scaleout.py`` checks the Dask path against
:func:`rankwise.evaluate` itself.

    python benches/bench_scaleout.py                 # 20M rows (about 2-3 minutes on 2 cores)
    python benches/bench_scaleout.py --rows 100M     # the issue's size
    python benches/bench_scaleout.py --quick         # CI smoke run: 200k rows

The default is sized for a 2-core, 24 GiB machine shared with others: a worker holds about
two partitions of ``--partition-rows`` rows at a time, so memory per worker does not grow with
``--rows``; time grows linearly.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MEASURES = ["nDCG@10", "AP", "RR@10"]
SEED = 42
JUDGED_PER_QUERY = 10
RESULTS = Path(__file__).resolve().parent / "results"


def count(text: str) -> int:
    text = text.strip().lower().replace("_", "")
    scale = {"k": 1_000, "m": 1_000_000, "g": 1_000_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("kmg")) * scale)


def make_partition(number: int, queries_per_partition: int, docs: int):
    """Rows of queries ``[number * qpp, (number + 1) * qpp)``, shuffled, as pandas."""
    import pandas as pd
    import pyarrow as pa

    rng = np.random.default_rng([SEED, number])
    first = number * queries_per_partition
    n = queries_per_partition * docs
    order = rng.permutation(n)
    query_index = (order // docs) + first
    doc_index = order % docs
    query_names = pa.array([f"q{first + i}" for i in range(queries_per_partition)])
    doc_names = pa.array([f"d{j}" for j in range(docs)])
    table = pa.table(
        {
            "query_id": query_names.take(pa.array(query_index - first)),
            "doc_id": doc_names.take(pa.array(doc_index)),
            "score": np.round(rng.random(n), 3),
        }
    )
    return table.to_pandas(types_mapper=pd.ArrowDtype)


def make_qrels(num_queries: int, docs: int):
    """10 judged documents per query (distinct), grades 0-3, deterministic."""
    import pyarrow as pa

    import rankwise

    rng = np.random.default_rng([SEED, 10**9])
    q = np.repeat(np.arange(num_queries), JUDGED_PER_QUERY)
    stride = max(docs // JUDGED_PER_QUERY, 1)
    j = np.tile(np.arange(JUDGED_PER_QUERY), num_queries)
    doc = (j * stride + q % stride) % docs
    table = pa.table(
        {
            "query_id": pa.array(np.char.add("q", q.astype(str))),
            "doc_id": pa.array(np.char.add("d", doc.astype(str))),
            "relevance": rng.integers(0, 4, size=len(q)),
        }
    )
    return rankwise.Qrels.from_frame(table)


def peak_rss() -> int:
    """This process's peak RSS in bytes (VmHWM)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def cpu_seconds() -> float:
    """CPU time of this process, every thread (user + system)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def gib(n: float) -> str:
    return f"{n / 2**30:.2f} GiB"


def single_machine(partition_rows: int, docs: int, qrels) -> dict[str, float]:
    """Rows per second of the in-process path on one core, evaluation only."""
    import rankwise

    rankwise.set_num_threads(1)
    frame = make_partition(0, partition_rows // docs, docs)
    best = best_cpu = float("inf")
    for _ in range(3):
        start, cpu = time.perf_counter(), cpu_seconds()
        run = rankwise.Run.from_frame(frame)
        rankwise.evaluate(qrels, run, MEASURES)
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, cpu_seconds() - cpu)
    return {
        "rows": len(frame),
        "seconds": best,
        "rows_per_s": len(frame) / best,
        "cpu_seconds": best_cpu,
        "rows_per_cpu_s": len(frame) / best_cpu,
    }


def dask_frame(rows: int, partition_rows: int, docs: int):
    import dask.dataframe as dd

    qpp = max(partition_rows // docs, 1)
    partitions = max(rows // (qpp * docs), 1)
    meta = make_partition(0, 1, 1).iloc[:0]
    ddf = dd.from_map(
        make_partition, range(partitions), args=[qpp, docs], meta=meta, enforce_metadata=False
    )
    return ddf, partitions * qpp, partitions * qpp * docs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", default="20M", help="rows of the run (default 20M; 100M works)")
    ap.add_argument("--docs", type=int, default=1000, help="documents per query")
    ap.add_argument("--partition-rows", default="1M", help="rows per partition")
    ap.add_argument("--shuffle-rows", default="4M", help="rows of the shuffled variant (0: skip)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="CI smoke run: 200k rows")
    ap.add_argument("--json", type=Path, default=RESULTS / "bench_scaleout.json")
    args = ap.parse_args()
    if args.quick:
        args.rows, args.partition_rows, args.shuffle_rows = "200k", "50k", "100k"
    rows, partition_rows = count(args.rows), count(args.partition_rows)
    shuffle_rows = count(args.shuffle_rows)
    docs = args.docs

    os.environ["RANKWISE_NUM_THREADS"] = "1"  # one rankwise thread per worker process
    import dask
    import distributed

    import rankwise
    import rankwise.dask

    ddf, num_queries, rows = dask_frame(rows, partition_rows, docs)
    start = time.perf_counter()
    qrels = make_qrels(num_queries + 100, docs)  # 100 judged queries the run misses
    qrels_seconds = time.perf_counter() - start
    print(
        f"run: {rows:,} rows = {num_queries:,} queries x {docs} docs in "
        f"{ddf.npartitions} partitions of {rows // ddf.npartitions:,} rows, generated on the "
        f"workers; qrels: {qrels.num_judgements:,} judgements ({qrels_seconds:.1f} s)"
    )

    base = single_machine(min(partition_rows, rows), docs, qrels)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)
    print(
        f"single machine, 1 core: {base['rows']:,} rows in {base['seconds']:.3f} s = "
        f"{base['rows_per_s'] / 1e6:.2f} M rows/s"
    )

    record: dict[str, object] = {
        "rows": rows,
        "docs_per_query": docs,
        "partitions": ddf.npartitions,
        "workers": args.workers,
        "single_machine": base,
        "cpu_count": os.cpu_count(),
    }
    with (
        distributed.LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            memory_limit=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        client.run(rankwise.set_num_threads, 1)
        ddf.partitions[:2].map_partitions(len, meta=(None, "int64")).sum().compute()  # warm up
        # Generation alone (the rows are made on the workers and dropped).
        cpu0 = sum(client.run(cpu_seconds).values())
        start = time.perf_counter()
        ddf.map_partitions(len, meta=(None, "int64")).sum().compute()
        generate = time.perf_counter() - start
        cpu1 = sum(client.run(cpu_seconds).values())
        start = time.perf_counter()
        with distributed.get_task_stream(client) as stream:
            report = rankwise.dask.evaluate(ddf, qrels, MEASURES, sorted_by_qid=True)
        total = time.perf_counter() - start
        cpu2 = sum(client.run(cpu_seconds).values())
        # Worker CPU of the evaluation minus that of generating the same rows: what the
        # adapter and the kernel cost, whatever else runs on a shared machine.
        evaluation_cpu = (cpu2 - cpu1) - (cpu1 - cpu0)
        # Seconds the workers spent in each kind of task (the rankwise part: _evaluate_part,
        # which builds the Run from the partition's Arrow buffers and runs the kernel).
        busy: dict[str, float] = {}
        for task in stream.data:
            prefix = distributed.utils.key_split(task["key"])
            for phase in task["startstops"]:
                if phase["action"] == "compute":
                    busy[prefix] = busy.get(prefix, 0.0) + phase["stop"] - phase["start"]
        kernel = sum(v for k, v in busy.items() if "evaluate_part" in k) or float("nan")
        worker_peaks = client.run(peak_rss)
        per_core = rows / kernel
        print(
            f"dask, partitioned by query, {args.workers} workers: {total:.1f} s wall, "
            f"end to end (generating the rows on the workers included) "
            f"{rows / total / args.workers / 1e6:.2f} M rows/s per core; generating alone "
            f"{generate:.1f} s wall"
        )
        print(
            "  worker seconds by task: "
            + ", ".join(f"{k} {v:.1f}" for k, v in sorted(busy.items(), key=lambda kv: -kv[1]))
        )
        print(
            f"  rankwise per partition (Run.from_frame + evaluate): {per_core / 1e6:.2f} M rows/s "
            f"per core = {per_core / base['rows_per_s']:.2f}x the single-machine path per core"
        )
        per_cpu = rows / evaluation_cpu
        print(
            f"  in CPU time (robust to other load): Dask evaluation {per_cpu / 1e6:.2f} M rows "
            f"per CPU-second (worker CPU of evaluate minus that of generating: "
            f"{evaluation_cpu:.1f} s), single machine {base['rows_per_cpu_s'] / 1e6:.2f} M = "
            f"{per_cpu / base['rows_per_cpu_s']:.2f}x"
        )
        print(
            "peak RSS per worker: "
            + ", ".join(gib(v) for v in worker_peaks.values())
            + f"; driver: {gib(peak_rss())}"
        )
        print(f"report: {dict(report)} over {len(report.query_ids):,} queries")
        record["dask_sorted"] = {
            "seconds": total,
            "generate_seconds": generate,
            "worker_seconds_by_task": busy,
            "evaluation_worker_cpu_seconds": evaluation_cpu,
            "rows_per_cpu_s": per_cpu,
            "ratio_to_single_machine_per_cpu_s": per_cpu / base["rows_per_cpu_s"],
            "rows_per_s_per_core": per_core,
            "end_to_end_rows_per_s_per_core": rows / total / args.workers,
            "ratio_to_single_machine_per_core": per_core / base["rows_per_s"],
            "worker_peak_rss": list(worker_peaks.values()),
        }
        if shuffle_rows:
            small, _, small_rows = dask_frame(shuffle_rows, partition_rows // 4, docs)
            start = time.perf_counter()
            shuffled = rankwise.dask.evaluate(small, qrels, MEASURES)
            seconds = time.perf_counter() - start
            with dask.config.set(scheduler="synchronous"):
                check = rankwise.dask.evaluate(small, qrels, MEASURES, sorted_by_qid=True)
            same = shuffled == check and shuffled.per_query_values.tobytes() == (
                check.per_query_values.tobytes()
            )
            print(
                f"dask with the shuffle by query id: {small_rows:,} rows in {seconds:.1f} s = "
                f"{small_rows / seconds / args.workers / 1e6:.2f} M rows/s per core end to end; "
                f"same report as without the shuffle: {same}"
            )
            record["dask_shuffle"] = {
                "rows": small_rows,
                "seconds": seconds,
                "rows_per_s_per_core": small_rows / seconds / args.workers,
                "same_report": same,
            }
    # The machine may be shared: measure the single-machine path again after the cluster
    # closed, and print the load, so the ratio can be judged.
    again = single_machine(min(partition_rows, rows), docs, qrels)
    load = os.getloadavg()
    print(
        f"single machine, 1 core, again: {again['rows_per_s'] / 1e6:.2f} M rows/s; "
        f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} CPUs"
    )
    record["single_machine_after"] = again
    record["load_average"] = load
    if not args.quick:
        args.json.parent.mkdir(exist_ok=True)
        args.json.write_text(json.dumps(record, indent=2) + "\n")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
