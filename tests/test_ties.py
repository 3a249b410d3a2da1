"""`rankwise.evaluate(..., ties=...)` and `Report.tie_effect()`.

* ``ties="expected"`` equals the mean over every ordering of the tied documents, each
  ordering evaluated by rankwise's own trec_eval rule (brute force, small groups);
* ``ties="ranx"`` equals ranx 0.3.21's per-query values for ranx's metrics, queries longer
  than 15 documents included (where numba's quicksort moves tied documents);
* ``ties="trec_eval"`` is the default and changes nothing.
"""

from __future__ import annotations

import itertools
import math
import pickle
import warnings
from typing import Literal

import numpy as np
import pytest
import ranx
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import rankwise
from rankwise import _native
from rankwise.errors import InvalidValueError

# Measures with an expected value, trec_eval's options and ir_measures' judged_only included.
EXPECTED = [
    "P@1",
    "P@3",
    "P(rel=2)@2",
    "P",
    "R@2",
    "R",
    "Rprec",
    "Success@1",
    "Success@3",
    "RR",
    "RR@2",
    "AP",
    "AP@3",
    "AP(rel=2)",
    "map_cut.2",
    "gm_map",
    "nDCG",
    "nDCG@3",
    "DCG@2",
    "nDCG(dcg=exp-log2)@3",
    "nDCG(gains={0:0,1:1,2:5})@3",
    "nDCG(judged_only=True)@3",
    "AP(judged_only=True)",
    "NumRelRet@3",
    "num_rel_ret",
    "Judged@3",
    "num_ret",
    "num_rel",
    "num_q",
    "set_P",
    "set_recall",
    "set_F",
    "set_relative_P",
    "set_map",
    "utility",
    "num_nonrel_judged_ret",
    "ERR",
    "ERR@3",
    "ERR@1",
    "RBP(p=0.8)",
    "rbp.95",
    "RBP(rel=2)",
    "Bpref",
    "bpref",
    "Bpref(rel=2)",
    "gm_bpref",
    "infAP",
    # interpolated precision, trec_eval's gain measures, exact by their own methods
    "iprec_at_recall.0.00",
    "iprec_at_recall.0.30",
    "iprec_at_recall.0.50",
    "iprec_at_recall.1.00",
    "11pt_avg",
    "binG",
    "G",
    "ndcg_rel",
    "Rndcg",
    # C/W/L user models: the mean over every distinct order of labels
    "INST(T=2,max_rel=2)",
    "INSQ(T=1,max_rel=2)",
    "BPM(T=1,max_rel=2)@3",
    "BPM(T=2,max_rel=2,dynamic=True,hb=1,gain_med=0.5)@4",
    "NERR8(max_rel=2)@3",
    "NERR9(max_rel=2)@3",
    "NERR10(p=0.7,max_rel=2)",
    "NERR11(T=2,max_rel=2)",
    "RBP(p=0.8,column=ETU)",
    "RBP(p=0.8,rel=1,column=ResEU)",
    "INST(T=2,max_rel=2,column=ResETC)",
    # ir_measures' and BEIR's extras
    "relative_P.2",
    "Rprec_mult_0.50",
    "Rprec_mult_2.00",
    "recall_cap@2",
    "hole@2",
    "SDCG(max_rel=2)@3",
    "Compat(p=0.8)",
    "Compat(p=0.9,normalize=True)",
    "Accuracy@3",
]
NAMES = rankwise.measure_names(EXPECTED)
# Measures whose expected value is not a mean gain per place: checked on larger tied groups.
NONLINEAR = [
    "iprec_at_recall.0.00",
    "iprec_at_recall.0.20",
    "iprec_at_recall.0.50",
    "iprec_at_recall.0.70",
    "11pt_avg",
    "binG",
    "G",
    "ndcg_rel",
    "Rndcg",
    "AP",
    "ERR",
    "NERR10(p=0.7,max_rel=2)",
    "INST(T=2,max_rel=2)",
]


@st.composite
def tied_query(draw: st.DrawFn) -> tuple[dict[str, float], dict[str, int]]:
    """One query's scores (few distinct values: many ties) and labels (None: unjudged, -1:
    pool document without a judgement), plus judged documents the run misses."""
    n = draw(st.integers(1, 7))
    scores = draw(st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0]), min_size=n, max_size=n))
    sizes = [scores.count(s) for s in set(scores)]
    assume(math.prod(math.factorial(t) for t in sizes) <= 720)
    labels = draw(st.lists(st.sampled_from([None, None, 0, 1, 1, 2, -1]), min_size=n, max_size=n))
    missed = draw(st.lists(st.sampled_from([0, 1, 2]), min_size=1, max_size=3))
    run = {f"d{i}": s for i, s in enumerate(scores)}
    qrels = {f"d{i}": lab for i, lab in enumerate(labels) if lab is not None}
    qrels.update({f"u{i}": lab for i, lab in enumerate(missed)})
    return run, qrels


def every_ordering(run: dict[str, float]) -> list[list[str]]:
    """Every ranking of `run`'s documents by score descending, ties in any order."""
    groups = [[d for d in run if run[d] == s] for s in sorted(set(run.values()), reverse=True)]
    return [
        [d for group in combo for d in group]
        for combo in itertools.product(*(itertools.permutations(g) for g in groups))
    ]


@settings(max_examples=200, deadline=None)
@given(
    tied_query(),
    st.sampled_from([1, 2]),
    st.booleans(),
    st.sampled_from(["9.0", "10.0"]),
)
def test_expected_is_the_mean_over_every_ordering(
    query: tuple[dict[str, float], dict[str, int]],
    rel_level: int,
    judged_only: bool,
    trec_eval: Literal["9.0", "10.0"],
) -> None:
    run, qrels = query
    orderings = every_ordering(run)
    # Ordering j as its own query, with distinct scores that put it in that order.
    forced = {
        f"o{j}": {d: float(len(o) - i) for i, d in enumerate(o)} for j, o in enumerate(orderings)
    }
    every = rankwise.evaluate(
        {q: qrels for q in forced},
        forced,
        EXPECTED,
        rel_level=rel_level,
        judged_only=judged_only,
        trec_eval=trec_eval,
    )
    got = rankwise.evaluate(
        {"q": qrels},
        {"q": run},
        EXPECTED,
        ties="expected",
        rel_level=rel_level,
        judged_only=judged_only,
        trec_eval=trec_eval,
    )
    assert got.measures == every.measures == tuple(NAMES)
    for m in NAMES:
        want = math.fsum(every.column(m).tolist()) / len(orderings)
        assert got.column(m)[0] == pytest.approx(want, abs=1e-12, rel=0), m


def label_orders(labels: list[int | None]) -> list[tuple[int | None, ...]]:
    """Every distinct order of `labels` (a multiset): each stands for the same number of
    orderings of the documents, so the mean over them is the mean over every ordering."""
    keys = sorted(set(labels), key=lambda x: -2 if x is None else x)
    counts = [labels.count(k) for k in keys]
    out: list[tuple[int | None, ...]] = []

    def place(prefix: list[int | None]) -> None:
        if len(prefix) == len(labels):
            out.append(tuple(prefix))
            return
        for i, k in enumerate(keys):
            if counts[i]:
                counts[i] -= 1
                place([*prefix, k])
                counts[i] += 1

    place([])
    return out


@st.composite
def large_groups(draw: st.DrawFn) -> tuple[list[list[int | None]], list[int]]:
    """Labels of up to 3 tied groups of up to 10 documents each (up to 8400 orders of labels
    in all), and judged documents the run misses."""
    groups = draw(
        st.lists(
            st.lists(st.sampled_from([None, 0, 0, 1, 1, 2, 3, -1]), min_size=1, max_size=10),
            min_size=1,
            max_size=3,
        )
    )
    assume(math.prod(len(label_orders(g)) for g in groups) <= 8400)
    missed = draw(st.lists(st.sampled_from([0, 1, 2]), min_size=1, max_size=3))
    return groups, missed


@settings(max_examples=40, deadline=None)
@given(large_groups(), st.sampled_from(["9.0", "10.0"]))
def test_expected_is_the_mean_over_every_order_of_large_tied_groups(
    data: tuple[list[list[int | None]], list[int]], trec_eval: Literal["9.0", "10.0"]
) -> None:
    groups, missed = data
    n = sum(len(g) for g in groups)
    scores = [float(len(groups) - gi) for gi, g in enumerate(groups) for _ in g]
    run = {"q": {f"d{i}": s for i, s in enumerate(scores)}}

    def qrels_of(labels: tuple[int | None, ...]) -> dict[str, int]:
        judged = {f"d{i}": lab for i, lab in enumerate(labels) if lab is not None}
        return judged | {f"u{i}": lab for i, lab in enumerate(missed)}

    # every combination of the groups' orders, as its own query ranked d0, d1, ... in order
    combos = [sum(c, ()) for c in itertools.product(*(label_orders(g) for g in groups))]
    forced = {f"o{j}": {f"d{i}": float(n - i) for i in range(n)} for j in range(len(combos))}
    every = rankwise.evaluate(
        {f"o{j}": qrels_of(c) for j, c in enumerate(combos)},
        forced,
        NONLINEAR,
        trec_eval=trec_eval,
    )
    labels = tuple(lab for g in groups for lab in g)
    got = rankwise.evaluate(
        {"q": qrels_of(labels)}, run, NONLINEAR, ties="expected", trec_eval=trec_eval
    )
    for m in got.measures:
        want = math.fsum(every.column(m).tolist()) / len(combos)
        assert got.column(m)[0] == pytest.approx(want, abs=1e-12, rel=0), m


@settings(max_examples=30, deadline=None)
@given(st.lists(tied_query(), min_size=2, max_size=6))
def test_expected_per_query_does_not_depend_on_the_other_queries(
    queries: list[tuple[dict[str, float], dict[str, int]]],
) -> None:
    run = {f"q{i}": r for i, (r, _) in enumerate(queries)}
    qrels = {f"q{i}": j for i, (_, j) in enumerate(queries)}
    together = rankwise.evaluate(qrels, run, EXPECTED, ties="expected")
    for i, q in enumerate(together.query_ids):
        alone = rankwise.evaluate({q: qrels[q]}, {q: run[q]}, EXPECTED, ties="expected")
        np.testing.assert_array_equal(together.per_query_values[i], alone.per_query_values[0])


# ranx metric -> the rankwise measure with ranx's definition (rel 1, integer labels >= 0).
RANX = {
    "precision@5": "P@5",
    "precision@20": "P@20",
    "recall@10": "R@10",
    "hit_rate@3": "Success@3",
    "mrr": "RR",
    "mrr@5": "RR@5",
    "map": "AP",
    "map@10": "AP@10",
    "ndcg": "nDCG",
    "ndcg@10": "nDCG@10",
    "r-precision": "Rprec",
    "hits@10": "NumRelRet@10",
}


@st.composite
def ranx_tied(draw: st.DrawFn) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, float]]]:
    """Queries of up to 120 documents with 2 to 12 distinct scores, ids in any order (numba's
    quicksort partitions from 16 documents on; a pivot that is the smallest key ends a
    partition at its first place)."""
    qrels: dict[str, dict[str, int]] = {}
    run: dict[str, dict[str, float]] = {}
    for q in range(draw(st.integers(1, 3))):
        n = draw(st.one_of(st.integers(1, 40), st.integers(16, 120)))
        ids = draw(st.permutations(range(150)))[:n]
        values = [v / 4 for v in range(draw(st.integers(2, 12)))]
        scores = draw(st.lists(st.sampled_from(values), min_size=n, max_size=n))
        labels = draw(st.lists(st.sampled_from([None, 0, 1, 2]), min_size=n, max_size=n))
        run[f"q{q}"] = {f"d{i}": s for i, s in zip(ids, scores, strict=True)}
        judged = {f"d{i}": lab for i, lab in zip(ids, labels, strict=True) if lab is not None}
        qrels[f"q{q}"] = judged or {"unretrieved": 1}
    return qrels, run


def ranx_values(qrels, run, metrics):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = ranx.evaluate(ranx.Qrels(qrels), ranx.Run(run), metrics, return_mean=False)
    return {metrics[0]: out} if len(metrics) == 1 else out


def assert_matches_ranx(qrels, run) -> None:  # type: ignore[no-untyped-def]
    want = ranx_values(qrels, run, list(RANX))
    got = rankwise.evaluate(qrels, run, list(RANX.values()), ties="ranx")
    order = [got.query_ids.index(q) for q in sorted(qrels)]  # ranx: query ids sorted
    for metric, measure in RANX.items():
        np.testing.assert_allclose(
            got.column(measure)[order],
            np.asarray(want[metric]),
            rtol=0,
            atol=1e-12,
            err_msg=metric,
        )


@settings(max_examples=25, deadline=None)
@given(ranx_tied())
def test_ranx_ties_match_ranx(data) -> None:  # type: ignore[no-untyped-def]
    assert_matches_ranx(*data)


def test_ranx_order_of_a_long_query_with_a_unique_smallest_key() -> None:
    # The partition's pivot lands at the first place, and the next bound is -1 (numba's
    # signed indices): once a panic of rankwise's port.
    rng = np.random.default_rng(7)
    scores = np.round(rng.random(100), 1).tolist()
    run = {"q": {f"d{i:03}": s for i, s in enumerate(scores)}}
    qrels = {"q": {f"d{i:03}": int(i % 7 == 0) for i in range(100)}}
    assert_matches_ranx(qrels, run)


def test_ranx_ties_beyond_insertion_sort() -> None:
    # 30 tied documents: numba's quicksort partitions them, so the relevant one, added
    # first, does not stay first (ranx's stable-looking order holds below 16 only).
    run = {"q": {f"d{i:02}": 1.0 for i in range(30)}}
    qrels = {"q": {"d00": 1, "d17": 2}}
    assert_matches_ranx(qrels, run)
    rr = rankwise.evaluate(qrels, run, "RR", ties="ranx")["RR"]
    assert rr != 1.0  # insertion order would put d00 first
    assert rr != rankwise.evaluate(qrels, run, "RR")["RR"]  # and trec_eval d29 first


def test_ranx_compares_scores_as_float64() -> None:
    # Equal as float32 (trec_eval's comparison), distinct as float64 (ranx's).
    run = {"q": {"a": 0.1 + 1e-12, "b": 0.1}}
    qrels = {"q": {"a": 1}}
    assert rankwise.evaluate(qrels, run, "RR")["RR"] == 0.5  # tied: b before a
    assert rankwise.evaluate(qrels, run, "RR", ties="ranx")["RR"] == 1.0
    assert_matches_ranx(qrels, run)


@settings(max_examples=60, deadline=None)
@given(ranx_tied(), st.sampled_from([["nDCG@10", "P@5"], ["AP", "ERR@10", "bpref"]]))
def test_trec_eval_is_the_default_and_unchanged(data, measures) -> None:  # type: ignore[no-untyped-def]
    qrels, run = data
    default = rankwise.evaluate(qrels, run, measures)
    for q, r in ((qrels, run), (rankwise.Qrels(qrels), rankwise.Run(run))):
        same = rankwise.evaluate(q, r, measures, ties="trec_eval")
        assert dict(same) == dict(default)
        np.testing.assert_array_equal(same.per_query_values, default.per_query_values)
    native = _native.evaluate(rankwise.Qrels(qrels), rankwise.Run(run), measures)
    np.testing.assert_array_equal(native[2].T, default.per_query_values)


def test_every_measure_has_an_expected_value() -> None:
    # Every measure trec_eval's `all_trec` expands to, and each measure family above.
    qrels, run = {"q": {"a": 1, "c": 2}}, {"q": {"a": 1.0, "b": 1.0, "c": 0.5}}
    got = rankwise.evaluate(qrels, run, ["all_trec", *EXPECTED], ties="expected")
    assert len(got.measures) > len(EXPECTED)
    assert not np.isnan(got.per_query_values).any()


def test_expected_refuses_too_many_orders_to_enumerate() -> None:
    # 30 tied documents of 3 labels: 30! / (10!)^3, far above the limit, for the measures
    # computed by enumeration; closed forms have no limit.
    run = {"q": {f"d{i:02}": 1.0 for i in range(30)}}
    qrels = {"q": {f"d{i:02}": i % 3 for i in range(30)}}
    for measure in ("INSQ(T=1,max_rel=2)", "NERR10(p=0.7,max_rel=2)", "Accuracy@5"):
        with pytest.raises(InvalidValueError, match=r"at most 100000 distinct orders") as info:
            rankwise.evaluate(qrels, run, ["P@1", measure], ties="expected")
        assert rankwise.measure_names(measure)[0] in str(info.value)
        assert '"q"' in str(info.value) and "30 ranked documents" in str(info.value)
    closed = rankwise.evaluate(qrels, run, ["iprec_at_recall.0.50", "G", "ERR"], ties="expected")
    assert not np.isnan(closed.per_query_values).any()
    # interpolated precision's exact programme costs about (r t)^2 for a group of t, r
    # relevant: 1000 tied documents, 100 relevant, are refused by name, 200 are not
    big = {"q": {f"d{i:04}": 1.0 for i in range(1000)}}
    big_qrels = {"q": {f"d{i:04}": int(i % 10 == 0) for i in range(1000)}}
    for measure in ("iprec_at_recall.0.50", "11pt_avg"):
        with pytest.raises(InvalidValueError, match=r"\(r t\)\^2") as info:
            rankwise.evaluate(big_qrels, big, measure, ties="expected")
        assert rankwise.measure_names(measure)[0] in str(info.value)
        assert '"q"' in str(info.value) and "1000 ranked documents" in str(info.value)
    # G sums over count vectors of each gain in a group: 3000 tied documents of 3 gains
    many = {"q": {f"d{i:04}": 1.0 for i in range(3000)}}
    many_qrels = {"q": {f"d{i:04}": i % 4 for i in range(3000)}}
    with pytest.raises(InvalidValueError, match=r"G its size times") as info:
        rankwise.evaluate(many_qrels, many, ["binG", "G"], ties="expected")
    assert '"G"' in str(info.value) and "3000 ranked documents" in str(info.value)
    some = {"q": {d: s for d, s in list(big["q"].items())[:200]}}
    value = rankwise.evaluate(big_qrels, some, "iprec_at_recall.0.10", ties="expected")
    assert 0 < value["iprec_at_recall_0.10"] < 1
    # the tie effect leaves such a measure's expected value out (NaN), not the report
    with pytest.warns(RuntimeWarning, match="no expected value"):
        effect = rankwise.evaluate(qrels, run, ["RR", "INSQ(T=1,max_rel=2)"]).tie_effect()
    assert {r[1] for r in effect.rows} == {"RR", "INSQ(T=1,max_rel=2)"}
    with pytest.raises(InvalidValueError, match="max_docs"):
        rankwise.evaluate(qrels, run, "P@1", ties="expected", max_docs=1)
    for bad in ("trec", "Expected", None, 1):
        with pytest.raises(InvalidValueError, match="`ties` must be"):
            rankwise.evaluate(qrels, run, "P@1", ties=bad)  # type: ignore[arg-type]


def test_tie_effect_gives_nan_to_the_queries_over_the_limit_only() -> None:
    """One query with too many orders of tied labels for INSQ (computed by enumeration)
    beside others: NaN for that (query, measure) alone, named in ``no_expected``, the repr
    and a warning; the other queries keep their exact expected value."""
    qrels = {
        "big": {f"d{i:02}": i % 3 for i in range(30)},  # 30! / (10!)^3 orders
        "small": {"a": 2, "b": 0, "c": 1},
        "free": {"x": 1},
    }
    run = {
        "big": {f"d{i:02}": 1.0 for i in range(30)},
        "small": {"a": 1.0, "b": 1.0, "c": 1.0},
        "free": {"x": 2.0, "y": 1.0},
    }
    measures = ["RR", "INSQ(T=1,max_rel=2)"]
    insq = rankwise.measure_names("INSQ(T=1,max_rel=2)")[0]
    with pytest.raises(InvalidValueError, match='"big"'):
        rankwise.evaluate(qrels, run, measures, ties="expected")
    values = _native.evaluate(
        rankwise.Qrels(qrels), rankwise.Run(run), measures, ties="expected", nan_over_limit=True
    )
    query_ids, got = values[1], dict(zip(values[0], values[2], strict=True))
    for q in ("small", "free"):
        alone = rankwise.evaluate({q: qrels[q]}, {q: run[q]}, measures, ties="expected")
        for m in (insq, "RR"):
            assert got[m][query_ids.index(q)] == alone[m], (q, m)
    assert math.isnan(got[insq][query_ids.index("big")])
    assert not math.isnan(got["RR"][query_ids.index("big")])  # a closed form: no limit
    with pytest.warns(RuntimeWarning, match=r"no expected value \(NaN\) for INSQ.* on 'big'"):
        effect = rankwise.evaluate(qrels, run, measures).tie_effect()
    assert effect.no_expected == {insq: ["big"]}
    rows = {(r[0], r[1]): r for r in effect.rows}
    assert rows["small", insq][4] == pytest.approx(got[insq][query_ids.index("small")])
    assert "no expected value (NaN) for 1 queries ('big')" in repr(effect)
    assert not math.isnan(effect._gaps[insq])  # the mean gap over the other queries


def test_expected_with_options() -> None:
    # rel_level, judged_only (trec_eval -J), ignore_identical_ids, missing="zero".
    qrels = {"q": {"q": 1, "a": 1, "b": 0}, "r": {"x": 1}}
    run = {"q": {"q": 0.9, "a": 0.5, "b": 0.5, "c": 0.5}}
    got = rankwise.evaluate(
        qrels, run, ["P@1", "RR"], ties="expected", ignore_identical_ids=True, missing="zero"
    )
    assert got.query_ids == ("q", "r")
    assert got.column("P@1").tolist() == [pytest.approx(1 / 3), 0.0]
    # Without "q", a (relevant), b and c tie: a at each of 3 places with chance 1/3.
    assert got.column("RR").tolist() == [pytest.approx((1 + 1 / 2 + 1 / 3) / 3), 0.0]
    judged = rankwise.evaluate(qrels, run, ["P@2"], ties="expected", judged_only=True)
    # -J drops c: q first, then a and b in either order.
    assert judged["P@2"] == pytest.approx((1 + 0.5) / 2)


@settings(max_examples=40, deadline=None)
@given(ranx_tied())
def test_tie_effect_lists_exactly_the_queries_that_depend_on_the_rule(data) -> None:  # type: ignore[no-untyped-def]
    qrels, run = data
    measures = ["RR", "nDCG@5", "ERR@5"]
    effect = rankwise.evaluate(qrels, run, measures).tie_effect()
    values = {t: rankwise.evaluate(qrels, run, measures, ties=t) for t in ("trec_eval", "ranx")}
    expected = rankwise.evaluate(qrels, run, measures, ties="expected")
    rows = {(r[0], r[1]): r for r in effect.rows}
    for m in rankwise.measure_names(measures):
        for i, q in enumerate(values["trec_eval"].query_ids):
            te, rx = values["trec_eval"].column(m)[i], values["ranx"].column(m)[i]
            ex = expected.column(m)[i] if m in expected.measures else math.nan
            finite = [v for v in (te, rx, ex) if not math.isnan(v)]
            spread = max(finite) - min(finite)
            assert ((q, m) in rows) == (spread > 1e-12)
            if (q, m) in rows:
                row = rows[q, m]
                assert row[2:5] == pytest.approx((te, rx, ex), nan_ok=True)
                finite = [v for v in (te, rx, ex) if not math.isnan(v)]
                assert (row[5], row[6]) == (min(finite), max(finite))
    frame = effect.to_pandas()
    assert list(frame.columns) == list(effect.columns) and len(frame) == len(effect)
    assert set(effect.queries) == {r[0] for r in effect.rows}
    assert sum(effect.counts.values()) == len(effect)
    assert repr(effect).startswith(f"TieEffect over {len(values['trec_eval'].query_ids)} queries")


def test_tie_effect_without_its_inputs_is_a_clear_error() -> None:
    report = rankwise.evaluate({"q": {"a": 1}}, {"q": {"a": 1.0, "b": 1.0}}, "RR")
    assert len(report.tie_effect()) == 1
    with pytest.raises(InvalidValueError, match="qrels and run"):
        pickle.loads(pickle.dumps(report)).tie_effect()
    quiet = rankwise.evaluate({"q": {"a": 1}}, {"q": {"a": 1.0, "b": 0.5}}, "RR").tie_effect()
    assert len(quiet) == 0 and "0 of 1 depend" in repr(quiet)
