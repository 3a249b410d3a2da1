"""Report: a dict of the means that also holds, and renders, the per-query values."""

from __future__ import annotations

import json
import math
import pickle

import numpy as np
import pytest

import rankwise

QRELS = {"q1": {"a": 1, "b": 0}, "q2": {"c": 2}, "q3": {"d": 1}}
RUN = {"q1": {"a": 0.2, "b": 0.9}, "q2": {"c": 0.1, "x": 0.5}, "q3": {"d": 1.0}}
MEASURES = ["nDCG@10", "AP", "num_ret"]


@pytest.fixture
def report():
    return rankwise.evaluate(QRELS, rankwise.Run(RUN, name="bm25"), MEASURES)


def test_report_is_the_dict_of_means(report):
    assert isinstance(report, dict)
    assert list(report) == MEASURES
    # nDCG@10: q1 and q2 have their one relevant document at rank 2 (1 / log2(3) each), q3 at 1.
    ndcg = (2 / math.log2(3) + 1) / 3
    assert report == {"nDCG@10": pytest.approx(ndcg, rel=1e-15), "AP": 2 / 3, "num_ret": 5.0}
    assert json.loads(json.dumps(report))["AP"] == pytest.approx(2 / 3)
    assert report.measures == tuple(MEASURES)
    assert report.query_ids == ("q1", "q2", "q3")
    assert report.run_name == "bm25"


def test_per_query_views_agree_with_per_query_evaluation(report):
    expected = rankwise.evaluate(QRELS, RUN, MEASURES, per_query=True)
    assert report.per_query == expected
    assert report.per_query_values.shape == (3, 3)
    np.testing.assert_array_equal(report.column("AP"), [0.5, 0.5, 1.0])
    assert report["AP"] == pytest.approx(report.column("AP").mean())


def test_tables(report):
    md = report.to_markdown()
    assert md.splitlines()[:3] == ["| measure | mean |", "|---|---|", "| nDCG@10 | 0.7540 |"]
    per_q = report.to_markdown(per_query=True, digits=2)
    assert per_q.splitlines()[0] == "| query_id | nDCG@10 | AP | num_ret |"
    assert "| q3 | 1.00 | 1.00 | 1.00 |" in per_q
    tex = report.to_latex()
    assert tex.startswith("\\begin{tabular}{lr}") and "num\\_ret & 5.0000" in tex
    html = report._repr_html_()
    assert "<caption>bm25: 3 queries</caption>" in html
    assert repr(report).splitlines()[0] == "Report of 'bm25' over 3 queries"


def test_to_pandas(report):
    means = report.to_pandas()
    assert list(means.columns) == MEASURES and means.index.tolist() == ["bm25"]
    table = report.to_pandas(per_query=True)
    assert table.index.name == "query_id" and table.loc["q3", "AP"] == 1.0


def test_report_pickles(report):
    again = pickle.loads(pickle.dumps(report))
    assert again == report and again.per_query == report.per_query
    assert again.run_name == "bm25"
