"""Answer-string top-k accuracy equals DPR's string matching.

No installable package ships DPR's matcher on its own (pyserini's copy needs Java and a
large install), so the reference below is a transcription of facebookresearch/DPR at
a31212d: ``dpr/utils/tokenizers.py`` ``SimpleTokenizer`` (with the ``regex`` package, as DPR
uses it) and ``dpr/data/qa_validation.py`` ``has_answer`` / ``calculate_matches``
(``top_k_hits``). rankwise's Rust matcher must agree with it on every example.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from rankwise.answers import evaluate_answers, has_answer
from rankwise.errors import InvalidValueError, RankwiseTypeError

# --- DPR's reference, transcribed -------------------------------------------------------------
_TOKEN = regex.compile(
    r"([\p{L}\p{N}\p{M}]+)|([^\p{Z}\p{C}])",
    flags=regex.IGNORECASE + regex.UNICODE + regex.MULTILINE,
)


def dpr_words(text: str) -> list[str]:
    return [m.group().lower() for m in _TOKEN.finditer(text)]


def dpr_has_answer(answers: list[str], text: str) -> bool:
    words = dpr_words(unicodedata.normalize("NFD", text))
    for answer in answers:
        a = dpr_words(unicodedata.normalize("NFD", answer))
        for i in range(0, len(words) - len(a) + 1):
            if a == words[i : i + len(a)]:
                return True
    return False


def dpr_top_k_hits(
    answers: list[list[str]], ranked_texts: list[list[str]], n_docs: int
) -> list[int]:
    top_k_hits = [0] * n_docs
    for ans, texts in zip(answers, ranked_texts, strict=True):
        hits = [dpr_has_answer(ans, t) for t in texts]
        best = next((i for i, x in enumerate(hits) if x), None)
        if best is not None:
            top_k_hits[best:] = [v + 1 for v in top_k_hits[best:]]
    return top_k_hits


# --- strategies: characters whose Unicode properties are stable across Unicode versions ------
_ALPHABET = (
    "abcdeABCDE xyz019 .,;:'\"-()!?/&%$\t\n"
    "éÉèñÑüÜçßøÅ"  # precomposed letters (NFD splits them)
    "\u0301\u0308"  # combining marks
    "ΣσςΑβ"  # Greek, final sigma
    "日本語한국"  # CJK, Hangul (NFD splits syllables)
    "١٢٣"  # Arabic-Indic digits
    "\u00a0\u2003\u200b"  # no-break space, em space, zero-width space (Cf)
    "İıẞ"  # case mappings that change length
)
text_st = st.text(alphabet=_ALPHABET, max_size=60)
word_st = st.text(alphabet=_ALPHABET, max_size=12)


@settings(max_examples=1500, deadline=None)
@given(st.lists(word_st, max_size=4), text_st)
def test_has_answer_equals_dpr(answers: list[str], text: str) -> None:
    assert has_answer(answers, text) == dpr_has_answer(answers, text)


_ascii_text = st.text(alphabet=st.characters(max_codepoint=127), max_size=60)


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(st.text(alphabet=st.characters(max_codepoint=127), max_size=8), max_size=4),
    _ascii_text,
)
def test_has_answer_on_ascii_equals_dpr(answers: list[str], text: str) -> None:
    # ASCII passages take rankwise's allocation-free path; every ASCII character is drawn
    assert has_answer(answers, text) == dpr_has_answer(answers, text)


@settings(max_examples=500, deadline=None)
@given(st.data(), text_st)
def test_answer_taken_from_the_text_is_found(data: st.DataObject, text: str) -> None:
    # a slice of the text is often a real answer: exercises the positive case
    i = data.draw(st.integers(0, len(text)))
    j = data.draw(st.integers(i, len(text)))
    answer = text[i:j]
    assert has_answer([answer], text) == dpr_has_answer([answer], text)


@settings(max_examples=200, deadline=None)
@given(st.data(), st.integers(1, 15), st.integers(1, 12))
def test_top_k_accuracy_equals_dpr_top_k_hits(data: st.DataObject, n_q: int, n_p: int) -> None:
    vocab = ["paris", "Paris France", "new york", "1990", "Zürich", "日本", "a", "b c"]
    passages = {
        f"p{i}": " ".join(data.draw(st.lists(st.sampled_from(vocab), max_size=6)))
        for i in range(n_p)
    }
    depth = data.draw(st.integers(1, n_p))
    run: dict[str, list[str]] = {}
    answers: dict[str, list[str]] = {}
    for q in range(n_q):
        run[f"q{q}"] = data.draw(st.permutations(list(passages)))[:depth]
        answers[f"q{q}"] = data.draw(st.lists(st.sampled_from(vocab), min_size=1, max_size=3))
    ks = list(range(1, depth + 1))
    report = evaluate_answers(run, answers, passages, k=ks)
    want = dpr_top_k_hits(
        list(answers.values()), [[passages[d] for d in run[q]] for q in run], depth
    )
    for k in ks:
        assert report[f"answer_accuracy@{k}"] == want[k - 1] / n_q


def test_score_dicts_rank_as_trec_eval() -> None:
    passages = {"a": "x", "b": "answer", "c": "y"}
    # b ties with c at 0.5: doc id descending puts c first, so b is at rank 3
    run = {"q": {"a": 0.9, "b": 0.5, "c": 0.5}}
    report = evaluate_answers(run, {"q": ["answer"]}, passages, k=[2, 3])
    assert report["answer_accuracy@2"] == 0.0
    assert report["answer_accuracy@3"] == 1.0
    assert np.array_equal(report.column("answer_accuracy@3"), [1.0])


def test_bad_input_is_named() -> None:
    passages = {"a": "x"}
    with pytest.raises(InvalidValueError, match="answers"):
        evaluate_answers({"q": ["a"]}, {}, passages)
    with pytest.raises(InvalidValueError, match="passages"):
        evaluate_answers({"q": ["zz"]}, {"q": ["x"]}, passages)
    with pytest.raises(InvalidValueError, match="`k`"):
        evaluate_answers({"q": ["a"]}, {"q": ["x"]}, passages, k=0)
    with pytest.raises(RankwiseTypeError, match="answers"):
        evaluate_answers({"q": ["a"]}, {"q": "x"}, passages)
    with pytest.raises(RankwiseTypeError, match="run"):
        evaluate_answers({"q": 3}, {"q": ["x"]}, passages)  # type: ignore[dict-item]


def test_malformed_arguments_found_by_fuzz_api_are_named() -> None:
    """benches/fuzz_api.py: each of these escaped as a raw TypeError, UnicodeEncodeError or
    OverflowError."""
    run, answers, passages = {"q": ["a"]}, {"q": ["x"]}, {"a": "x y"}
    with pytest.raises(InvalidValueError, match="`k`"):
        evaluate_answers(run, answers, passages, k=5.4e16)  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="`k`"):
        evaluate_answers(run, answers, passages, k=np.array(1.0))  # type: ignore[arg-type]
    with pytest.raises(RankwiseTypeError, match="`answers`"):
        evaluate_answers(run, b"\xd0\x14", passages)  # type: ignore[arg-type]
    with pytest.raises(RankwiseTypeError, match="`passages`"):
        evaluate_answers(run, answers, 20088729)  # type: ignore[arg-type]
    with pytest.raises(RankwiseTypeError, match="run"):
        evaluate_answers({"q": {"a": "x"}}, answers, passages)  # type: ignore[dict-item]
    with pytest.raises(RankwiseTypeError, match="run"):
        evaluate_answers({"q": [["a"]]}, answers, passages)  # type: ignore[list-item]
    with pytest.raises(InvalidValueError, match="NaN"):
        evaluate_answers({"q": {"a": float("nan")}}, answers, passages)
    with pytest.raises(InvalidValueError, match="passages"):
        evaluate_answers(run, answers, {"a": "\udcff"})
    with pytest.raises(RankwiseTypeError, match="`answers`"):
        has_answer(np.array(1.0), "x")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="`answers`"):
        has_answer("\udcff", "x")
    with pytest.raises(InvalidValueError, match="`text`"):
        has_answer("x", "\udcff")
    # a k deeper than any list is every list in full, not an overflow
    assert evaluate_answers(run, answers, passages, k=2**2000)[f"answer_accuracy@{2**2000}"] == 1.0
    assert evaluate_answers(run, answers, passages, k=np.int64(1))["answer_accuracy@1"] == 1.0
