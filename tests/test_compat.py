"""rankwise.compat equals the packages it replaces: pytrec_eval and sklearn (torchmetrics:
``test_compat_torchmetrics``, which needs PyTorch).

Each original is a test dependency; hypothesis feeds both the same inputs, with ties, graded
and negative labels, relevance levels and cutoffs past the end of the list.
"""

from __future__ import annotations

import math
from contextlib import nullcontext

import numpy as np
import pytest
import pytrec_eval
import sklearn.metrics
from hypothesis import given
from hypothesis import strategies as st

from rankwise.compat import pytrec_eval as compat_pytrec
from rankwise.compat import sklearn as compat_sklearn

from .strategies import TIED_SCORES, distinct_scores, qrels_and_run

# --------------------------------------------------------------------------------------------
# pytrec_eval


def assert_same_nested(expected, ours, tol=1e-12):
    assert list(ours) == list(expected)  # the same queries in the same order (the run's)
    for q, values in expected.items():
        assert set(ours[q]) == set(values), (q, set(ours[q]) ^ set(values))
        for name, want in values.items():
            got = ours[q][name]
            if math.isnan(want):
                # trec_eval divides 0 by 0 on an empty ranking; rankwise gives 0 (module doc).
                assert name.startswith(("iprec_at_recall", "11pt_avg")), (q, name)
                assert got == 0.0
            else:
                assert got == pytest.approx(want, abs=tol), (q, name, got, want)


@given(qrels_and_run(), st.sampled_from([1, 2, 3]), st.booleans())
def test_relevance_evaluator_equals_pytrec_eval_on_every_measure(data, level, judged_only):
    qrels, run = data
    kwargs = {"relevance_level": level, "judged_docs_only_flag": judged_only}
    expected = pytrec_eval.RelevanceEvaluator(qrels, {"all_trec"}, **kwargs).evaluate(run)
    ours = compat_pytrec.RelevanceEvaluator(qrels, {"all_trec"}, **kwargs).evaluate(run)
    assert_same_nested(expected, ours)


@given(qrels_and_run())
def test_relevance_evaluator_keeps_the_qrels_it_was_given_as_pytrec_eval(data):
    # pytrec_eval copies the judgements at construction: changing the caller's dicts later
    # changes nothing. rankwise keeps a copy of a plain dict (read directly by `evaluate`).
    qrels, run = data
    measures = {"map", "ndcg_cut.3", "num_rel"}
    theirs = pytrec_eval.RelevanceEvaluator(qrels, measures)
    ours = compat_pytrec.RelevanceEvaluator(qrels, measures)
    for q, docs in list(qrels.items()):
        for d in list(docs):
            docs[d] = 3 - docs[d]
        docs["added"] = 1
        qrels["new" + q] = {"x": 1}
    expected = theirs.evaluate(run)
    got = ours.evaluate(run)
    assert list(got) == list(expected)
    assert_same_nested(expected, got)


@given(qrels_and_run())
def test_relevance_evaluator_reuses_its_qrels_on_either_path_as_pytrec_eval(data):
    # One evaluator, many runs: plain dicts (read against the labels kept at construction)
    # and numpy scores (the general path, which builds `Qrels` from the kept copy), in turn.
    qrels, run = data
    measures = {"map", "ndcg_cut.3", "recip_rank", "num_rel_ret"}
    theirs = pytrec_eval.RelevanceEvaluator(qrels, measures)
    ours = compat_pytrec.RelevanceEvaluator(qrels, measures)
    numpy_run = {q: {d: np.float64(s) for d, s in docs.items()} for q, docs in run.items()}
    for scores in (run, numpy_run, run):
        assert_same_nested(theirs.evaluate(scores), ours.evaluate(scores))


MEASURE_SETS = [
    {"map", "ndcg_cut.3,10", "P_5", "recall.2"},
    {"official"},
    {"set"},
    {"P", "P.3"},  # a family with and without parameters: only the parameters count
    {"iprec_at_recall.0.25,0.5", "Rprec_mult.0.5", "relative_P_2", "map_cut_1,4"},
    {"set_F.0.5", "success.1,3", "gm_bpref", "gm_map", "runid", "relstring"},
]


@given(qrels_and_run(), st.sampled_from(MEASURE_SETS))
def test_measure_names_parameters_and_nicknames_as_pytrec_eval(data, measures):
    qrels, run = data
    expected = pytrec_eval.RelevanceEvaluator(qrels, measures).evaluate(run)
    ours = compat_pytrec.RelevanceEvaluator(qrels, measures).evaluate(run)
    assert_same_nested(expected, ours)


def test_pytrec_eval_module_surface():
    assert compat_pytrec.supported_measures == set(pytrec_eval.supported_measures)
    for nick in ("official", "set", "all_trec"):
        assert compat_pytrec.supported_nicknames[nick] == set(pytrec_eval.supported_nicknames[nick])
    qrels = {"q1": {"d1": 1}, "q2": {}}
    evaluator = compat_pytrec.RelevanceEvaluator(qrels, ["map"])
    assert evaluator.evaluate({}) == {}
    # queries without judgements are dropped, as pytrec_eval does
    assert evaluator.evaluate({"q2": {"d1": 1.0}, "q1": {"d1": 1.0}}) == {"q1": {"map": 1.0}}
    # an empty ranking of a judged query is evaluated (as pytrec_eval does)
    assert evaluator.evaluate({"q1": {}}) == {"q1": {"map": 0.0}}
    assert "RelevanceEvaluator(1 judged queries" in repr(evaluator)


def test_pytrec_eval_unsupported_measures_raise_value_error():
    with pytest.raises(ValueError, match="unsupported measure ndcg@10"):
        compat_pytrec.RelevanceEvaluator({"q": {"d": 1}}, {"ndcg@10"})
    with pytest.raises(ValueError, match="default parameters only"):
        compat_pytrec.RelevanceEvaluator({"q": {"d": 1}}, {"11pt_avg.0.5"})
    with pytest.raises(ValueError, match="4 coefficients"):
        compat_pytrec.RelevanceEvaluator({"q": {"d": 1}}, {"utility.2"})
    with pytest.raises(TypeError, match="not a str"):
        compat_pytrec.RelevanceEvaluator({"q": {"d": 1}}, "map")


query_ids = st.text("abcq0123", min_size=1, max_size=3)
judgements = st.dictionaries(
    st.text("dxyz019", min_size=1, max_size=3), st.integers(-1, 3), max_size=4
)
rankings = st.dictionaries(
    st.text("dxyz019", min_size=1, max_size=3),
    st.integers(-50, 50).map(lambda v: v / 4),
    min_size=1,
    max_size=4,
)


@given(
    st.dictionaries(query_ids, judgements, max_size=3),
    st.dictionaries(query_ids.map(lambda q: "r" + q), rankings, min_size=1, max_size=3),
    st.sampled_from([{"map", "ndcg"}, {"official"}, set()]),
)
def test_evaluate_without_a_judged_run_query_is_empty_as_pytrec_eval(qrels, run, measures):
    # Run queries start with "r", judged ones never do: no query in common (or no qrels).
    expected = pytrec_eval.RelevanceEvaluator(qrels, measures).evaluate(run)
    assert expected == {}
    assert compat_pytrec.RelevanceEvaluator(qrels, measures).evaluate(run) == expected


def test_pytrec_evals_empty_cases_give_its_answers():
    qrels = {"q1": {"d1": 0, "d2": 1}, "q2": {"d2": 1}}
    run = {"q1": {"d1": 1.0, "d2": 0.5}, "q2": {}}
    for q, m, r in [({}, {"map"}, run), ({}, set(), run), (qrels, set(), run), ({}, {}, {})]:
        expected = pytrec_eval.RelevanceEvaluator(q, m).evaluate(r)
        assert compat_pytrec.RelevanceEvaluator(q, m).evaluate(r) == expected


def _trec_lines(data, fmt):
    return [fmt.format(q=q, d=d, v=v) for q, docs in data.items() for d, v in docs.items()]


@given(qrels_and_run())
def test_parse_qrel_and_parse_run_equal_pytrec_eval(data):
    qrels, run = data
    qrel_lines = _trec_lines(qrels, "{q} 0 {d} {v}\n")
    run_lines = _trec_lines(run, " {q}\tQ0 {d} 1 {v!r} tag \n")
    for name, lines in (("parse_qrel", qrel_lines), ("parse_run", run_lines)):
        expected = getattr(pytrec_eval, name)(lines)
        ours = getattr(compat_pytrec, name)(lines)
        assert type(ours) is type(expected)
        assert ours == expected
        assert [list(d.items()) for d in ours.values()] == [
            list(d.items()) for d in expected.values()
        ]


@pytest.mark.parametrize(
    ("name", "lines", "error"),
    [
        ("parse_qrel", ["q 0 d 1", "q 0 d 2"], AssertionError),  # judged twice
        ("parse_qrel", ["q 0 d"], ValueError),
        ("parse_qrel", ["q 0 d 1.5"], ValueError),
        ("parse_run", ["q Q0 d 1 2.0 t", "q Q0 d 2 1.0 t"], AssertionError),
        ("parse_run", ["q Q0 d 1 2.0"], ValueError),
        ("parse_run", ["q Q0 d 1 high t"], ValueError),
    ],
)
def test_parsers_fail_as_pytrec_eval(name, lines, error):
    with pytest.raises(error):
        getattr(pytrec_eval, name)(lines)
    with pytest.raises(error):
        getattr(compat_pytrec, name)(lines)


@given(
    st.sampled_from(["map", "num_ret", "num_rel_ret", "gm_map", "gm_bpref", "P_5"]),
    st.lists(st.floats(-20, 1e6, allow_nan=False), min_size=1, max_size=30),
)
def test_compute_aggregated_measure_equals_pytrec_eval_bit_for_bit(measure, values):
    expected = pytrec_eval.compute_aggregated_measure(measure, values)
    ours = compat_pytrec.compute_aggregated_measure(measure, values)
    assert type(ours) is float
    assert ours == expected or (math.isnan(ours) and math.isnan(expected))


def test_compute_aggregated_measure_of_no_values_as_pytrec_eval():
    for measure in ("map", "num_ret", "gm_map"):
        with (
            np.errstate(all="ignore"),
            pytest.warns(RuntimeWarning) if measure == "map" else (nullcontext()),
        ):
            expected = pytrec_eval.compute_aggregated_measure(measure, [])
        with (
            np.errstate(all="ignore"),
            pytest.warns(RuntimeWarning) if measure == "map" else (nullcontext()),
        ):
            ours = compat_pytrec.compute_aggregated_measure(measure, [])
        assert ours == expected or (math.isnan(ours) and math.isnan(expected))


def test_compute_aggregated_measure_names_malformed_arguments():
    """benches/fuzz_api.py: a non-str measure escaped as AttributeError, a huge int value as
    OverflowError (as in pytrec_eval itself, but this is a rankwise error naming them)."""
    from rankwise.errors import InvalidValueError, RankwiseTypeError

    with pytest.raises(RankwiseTypeError, match="`measure`"):
        compat_pytrec.compute_aggregated_measure(-3719216332340670, [0.5])
    for measure in ("P_5", "num_ret", "gm_map"):
        with pytest.raises(InvalidValueError, match="`values`"):
            compat_pytrec.compute_aggregated_measure(measure, [2**2000, 0])
    with pytest.raises(RankwiseTypeError, match="`values`"):
        compat_pytrec.compute_aggregated_measure("map", ["a"])


def test_pytrec_evals_own_integration_flow_on_a_trec_file(tmp_path):
    # pytrec_eval's tests: parse_qrel/parse_run over open files, evaluate, then aggregate
    # every measure with compute_aggregated_measure; the same on both sides.
    qrels = {"q1": {"d1": 2, "d2": 0, "d3": 1}, "q2": {"d1": 1, "d4": 0}}
    run = {"q1": {"d1": 0.2, "d2": 0.9, "d3": 0.5}, "q2": {"d4": 1.0, "d1": 0.1, "d9": 3.0}}
    (tmp_path / "qrels").write_text("".join(_trec_lines(qrels, "{q} 0 {d} {v}\n")))
    (tmp_path / "run").write_text("".join(_trec_lines(run, "{q} Q0 {d} 0 {v} t\n")))
    results = []
    for module in (pytrec_eval, compat_pytrec):
        with open(tmp_path / "qrels") as fq, open(tmp_path / "run") as fr:
            per_query = module.RelevanceEvaluator(
                module.parse_qrel(fq), {"official", "ndcg"}
            ).evaluate(module.parse_run(fr))
        measures = next(iter(per_query.values()))
        results.append(
            {
                m: module.compute_aggregated_measure(m, [v[m] for v in per_query.values()])
                for m in measures
            }
        )
    assert results[1] == pytest.approx(results[0], abs=1e-12)


# --------------------------------------------------------------------------------------------
# sklearn


@st.composite
def dcg_inputs(draw, negative=False, tied=True):
    rows = draw(st.integers(1, 5))
    cols = draw(st.integers(2, 9))
    if tied:
        scores = draw(st.lists(TIED_SCORES, min_size=rows * cols, max_size=rows * cols))
    else:
        scores = [x for _ in range(rows) for x in draw(distinct_scores(cols))]
    low = -2 if negative else 0
    labels = draw(st.lists(st.integers(low, 4), min_size=rows * cols, max_size=rows * cols))
    y_score = np.array(scores, dtype=np.float64).reshape(rows, cols)
    y_true = np.array(labels, dtype=np.int64).reshape(rows, cols)
    k = draw(st.one_of(st.none(), st.integers(1, cols + 2)))
    weights = draw(st.one_of(st.none(), st.lists(st.floats(0.1, 3), min_size=rows, max_size=rows)))
    return y_true, y_score, k, weights


@given(dcg_inputs(), st.booleans())
def test_ndcg_score_equals_sklearn(inputs, ignore_ties):
    y_true, y_score, k, weights = inputs
    kwargs = {"k": k, "sample_weight": weights, "ignore_ties": ignore_ties}
    want = sklearn.metrics.ndcg_score(y_true, y_score, **kwargs)
    got = compat_sklearn.ndcg_score(y_true, y_score, **kwargs)
    assert isinstance(got, float)
    assert got == pytest.approx(want, rel=1e-12, abs=1e-12)


@given(dcg_inputs(negative=True), st.booleans(), st.sampled_from([2, 10, math.e, 1.5]))
def test_dcg_score_equals_sklearn(inputs, ignore_ties, log_base):
    y_true, y_score, k, weights = inputs
    kwargs = {"k": k, "sample_weight": weights, "ignore_ties": ignore_ties, "log_base": log_base}
    want = sklearn.metrics.dcg_score(y_true, y_score, **kwargs)
    got = compat_sklearn.dcg_score(y_true, y_score, **kwargs)
    assert got == pytest.approx(want, rel=1e-12, abs=1e-12)


def test_sklearn_validation_matches():
    good = np.array([[1, 0, 2]])
    with pytest.raises(ValueError, match="negative y_true"):
        compat_sklearn.ndcg_score(-good, good)
    with pytest.raises(ValueError, match="more than 1 document"):
        compat_sklearn.ndcg_score(np.array([[1]]), np.array([[1]]))
    with pytest.raises(ValueError, match="formats are supported"):
        compat_sklearn.dcg_score(np.array([1, 0]), np.array([1, 0]))
    with pytest.raises(ValueError, match="different shapes"):
        compat_sklearn.ndcg_score(good, np.array([[1, 0]]))
    with pytest.raises(ValueError, match="NaN"):
        compat_sklearn.ndcg_score(good, np.array([[1, np.nan, 0]]))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        compat_sklearn.ndcg_score(good, good, sample_weight=[1, 2])
    # deliberate difference: k must be positive (sklearn returns 0 for k=0)
    with pytest.raises(ValueError, match="k must be a positive integer"):
        compat_sklearn.ndcg_score(good, good, k=0)
