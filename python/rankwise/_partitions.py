"""Evaluation in pieces: what every scale-out adapter (Dask, Spark, Ray) runs, engine-free.

A run too large for one process is evaluated one **query partition** at a time (every row
of a query in the same partition), each with the single-machine kernel, and the per-query
values are merged once on the driver:

* :func:`evaluate_partition` builds a :class:`~rankwise.Run` from one partition's rows (a
  pandas DataFrame or an Arrow table) and returns the per-query values of the queries it
  shares with the qrels;
* :func:`merge_partitions` gathers them, adds the queries that the run misses from the
  qrels (``missing="zero"``), orders the queries as :func:`rankwise.evaluate` does (the
  qrels' order), and computes the summary with the Rust reduction :func:`rankwise.evaluate`
  uses (an exactly rounded sum, so the order in which partitions arrive cannot change a bit).

Per-query values cannot depend on the partitioning either: each query is ranked from its own
rows only (score descending, ties by the doc-id strings, never by ids interned per
partition). The result is the very :class:`~rankwise.Report` of ``rankwise.evaluate(qrels,
whole_run, ...)``, bit for bit; ``tests/test_scaleout.py`` checks it on random partitions.

>>> import pandas as pd, rankwise
>>> from rankwise._partitions import EvalOptions, evaluate_partition, merge_partitions
>>> qrels = rankwise.Qrels({"q1": {"a": 1}, "q2": {"b": 1}, "q3": {"c": 2}})
>>> part1 = pd.DataFrame({"query_id": ["q1", "q1"], "doc_id": ["a", "x"], "score": [1.0, 2.0]})
>>> part2 = pd.DataFrame({"query_id": ["q2"], "doc_id": ["b"], "score": [0.5]})
>>> options = EvalOptions(missing="zero")
>>> parts = [evaluate_partition(p, qrels, ["RR"], options, partition=i)
...          for i, p in enumerate([part1, part2])]
>>> report = merge_partitions(parts, qrels, ["RR"], options)
>>> report.per_query, dict(report)
({'q1': {'RR': 0.5}, 'q2': {'RR': 1.0}, 'q3': {'RR': 0.0}}, {'RR': 0.5})
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from . import _native
from ._validation import integer
from .errors import InvalidValueError, RankwiseError, RankwiseTypeError
from .evaluate import Qrels, Run, _measure_list
from .report import Report

__all__ = [
    "EvalOptions",
    "PartitionResult",
    "as_qrels",
    "evaluate_partition",
    "merge_partitions",
]


def require(extra: str, *modules: str) -> Any:
    """An adapter's optional dependency, imported when first used: ``modules`` in turn (a
    package and the submodules it needs), returning the first; an ``ImportError`` with the
    message ``extra`` (what to install) when one is missing."""
    try:
        for module in modules:
            importlib.import_module(module)
    except ImportError as e:
        raise ImportError(extra) from e
    return sys.modules[modules[0]]


@dataclass(frozen=True)
class EvalOptions:
    """The options of :func:`rankwise.evaluate`, plus the run's columns and name."""

    missing: Literal["skip", "zero"] = "skip"
    rel_level: float = 1.0
    judged_only: bool = False
    max_docs: int | None = None
    score_precision: Literal["float32", "float64"] = "float32"
    query: str = "query_id"
    doc: str = "doc_id"
    score: str = "score"
    name: str | None = None

    def __post_init__(self) -> None:
        if self.missing not in ("skip", "zero"):
            raise InvalidValueError(f"`missing` must be 'skip' or 'zero'; got {self.missing!r}")
        if self.max_docs is not None:
            integer("max_docs", self.max_docs, minimum=1)
        if self.score_precision not in ("float32", "float64"):
            raise InvalidValueError(
                f"`score_precision` must be 'float32' or 'float64'; got {self.score_precision!r}"
            )
        for argument in ("query", "doc", "score"):
            if not isinstance(getattr(self, argument), str):
                raise RankwiseTypeError(
                    f"`columns` must name the {argument} column with a str; "
                    f"got {getattr(self, argument)!r}"
                )

    @property
    def columns(self) -> list[str]:
        return [self.query, self.doc, self.score]


def prepare(
    measures: str | Iterable[str],
    columns: Sequence[str],
    missing: Literal["skip", "zero"],
    rel_level: float,
    judged_only: bool,
    max_docs: int | None,
    score_precision: Literal["float32", "float64"],
    name: str | None,
) -> tuple[EvalOptions, list[str]]:
    """The checks every adapter makes before sending work: the columns, the options and the
    measure names (unknown ones fail here, not on a worker)."""
    if isinstance(columns, str) or len(columns) != 3:
        raise InvalidValueError(
            f"`columns` must name the (query, doc, score) columns; got {columns!r}"
        )
    query, doc, score = columns
    options = EvalOptions(
        missing=missing,
        rel_level=float(rel_level),
        judged_only=bool(judged_only),
        max_docs=max_docs,
        score_precision=score_precision,
        query=query,
        doc=doc,
        score=score,
        name=name,
    )
    names = [measures] if isinstance(measures, str) else list(measures)
    _native.measure_names(names)
    return options, names


def check_columns(argument: str, options: EvalOptions, available: Iterable[str]) -> None:
    """Every column of ``options`` is one of the table's (``argument`` names the table)."""
    have = list(available)
    for column in options.columns:
        if column not in have:
            raise InvalidValueError(
                f"`{argument}` has no column {column!r}; it has {have} "
                "(name the columns with `columns=(query, doc, score)`)"
            )


@dataclass(frozen=True)
class PartitionResult:
    """Per-query values of one partition: ``values[m, i]`` is measure ``m`` of
    ``query_ids[i]``."""

    partition: int
    query_ids: list[str]
    values: npt.NDArray[np.float64]


def as_qrels(qrels: Any) -> Qrels:
    """A :class:`Qrels` from a Qrels, a ``{query: {doc: label}}`` dict, or a table (pandas,
    polars, Arrow) with ``query_id``, ``doc_id`` and ``relevance`` columns."""
    if isinstance(qrels, Qrels):
        return qrels
    if isinstance(qrels, dict):
        return Qrels(qrels)
    module = type(qrels).__module__.split(".")[0]
    if module in ("pandas", "polars", "pyarrow"):
        return Qrels.from_frame(qrels)
    raise RankwiseTypeError(
        "`qrels` must be a rankwise.Qrels, a dict {query_id: {doc_id: label}} or a table "
        f"(pandas, polars, pyarrow) of query_id, doc_id, relevance; got {type(qrels).__name__}"
    )


def _in_partition(partition: int, error: RankwiseError) -> RankwiseError:
    return type(error)(f"partition {partition} of the run: {error}")


def _per_query(
    qrels: Qrels, run: Run, names: list[str], options: EvalOptions
) -> tuple[list[str], npt.NDArray[np.float64]]:
    """The kernel's per-query values of ``run`` under ``options``, for the judged queries it
    holds: ``missing="skip"`` always, as :func:`merge_partitions` places the absent ones."""
    _, query_ids, values, _ = _native.evaluate(
        qrels,
        run,
        names,
        rel_level=float(options.rel_level),
        judged_only=bool(options.judged_only),
        max_docs=options.max_docs,
        missing="skip",
    )
    return query_ids, values


def evaluate_partition(
    frame: Any,
    qrels: Qrels,
    measures: str | Iterable[str],
    options: EvalOptions,
    *,
    partition: int,
) -> PartitionResult:
    """Per-query values of the queries in ``frame`` (one partition of the run: a pandas or
    polars DataFrame or an Arrow table holding every row of its queries) that ``qrels``
    judges. Errors name the partition and the column."""
    names = _measure_list(measures)
    try:
        run = Run.from_frame(
            frame,
            query=options.query,
            doc=options.doc,
            score=options.score,
            name=options.name,
            score_precision=options.score_precision,
        )
    except RankwiseError as e:
        raise _in_partition(partition, e) from None
    judged = [q in qrels for q in run.query_ids]
    if not any(judged):
        width = len(_native.measure_names(names))  # "official" and "P.5,10" expand
        return PartitionResult(partition, [], np.empty((width, 0), dtype=np.float64))
    try:
        query_ids, values = _per_query(qrels, run, names, options)
    except RankwiseError as e:
        raise _in_partition(partition, e) from None
    return PartitionResult(partition, query_ids, values)


def merge_partitions(
    parts: Iterable[PartitionResult],
    qrels: Qrels,
    measures: str | Iterable[str],
    options: EvalOptions,
) -> Report:
    """The :class:`Report` of the whole run from the results of its partitions, in any
    order; equal, bit for bit, to ``rankwise.evaluate`` on the whole run."""
    names = _native.measure_names(_measure_list(measures))
    where: dict[str, int] = {}
    blocks: list[npt.NDArray[np.float64]] = []
    ids: list[str] = []
    for part in parts:
        for q in part.query_ids:
            seen = where.setdefault(q, part.partition)
            if seen != part.partition or len(where) != len(ids) + 1:
                raise InvalidValueError(
                    f"the run must hold each query's rows in one partition; query {q!r} is in "
                    f"partitions {seen} and {part.partition} (pass sorted_by_qid=False to "
                    "shuffle the run by query id)"
                )
            ids.append(q)
        blocks.append(part.values)
    if options.missing == "zero":
        absent = [q for q in qrels.query_ids if q not in where]
        if absent:
            # The kernel scores a query without documents as Missing::Zero does.
            empty = Run({q: {} for q in absent})
            absent_ids, absent_values = _per_query(qrels, empty, _measure_list(measures), options)
            ids.extend(absent_ids)
            blocks.append(absent_values)
    if not ids:
        raise InvalidValueError(
            f"`run` must hold at least one query that the qrels judge; got no query in common "
            f"(qrels has {len(qrels)} queries: {', '.join(map(repr, qrels.query_ids[:3]))}...)"
        )
    values = np.concatenate(blocks, axis=1) if len(blocks) > 1 else blocks[0]
    # The order of `rankwise.evaluate`: the qrels' query order.
    position = {q: i for i, q in enumerate(qrels.query_ids)}
    order = np.argsort(np.fromiter((position[q] for q in ids), np.int64, len(ids)), kind="stable")
    values = np.ascontiguousarray(values[:, order], dtype=np.float64)
    query_ids: Sequence[str] = [ids[i] for i in order]
    summary = _native.summarize(_measure_list(measures), values)
    return Report(names, query_ids, values, summary.tolist(), options.name)
