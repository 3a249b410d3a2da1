"""Failures are loud and local: answers that name no candidate are counted per query, warned
about and refused above ``max_unparsed``; a prompt that does not fit stops only its own query;
``<think>`` is removed before parsing; long documents are scored passage by passage.

These run the driver with plain rankers (no model); tests/test_models.py runs the same paths
with SmolLM2 in-process and tests/test_engines.py through a llama.cpp server.
"""

from __future__ import annotations

import asyncio
import warnings

import pytest

from rankwise.errors import (
    InvalidValueError,
    PromptTooLongError,
    RankwiseTypeError,
    RerankInterruptedError,
    UnparsedAnswersError,
    UnparsedAnswersWarning,
)
from rankwise.rerank import (
    AnswerCache,
    OracleRanker,
    Pairwise,
    Passages,
    Pointwise,
    Setwise,
    SlidingWindow,
    parse_permutation,
    rerank,
    rerank_async,
    split_passages,
    strip_think,
)

GRADES = [0, 3, 1, 2]  # the oracle's order: [1, 3, 2, 0]
FULL = SlidingWindow(window=4, step=2)  # one call for four candidates


class Prose:
    """A listwise ranker that answers queries named "prose" in prose, others correctly
    (a reasoning model: it thinks first, naming a wrong order)."""

    ranker_id = "prose"

    def rank(self, batch):
        out = []
        for query, cands in batch:
            if query.startswith("prose"):
                out.append("The first passage seems the most relevant one to me.")
            else:
                order = OracleRanker().rank([(query, cands)])[0]
                answer = " > ".join(f"[{i + 1}]" for i in order)
                out.append(f"<think>maybe [1] > [2]? no.</think>\n{answer}")
        return out


class Undecided:
    """Choice calls answered with text where the query says "undecided" (a text-generation
    ranker's way of saying it found no choice), by the oracle elsewhere."""

    ranker_id = "undecided"

    def select(self, batch):
        return [
            "neither" if q.startswith("undecided") else OracleRanker().select([(q, c, k)])[0]
            for q, c, k in batch
        ]

    def compare(self, batch):
        return [
            "neither" if q.startswith("undecided") else OracleRanker().compare([(q, a, b)])[0]
            for q, a, b in batch
        ]

    def score(self, batch):
        return ["neither" if q.startswith("undecided") else float(c) for q, c in batch]


def test_prose_answers_are_counted_per_query_and_warned_about():
    with pytest.warns(UnparsedAnswersWarning, match=r"1 of 3 model calls \(33%\)") as caught:
        result = rerank(["ok", "prose", "ok2"], [GRADES] * 3, Prose(), FULL)
    assert caught[0].filename == __file__  # points at the caller, not the driver
    assert result.unparsed == [0, 1, 0]
    assert result.reranked == [True, False, True]
    assert result.unparsed_share == pytest.approx(1 / 3)
    # the prose query kept its input order; the thinking query's final answer was read
    assert result.orders == [[1, 3, 2, 0], [0, 1, 2, 3], [1, 3, 2, 0]]
    assert "1 unparsed" in repr(result)


def test_above_max_unparsed_the_run_raises_with_the_result():
    queries = ["prose", "prose2", "ok"]
    with pytest.raises(UnparsedAnswersError, match=r"2 of 3 .* above max_unparsed=0.5") as info:
        rerank(queries, [GRADES] * 3, Prose(), FULL)
    assert info.value.result.reranked == [False, False, True]
    # a higher threshold (or None) accepts it, with the warning
    for limit in (0.7, None):
        with pytest.warns(UnparsedAnswersWarning):
            result = rerank(queries, [GRADES] * 3, Prose(), FULL, max_unparsed=limit)
        assert result.unparsed == [1, 1, 0]
    # 0.0: any unreadable answer is refused; a clean run neither warns nor raises
    with pytest.raises(UnparsedAnswersError):
        rerank(["prose", "ok"] * 2, [GRADES] * 4, Prose(), FULL, max_unparsed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clean = rerank(["ok"], [GRADES], Prose(), FULL, max_unparsed=0)
    assert clean.unparsed == [0] and clean.reranked == [True]


@pytest.mark.parametrize("bad", [-0.1, 1.5, "half", True, float("nan")])
def test_max_unparsed_is_a_share(bad):
    with pytest.raises(InvalidValueError, match="`max_unparsed` must be a share in"):
        rerank(["q"], [GRADES], OracleRanker(), max_unparsed=bad)
    with pytest.raises(InvalidValueError, match="`max_unparsed` must be a share in"):
        asyncio.run(rerank_async(["q"], [GRADES], OracleRanker(), max_unparsed=bad))


def test_a_repaired_answer_is_not_unparsed():
    class Partial:
        def rank(self, batch):
            return ["[2] > [9]" for _ in batch]  # one valid identifier: repaired, read

    result = rerank(["q"], [GRADES], Partial(), FULL)
    assert result.repaired == [1] and result.unparsed == [0] and result.reranked == [True]
    assert result.orders == [[1, 0, 2, 3]]


@pytest.mark.parametrize(
    "strategy", [Setwise(top_k=2), Pairwise(method="allpair"), Pointwise()], ids=repr
)
def test_text_answers_to_choice_calls_are_unparsed_and_neutral(strategy):
    queries = ["undecided", "ok", "ok2"]
    with pytest.warns(UnparsedAnswersWarning):
        result = rerank(queries, [GRADES] * 3, Undecided(), strategy, max_unparsed=None)
    assert result.unparsed[0] == result.calls[0] > 0 and result.unparsed[1:] == [0, 0]
    assert result.reranked == [False, True, True]
    oracle = rerank(queries[1:], [GRADES] * 2, OracleRanker(), strategy)
    assert result.orders[1:] == oracle.orders

    class Neutral:  # the documented neutral answers: every candidate alike; 0.5
        def select(self, batch):
            return [[1.0] * len(c) for _, c, _ in batch]

        def compare(self, batch):
            return [0.5] * len(batch)

        def score(self, batch):
            return [0.5] * len(batch)

    assert result.orders[0] == rerank(["q"], [GRADES], Neutral(), strategy).orders[0]


def test_unparsed_answers_are_counted_again_from_the_cache():
    cache = AnswerCache()
    queries = ["prose", "ok"]
    with pytest.warns(UnparsedAnswersWarning):
        first = rerank(queries, [GRADES] * 2, Prose(), FULL, max_unparsed=1)
    with pytest.warns(UnparsedAnswersWarning):
        again = rerank(queries, [GRADES] * 2, Prose(), FULL, cache=cache, max_unparsed=1)
    with pytest.warns(UnparsedAnswersWarning):
        cached = rerank(queries, [GRADES] * 2, Prose(), FULL, cache=cache, max_unparsed=1)
    assert cached.cache_hits == 2
    assert first.unparsed == again.unparsed == cached.unparsed == [1, 0]


def test_think_is_removed_before_parsing():
    assert strip_think("<think>[1] > [2]</think> [2] > [1]") == "[2] > [1]"
    assert strip_think("<think>\n[3]\n</think><think>[1]</think>[2]") == "[2]"
    assert strip_think("<think>[1] > [2] and then") == ""  # stopped mid-thought
    assert strip_think("[1] > [2]") == "[1] > [2]"
    assert parse_permutation("<think>[1] > [2]</think>[2] > [1]", 2).order == [1, 0]
    unfinished = parse_permutation("<think>[2] > [1]", 2)
    assert unfinished.order == [0, 1] and unfinished.missing == [0, 1]


def test_an_answer_with_a_lone_surrogate_is_parsed_around_it():
    """Text decoded with ``surrogateescape`` may hold lone surrogates, which cannot cross into
    Rust; they are never part of an identifier (found by benches/fuzz_api.py)."""
    assert parse_permutation("\udcff[2] > \udcff [1]\udcff", 2).order == [1, 0]
    assert parse_permutation("\udcff", 1).missing == [0]


# ------------------------------------------------------------------------------------------
# Prompts that do not fit


class Overflowing:
    """A setwise ranker whose context cannot hold query "long": it raises PromptTooLongError
    with its answers to the batch's other calls, as the model wrappers do."""

    ranker_id = "overflowing"

    def __init__(self):
        self.asked: list[list[str]] = []

    def select(self, batch):
        self.asked.append([q for q, _, _ in batch])
        out = [None if q == "long" else OracleRanker().select([(q, c, k)])[0] for q, c, k in batch]
        if None in out:
            at = out.index(None)
            e = PromptTooLongError(f"the select call at position {at} does not fit")
            e.batch_index, e.answers = at, out
            raise e
        return out


@pytest.mark.parametrize("front", ["sync", "async"])
def test_a_prompt_that_does_not_fit_stops_only_its_query(front):
    queries, cands = ["a", "long", "b"], [[0, 3, 1, 2, 5, 4]] * 3
    ranker, cache, strategy = Overflowing(), AnswerCache(), Setwise(top_k=2)

    def run(r):
        if front == "sync":
            return rerank(queries, cands, r, strategy, batch_size=3, cache=cache)
        return asyncio.run(rerank_async(queries, cands, r, strategy, batch_size=3, cache=cache))

    with pytest.raises(RerankInterruptedError) as info:
        run(ranker)
    message = str(info.value)
    assert "1 model call(s) did not fit" in message
    assert "query 1 ('long'), select call 0" in message
    assert "2 of 3 queries were finished" in message
    assert isinstance(info.value.__cause__, PromptTooLongError)
    oracle = rerank(["a"], cands[:1], OracleRanker(), strategy).orders[0]
    assert info.value.partial.orders == [oracle, [], oracle]
    # the other queries went on after the failing batch
    assert ranker.asked[0] == ["a", "long", "b"] and len(ranker.asked) > 1
    assert all("long" not in asked for asked in ranker.asked[1:])
    # the same objects again: only the call that did not fit is retried
    ranker.asked.clear()
    with pytest.raises(RerankInterruptedError, match="query 1"):
        run(ranker)
    assert ranker.asked == [["long"]]
    # a new ranker with the same cache (the CLI's rerun): the others come from the cache
    fresh = Overflowing()
    with pytest.raises(RerankInterruptedError, match="query 1"):
        run(fresh)
    assert fresh.asked == [["long"]]


def test_other_errors_still_stop_the_run():
    class Broken:
        def select(self, batch):
            e = PromptTooLongError("no answers attached")
            raise e

    with pytest.raises(RerankInterruptedError, match="query 0"):
        rerank(["a", "b"], [GRADES] * 2, Broken(), Setwise(top_k=1))


# ------------------------------------------------------------------------------------------
# Long documents


def test_split_passages_covers_the_text_with_overlap():
    text = " ".join(f"w{i}" for i in range(10))
    assert split_passages(text, 4, 3) == ["w0 w1 w2 w3", "w3 w4 w5 w6", "w6 w7 w8 w9"]
    assert split_passages(text, 4, 4) == ["w0 w1 w2 w3", "w4 w5 w6 w7", "w8 w9"]
    assert split_passages(text, 10, 5) == [text]
    assert split_passages("", 3, 1) == [""]
    for window, stride in [(1, 1), (3, 2), (7, 7), (9, 1)]:
        parts = split_passages(text, window, stride)
        words = [p.split() for p in parts]
        assert all(len(w) <= window for w in words)
        assert words[-1][-1] == "w9" and words[0][0] == "w0"
        assert sorted({x for w in words for x in w}) == sorted(text.split())


class Counting:
    """A pointwise scorer: how often the query's word occurs in the passage."""

    ranker_id = "counting"

    def __init__(self):
        self.pairs: list[tuple[str, str]] = []

    def score(self, batch):
        self.pairs.extend(batch)
        return [float(p.split().count(q)) for q, p in batch]


def test_passages_aggregate_maxp_firstp_sump():
    filler = " ".join(["x"] * 10)
    docs = [
        f"rain {filler} {filler}",  # one hit, in the first passage
        f"{filler} rain rain rain {filler}",  # three hits, in the middle
        f"{filler} rain rain {filler} rain rain",  # four hits spread out
    ]
    by = {}
    for aggregate in ("max", "first", "sum"):
        inner = Counting()
        ranker = Passages(inner, window=8, stride=4, aggregate=aggregate)
        by[aggregate] = ranker.score([("rain", d) for d in docs])
        if aggregate == "first":
            assert len(inner.pairs) == 3  # only the first passage of each is scored
        else:
            assert len(inner.pairs) == sum(len(split_passages(d, 8, 4)) for d in docs)
        assert ranker.usage()["passages"] == len(inner.pairs)
    assert by["first"] == [1.0, 0.0, 0.0]
    assert by["max"] == [1.0, 3.0, 2.0]
    # SumP counts an occurrence once per passage holding it (passages overlap)
    assert by["sum"] == [1.0, 6.0, 6.0]
    result = rerank(["rain"], [docs], Passages(Counting(), window=8, stride=4), Pointwise())
    assert result.orders == [[1, 2, 0]]
    ids = {
        Passages(Counting(), window=w, stride=4, aggregate=a).ranker_id
        for w in (8, 9)
        for a in ("max", "sum")
    }
    assert len(ids) == 4 and all("counting" in i for i in ids)


def test_passages_left_unread_and_bad_settings():
    class Picky:
        def score(self, batch):
            return ["?" if "x" in p else 1.0 for _, p in batch]

    ranker = Passages(Picky(), window=2, stride=2)
    assert ranker.score([("q", "a b x y"), ("q", "x y x y")]) == [1.0, "?"]
    with pytest.warns(UnparsedAnswersWarning):
        result = rerank(["q"], [["x x", "a a"]], ranker, Pointwise(), max_unparsed=None)
    assert result.unparsed == [1] and result.orders == [[1, 0]]
    with pytest.raises(InvalidValueError, match="`stride` must be at most `window`"):
        Passages(Picky(), window=2, stride=3)
    with pytest.raises(InvalidValueError, match="`aggregate` must be one of"):
        Passages(Picky(), aggregate="mean")
    with pytest.raises(RankwiseTypeError, match="`ranker` must be a pointwise ranker"):
        Passages(Prose())
    with pytest.raises(InvalidValueError, match="`window`"):
        Passages(Picky(), window=0)


def test_reranker_passages_for_a_server_and_bad_settings():
    from rankwise.rerank import Reranker

    url = "http://127.0.0.1:9/v1"  # nothing listens: construction sends no request
    r = Reranker(url, model="m", strategy=Pointwise(), passages=(10, 5), aggregate="sum")
    assert isinstance(r.ranker, Passages) and r.ranker.aggregate == "sum"
    assert r.ranker.ranker_id.startswith("Passages(OpenAICompatibleRanker:m:")
    # refused before the ranker is built
    for options, message in [
        ({"strategy": SlidingWindow(), "passages": (10, 5)}, "for a pointwise scorer"),
        ({"strategy": Pointwise(), "passages": (5, 10)}, "`stride` must be at most"),
        ({"strategy": Pointwise(), "passages": 10}, r"must be \(window, stride\)"),
        ({"strategy": Pointwise(), "aggregate": "sum"}, "give `passages="),
        ({"strategy": Pointwise(), "passages": (10, 5), "aggregate": "avg"}, "`aggregate`"),
    ]:
        with pytest.raises(InvalidValueError, match=message):
            Reranker(url, model="m", **options)


def test_malformed_arguments_found_by_fuzz_api_are_named():
    """benches/fuzz_api.py: each of these escaped as a raw TypeError, OverflowError or
    numpy's ValueError (the truth value of an array)."""
    import numpy as np

    from rankwise.rerank import OpenAICompatibleRanker, Reranker

    class Replies:
        def __init__(self, reply):
            self.reply = reply

        def score(self, batch):
            return self.reply(batch)

    words = Passages(Replies(lambda batch: [float(len(p.split())) for _, p in batch]))
    for batch in (2**80, 1.5, b"\x03", np.array(1.0), [1.5, 2.0], [("q",)]):
        with pytest.raises(RankwiseTypeError, match="`batch`"):
            words.score(batch)
    assert words.score(iter([("q", "a b")])) == [2.0]
    with pytest.raises(RankwiseTypeError, match=r"`ranker\.score` must return a list"):
        Passages(Replies(lambda batch: None)).score([("q", "a")])
    for bad in (2**2000, object()):
        with pytest.raises(InvalidValueError, match=r"`ranker\.score` must return a number"):
            Passages(Replies(lambda batch, bad=bad: [bad for _ in batch])).score([("q", "a")])
    with pytest.raises(InvalidValueError, match="`aggregate`"):
        Passages(words.ranker, aggregate=np.array([True, False]))  # type: ignore[arg-type]
    url = "http://127.0.0.1:9/v1"
    with pytest.raises(InvalidValueError, match="`passages` must be"):
        Reranker(url, model="m", strategy=Pointwise(), passages=(-1, -2))
    with pytest.raises(RankwiseTypeError, match="`passages` must be"):
        Reranker(url, model="m", strategy=Pointwise(), passages=(b"\xff", b"a"))
    with pytest.raises(InvalidValueError, match="`aggregate`"):
        Reranker(url, model="m", aggregate=np.zeros((2, 2)))  # type: ignore[arg-type]
    for arg in ("timeout", "backoff", "max_backoff"):  # float(2**2000): OverflowError before
        with pytest.raises(InvalidValueError, match=f"`{arg}`"):
            OpenAICompatibleRanker(url, "m", **{arg: 2**2000})
    with pytest.raises(InvalidValueError, match="`price`"):
        OpenAICompatibleRanker(url, "m", price=(2**2000, 1.0))
    with pytest.raises(RankwiseTypeError, match="`ranker_id`"):
        OpenAICompatibleRanker(url, "m", ranker_id=np.array([1.0, 2.0]))  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------
# The server path (OpenAICompatibleRanker) with its transport replaced: a backend whose
# context holds LIMIT words, answering setwise calls by the label of the longest passage


LIMIT = 120


def _backend(model, prose_for=()):
    from rankwise.rerank._llm import Completion, OverflowRefusal

    def complete_many(calls):
        out = []
        for call in calls:
            text = " ".join(m["content"] for m in call.messages)
            if len(text.split()) > LIMIT:
                out.append(OverflowRefusal(f"{len(text.split())} words > {LIMIT}"))
            elif any(q in text for q in prose_for):
                out.append(Completion("I cannot tell."))
            else:
                passages = [line for line in text.split("\n\n") if line.startswith("Passage ")]
                best = max(range(len(passages)), key=lambda i: len(passages[i]))
                out.append(Completion(f"Passage {'ABC'[best]}"))
        return out

    model._complete_many = complete_many
    return model


def test_the_server_path_shortens_counts_and_reports():
    from rankwise.rerank import OpenAICompatibleRanker

    model = _backend(OpenAICompatibleRanker("http://127.0.0.1:9/v1", "m", logprobs=False))
    long = [" ".join(["word"] * n) for n in (60, 80, 10)]
    short = ["a b", "a b c d", "a"]
    queries = ["q-long", "q-short", "q-prose"]
    model = _backend(model, prose_for=("q-prose",))
    with pytest.warns(UnparsedAnswersWarning):
        result = rerank(queries, [long, short, short], model, Setwise(top_k=1), batch_size=3)
    assert result.tokens["shortened"] == 1 and model.shortened[0].query == "q-long"
    assert result.orders[1][0] == 1  # the longest passage wins
    # cut evenly: both long passages to the same cap (below the shorter one's 60 words)
    assert 10 <= model.shortened[0].words < 60 and result.orders[0][0] == 0
    assert result.unparsed == [0, 0, 1] and result.reranked == [True, True, False]


def test_the_server_path_with_on_overflow_error_names_the_query_and_finishes_the_others():
    from rankwise.rerank import OpenAICompatibleRanker

    model = _backend(
        OpenAICompatibleRanker("http://127.0.0.1:9/v1", "m", logprobs=False, on_overflow="error")
    )
    long = [" ".join(["word"] * n) for n in (60, 80, 10)]
    short = ["a b", "a b c d", "a"]
    with pytest.raises(RerankInterruptedError, match=r"query 1 \('q-long'\), select call 0"):
        rerank(["q-a", "q-long", "q-b"], [short, long, short], model, Setwise(top_k=1))
    assert not model._kept  # the driver took the other answers
