"""Bad input gets a clear ValueError/TypeError that names the argument, what was received and
what was expected; never a panic, a crash or a silent NaN."""

from __future__ import annotations

import gzip
import warnings

import numpy as np
import pytest

import rankwise
from rankwise.errors import (
    DuplicateDocumentError,
    InvalidValueError,
    ParseError,
    RankwiseError,
    RankwiseTypeError,
    ShapeError,
    UnknownMeasureError,
)
from rankwise.metrics import evaluate_arrays, ndcg, precision

S = np.array([[0.3, 0.2, 0.1], [0.5, 0.4, 0.6]])
L = np.array([[1, 0, 0], [0, 1, 2]])


def test_exception_classes_are_builtin_subclasses():
    for cls in (InvalidValueError, ShapeError, UnknownMeasureError, DuplicateDocumentError):
        assert issubclass(cls, ValueError) and issubclass(cls, RankwiseError)
    assert issubclass(RankwiseTypeError, TypeError)
    assert issubclass(ParseError, ValueError)


def test_mismatched_shapes_name_both_shapes():
    with pytest.raises(
        ShapeError, match=r"`labels` must have shape \(2, 3\) matching `scores`; got \(2, 2\)"
    ):
        ndcg(S, L[:, :2])
    with pytest.raises(ShapeError, match=r"`mask` must have shape \(2, 3\)"):
        ndcg(S, L, mask=np.ones((2, 2), dtype=bool))
    with pytest.raises(ShapeError, match="`scores` must be 2-D"):
        ndcg(S[None], L[None])
    with pytest.raises(ShapeError, match=r"`n_relevant` must have shape \(2,\)"):
        ndcg(S, L, n_relevant=[1, 2, 3])


def test_wrong_dtypes_are_type_errors():
    with pytest.raises(RankwiseTypeError, match="`scores` must be a numeric array; got dtype <U1"):
        ndcg([["a", "b"]], [[1, 0]])
    with pytest.raises(RankwiseTypeError, match="`labels` must be a numeric array"):
        ndcg(S, L.astype(object))
    with pytest.raises(RankwiseTypeError, match="`mask` must be a boolean array; got dtype int64"):
        ndcg(S, L, mask=np.ones((2, 3), dtype=np.int64))
    with pytest.raises(RankwiseTypeError, match="`offsets` must be an integer array"):
        ndcg(S.ravel(), L.ravel(), offsets=np.array([0.0, 3.0, 6.0]))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_scores_are_refused_with_their_position(bad):
    s = S.copy()
    s[1, 2] = bad
    with pytest.raises(
        InvalidValueError, match=r"`scores` must be finite .*at query 1, position 2"
    ):
        ndcg(s, L)
    # ... or omitted on request
    out = ndcg(s, L, nan_policy="omit")
    assert np.isfinite(out).all()


def test_non_finite_labels_are_refused():
    labels = L.astype(float)
    labels[0, 1] = np.nan
    with pytest.raises(
        InvalidValueError, match=r"`labels` must be finite; got NaN at query 0, position 1"
    ):
        ndcg(S, labels)


@pytest.mark.parametrize("k", [0, -1, -10])
def test_zero_or_negative_cutoffs_name_k(k):
    with pytest.raises(InvalidValueError, match=f"`k` must be a positive integer; got {k}"):
        ndcg(S, L, k=k)
    with pytest.raises(InvalidValueError, match="`k` must be a positive integer"):
        precision(S, L, k=k)


def test_non_integer_cutoffs_are_type_errors():
    with pytest.raises(RankwiseTypeError, match="`k` must be a positive integer; got float"):
        ndcg(S, L, k=2.5)
    with pytest.raises(RankwiseTypeError):
        ndcg(S, L, k=True)


def test_cutoffs_in_measure_names_are_checked():
    with pytest.raises(UnknownMeasureError, match="the cutoff must be a positive integer"):
        evaluate_arrays(S, L, ["nDCG@0"])
    with pytest.raises(UnknownMeasureError, match="positive integer"):
        rankwise.evaluate({"q": {"d": 1}}, {"q": {"d": 1.0}}, ["P@-5"])


def test_unknown_measures_list_the_valid_ones_and_suggest():
    with pytest.raises(UnknownMeasureError) as e:
        evaluate_arrays(S, L, ["nDGC@10"])
    msg = str(e.value)
    assert "unknown measure 'nDGC@10'" in msg or 'unknown measure "nDGC@10"' in msg
    assert "did you mean nDCG@10" in msg
    assert "valid measures are: nDCG, nDCG@k" in msg
    with pytest.raises(UnknownMeasureError, match="takes no cutoff"):
        rankwise.measure_names(["Bpref@10"])


def test_empty_batch_and_bad_offsets():
    with pytest.raises(ShapeError, match="at least one query"):
        ndcg(np.zeros((0, 3)), np.zeros((0, 3)))
    with pytest.raises(InvalidValueError, match=r"offsets\[1\] = 3 > offsets\[2\] = 2"):
        ndcg(np.zeros(4), np.zeros(4), offsets=[0, 3, 2, 4])
    with pytest.raises(ShapeError, match=r"offsets\[-1\] = 3"):
        ndcg(np.zeros(4), np.zeros(4), offsets=[0, 3])
    with pytest.raises(ShapeError, match="`offsets` applies to 1-D"):
        ndcg(S, L, offsets=[0, 3, 6])


def test_bad_options_name_the_option():
    with pytest.raises(
        InvalidValueError, match="`ties` must be one of 'stable', 'average'; got 'random'"
    ):
        ndcg(S, L, ties="random")
    with pytest.raises(InvalidValueError, match="`gains` must be one of"):
        ndcg(S, L, gains="exp")
    with pytest.raises(InvalidValueError, match="`nan_policy` must be one of"):
        ndcg(S, L, nan_policy="ignore")
    with pytest.raises(InvalidValueError, match="`ties`"):
        evaluate_arrays(S, L, ["AP"], ties="average")
    with pytest.raises(InvalidValueError, match="`rel_level` must be a positive number"):
        evaluate_arrays(S, L, ["AP"], rel_level=0)
    with pytest.raises(InvalidValueError, match="`n_relevant` must be at least"):
        evaluate_arrays(S, L, ["AP"], n_relevant=[0, 0])
    with pytest.raises(InvalidValueError, match="`missing` must be"):
        rankwise.evaluate({"q": {"d": 1}}, {"q": {"d": 1.0}}, "AP", missing="drop")
    with pytest.raises(InvalidValueError, match="`max_docs` must be a positive integer"):
        rankwise.evaluate({"q": {"d": 1}}, {"q": {"d": 1.0}}, "AP", max_docs=0)
    with pytest.raises(InvalidValueError, match="score_precision"):
        rankwise.Run({"q": {"d": 1.0}}, score_precision="float16")


def test_dict_inputs_with_wrong_types_name_the_entry():
    with pytest.raises(RankwiseTypeError, match=r"`run\['q1'\]\['d1'\]`|`run\[\"q1\"\]\[\"d1\"\]`"):
        rankwise.Run({"q1": {"d1": "high"}})
    with pytest.raises(RankwiseTypeError, match="query ids of `qrels` must be a str; got int"):
        rankwise.Qrels({301: {"d1": 1}})
    with pytest.raises(RankwiseTypeError, match="must be a dict"):
        rankwise.Qrels({"q": [("d1", 1)]})
    with pytest.raises(RankwiseTypeError, match=r"`run` must be a rankwise\.Run or a dict"):
        rankwise.evaluate({"q": {"d": 1}}, [("q", "d", 1.0)], "AP")
    with pytest.raises(RankwiseTypeError, match="measure names"):
        rankwise.evaluate({"q": {"d": 1}}, {"q": {"d": 1.0}}, [10])


def test_nan_scores_and_labels_in_dicts_are_refused():
    with pytest.raises(InvalidValueError, match='NaN for query "q1", document "d2"'):
        rankwise.Run({"q1": {"d1": 1.0, "d2": float("nan")}})
    with pytest.raises(InvalidValueError, match="finite relevance labels"):
        rankwise.Qrels({"q1": {"d1": float("inf")}})


def test_no_common_queries_is_an_error_not_a_nan():
    with pytest.raises(InvalidValueError, match="no query in common"):
        rankwise.evaluate({"301": {"d": 1}}, {"q301": {"d": 1.0}}, "AP")


def test_malformed_files_give_path_line_and_text(tmp_path):
    qrels = tmp_path / "qrels.txt"
    qrels.write_text("301 0 d1 1\n301 0 d2 x\n")
    with pytest.raises(ParseError) as e:
        rankwise.Qrels.from_trec(qrels)
    assert e.value.path == str(qrels) and e.value.line == 2
    assert 'qrels.txt:2: the relevance label must be a number; got "x"' in str(e.value)
    run = tmp_path / "run.txt.gz"
    with gzip.open(run, "wt") as f:
        f.write("301 Q0 d1 1 0.5 sys\n301 Q0 d2 2\n")
    with pytest.raises(ParseError, match=r"run.txt.gz:2: expected 6 fields .* got 4"):
        rankwise.Run.from_trec(run)
    dup = tmp_path / "dup.run"
    dup.write_text("301 Q0 d1 1 0.5 sys\n301 Q0 d1 2 0.4 sys\n")
    with pytest.raises(
        DuplicateDocumentError,
        match=r"duplicate document \"d1\" in query \"301\" of the run \(.*dup.run:\d\)",
    ):
        rankwise.Run.from_trec(dup)
    with pytest.raises(FileNotFoundError, match=r"missing\.txt"):
        rankwise.Qrels.from_trec(tmp_path / "missing.txt")


# ----------------------------------------------------------------------------------------------
# Rank correlation
# ----------------------------------------------------------------------------------------------
def test_correlation_inputs_name_the_argument_value_and_expectation():
    from rankwise.correlation import ap_correlation, kendall_tau, spearman, weighted_tau

    for f in (kendall_tau, spearman, weighted_tau, ap_correlation):
        with pytest.raises(ShapeError, match=r"`y` must have as many values as `x` \(3\); got 2"):
            f([1, 2, 3], [1, 2])
        with pytest.raises(
            RankwiseTypeError, match="`x` must be an array of real numbers; got dtype <U1"
        ):
            f(["a", "b"], [1, 2])
        with pytest.raises(
            RankwiseTypeError, match="`y` must be an array of real numbers; got dtype object"
        ):
            f([1, 2], np.array([None, 1], dtype=object))
        with pytest.raises(
            InvalidValueError,
            match=r"`y` must be free of NaN with nan_policy=\"raise\"; got NaN at row 0, position 1",
        ):
            f([1, 2, 3], [1, np.nan, 3], nan_policy="raise")
        with pytest.raises(InvalidValueError, match="`nan_policy` must be one of"):
            f([1, 2, 3], [1, 2, 3], nan_policy="ignore")
        with pytest.raises(InvalidValueError, match="`axis` must be None with `offsets`"):
            f([1, 2, 3], [1, 2, 3], offsets=[0, 3], axis=0)
        with pytest.raises(ShapeError, match=r"offsets\[-1\] = 2"):
            f(np.arange(3.0), np.arange(3.0), offsets=[0, 2])
        with pytest.raises(InvalidValueError, match=r"`axis` must be in \[-2, 2\)"):
            f(np.ones((2, 3)), np.ones((2, 3)), axis=2)
        with pytest.raises(ShapeError, match="must have the same shape"):
            f(np.ones((2, 3)), np.ones((3, 2)), axis=1)
    with pytest.raises(InvalidValueError, match="`variant` must be one of 'a', 'b', 'c'; got 'd'"):
        kendall_tau([1, 2], [1, 2], variant="d")
    with pytest.raises(InvalidValueError, match="`alternative` must be one of"):
        spearman([1, 2], [1, 2], alternative="two_sided")
    with pytest.raises(
        InvalidValueError, match=r"`method` must be \"auto\" or \"asymptotic\" when there are ties"
    ):
        kendall_tau([1, 1, 2], [1, 2, 3], method="exact")
    with pytest.raises(ShapeError, match=r"`rank` must have as many values as `x`"):
        weighted_tau([1, 2, 3], [1, 2, 3], rank=[0, 1])
    with pytest.raises(RankwiseTypeError, match="`weigher` must be a callable"):
        weighted_tau([1, 2, 3], [1, 2, 3], weigher=3)


def test_correlation_of_degenerate_input_is_nan_never_a_crash():
    from rankwise.correlation import ap_correlation, kendall_tau, spearman, weighted_tau

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for f in (kendall_tau, spearman):
            for x, y in (
                ([], []),
                ([1.0], [2.0]),
                ([1, 1, 1], [1, 2, 3]),
                ([np.nan] * 3, [1, 2, 3]),
            ):
                r = f(x, y)
                assert np.isnan(r.statistic) and np.isnan(r.pvalue)
            assert f(np.zeros((0, 3)), np.zeros((0, 3)), axis=1).statistic.shape == (0,)
        for f in (weighted_tau, ap_correlation):
            assert np.isnan(f([], []))
            assert np.isnan(f([1.0], [2.0]))
        assert np.isnan(ap_correlation([1, 2, 3], [1, 1, 1], ties="b"))
        assert np.isnan(kendall_tau(np.full(10**4, np.inf), np.arange(10**4)).statistic)
