"""Reading listwise rankers' answers, against a transcription of RankGPT's repair."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rankwise.errors import InvalidValueError, RankwiseTypeError
from rankwise.rerank import OracleListwiseRanker, SlidingWindow, parse_permutation, rerank


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


# ---------------------------------------------------------------------------------------------
# The sliding-window strategy and the driver


def reference_sliding_window(grades, window, step, passes, compat):
    """The window loops of RankLLM (clamped last window) and RankGPT (full windows only),
    written out in Python, with a perfect ranker (stable sort by grade, descending)."""
    n = len(grades)
    order = list(range(n))
    windows = []
    end = n
    if compat == "rankgpt":
        while end - window >= 0:
            windows.append((end - window, end))
            end -= step
    else:
        while end > 0:
            start = max(end - window, 0)
            windows.append((start, end))
            if start == 0:
                break
            end -= step
    for _ in range(passes):
        for start, end in windows:
            order[start:end] = sorted(order[start:end], key=lambda i: -grades[i])
    return order, len(windows) * passes


@given(
    grades=st.lists(st.lists(st.integers(0, 3), max_size=40), min_size=1, max_size=6),
    window=st.integers(2, 8),
    step=st.integers(1, 8),
    passes=st.integers(1, 2),
    compat=st.sampled_from(["rankllm", "rankgpt"]),
    batch_size=st.integers(1, 7),
    as_text=st.booleans(),
)
def test_driver_equals_the_reference_loop_whatever_the_batching(
    grades, window, step, passes, compat, batch_size, as_text
):
    step = min(step, window)
    strategy = SlidingWindow(window=window, step=step, passes=passes, compat=compat)
    ranker = OracleListwiseRanker(as_text=as_text)
    result = rerank(list(range(len(grades))), grades, ranker, strategy, batch_size=batch_size)
    for q, g in enumerate(grades):
        order, calls = reference_sliding_window(g, window, step, passes, compat)
        assert result.orders[q] == order
        assert result.calls[q] == calls == strategy.calls(len(g))
        assert result.repaired[q] == 0
    assert ranker.calls == sum(result.calls)
    # Queries advance side by side: a batch holds calls of different queries.
    assert result.batches >= max(result.calls, default=0)
    if batch_size >= len(grades):
        assert result.batches == max(result.calls, default=0)


class GarbledRanker:
    """Answers like a careless LLM: repeats, invents and forgets identifiers."""

    def rank(self, batch):
        return [f"[{len(c) + 3}] > [1] > [1] > I think that's it" for _, c in batch]


def test_text_answers_are_repaired_and_counted():
    grades = [[0, 1, 2, 3, 4], [1, 0]]
    result = rerank(["a", "b"], grades, GarbledRanker(), SlidingWindow(window=3, step=2))
    assert result.calls == [2, 1] and result.repaired == [2, 1]
    for order, g in zip(result.orders, grades, strict=True):
        assert sorted(order) == list(range(len(g)))  # still a permutation: nothing moved
        assert order == list(range(len(g)))


def test_rankgpt_compat_never_reranks_the_top_remainder():
    grades = [list(range(95))]  # worst first: everything should move up
    gpt = rerank(["q"], grades, OracleListwiseRanker(), SlidingWindow(compat="rankgpt"))
    llm = rerank(["q"], grades, OracleListwiseRanker(), SlidingWindow())
    assert gpt.orders[0][:5] == [0, 1, 2, 3, 4]  # (95 - 20) % 10 = 5 positions never reached
    assert llm.orders[0][:10] == list(range(94, 84, -1))
    assert (gpt.calls, llm.calls) == ([8], [9])


def test_driver_and_strategy_refuse_bad_input():
    with pytest.raises(InvalidValueError, match=r"`step` must be an integer in 1\.\.=4"):
        SlidingWindow(window=4, step=5)
    with pytest.raises(InvalidValueError, match="`window` must be an integer >= 2"):
        SlidingWindow(window=1)
    with pytest.raises(InvalidValueError, match="`compat` must be"):
        SlidingWindow(compat="rankzephyr")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="`passes` must be an integer"):
        SlidingWindow(passes=1.5)  # type: ignore[arg-type]
    oracle = OracleListwiseRanker()
    with pytest.raises(InvalidValueError, match="one list per query"):
        rerank(["a", "b"], [[1]], oracle)
    with pytest.raises(InvalidValueError, match="`batch_size` must be a positive integer"):
        rerank(["a"], [[1]], oracle, batch_size=0)
    with pytest.raises(RankwiseTypeError, match="`ranker` must have a rank"):
        rerank(["a"], [[1]], object())  # type: ignore[arg-type]

    class Short:
        def rank(self, batch):
            return []

    with pytest.raises(InvalidValueError, match="one answer per request"):
        rerank(["a"], [[1, 2]], Short())

    class Wrong:
        def rank(self, batch):
            return [[0, 0] for _ in batch]

    with pytest.raises(InvalidValueError, match=r"a permutation of 0\.\.2"):
        rerank(["a"], [[1, 2]], Wrong())


class _Scorer:
    """Scores candidates by their value and records how many calls each invocation got."""

    def __init__(self, calls_per_batch: object = None) -> None:
        if calls_per_batch is not None:
            self.calls_per_batch = calls_per_batch
        self.sizes: list[int] = []

    def score(self, batch: list[tuple[object, int]]) -> list[float]:
        self.sizes.append(len(batch))
        return [float(c) for _, c in batch]


def test_the_batch_size_defaults_to_what_the_ranker_asks_for_else_32():
    from rankwise.rerank import Pointwise
    from rankwise.rerank.driver import DEFAULT_BATCH_SIZE

    queries = [f"q{i}" for i in range(100)]
    candidates = [list(range(5))] * 100
    asking = _Scorer(calls_per_batch=64)
    rerank(queries, candidates, asking, Pointwise(), progress=False)
    assert asking.sizes == [64] * 7 + [52]  # 100 queries x 5 candidates: 500 calls
    plain = _Scorer()
    result = rerank(queries, candidates, plain, Pointwise(), progress=False)
    assert DEFAULT_BATCH_SIZE == 32 and plain.sizes == [32] * 15 + [20]
    given_size = _Scorer(calls_per_batch=64)
    assert (
        rerank(queries, candidates, given_size, Pointwise(), batch_size=50, progress=False).orders
        == result.orders
    )
    assert given_size.sizes == [50] * 10
    with pytest.raises(
        InvalidValueError, match=r"`_Scorer.calls_per_batch` must be a positive integer; got 0"
    ):
        rerank(queries, candidates, _Scorer(calls_per_batch=0), Pointwise(), progress=False)


def test_encoders_ask_for_many_calls_at_once():
    models = pytest.importorskip("rankwise.torch.models")
    assert models.BiEncoder.calls_per_batch == models.CrossEncoder.calls_per_batch == 4096
