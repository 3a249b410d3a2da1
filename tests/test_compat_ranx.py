"""rankwise.compat.ranx against ranx 0.3.21 itself.

ranx ranks tied scores in the order numba's argsort leaves them, so the property tests use
scores distinct in float64; rankwise's tie rule (score descending, doc id descending) is
pinned separately. ranx compiles a numba signature per maximum id length: ids are fixed-width.
Every test calling ranx is capped (``max_examples``) to keep CI time small.
"""

from __future__ import annotations

import itertools
import math
import warnings
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
import ranx
from hypothesis import given, settings
from hypothesis import strategies as st

import rankwise
from rankwise.compat import ranx as rx
from rankwise.errors import InvalidValueError, UnknownMeasureError

from .strategies import distinct_scores

DOCS = [f"d{i:03d}" for i in range(16)]
QUERIES = [f"q{i}" for i in range(5)]


@st.composite
def ranx_data(draw, labels=st.integers(-1, 3), missing_queries=True):
    """qrels and run dicts; some queries all-zero or all-negative, some the run misses, some
    the run has alone (dropped by make_comparable), scores distinct."""
    qs = draw(st.lists(st.sampled_from(QUERIES), min_size=1, max_size=len(QUERIES), unique=True))
    qrels, run = {}, {}
    for q in qs:
        judged = draw(st.lists(st.sampled_from(DOCS), min_size=1, max_size=10, unique=True))
        qrels[q] = {d: draw(labels) for d in judged}
        retrieved = draw(st.lists(st.sampled_from(DOCS), min_size=1, max_size=12, unique=True))
        run[q] = dict(zip(retrieved, draw(distinct_scores(len(retrieved))), strict=True))
    if missing_queries and len(qs) > 1 and draw(st.booleans()):
        del run[qs[0]]  # judged, not retrieved: 0 under make_comparable
    if missing_queries and draw(st.booleans()):
        run["zz"] = {"d000": 1.0}  # retrieved, not judged: dropped
    return qrels, run


METRICS = st.sampled_from(
    [
        *("hits", "hit_rate", "precision", "recall", "f1", "mrr", "map"),
        *("dcg", "dcg_burges", "ndcg", "ndcg_burges"),
    ]
)


@st.composite
def metric_names(draw):
    out = []
    for _ in range(draw(st.integers(1, 4))):
        name = draw(METRICS)
        k = draw(st.sampled_from([0, 1, 3, 5, 20]))
        rel = draw(st.sampled_from([1, 1, 2, 3]))
        out.append(name + (f"@{k}" if k else "") + (f"-l{rel}" if rel != 1 else ""))
    for extra in ("r-precision", "bpref", "rbp.8", "rbp.95"):
        if draw(st.booleans()):
            out.append(extra + draw(st.sampled_from(["", "-l2"])))
    return list(dict.fromkeys(out))


def ranx_per_query(qrels, run, metrics):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ranx's bpref divides 0 by 0
        out = ranx.evaluate(
            ranx.Qrels(qrels), ranx.Run(run), metrics, return_mean=False, make_comparable=True
        )
    return {metrics[0]: out} if len(metrics) == 1 else out


@settings(max_examples=40, deadline=None)
@given(ranx_data(), metric_names())
def test_evaluate_matches_ranx_per_query(data, metrics):
    qrels, run = data
    want = ranx_per_query(qrels, run, metrics)
    got = rx.evaluate(qrels, run, metrics, return_mean=False, make_comparable=True)
    got = {metrics[0]: got} if len(metrics) == 1 else got
    for m in metrics:
        w = np.asarray(want[m], dtype=float)
        g = got[m]
        assert g.shape == w.shape, m
        if m.startswith("bpref"):
            # ranx divides by 0 for a query without a relevant or without a judged
            # non-relevant document: NaN alone, and among other queries its parallel kernel
            # stops and leaves 0 for every query. rankwise gives trec_eval's values (pinned
            # below); compared only where ranx's are defined.
            assert np.isfinite(g).all()
            rel = int(m.partition("-l")[2] or 1)
            labels = [list(qrels[q].values()) for q in sorted(qrels)]
            if not all(max(v) >= rel > min(v) for v in labels):
                continue
        np.testing.assert_allclose(g, w, rtol=0, atol=1e-12, err_msg=m)


@settings(max_examples=20, deadline=None)
@given(ranx_data(labels=st.integers(0, 2), missing_queries=False), metric_names(), st.booleans())
def test_evaluate_means_std_and_run_scores_match_ranx(data, metrics, with_std):
    qrels, run_dict = data
    metrics = [m for m in metrics if not m.startswith("bpref")]
    if not metrics:
        metrics = ["ndcg@10"]
    theirs = ranx.Run(run_dict, name="x")
    ours = rx.Run(run_dict, name="x")
    want = ranx.evaluate(ranx.Qrels(qrels), theirs, metrics, return_std=with_std)
    got = rx.evaluate(rx.Qrels(qrels), ours, metrics, return_std=with_std)
    if len(metrics) == 1:
        want, got = {metrics[0]: want}, {metrics[0]: got}
    for m in metrics:
        if with_std:
            assert got[m]["mean"] == pytest.approx(want[m]["mean"], abs=1e-12)
            assert got[m]["std"] == pytest.approx(want[m]["std"], abs=1e-12)
            assert ours.std_scores[m] == pytest.approx(theirs.std_scores[m], abs=1e-12)
        else:
            assert got[m] == pytest.approx(want[m], abs=1e-12)
        assert ours.mean_scores[m] == pytest.approx(theirs.mean_scores[m], abs=1e-12)
        assert ours.scores[m].keys() == theirs.scores[m].keys()
        for q, v in theirs.scores[m].items():
            assert ours.scores[m][q] == pytest.approx(v, abs=1e-12)


def test_tied_scores_follow_trec_eval_order():
    # ranx keeps ties in numba's argsort order; rankwise ranks them by doc id, descending.
    qrels = {"q": {"a": 1, "b": 0}}
    run = {"q": {"a": 1.0, "b": 1.0}}
    assert rx.evaluate(qrels, run, "mrr") == 0.5
    assert rx.evaluate(qrels, run, "ndcg") == rankwise.evaluate(qrels, run, "nDCG")["nDCG"]


def test_bpref_without_judged_non_relevant_is_trec_eval_value_not_nan():
    # ranx: NaN here (0 / 0), and 0 for every query when evaluated among others
    qrels = {"q": {"a": 1, "b": 1}}
    run = {"q": {"a": 0.9, "c": 0.5}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert math.isnan(ranx.evaluate(ranx.Qrels(qrels), ranx.Run(run), "bpref"))
    assert rx.evaluate(qrels, run, "bpref") == rankwise.evaluate(qrels, run, "Bpref")["Bpref"]
    assert rx.evaluate(qrels, run, "bpref") == 0.5


def test_bpref_counts_negative_labels_as_judged_non_relevant_as_ranx():
    qrels = {"q": {"a": 1, "b": -1}}
    run = {"q": {"b": 0.9, "a": 0.5}}
    want = ranx.evaluate(ranx.Qrels(qrels), ranx.Run(run), "bpref")
    assert rx.evaluate(qrels, run, "bpref") == want == 0.0
    assert rankwise.evaluate(qrels, run, "Bpref")["Bpref"] == 1.0  # trec_eval: b unjudged


def test_evaluate_errors_are_clear():
    qrels, run = {"q": {"a": 1}}, {"p": {"a": 1.0}}
    with pytest.raises(InvalidValueError, match="make_comparable"):
        rx.evaluate(qrels, run, "mrr")
    assert rx.evaluate(qrels, run, "mrr", make_comparable=True) == 0.0
    ok = {"q": {"a": 1.0}}
    with pytest.raises(UnknownMeasureError, match="not supported"):
        rx.evaluate(qrels, ok, "ndcg_cut_10")
    with pytest.raises(UnknownMeasureError, match="persistence"):
        rx.evaluate(qrels, ok, "rbp")
    with pytest.raises(UnknownMeasureError, match="NAME"):
        rx.evaluate(qrels, ok, "ndcg@ten")
    with pytest.raises(InvalidValueError, match="positive"):
        rx.evaluate(qrels, ok, "precision@1-l0")
    with pytest.raises(TypeError, match="metrics"):
        rx.evaluate(qrels, ok, [3])


# --- compare ----------------------------------------------------------------------------------


@st.composite
def systems(draw):
    n_q = draw(st.integers(3, 12))
    qs = [f"q{i:02d}" for i in range(n_q)]
    qrels = {
        q: {
            d: draw(st.integers(0, 2))
            for d in draw(st.lists(st.sampled_from(DOCS), min_size=1, max_size=6, unique=True))
        }
        for q in qs
    }
    runs = []
    for s in range(draw(st.integers(2, 4))):
        run = {}
        for q in qs:
            docs = draw(st.lists(st.sampled_from(DOCS), min_size=1, max_size=8, unique=True))
            run[q] = dict(zip(docs, draw(distinct_scores(len(docs))), strict=True))
        runs.append((f"s{s}", run))
    return qrels, runs


@settings(max_examples=10, deadline=None)
@given(systems(), st.sampled_from([["ndcg@5"], ["map", "mrr@3"], ["precision@2", "f1@3-l2"]]))
def test_compare_student_matches_ranx(data, metrics):
    qrels, runs = data
    want = ranx.compare(
        ranx.Qrels(qrels), [ranx.Run(r, name=n) for n, r in runs], metrics, max_p=0.05
    )
    got = rx.compare(rx.Qrels(qrels), [rx.Run(r, name=n) for n, r in runs], metrics, max_p=0.05)
    assert got.model_names == want.model_names
    for n in got.model_names:
        for m in metrics:
            assert got.results[n][m] == pytest.approx(want.results[n][m], abs=1e-12)
    agree = True
    for i, a in enumerate(got.model_names):
        for b in got.model_names[i + 1 :]:
            assert got.win_tie_loss[(a, b)] == want.win_tie_loss[(a, b)]
            assert got.win_tie_loss[(b, a)] == want.win_tie_loss[(b, a)]
            for m in metrics:
                p_ranx = want.comparisons[a, b][m]["p_value"]
                p = got.comparisons[b, a][m]["p_value"]
                if math.isnan(p_ranx):  # identical per-query values: ranx NaN, rankwise 1
                    assert p == 1.0
                    continue
                assert p == pytest.approx(p_ranx, rel=1e-9, abs=1e-12)
                agree &= (
                    got.comparisons[a, b][m]["significant"]
                    == want.comparisons[a, b][m]["significant"]
                )
    if agree:
        assert str(got) == str(want)
        assert got.to_latex() == want.to_latex()
        assert got.to_dict()["model_names"] == want.to_dict()["model_names"]


def _exact_randomization_p(x: np.ndarray, y: np.ndarray) -> float:
    """The exact two-sided randomization p-value over all 2**n sign flips of the per-query
    differences, in rational arithmetic. A flip whose statistic equals the observed one
    counts; "equal" within a relative 1e-12, because the per-query values themselves carry
    float rounding (1/3 + 1/6 need not be 1/2 to the last bit)."""
    d = [Fraction(float(a)) - Fraction(float(b)) for a, b in zip(x, y, strict=True)]
    observed = abs(sum(d))
    threshold = observed - observed * Fraction(1, 10**12)
    hits = sum(
        abs(sum(s * v for s, v in zip(signs, d, strict=True))) >= threshold
        for signs in itertools.product((1, -1), repeat=len(d))
    )
    return hits / 2 ** len(d)


@settings(max_examples=5, deadline=None)
@given(systems())
def test_compare_fisher_p_values_estimate_the_exact_randomization_p_value(data):
    # Compared with the exact test, not with ranx: ranx compares float means with `>=`, so a
    # permutation whose statistic equals the observed one (common: AP takes few values on
    # small qrels) is counted or not by rounding. CI's hypothesis found ranx at 0.74 where
    # the exact p-value is 0.875. rankwise's estimate from 4000 resamples (standard error
    # <= 0.008) must be within 0.05 of the exact value, and reproducible for a seed.
    qrels, runs = data
    kwargs = dict(stat_test="fisher", n_permutations=4000, random_seed=7)
    wrapped = [rx.Run(r, name=n) for n, r in runs]
    got = rx.compare(qrels, wrapped, ["map"], **kwargs)
    again = rx.compare(qrels, [rx.Run(r, name=n) for n, r in runs], ["map"], **kwargs)
    per_query = {n: rx.evaluate(qrels, r, "map", return_mean=False) for n, r in runs}
    for i, (a, _) in enumerate(runs):
        for b, _ in runs[i + 1 :]:
            p = got.comparisons[a, b]["map"]["p_value"]
            assert p == again.comparisons[a, b]["map"]["p_value"]  # reproducible for a seed
            assert p == pytest.approx(_exact_randomization_p(per_query[a], per_query[b]), abs=0.05)


@settings(max_examples=8, deadline=None)
@given(systems())
def test_compare_tukey_matches_ranx(data):
    qrels, runs = data
    want = ranx.compare(
        ranx.Qrels(qrels), [ranx.Run(r, name=n) for n, r in runs], ["map"], stat_test="tukey"
    )
    got = rx.compare(qrels, [rx.Run(r, name=n) for n, r in runs], ["map"], stat_test="tukey")
    for i, a in enumerate(got.model_names):
        for b in got.model_names[i + 1 :]:
            p_ranx = want.comparisons[a, b]["map"]["p_value"]
            p = got.comparisons[a, b]["map"]["p_value"]
            if math.isnan(p_ranx):  # no spread within any run: scipy NaN (see stats.tukey_hsd)
                continue
            assert p == pytest.approx(p_ranx, abs=1e-9)


def test_compare_refuses_unknown_tests_and_single_runs():
    qrels = {"q": {"a": 1}}
    runs = [rx.Run({"q": {"a": 1.0}}), rx.Run({"q": {"a": 2.0}})]
    with pytest.raises(InvalidValueError, match="'student', 'fisher' or 'tukey'; got 'wilcoxon'"):
        rx.compare(qrels, runs, "mrr", stat_test="wilcoxon")
    with pytest.raises(InvalidValueError, match="at least 2"):
        rx.compare(qrels, runs[:1], "mrr")
    report = rx.compare(qrels, runs, "mrr")
    assert report.model_names == ["run_1", "run_2"]
    assert report.comparisons["run_2", "run_1"]["mrr"] == {"p_value": 1.0, "significant": False}
    assert list(report.to_dataframe().columns) == ["model_names", "mrr"]


# --- Qrels and Run ------------------------------------------------------------------------------


@settings(max_examples=5, deadline=None)
@given(ranx_data(missing_queries=False))
def test_qrels_and_run_round_trips_equal_ranx(tmp_path_factory, data):
    qrels, run = data
    tmp = tmp_path_factory.mktemp("io")
    ours_q, ours_r = rx.Qrels.from_dict(qrels), rx.Run.from_dict(run, name="sys")
    assert dict(ours_q.to_dict()) == {q: dict(d) for q, d in ranx.Qrels(qrels).to_dict().items()}
    assert dict(ours_r.to_dict()) == {q: dict(d) for q, d in ranx.Run(run).to_dict().items()}
    assert ours_q.get_query_ids() == ranx.Qrels(qrels).get_query_ids()
    assert ours_r.get_query_ids() == ranx.Run(run).get_query_ids()
    for ext in ("json", "trec", "txt"):
        ours_q.save(tmp / f"q.{ext}")
        ours_r.save(tmp / f"r.{ext}")
        assert ranx.Qrels.from_file(str(tmp / f"q.{ext}")).to_dict() == ours_q.to_dict()
        assert ranx.Run.from_file(str(tmp / f"r.{ext}")).to_dict() == ours_r.to_dict()
        assert rx.Qrels.from_file(tmp / f"q.{ext}").to_dict() == ours_q.to_dict()
        back = rx.Run.from_file(tmp / f"r.{ext}")
        assert back.to_dict() == ours_r.to_dict()
        ranx.Run(run, name="sys").save(str(tmp / f"theirs.{ext}"))
        assert rx.Run.from_file(tmp / f"theirs.{ext}").to_dict() == ours_r.to_dict()
    assert rx.Run.from_file(tmp / "r.trec").name == "sys"
    frame = ours_r.to_dataframe()
    assert list(frame.columns) == ["q_id", "doc_id", "score"]
    assert rx.Run.from_df(frame).to_dict() == ranx.Run.from_df(frame).to_dict()
    qframe = ours_q.to_dataframe()
    assert rx.Qrels.from_df(qframe).to_dict() == ours_q.to_dict()


def test_mutations_and_make_comparable():
    qrels = rx.Qrels()
    qrels.add("q1", ["a", "b"], [1, 0])
    qrels.add_score("q2", "c", 2)
    assert qrels.to_dict() == {"q1": {"a": 1, "b": 0}, "q2": {"c": 2}}
    assert qrels.qrels["q2"]["c"] == 2  # ranx's attribute, a plain dict here
    run = rx.Run()
    run.add_multi(["q1", "q3"], [["a"], ["z"]], [[0.5], [0.1]])
    run.make_comparable(qrels)
    assert run.get_query_ids() == ["q1", "q2"]
    assert run["q2"] == {} and run.run["q1"] == {"a": 0.5}
    assert rx.evaluate(qrels, run, "mrr", return_mean=False).tolist() == [1.0, 0.0]
    assert len(run) == run.size == 2 and "q1" in run and list(run) == ["q1", "q2"]


# --- fuse ---------------------------------------------------------------------------------------


FUSIONS = {  # ranx's name: rankwise.fuse's (tests/test_compare.py pins those against ranx)
    "sum": "combsum",
    "mnz": "combmnz",
    "max": "combmax",
    "min": "combmin",
    "anz": "combanz",
    "rrf": "rrf",
    "isr": "isr",
    "bordafuse": "borda",
    "wsum": "wsum",
    "med": "combmed",
    "gmnz": "combgmnz",
    "logn_isr": "logn_isr",
    "condorcet": "condorcet",
    "rbc": "rbc",
    "wmnz": "wmnz",
    "mixed": "mixed",
    "posfuse": "posfuse",
    "mapfuse": "mapfuse",
}
FUSION_PARAMS: dict[str, dict[str, object]] = {
    "wsum": {"weights": [0.3, 0.7]},
    "wmnz": {"weights": [0.3, 0.7]},
    "mixed": {"weights": [0.6, 0.4]},
    "gmnz": {"gamma": 0.5},
    "logn_isr": {"sigma": 0.05},
    "rbc": {"phi": 0.8},
}


@settings(max_examples=30, deadline=None)
@given(
    ranx_data(missing_queries=False),
    st.sampled_from(sorted(FUSIONS)),
    st.sampled_from(["min-max", "max", "sum", "zmuv", "rank", "borda", None]),
)
def test_fuse_is_rankwise_fuse_under_ranx_names(data, method, norm):
    _, run = data
    other = {q: {d: -s / 3 + 1 for d, s in docs.items()} for q, docs in run.items()}
    params = dict(FUSION_PARAMS.get(method, {}))
    runs = [
        rankwise.Run(run, score_precision="float64"),
        rankwise.Run(other, score_precision="float64"),
    ]
    if method in ("posfuse", "mapfuse"):  # trained on the runs' own queries, as ranx's *_train
        qrels = {q: {d: 1 for d in list(docs)[::2]} for q, docs in run.items()}
        params = rankwise.fusion_train(qrels, runs, method)
    got = rx.fuse([rx.Run(run), rx.Run(other)], norm=norm, method=method, params=params)
    want = rankwise.fuse(runs, FUSIONS[method], norm=norm, **params)  # type: ignore[arg-type]
    assert got.to_dict() == want.to_dict()


# Only the wiring against ranx itself (each method compiles its own numba code in ranx).
@settings(max_examples=5, deadline=None)
@given(ranx_data(missing_queries=False), st.sampled_from(["rrf", "wsum"]))
def test_fuse_matches_ranx(data, method):
    _, run = data
    other = {q: {d: -s / 3 + 1 for d, s in docs.items()} for q, docs in run.items()}
    params = {"weights": [0.3, 0.7]} if method == "wsum" else {}
    want = ranx.fuse([ranx.Run(run), ranx.Run(other)], method=method, params=params)
    got = rx.fuse([rx.Run(run), rx.Run(other)], method=method, params=params)
    assert got.name == want.name
    w, g = want.to_dict(), got.to_dict()
    assert w.keys() == g.keys()
    for q in w:
        assert w[q].keys() == g[q].keys()
        for d, v in w[q].items():
            assert g[q][d] == pytest.approx(v, rel=1e-9, abs=1e-12), (q, d)


def test_fuse_refuses_unknown_methods_and_bad_params():
    runs = [rx.Run({"q": {"a": 1.0}}), rx.Run({"q": {"a": 2.0}})]
    with pytest.raises(InvalidValueError, match=r"supported: .*rrf.*w_condorcet"):
        rx.fuse(runs, method="w_borda")
    with pytest.raises(InvalidValueError, match="weights"):
        rx.fuse(runs)
    with pytest.raises(InvalidValueError, match=r"unexpected `params` for 'rbc': \['k'\]"):
        rx.fuse(runs, method="rbc", params={"k": 3, "phi": 0.5})
    with pytest.raises(InvalidValueError, match="do not match"):
        rx.fuse([runs[0], rx.Run({"p": {"a": 1.0}})], method="rrf")


def test_dataframe_round_trip_keeps_float64_scores():
    frame = pd.DataFrame({"q_id": ["q", "q"], "doc_id": ["a", "b"], "score": [0.1 + 1e-12, 0.1]})
    run = rx.Run.from_df(frame)
    assert rx.evaluate({"q": {"a": 1}}, run, "mrr") == 1.0  # a above b: no float32 tie
