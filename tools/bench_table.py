"""Regenerate the benchmark tables of the README and the docs from the benchmark results.

The benchmark scripts write their figures to ``benches/results/*.json`` (``bench_arrays.py``,
``bench_dicts.py`` through ``benches/_runner.py``; ``bench_cli.py`` itself). This tool reads
them and rewrites every table that a page encloses in a pair of markers::

    <!-- bench-table:speed -->
    | ... the generated table ... |
    <!-- /bench-table:speed -->

Only the lines between the two markers change; the markers and everything else stay as they
are, so running the tool twice changes nothing the second time. Tables:

* ``speed``: time per tool at each data size (``bench_arrays.json``, ``bench_dicts.json``),
  with the ratio to the rankwise row of the same work;
* ``cli``: whole processes on TREC files, ``rankwise eval`` against trec_eval and pytrec_eval
  (the ``eval`` record of ``bench_cli.json``);
* ``cli-memory``: sorted against shuffled run (the ``memory`` record of ``bench_cli.json``).

Usage, from the repository root. One command runs the benchmarks the tables need and
rewrites them (``--trec-eval`` names trec_eval 9.0.4 for the ``cli`` table; without it, or
``$TREC_EVAL``, that row says "not run")::

    python tools/bench_table.py --run --trec-eval PATH   # benchmarks, then every table

or, after running the benchmarks by hand::

    python tools/bench_table.py            # rewrite README.md and docs/index.md
    python tools/bench_table.py --check    # exit 1 if a page is not what the results give
    python tools/bench_table.py --tables cli   # only these tables (the others are kept)
    python tools/bench_table.py --results DIR PAGE...

A page whose markers name a table without results is an error that names the benchmark to
run; a marker without its pair, or one inside another table, is an error too.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benches" / "results"
PAGES = (ROOT / "README.md", ROOT / "docs" / "index.md")

MARKER = re.compile(r"^<!-- (/?)bench-table:([a-z0-9-]+) -->[ \t]*$", re.MULTILINE)

# The `speed` table: (results file, row key, key of the rankwise row it is divided by, label).
SPEED_SIZES = (("1000x100", "1k x 100"), ("100000x100", "100k x 100"), ("10000x1000", "10k x 1000"))
SPEED_ROWS: tuple[tuple[str, str, str | None, str], ...] = (
    ("bench_arrays", "rw_fused", None, "**rankwise** `metrics.evaluate_arrays` (2-D arrays)"),
    ("bench_arrays", "sk_default", "rw_fused", "sklearn `ndcg_score` (nDCG@10 only, default ties)"),
    ("bench_arrays", "ranx_eval", "rw_fused", "ranx `evaluate` on prebuilt `Qrels`/`Run`"),
    (
        "bench_arrays",
        "ranx_k_ndcg",
        "rw_fused",
        "ranx numba kernel, nDCG@10 only, run pre-sorted",
    ),
    (
        "bench_dicts",
        "rw_e2e",
        None,
        "**rankwise** `evaluate(qrels_dict, run_dict)` (build + evaluate)",
    ),
    ("bench_dicts", "pt_e2e", "rw_e2e", "pytrec_eval `RelevanceEvaluator(...).evaluate` + mean"),
    ("bench_dicts", "ranx_e2e", "rw_e2e", "ranx `from_dict` + `evaluate` (after JIT warm-up)"),
    (
        "bench_dicts",
        "rw_compat",
        None,
        "**rankwise** `compat.pytrec_eval` `RelevanceEvaluator(...).evaluate` (nested dicts)",
    ),
    (
        "bench_dicts",
        "pt_compat",
        "rw_compat",
        "pytrec_eval `RelevanceEvaluator(...).evaluate` (nested dicts)",
    ),
)

# The `cli` table: row keys of bench_cli.json's `eval` record, as the table names them.
CLI_TOOLS = (
    ("rankwise eval", "**`rankwise eval`**"),
    ("trec_eval 9.0.4", "trec_eval 9.0.4 (C)"),
    ("pytrec_eval (parse + evaluate)", "pytrec_eval (`parse_qrel`, `parse_run`, `evaluate`)"),
)


# The benchmark runs each table is made from (scripts in benches/, with their arguments).
BENCHMARKS: dict[str, tuple[tuple[str, ...], ...]] = {
    "speed": (("bench_arrays.py",), ("bench_dicts.py",)),
    "cli": (("bench_cli.py",),),
    "cli-memory": (("bench_cli.py", "--memory"),),
}


def bench_commands(
    tables: Sequence[str], trec_eval: str | None, python: str = sys.executable
) -> list[list[str]]:
    """The benchmark processes that write the results of ``tables``, each once, in order;
    ``trec_eval`` (a binary's path) is handed to ``bench_cli.py``."""
    commands: list[list[str]] = []
    for table in tables:
        for script, *flags in BENCHMARKS[table]:
            argv = [python, str(ROOT / "benches" / script), *flags]
            if script == "bench_cli.py" and trec_eval:
                argv += ["--trec-eval", trec_eval]
            if argv not in commands:
                commands.append(argv)
    return commands


class TableError(Exception):
    """A page or a results file this tool cannot work with (the message says why)."""


def fmt_s(seconds: float) -> str:
    """A duration with three significant digits: ``1.24 ms``, ``203 ms``, ``17.9 s``."""
    if seconds >= 1:
        return f"{seconds:.3g} s" if seconds < 1000 else f"{seconds:.0f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} µs"


def fmt_ratio(ratio: float) -> str:
    """A ratio with two significant digits: ``0.19x``, ``3.4x``, ``49x``, ``123x``."""
    return f"{ratio:.0f}x" if ratio >= 99.5 else f"{ratio:.2g}x"


def fmt_mb(nbytes: float | None) -> str:
    return "-" if nbytes is None else f"{nbytes / 1e6:.0f} MB"


def load_results(folder: Path, name: str) -> dict[str, Any]:
    path = folder / f"{name}.json"
    if not path.exists():
        raise TableError(f"{path} is missing: run `python benches/{name}.py` first")
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except ValueError as e:
        raise TableError(f"{path} is not valid JSON ({e})") from None
    return data


def markdown(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def speed_table(folder: Path) -> str:
    """Median time of each row at each size, with the ratio to its rankwise row."""
    results = {name: load_results(folder, name) for name in {r[0] for r in SPEED_ROWS}}

    def median(name: str, size: str, key: str) -> float | None:
        for row in results[name].get("sizes", {}).get(size, {}).get("rows", []):
            if row.get("key") == key:
                return float(row["median_s"])
        return None

    rows = []
    for name, key, base_key, label in SPEED_ROWS:
        cells = [label]
        for size, _ in SPEED_SIZES:
            t = median(name, size, key)
            if t is None:
                cells.append("n/a")
            elif base_key is None:
                cells.append(f"**{fmt_s(t)}**")
            else:
                base = median(name, size, base_key)
                ratio = f" ({fmt_ratio(t / base)})" if base else ""
                cells.append(f"{fmt_s(t)}{ratio}")
        rows.append(cells)
    return markdown(["nDCG@10 + AP + RR@10", *(h for _, h in SPEED_SIZES)], rows)


def _cli_record(folder: Path, key: str) -> dict[str, Any]:
    record = load_results(folder, "bench_cli").get(key)
    if not isinstance(record, dict):
        flag = " --memory" if key == "memory" else ""
        raise TableError(f"bench_cli.json has no `{key}` record: run benches/bench_cli.py{flag}")
    return record


def _load(record: dict[str, Any]) -> str:
    loads = [record.get("load_before"), record.get("load_after")]
    values = [f"{x[0]:.1f}" for x in loads if isinstance(x, list) and x]
    return " / ".join(values) if values else "n/a"


def cli_table(folder: Path) -> str:
    """`rankwise eval` against the C trec_eval and pytrec_eval, whole processes."""
    record = _cli_record(folder, "eval")
    by_key = {row["key"]: row for row in record["rows"]}
    base = by_key.get("rankwise eval")
    if base is None:
        raise TableError("bench_cli.json's `eval` record has no `rankwise eval` row")
    rows = []
    for key, label in CLI_TOOLS:
        row = by_key.get(key)
        if row is None:
            rows.append([label, "not run", "not run", "-"])
            continue
        wall, cpu = row["wall_s"], row.get("cpu_s")
        wall_cell = fmt_s(wall)
        cpu_cell = "-" if cpu is None else fmt_s(cpu)
        if row is base:
            wall_cell, cpu_cell = f"**{wall_cell}**", f"**{cpu_cell}**"
        else:
            wall_cell += f" ({fmt_ratio(wall / base['wall_s'])})"
            if cpu is not None and base.get("cpu_s"):
                cpu_cell += f" ({fmt_ratio(cpu / base['cpu_s'])})"
        rows.append([label, wall_cell, cpu_cell, fmt_mb(row.get("peak_rss"))])
    same = record.get("identical_to_trec_eval")
    size = (record["run_bytes"] + record["qrels_bytes"]) / 1e6
    head = [
        f"{record['queries']:,} queries x {record['docs']} docs, {size:.0f} MB of run + qrels; "
        "nDCG@10, AP, RR",
        "wall (median)",
        "CPU (user + sys)",
        "peak RSS",
    ]
    build = record.get("rankwise_build")
    note = (
        f"\n\nMedians of {record['repeat']} processes after a warm-up"
        f"{f' (rankwise.build_profile: {build})' if build else ''}; load average "
        f"{_load(record)} (before / after); output byte-identical to trec_eval's: "
        f"{'yes' if same else 'not compared' if same is None else 'NO'}."
    )
    return markdown(head, rows) + note


def cli_memory_table(folder: Path) -> str:
    """`rankwise eval` on a sorted run and on the same lines shuffled."""
    record = _cli_record(folder, "memory")
    size = record["run_bytes"]
    rows = []
    base = record["rows"][0]["wall_s"]
    for row in record["rows"]:
        rss = row.get("peak_rss")
        rows.append(
            [
                row["key"],
                f"{fmt_s(row['wall_s'])} ({row['wall_s'] / base:.2f}x sorted)",
                "-" if row.get("cpu_s") is None else fmt_s(row["cpu_s"]),
                "-" if rss is None else f"{fmt_mb(rss)} ({rss / size:.2f}x the run)",
            ]
        )
    head = [
        f"`rankwise eval`, {record['queries']:,} queries x {record['docs']} docs "
        f"({size / 1e6:.0f} MB run)",
        "wall (median)",
        "CPU",
        "peak RSS",
    ]
    return markdown(head, rows) + (
        f"\n\nMedians of {record['repeat']} processes; load average {_load(record)}; "
        f"outputs identical: {'yes' if record.get('identical') else 'NO'}."
    )


TABLES: dict[str, Callable[[Path], str]] = {
    "speed": speed_table,
    "cli": cli_table,
    "cli-memory": cli_memory_table,
}


def marked_tables(text: str) -> list[tuple[str, int, int]]:
    """The tables a page marks, as (name, start, end): the body is ``text[start:end]``, from
    the line after the opening marker to the line of the closing one. Raises
    :class:`TableError` on a marker without its pair, nested markers or an unknown name."""
    found: list[tuple[str, int, int]] = []
    open_name: str | None = None
    body_start = 0
    for m in MARKER.finditer(text):
        closing, name = m.group(1) == "/", m.group(2)
        line = text.count("\n", 0, m.start()) + 1
        if name not in TABLES:
            raise TableError(f"line {line}: unknown table {name!r} (known: {', '.join(TABLES)})")
        if not closing:
            if open_name is not None:
                raise TableError(f"line {line}: table {name!r} opens inside {open_name!r}")
            open_name, body_start = name, m.end() + 1
        else:
            if open_name != name:
                raise TableError(f"line {line}: closing marker of {name!r} without its opening")
            found.append((name, body_start, m.start()))
            open_name = None
    if open_name is not None:
        raise TableError(f"table {open_name!r} is opened but never closed")
    return found


def rewrite(text: str, render: Callable[[str], str], only: Sequence[str] | None = None) -> str:
    """``text`` with the body of every marked table (of those named in ``only``, if given)
    replaced by ``render(name)`` (one line break after the opening marker and before the
    closing one)."""
    out, last = [], 0
    for name, start, end in marked_tables(text):
        if only is not None and name not in only:
            continue
        out += [text[last:start], render(name).strip("\n"), "\n"]
        last = end
    out.append(text[last:])
    return "".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", type=Path, help="default: README.md docs/index.md")
    parser.add_argument("--results", type=Path, default=RESULTS, help="benches/results")
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if a page would change"
    )
    parser.add_argument(
        "--tables", help=f"comma-separated tables to rewrite (default: all of {', '.join(TABLES)})"
    )
    parser.add_argument(
        "--run",
        action="store_true",
        help="first run the benchmarks the tables need (bench_arrays, bench_dicts, bench_cli "
        "and bench_cli --memory; several minutes), then rewrite the tables",
    )
    parser.add_argument(
        "--trec-eval",
        default=os.environ.get("TREC_EVAL"),
        metavar="PATH",
        help="trec_eval 9.0.4 binary for bench_cli.py with --run (default: $TREC_EVAL)",
    )
    args = parser.parse_args(argv)
    only = None if args.tables is None else args.tables.split(",")
    unknown = sorted(set(only or ()) - set(TABLES))
    if unknown:
        print(f"unknown table(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    missing = [page for page in args.pages if not page.is_file()]
    if missing:
        # `--tables a b` reads b as a page: say so instead of a traceback from read_text.
        hint = " (--tables takes one comma-separated list: --tables a,b)" if only else ""
        print(f"no such page: {', '.join(map(str, missing))}{hint}", file=sys.stderr)
        return 2
    if args.run and args.check:
        print("--run and --check do not go together", file=sys.stderr)
        return 2
    if args.run:
        for command in bench_commands(only or list(TABLES), args.trec_eval):
            print("$ " + " ".join(command[1:]), flush=True)
            if subprocess.run(command, cwd=ROOT, check=False).returncode != 0:
                print(f"{command[1]} failed: tables left as they were", file=sys.stderr)
                return 1
    cache: dict[str, str] = {}

    def render(name: str) -> str:
        if name not in cache:
            cache[name] = TABLES[name](args.results)
        return cache[name]

    stale = []
    for page in args.pages or PAGES:
        text = page.read_text()
        try:
            new = rewrite(text, render, only)
        except TableError as e:
            print(f"{page}: {e}", file=sys.stderr)
            return 2
        if new == text:
            print(f"{page}: up to date")
        elif args.check:
            stale.append(page)
            print(f"{page}: its tables differ from the results", file=sys.stderr)
        else:
            page.write_text(new)
            names = [n for n, _, _ in marked_tables(new) if only is None or n in only]
            print(f"{page}: rewrote {', '.join(names)}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
