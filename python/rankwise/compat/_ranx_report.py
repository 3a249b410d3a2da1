"""ranx's ``Report`` (the result of :func:`rankwise.compat.ranx.compare`): its table with
superscripts, LaTeX, dict, DataFrame and JSON forms, as ranx 0.3.21 renders them; and its
``OptimizationReport`` (of :func:`rankwise.compat.ranx.optimize_fusion`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["OptimizationReport", "Report"]

_CHARS = "abcdefghijklmnopqrstuvwxyz"
_SUPER = "ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖ۹ʳˢᵗᵘᵛʷˣʸᶻ"  # ranx's superscripts, its ۹ for q included
_LABELS = {
    "hits": "Hits",
    "hit_rate": "Hit Rate",
    "precision": "P",
    "recall": "Recall",
    "f1": "F1",
    "r-precision": "R-Prec",
    "mrr": "MRR",
    "map": "MAP",
    "dcg": "DCG",
    "dcg_burges": "DCG Burges",
    "ndcg": "NDCG",
    "ndcg_burges": "NDCG Burges",
    "bpref": "BPref",
}
_TEST_LABELS = {
    "fisher": "Fisher's randomization test",
    "student": "paired Student's t-test",
    "tukey": "Tukey's HSD test",
}


def _metric_label(m: str) -> str:
    """ranx's column header for a metric (``ndcg@10-l2`` is ``NDCG@10-l2``)."""
    base, sep, rel = m.partition("-l")
    name, at, k = base.partition("@")
    label = "RBP." + name[4:] if name.startswith("rbp.") else _LABELS.get(name, name)
    return f"{label}{at}{k}{sep}{rel}"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _tabulate_column(header: str, cells: list[str]) -> list[str]:
    """One column as ``tabulate(..., headers)`` lays it out in ranx's table: header, rule, cells.

    tabulate reads a column whose every cell is a number as numbers (printed with ``"g"``,
    aligned on the decimal point, right-aligned with the header); other columns are
    left-aligned text. Every column is at least 2 wider than its header.
    """
    numeric = all(_is_number(c) for c in cells)
    if numeric:
        cells = [format(float(c), "g") for c in cells]
        after = [len(c) - c.rfind(".") - 1 if "." in c else -1 for c in cells]
        cells = [c + " " * (max(after) - a) for c, a in zip(cells, after, strict=True)]
    width = max(len(header) + 2, *(len(c) for c in cells))
    pad = str.rjust if numeric else str.ljust
    return [pad(header, width), "-" * width, *(pad(c, width) for c in cells)]


class _PairDict(dict[frozenset[str], dict[str, dict[str, Any]]]):
    """ranx's ``FrozensetDict``: ``comparisons["a", "b"]`` is ``comparisons["b", "a"]``."""

    def __getitem__(self, key: Any) -> dict[str, dict[str, Any]]:
        return super().__getitem__(frozenset(key))

    def __setitem__(self, key: Any, value: dict[str, dict[str, Any]]) -> None:
        super().__setitem__(frozenset(key), value)


class Report:
    """The result of :func:`compare` (ranx's ``Report``): means, p-values, wins/ties/losses.

    ``results[model][metric]`` is a mean; ``comparisons[model_a, model_b][metric]`` is
    ``{"p_value": ..., "significant": ...}``; ``win_tie_loss[(a, b)][metric]`` counts the
    queries where ``a`` scores higher, equal, lower. ``str(report)`` is ranx's table, each
    mean followed by the letters of the models it is significantly better than.
    """

    def __init__(
        self,
        model_names: list[str],
        results: dict[str, dict[str, float]],
        comparisons: _PairDict,
        metrics: list[str],
        max_p: float,
        win_tie_loss: dict[tuple[str, str], dict[str, dict[str, int]]],
        rounding_digits: int = 3,
        show_percentages: bool = False,
        stat_test: str = "student",
    ) -> None:
        self.model_names = model_names
        self.results = results
        self.comparisons = comparisons
        self.metrics = metrics
        self.max_p = max_p
        self.win_tie_loss = win_tie_loss
        self.rounding_digits = rounding_digits
        self.show_percentages = show_percentages
        self.stat_test = stat_test

    def format_score(self, score: float) -> str:
        """A mean as ranx prints it."""
        if self.show_percentages:
            digits = max(0, self.rounding_digits - 2)
            return f"{round(score * 100, digits):.{self.rounding_digits - 2}f}"
        return f"{round(score, self.rounding_digits):.{self.rounding_digits}f}"

    def _better(self, model: str, metric: str) -> list[int]:
        return [
            j
            for j, other in enumerate(self.model_names)
            if other != model
            and self.comparisons[model, other][metric]["significant"]
            and self.results[model][metric] > self.results[other][metric]
        ]

    def get_metric_label(self, m: str) -> str:
        """ranx's column header for a metric."""
        return _metric_label(m)

    def get_stat_test_label(self, stat_test: str) -> str:
        """ranx's name of a test."""
        return _TEST_LABELS[stat_test]

    def to_table(self) -> str:
        """ranx's plain-text table (tabulate's ``simple`` format)."""
        headers = ["#", "Model", *(_metric_label(m) for m in self.metrics)]
        rows = [
            [
                _CHARS[i],
                model,
                *(
                    self.format_score(self.results[model][m])
                    + "".join(_SUPER[j] for j in self._better(model, m))
                    for m in self.metrics
                ),
            ]
            for i, model in enumerate(self.model_names)
        ]
        columns = [_tabulate_column(h, list(c)) for h, *c in zip(headers, *rows, strict=True)]
        lines = ["  ".join(line).rstrip() for line in zip(*columns, strict=True)]
        return "\n".join(lines)

    def to_latex(self) -> str:
        """ranx's LaTeX table (booktabs), best means in bold, superscripts as letters."""
        best: dict[str, str | None] = {}
        for m in self.metrics:
            best_model, best_score = None, 0.0
            for model in self.model_names:
                score = round(self.results[model][m], self.rounding_digits)
                if best_score < score:
                    best_model, best_score = model, score
            best[m] = best_model
        preamble = (
            "========================\n% Add in preamble\n\\usepackage{graphicx}\n"
            "\\usepackage{booktabs}\n========================\n\n"
        )
        prefix = (
            "% To change the table size, act on the resizebox argument `0.8`.\n"
            "\\begin{table*}[ht]\n\\centering\n\\caption{\nOverall effectiveness of the models.\n"
            "The best results are highlighted in boldface.\nSuperscripts denote significant "
            f"differences in {_TEST_LABELS[self.stat_test]} with $p \\le {self.max_p}$.\n}}\n"
            "\\resizebox{0.8\\textwidth}{!}{\n\\begin{tabular}{c|l"
            + "|c" * len(self.metrics)
            + "}\n\\toprule\n\\textbf{\\#}\n& \\textbf{Model}"
            + "".join(f"\n& \\textbf{{{_metric_label(m)}}}" for m in self.metrics)
            + " \\\\ \n\\midrule"
        )
        rows = []
        for i, model in enumerate(self.model_names):
            cells = []
            for m in self.metrics:
                shown = self.format_score(self.results[model][m])
                shown = f"\\textbf{{{shown}}}" if best[m] == model else shown
                better = self._better(model, m)
                sup = "".join(_CHARS[j] for j in better)
                phantoms = "".join(
                    _CHARS[j]
                    for j, other in enumerate(self.model_names)
                    if other != model and j not in better
                )
                cells.append(f"{shown}$^{{{sup}}}$\\hphantom{{$^{{{phantoms}}}$}} &")
            cells[-1] = cells[-1][:-1]
            rows.append(f"{_CHARS[i]} &\n{model} &\n" + "\n".join(cells) + "\\\\")
        content = "\n".join(rows).replace("_", "\\_").replace("$^{}$", "")
        suffix = "\\bottomrule\n\\end{tabular}\n}\n\\label{tab:results}\n\\end{table*}"
        return preamble + "\n" + prefix + "\n" + content + "\n" + suffix

    def to_dict(self) -> dict[str, Any]:
        """ranx's dict: test, metrics, model names, and per model its scores, p-values against
        each other model and wins/ties/losses."""
        d: dict[str, Any] = {
            "stat_test": self.stat_test,
            "metrics": self.metrics,
            "model_names": self.model_names,
        }
        for a in self.model_names:
            d[a] = {
                "scores": self.results[a],
                "comparisons": {
                    b: {m: self.comparisons[a, b][m]["p_value"] for m in self.metrics}
                    for b in self.model_names
                    if b != a
                },
                "win_tie_loss": {
                    b: {m: self.win_tie_loss[(a, b)][m] for m in self.metrics}
                    for b in self.model_names
                    if b != a
                },
            }
        return d

    def to_dataframe(self) -> pd.DataFrame:
        """The means, one row per model (column ``model_names`` first). Needs pandas."""
        import pandas as pd

        frame = pd.DataFrame.from_dict(
            {n: self.results[n] for n in self.model_names}, orient="index"
        )
        return frame.reset_index().rename(columns={"index": "model_names"})

    def save(self, path: str) -> None:
        """Write :meth:`to_dict` as JSON."""
        with open(path, "w") as f:
            f.write(json.dumps(self.to_dict(), indent=4))

    def print_results(self) -> None:
        """Print the means as JSON."""
        print(json.dumps(self.results, indent=4))

    def __repr__(self) -> str:
        return self.to_table()

    def __str__(self) -> str:
        return self.to_table()


#: ranx's titles and column headers of an optimization report, per method.
_METHOD_LABELS = {
    "logn_isr": ("LogN_ISR", "Sigma"),
    "gmnz": ("GMNZ", "Gamma"),
    "mixed": ("Mixed", "Weights"),
    "probfuse": ("ProbFuse", "# Segments"),
    "rbc": ("RBC", "phi"),
    "rrf": ("RRF", "k"),
    "slidefuse": ("SlideFuse", "w"),
    "w_bordafuse": ("Weighted BordaFuse", "Weights"),
    "w_condorcet": ("Weighted Condorcet", "Weights"),
    "wmnz": ("WMNZ", "Weights"),
    "wsum": ("Weighted SUM", "Weights"),
}


class OptimizationReport:
    """The score of every configuration :func:`rankwise.compat.ranx.optimize_fusion` tried
    (ranx's ``OptimizationReport``): ``configs`` (their labels, ``str`` of the parameter
    value) and ``results`` in search order. ``str`` renders ranx's table as plain text
    (ranx draws it with ``rich``), the best configuration (the first of the highest) marked
    with ``*``."""

    def __init__(
        self,
        method: str,
        configs: list[str],
        results: list[float],
        metric: str,
        rounding_digits: int = 3,
        show_percentages: bool = False,
    ):
        self.method = method
        self.configs = configs
        self.results = results
        self.metric = metric
        self.rounding_digits = rounding_digits
        self.show_percentages = show_percentages

    def get_metric_label(self, m: str) -> str:
        """ranx's column header for the metric."""
        return _metric_label(m)

    def format_score(self, score: float) -> str:
        """A score as ranx prints it."""
        return Report.format_score(self, score)  # type: ignore[arg-type]

    def to_table(self) -> str:
        """The configurations and their scores as a plain-text table."""
        title, header = _METHOD_LABELS.get(self.method, (self.method, "Config"))
        best = max(range(len(self.results)), key=self.results.__getitem__, default=-1)
        cells = [
            (str(c) + (" *" if i == best else ""), self.format_score(s))
            for i, (c, s) in enumerate(zip(self.configs, self.results, strict=True))
        ]
        columns = [
            _tabulate_column(header, [c for c, _ in cells]),
            _tabulate_column(self.get_metric_label(self.metric), [s for _, s in cells]),
        ]
        lines = ["  ".join(line).rstrip() for line in zip(*columns, strict=True)]
        return "\n".join([title, *lines])

    def __repr__(self) -> str:
        return self.to_table()

    def __str__(self) -> str:
        return self.to_table()
