"""Figures of the documentation site that are computed, not drawn by hand.

``call-budget.png``: for each reranking strategy, the model calls and the depth (the longest
chain of calls that wait for one another) per query against the number of candidates, read
from ``strategy.plan(n)``; a band spans the bounds of strategies whose calls depend on the
answers. Run by the mkdocs hook (tools/mkdocs_hooks.py) before every build, or by hand:
``python tools/doc_figures.py docs/img/generated``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from rankwise import rerank

CANDIDATES = (10, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1000)


# The strategies of the chart and their options (the defaults where none are given).
CHART: tuple[tuple[type[rerank.Strategy], dict[str, int]], ...] = (
    (rerank.SlidingWindow, {}),
    (rerank.TopDown, {}),
    (rerank.Setwise, {"children": 2}),
    (rerank.Tournament, {"tournaments": 10}),
    (rerank.Pairwise, {}),
    (rerank.Groupwise, {}),
    (rerank.Pointwise, {}),
    (rerank.FullList, {}),
)


def strategies() -> dict[str, rerank.Strategy]:
    """The strategies of the chart by the label they get: how each is built
    (``"Setwise(children=2)"``)."""
    return {
        f"{cls.__name__}({', '.join(f'{k}={v}' for k, v in options.items())})": cls(**options)
        for cls, options in CHART
    }


def call_budget(
    candidates: tuple[int, ...] = CANDIDATES,
) -> dict[str, list[tuple[int, int, int, int, int]]]:
    """(n, calls_min, calls_max, depth_min, depth_max) per strategy, from ``plan(n)``."""
    budget = {}
    for label, strategy in strategies().items():
        rows = []
        for n in candidates:
            plan = strategy.plan(n)
            rows.append((n, plan.calls_min, plan.calls_max, plan.depth_min, plan.depth_max))
        budget[label] = rows
    return budget


def plot_call_budget(path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.6), constrained_layout=True)
    for label, rows in call_budget().items():
        n = [r[0] for r in rows]
        for ax, lo, hi in ((axes[0], 1, 2), (axes[1], 3, 4)):
            low = [r[lo] for r in rows]
            high = [r[hi] for r in rows]
            (line,) = ax.plot(n, high, marker="o", markersize=3, label=label)
            if low != high:
                ax.fill_between(n, low, high, color=line.get_color(), alpha=0.2)
                ax.plot(n, low, color=line.get_color(), linestyle="--", linewidth=1)
    for ax, what in zip(axes, ("model calls per query", "depth (sequential calls)"), strict=True):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("candidates per query")
        ax.set_ylabel(what)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_title("Calls: plan(n), bounds shaded where answers decide")
    axes[1].set_title("Depth: calls that must wait for each other")
    axes[1].legend(fontsize=8, loc="upper left")
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "call-budget.png"
    plot_call_budget(path)
    return [path]


if __name__ == "__main__":
    for written in main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/img/generated")):
        print(written)
