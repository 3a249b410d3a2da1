"""The dict shortcut of `evaluate` and of the pytrec_eval drop-in equals the ordinary path.

`rankwise.evaluate(qrels_dict, run_dict, ...)` and `RelevanceEvaluator.evaluate(run_dict)` read
the run dict in chunks while a worker thread ranks and evaluates them, and (for the drop-in)
build the nested result in Rust (`_native.evaluate_dicts`). Built `Qrels`/`Run` objects and
non-dict mappings take the ordinary path: the two must agree bit for bit, in values, query
order, key order and errors.
"""

from __future__ import annotations

import math
import random
import types

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rankwise
from rankwise import _native
from rankwise.compat import pytrec_eval

from .strategies import qrels_dicts, run_dicts

MEASURES = ["nDCG@10", "AP", "RR@10", "P.5,10", "gm_map", "num_ret", "Bpref", "R@100"]
TREC_MEASURES = [
    {"ndcg_cut", "map", "recip_rank"},
    {"gm_map", "P.5", "runid", "num_rel_ret"},
    {"official"},
]


def same_report(fast: rankwise.Report, slow: rankwise.Report) -> None:
    assert fast.measures == slow.measures
    assert fast.query_ids == slow.query_ids
    assert np.array_equal(fast.per_query_values, slow.per_query_values, equal_nan=True)
    assert list(fast.items()) == list(slow.items()) or all(
        k1 == k2 and (v1 == v2 or (math.isnan(v1) and math.isnan(v2)))
        for (k1, v1), (k2, v2) in zip(fast.items(), slow.items(), strict=True)
    )


@settings(max_examples=150)
@given(
    qrels=qrels_dicts(),
    data=st.data(),
    measures=st.lists(st.sampled_from(MEASURES), min_size=1, max_size=4, unique=True),
    rel_level=st.sampled_from([1, 2]),
    judged_only=st.booleans(),
    max_docs=st.sampled_from([None, 1, 3]),
)
def test_evaluate_on_dicts_equals_evaluate_on_built_objects(
    qrels: dict[str, dict[str, int]],
    data: st.DataObject,
    measures: list[str],
    rel_level: int,
    judged_only: bool,
    max_docs: int | None,
) -> None:
    run = data.draw(run_dicts(list(qrels)))  # empty rankings and unjudged queries included
    options = {"rel_level": rel_level, "judged_only": judged_only, "max_docs": max_docs}
    built_qrels, built_run = rankwise.Qrels(qrels), rankwise.Run(run)
    if not any(q in built_qrels for q in run):
        with pytest.raises(rankwise.errors.InvalidValueError) as slow_error:
            rankwise.evaluate(built_qrels, built_run, measures, **options)
        with pytest.raises(rankwise.errors.InvalidValueError) as fast_error:
            rankwise.evaluate(qrels, run, measures, **options)
        assert str(fast_error.value) == str(slow_error.value)
        return
    # The shortcut is taken (not a silent fallback to the ordinary path).
    assert _native.evaluate_dicts(qrels, run, measures, rel_level=rel_level) is not None
    slow = rankwise.evaluate(built_qrels, built_run, measures, **options)
    same_report(rankwise.evaluate(qrels, run, measures, **options), slow)
    same_report(rankwise.evaluate(built_qrels, run, measures, **options), slow)
    per_query = rankwise.evaluate(qrels, run, measures, per_query=True, **options)
    assert per_query == slow.per_query
    assert [list(v) for v in per_query.values()] == [list(v) for v in slow.per_query.values()]


@settings(max_examples=100)
@given(
    qrels=qrels_dicts(),
    data=st.data(),
    measures=st.sampled_from(TREC_MEASURES),
    judged_only=st.booleans(),
)
def test_drop_in_on_dicts_equals_the_drop_in_on_mappings(
    qrels: dict[str, dict[str, int]],
    data: st.DataObject,
    measures: set[str],
    judged_only: bool,
) -> None:
    run = data.draw(run_dicts(list(qrels)))
    evaluator = pytrec_eval.RelevanceEvaluator(qrels, measures, 1, judged_only)
    fast = evaluator.evaluate(run)
    # A mapping that is not a dict takes the general path (Python-built result).
    slow = evaluator.evaluate(types.MappingProxyType(run))
    assert list(fast) == list(slow)
    for q in slow:
        assert list(fast[q].items()) == list(slow[q].items()) or all(
            k1 == k2 and (v1 == v2 or (math.isnan(v1) and math.isnan(v2)))
            for (k1, v1), (k2, v2) in zip(fast[q].items(), slow[q].items(), strict=True)
        )


def big_dicts(
    queries: int, docs: int, seed: int
) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, float]]]:
    """Qrels and a run large enough to be read in several chunks, the run's queries in
    another order than the qrels', some unjudged, some empty, scores often tied."""
    rng = random.Random(seed)
    qrels = {
        f"q{i}": {f"d{j}": rng.choice([0, 0, 0, 1, 2, -1]) for j in range(docs)}
        for i in range(queries)
    }
    order = [f"q{i}" for i in range(queries + 50)]  # 50 queries the qrels do not judge
    rng.shuffle(order)
    run: dict[str, dict[str, float]] = {}
    for q in order:
        n = 0 if rng.random() < 0.01 else docs
        run[q] = {
            f"d{rng.randrange(2 * docs)}": rng.choice([0.5, 1.0, rng.random()]) for _ in range(n)
        }
    return qrels, run


def test_a_run_read_in_many_chunks_equals_the_built_objects() -> None:
    # 1000 queries x 100 documents: about 100,000 documents, chunks of about 24,000.
    qrels, run = big_dicts(1000, 100, seed=7)
    measures = ["nDCG@10", "AP", "RR", "P@5", "gm_map", "num_ret", "num_rel"]
    slow = rankwise.evaluate(rankwise.Qrels(qrels), rankwise.Run(run), measures)
    same_report(rankwise.evaluate(qrels, run, measures), slow)
    evaluator = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut", "gm_map", "recip_rank"})
    fast = evaluator.evaluate(run)
    general = evaluator.evaluate(types.MappingProxyType(run))
    assert list(fast) == list(general)
    assert all(list(fast[q].items()) == list(general[q].items()) for q in general)


def test_bad_input_raises_what_the_ordinary_path_raises() -> None:
    qrels, run = big_dicts(200, 10, seed=3)
    last = list(run)[-1]
    for bad, kind in (
        (float("nan"), rankwise.errors.InvalidValueError),
        ("1.0", rankwise.errors.RankwiseTypeError),
    ):
        broken = {**run, last: {**run[last], "dx": bad}}
        with pytest.raises(kind) as slow_error:
            rankwise.Run(broken)
        with pytest.raises(kind) as fast_error:
            rankwise.evaluate(qrels, broken, ["AP"])
        assert str(fast_error.value) == str(slow_error.value)
        # The drop-in names its own argument, as before.
        with pytest.raises(kind, match="scores"):
            pytrec_eval.RelevanceEvaluator(qrels, {"map"}).evaluate(broken)
    # No query in common: pytrec_eval's {} from the drop-in, an error from evaluate.
    assert pytrec_eval.RelevanceEvaluator(qrels, {"map"}).evaluate({"zz": {"d1": 1.0}}) == {}
    with pytest.raises(rankwise.errors.InvalidValueError, match="no query in common"):
        rankwise.evaluate(qrels, {"zz": {"d1": 1.0}}, ["AP"])


class _Id(str):
    pass


class _Docs(dict):  # type: ignore[type-arg]
    pass


def test_entries_off_the_fast_path_give_what_the_built_objects_give() -> None:
    # A str subclass as an id, a dict subclass, a bool or a huge int as a label: the dicts
    # are read the general way, with the same values as Qrels/Run built from them.
    qrels, run = big_dicts(60, 10, seed=5)
    first, second = list(qrels)[:2]
    variants = [
        ({**qrels, first: {_Id("d1"): 1, **qrels[first]}}, run),
        ({**qrels, first: _Docs(qrels[first])}, run),
        ({**qrels, first: {**qrels[first], "d3": True}}, run),
        ({**qrels, second: {**qrels[second], "d4": 2**70}}, run),
        (qrels, {**run, _Id(first): {"d1": 0.5, _Id("d2"): 0.25}}),
    ]
    measures = ["nDCG@10", "AP", "P@5", "num_rel"]
    for q, r in variants:
        slow = rankwise.evaluate(rankwise.Qrels(q), rankwise.Run(r), measures)
        same_report(rankwise.evaluate(q, r, measures), slow)
    # A doc id that UTF-8 cannot encode is refused as the built objects refuse it.
    bad = {**qrels, first: {**qrels[first], "d\udc80": 1}}
    with pytest.raises(rankwise.errors.InvalidValueError) as slow_error:
        rankwise.Qrels(bad)
    with pytest.raises(rankwise.errors.InvalidValueError) as fast_error:
        rankwise.evaluate(bad, run, measures)
    assert str(fast_error.value) == str(slow_error.value)
