"""Tables in and out: pandas and polars DataFrames and pyarrow Tables as Qrels and Runs.

Columns cross into Rust as Arrow buffers (string offsets and bytes, float64 values), never as
one Python object per row, and come back the same way::

    qrels = rankwise.Qrels.from_frame(df)                      # query_id, doc_id, relevance
    run = rankwise.Run.from_frame(pl_df, query="qid", doc="docno", score="score")
    run.to_pandas()                                            # query_id, doc_id, score, rank
    run.to_polars(); run.to_arrow(); run.to_trec("run.txt.gz")

Needs pyarrow (``pip install 'rankwise[pandas]'`` or ``'rankwise[polars]'``). Id columns
may hold strings or integers (integers are written in decimal); value columns any real
number type. Missing values (null, NaN ids) are refused with the row that holds them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .errors import InvalidValueError, RankwiseTypeError

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["arrow_table", "columns"]

StringBuffers = tuple[npt.NDArray[Any], npt.NDArray[np.uint8]]


def _pyarrow() -> Any:
    try:
        import pyarrow as pa
    except ImportError as e:  # pragma: no cover - exercised without pyarrow only
        message = "tables need pyarrow: pip install 'rankwise[pandas]' (or [polars])"
        raise ImportError(message) from e
    return pa


def _as_table(frame: Any, names: list[str]) -> pa.Table:
    """The named columns of a pandas/polars DataFrame or pyarrow Table/RecordBatch."""
    pa = _pyarrow()
    names = list(dict.fromkeys(names))  # one column may serve twice
    module = type(frame).__module__.split(".")[0]
    if isinstance(frame, pa.RecordBatch):
        frame = pa.Table.from_batches([frame])
    if isinstance(frame, pa.Table):
        table = frame
    elif module == "pandas":
        missing = [n for n in names if n not in frame.columns]
        if missing:
            raise InvalidValueError(
                f"the DataFrame has no column {missing[0]!r}; it has {list(frame.columns)}"
            )
        try:
            table = pa.Table.from_pandas(frame[names], preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
            # e.g. an object column mixing str and int ids
            raise RankwiseTypeError(f"could not read the DataFrame's columns: {e}") from e
    elif module == "polars":
        missing = [n for n in names if n not in frame.columns]
        if missing:
            raise InvalidValueError(
                f"the DataFrame has no column {missing[0]!r}; it has {frame.columns}"
            )
        table = frame.select(names).to_arrow()
    else:
        raise RankwiseTypeError(
            "expected a pandas or polars DataFrame or a pyarrow Table; "
            f"got {type(frame).__module__}.{type(frame).__name__}"
        )
    missing = [n for n in names if n not in table.column_names]
    if missing:
        raise InvalidValueError(
            f"the table has no column {missing[0]!r}; it has {table.column_names}"
        )
    return table


def _first_null(column: Any) -> int:
    pa = _pyarrow()
    import pyarrow.compute as pc

    mask = pc.is_null(column, nan_is_null=pa.types.is_floating(column.type))
    return int(pc.index(mask, True).as_py())


def _string_buffers(table: pa.Table, name: str) -> StringBuffers:
    """Arrow (offsets, bytes) of an id column, cast to strings when it holds integers."""
    pa = _pyarrow()
    column = table.column(name)
    kind = column.type
    if pa.types.is_dictionary(kind):
        column, kind = column.cast(kind.value_type), kind.value_type
    if pa.types.is_integer(kind) or pa.types.is_string_view(kind):
        column, kind = column.cast(pa.large_string()), pa.large_string()
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        raise RankwiseTypeError(f"column {name!r} must hold strings or integers; got {kind}")
    if column.null_count:
        raise InvalidValueError(f"column {name!r} has a missing value at row {_first_null(column)}")
    array = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    _, offsets_buffer, data_buffer = array.buffers()
    dtype = np.int64 if pa.types.is_large_string(kind) else np.int32
    offsets = np.frombuffer(offsets_buffer, dtype=dtype)[
        array.offset : array.offset + len(array) + 1
    ]
    # Buffers unpickled from another process (Dask, Ray, Spark) can sit at any address; Rust
    # borrows only aligned slices, so a misaligned one is copied once.
    offsets = np.require(offsets, requirements=["C", "A"])
    data = (
        np.frombuffer(data_buffer, dtype=np.uint8)
        if data_buffer is not None
        else np.empty(0, dtype=np.uint8)
    )
    return offsets, data


def _values(table: pa.Table, name: str) -> npt.NDArray[np.float64]:
    pa = _pyarrow()
    column = table.column(name)
    kind = column.type
    if not (pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind)):
        raise RankwiseTypeError(f"column {name!r} must hold numbers; got {kind}")
    if column.null_count:
        raise InvalidValueError(
            f"column {name!r} has a missing value (null or NaN) at row {_first_null(column)}"
        )
    values: npt.NDArray[np.float64] = np.require(
        column.to_numpy(), dtype=np.float64, requirements=["C", "A"]
    )
    return values


def columns(
    frame: Any, query: str, doc: str, value: str
) -> tuple[
    npt.NDArray[Any],
    npt.NDArray[np.uint8],
    npt.NDArray[Any],
    npt.NDArray[np.uint8],
    npt.NDArray[np.float64],
]:
    """Buffers of the query, doc and value columns of ``frame`` (called from Rust)."""
    for argument, name in (("query", query), ("doc", doc), ("value", value)):
        if not isinstance(name, str):
            raise RankwiseTypeError(f"`{argument}` must be a column name (str); got {name!r}")
    table = _as_table(frame, [query, doc, value])
    query_offsets, query_data = _string_buffers(table, query)
    doc_offsets, doc_data = _string_buffers(table, doc)
    return query_offsets, query_data, doc_offsets, doc_data, _values(table, value)


def arrow_table(
    names: list[str],
    query_offsets: npt.NDArray[np.int64],
    query_data: npt.NDArray[np.uint8],
    doc_offsets: npt.NDArray[np.int64],
    doc_data: npt.NDArray[np.uint8],
    values: list[npt.NDArray[Any]],
) -> pa.Table:
    """A pyarrow Table over buffers built in Rust (no copy of the strings)."""
    pa = _pyarrow()
    n = len(query_offsets) - 1

    def strings(offsets: npt.NDArray[np.int64], data: npt.NDArray[np.uint8]) -> Any:
        return pa.LargeStringArray.from_buffers(
            n, pa.py_buffer(offsets), pa.py_buffer(data) if len(data) else pa.py_buffer(b"")
        )

    arrays = [strings(query_offsets, query_data), strings(doc_offsets, doc_data)]
    arrays += [pa.array(v) for v in values]
    return pa.Table.from_arrays(arrays, names=names)
