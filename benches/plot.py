"""Draw the benchmark charts from the JSON results, without re-running anything.

* ``results/<name>.png``: every measurement of one script, one panel per data size.
* ``speed.png`` (this folder; the README shows it): the headline comparison at 100k queries x
  100 docs, one panel per input kind (2-D arrays, dicts), time per tool on a log scale with
  the ratio to rankwise written next to each bar.

Usage: ``python benches/plot.py [--size 100000x100]``. The benchmark scripts call
:func:`draw_all` themselves after writing their JSON.
"""

from __future__ import annotations

import argparse
import json
import textwrap
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
SPEED_PNG = HERE / "speed.png"
HEADLINE_SIZE = "100000x100"
BENCHES = ("bench_arrays", "bench_dicts", "bench_correlation")
PANEL_TITLES = {
    "bench_arrays": "2-D numpy arrays (rankwise.metrics)",
    "bench_dicts": "dict-of-dicts, end to end (rankwise.evaluate)",
}
COLORS = {"rankwise": "#d1495b", "sklearn": "#4c72b0", "ranx": "#55a868", "pytrec_eval": "#8172b2"}


def fmt_s(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} µs"


def load(name: str) -> dict[str, Any] | None:
    path = RESULTS / f"{name}.json"
    if not path.exists():
        return None
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except ValueError:
        return None
    return data


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display needed
    import matplotlib.pyplot as plt

    return plt


def _bars(ax: Any, rows: list[dict[str, Any]], labels: list[str], base: float | None) -> None:
    """Horizontal bars, first row on top, log time axis, "time (ratio)" after each bar."""
    times = [r["median_s"] for r in rows]
    colors = [COLORS.get(r["tool"], "#999999") for r in rows]
    y = list(range(len(rows)))[::-1]
    ax.barh(y, times, color=colors)
    ax.set_yticks(y, ["\n".join(textwrap.wrap(lbl, 44)) for lbl in labels])
    ax.set_xscale("log")
    ax.set_xlim(min(times) / 3, max(times) * 12)  # room on the right for the annotations
    ax.set_xlabel("median time per call (s, log scale)")
    for yi, r, t in zip(y, rows, times, strict=True):
        text = fmt_s(t)
        if base:
            ratio = t / base
            if r["tool"] == "rankwise" and abs(ratio - 1) < 1e-12:
                text += "  (reference)"
            elif ratio >= 1:
                text += f"  ({ratio:.1f}x slower)" if ratio >= 10 else f"  ({ratio:.2f}x slower)"
            else:
                text += f"  ({1 / ratio:.2f}x faster)"
        ax.text(t * 1.15, yi, text, va="center", fontsize=8)
    ax.grid(axis="x", which="both", alpha=0.25)


def _baseline(size: dict[str, Any]) -> float | None:
    """Median of the script's first rankwise baseline row at this size."""
    keys = [b["key"] for b in size.get("baselines", [])]
    for row in size["rows"]:
        if keys and row["key"] == keys[0]:
            return float(row["median_s"])
    return None


def draw_bench(data: dict[str, Any], out: Path) -> Path:
    """One panel per size with every row of one script."""
    plt = _pyplot()
    sizes = list(data["sizes"].values())
    heights = [0.9 + 0.45 * len(s["rows"]) for s in sizes]
    fig, axes = plt.subplots(
        len(sizes),
        1,
        figsize=(12, sum(heights) + 0.6),
        squeeze=False,
        gridspec_kw={"height_ratios": heights},
    )
    for ax, size in zip(axes[:, 0], sizes, strict=True):
        rows = size["rows"]
        labels = [f"{r['tool']}: {r['label']}" for r in rows]
        base = _baseline(size)
        _bars(ax, rows, labels, base)
        ref = size["baselines"][0]["label"] if size.get("baselines") else "rankwise"
        ax.set_title(
            f"{size['q']:,} queries x {size['d']:,} docs (ratios vs {ref}; "
            f"{size['meta'].get('date', '')[:10]})",
            fontsize=10,
        )
        ax.tick_params(axis="y", labelsize=7)
    fig.suptitle(f"{data['name']}: medians on {sizes[0]['meta'].get('cpu', '?')}", fontsize=11)
    fig.tight_layout(rect=(0.01, 0, 1, 1 - 0.35 / fig.get_figheight()))
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def draw_speed(size_key: str = HEADLINE_SIZE, out: Path = SPEED_PNG) -> Path | None:
    """The headline chart: rows the scripts marked ``headline``, at ``size_key``."""
    panels = []
    for name in BENCHES:
        data = load(name)
        size = (data or {}).get("sizes", {}).get(size_key)
        if size is None:
            continue
        rows = [r for r in size["rows"] if r.get("headline")]
        if rows:
            panels.append((name, size, rows))
    if not panels:
        print(f"note: speed.png not drawn: no results at {size_key} yet")
        return None
    plt = _pyplot()
    fig, axes = plt.subplots(
        len(panels),
        1,
        figsize=(10, 1.2 + 1.25 * sum(len(p[2]) for p in panels) / 2 + 1),
        squeeze=False,
    )
    for ax, (name, size, rows) in zip(axes[:, 0], panels, strict=True):
        _bars(ax, rows, [r["headline"] for r in rows], _baseline(size))
        ax.set_title(PANEL_TITLES.get(name, name), fontsize=10, loc="left")
    meta = panels[0][1]["meta"]
    q, d = panels[0][1]["q"], panels[0][1]["d"]
    fig.suptitle(
        f"nDCG@10 + AP + RR@10 over {q:,} queries x {d} docs (median, lower is better)",
        fontsize=11,
    )
    fig.text(
        0.01,
        0.005,
        f"{meta.get('cpu', '?')}, {meta.get('cpus', '?')} CPUs, {meta.get('date', '')[:10]}. "
        "sklearn: nDCG@10 only. pytrec_eval: recip_rank without cutoff (trec_eval has no RR@k).",
        fontsize=7,
        color="#555555",
    )
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out


def draw_all(size_key: str = HEADLINE_SIZE) -> list[Path]:
    """Redraw every per-script chart that has results, then speed.png."""
    written = []
    for name in BENCHES:
        data = load(name)
        if data and data.get("sizes"):
            written.append(draw_bench(data, RESULTS / f"{name}.png"))
    speed = draw_speed(size_key)
    if speed is not None:
        written.append(speed)
    return written


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--size", default=HEADLINE_SIZE, help=f"size shown in speed.png (default {HEADLINE_SIZE})"
    )
    args = p.parse_args()
    for path in draw_all(args.size):
        print(f"wrote {path.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
