"""Error messages that name the argument and what was expected (issue 13, "clear messages"):
each case was unclear or accepted wrongly before, and is checked for its exception type and
for the words of its message."""

from __future__ import annotations

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
