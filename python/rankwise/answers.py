"""Answer-string top-k accuracy for open-domain QA, as DPR and pyserini compute it.

A question is answered at depth k when one of its top k passages contains one of its answer
strings, matched as DPR's ``has_answer(..., match_type="string")`` matches (facebookresearch/DPR,
``dpr/data/qa_validation.py`` and ``dpr/utils/tokenizers.py``; pyserini's
``evaluate_dpr_retrieval`` copies it): both strings NFD-normalised, split by DPR's
``SimpleTokenizer`` (runs of letters, digits and marks; any other non-space character alone),
lower-cased, and the answer's tokens found as a contiguous run of the passage's. The matching
runs in Rust, in parallel across questions, with the GIL released.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from . import _native
from .errors import InvalidValueError, RankwiseTypeError
from .report import Report

__all__ = ["evaluate_answers", "has_answer"]


def _nfd(text: str) -> str:
    # DPR's `_normalize`; ASCII text is its own NFD form
    return text if text.isascii() else unicodedata.normalize("NFD", text)


def _text(name: str, text: object) -> str:
    """``text`` NFD-normalised, refused unless it is a str that UTF-8 can encode (a lone
    surrogate cannot cross into Rust)."""
    if not isinstance(text, str):
        raise RankwiseTypeError(f"`{name}` must be a str; got {type(text).__name__}"[:300])
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidValueError(
                f"`{name}` must be valid Unicode; got {text!r}, which holds a lone surrogate"[:300]
            ) from None
    return _nfd(text)


def _scalar_array(value: object) -> bool:
    return isinstance(value, np.ndarray) and value.ndim == 0


def _strings(name: str, value: object) -> list[str]:
    if isinstance(value, str) or not isinstance(value, Iterable) or _scalar_array(value):
        raise RankwiseTypeError(f"`{name}` must be a list of str; got {value!r}"[:300])
    return [_text(name, a) for a in value]


def has_answer(answers: str | Sequence[str], text: str) -> bool:
    """Whether ``text`` contains one of ``answers``, as DPR's string matching decides.

    Examples
    --------
    >>> from rankwise.answers import has_answer
    >>> has_answer(["New York"], "She moved to new york in 1990.")
    True
    >>> has_answer(["York"], "Yorkshire pudding")
    False
    """
    if isinstance(answers, str):
        answers = [answers]
    ranks = _native.answer_ranks([_text("text", text)], [_strings("answers", answers)], [[0]], 1)
    return bool(ranks[0] == 0)


def _ranked(query: str, docs: object, depth: int) -> list[str]:
    """The query's top ``depth`` doc ids: a ranked list as given, or a score dict in
    trec_eval's order (score descending, then doc id descending)."""
    if isinstance(docs, Mapping):
        for d, score in docs.items():
            if (
                not isinstance(d, str)
                or isinstance(score, bool)
                or not isinstance(score, (int, float, np.integer, np.floating))
            ):
                raise RankwiseTypeError(
                    f"`run[{query!r}]` must map str doc ids to real scores; got {d!r}: {score!r}"[
                        :300
                    ]
                )
            if math.isnan(score):
                raise InvalidValueError(f"`run[{query!r}]` has a NaN score (document {d!r})"[:300])
        items = sorted(docs.items(), key=lambda item: (item[1], item[0]), reverse=True)
        return [d for d, _ in items[:depth]]
    if isinstance(docs, (list, tuple)):
        bad = next((d for d in docs[:depth] if not isinstance(d, str)), None)
        if bad is not None:
            raise RankwiseTypeError(f"`run[{query!r}]` must list str doc ids; got {bad!r}"[:300])
        return list(docs[:depth])
    raise RankwiseTypeError(
        f"`run[{query!r}]` must be a dict {{doc_id: score}} or a ranked list of doc ids; "
        f"got {type(docs).__name__}"
    )


def evaluate_answers(
    run: Mapping[str, Mapping[str, float] | Sequence[str]],
    answers: Mapping[str, Sequence[str]],
    passages: Mapping[str, str],
    k: int | Sequence[int] = (1, 5, 20, 100),
) -> Report:
    """Top-k answer accuracy of a run: the share of questions answered in the top k passages.

    Parameters
    ----------
    run : dict
        ``{query_id: {doc_id: score}}`` (ranked by score, ties by doc id descending, as
        trec_eval), or ``{query_id: [doc_id, ...]}`` ranked best first (DPR's and pyserini's
        retrieval files keep that order).
    answers : dict
        ``{query_id: [answer, ...]}``; every query of ``run`` needs an entry.
    passages : dict
        ``{doc_id: text}``; every retrieved document within the deepest ``k`` needs one.
    k : int or sequence of int
        Depths; measures are named ``"answer_accuracy@k"``.

    Returns
    -------
    Report
        Means over the run's queries (pyserini's ``Top{k}`` accuracy), with per-query 0/1
        values.

    Examples
    --------
    >>> from rankwise.answers import evaluate_answers
    >>> passages = {"p1": "Paris is the capital of France.", "p2": "Berlin is in Germany."}
    >>> run = {"q1": ["p2", "p1"], "q2": {"p1": 0.3, "p2": 0.9}}
    >>> answers = {"q1": ["Paris"], "q2": ["Germany"]}
    >>> evaluate_answers(run, answers, passages, k=[1, 2])
    Report over 2 queries
      answer_accuracy@1  0.5000
      answer_accuracy@2  1.0000
    """
    given: list[object] = (
        list(k)
        if isinstance(k, Iterable) and not isinstance(k, (str, bytes)) and not _scalar_array(k)
        else [k]
    )
    ks = [int(x) for x in given if isinstance(x, (int, np.integer)) and not isinstance(x, bool)]
    if not ks or len(ks) < len(given) or min(ks) < 1:
        raise InvalidValueError(f"`k` must be positive integers; got {k!r}"[:300])
    if not isinstance(run, Mapping) or not run:
        raise InvalidValueError("`run` must be a non-empty dict {query_id: ranked documents}")
    for name, value in (("answers", answers), ("passages", passages)):
        if not isinstance(value, Mapping):
            raise RankwiseTypeError(f"`{name}` must be a dict; got {type(value).__name__}")
    depth = max(ks)
    query_ids = list(run)
    index: dict[str, int] = {}
    texts: list[str] = []
    ranked: list[list[int]] = []
    answer_lists: list[list[str]] = []
    for q in query_ids:
        if q not in answers:
            raise InvalidValueError(f"`answers` has no entry for query {q!r} of `run`"[:300])
        answer_lists.append(_strings(f"answers[{q!r}]", answers[q]))
        row = []
        for d in _ranked(q, run[q], depth):
            i = index.get(d)
            if i is None:
                if d not in passages:
                    raise InvalidValueError(
                        f"`passages` has no text for document {d!r} (query {q!r})"[:300]
                    )
                i = index[d] = len(texts)
                texts.append(_text(f"passages[{d!r}]", passages[d]))
            row.append(i)
        ranked.append(row)
    # the rows are cut at `depth` already: a huge `k` must not overflow the native usize
    depth = max(map(len, ranked))
    first = np.asarray(_native.answer_ranks(texts, answer_lists, ranked, depth), dtype=np.int64)
    hit = first >= 0
    values = np.stack([(hit & (first < x)).astype(np.float64) for x in ks])
    names = [f"answer_accuracy@{x}" for x in ks]
    return Report(names, query_ids, values, values.mean(axis=1).tolist())
