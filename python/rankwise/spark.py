"""Evaluate runs held in Spark (a lakehouse table, a query log) with the same results.

:func:`evaluate` takes a Spark DataFrame of run rows (``query_id``, ``doc_id``, ``score``)
and returns the very :class:`~rankwise.Report` that :func:`rankwise.evaluate` gives on the
whole run, bit for bit:

1. the qrels (small) are broadcast to the executors (``SparkContext.broadcast``; a
   :class:`~rankwise.Qrels` pickles as compact columnar bytes);
2. the run is repartitioned by the hash of its query id, so each query's rows share a
   partition;
3. each partition arrives as Arrow record batches (``mapInArrow``: no pandas, no Python
   object per row), becomes a :class:`~rankwise.Run` and is evaluated by the Rust kernel of
   :func:`rankwise.evaluate`; one row per partition (its query ids and values) comes back;
4. the driver adds the queries the run misses (``missing="zero"``) from the qrels and takes
   the means once, with the exactly rounded sum that :func:`rankwise.evaluate` uses.

Needs ``pip install 'rankwise[spark]'`` (``pyspark``) and a JVM; pyspark is imported when
:func:`evaluate` runs. The executors' Python must have rankwise installed: set
``PYSPARK_PYTHON`` to that interpreter (Spark otherwise starts ``python3`` from ``PATH``).

Example (not run by the doctests: a Spark session takes 6-8 s to start)::

    from pyspark.sql import SparkSession
    import rankwise.spark

    spark = SparkSession.builder.master("local[2]").getOrCreate()
    run_sdf = spark.read.parquet("runs/bm25/")            # query_id, doc_id, score
    report = rankwise.spark.evaluate(run_sdf, rankwise.Qrels.from_trec("qrels.txt"),
                                     ["nDCG@10", "AP"], missing="zero")
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Literal

import numpy as np

from ._partitions import (
    EvalOptions,
    PartitionResult,
    as_qrels,
    check_columns,
    evaluate_partition,
    prepare,
    require,
)
from ._partitions import merge_partitions as _merge
from .errors import RankwiseTypeError
from .evaluate import measure_names
from .report import Report

__all__ = ["evaluate"]

_EXTRA = "rankwise.spark needs PySpark: pip install 'rankwise[spark]' (pyspark, and a JVM)"


def _partition_function(broadcast: Any, names: list[str], options: EvalOptions) -> Any:
    """The function ``mapInArrow`` runs on each partition (a closure shipped by pickle)."""

    def evaluate_batches(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa
        from pyspark import TaskContext

        context = TaskContext.get()
        number = context.partitionId() if context is not None else -1
        chunks = list(batches)
        if not chunks or sum(b.num_rows for b in chunks) == 0:
            return
        table = pa.Table.from_batches(chunks)
        result = evaluate_partition(table, broadcast.value, names, options, partition=number)
        yield pa.RecordBatch.from_pydict(
            {
                "partition": [number],
                "query_ids": [result.query_ids],
                "values": [np.ascontiguousarray(result.values).ravel().tolist()],
            }
        )

    return evaluate_batches


def evaluate(
    run_sdf: Any,
    qrels: Any,
    measures: str | Iterable[str],
    *,
    per_query: bool = False,
    columns: Sequence[str] = ("query_id", "doc_id", "score"),
    name: str | None = None,
    rel_level: float = 1,
    missing: Literal["skip", "zero"] = "skip",
    judged_only: bool = False,
    max_docs: int | None = None,
    score_precision: Literal["float32", "float64"] = "float32",
    num_partitions: int | None = None,
) -> Report | dict[str, dict[str, float]]:
    """Evaluate a run held in a Spark DataFrame; the same result as :func:`rankwise.evaluate`.

    Parameters
    ----------
    run_sdf : pyspark.sql.DataFrame
        One row per retrieved document: query id and document id (strings or integers) and
        a numeric score. Rows may be in any order and any partitioning.
    qrels : Qrels, dict, or a pandas/polars/Arrow or Spark table
        The judgements (a Spark DataFrame is collected first: the qrels are sent whole to every
        executor).
    measures : str or iterable of str
        As in :func:`rankwise.evaluate`.
    per_query : bool, default False
        Return ``{query_id: {measure: value}}`` instead of the :class:`Report`.
    columns : (query, doc, score), default ("query_id", "doc_id", "score")
        Names of the run's columns.
    name : str, optional
        The run's name (``Report.run_name``).
    rel_level, missing, judged_only, max_docs, score_precision
        As in :func:`rankwise.evaluate` and :class:`rankwise.Run`.
    num_partitions : int, optional
        Partitions of the repartition by query id (default: ``spark.sql.shuffle.partitions``).

    Returns
    -------
    Report
        Equal, bit for bit, to ``rankwise.evaluate`` on the whole run.
    """
    require(_EXTRA, "pyspark", "pyspark.sql")
    from pyspark.sql import DataFrame
    from pyspark.sql import types as spark_types

    if not isinstance(run_sdf, DataFrame):
        raise RankwiseTypeError(
            f"`run_sdf` must be a pyspark.sql.DataFrame; got {type(run_sdf).__name__}"
        )
    options, names = prepare(
        measures, columns, missing, rel_level, judged_only, max_docs, score_precision, name
    )
    query, doc, score = options.columns
    fields = {f.name: f.dataType for f in run_sdf.schema.fields}
    check_columns("run_sdf", options, fields)
    if not isinstance(fields[score], spark_types.NumericType):
        raise RankwiseTypeError(
            f"`run_sdf`: column {score!r} must hold numbers (every partition shares the "
            f"DataFrame's schema); got {fields[score].simpleString()}"
        )
    for column in (query, doc):
        if not isinstance(fields[column], spark_types.StringType | spark_types.IntegralType):
            raise RankwiseTypeError(
                f"`run_sdf`: column {column!r} must hold strings or integers; "
                f"got {fields[column].simpleString()}"
            )
    if isinstance(qrels, DataFrame):
        qrels = qrels.toPandas()
    built = as_qrels(qrels)

    spark = run_sdf.sparkSession
    broadcast = spark.sparkContext.broadcast(built)
    schema = spark_types.StructType(
        [
            spark_types.StructField("partition", spark_types.LongType()),
            spark_types.StructField("query_ids", spark_types.ArrayType(spark_types.StringType())),
            spark_types.StructField("values", spark_types.ArrayType(spark_types.DoubleType())),
        ]
    )
    selected = run_sdf.select(query, doc, score)
    by_query = (
        selected.repartition(num_partitions, query)
        if num_partitions is not None
        else selected.repartition(query)
    )
    rows = by_query.mapInArrow(_partition_function(broadcast, names, options), schema).collect()
    try:
        width = len(measure_names(names))
        parts = [
            PartitionResult(
                int(row["partition"]),
                list(row["query_ids"]),
                np.asarray(row["values"], dtype=np.float64).reshape(width, -1),
            )
            for row in rows
        ]
        report = _merge(parts, built, names, options)
    finally:
        broadcast.unpersist()
    return report.per_query if per_query else report
