"""The result of an evaluation: the means, and the per-query values behind them."""

from __future__ import annotations

from collections.abc import Sequence

# typing.TYPE_CHECKING without importing typing (~10 ms of `rankwise eval` start-up).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Literal

    import numpy as np
    import numpy.typing as npt
    import pandas as pd

__all__ = ["Report", "TieEffect"]


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
    # (qrels, run, evaluate's options, tie rule) for `tie_effect`; None when unknown.
    _inputs: tuple[Any, Any, dict[str, Any], str] | None = None

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

    def _remember(
        self, qrels: object, run: object, options: dict[str, Any], ties: str = "trec_eval"
    ) -> None:
        """Keep what :meth:`tie_effect` re-evaluates (references, no copies)."""
        self._inputs = (qrels, run, options, ties)

    def tie_effect(self, measures: str | Sequence[str] | None = None) -> TieEffect:
        """The queries, and measures, whose value depends on how tied scores are ordered.

        Re-evaluates the report's qrels and run (as they are now) under the three rules of
        :func:`rankwise.evaluate`'s ``ties``: trec_eval's order, ranx's, and the expected
        value over every ordering of tied documents, and keeps each (query, measure) whose
        values differ by more than 1e-12. ``min`` and ``max`` are over those rules (not over
        every ordering: a query can reach values beyond them).

        The expected value is NaN for every measure when ``max_docs`` was given, and for a
        (query, measure) whose exact expected value costs more than rankwise computes (a
        measure computed by enumeration, e.g. INST, on a query with more than 100000 orders
        of tied labels; interpolated precision or G on very large tied groups): the other
        queries keep theirs. Those pairs are in ``TieEffect.no_expected`` and its repr, and a
        ``RuntimeWarning`` names them.

        Parameters
        ----------
        measures : str or sequence of str, optional
            The measures to check (default: the report's).

        Returns
        -------
        TieEffect
            One row per (query, measure) that depends on the rule; ``to_pandas()`` gives a
            DataFrame, ``to_dict()`` its columns, and ``len()`` the number of rows.

        Examples
        --------
        >>> import rankwise
        >>> qrels = {"q1": {"a": 1, "b": 0}, "q2": {"c": 1}}
        >>> run = {"q1": {"a": 0.5, "b": 0.5}, "q2": {"c": 0.9, "d": 0.1}}
        >>> effect = rankwise.evaluate(qrels, run, ["RR", "P@2"]).tie_effect()
        >>> effect
        TieEffect over 2 queries: 1 of 2 depend on the tie rule
          RR   1 queries, mean |trec_eval - expected| 0.2500
          P@2  0 queries
        query_id  measure  trec_eval  ranx    expected  min     max
        q1        RR       0.5000     1.0000  0.7500    0.5000  1.0000
        >>> effect.to_dict()["query_id"]
        ['q1']
        """
        if self._inputs is None:
            from .errors import InvalidValueError

            raise InvalidValueError(
                "`tie_effect` needs the qrels and run this report was computed from; this "
                "report does not hold them (it was unpickled or built by another function): "
                "evaluate with rankwise.evaluate(qrels, run, measures) again"
            )
        from . import _native
        from .errors import InvalidValueError
        from .evaluate import _as_qrels, _as_run, _measure_list

        qrels, run, options, _ = self._inputs
        built_qrels, built_run = _as_qrels(qrels), _as_run(run)
        names = _measure_list(list(self.measures) if measures is None else measures)

        def values(ties: Literal["ranx", "expected"], which: list[str]) -> npt.NDArray[np.float64]:
            out: npt.NDArray[np.float64] = _native.evaluate(
                built_qrels, built_run, which, ties=ties, **options
            )[2]
            return out

        _, query_ids, trec, _ = _native.evaluate(
            built_qrels, built_run, names, ties="trec_eval", **options
        )
        ranx = values("ranx", names)
        try:
            # NaN where a (query, measure) is over the limits of its exact expected value
            expected: npt.NDArray[np.float64] = _native.evaluate(
                built_qrels, built_run, names, ties="expected", nan_over_limit=True, **options
            )[2]
        except InvalidValueError:  # max_docs: no expected value at all
            expected = trec * float("nan")
        effect = TieEffect(_native.measure_names(names), query_ids, trec, ranx, expected)
        if effect.no_expected and options.get("max_docs") is None:
            import warnings

            pairs = [(m, q) for m, qs in effect.no_expected.items() for q in qs]
            shown = ", ".join(f"{m} on {q!r}" for m, q in pairs[:5])
            more = f" and {len(pairs) - 5} more" if len(pairs) > 5 else ""
            warnings.warn(
                f"tie_effect: no expected value (NaN) for {shown}{more}: more orders of tied "
                "labels (or interpolated-precision steps) than rankwise computes exactly "
                "(TieEffect.no_expected lists them all)",
                RuntimeWarning,
                stacklevel=2,
            )
        return effect

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


class TieEffect:
    """The (query, measure) pairs whose value depends on the tie rule
    (:meth:`Report.tie_effect`).

    ``rows``: tuples ``(query_id, measure, trec_eval, ranx, expected, min, max)`` (the
    ``columns``), measure by measure, queries in evaluation order; ``to_pandas()`` and
    ``to_dict()`` (columns as lists, what ``pandas.DataFrame`` and ``polars.DataFrame``
    take); ``queries``: the query ids with at least one row; ``counts``: rows per measure;
    ``no_expected``: ``{measure: [query ids]}`` whose expected value is NaN (over the limits
    of its exact computation, or every query under ``max_docs``).
    """

    columns = ("query_id", "measure", "trec_eval", "ranx", "expected", "min", "max")

    def __init__(
        self,
        measures: Sequence[str],
        query_ids: Sequence[str],
        trec_eval: npt.NDArray[np.float64],
        ranx: npt.NDArray[np.float64],
        expected: npt.NDArray[np.float64],
    ) -> None:
        import numpy as np

        self.measures = tuple(measures)
        self.num_queries = len(query_ids)
        stacked = np.stack([trec_eval, ranx, expected])  # (rules, measures, queries)
        low, high = np.nanmin(stacked, axis=0), np.nanmax(stacked, axis=0)
        self.rows: list[tuple[str, str, float, float, float, float, float]] = []
        self._gaps: dict[str, float] = {}
        self.no_expected: dict[str, list[str]] = {}
        for m, name in enumerate(self.measures):
            missing = np.flatnonzero(np.isnan(expected[m]))
            if missing.size:
                self.no_expected[name] = [query_ids[q] for q in missing.tolist()]
            hit = np.flatnonzero(high[m] - low[m] > 1e-12)
            for q in hit.tolist():
                self.rows.append(
                    (
                        query_ids[q],
                        name,
                        float(trec_eval[m, q]),
                        float(ranx[m, q]),
                        float(expected[m, q]),
                        float(low[m, q]),
                        float(high[m, q]),
                    )
                )
            gaps = np.abs(trec_eval[m, hit] - expected[m, hit])
            gaps = gaps[~np.isnan(gaps)]  # the queries without an expected value left out
            self._gaps[name] = float(gaps.mean()) if gaps.size else float("nan")

    @property
    def queries(self) -> list[str]:
        """Query ids with at least one measure that depends on the tie rule."""
        return list(dict.fromkeys(r[0] for r in self.rows))

    @property
    def counts(self) -> dict[str, int]:
        """``{measure: number of queries whose value depends on the tie rule}``."""
        out = dict.fromkeys(self.measures, 0)
        for r in self.rows:
            out[r[1]] += 1
        return out

    def __len__(self) -> int:
        return len(self.rows)

    def to_dict(self) -> dict[str, list[Any]]:
        """The rows as columns, ``{column: [values]}``."""
        return {c: [r[i] for r in self.rows] for i, c in enumerate(self.columns)}

    def to_pandas(self) -> pd.DataFrame:
        """The rows as a DataFrame (one row per query and measure). Needs pandas."""
        import pandas as pd

        return pd.DataFrame(self.to_dict(), columns=list(self.columns))

    def __repr__(self) -> str:
        width = max((len(m) for m in self.measures), default=0)
        lines = [
            f"TieEffect over {self.num_queries} queries: {len(self.queries)} of "
            f"{self.num_queries} depend on the tie rule"
        ]
        for m, n in self.counts.items():
            gap = self._gaps[m]
            more = "" if n == 0 else f", mean |trec_eval - expected| {gap:.4f}"
            if n and gap != gap:  # NaN: no expected value for any of them
                more = ", no expected value"
            nan = self.no_expected.get(m, [])
            if nan:
                named = ", ".join(map(repr, nan[:3])) + (", ..." if len(nan) > 3 else "")
                more += f"; no expected value (NaN) for {len(nan)} queries ({named})"
            lines.append(f"  {m:<{width}}  {n} queries{more}")
        if self.rows:
            shown = sorted(self.rows, key=lambda r: r[5] - r[6])[:10]
            cells = [list(self.columns)] + [
                [r[0], r[1], *(f"{v:.4f}" for v in r[2:])] for r in shown
            ]
            widths = [max(len(row[i]) for row in cells) for i in range(len(self.columns))]
            lines += [
                "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
                for row in cells
            ]
            if len(self.rows) > len(shown):
                lines.append(f"... {len(self.rows) - len(shown)} more rows (to_pandas())")
        return "\n".join(lines)
