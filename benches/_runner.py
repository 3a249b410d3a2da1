"""Shared machinery for the benchmark scripts in this folder.

Every script runs rankwise and its peers in one process on the same data, so the numbers in a
table are comparable with each other (same machine, same moment, same inputs). This module
holds what the scripts share:

* :func:`make_data`: the synthetic data every script uses (seed 42, no tied scores, every
  candidate judged; described in ``benches/README.md``), so runs line up with each other;
* :func:`measure`: one warm-up call, then the median of several timed calls;
* :class:`Bench`: records the timings of one script, prints a table per size with ratios
  against the rankwise rows, writes ``results/<name>.json`` and draws ``results/<name>.png``
  (plus the combined ``speed.png``, through :mod:`plot`);
* peak-RSS helpers for measuring memory in a fresh subprocess.

Nothing here asserts: benchmarks report, they never fail on a number.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import functools
import gc
import hashlib
import importlib
import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
DEFAULT_SIZES = "1000x100,100000x100,10000x1000"
QUICK_SIZES = "1000x100"
SEED = 42

# ranx's numba kernels warn about a uint64 -> int64 cast on every first call; it is about ranx's
# own code, says nothing about the measurement, and would break up the printed tables.
warnings.filterwarnings("ignore", message="unsafe cast from uint64 to int64")

# Distributions the results JSON records versions of (missing ones are recorded as None).
PACKAGES = (
    "rankwise",
    "numpy",
    "scikit-learn",
    "ranx",
    "numba",
    "pytrec-eval-terrier",
    "matplotlib",
)


# ----------------------------------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------------------------------
def make_data(q: int, d: int, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """Scores and labels of ``q`` queries x ``d`` candidates, as in the spec §7.0.

    Scores are float64 from ``rng.random`` (distinct with probability ~1, so every tool ranks
    them identically and tie rules cannot explain a difference in values); labels are 0 with
    probability 0.9, else uniform in {1, 2, 3}. Labels are int64, numpy's default integer.
    """
    rng = np.random.default_rng(seed)
    scores = rng.random((q, d))
    relevant = rng.random((q, d)) < 0.1
    grades = rng.integers(1, 4, size=(q, d))
    labels = np.where(relevant, grades, 0)
    return scores, labels


def ids(q: int, d: int) -> tuple[list[str], list[str]]:
    """Query ids ``q0..`` and doc ids ``d0..d{d-1}`` (the spec's naming)."""
    return [f"q{i}" for i in range(q)], [f"d{j}" for j in range(d)]


def make_dicts(
    scores: np.ndarray, labels: np.ndarray
) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, float]]]:
    """The ``{qid: {docid: value}}`` qrels and run that pytrec_eval, ranx and rankwise accept.

    Every candidate is judged (label 0 included), so list-based and qrels-based tools see the
    same ideal DCG. Doc-id strings are shared between rows, as a real loader's interned ids
    would be; values are Python ints / floats (``tolist``), not numpy scalars.
    """
    qids, docids = ids(*scores.shape)
    qrels = {
        qid: dict(zip(docids, row, strict=True))
        for qid, row in zip(qids, labels.tolist(), strict=True)
    }
    run = {
        qid: dict(zip(docids, row, strict=True))
        for qid, row in zip(qids, scores.tolist(), strict=True)
    }
    return qrels, run


def parse_size(text: str) -> tuple[int, int]:
    """``"100000x100"`` / ``"100kx100"`` -> ``(100000, 100)``."""

    def number(part: str) -> int:
        part = part.strip().lower()
        scale = 1
        if part.endswith("k"):
            part, scale = part[:-1], 1000
        elif part.endswith("m"):
            part, scale = part[:-1], 1_000_000
        return int(float(part) * scale)

    try:
        q, d = (number(p) for p in text.lower().split("x"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"size must look like 1000x100; got {text!r}") from exc
    if q < 1 or d < 2:
        raise argparse.ArgumentTypeError(f"need at least 1 query and 2 docs; got {text!r}")
    return q, d


def size_key(q: int, d: int) -> str:
    return f"{q}x{d}"


def human_size(q: int, d: int) -> str:
    def short(n: int) -> str:
        return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)

    return f"{short(q)} x {short(d)}"


# ----------------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------------
def parser(
    description: str, *, sizes: bool = True, memory: bool = False
) -> argparse.ArgumentParser:
    """The options every benchmark takes; ``sizes``: ``--sizes`` QxD (else the benchmark picks
    its own sizes), ``memory``: ``--no-memory`` and the child process's ``--memprobe CALL
    SIZE``."""
    p = argparse.ArgumentParser(description=description)
    if sizes:
        p.add_argument(
            "--sizes",
            default=DEFAULT_SIZES,
            help=f"comma-separated QxD sizes (queries x docs per query); default {DEFAULT_SIZES}",
        )
        p.add_argument(
            "--quick",
            action="store_true",
            help=f"smoke test: only {QUICK_SIZES} (overrides --sizes)",
        )
    else:
        p.add_argument("--quick", action="store_true", help="smoke test: tiny sizes")
    p.add_argument(
        "--repeat",
        type=int,
        default=5,
        help="timed calls per measurement after the warm-up call; the median is reported "
        "(default 5; at least 3 even when --budget is exceeded)",
    )
    p.add_argument(
        "--budget",
        type=float,
        default=30.0,
        help="stop repeating a measurement once its timed calls took this many seconds, "
        "as long as 3 calls were made (default 30)",
    )
    p.add_argument("--no-plot", action="store_true", help="do not draw the PNG charts")
    if memory:
        p.add_argument("--no-memory", action="store_true", help="skip the peak-memory subprocesses")
        p.add_argument("--memprobe", nargs=2, metavar=("CALL", "SIZE"), help=argparse.SUPPRESS)
    return p


def sizes_from(args: argparse.Namespace) -> list[tuple[int, int]]:
    text = QUICK_SIZES if args.quick else args.sizes
    return [parse_size(s) for s in text.split(",") if s.strip()]


def optional_import(name: str) -> ModuleType | None:
    """Import a peer, or print why it is skipped: a missing peer must not stop the benchmark."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        print(f"note: {name} is not installed ({exc}); its rows are skipped")
        return None


# ----------------------------------------------------------------------------------------------
# Timing
# ----------------------------------------------------------------------------------------------
@dataclass
class Timing:
    median_s: float
    min_s: float
    max_s: float
    first_s: float
    times_s: list[float]


def measure(
    fn: Callable[[], Any], repeat: int = 5, budget_s: float = 30.0, min_repeat: int = 3
) -> tuple[Timing, Any]:
    """Call ``fn`` once as a warm-up (timed, reported as ``first_s``, kept out of the median:
    it absorbs numba's JIT, caches, lazy thread pools), then up to ``repeat`` more times;
    return the timing summary and the last call's result.

    The garbage of the previous call is collected *before* each timed call so that it is not
    charged to the next one; the collector stays enabled during the call, because the peers
    that build millions of Python objects pay for it in real use too.
    """
    gc.collect()
    t0 = time.perf_counter()
    result = fn()
    first = time.perf_counter() - t0
    times: list[float] = []
    spent = 0.0
    while len(times) < max(repeat, 1) and not (spent >= budget_s and len(times) >= min_repeat):
        result = None  # free the previous result before the next call allocates its own
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        dt = time.perf_counter() - t0
        times.append(dt)
        spent += dt
    return (
        Timing(
            median_s=statistics.median(times),
            min_s=min(times),
            max_s=max(times),
            first_s=first,
            times_s=times,
        ),
        result,
    )


def fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} us"


def fmt_ratio(r: float | None) -> str:
    if r is None:
        return "-"
    return f"{r:.1f}x" if r >= 10 else f"{r:.2f}x"


# ----------------------------------------------------------------------------------------------
# Recording and reporting
# ----------------------------------------------------------------------------------------------
@dataclass
class Row:
    key: str
    tool: str
    label: str
    median_s: float
    min_s: float
    max_s: float
    first_s: float
    times_s: list[float]
    headline: str | None = None  # label of this row in the combined speed.png, if shown there


@dataclass
class Target:
    """A goal from the issue, reported (met / missed by how much), never asserted."""

    peer: str  # row key of the slower tool
    rankwise: str  # row key of the rankwise row
    min_ratio: float  # peer time / rankwise time must be at least this
    text: str
    size: str | None = None  # only evaluated at this size (None: every size)


@dataclass
class SizeResult:
    q: int
    d: int
    rows: list[Row] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


class Bench:
    """Timings of one script, per data size; see the module docstring.

    ``baselines`` are the rankwise rows every other row is divided by, one ratio column each
    (e.g. the fused three-measure call and the nDCG-only call), so each peer can be read
    against the rankwise call that does the same work.
    """

    def __init__(
        self,
        name: str,
        args: argparse.Namespace,
        baselines: Sequence[tuple[str, str]],
        targets: Sequence[Target] = (),
    ) -> None:
        self.name = name
        self.args = args
        self.baselines = list(baselines)
        self.targets = list(targets)
        self.sizes: dict[str, SizeResult] = {}
        self.current: SizeResult | None = None
        self.meta = environment()

    # -- per size --------------------------------------------------------------------------
    def start_size(self, q: int, d: int, unit: str = "pairs") -> None:
        """Begin the results of size ``q x d``; the header counts ``q * d`` ``unit``."""
        self.current = SizeResult(q, d)
        self.sizes[size_key(q, d)] = self.current
        print(f"\n=== {self.name}: {human_size(q, d)} ({q * d:,} {unit}) ===", flush=True)

    def _size(self) -> SizeResult:
        if self.current is None:
            raise RuntimeError("call start_size() first")
        return self.current

    def time(
        self,
        key: str,
        tool: str,
        label: str,
        fn: Callable[[], Any],
        *,
        headline: str | None = None,
    ) -> Any:
        """Measure ``fn`` (see :func:`measure`), record it under ``key``, return its result."""
        print(f"  {tool:<10} {label} ...", end=" ", flush=True)
        timing, result = measure(fn, self.args.repeat, self.args.budget)
        print(
            f"median {fmt_s(timing.median_s)} (n={len(timing.times_s)}, "
            f"1st {fmt_s(timing.first_s)})",
            flush=True,
        )
        self._size().rows.append(Row(key, tool, label, **asdict(timing), headline=headline))
        return result

    def record(self, key: str, tool: str, label: str, times: Sequence[float], first: float) -> None:
        """Record timings measured by the script itself (e.g. interleaved with a peer's, so
        that both see the same machine load); ``first`` is the warm-up call."""
        times = list(times)
        self._size().rows.append(
            Row(key, tool, label, statistics.median(times), min(times), max(times), first, times)
        )

    def skip(self, tool: str, why: str) -> None:
        print(f"  note: {tool} skipped: {why}", flush=True)
        self._size().skipped.append(f"{tool}: {why}")

    def note(self, text: str) -> None:
        print(f"  note: {text}", flush=True)
        self._size().notes.append(text)

    def extra(self, key: str, value: Any) -> None:
        self._size().extra[key] = value

    def agreement(
        self,
        means: dict[str, dict[str, float]],
        tol: float = 1e-9,
        explained: Sequence[str] = (),
        why: str = "",
    ) -> None:
        """Print and record whether the tools' means agree, per measure.

        The data has no tied float64 scores, so every tool must give the same means to
        round-off; a difference means the benchmark compares different work, or a bug in
        someone. Tools in ``explained`` are known to differ for the reason ``why`` (e.g. a
        different score precision): they are left out of the verdict, their gap is printed.
        """
        report = {}
        for measure, by_tool in means.items():
            values = {t: float(v) for t, v in by_tool.items()}
            core = [v for t, v in values.items() if t not in explained] or list(values.values())
            spread = max(core) - min(core)
            reference = core[0]
            gaps = {t: abs(v - reference) for t, v in values.items() if t in explained}
            report[measure] = {
                "means": values,
                "max_abs_diff": spread,
                "explained_gaps": gaps,
                "why": why if gaps else "",
            }
            status = "agree" if spread <= tol else "DISAGREE"
            detail = ", ".join(f"{t} {v:.10f}" for t, v in values.items())
            line = f"  check {measure}: {status} (max |diff| {spread:.1e}): {detail}"
            off = {t: g for t, g in gaps.items() if g > tol}
            if off:
                gap = max(off.values())
                line += f"; {', '.join(off)} off by up to {gap:.1e} ({why})"
            print(line)
        self.extra("agreement", report)

    def median(self, key: str) -> float | None:
        for row in self._size().rows:
            if row.key == key:
                return row.median_s
        return None

    def end_size(self) -> None:
        """Print this size's table, its ratios and the targets that apply.

        The size stays current, so :meth:`extra` can still attach results (e.g. memory).
        """
        size = self._size()
        base = [(k, lbl, self.median(k)) for k, lbl in self.baselines]
        head = ["tool", "what is timed", "median", "min", "1st call"]
        head += [f"/ {lbl}" for _, lbl, _ in base]
        table = []
        for row in size.rows:
            cells = [
                row.tool,
                row.label,
                fmt_s(row.median_s),
                fmt_s(row.min_s),
                fmt_s(row.first_s),
            ]
            cells += [fmt_ratio(row.median_s / m if m else None) for _, _, m in base]
            table.append(cells)
        print()
        print(
            f"{self.name} {human_size(size.q, size.d)}: medians on this machine; ratio = "
            "row median / rankwise median (> 1: rankwise is faster)"
        )
        print_table(head, table)
        lines = self.target_lines(size)
        if lines:
            print("targets (reported, not asserted):")
            for line in lines:
                print("  " + line)
        size.extra["targets"] = lines

    def target_lines(self, size: SizeResult) -> list[str]:
        key = size_key(size.q, size.d)
        lines = []
        for t in self.targets:
            if t.size is not None and t.size != key:
                continue
            peer = next((r for r in size.rows if r.key == t.peer), None)
            rw = next((r for r in size.rows if r.key == t.rankwise), None)
            if peer is None or rw is None:
                lines.append(f"[n/a]    {t.text}: a row is missing (peer skipped?)")
                continue
            ratio = peer.median_s / rw.median_s
            if ratio >= t.min_ratio:
                verdict = "[met]   "
                how = f"{ratio:.1f}x >= {t.min_ratio:g}x"
            else:
                verdict = "[MISSED]"
                how = f"{ratio:.2f}x < {t.min_ratio:g}x (rankwise would need to be "
                how += f"{t.min_ratio / ratio:.2f}x faster)"
            lines.append(f"{verdict} {t.text}: {how}")
        return lines

    # -- output ----------------------------------------------------------------------------
    def save(self) -> Path:
        """Merge this run's sizes into ``results/<name>.json`` (other sizes are kept, so a
        ``--quick`` run does not erase a full one) and redraw the charts."""
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"{self.name}.json"
        old: dict[str, Any] = {}
        if path.exists():
            try:
                old = json.loads(path.read_text())
            except (OSError, ValueError):
                old = {}
        sizes = dict(old.get("sizes", {})) if old.get("name") == self.name else {}
        for key, size in self.sizes.items():
            sizes[key] = {
                "q": size.q,
                "d": size.d,
                "meta": self.meta,
                "baselines": [{"key": k, "label": lbl} for k, lbl in self.baselines],
                "rows": [asdict(r) for r in size.rows],
                "skipped": size.skipped,
                "notes": size.notes,
                **size.extra,
            }
        ordered = dict(sorted(sizes.items(), key=lambda kv: (kv[1]["d"], kv[1]["q"])))
        path.write_text(json.dumps({"name": self.name, "sizes": ordered}, indent=1) + "\n")
        print(f"\nwrote {path.relative_to(HERE.parent)}")
        if not self.args.no_plot:
            try:
                import plot  # benches/plot.py; sys.path[0] is this folder when run as a script

                written = plot.draw_all()
            except ImportError as exc:  # matplotlib is optional: the JSON is the record
                print(f"note: charts skipped ({exc})")
            else:
                for out in written:
                    print(f"wrote {out.relative_to(HERE.parent)}")
        return path


def print_table(head: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, strict=True)]
    # Text columns left-aligned, numeric ones right-aligned.
    left = {0, 1}

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            str(c).ljust(w) if i in left else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    print(line(head))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print(line(r))


def environment() -> dict[str, Any]:
    """Where and with what the numbers were measured (timings only mean something with it)."""
    versions: dict[str, str | None] = {}
    for pkg in PACKAGES:
        try:
            versions[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            versions[pkg] = None
    meta: dict[str, Any] = {
        "date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cpus": os.cpu_count(),
        "versions": versions,
        "argv": sys.argv,
    }
    try:
        import rankwise
        from rankwise import _native

        meta["rankwise_build_profile"] = rankwise.build_profile
        meta["rankwise_threads"] = rankwise.get_num_threads()
        meta["rankwise_native"] = native_fingerprint(_native.__file__)
    except (ImportError, AttributeError, OSError):
        pass
    try:
        git = ["git", "-C", str(HERE.parent)]
        meta["git_commit"] = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            [*git, "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        meta["git_dirty"] = bool(dirty)
    except (OSError, subprocess.CalledProcessError):
        pass
    return meta


@functools.cache
def native_fingerprint(path: str) -> dict[str, str]:
    """mtime and hash of the compiled rankwise module, read once per process.

    An editable install picks up every rebuild, so results from different builds must never be
    mistaken for one another. Cached: the first read follows the import closely, so a rebuild
    later in the run does not relabel the numbers of the build that was actually loaded.
    """
    native = Path(path)
    mtime = _dt.datetime.fromtimestamp(native.stat().st_mtime, _dt.UTC)
    return {
        "file": native.name,
        "mtime": mtime.isoformat(timespec="seconds"),
        "sha256": hashlib.sha256(native.read_bytes()).hexdigest()[:16],
    }


def print_banner() -> None:
    """One line saying which rankwise build and which machine the numbers below come from."""
    meta = environment()
    native = meta.get("rankwise_native", {})
    print(
        f"rankwise {meta['versions'].get('rankwise')} ({meta.get('rankwise_build_profile')} "
        f"build, {native.get('file')} of {native.get('mtime')}, sha256 {native.get('sha256')}), "
        f"{meta.get('rankwise_threads')} threads; Python {meta['python']}; {meta['cpu']}, "
        f"{meta['cpus']} CPUs"
    )


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


# ----------------------------------------------------------------------------------------------
# Memory (used inside a fresh subprocess, so nothing else the benchmark did inflates the peak)
# ----------------------------------------------------------------------------------------------
def _status_kib(field_name: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def rss_bytes() -> int | None:
    """Current resident set size (Linux), or None."""
    kib = _status_kib("VmRSS")
    return None if kib is None else kib * 1024


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM) to the current RSS (Linux >= 4.0).

    Without this the peak would still remember the temporaries of the data generation, and a
    call whose extra memory is smaller than those would look free.
    """
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_rss_bytes() -> int:
    """Peak RSS: VmHWM where available, else getrusage's ru_maxrss (KiB on Linux)."""
    kib = _status_kib("VmHWM")
    if kib is not None:
        return kib * 1024
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def run_probe(script: Path, argv: Sequence[str], timeout: float = 600) -> dict[str, Any]:
    """Run ``script`` in a fresh interpreter; it prints one JSON object as its last line."""
    proc = subprocess.run(
        [sys.executable, str(script), *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        return {"error": (proc.stderr or proc.stdout).strip().splitlines()[-1:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])
