"""Evaluate runs too large for one machine on a Dask cluster, with the same results.

:func:`evaluate` takes a Dask DataFrame of run rows (``query_id``, ``doc_id``, ``score``)
and returns the very :class:`~rankwise.Report` that :func:`rankwise.evaluate` gives on the
whole run, bit for bit:

1. the qrels (small) are sent once to every worker (``Client.scatter(broadcast=True)`` when a
   distributed client is active, one graph node otherwise);
2. every input partition is checked (its columns and their types; an error names the
   partition and the column);
3. the run is shuffled by query id so that each query's rows share a partition (skipped with
   ``sorted_by_qid=True`` when the data is already partitioned by query);
4. each partition becomes a :class:`~rankwise.Run` through Arrow buffers and is evaluated by
   the Rust kernel of :func:`rankwise.evaluate`; only per-query values travel back;
5. the driver adds the queries the run misses (``missing="zero"``) from the qrels and takes
   the means once, with the exactly rounded sum that :func:`rankwise.evaluate` uses, so
   neither the partitioning nor the order in which partitions finish can change a bit.

Needs ``pip install 'rankwise[dask]'`` (``dask[dataframe]``, ``distributed``); Dask is
imported when :func:`evaluate` runs, not with this module.

>>> import dask, dask.dataframe as dd, pandas as pd
>>> import rankwise, rankwise.dask
>>> qrels = {"q1": {"a": 1, "b": 0}, "q2": {"c": 2}, "q3": {"d": 1}}
>>> rows = pd.DataFrame({"query_id": ["q1", "q1", "q2", "q2"],
...                      "doc_id": ["a", "b", "c", "x"],
...                      "score": [0.2, 0.9, 0.5, 0.5]})
>>> run_ddf = dd.from_pandas(rows, npartitions=2)
>>> with dask.config.set(scheduler="synchronous"):
...     report = rankwise.dask.evaluate(run_ddf, qrels, ["nDCG@10", "RR"])
>>> report
Report over 2 queries
  nDCG@10  0.6309
  RR       0.5000
>>> report == rankwise.evaluate(qrels, rankwise.Run.from_frame(rows), ["nDCG@10", "RR"])
True
>>> with dask.config.set(scheduler="synchronous"):
...     rankwise.dask.evaluate(run_ddf, qrels, "RR", missing="zero", per_query=True)
{'q1': {'RR': 0.5}, 'q2': {'RR': 0.5}, 'q3': {'RR': 0.0}}
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal

from . import _partitions
from .errors import InvalidValueError, RankwiseTypeError
from .evaluate import Qrels
from .report import Report

__all__ = ["evaluate"]

_EXTRA = "rankwise.dask needs Dask: pip install 'rankwise[dask]' (dask[dataframe], distributed)"


def _client() -> Any:
    """The distributed client that will run the graph, if the current scheduler is one."""
    from dask.base import get_scheduler

    scheduler = get_scheduler()  # type: ignore[no-untyped-call]
    client = getattr(scheduler, "__self__", None)
    return client if client is not None and hasattr(client, "scatter") else None


def _check_partition(
    frame: Any, options: _partitions.EvalOptions, partition_info: dict[str, Any] | None = None
) -> Any:
    """One input partition, unchanged, once its columns are known to be usable."""
    import pandas as pd

    number = partition_info["number"] if partition_info else "?"
    if frame is None or not hasattr(frame, "columns"):
        raise RankwiseTypeError(
            f"partition {number} of `run_ddf` must be a pandas DataFrame; "
            f"got {type(frame).__name__}"
        )
    for column in options.columns:
        if column not in frame.columns:
            raise InvalidValueError(
                f"partition {number} of `run_ddf` has no column {column!r}; "
                f"it has {list(frame.columns)}"
            )
    scores = frame[options.score]
    if not (pd.api.types.is_numeric_dtype(scores) or pd.api.types.is_bool_dtype(scores)):
        raise RankwiseTypeError(
            f"partition {number} of `run_ddf`: column {options.score!r} must hold numbers; "
            f"got dtype {scores.dtype}"
        )
    return frame


def _evaluate_part(
    frame: Any, qrels: Qrels, measures: list[str], options: _partitions.EvalOptions, partition: int
) -> _partitions.PartitionResult:
    return _partitions.evaluate_partition(frame, qrels, measures, options, partition=partition)


def evaluate(
    run_ddf: Any,
    qrels: Any,
    measures: str | Iterable[str],
    *,
    sorted_by_qid: bool = False,
    per_query: bool = False,
    columns: Sequence[str] = ("query_id", "doc_id", "score"),
    name: str | None = None,
    rel_level: float = 1,
    missing: Literal["skip", "zero"] = "skip",
    judged_only: bool = False,
    max_docs: int | None = None,
    score_precision: Literal["float32", "float64"] = "float32",
) -> Report | dict[str, dict[str, float]]:
    """Evaluate a run held in a Dask DataFrame; the same result as :func:`rankwise.evaluate`.

    Parameters
    ----------
    run_ddf : dask.dataframe.DataFrame
        One row per retrieved document, with query id, document id and score columns (ids as
        strings or integers; scores of any real type). Rows may be in any order.
    qrels : Qrels, dict, or a pandas/polars/Arrow or Dask table
        The judgements: a :class:`~rankwise.Qrels`, ``{query_id: {doc_id: label}}``, or a
        table with ``query_id``, ``doc_id``, ``relevance`` columns (a Dask DataFrame is
        computed first: the qrels are sent whole to every worker).
    measures : str or iterable of str
        As in :func:`rankwise.evaluate`.
    sorted_by_qid : bool, default False
        The run is already partitioned by query id (every row of a query in one partition,
        e.g. read from files written per query range): skip the shuffle. A query found in two
        partitions is then an error.
    per_query : bool, default False
        Return ``{query_id: {measure: value}}`` instead of the :class:`Report`.
    columns : (query, doc, score), default ("query_id", "doc_id", "score")
        Names of the run's columns.
    name : str, optional
        The run's name (``Report.run_name``).
    rel_level, missing, judged_only, max_docs, score_precision
        As in :func:`rankwise.evaluate` and :class:`rankwise.Run`.

    Returns
    -------
    Report
        Equal, bit for bit (per-query values, query order, means), to
        ``rankwise.evaluate(qrels, rankwise.Run.from_frame(run_ddf.compute()), measures)``.

    The work runs on the current Dask scheduler (a ``distributed.Client`` if one is active).
    A worker lost mid-way is recomputed by Dask; the report is unchanged.
    """
    dask = _partitions.require(_EXTRA, "dask", "dask.dataframe")
    import dask.dataframe as dd

    if not isinstance(run_ddf, dd.DataFrame):
        raise RankwiseTypeError(
            f"`run_ddf` must be a dask.dataframe.DataFrame; got {type(run_ddf).__name__}"
        )
    options, names = _partitions.prepare(
        measures, columns, missing, rel_level, judged_only, max_docs, score_precision, name
    )
    if isinstance(qrels, dd.DataFrame):
        qrels = qrels.compute()  # type: ignore[no-untyped-call]
    built = _partitions.as_qrels(qrels)
    _partitions.check_columns("run_ddf", options, run_ddf.columns)

    meta = run_ddf._meta[options.columns]
    checked = run_ddf[options.columns].map_partitions(_check_partition, options, meta=meta)
    if not sorted_by_qid:
        checked = checked.shuffle(on=options.query)
    client = _client()
    shared: Any = (
        client.scatter(built, broadcast=True, hash=False)
        if client is not None
        else dask.delayed(built)
    )
    tasks = [
        dask.delayed(_evaluate_part, pure=True)(part, shared, names, options, i)
        for i, part in enumerate(checked.to_delayed())
    ]
    parts: tuple[_partitions.PartitionResult, ...] = dask.compute(*tasks)
    report = _partitions.merge_partitions(parts, built, names, options)
    return report.per_query if per_query else report
