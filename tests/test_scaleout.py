"""Scale-out: the same results on Dask, Ray and Spark as on one machine, to the last bit.

Engine-free properties run always: pickling of the Rust-owned collections, partitioned
evaluation merged on the driver (what every adapter runs), and reranking in blocks of queries
(what every Ray actor runs). Engine tests run when the engine is installed: Dask (threads, plus
one process-based cluster for pickling), Ray (one session, single-actor pools, one killed
actor), Spark only with ``RANKWISE_TEST_SPARK=1``.
"""

from __future__ import annotations

import itertools
import os
import pickle
import random
import struct
from functools import partial

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rankwise
from rankwise._partitions import EvalOptions, evaluate_partition, merge_partitions
from rankwise.errors import InvalidValueError, RankwiseTypeError
from rankwise.ray import RerankBlock
from rankwise.rerank import (
    FullList,
    OracleRanker,
    Pairwise,
    Pointwise,
    Setwise,
    SlidingWindow,
    rerank,
)

from .strategies import LABELS, qrels_and_run

pytestmark = pytest.mark.slow  # scale-out: partitions, pickles, Ray blocks

MEASURES = [
    "official",
    "nDCG@10",
    "RR@5",
    "P@3",
    "R@10",
    "Bpref",
    "Judged@5",
    "ERR@10",
    "RBP(p=0.8)",
]


def bits(values: object) -> list[int]:
    flat = np.asarray(values, dtype=np.float64).ravel()
    return flat.view(np.uint64).tolist()


def assert_same_report(got: rankwise.Report, want: rankwise.Report) -> None:
    assert got.measures == want.measures
    assert got.query_ids == want.query_ids
    assert got.run_name == want.run_name
    assert bits(got.per_query_values) == bits(want.per_query_values)
    assert list(got) == list(want)
    assert bits(list(got.values())) == bits(list(want.values()))


def run_table(run: dict[str, dict[str, float]]) -> pa.Table:
    rows = [(q, d, s) for q, docs in run.items() for d, s in docs.items()]
    return pa.table(
        {
            "query_id": pa.array([r[0] for r in rows], pa.string()),
            "doc_id": pa.array([r[1] for r in rows], pa.string()),
            "score": pa.array([r[2] for r in rows], pa.float64()),
        }
    )


# ----------------------------------------------------------------------------------------
# Pickling


@settings(max_examples=100)
@given(
    qrels_and_run(min_docs=0),
    st.one_of(st.none(), st.text(max_size=8)),
    st.sampled_from(["float32", "float64"]),
)
def test_pickled_runs_and_qrels_round_trip_bit_for_bit(data, name, precision):
    qrels, run = data
    built = rankwise.Run(run, name=name, score_precision=precision)
    back = pickle.loads(pickle.dumps(built))
    assert back.name == built.name and back.score_precision == precision
    assert back.query_ids == built.query_ids
    got, want = back.to_dict(), built.to_dict()
    assert [list(d) for d in got.values()] == [list(d) for d in want.values()]  # rank order
    assert [struct.pack("<d", s) for d in got.values() for s in d.values()] == [
        struct.pack("<d", s) for d in want.values() for s in d.values()
    ]
    judged = rankwise.Qrels(qrels)
    judged_back = pickle.loads(pickle.dumps(judged))
    assert judged_back.to_dict() == judged.to_dict()
    assert judged_back.query_ids == judged.query_ids
    assert_same_report(
        rankwise.evaluate(judged_back, back, MEASURES), rankwise.evaluate(judged, built, MEASURES)
    )


def test_pickles_are_compact_columnar_bytes():
    rng = np.random.default_rng(0)
    n_q, n_d = 200, 500
    table = pa.table(
        {
            "query_id": np.repeat([f"q{i}" for i in range(n_q)], n_d),
            "doc_id": np.tile([f"doc{j}" for j in range(n_d)], n_q),
            "score": rng.random(n_q * n_d),
        }
    )
    run = rankwise.Run.from_frame(table, name="bm25")
    blob = pickle.dumps(run)
    # ids back to back, 4 bytes of length and 8 of score per row: no Python object per row
    assert len(blob) < 18 * n_q * n_d
    assert b"RWR1" in blob


def test_corrupt_pickled_state_is_an_error_not_a_crash():
    blob = pickle.dumps(rankwise.Run({"q": {"a": 1.0}}))
    cut = blob.replace(b"RWR1", b"RWQ1")
    with pytest.raises(InvalidValueError, match=r"`state` must be the bytes of a pickled"):
        pickle.loads(cut)
    with pytest.raises(InvalidValueError, match="truncated data"):
        rankwise.Qrels._from_state(b"RWQ1\x01")  # type: ignore[attr-defined]


# Strategies whose state machines this branch's bindings have (TopDown, Tournament and
# Groupwise configurations exist, their Rust specs are not bound yet).
STRATEGIES = [
    SlidingWindow(window=4, step=2),
    SlidingWindow(window=3, step=1, passes=2, direction="front_to_back"),
    FullList(),
    Setwise(method="heapsort", children=2, top_k=3),
    Setwise(method="bubblesort", children=3, top_k=2),
    Pairwise(method="allpair"),
    Pairwise(method="heapsort", top_k=3),
    Pairwise(method="sliding", top_k=2),
    Pointwise(),
]


@pytest.mark.parametrize("strategy", STRATEGIES, ids=repr)
def test_strategy_configurations_pickle(strategy):
    back = pickle.loads(pickle.dumps(strategy))
    assert back == strategy and hash(back) == hash(strategy)
    assert back.plan(9) == strategy.plan(9)


def test_simulated_rankers_pickle_with_their_random_state():
    ranker = OracleRanker(0.7, seed=3, position_bias=0.2)
    ranker.rank([("q", [0, 1, 2, 3])])  # advance the generator
    copy = pickle.loads(pickle.dumps(ranker))
    batch = [("q", [3, 1, 2, 0, 1]), ("q2", [1, 1, 0])]
    assert copy.rank(batch) == ranker.rank(batch)
    assert copy.ranker_id == ranker.ranker_id


# ----------------------------------------------------------------------------------------
# Partitioned evaluation, engine-free


@settings(max_examples=300)
@given(
    qrels_and_run(min_docs=0),
    st.integers(1, 5),
    st.randoms(use_true_random=False),
    st.sampled_from(["skip", "zero"]),
    st.sampled_from([1, 2]),
    st.booleans(),
    st.sampled_from([None, 3]),
)
def test_partitions_merged_equal_evaluate_on_the_whole_run_bit_for_bit(
    data, k, rnd, missing, rel_level, judged_only, max_docs
):
    qrels, run = data
    whole = run_table(run)
    if whole.num_rows == 0:
        return
    judged = rankwise.Qrels(qrels)
    whole_run = rankwise.Run.from_frame(whole, name="r")
    common = [q for q in whole_run.query_ids if q in judged]
    if not common and missing == "skip":
        return
    # Every query to one of k partitions, rows shuffled within and partitions in any order.
    assignment = {q: rnd.randrange(k) for q in run}
    rows = list(range(whole.num_rows))
    rnd.shuffle(rows)
    qids = whole.column("query_id").to_pylist()
    parts = [
        whole.take(pa.array([i for i in rows if assignment[qids[i]] == p], pa.int64()))
        for p in range(k)
    ]
    options = EvalOptions(
        missing=missing,
        rel_level=rel_level,
        judged_only=judged_only,
        max_docs=max_docs,
        name="r",
    )
    results = [
        evaluate_partition(t, judged, MEASURES, options, partition=p) for p, t in enumerate(parts)
    ]
    rnd.shuffle(results)
    got = merge_partitions(results, judged, MEASURES, options)
    want = rankwise.evaluate(
        judged,
        whole_run,
        MEASURES,
        missing=missing,
        rel_level=rel_level,
        judged_only=judged_only,
        max_docs=max_docs,
    )
    assert_same_report(got, want)


def test_tables_unpickled_at_odd_addresses_are_read():
    # Arrow buffers that arrive from another process (Dask, Ray, Spark) may be misaligned.
    def at_odd_address(data: bytes) -> pa.Buffer:
        return pa.py_buffer(b"\0" + data).slice(1)

    offsets = at_odd_address(np.array([0, 1, 3, 6], dtype=np.int32).tobytes())
    ids = pa.StringArray.from_buffers(3, offsets, pa.py_buffer(b"abbccc"))
    scores = pa.Array.from_buffers(
        pa.float64(), 3, [None, at_odd_address(np.array([0.5, 2.0, 1.0]).tobytes())]
    )
    table = pa.table({"query_id": ["q", "q", "q"], "doc_id": ids, "score": scores})
    assert rankwise.Run.from_frame(table).to_dict() == {"q": {"bb": 2.0, "ccc": 1.0, "a": 0.5}}


def test_partition_interning_cannot_change_tie_breaks():
    # Tied scores break on the doc-id strings (descending, byte-wise: x, d2, d10), not on the
    # order in which a partition happened to see (and intern) them.
    qrels = rankwise.Qrels({"q": {"d10": 1, "d2": 0}})
    part = pa.table({"query_id": ["q", "q", "q"], "doc_id": ["d2", "d10", "x"], "score": [1.0] * 3})
    options = EvalOptions()
    got = merge_partitions(
        [evaluate_partition(part, qrels, ["RR"], options, partition=0)], qrels, ["RR"], options
    )
    assert got["RR"] == 1 / 3
    reordered = part.take(pa.array([1, 2, 0], pa.int64()))
    assert evaluate_partition(reordered, qrels, ["RR"], options, partition=0).values.tolist() == [
        [1 / 3]
    ]


def test_a_query_in_two_partitions_is_refused():
    qrels = rankwise.Qrels({"q": {"a": 1}})
    options = EvalOptions()
    a = pa.table({"query_id": ["q"], "doc_id": ["a"], "score": [1.0]})
    b = pa.table({"query_id": ["q"], "doc_id": ["b"], "score": [2.0]})
    parts = [
        evaluate_partition(t, qrels, ["RR"], options, partition=i) for i, t in enumerate([a, b])
    ]
    with pytest.raises(InvalidValueError, match=r"query 'q' is in partitions 0 and 1"):
        merge_partitions(parts, qrels, ["RR"], options)


def test_malformed_partitions_name_the_partition_and_the_column():
    qrels = rankwise.Qrels({"q": {"a": 1}})
    options = EvalOptions()
    text_scores = pa.table({"query_id": ["q"], "doc_id": ["a"], "score": ["high"]})
    with pytest.raises(
        RankwiseTypeError, match=r"partition 3 of the run: column 'score' must hold numbers"
    ):
        evaluate_partition(text_scores, qrels, ["RR"], options, partition=3)
    no_docs = pa.table({"query_id": ["q"], "docno": ["a"], "score": [1.0]})
    with pytest.raises(
        InvalidValueError, match=r"partition 1 of the run: the table has no column 'doc_id'"
    ):
        evaluate_partition(no_docs, qrels, ["RR"], options, partition=1)
    nan = pa.table({"query_id": ["q"], "doc_id": ["a"], "score": [float("nan")]})
    with pytest.raises(
        InvalidValueError, match=r"partition 0 of the run: .*NaN for query \"q\", document \"a\""
    ):
        evaluate_partition(nan, qrels, ["RR"], options, partition=0)


# ----------------------------------------------------------------------------------------
# Reranking in blocks of queries, engine-free


@settings(max_examples=60)
@given(
    st.lists(st.lists(LABELS, min_size=0, max_size=9), min_size=1, max_size=12),
    st.sampled_from(STRATEGIES),
    st.lists(st.integers(1, 11), max_size=4),
    st.integers(1, 7),
    st.booleans(),
)
def test_reranking_blocks_of_queries_equals_the_single_machine_driver(
    grades, strategy, cuts, batch_size, as_text
):
    def ranker():
        return OracleRanker(0.0, position_bias=0.5, as_text=as_text)

    n = len(grades)
    query_ids = [f"q{i}" for i in range(n)]
    texts = [f"query {i}" for i in range(n)]
    doc_ids = [[f"{q}-d{j}" for j in range(len(g))] for q, g in zip(query_ids, grades, strict=True)]
    want = rerank(texts, grades, ranker(), strategy, batch_size=3, progress=False)
    bounds = sorted({0, n, *(c for c in cuts if c < n)})
    actor = RerankBlock(ranker, strategy, batch_size=batch_size)
    orders, reranked, calls = [], [], []
    for lo, hi in itertools.pairwise(bounds):
        block = pa.table(
            {
                "query_id": query_ids[lo:hi],
                "query": texts[lo:hi],
                "candidates": pa.array(grades[lo:hi], pa.list_(pa.int64())),
                "doc_ids": doc_ids[lo:hi],
            }
        )
        out = actor(block).to_pydict()
        assert out["query_id"] == query_ids[lo:hi]
        orders += out["order"]
        reranked += out["doc_ids"]
        calls += out["calls"]
    assert orders == want.orders
    assert calls == want.calls
    assert reranked == [[d[i] for i in o] for d, o in zip(doc_ids, want.orders, strict=True)]


class FailsOnce:
    """An oracle whose ``fail_at``-th call raises once (a transient model error)."""

    def __init__(self, fail_at: int = 2) -> None:
        self.inner = OracleRanker(0.0, position_bias=0.5)
        self.fail_at = fail_at
        self.seen = 0

    def rank(self, batch):
        self.seen += 1
        if self.seen == self.fail_at:
            raise RuntimeError("CUDA out of memory (simulated)")
        return self.inner.rank(batch)


def test_a_block_resumes_after_a_ranker_error():
    grades = [[random.Random(i).randrange(4) for _ in range(8)] for i in range(6)]
    block = {
        "query_id": list(range(6)),
        "query": [f"t{i}" for i in range(6)],
        "candidates": grades,
    }
    strategy = SlidingWindow(window=4, step=2)
    out = RerankBlock(FailsOnce, strategy, batch_size=2)(block).to_pydict()
    want = rerank(block["query"], grades, OracleRanker(0.0, position_bias=0.5), strategy)
    assert out["order"] == want.orders
    with pytest.raises(rankwise.errors.RerankInterruptedError, match="simulated"):
        RerankBlock(FailsOnce, strategy, batch_size=2, retries=0)(block)


def test_an_empty_block_keeps_the_schema():
    table = query_table(3, seed=1)
    actor = RerankBlock(OracleRanker, SlidingWindow())
    assert actor(table.slice(0, 0)).schema == actor(table).schema


def test_rerank_block_errors_name_the_column_and_the_argument():
    with pytest.raises(InvalidValueError, match=r"must have a column 'candidates'"):
        RerankBlock(OracleRanker, FullList())({"query_id": [1], "query": ["x"]})
    with pytest.raises(RankwiseTypeError, match=r"`ranker_factory` must be a callable"):
        RerankBlock(OracleRanker(), FullList())  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match=r"`retries` must be a non-negative integer"):
        RerankBlock(OracleRanker, FullList(), retries=-1)


# ----------------------------------------------------------------------------------------
# Dask


def synthetic_run(
    n_queries: int, n_docs: int, seed: int
) -> tuple[dict[str, dict[str, int]], object]:
    """Qrels and a pandas run with tied scores (3 decimals), rows shuffled."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    qids = np.repeat([f"q{i}" for i in range(n_queries)], n_docs)
    docs = np.tile([f"d{j}" for j in range(n_docs)], n_queries)
    scores = np.round(rng.random(len(qids)), 2)
    frame = pd.DataFrame({"query_id": qids, "doc_id": docs, "score": scores})
    frame = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    qrels: dict[str, dict[str, int]] = {}
    for i in range(0, n_queries + 5, 2):  # every other query judged, 5 not in the run
        judged = rng.choice(n_docs + 10, size=8, replace=False)
        qrels[f"q{i}"] = {f"d{j}": int(rng.integers(0, 4)) for j in judged}
    return qrels, frame


@pytest.fixture(scope="module")
def dask_client():
    pytest.importorskip("dask.dataframe", reason="Dask is not installed (rankwise[dask])")
    distributed = pytest.importorskip("distributed", reason="distributed is not installed")
    cluster = distributed.LocalCluster(
        processes=False, n_workers=2, threads_per_worker=1, dashboard_address=None
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.mark.parametrize("missing", ["skip", "zero"])
def test_dask_evaluate_equals_evaluate_bit_for_bit(dask_client, missing):
    import dask.dataframe as dd

    import rankwise.dask

    qrels, frame = synthetic_run(60, 40, seed=1)
    ddf = dd.from_pandas(frame, npartitions=5)
    got = rankwise.dask.evaluate(ddf, qrels, MEASURES, missing=missing, name="r")
    want = rankwise.evaluate(
        qrels, rankwise.Run.from_frame(frame, name="r"), MEASURES, missing=missing
    )
    assert isinstance(got, rankwise.Report)
    assert_same_report(got, want)
    per_query = rankwise.dask.evaluate(ddf, rankwise.Qrels(qrels), "AP", per_query=True)
    assert per_query == rankwise.evaluate(
        qrels, rankwise.Run.from_frame(frame), "AP", per_query=True
    )


def test_dask_evaluate_of_a_run_partitioned_by_query_skips_the_shuffle(dask_client):
    import dask.dataframe as dd

    import rankwise.dask

    qrels, frame = synthetic_run(30, 20, seed=2)
    # Divisions on the sorted query id: every query's rows in one of 4 partitions.
    by_query = dd.from_pandas(frame.set_index("query_id").sort_index(), npartitions=4)
    by_query = by_query.reset_index()
    assert by_query.npartitions > 1
    got = rankwise.dask.evaluate(by_query, qrels, MEASURES, sorted_by_qid=True)
    assert_same_report(got, rankwise.evaluate(qrels, rankwise.Run.from_frame(frame), MEASURES))
    split = dd.from_pandas(frame, npartitions=3)  # rows of a query in several partitions
    with pytest.raises(InvalidValueError, match=r"each query's rows in one partition"):
        rankwise.dask.evaluate(split, qrels, ["AP"], sorted_by_qid=True)


def test_dask_malformed_partition_names_the_partition_and_the_column(dask_client):
    import dask
    import dask.dataframe as dd
    import pandas as pd

    import rankwise.dask

    good = pd.DataFrame({"query_id": ["q0"], "doc_id": ["d1"], "score": [0.5]})
    text = pd.DataFrame({"query_id": ["q2"], "doc_id": ["d1"], "score": ["high"]})
    ddf = dd.from_delayed(
        [dask.delayed(good), dask.delayed(good), dask.delayed(text)], meta=good, verify_meta=False
    )
    with pytest.raises(
        RankwiseTypeError, match=r"partition 2 of `run_ddf`: column 'score' must hold numbers"
    ):
        rankwise.dask.evaluate(ddf, {"q0": {"d1": 1}}, ["AP"])
    renamed = good.rename(columns={"doc_id": "docno"})
    ddf = dd.from_delayed([dask.delayed(renamed), dask.delayed(good)], meta=good, verify_meta=False)
    with pytest.raises(InvalidValueError, match=r"partition 0 of `run_ddf` has no column 'doc_id'"):
        rankwise.dask.evaluate(ddf, {"q0": {"d1": 1}}, ["AP"])
    with pytest.raises(InvalidValueError, match=r"`run_ddf` has no column 'qid'"):
        rankwise.dask.evaluate(
            dd.from_pandas(good, npartitions=1), {}, ["AP"], columns=("qid", "doc_id", "score")
        )


def rows_or_die(frames, marker: str, number: int):
    """Partition ``number`` of a run; the worker computing partition 1 dies the first time."""
    if number == 1 and not os.path.exists(marker):
        with open(marker, "w") as f:
            f.write(str(os.getpid()))
        os._exit(1)
    return frames[number]


def test_dask_on_worker_processes_pickles_and_survives_a_lost_worker(tmp_path):
    pytest.importorskip("dask.dataframe", reason="Dask is not installed (rankwise[dask])")
    distributed = pytest.importorskip("distributed", reason="distributed is not installed")
    import sys

    import cloudpickle
    import dask.dataframe as dd

    import rankwise.dask

    # Worker processes get the test's helpers by value (they may not import `tests`).
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    qrels, frame = synthetic_run(40, 30, seed=3)
    frames = [frame.iloc[i::3].reset_index(drop=True) for i in range(3)]
    marker = tmp_path / "killed"
    ddf = dd.from_map(partial(rows_or_die, frames, str(marker)), range(3), meta=frame.iloc[:0])
    try:
        with (
            distributed.LocalCluster(
                processes=True, n_workers=2, threads_per_worker=1, dashboard_address=None
            ) as cluster,
            distributed.Client(cluster),
        ):
            got = rankwise.dask.evaluate(ddf, qrels, MEASURES)
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
    assert marker.exists(), "no worker was lost"
    assert_same_report(got, rankwise.evaluate(qrels, rankwise.Run.from_frame(frame), MEASURES))


# ----------------------------------------------------------------------------------------
# Ray


@pytest.fixture(scope="session")
def ray_session():
    ray = pytest.importorskip("ray", reason="Ray is not installed (rankwise[ray])")
    pytest.importorskip("ray.data", reason="Ray Data is not installed (rankwise[ray])")
    import sys

    # The test's own helpers travel by value: Ray's workers do not have `tests` on their path.
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    # Two CPUs (the pools below take one: a pool on every CPU hangs, ray-project/ray#44687)
    # and a small object store instead of 30 % of the machine's memory.
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        object_store_memory=256 * 2**20,
    )
    ray.data.DataContext.get_current().enable_progress_bars = False
    yield ray
    ray.shutdown()


def query_table(n: int, seed: int) -> pa.Table:
    rnd = random.Random(seed)
    sizes = [rnd.randrange(0, 15) for _ in range(n)]
    return pa.table(
        {
            "query_id": [f"q{i}" for i in range(n)],
            "query": [f"query text {i}" for i in range(n)],
            "candidates": pa.array(
                [[rnd.randrange(4) for _ in range(s)] for s in sizes], pa.list_(pa.int64())
            ),
            "doc_ids": [[f"q{i}-d{j}" for j in range(s)] for i, s in enumerate(sizes)],
        }
    )


def by_query(table: pa.Table) -> dict[str, tuple[list[int], list[str], int]]:
    rows = table.to_pylist()
    return {r["query_id"]: (r["order"], r["doc_ids"], r["calls"]) for r in rows}


def expected(table: pa.Table, strategy) -> dict[str, tuple[list[int], list[str], int]]:
    data = table.to_pydict()
    want = rerank(data["query"], data["candidates"], OracleRanker(0.0, position_bias=0.5), strategy)
    return {
        q: (o, [d[i] for i in o], c)
        for q, d, o, c in zip(
            data["query_id"], data["doc_ids"], want.orders, want.calls, strict=True
        )
    }


def test_ray_rerank_through_parquet_equals_the_driver(ray_session, tmp_path):
    import pyarrow.parquet as pq

    import rankwise.ray

    table = query_table(120, seed=4)
    for i in range(3):
        pq.write_table(table.slice(40 * i, 40), tmp_path / f"in-{i}.parquet")
    strategy = SlidingWindow(window=4, step=2)
    ds = ray_session.data.read_parquet(str(tmp_path), file_extensions=["parquet"])
    out = rankwise.ray.rerank(
        ds,
        partial(OracleRanker, 0.0, position_bias=0.5),
        strategy,
        queries_per_call=16,
        batch_size=8,
        num_actors=1,
    )
    out.write_parquet(str(tmp_path / "out"))
    got = pq.read_table(tmp_path / "out")
    assert got.num_rows == 120
    assert by_query(got) == expected(table, strategy)
    # The actors' options are checked where the user called, before any actor starts.
    for bad in ({"retries": -1}, {"retries": True}, {"batch_size": 0}):
        with pytest.raises(InvalidValueError, match=f"`{next(iter(bad))}` must be"):
            rankwise.ray.rerank(ds, OracleRanker, strategy, **bad)


class DiesOnce:
    """An oracle whose process exits on its 3rd call, once per test (a marker file says the
    kill happened): the actor dies mid-block, as on a GPU fault or preemption."""

    def __init__(self, marker: str) -> None:
        self.inner = OracleRanker(0.0, position_bias=0.5)
        self.marker = marker
        self.calls = 0

    def rank(self, batch):
        self.calls += 1
        if self.calls == 3 and not os.path.exists(self.marker):
            with open(self.marker, "w") as f:
                f.write(str(os.getpid()))
            os._exit(1)
        return self.inner.rank(batch)


def test_ray_rerank_survives_a_killed_actor(ray_session, tmp_path):
    import rankwise.ray

    table = query_table(60, seed=5)
    marker = tmp_path / "killed"
    strategy = SlidingWindow(window=4, step=2)
    out = rankwise.ray.rerank(
        ray_session.data.from_arrow(table),
        partial(DiesOnce, str(marker)),
        strategy,
        queries_per_call=20,
        batch_size=4,
        num_actors=1,
        cache=tmp_path / "answers.sqlite",
    )
    got = pa.Table.from_pandas(out.to_pandas(), preserve_index=False)
    assert marker.exists(), "the actor was never killed"
    ids = got.column("query_id").to_pylist()
    assert sorted(ids) == sorted(table.column("query_id").to_pylist())  # each query once
    assert by_query(got) == expected(table, strategy)
    assert len(rankwise.rerank.AnswerCache(tmp_path / "answers.sqlite")) > 0


# ----------------------------------------------------------------------------------------
# Spark (opt-in: a JVM session costs 6-8 s and pyspark ~500 MB)


@pytest.mark.skipif(
    os.environ.get("RANKWISE_TEST_SPARK") != "1",
    reason="Spark tests are opt-in: set RANKWISE_TEST_SPARK=1 (needs pyspark and Java 17)",
)
def test_spark_evaluate_equals_evaluate_bit_for_bit():
    pytest.importorskip("pyspark", reason="pyspark is not installed (rankwise[spark])")
    import sys

    from pyspark.sql import SparkSession

    import rankwise.spark

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    try:
        qrels, frame = synthetic_run(50, 30, seed=6)
        sdf = spark.createDataFrame(frame)
        for missing in ("skip", "zero"):
            got = rankwise.spark.evaluate(sdf, qrels, MEASURES, missing=missing, name="r")
            want = rankwise.evaluate(
                qrels, rankwise.Run.from_frame(frame, name="r"), MEASURES, missing=missing
            )
            assert_same_report(got, want)
        bad = spark.createDataFrame(frame.assign(score=frame["score"].astype(str)))
        with pytest.raises(RankwiseTypeError, match=r"column 'score' must hold numbers"):
            rankwise.spark.evaluate(bad, qrels, ["AP"])
    finally:
        spark.stop()


def test_teacher_labels_block_by_block_equal_fullrank_labels():
    """rankwise.ray.build_labels' actor, fed slices of queries: fullrank's labels exactly."""
    from rankwise.labels import fullrank_labels

    grades = [list(range(n)) for n in (30, 7, 1)]
    queries = ["a", "b", "c"]
    want = fullrank_labels(queries, grades, OracleRanker(), window=6, step=3, progress=False)
    strategy = SlidingWindow(window=6, step=3, top_k=30)
    actor = RerankBlock(OracleRanker, strategy, label_text=True)
    rows = {}
    for part in ([0], [1, 2]):
        block = {
            "query_id": [queries[i] for i in part],
            "query": [queries[i] for i in part],
            "candidates": [grades[i] for i in part],
        }
        out = actor(block).to_pydict()
        rows.update(
            zip(
                out["query_id"],
                zip(out["order"], out["label"], out["calls"], strict=True),
                strict=True,
            )
        )
    assert [rows[q] for q in queries] == list(
        zip(want.orders, want.texts, want.windows, strict=True)
    )
    assert rows["a"][1].startswith("[30] > [29] > [28]")


def test_ray_build_labels(ray_session):
    import rankwise.ray

    ds = ray_session.data.from_items(
        [{"query_id": "q", "query": "q", "candidates": list(range(25))}]
    )
    out = rankwise.ray.build_labels(ds, OracleRanker, window=10, step=5, max_candidates=25)
    (row,) = out.take_all()
    assert row["label"] == " > ".join(f"[{i}]" for i in range(25, 0, -1))
    assert row["calls"] == SlidingWindow(window=10, step=5, top_k=25).calls(25)
