"""Qrels and runs to and from pandas, polars, pyarrow tables and TREC files."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given

import rankwise
from rankwise.errors import DuplicateDocumentError, InvalidValueError, RankwiseTypeError

from .strategies import qrels_and_run, run_dicts


def table_rows(table: dict[str, dict[str, float]], value: str) -> dict[str, list]:
    """``{query_id: {doc_id: x}}`` as columns ``query_id``, ``doc_id`` and ``value``."""
    rows: dict[str, list] = {"query_id": [], "doc_id": [], value: []}
    for q, docs in table.items():
        for d, x in docs.items():
            rows["query_id"].append(q)
            rows["doc_id"].append(d)
            rows[value].append(x)
    return rows


def run_rows(run: dict[str, dict[str, float]]) -> dict[str, list]:
    return table_rows(run, "score")


def qrels_rows(qrels: dict[str, dict[str, int]]) -> dict[str, list]:
    return table_rows(qrels, "relevance")


FRAMES = {
    "pandas": pd.DataFrame,
    "polars": pl.DataFrame,
    "arrow": pa.table,
    # 64-bit offsets, and a table in several chunks
    "arrow-large": lambda rows: pa.table(
        {k: pa.array(v, pa.large_string()) if k.endswith("id") else v for k, v in rows.items()}
    ),
    "arrow-chunked": lambda rows: pa.concat_tables(
        [
            pa.table(rows).slice(0, len(rows["doc_id"]) // 2),
            pa.table(rows).slice(len(rows["doc_id"]) // 2),
        ]
    ),
}


@pytest.mark.parametrize("kind", sorted(FRAMES))
@given(data=qrels_and_run())
def test_tables_give_the_same_collections_as_dicts(kind, data):
    qrels, run = data
    make = FRAMES[kind]
    run = {q: docs for q, docs in run.items() if docs}
    if not run:
        return
    from_table = rankwise.Run.from_frame(make(run_rows(run)))
    assert from_table.to_dict() == rankwise.Run(run).to_dict()
    q_table = rankwise.Qrels.from_frame(make(qrels_rows(qrels)))
    assert q_table.to_dict() == rankwise.Qrels(qrels).to_dict()
    expected = rankwise.evaluate(qrels, run, ["nDCG@5", "AP", "P@2"])
    assert dict(rankwise.evaluate(q_table, from_table, ["nDCG@5", "AP", "P@2"])) == dict(expected)


@given(run=run_dicts(min_docs=1))
def test_run_round_trips_through_every_format(run, tmp_path_factory):
    original = rankwise.Run(run, name="my run")
    assert rankwise.Run.from_frame(original.to_pandas()).to_dict() == original.to_dict()
    assert rankwise.Run.from_frame(original.to_polars()).to_dict() == original.to_dict()
    assert rankwise.Run.from_frame(original.to_arrow()).to_dict() == original.to_dict()
    path = tmp_path_factory.mktemp("runs") / "run.txt.gz"
    original.to_trec(path)
    back = rankwise.Run.from_trec(path)
    # scores are written in shortest round-trip form: read back bit for bit
    assert back.to_dict() == original.to_dict()
    assert back.name == "my_run"  # whitespace cannot appear in a TREC tag


@given(data=qrels_and_run())
def test_qrels_round_trip_through_trec_files_and_tables(data, tmp_path_factory):
    qrels, _ = data
    original = rankwise.Qrels(qrels)
    path = tmp_path_factory.mktemp("qrels") / "qrels.txt"
    original.to_trec(path)
    assert rankwise.Qrels.from_trec(path).to_dict() == original.to_dict()
    frame = original.to_pandas()
    assert list(frame.columns) == ["query_id", "doc_id", "relevance"]
    assert frame["relevance"].dtype == np.int64
    assert rankwise.Qrels.from_frame(frame).to_dict() == original.to_dict()


def test_run_tables_are_in_rank_order_with_ranks():
    run = rankwise.Run({"q1": {"a": 0.1, "b": 0.5, "c": 0.5}, "q2": {"d": 1.0}})
    frame = run.to_pandas()
    assert frame.to_dict("list") == {
        "query_id": ["q1", "q1", "q1", "q2"],
        "doc_id": ["c", "b", "a", "d"],  # ties: doc id descending, as trec_eval
        "score": [0.5, 0.5, 0.1, 1.0],
        "rank": [1, 2, 3, 1],
    }
    assert run.to_polars().columns == ["query_id", "doc_id", "score", "rank"]


def test_sliced_tables_and_integer_and_dictionary_ids():
    table = pa.table(
        {"query_id": ["x", "q1", "q1"], "doc_id": ["z", "a", "b"], "score": [9.0, 1.0, 2.0]}
    )
    assert rankwise.Run.from_frame(table.slice(1)).to_dict() == {"q1": {"b": 2.0, "a": 1.0}}
    ints = pl.DataFrame({"qid": [301, 301], "docno": ["a", "b"], "rel": [1, 0]})
    assert rankwise.Qrels.from_frame(ints, query="qid", doc="docno", label="rel").to_dict() == {
        "301": {"a": 1, "b": 0}
    }
    categorical = pd.DataFrame(
        {"query_id": pd.Categorical(["q", "q"]), "doc_id": ["a", "b"], "score": [1, 2]}
    )
    assert rankwise.Run.from_frame(categorical).to_dict() == {"q": {"b": 2.0, "a": 1.0}}


def test_bad_tables_are_explained():
    frame = pd.DataFrame({"query_id": ["q1", None], "doc_id": ["a", "b"], "score": [1.0, 2.0]})
    with pytest.raises(InvalidValueError, match="column 'query_id' has a missing value at row 1"):
        rankwise.Run.from_frame(frame)
    frame = pd.DataFrame({"query_id": ["q1", "q1"], "doc_id": ["a", "b"], "score": [1.0, np.nan]})
    with pytest.raises(InvalidValueError, match="column 'score' has a missing value"):
        rankwise.Run.from_frame(frame)
    with pytest.raises(InvalidValueError, match="no column 'relevance'"):
        rankwise.Qrels.from_frame(frame)
    with pytest.raises(RankwiseTypeError, match="must hold numbers"):
        rankwise.Run.from_frame(frame, score="doc_id")
    with pytest.raises(RankwiseTypeError, match="strings or integers"):
        rankwise.Run.from_frame(frame, doc="score")
    with pytest.raises(RankwiseTypeError, match="pandas or polars DataFrame or a pyarrow Table"):
        rankwise.Run.from_frame({"query_id": ["q"]})
    mixed = pd.DataFrame({"query_id": ["q1", 2], "doc_id": ["a", "b"], "score": [1.0, 2.0]})
    with pytest.raises(RankwiseTypeError, match="could not read"):
        rankwise.Run.from_frame(mixed)
    duplicate = pd.DataFrame({"query_id": ["q", "q"], "doc_id": ["a", "a"], "relevance": [1, 0]})
    with pytest.raises(DuplicateDocumentError, match="duplicate document"):
        rankwise.Qrels.from_frame(duplicate)


def test_to_trec_writes_trec_eval_formats(tmp_path):
    rankwise.Run({"q1": {"a": 0.25, "b": 1e-9}}, name="bm25").to_trec(tmp_path / "run.gz")
    with gzip.open(tmp_path / "run.gz", "rt") as f:
        lines = f.read().splitlines()
    assert lines == ["q1 Q0 a 1 0.25 bm25", "q1 Q0 b 2 0.000000001 bm25"]
    rankwise.Qrels({"q1": {"a": 2, "b": 0.5}}).to_trec(tmp_path / "qrels")
    assert (tmp_path / "qrels").read_text().splitlines() == ["q1 0 a 2", "q1 0 b 0.5"]
    with pytest.raises(OSError, match="no-such-dir"):
        rankwise.Run({"q": {"d": 1.0}}).to_trec(tmp_path / "no-such-dir" / "run")
