"""Error messages that name the argument and what was expected (issue 13, "clear messages"):
each case was unclear or accepted wrongly before, and is checked for its exception type and
for the words of its message."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pytest

import rankwise
from rankwise import consistency, correlation, labels, metrics
from rankwise.errors import InvalidValueError, RankwiseTypeError, ShapeError
from rankwise.rerank import OracleRanker, Setwise, SlidingWindow, rerank

HUGE = 2**2000


# ---------------------------------------------------------------------------------------------
# labels.aggregate with an empty window (numpy makes [] float64)
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("windows", [[[]], [[1, 2], []], [], [[], []]])
def test_aggregate_takes_an_empty_window_as_no_evidence(windows: list[list[int]]) -> None:
    a = labels.aggregate(windows, 3, method="borda")
    with_empty_dropped = [w for w in windows if w]
    b = labels.aggregate(with_empty_dropped, 3, method="borda")
    np.testing.assert_array_equal(a.order, b.order)
    np.testing.assert_array_equal(a.observed, b.observed)


@pytest.mark.parametrize(
    "call",
    [
        lambda: labels.aggregate_pairs([], 3),
        lambda: labels.inverse_permutation([]),
        lambda: labels.position_weights([]),
        lambda: labels.to_padded([], [0]),
    ],
)
def test_empty_integer_inputs_are_empty_arrays_not_float64(call: Any) -> None:
    # Siblings of the empty window: an empty list is an empty integer array, so the result
    # is empty or the error is about the values, never about "dtype float64".
    try:
        call()
    except (InvalidValueError, ShapeError) as e:
        message = str(e)
    else:
        message = ""
    assert "dtype float64" not in message


def test_ragged_nested_lists_are_a_shape_error_naming_the_argument() -> None:
    with pytest.raises(ShapeError, match=r"`windows` must be a rectangular array"):
        labels.aggregate([[1, [2]]], 3)
    with pytest.raises(ShapeError, match=r"`scores` must be a rectangular array"):
        metrics.ndcg([[1.0, 2.0], [1.0]], [[1, 0], [1]])
    with pytest.raises(ShapeError, match=r"`x` must be a rectangular array"):
        correlation.kendall_tau([[1, 2], [1]], [[1, 2], [3, 4]])


# ---------------------------------------------------------------------------------------------
# labels.ranking_text: duplicates and negatives refused
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("order", "words"),
    [
        ([0, 0, -1], "0 twice in row 0, at positions 0 and 1"),
        ([[1, 0], [1, 1]], "1 twice in row 1"),
        ([0, -2, 1], "-2 at row 0, position 1"),
        ([0, 3, 1], "3 at row 0, position 1"),
    ],
)
def test_ranking_text_refuses_repeated_and_negative_positions(order: Any, words: str) -> None:
    with pytest.raises(InvalidValueError, match=r"`order` must be") as e:
        labels.ranking_text(order)
    assert words in str(e.value)


def test_ranking_text_with_offsets_refuses_a_repeat_too() -> None:
    with pytest.raises(InvalidValueError, match=r"`order`.*2 twice in row 1"):
        labels.ranking_text([0, 1, 2, 2, 0], offsets=[0, 2, 5])
    assert labels.ranking_text([1, 0, 2, -1, 0], offsets=[0, 2, 5]) == ["[2] > [1]", "[3] > [1]"]


# ---------------------------------------------------------------------------------------------
# rerank: a ranker that returns something other than a list of answers
# ---------------------------------------------------------------------------------------------
class _Returns:
    def __init__(self, make: Any) -> None:
        self.make = make

    def rank(self, batch: Sequence[tuple[Any, Sequence[Any]]]) -> Any:
        return self.make(batch)


def _perms(batch: Sequence[tuple[Any, Sequence[Any]]]) -> Iterator[list[int]]:
    return (list(range(len(c))) for _, c in batch)


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (_perms, "got generator (return list(...) of it)"),
        (lambda batch: b"[1] > [2]", "got a single bytes"),
        (lambda batch: "[1] > [2]", "got a single str"),
        (lambda batch: None, "got None"),
        (lambda batch: 3, "got int"),
        (lambda batch: {0: [0, 1]}, "got a dict"),
        (lambda batch: [b"[2] > [1]" for _ in batch], "answer 0 is bytes"),
        (lambda batch: [bytearray(b"\x00\x01") for _ in batch], "answer 0 is bytearray"),
    ],
)
def test_rerank_refuses_a_reply_that_is_not_a_list_of_answers(make: Any, words: str) -> None:
    with pytest.raises(
        RankwiseTypeError, match=r"`ranker.rank` must return a list of answers"
    ) as e:
        rerank(["q"], [[0, 1, 2]], _Returns(make), SlidingWindow(window=2, step=1), progress=False)
    assert words in str(e.value)


def test_rerank_takes_a_numpy_array_of_answers() -> None:
    def arrays(batch: Sequence[tuple[Any, Sequence[Any]]]) -> Any:
        return np.array([np.argsort(-np.asarray(c)) for _, c in batch])

    got = rerank(
        ["q"], [[0, 2, 1]], _Returns(arrays), SlidingWindow(window=3, step=1), progress=False
    )
    assert got.orders == [[1, 2, 0]]


def test_rerank_refuses_bytes_answers_to_select_calls() -> None:
    class Bytes:
        def select(self, batch: Sequence[Any]) -> list[bytes]:
            return [b"\x00" for _ in batch]

    with pytest.raises(RankwiseTypeError, match=r"`ranker.select`.*answer 0 is bytes"):
        rerank(["q"], [[0, 1, 2]], Bytes(), Setwise(top_k=1), progress=False)
    # and the run resumes with a ranker that answers properly
    assert rerank(["q"], [[0, 1, 2]], OracleRanker(), Setwise(top_k=1), progress=False).orders


# ---------------------------------------------------------------------------------------------
# rbo: the repeated item, not its internal code
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("a", "b", "name", "words"),
    [
        (["x", "y", "x"], ["y", "z"], "a", "'x' at positions 0 and 2"),
        (["x", "y"], ["y", {"z", "w"}, "w"], "b", "'w'"),
        ({"x": 1.0, "y": 0.5}, ["q", "r", "r"], "b", "'r' at positions 1 and 2"),
        ([3, 5, 3], [5], "a", "3 at positions 0 and 2"),
    ],
)
def test_rbo_names_the_repeated_item(a: Any, b: Any, name: str, words: str) -> None:
    expected = rf"`{name}` must be a ranking with every item once"
    with pytest.raises(InvalidValueError, match=expected) as e:
        correlation.rbo(a, b)
    assert words in str(e.value) and "code" not in str(e.value)


# ---------------------------------------------------------------------------------------------
# numbers out of the float64 range
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: rankwise.Run({"q": {"d": HUGE}}), r'run\["q"\]\["d"\]'),
        (lambda: rankwise.Qrels({"q": {"d": -HUGE}}), r'qrels\["q"\]\["d"\]'),
        (lambda: rankwise.evaluate({"q": {"d": 1}}, {"q": {"d": HUGE}}, "AP"), r"run\["),
        (lambda: metrics.ndcg([HUGE, 1], [1, 0]), "`scores`"),
        (lambda: metrics.ndcg([0.5, 1], [HUGE, 0]), "`labels`"),
        (lambda: correlation.rbo([1, 2], [2, 1], p=HUGE), "`p`"),
        (lambda: labels.soft_labels([1.0, HUGE]), "`scores`"),
        (lambda: consistency.ranking_difficulty([HUGE, 1.0], [1.0, 0.0]), None),
    ],
)
def test_numbers_beyond_float64_say_so_and_name_the_argument(call: Any, argument: Any) -> None:
    with pytest.raises(InvalidValueError, match=r"float64 range") as e:
        call()
    assert "got int" not in str(e.value)
    if argument is not None:
        assert re.search(argument, str(e.value)), str(e.value)


def test_ints_beyond_int64_in_rank_statistics_are_refused_not_rounded() -> None:
    # 2**70 and 2**70 + 1 are one float64: rounding them would make a tie of two distinct
    # values and change tau silently.
    with pytest.raises(InvalidValueError, match=r"`x` must hold integers in the int64 range"):
        correlation.kendall_tau([2**70, 2**70 + 1, 0], [1, 2, 3])


def test_large_ints_within_float64_are_still_scores() -> None:
    assert metrics.ndcg([2**70, 1], [1, 0]) == pytest.approx(1.0)


# ---------------------------------------------------------------------------------------------
# Found by benches/fuzz_api.py: each raised a raw builtin error (TypeError, ValueError,
# OverflowError, IndexError, RuntimeError) or a message naming no argument
# ---------------------------------------------------------------------------------------------
S2, L2 = np.array([[0.5, 1.0, 0.2]]), np.array([[1, 0, 2]])
RUN = {"q": {"a": 1.0, "b": 0.5}}
QRELS = {"q": {"a": 1, "b": 0}}


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: metrics.ndcg(S2, L2, rel_level=b"\xff"), RankwiseTypeError, "`rel_level`"),
        (lambda: metrics.recall(S2, L2, rel_level=HUGE), InvalidValueError, "`rel_level`"),
        (lambda: metrics.reciprocal_rank(S2, L2, k=2**70), InvalidValueError, "`k`"),
        (lambda: metrics.ndcg(S2, L2, mask=[[True], [True, False]]), ShapeError, "`mask`"),
        (lambda: metrics.evaluate_arrays(S2, L2, 5), RankwiseTypeError, "`measures`"),
        (lambda: metrics.ndcg(S2, L2, ties=np.array(["a", "b"])), InvalidValueError, "`ties`"),
        (
            lambda: labels.soft_labels([1.0, 2.0], temperature=[1.0]),
            RankwiseTypeError,
            "`temperature`",
        ),
        (lambda: labels.permutation([1.0, 2.0], seed=-1), InvalidValueError, "`seed`"),
        (lambda: labels.ranks([1.0, 2.0], seed=b""), RankwiseTypeError, "`seed`"),
        (
            lambda: labels.permutation([1.0, 2.0], descending=np.array([1, 2])),
            RankwiseTypeError,
            "`descending`",
        ),
        (lambda: labels.permutation([[1.0], [1.0, 2.0]]), ShapeError, "`values`"),
        (
            lambda: labels.select_committee([[0, 1]], 1, approval_top=-1),
            InvalidValueError,
            "`approval_top`",
        ),
        (
            lambda: labels.hard_negatives([1.0, 2.0], [1, 0], 1, margin=[1]),
            RankwiseTypeError,
            "`margin`",
        ),
        (lambda: labels.position_weights([1, 2], scheme=[1]), InvalidValueError, "`scheme`"),
        (lambda: labels.aggregate([[0, 1]], 2, normalize={}), InvalidValueError, "`normalize`"),
        (lambda: labels.to_padded(np.zeros((2, 3)), [0, 1]), ShapeError, "`values`"),
        (lambda: labels.to_padded(1.0, [0, 1]), ShapeError, "`values`"),
        (lambda: labels.ranking_label(["a", "b"], 5), RankwiseTypeError, "`final_list`"),
        (lambda: labels.ranking_label([["a"]], ["a"]), RankwiseTypeError, "`initial_list`"),
        (lambda: labels.inverse_permutation([3, 0]), InvalidValueError, "`perm`"),
        (
            lambda: labels.fullrank_labels(["q"], [[1, 2]], b"x", progress=False),
            RankwiseTypeError,
            "`teacher`",
        ),
        (
            lambda: labels.fullrank_labels(["q"], [1.5], OracleRanker(), progress=False),
            RankwiseTypeError,
            "`candidates[0]`",
        ),
        (lambda: correlation.rbo({"a": {}, "b": 1.0}, ["a"]), RankwiseTypeError, "`a`"),
        (lambda: correlation.rbo(["a"], ["a"], ties=np.array([])), InvalidValueError, "`ties`"),
        (lambda: correlation.correlate_systems({"s": 1.0}, [1.0]), RankwiseTypeError, "`report_b`"),
        (lambda: consistency.dpo_loss_bound([0.5], [1.0]), RankwiseTypeError, "`beta`"),
        (
            lambda: consistency.idealized_ranking_accuracy([1.0], [0.0], [0.5], beta=[[1], []]),
            ShapeError,
            "`beta`",
        ),
        (
            lambda: consistency.ranking_accuracy([1.0], [0.0], per_example=np.array([1, 2])),
            RankwiseTypeError,
            "`per_example`",
        ),
        (
            lambda: consistency.opis(np.ones((2, 2)), [1, 0], beta=[1.0]),
            RankwiseTypeError,
            "`beta`",
        ),
        (lambda: rankwise.evaluate(QRELS, RUN, 1.5), RankwiseTypeError, "`measures`"),
        (lambda: rankwise.evaluate(QRELS, RUN, np.array("AP")), RankwiseTypeError, "`measures`"),
        (
            lambda: rankwise.evaluate(QRELS, RUN, "AP", rel_level=[1]),
            RankwiseTypeError,
            "`rel_level`",
        ),
        (
            lambda: rankwise.evaluate(QRELS, RUN, "AP", judged_only=np.array([1, 2])),
            RankwiseTypeError,
            "`judged_only`",
        ),
        (lambda: rankwise.evaluate(QRELS, RUN, "AP").column("bogus"), ValueError, "`measure`"),
        (lambda: rankwise.fuse([RUN, 5]), RankwiseTypeError, "`runs[1]`"),
        (lambda: rankwise.fuse([RUN], method=[1]), InvalidValueError, "`method`"),
        (lambda: rankwise.fuse([RUN], k=[1]), RankwiseTypeError, "`k`"),
        (
            lambda: rankwise.compare(QRELS, {"a": RUN, "b": 5}, "AP"),
            RankwiseTypeError,
            "`runs['b']`",
        ),
        (
            lambda: rankwise.compare(QRELS, [RUN, RUN], "AP", test=np.array([1, 2])),
            InvalidValueError,
            "`test`",
        ),
        (
            lambda: rerank(5, [[1]], OracleRanker(), SlidingWindow(window=2, step=1)),
            RankwiseTypeError,
            "`queries`",
        ),
        (
            lambda: rerank(["q"], [3], OracleRanker(), SlidingWindow(window=2, step=1)),
            RankwiseTypeError,
            "`candidates[0]`",
        ),
    ],
)
def test_bad_options_found_by_the_fuzz_sweep_name_their_argument(
    call: Any, error: type[Exception], words: str
) -> None:
    with pytest.raises(error) as e:
        call()
    assert words in str(e.value), str(e.value)
    assert isinstance(e.value, rankwise.errors.RankwiseError)


def test_a_ranker_answer_error_names_the_ranker() -> None:
    class NaN:
        def score(self, batch: Sequence[Any]) -> list[float]:
            return [float("nan") for _ in batch]

    from rankwise.rerank import Pointwise

    with pytest.raises(InvalidValueError, match=r"`ranker.score` gave a bad answer to query 0"):
        rerank(["q"], [[1, 2]], NaN(), Pointwise(), progress=False)


def test_torchmetrics_top_k_is_checked_and_a_huge_one_means_the_whole_list() -> None:
    torch = pytest.importorskip("torch")
    from rankwise.compat.torchmetrics import functional as tmf

    preds, target = torch.tensor([0.2, 0.3, 0.5]), torch.tensor([1, 0, 1])
    with pytest.raises(ValueError, match=r"`top_k` has to be a positive integer or None"):
        tmf.retrieval_average_precision(preds, target, top_k=torch.tensor([1, 2]))
    for fn in (tmf.retrieval_average_precision, tmf.retrieval_reciprocal_rank,
               tmf.retrieval_normalized_dcg, tmf.retrieval_recall):  # fmt: skip
        assert float(fn(preds, target, top_k=2**70)) == float(fn(preds, target))
    assert float(tmf.retrieval_precision(preds, target, top_k=2**70)) == pytest.approx(2 / 2**70)
    assert float(tmf.retrieval_precision(preds, target, top_k=4)) == 0.5


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda tl, s, y: tl.plackett_luce_sample(s, seed=1.5), "`seed`"),
        (lambda tl, s, y: tl.plackett_luce_sample(s, seed=2**70), "`seed`"),
        (lambda tl, s, y: tl.plackett_luce_sample(s, generator=3), "`generator`"),
        (lambda tl, s, y: tl.neural_ndcg_loss(s, y, stochastic=np.array([1, 2])), "`stochastic`"),
        (lambda tl, s, y: tl.neural_ndcg_loss(s, y, sinkhorn_max_iter=b"x"), "`sinkhorn_max_iter`"),
        (lambda tl, s, y: tl.neural_ndcg_loss(s, y, sinkhorn_tol=[1]), "`sinkhorn_tol`"),
        (lambda tl, s, y: tl.lambda_loss(s, y, mu=np.ones(5)), "`mu`"),
        (lambda tl, s, y: tl.soft_rank(s, method=np.array([])), "`method`"),
        (lambda tl, s, y: tl.listnet_loss(s, y, reduction=np.array(["a", "b"])), "`reduction`"),
        (lambda tl, s, y: tl.ranknet_loss(s, y, sigma=2**2000), "`sigma`"),
    ],
)
def test_torch_loss_options_are_checked_naming_them(call: Any, words: str) -> None:
    torch = pytest.importorskip("torch")
    from rankwise.torch import losses

    s, y = torch.tensor([[0.5, 1.0, 0.2]]), torch.tensor([[1.0, 0.0, 2.0]])
    with pytest.raises(rankwise.errors.RankwiseError) as e:
        call(losses, s, y)
    assert words in str(e.value), str(e.value)


def test_torchmetrics_refuses_a_non_finite_target_naming_it() -> None:
    torch = pytest.importorskip("torch")
    from rankwise.compat.torchmetrics import functional as tmf

    with pytest.raises(ValueError, match=r"`target` must hold finite values"):
        tmf.retrieval_normalized_dcg(torch.tensor([0.2, 0.5]), torch.tensor([float("inf"), 1.0]))


def test_an_id_that_utf8_cannot_encode_is_a_value_error_naming_the_entry() -> None:
    # os.fsdecode turns undecodable bytes into lone surrogates; such a str is no id.
    with pytest.raises(InvalidValueError, match=r"query ids of `qrels` must be a str that UTF-8"):
        rankwise.Qrels({"q\udcff": {"d": 1}})
    with pytest.raises(InvalidValueError, match=r"document ids of `run\[.q.\]`"):
        rankwise.Run({"q": {"d\udcff": 1.0}})


def test_torch_option_strings_given_as_arrays_and_huge_temperatures() -> None:
    torch = pytest.importorskip("torch")
    from rankwise.torch import losses

    s, y = torch.tensor([[0.5, 1.0, 0.2]]), torch.tensor([[1.0, 0.0, 2.0]])
    with pytest.raises(InvalidValueError, match=r"`ties` must be 'position' or 'random'"):
        losses.listmle_loss(s, y, ties=np.array(["a", "b"]))
    with pytest.raises(rankwise.errors.RankwiseError, match=r"`weights`"):
        losses.position_aware_listmle_loss(s, y, weights=np.array(["a", "b"]))
    # an int temperature beyond int64 is still a number: the same as its float
    big = losses.soft_sort(s, temperature=2**70)
    assert torch.equal(big, losses.soft_sort(s, temperature=float(2**70)))
    assert torch.equal(
        losses.neural_sort(s, temperature=2**70), losses.neural_sort(s, temperature=float(2**70))
    )


def test_more_options_found_by_the_longer_sweep() -> None:
    torch = pytest.importorskip("torch")
    from rankwise.compat.torchmetrics import functional as tmf
    from rankwise.torch import losses

    s, y = torch.tensor([[0.5, 1.0, 0.2]]), torch.tensor([[1.0, 0.0, 2.0]])
    with pytest.raises(InvalidValueError, match=r"`positives`"):
        losses.info_nce_loss(s, y, positives=np.array(["a", "b"]))
    with pytest.raises(InvalidValueError, match=r"`target`"):
        losses.listnet_loss(s, y, target=np.array(["a", "b"]))
    with pytest.raises(InvalidValueError, match=r"`k`"):
        losses.lambda_loss(s, y, k=2**70)
    assert torch.equal(losses.lambda_loss(s, y, mu=2**70), losses.lambda_loss(s, y, mu=2.0**70))
    with pytest.raises(InvalidValueError, match=r"`max_skip`"):
        losses.ranklist_loss(s, y, max_skip=2**70)
    with pytest.raises(ValueError, match=r"`preds` contains infinite values"):
        tmf.retrieval_normalized_dcg(torch.tensor([float("inf"), 0.5]), torch.tensor([1, 0]))
    with pytest.raises(RankwiseTypeError, match=r"`additive`"):
        correlation.weighted_tau([1, 2, 3], [1, 3, 2], additive=np.array([]))
    with pytest.raises(RankwiseTypeError, match=r"`a` and `b` must be hashable"):
        correlation.rbo([1, "x", {"k": 1}], ["x"])


def test_torch_loss_scales_past_int64_are_numbers() -> None:
    torch = pytest.importorskip("torch")
    from rankwise.torch import losses

    s, y = torch.tensor([[0.5, 1.0, 0.2]]), torch.tensor([[1.0, 0.0, 2.0]])
    for fn in (losses.ranknet_loss, losses.lambda_loss, losses.ranklist_loss):
        assert torch.equal(fn(s, y, sigma=2**70), fn(s, y, sigma=2.0**70))


# ---------------------------------------------------------------------------------------------
# Former KNOWN entries of the fuzz sweep: paths, text and numbers of Run/Qrels, the answer
# cache, strategy options, the simulated rankers and the pytrec_eval drop-in
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [rankwise.Run, rankwise.Qrels])
@pytest.mark.parametrize("path", [1.0, ["x"], b"x", None])
def test_from_trec_refuses_what_is_not_a_path(cls: Any, path: Any) -> None:
    with pytest.raises(RankwiseTypeError, match=r"`path` must be a path \(str or os.PathLike\)"):
        cls.from_trec(path)


@pytest.mark.parametrize("cls", [rankwise.Run, rankwise.Qrels])
def test_paths_with_a_nul_character_are_refused(cls: Any, tmp_path: Any) -> None:
    with pytest.raises(InvalidValueError, match=r"`path` must be a path without NUL"):
        cls.from_trec("a\x00b")
    obj = cls({"q": {"d": 1}})
    with pytest.raises(InvalidValueError, match=r"`path` must be a path without NUL"):
        obj.to_trec(str(tmp_path / "a\x00b"))
    with pytest.raises(RankwiseTypeError, match=r"`path` must be a path.*got int 1"):
        obj.to_trec(1)
    obj.to_trec(tmp_path / "out.txt")  # a PathLike still works
    assert cls.from_trec(tmp_path / "out.txt").to_dict() == obj.to_dict()


def test_run_text_options_and_count_relevant_name_the_argument() -> None:
    with pytest.raises(RankwiseTypeError, match=r"`name` must be a str; got list \[1\]"):
        rankwise.Run({"q": {"d": 1.0}}, name=[1])  # type: ignore[arg-type]
    with pytest.raises(RankwiseTypeError, match=r"`score_precision` must be a str"):
        rankwise.Run({"q": {"d": 1.0}}, score_precision=64)  # type: ignore[arg-type]
    run = rankwise.Run({"q": {"d": 1.0}}, name="bm25", score_precision="float64")
    assert (run.name, run.score_precision) == ("bm25", "float64")
    qrels = rankwise.Qrels({"q": {"d": 1, "e": 2}})
    with pytest.raises(RankwiseTypeError, match=r"`rel_level` must be a real number"):
        qrels.count_relevant([1])  # type: ignore[arg-type]
    with pytest.raises(RankwiseTypeError, match=r"`rel_level` must be a real number"):
        qrels.count_relevant("1")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match=r"`rel_level` must be a number, not NaN"):
        qrels.count_relevant(float("nan"))
    assert qrels.count_relevant() == (2, 2)
    assert qrels.count_relevant(2) == qrels.count_relevant(np.float32(2.0)) == (2, 1)


def test_answer_cache_paths_are_checked() -> None:
    from rankwise.rerank import AnswerCache

    with pytest.raises(RankwiseTypeError, match=r"`path` must be a path.*got float 1.0"):
        AnswerCache(1.0)  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match=r"`path` must be a path without NUL"):
        AnswerCache("a\x00b")
    with pytest.raises(RankwiseTypeError, match=r"`cache` must be a path"):
        rerank(["q"], [[1, 2]], OracleRanker(), SlidingWindow(), cache=1.0, progress=False)
    with pytest.raises(RankwiseTypeError, match=r"`cache` must be a path"):
        labels.fullrank_labels(["q"], [[1, 2]], OracleRanker(), cache=b"x", progress=False)


def test_fullrank_labels_refuses_a_huge_window() -> None:
    with pytest.raises(InvalidValueError, match=r"`window` must be .* at most 2\*\*64 - 1"):
        labels.fullrank_labels(["q"], [[1, 2]], OracleRanker(), window=2**70, progress=False)


@pytest.mark.parametrize(
    ("make", "error", "words"),
    [
        (lambda: Setwise(method=1), InvalidValueError, r"`method` must be one of 'heapsort'"),
        (lambda: Setwise(method=b"x"), InvalidValueError, r"`method` must be one of"),
        (lambda: SlidingWindow(direction=np.array([])), InvalidValueError, r"`direction`"),
        (lambda: SlidingWindow(compat=None), InvalidValueError, r"`compat` must be one of"),
        (lambda: rankwise.rerank.Pairwise(both_orders=np.array([])), RankwiseTypeError,
         r"`both_orders` must be True or False"),
        (lambda: rankwise.rerank.TopDown(parallel=1), RankwiseTypeError, r"`parallel`"),
        (lambda: rankwise.rerank.Tournament(stages=1.0), RankwiseTypeError,
         r"`stages` must be a sequence of \(groups, advance\) pairs"),
        (lambda: rankwise.rerank.Tournament(stages=[[3, 3], []]), RankwiseTypeError,
         r"`stages\[1\]` must be a \(groups, advance\) pair"),
        (lambda: rankwise.rerank.Tournament(stages=[(1, 2.0)]), RankwiseTypeError,
         r"`stages\[0\]` must be an integer"),
        (lambda: rankwise.rerank.Tournament(stages=[(1, 2**70)]), InvalidValueError,
         r"`stages\[0\]` must be a positive integer at most"),
        (lambda: rankwise.rerank.Groupwise(group_size=2**70), InvalidValueError,
         r"`group_size` must be .* at most 2\*\*64 - 1"),
        (lambda: rankwise.rerank.Groupwise(group_size=None), InvalidValueError,
         r"`group_size` must be an integer"),
        (lambda: SlidingWindow().plan(np.array([3, 4])), RankwiseTypeError,
         r"`n` must be an integer; got ndarray"),
    ],
)  # fmt: skip
def test_strategy_options_are_checked_before_the_native_constructor(
    make: Any, error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words):
        make()


def test_tournament_stages_from_lists_stay_hashable() -> None:
    t = rankwise.rerank.Tournament(stages=[[5, 50], [1, 10]])  # type: ignore[arg-type]
    assert t.stages == ((5, 50), (1, 10))
    assert hash(t) == hash(rankwise.rerank.Tournament(stages=((5, 50), (1, 10))))


def test_simulated_ranker_options_and_qrels_are_checked() -> None:
    from rankwise.rerank import SimulatedRanker

    qrels = {"q": {"d": 1}}
    with pytest.raises(InvalidValueError, match=r"`failure_rate` must be a number"):
        SimulatedRanker(qrels, failure_rate=[0.1])  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match=r"`pairwise_error` must be in \[0, 1\]"):
        SimulatedRanker(qrels, pairwise_error=1.5)
    with pytest.raises(InvalidValueError, match=r"`temperature` must be a number"):
        SimulatedRanker(qrels, temperature=b"x")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match=r"`qrels\['a'\]` must be a mapping"):
        SimulatedRanker({"a": 1})
    with pytest.raises(InvalidValueError, match=r"`noise` must be"):
        OracleRanker(noise="x")  # type: ignore[arg-type]


def test_pytrec_eval_drop_in_refuses_non_dicts_with_a_type_error() -> None:
    from rankwise.compat import pytrec_eval

    with pytest.raises(TypeError, match=r"`query_relevance\['q'\]` must be a dict"):
        pytrec_eval.RelevanceEvaluator({"q": 1}, {"map"})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match=r"`query_relevance` must be a dict"):
        pytrec_eval.RelevanceEvaluator([1.0], {"map"})  # type: ignore[arg-type]
    ev = pytrec_eval.RelevanceEvaluator({"q": {"d": 1}}, {"map"})
    with pytest.raises(RankwiseTypeError, match=r"`scores` must be a dict"):
        ev.evaluate(b"x")  # type: ignore[arg-type]
    assert ev.evaluate({"q": {"d": 1.0}}) == {"q": {"map": 1.0}}


def test_evaluate_max_docs_must_be_an_integer() -> None:
    for bad in (b"x", 1.5):
        with pytest.raises(RankwiseTypeError, match=r"`max_docs` must be an integer"):
            rankwise.evaluate({"q": {"d": 1}}, {"q": {"d": 1.0}}, "AP", max_docs=bad)  # type: ignore[arg-type]


def test_rerank_progress_must_be_a_flag() -> None:
    with pytest.raises(RankwiseTypeError, match=r"`progress` must be True or False"):
        labels.fullrank_labels(["q"], [[9]], OracleRanker(), progress=np.array([1, -1]))
    with pytest.raises(RankwiseTypeError, match=r"`progress` must be True or False"):
        rerank(["q"], [[1, 2]], OracleRanker(), SlidingWindow(), progress="no")


def test_spearmanr_drop_in_names_the_array_of_too_many_dimensions() -> None:
    from rankwise.compat import scipy as compat_scipy

    with pytest.raises(ShapeError, match=r"only handles 1-D or 2-D arrays; `a` has shape"):
        compat_scipy.spearmanr(np.zeros((2, 2, 2)), np.arange(6.0))
    with pytest.raises(ShapeError, match=r"only handles 1-D or 2-D arrays; `b` has shape"):
        compat_scipy.spearmanr(np.arange(8.0), np.zeros((2, 2, 2)))
    assert np.isnan(compat_scipy.spearmanr(4.0, 2.0).statistic)


def test_answer_cache_errors_name_the_argument_that_gave_the_path(tmp_path: Any) -> None:
    from rankwise.rerank import AnswerCache

    not_sqlite = tmp_path / "x"
    not_sqlite.write_text("not a database\n" * 100)
    with pytest.raises(InvalidValueError, match=r"^`path` must be a rankwise answer cache"):
        AnswerCache(not_sqlite)
    with pytest.raises(InvalidValueError, match=r"^`cache` must be a rankwise answer cache"):
        rerank(["q"], [[1, 2]], OracleRanker(), SlidingWindow(), cache=not_sqlite, progress=False)


def test_answer_cache_takes_a_path_with_undecodable_bytes(tmp_path: Any) -> None:
    from rankwise.rerank import AnswerCache

    name = str(tmp_path / "\udcff.sqlite")  # the byte 0xff, as os.fsdecode gives it
    AnswerCache(name)
    assert os.path.exists(os.fsencode(name))
    assert len(AnswerCache(name)) == 0  # reopened as the cache it is


def test_simulated_rankers_refuse_numbers_past_the_float_range() -> None:
    from rankwise.rerank import OracleListwiseRanker

    for cls in (OracleRanker, OracleListwiseRanker):
        with pytest.raises(InvalidValueError, match=r"`noise` must be a finite non-negative"):
            cls(noise=HUGE)


def test_pytrec_eval_drop_in_names_its_own_arguments_for_nan() -> None:
    from rankwise.compat import pytrec_eval

    with pytest.raises(InvalidValueError, match=r"^`query_relevance` must be finite"):
        pytrec_eval.RelevanceEvaluator({"q": {"d": float("nan")}}, {"map"})
    ev = pytrec_eval.RelevanceEvaluator({"q": {"d": 1}}, {"map"})
    with pytest.raises(InvalidValueError, match=r"^`scores` must be scores that are numbers"):
        ev.evaluate({"q": {"d": float("nan")}})


@pytest.mark.parametrize("measures", ["\udcff", ["P@5", "\udcff"]])
def test_measure_names_with_a_lone_surrogate_are_invalid_values(measures: Any) -> None:
    with pytest.raises(InvalidValueError, match=r"`measures` must be measure names of valid"):
        rankwise.measure_names(measures)
    with pytest.raises(InvalidValueError, match=r"`measures` must be measure names of valid"):
        rankwise.evaluate({"q": {"d": 1}}, {"q": {"d": 1.0}}, measures)


def test_torchmetrics_drop_ins_take_strided_preds() -> None:
    torch = pytest.importorskip("torch")
    from rankwise.compat.torchmetrics import functional as tmf

    strided = torch.tensor([0.3, 9.0, 0.1, 9.0, 0.7, 9.0])[::2]
    assert not strided.is_contiguous()
    target = torch.tensor([0, 1, 1])
    for name in tmf.__all__:
        fn = getattr(tmf, name)
        assert torch.equal(fn(strided, target), fn(strided.contiguous(), target)), name


def test_hard_negatives_refuses_a_k_whose_output_cannot_exist() -> None:
    scores, grades = np.array([[0.0, 0.0, -1.0, 2.0]]), np.array([[2, 3, 2, 0]])
    for k in (19929965563142156, 2**63):
        with pytest.raises(InvalidValueError, match=r"`k` must be small enough for the \(1, k\)"):
            labels.hard_negatives(scores, grades, k)
    idx, _ = labels.hard_negatives(scores, grades, 6)
    assert idx.shape == (1, 6)


def test_more_numbers_past_float64_and_array_flags_are_named() -> None:
    from rankwise.compat import pytrec_eval

    with pytest.raises(InvalidValueError, match=r"`relevance_level` must be a number in the"):
        pytrec_eval.RelevanceEvaluator({"q": {"d": 1}}, {"map"}, relevance_level=HUGE)
    with pytest.raises(InvalidValueError, match=r"`far_range` must be a pair of numbers"):
        consistency.opis(np.eye(3), [0, 1, 2], far_range=[HUGE, 0])
    c, r, b = np.array([-3.0, -6.0]), np.array([-3.0, -4.0]), np.array([0.5, 0.5])
    with pytest.raises(RankwiseTypeError, match=r"`per_example` must be True or False"):
        consistency.idealized_ranking_accuracy(c, r, b, per_example=np.array([1.0, 2.0]))


def test_sklearn_drop_in_weights_summing_to_zero_and_per_query_flag() -> None:
    from rankwise.compat import sklearn as compat_sklearn

    y, s = np.array([[1, 1], [3, 1]]), np.array([[0.5, 0.1], [0.2, 0.9]])
    for fn in (compat_sklearn.dcg_score, compat_sklearn.ndcg_score):
        with pytest.raises(ValueError, match=r"`sample_weight` must not sum to zero"):
            fn(y, s, sample_weight=np.array([1.0, -1.0]))
    with pytest.raises(RankwiseTypeError, match=r"`per_query` must be True or False"):
        rankwise.evaluate({"q": {"d": 1}}, {"q": {"d": 1.0}}, "AP", per_query=np.array([1, 0]))


def test_compare_names_the_run_entry_inside_runs() -> None:
    with pytest.raises(RankwiseTypeError, match=r"^`runs\['q'\]\[\"d\"\]` must be a dict"):
        rankwise.compare({"q0": {"d1": 1}}, {"q": {"d": 1}}, ["RR"], n_resamples=100)  # type: ignore[dict-item]


def test_spearmanr_drop_in_with_one_variable_names_it() -> None:
    from rankwise.compat import scipy as compat_scipy

    with pytest.raises(ShapeError, match=r"needs at least 2 variables to compare; `a` has shape"):
        compat_scipy.spearmanr(np.zeros((0,)), None)


def test_ranking_label_reads_iterators_once() -> None:
    expected = labels.ranking_label(["a", "b", "c"], ["c", "a", "b"])
    assert labels.ranking_label(iter(["a", "b", "c"]), iter(["c", "a", "b"])) == expected


def test_aggregate_refuses_n_items_it_cannot_allocate_instead_of_aborting() -> None:
    import subprocess
    import sys

    # Under an address-space limit (as the fuzz sweep runs), so that the allocation fails
    # here whatever the machine's memory: before, the process aborted (SIGABRT).
    code = (
        "import resource; resource.setrlimit(resource.RLIMIT_AS, (4 * 1024**3, 4 * 1024**3))\n"
        "import rankwise.labels as L\n"
        "try:\n"
        "    L.aggregate([[]], 3723471601, method='kemeny', alpha=0.1)\n"
        "except Exception as e:\n"
        "    print(type(e).__name__, e)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    assert "InvalidValueError `n_items` must be small enough" in p.stdout, p.stdout


def test_ranking_label_refuses_a_0d_array() -> None:
    with pytest.raises(RankwiseTypeError, match=r"`final_list` must be a list of document ids"):
        labels.ranking_label(["a", "b"], np.array(1.0))


# Sizes that come from an integer argument (or from the width-0 shape of an empty array)
# rather than from data the caller holds: each once aborted the process ("memory allocation
# of N bytes failed"), raised PyO3's PanicException or torch's raw allocator RuntimeError, or
# looped over 2**40 empty rows.
_SIZED_BY_AN_ARGUMENT = {
    "opis_n_thresholds": (
        "from rankwise.consistency import opis\n"
        "x = np.array([[0.0, 1e6], [9e5, 10.0], [-8e5, 6e5], [3e5, 1e5], [-6e5, 0.0], [0.0, -1e5]])\n"
        "opis(x, np.array([2, 1, 1, 0, 2, 2]), n_thresholds=70_066_808)",
        "`n_thresholds` must be small enough for its buffers to fit in memory (it needs ",
    ),
    "parse_permutation_n": (
        "from rankwise.rerank import parse_permutation\nparse_permutation('[1] > [2]', 2**32 - 1)",
        "`n` must be small enough for its buffers to fit in memory (it needs ",
    ),
    "committee_of_no_voters": (
        "from rankwise import labels\n"
        "labels.select_committee(np.zeros((0, 2**40), dtype=np.int64), 2**39)",
        "`rankings` must have at least one voter (row); got 0 rows of 1099511627776 candidates",
    ),
    "ranking_text_of_empty_rows": (
        "from rankwise import labels\nlabels.ranking_text(np.zeros((2**40, 0), dtype=np.int64))",
        "`order` must be small enough for its buffers to fit in memory",
    ),
    "evaluate_arrays_of_empty_rows": (
        "from rankwise.metrics import evaluate_arrays\n"
        "evaluate_arrays(np.zeros((2**40, 0)), np.zeros((2**40, 0)), ['nDCG@10'])",
        "`scores` must be small enough for its buffers to fit in memory",
    ),
    "pg_rank_loss_n_samples": (
        "import torch\nfrom rankwise.torch.losses import pg_rank_loss\n"
        "pg_rank_loss(torch.zeros(2, 4), torch.ones(2, 4), n_samples=233906862513)",
        "`n_samples` must be small enough for the samples to fit in memory (1871254900104 "
        "sampled values need ",
    ),
    "plackett_luce_sample_n_samples": (
        "import torch\nfrom rankwise.torch.losses import plackett_luce_sample\n"
        "plackett_luce_sample(torch.zeros(2, 4), n_samples=2**70)",
        "`n_samples` must be small enough for the samples to fit in memory",
    ),
    "neural_ndcg_loss_n_samples": (
        "import torch\nfrom rankwise.torch.losses import neural_ndcg_loss\n"
        "neural_ndcg_loss(torch.zeros(2, 4), torch.ones(2, 4), stochastic=True, n_samples=10**9)",
        "`n_samples` must be small enough for the samples to fit in memory",
    ),
}


@pytest.mark.parametrize("case", sorted(_SIZED_BY_AN_ARGUMENT))
def test_a_size_from_an_argument_that_cannot_be_allocated_is_an_error_naming_it(
    case: str,
) -> None:
    call, expected = _SIZED_BY_AN_ARGUMENT[case]
    if "torch" in call:
        pytest.importorskip("torch")
    # Under an address-space limit (as the fuzz sweep runs), so that the allocation fails here
    # whatever the machine's memory; torch maps much address space at import, so it comes first.
    prelude = (
        "import torch\n" if "torch" in call else ""
    ) + "import resource; resource.setrlimit(resource.RLIMIT_AS, (4 * 1024**3, 4 * 1024**3))\n"
    _refused_in_a_child(prelude, call, expected)


def _refused_in_a_child(prelude: str, call: str, expected: str) -> None:
    """Run ``call`` in a child process (a regression that exhausts memory kills the child, not
    the test run) and check that it raised a rankwise error whose message holds ``expected``."""
    import subprocess
    import sys

    code = (
        prelude
        + "import numpy as np\n"
        + "from rankwise.errors import RankwiseError\n"
        + "try:\n"
        + "".join(f"    {line}\n" for line in call.splitlines())
        + "except RankwiseError as e:\n"
        + "    print(type(e).__name__, e)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    assert expected in p.stdout, p.stdout


# Sizes beyond the machine's RAM plus swap, with no address-space limit: this sandbox's kernel
# grants any reservation, so before the check against /proc/meminfo these calls reserved
# terabytes, filled them and were killed for memory (found by benches/fuzz_api.py).
_BEYOND_THE_MACHINE = {
    f"{name}_{exponent}": (
        f"from rankwise.stats import {name}\n{name}({data}, n_resamples=2**{exponent})",
        "`n_resamples` must be small enough for its buffers to fit in memory (it needs ",
    )
    for name, data in (
        ("bootstrap_interval", "np.ones(4)"),
        ("randomized_tukey_hsd", "np.ones((4, 3))"),
    )
    for exponent in (40, 62)  # past RAM plus swap; past the address space
}


@pytest.mark.skipif(not os.path.exists("/proc/meminfo"), reason="reads RAM and swap from Linux")
@pytest.mark.parametrize("case", sorted(_BEYOND_THE_MACHINE))
def test_a_size_beyond_ram_and_swap_is_refused_without_an_address_space_limit(case: str) -> None:
    _refused_in_a_child("", *_BEYOND_THE_MACHINE[case])


@pytest.mark.parametrize("parse", ["parse_qrel", "parse_run"])
def test_pytrec_eval_parsers_name_an_item_that_is_not_a_line(parse: str) -> None:
    from rankwise.compat import pytrec_eval

    argument = "f_qrel" if parse == "parse_qrel" else "f_run"
    # pytrec_eval (and before, the drop-in) raised AttributeError: 'float' has no 'strip'
    with pytest.raises(
        RankwiseTypeError, match=rf"`{argument}` must yield lines .* float at index 1"
    ):
        getattr(pytrec_eval, parse)(
            ["q1 0 d1 1\n" if parse == "parse_qrel" else "q1 Q0 d1 1 2 r\n", 1.5]
        )
    assert isinstance(RankwiseTypeError("x"), TypeError)


@pytest.mark.parametrize(
    ("run", "message"),
    [
        ({1: {2: 3}}, r"query ids of `run` must be a str; got int"),
        ({"q": 5}, r"`run\[\"q\"\]` must be a dict"),
        ("a\x00b", r"`run` must be a path without NUL characters"),
    ],
)
def test_rerank_run_names_a_bad_run(run: object, message: str) -> None:
    from rankwise.errors import RankwiseError
    from rankwise.rerank import rerank_run

    # Before: a KeyError out of the dict, and from_trec's own parameter name for a path.
    with pytest.raises(RankwiseError, match=message):
        rerank_run(run, {"q": "query"}, {"d": "text"}, OracleRanker())


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"base_url": 6039}, RankwiseTypeError, r"`base_url` must be a str"),
        ({"base_url": b"\xae\xcbL"}, RankwiseTypeError, r"`base_url` must be a str"),
        ({"base_url": "http://h:port/v1"}, InvalidValueError, r"`base_url` must be an http"),
        ({"max_retries": [1]}, InvalidValueError, r"`max_retries` must be an integer >= 0"),
        ({"max_retries": "3"}, InvalidValueError, r"`max_retries` must be an integer >= 0"),
        ({"max_passage_words": [3]}, InvalidValueError, r"`max_passage_words` must be a positive"),
        ({"max_tokens": 2.5}, InvalidValueError, r"`max_tokens` must be a positive integer"),
        ({"top_logprobs": "5"}, InvalidValueError, r"`top_logprobs` must be an integer in 1..100"),
        ({"extra_body": 1.5}, RankwiseTypeError, r"`extra_body` must be a dict or None"),
        ({"extra_body": [1]}, RankwiseTypeError, r"`extra_body` must be a dict or None"),
        ({"price": (1.0,)}, InvalidValueError, r"`price` must be None or"),
        ({"timeout": float("inf")}, InvalidValueError, r"`timeout` must be a finite number"),
        ({"api": np.zeros((2, 0))}, InvalidValueError, r"`api` must be 'chat' or 'completions'"),
        ({"listwise_mode": np.array([1, 2])}, InvalidValueError, r"`listwise_mode` must be"),
        ({"api_key": 5}, RankwiseTypeError, r"`api_key` must be a str or None"),
    ],
)
def test_server_ranker_constructor_names_a_bad_argument(
    kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    from rankwise.rerank import OpenAICompatibleRanker

    # No request is made by the constructor: port 9 (discard) is never contacted.
    args = {"base_url": "http://127.0.0.1:9/v1", "model": "m", **kwargs}
    with pytest.raises(error, match=message):
        OpenAICompatibleRanker(**args)


def test_rerank_run_names_a_corpus_file_that_is_not_utf8(tmp_path: Any) -> None:
    from rankwise.rerank import rerank_run

    corpus = tmp_path / "corpus.tsv"
    corpus.write_bytes(b"d1\tgood\nd2\t\xf8\xff bad\n")
    # Before: a raw UnicodeDecodeError (found by the fuzz sweep, seed 0)
    with pytest.raises(InvalidValueError, match=r"corpus.tsv: expected UTF-8 text; got byte 0xf8"):
        rerank_run({"q": {"d1": 1.0}}, {"q": "query"}, str(corpus), OracleRanker())


@pytest.mark.parametrize(
    "ranker",
    ["CausalListwiseRanker", "CausalPairwiseRanker", "MonoT5", "DuoT5", "CausalYesNoScorer"],
)
@pytest.mark.parametrize("words", [[3], "300", 2.5, True, 0])
def test_model_rankers_check_max_passage_words_before_loading(ranker: str, words: object) -> None:
    pytest.importorskip("torch")
    import rankwise.torch as rt
    import rankwise.torch.models

    # Before: the causal and T5 rankers loaded the model first and then compared the value with
    # 1, so `[3]` gave a bare TypeError; a folder that does not exist shows nothing loads first.
    cls = getattr(rt, ranker, None) or getattr(rankwise.torch.models, ranker)
    with pytest.raises(InvalidValueError, match=r"`max_passage_words` must be a positive integer"):
        cls("/nonexistent/model/folder", max_passage_words=words)


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda tl, t: tl.madpo_weights(t, c_max=""), "`c_max`"),
        (lambda tl, t: tl.madpo_weights(t, c_max=0), "c_max"),
        (lambda tl, t: tl.madpo_weights(t, c_min={"a": 1}), "`c_min`"),
        (lambda tl, t: tl.madpo_weights(t, lam=[1, 2]), "`lam`"),
        (lambda tl, t: tl.madpo_weights(t, tau=t), "`tau`"),
        (lambda tl, t: tl.madpo_loss(t, t, t, t, t, c_max=np.array([2.0, 3.0])), "`c_max`"),
        (lambda tl, t: tl.ips_pointwise_loss(t[None], (t[None] > 0).float(), (t[None] + 1) / 9, clip="x"), "`clip`"),
        (lambda tl, t: tl.ips_pairwise_loss(t[None], (t[None] > 0).float(), (t[None] + 1) / 9, clip={}), "`clip`"),
        (lambda tl, t: tl.threshold_consistent_margin_loss(t[:, None], t, margin_plus=[]), "`margin_plus`"),
        (lambda tl, t: tl.threshold_consistent_margin_loss(t[:, None], t, lambda_minus=t), "`lambda_minus`"),
        (lambda tl, t: tl.fullrank_token_ranks(t.long()[None], separator_id=t), "`separator_id`"),
        (lambda tl, t: tl.fullrank_token_ranks(t.long()[None], 1, ignore_index=True), "`ignore_index`"),
    ],
)  # fmt: skip
def test_policy_ips_tcm_and_lm_loss_options_are_checked_naming_them(call: Any, words: str) -> None:
    # found by benches/fuzz_api.py once these losses had entry points: raw TypeError,
    # RuntimeError or ZeroDivisionError from torch before
    torch = pytest.importorskip("torch")
    from rankwise.torch import losses

    with pytest.raises(rankwise.errors.RankwiseError) as e:
        call(losses, torch.tensor([1.0, 0.0, 2.0]))
    assert words in str(e.value), str(e.value)


def test_lm_loss_refuses_a_target_outside_the_vocabulary_and_huge_ints_are_floats() -> None:
    torch = pytest.importorskip("torch")
    from rankwise.torch import losses

    logits, ranks = torch.zeros(1, 3, 4), torch.tensor([[1, 0, 2]])
    # -100 is no ignored token when ignore_index is 0: a clear error, not torch's IndexError
    with pytest.raises(InvalidValueError, match=r"`targets` must be token ids in \[0, 4\)"):
        losses.importance_aware_lm_loss(logits, torch.tensor([[1, -100, 2]]), ranks, ignore_index=0)
    with pytest.raises(InvalidValueError, match=r"`ignore_index`"):
        losses.importance_aware_lm_loss(logits, torch.tensor([[1, 3, 2]]), ranks, ignore_index=[])
    # an int beyond int64 is still a number (torch refused it as an operand before)
    e, lab = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), torch.tensor([0, 1, 0])
    big = losses.threshold_consistent_margin_loss(e, lab, lambda_plus=-(2**75))
    assert torch.equal(big, losses.threshold_consistent_margin_loss(e, lab, lambda_plus=-(2.0**75)))
    h = torch.tensor([-1.0, 0.5])
    assert torch.equal(losses.madpo_weights(h, lam=2**70), losses.madpo_weights(h, lam=2.0**70))


def test_plackett_luce_log_prob_refuses_rankings_that_are_not_item_indices() -> None:
    # found by `benches/fuzz_api.py --seed 72 --batch 4`: a float tensor reached torch.gather
    torch = pytest.importorskip("torch")
    from rankwise.torch import losses

    s = torch.tensor([[0.5, 1.0], [2.0, 0.0]])
    with pytest.raises(RankwiseTypeError, match=r"`rankings` must be an integer tensor"):
        losses.plackett_luce_log_prob(s, torch.tensor([[1.0, 0.0], [0.0, 1.0]]))
    with pytest.raises(InvalidValueError, match=r"`rankings` must hold item indices in \[0, 2\)"):
        losses.plackett_luce_log_prob(s, torch.tensor([[1, 2], [0, 1]]))
    with pytest.raises(InvalidValueError, match=r"from -1 to 1"):
        losses.plackett_luce_log_prob(s, torch.tensor([[1, -1], [0, 1]]))
    good = losses.plackett_luce_log_prob(s, torch.tensor([[1, 0], [0, 1]]))
    assert good.shape == (2,) and bool(torch.isfinite(good).all())
