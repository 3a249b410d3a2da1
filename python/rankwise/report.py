"""The result of an evaluation: the means, and the per-query values behind them."""

from __future__ import annotations

from collections.abc import Sequence

# typing.TYPE_CHECKING without importing typing (~10 ms of `rankwise eval` start-up).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    import numpy as np
    import numpy.typing as npt
    import pandas as pd

__all__ = ["Report"]


class Report(dict[str, float]):
    """Means of an evaluation, ``{measure: mean}``, with the per-query values behind them.

    A ``Report`` *is* a dict of the means (so ``report["nDCG@10"]``, ``dict(report)``,
    ``json.dumps(report)`` and comparisons with plain dicts work), plus:

    * ``measures`` and ``query_ids``: the names, in order;
    * ``per_query_values``: a ``(queries, measures)`` numpy array of per-query values;
    * ``per_query``: pytrec_eval's ``{query_id: {measure: value}}``;
    * ``column(measure)``: one measure's per-query values;
    * ``to_pandas()``, ``to_markdown()``, ``to_latex()``: tables, of the means or, with
      ``per_query=True``, of every query.

    The means are exact (an exactly rounded sum), except trec_eval's counts (``num_ret``,
    ``num_rel``, ``num_rel_ret``, ``num_q``: sums) and ``gm_map`` (geometric mean).

    >>> import rankwise
    >>> report = rankwise.evaluate({"q1": {"a": 1}, "q2": {"b": 1}},
    ...                            {"q1": {"a": 0.9}, "q2": {"b": 0.1, "c": 0.5}},
    ...                            ["RR", "P@1"])
    >>> report
    Report over 2 queries
      RR   0.7500
      P@1  0.5000
    >>> report["RR"], report.column("P@1").tolist()
    (0.75, [1.0, 0.0])
    >>> print(report.to_markdown())
    | measure | mean |
    |---|---|
    | RR | 0.7500 |
    | P@1 | 0.5000 |
    """

    measures: tuple[str, ...]
    query_ids: tuple[str, ...]
    run_name: str | None

    def __init__(
        self,
        measures: Sequence[str],
        query_ids: Sequence[str],
        values: npt.NDArray[np.float64],
        means: Sequence[float],
        run_name: str | None = None,
    ) -> None:
        super().__init__(zip(measures, means, strict=True))
        self.measures = tuple(measures)
        self.query_ids = tuple(query_ids)
        self.run_name = run_name
        # measure-major from the engine; stored query-major for the per-query views
        self._values = values

    @property
    def per_query_values(self) -> npt.NDArray[np.float64]:
        """Per-query values, shape ``(queries, measures)`` (a view, no copy)."""
        return self._values.T

    def column(self, measure: str) -> npt.NDArray[np.float64]:
        """Per-query values of one measure, in ``query_ids`` order."""
        if not isinstance(measure, str) or measure not in self.measures:
            from .errors import UnknownMeasureError

            raise UnknownMeasureError(
                f"`measure` must be one of this report's measures {list(self.measures)}; got "
                f"{measure!r}"[:300]
            )
        row: npt.NDArray[np.float64] = self._values[self.measures.index(measure)]
        return row

    @property
    def per_query(self) -> dict[str, dict[str, float]]:
        """``{query_id: {measure: value}}``, pytrec_eval's shape."""
        rows = self._values.T.tolist()
        return {
            q: dict(zip(self.measures, row, strict=True))
            for q, row in zip(self.query_ids, rows, strict=True)
        }

    def to_pandas(self, per_query: bool = False) -> pd.DataFrame:
        """The means as a one-row DataFrame (indexed by run name), or per-query values
        (indexed by query id, one column per measure). Needs pandas (``rankwise[pandas]``)."""
        try:
            import pandas as pd
        except ImportError as e:  # pragma: no cover - exercised without pandas only
            message = "Report.to_pandas needs pandas: pip install 'rankwise[pandas]'"
            raise ImportError(message) from e
        if per_query:
            index = pd.Index(self.query_ids, name="query_id")
            return pd.DataFrame(self.per_query_values, index=index, columns=list(self.measures))
        return pd.DataFrame([dict(self)], index=pd.Index([self.run_name or "run"], name="run"))

    def _rows(self, per_query: bool, digits: int) -> tuple[list[str], list[list[str]]]:
        if per_query:
            header = ["query_id", *self.measures]
            rows = [
                [q, *(f"{v:.{digits}f}" for v in row)]
                for q, row in zip(self.query_ids, self.per_query_values.tolist(), strict=True)
            ]
            return header, rows
        return ["measure", "mean"], [[m, f"{v:.{digits}f}"] for m, v in self.items()]

    def to_markdown(self, per_query: bool = False, digits: int = 4) -> str:
        """A Markdown table of the means (or of every query)."""
        header, rows = self._rows(per_query, digits)
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)

    def to_latex(self, per_query: bool = False, digits: int = 4) -> str:
        r"""A LaTeX ``tabular`` of the means (or of every query); underscores are escaped."""

        def esc(s: str) -> str:
            return s.replace("_", r"\_").replace("%", r"\%").replace("&", r"\&")

        header, rows = self._rows(per_query, digits)
        spec = "l" + "r" * (len(header) - 1)
        lines = [rf"\begin{{tabular}}{{{spec}}}", r"\toprule"]
        lines.append(" & ".join(esc(h) for h in header) + r" \\")
        lines.append(r"\midrule")
        lines += [" & ".join(esc(c) for c in r) + r" \\" for r in rows]
        lines += [r"\bottomrule", r"\end{tabular}"]
        return "\n".join(lines)

    def __repr__(self) -> str:
        title = f"Report of {self.run_name!r}" if self.run_name else "Report"
        width = max((len(m) for m in self.measures), default=0)
        lines = [f"{title} over {len(self.query_ids)} queries"]
        lines += [f"  {m:<{width}}  {v:.4f}" for m, v in self.items()]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><td>{m}</td><td>{v:.4f}</td></tr>" for m, v in self.items())
        caption = f"{self.run_name or 'run'}: {len(self.query_ids)} queries"
        return (
            f"<table><caption>{caption}</caption>"
            f"<thead><tr><th>measure</th><th>mean</th></tr></thead><tbody>{rows}</tbody></table>"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        state = (self.measures, self.query_ids, self._values, list(self.values()), self.run_name)
        return (Report, state)
