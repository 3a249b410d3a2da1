"""Reading listwise rankers' answers, against a transcription of RankGPT's repair."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rankwise.errors import InvalidValueError, RankwiseTypeError
from rankwise.rerank import parse_permutation


def rankgpt_receive_permutation(text: str, n: int) -> list[int]:
    """RankGPT's `clean_response`, `remove_duplicate` and `receive_permutation`
    (sunnweiwei/RankGPT, rank_gpt.py), on the window's positions: every non-digit is a space,
    ids are 1-based, the first occurrence wins, unknown ids are dropped and missing positions
    are appended in order."""
    cleaned = "".join(c if c.isdigit() else " " for c in text)
    response = [int(x) - 1 for x in cleaned.split()]
    deduped: list[int] = []
    for r in response:
        if r not in deduped:
            deduped.append(r)
    kept = [r for r in deduped if r in range(n)]
    return kept + [i for i in range(n) if i not in kept]


# RankGPT answers: ids, separators and prose, with ASCII digits (see the Unicode test below).
PIECES = st.sampled_from(["[", "]", " > ", ">", " ", "\n", "passage", "Ranking:", "é", "0", "00"])
ANSWERS = st.lists(
    st.one_of(st.integers(0, 30).map(str), st.integers(0, 30).map(lambda i: f"[{i}]"), PIECES),
    max_size=30,
).map("".join)


@given(text=ANSWERS, n=st.integers(0, 25))
def test_numbers_equal_rankgpt_and_every_repair_is_reported(text, n):
    parsed = parse_permutation(text, n, ids="numbers")
    assert parsed.order == rankgpt_receive_permutation(text, n)
    named = [int(x) - 1 for x in "".join(c if c.isdigit() else " " for c in text).split()]
    assert parsed.out_of_range == [x for x in text_ids(text) if not 0 <= int(x) - 1 < n]
    assert set(parsed.duplicates) == {i for i in set(named) if 0 <= i < n and named.count(i) > 1}
    assert parsed.missing == [i for i in range(n) if i not in named]
    assert parsed.repaired == bool(parsed.duplicates or parsed.out_of_range or parsed.missing)


def text_ids(text: str) -> list[str]:
    return "".join(c if c.isdigit() else " " for c in text).split()


@given(perm=st.integers(0, 20).flatmap(lambda n: st.permutations(list(range(n)))))
def test_a_well_formed_answer_reads_back_exactly(perm):
    for ids, fmt in [("bracketed", "[{}]"), ("numbers", "{}")]:
        text = " > ".join(fmt.format(i + 1) for i in perm)
        parsed = parse_permutation(text, len(perm), ids=ids)
        assert parsed.order == list(perm) and not parsed.repaired
    letters = " > ".join(f"[{chr(ord('A') + i)}]" for i in perm)
    assert parse_permutation(letters, len(perm), ids="letters").order == list(perm)


def test_bracketed_ignores_prose_numbers_and_zero_based_ids():
    text = "I compared the 3 passages. [2] > [3] > [1]"
    assert parse_permutation(text, 3).order == [1, 2, 0]
    assert parse_permutation(text, 3, ids="numbers").out_of_range == []
    assert parse_permutation(text, 3, ids="numbers").duplicates == [2]
    assert parse_permutation("[1] > [0]", 2, first_id=0).order == [1, 0]


def test_unicode_digits_are_not_identifiers():
    """A deliberate difference: RankGPT's str.isdigit() also takes other Unicode digits
    ("٣" or "²"); rankwise reads ASCII digits only, so they are ignored."""
    assert rankgpt_receive_permutation("٢ > 1", 2) == [1, 0]
    assert parse_permutation("٢ > 1", 2, ids="numbers").order == [0, 1]


def test_bad_arguments_name_themselves():
    with pytest.raises(InvalidValueError, match="`ids` must be"):
        parse_permutation("[1]", 1, ids="roman")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="`missing` must be"):
        parse_permutation("[1]", 1, missing="ignore")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="at most 26"):
        parse_permutation("[A]", 27, ids="letters")
    with pytest.raises(InvalidValueError, match="names no candidate"):
        parse_permutation("[1] > [5]", 2, out_of_range="error")
    with pytest.raises(InvalidValueError, match="1 of 2 candidates missing"):
        parse_permutation("[2]", 2, missing="error")
    with pytest.raises(RankwiseTypeError, match="`text` must be a str"):
        parse_permutation(b"[1]", 1)  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="`n` must be a non-negative integer"):
        parse_permutation("[1]", -1)
