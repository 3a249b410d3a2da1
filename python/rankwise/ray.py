"""Rerank millions of queries with GPU models on a Ray cluster, with the same orders.

:func:`rerank` maps a Ray Dataset of queries (one row per query) through a pool of Ray
actors. Each actor builds its model **once**, with ``ranker_factory()`` (the model itself is
never pickled; the factory is), and runs the single-machine driver
:func:`rankwise.rerank.rerank` **to completion** on every block of ``queries_per_call``
queries it receives: model calls batched across the block's queries, ``batch_size`` at a
time, strategies as Rust state machines. Ray Data streams the input (Parquet, Arrow, ...) in
and the results out.

Input columns (names configurable):

* ``query_id``: the query's id (string or integer), copied to the output;
* ``query``: what the ranker receives as the query (text, usually);
* ``candidates``: a list per query of what the ranker receives as candidates (passage
  texts; for the simulated :class:`~rankwise.rerank.OracleRanker`, relevance grades);
* ``doc_ids`` (optional): a list of the candidates' document ids, in the same order.

Output columns: ``query_id``; ``order`` (candidate indices, best first); ``doc_ids`` (the
ids in that order, when the input has them); ``calls``, ``depth``, ``repaired`` (model calls,
rounds of dependent calls and repaired answers of the query).

**Same results as one machine.** A query's order depends only on the answers to its own
calls, so it does not depend on which actor or block it lands in *as long as the ranker
answers each call independently of the others in its batch*. Simulated rankers do; real
models mostly do, but batch-dependent numerics can change an LLM's output: fp16/bf16 kernels
pick different reduction orders for different batch shapes, and padding a prompt to a
batch's longest one shifts logits slightly, so a near-tie can flip when the same prompt is
batched with other prompts. Pass ``cache=`` (an SQLite path on shared storage) to make reruns
reproducible: every answer is stored under its ranker id and prompt content, and a rerun, a
retried block or a restarted actor reads it back instead of asking the model again.

**Faults.** Ray restarts a dead actor and retries its block (Ray Data's defaults for actor
pools); the block is reranked again from the start, reading answers already given from the
cache. A ranker that raises inside an actor is retried ``retries`` times through the driver's
resume (finished queries are kept, the failed batch is asked again).

Needs ``pip install 'rankwise[ray]'`` (``ray[data]``); Ray is imported when :func:`rerank`
runs. On a small machine keep ``num_actors * num_cpus`` below the cluster's CPUs: a pool that
takes every CPU leaves none for reading blocks and hangs (ray-project/ray#44687).

>>> from functools import partial
>>> import pyarrow as pa
>>> from rankwise.ray import RerankBlock
>>> from rankwise.rerank import OracleRanker, SlidingWindow
>>> block = pa.table({"query_id": ["q1", "q2"], "query": ["cats", "dogs"],
...                   "candidates": [[0, 3, 1], [2, 0]], "doc_ids": [["a", "b", "c"], ["d", "e"]]})
>>> actor = RerankBlock(partial(OracleRanker, 0.0), SlidingWindow())
>>> actor(block).to_pydict()["doc_ids"]
[['b', 'c', 'a'], ['d', 'e']]

On a cluster (``ds`` read from Parquet with the columns above)::

    import rankwise.ray
    out = rankwise.ray.rerank(ds, partial(MyCrossEncoder, "path/to/weights"), SlidingWindow(),
                              queries_per_call=1024, batch_size=64, num_actors=8, num_gpus=1,
                              cache="/shared/answers.sqlite")
    out.write_parquet("s3://bucket/reranked/")
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from ._partitions import require
from ._validation import path
from .errors import InvalidValueError, RankwiseTypeError, RerankInterruptedError
from .rerank.cache import AnswerCache
from .rerank.driver import rerank as _rerank
from .rerank.strategies import SlidingWindow, Strategy

__all__ = ["RerankBlock", "build_labels", "rerank"]

_EXTRA = "rankwise.ray needs Ray Data: pip install 'rankwise[ray]' (ray[data])"


def _positive(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        kind = "a positive" if minimum == 1 else "a non-negative"
        raise InvalidValueError(f"`{name}` must be {kind} integer; got {value!r}")
    return value


def _check(ranker_factory: Any, strategy: Any, batch_size: Any, retries: Any) -> None:
    """What an actor needs, checked by :class:`RerankBlock` and, before any actor starts, by
    :func:`rerank` where the user called."""
    if not callable(ranker_factory):
        raise RankwiseTypeError(
            f"`ranker_factory` must be a callable that builds the ranker; "
            f"got {type(ranker_factory).__name__}"
        )
    if not isinstance(strategy, Strategy):
        raise RankwiseTypeError(
            f"`strategy` must be a rankwise.rerank strategy (SlidingWindow, Setwise, ...); "
            f"got {type(strategy).__name__}"
        )
    _positive("batch_size", batch_size)
    _positive("retries", retries, minimum=0)


class RerankBlock:
    """What each Ray actor runs: holds one ranker (``ranker_factory()``, built once) and
    reranks each block of queries it is given with :func:`rankwise.rerank.rerank`, to
    completion. Callable on a pyarrow Table (Ray's ``batch_format="pyarrow"``) or a mapping of
    column name to sequence; returns a pyarrow Table (schema in the module docs)."""

    def __init__(
        self,
        ranker_factory: Callable[[], Any],
        strategy: Strategy,
        *,
        batch_size: int = 32,
        cache: str | os.PathLike[str] | None = None,
        retries: int = 2,
        id_column: str = "query_id",
        query_column: str = "query",
        candidates_column: str = "candidates",
        doc_ids_column: str = "doc_ids",
        rerank_options: Mapping[str, Any] | None = None,
        label_text: bool = False,
    ) -> None:
        _check(ranker_factory, strategy, batch_size, retries)
        self.batch_size = batch_size
        self.retries = retries
        self.strategy = strategy
        self.columns = (id_column, query_column, candidates_column, doc_ids_column)
        self.options = dict(rerank_options or {})
        self.label_text = bool(label_text)
        self.cache = None if cache is None else AnswerCache(cache)
        self.ranker = ranker_factory()

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        id_column, query_column, candidates_column, doc_ids_column = self.columns
        data = batch.to_pydict() if hasattr(batch, "to_pydict") else dict(batch)
        for column in (id_column, query_column, candidates_column):
            if column not in data:
                raise InvalidValueError(
                    f"the block of queries must have a column {column!r}; it has {sorted(data)}"
                )
        query_ids = list(data[id_column])
        queries = list(data[query_column])
        candidates = [list(c) for c in data[candidates_column]]
        doc_ids = data.get(doc_ids_column)
        for attempt in range(self.retries + 1):
            try:
                result = _rerank(
                    queries,
                    candidates,
                    self.ranker,
                    self.strategy,
                    batch_size=self.batch_size,
                    cache=self.cache,
                    progress=False,
                    **self.options,
                )
                break
            except RerankInterruptedError:
                # The driver kept its state for these very objects: calling again resumes.
                if attempt == self.retries:
                    raise
        out: dict[str, Any] = {
            id_column: query_ids,
            "order": result.orders,
        }
        if doc_ids is not None:
            out[doc_ids_column] = [
                [shown[i] for i in order]
                for shown, order in zip(map(list, doc_ids), result.orders, strict=True)
            ]
        out["calls"] = result.calls
        out["depth"] = result.depth
        out["repaired"] = result.repaired
        if self.label_text:
            from .labels import ranking_text

            sizes = [len(o) for o in result.orders]
            flat = [i for o in result.orders for i in o]
            offsets = [0]
            for n in sizes:
                offsets.append(offsets[-1] + n)
            out["label"] = ranking_text(flat, offsets=offsets) if sizes else []
        schema = [
            pa.field("order", pa.list_(pa.int64())),
            pa.field("calls", pa.int64()),
            pa.field("depth", pa.int64()),
            pa.field("repaired", pa.int64()),
            pa.field("label", pa.string()),
        ]
        types = {f.name: f.type for f in schema}
        if isinstance(batch, pa.Table):
            # Ids keep their input types, so every block has the same schema (even empty).
            for name in (id_column, doc_ids_column):
                if name in batch.column_names:
                    types[name] = batch.schema.field(name).type
        return pa.table(
            {name: pa.array(values, type=types.get(name)) for name, values in out.items()}
        )


def rerank(
    ds: Any,
    ranker_factory: Callable[[], Any],
    strategy: Strategy,
    *,
    queries_per_call: int = 1024,
    batch_size: int = 64,
    num_actors: int = 1,
    num_gpus: float = 0,
    num_cpus: float = 1,
    cache: str | os.PathLike[str] | None = None,
    retries: int = 2,
    id_column: str = "query_id",
    query_column: str = "query",
    candidates_column: str = "candidates",
    doc_ids_column: str = "doc_ids",
    max_tasks_in_flight_per_actor: int = 2,
    label_text: bool = False,
    **rerank_options: Any,
) -> Any:
    """Rerank every query of a Ray Dataset on a pool of actors; lazy, like every Ray Data
    transformation (nothing runs until the result is written or consumed).

    Parameters
    ----------
    ds : ray.data.Dataset
        One row per query: ``query_id``, ``query``, ``candidates`` and optionally ``doc_ids``
        (module docs).
    ranker_factory : callable
        Builds the ranker (a :class:`~rankwise.rerank.ListwiseRanker`, ...). Called once in
        each actor; pickled (so a ``functools.partial`` of a class and a weights path, not a
        loaded model).
    strategy : Strategy
        A :mod:`rankwise.rerank` strategy (``SlidingWindow()``, ``Setwise()``, ...).
    queries_per_call : int, default 1024
        Queries per block handed to an actor (Ray's ``batch_size`` of ``map_batches``): the
        driver batches model calls across them.
    batch_size : int, default 64
        Model calls per ranker invocation (the driver's ``batch_size``).
    num_actors : int, default 1
        Size of the actor pool (one model each).
    num_gpus, num_cpus : float, default 0 and 1
        Resources of each actor: ``num_gpus=1`` gives each model a GPU.
    cache : path, optional
        An SQLite answer cache (:class:`~rankwise.rerank.AnswerCache`) every actor opens: reruns
        and retried blocks reuse answers instead of asking the model again.
    retries : int, default 2
        Times a block is resumed after the ranker raised, before the error reaches Ray.
    id_column, query_column, candidates_column, doc_ids_column : str
        Column names.
    max_tasks_in_flight_per_actor : int, default 2
        Blocks queued per actor, so that it does not idle between blocks.
    label_text : bool, default False
        Add a ``label`` column: the order as a generative listwise ranker's target text
        (``"[3] > [1] > [2]"``, identifiers = 1-based positions in ``candidates``).
    **rerank_options
        Passed to :func:`rankwise.rerank.rerank` (``ids``, ``first_id``, ``on_problem``).

    Returns
    -------
    ray.data.Dataset
        One row per query: ``query_id``, ``order``, ``doc_ids`` (if given), ``calls``,
        ``depth``, ``repaired``. Rows come in the order blocks finish; sort by ``query_id``
        (or join) to compare.
    """
    ray = require(_EXTRA, "ray", "ray.data")
    if not isinstance(ds, ray.data.Dataset):
        raise RankwiseTypeError(f"`ds` must be a ray.data.Dataset; got {type(ds).__name__}")
    _positive("queries_per_call", queries_per_call)
    _positive("num_actors", num_actors)
    _positive("max_tasks_in_flight_per_actor", max_tasks_in_flight_per_actor)
    kwargs: dict[str, Any] = {
        "batch_size": batch_size,
        "cache": None if cache is None else path("cache", cache),
        "retries": retries,
        "id_column": id_column,
        "query_column": query_column,
        "candidates_column": candidates_column,
        "doc_ids_column": doc_ids_column,
        "rerank_options": rerank_options,
        "label_text": label_text,
    }
    # Fail here, not in an actor: the same checks the actors will make (no ranker built).
    _check(ranker_factory, strategy, batch_size, retries)
    return ds.map_batches(
        RerankBlock,
        fn_constructor_args=(ranker_factory, strategy),
        fn_constructor_kwargs=kwargs,
        batch_size=queries_per_call,
        batch_format="pyarrow",
        compute=ray.data.ActorPoolStrategy(
            size=num_actors, max_tasks_in_flight_per_actor=max_tasks_in_flight_per_actor
        ),
        num_cpus=num_cpus,
        num_gpus=num_gpus,
    )


def build_labels(
    ds: Any,
    teacher_factory: Callable[[], Any],
    *,
    window: int = 20,
    step: int = 10,
    max_candidates: int = 100,
    **options: Any,
) -> Any:
    """Complete listwise training labels for every query of a Ray Dataset, by fullrank's
    construction (:func:`rankwise.labels.fullrank_labels`: shrinking sliding-window passes
    of a listwise teacher, 45 windows for 100 candidates) on a pool of actors, each holding
    one teacher. ``max_candidates`` is the longest candidate list (it sets the passes).
    ``options`` are those of :func:`rerank` (``queries_per_call``, ``batch_size``,
    ``num_actors``, ``num_gpus``, ``cache``, ...). Returns :func:`rerank`'s rows plus
    ``label``, the target text of a generative listwise ranker.
    """
    strategy = SlidingWindow(window=window, step=step, top_k=max(1, int(max_candidates)))
    return rerank(ds, teacher_factory, strategy, label_text=True, **options)
