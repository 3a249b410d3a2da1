"""Every reranking strategy through the driver, against the reference algorithms written out in
Python (llm-rankers' setwise and pairwise sorts, PRP's allpair and sliding passes), for any
batching; the answer cache; resuming after a ranker error; bad answers."""

from __future__ import annotations

import asyncio
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rankwise
from rankwise.errors import (
    InvalidValueError,
    RankwiseTypeError,
    RerankInterruptedError,
    UnparsedAnswersError,
)
from rankwise.rerank import (
    AcuRank,
    AnswerCache,
    FullList,
    Groupwise,
    Pairwise,
    Pointwise,
    Setwise,
    SlidingWindow,
    TopDown,
    Tournament,
    rerank,
    rerank_async,
)


class HiddenScoreRanker:
    """Deterministic per call content: each candidate (an int id) has a hidden score; a
    ``bias`` is added to whatever is shown first, so pairwise answers can disagree between the
    two orders. Answers every kind of call."""

    def __init__(self, scores: dict[int, float], bias: float = 0.0) -> None:
        self.scores, self.bias, self.calls = scores, bias, 0
        self.ranker_id = f"hidden-{sorted(scores.items())}-{bias}"

    def _keys(self, shown):
        self.calls += 1
        keys = [self.scores[c] for c in shown]
        if keys:
            keys[0] += self.bias
        return keys

    def rank(self, batch):
        out = []
        for _, shown in batch:
            keys = self._keys(shown)
            out.append(sorted(range(len(keys)), key=lambda i: -keys[i]))
        return out

    def compare(self, batch):
        out = []
        for _, a, b in batch:
            ka, kb = self._keys([a, b])
            out.append(1.0 if ka > kb else 0.0 if ka < kb else 0.5)
        return out

    def select(self, batch):
        out = []
        for _, shown, count in batch:
            keys = self._keys(shown)
            out.append(sorted(range(len(keys)), key=lambda i: -keys[i])[:count])
        return out

    def score(self, batch):
        return [self._keys([c])[0] for _, c in batch]

    def score_group(self, batch):
        return [self._keys(shown) for _, shown in batch]


def prefers(ranker, a, b, both_orders=True):
    """PRP's comparator: 1 if a wins, -1 if b wins, 0 for a tie."""
    p_ab = ranker.compare([("q", a, b)])[0]
    if not both_orders:
        return (p_ab > 0.5) - (p_ab < 0.5)
    p_ba = ranker.compare([("q", b, a)])[0]
    if p_ab > 0.5 and p_ba < 0.5:
        return 1
    if p_ab < 0.5 and p_ba > 0.5:
        return -1
    return 0


def top_then_rest(top, cands):
    return top + [c for c in cands if c not in top]


def heapsort_top(arr, heapify, c, k, cands):
    """llm-rankers' heapSort around a ``heapify(n, i)`` on ``arr``: build a ``c``-ary heap, move
    the best to the end ``k`` times; the top ``k``, then the rest in first-stage order."""
    n = len(arr)
    for i in range(n // c, -1, -1):
        heapify(n, i)
    ranked = 0
    for i in range(n - 1, 0, -1):
        arr[i], arr[0] = arr[0], arr[i]
        ranked += 1  # noqa: SIM113 (transcribed as llm-rankers writes it)
        if ranked == k:
            break
        heapify(i, 0)
    return top_then_rest(list(reversed(arr))[:k], list(cands))


def ref_setwise_heapsort(cands, ranker, c, k):
    """llm-rankers setwise.py heapSort/heapify, with `compare` asking for the best of a set."""
    arr = list(cands)

    def heapify(n, i):
        if c * i + 1 < n:
            inds = [i, *range(c * i + 1, min(c * (i + 1) + 1, n))]
            best = ranker.select([("q", [arr[j] for j in inds], 1)])[0][0]
            largest = inds[best]
            if largest != i:
                arr[i], arr[largest] = arr[largest], arr[i]
                heapify(n, largest)

    return heapsort_top(arr, heapify, c, k, cands)


def ref_setwise_bubblesort(cands, ranker, c, k):
    arr = list(cands)
    n = len(arr)
    for p in range(min(k, n - 1)):
        end = n
        while True:
            start = max(end - (c + 1), p)
            best = ranker.select([("q", arr[start:end], 1)])[0][0]
            arr[start], arr[start + best] = arr[start + best], arr[start]
            if start == p:
                break
            end = start + 1
    return top_then_rest(arr[: min(k, n)], list(cands))


def ref_pairwise_heapsort(cands, ranker, k, both_orders):
    """llm-rankers pairwise.py heapSort with ComparableDoc.__gt__ (both orders must agree)."""
    arr = list(cands)

    def heapify(n, i):
        largest, left, right = i, 2 * i + 1, 2 * i + 2
        if left < n and prefers(ranker, arr[left], arr[i], both_orders) > 0:
            largest = left
        if right < n and prefers(ranker, arr[right], arr[largest], both_orders) > 0:
            largest = right
        if largest != i:
            arr[i], arr[largest] = arr[largest], arr[i]
            heapify(n, largest)

    return heapsort_top(arr, heapify, 2, k, cands)


def ref_allpair(cands, ranker, both_orders):
    points = dict.fromkeys(cands, 0.0)
    for i, a in enumerate(cands):
        for b in cands[i + 1 :]:
            w = prefers(ranker, a, b, both_orders)
            points[a] += 1.0 if w > 0 else 0.5 if w == 0 else 0.0
            points[b] += 1.0 if w < 0 else 0.5 if w == 0 else 0.0
    return sorted(cands, key=lambda c: (-points[c], cands.index(c)))


def ref_sliding(cands, ranker, passes, both_orders):
    arr = list(cands)
    for _ in range(passes):
        for j in range(len(arr) - 1, 0, -1):
            if prefers(ranker, arr[j], arr[j - 1], both_orders) > 0:
                arr[j], arr[j - 1] = arr[j - 1], arr[j]
    return arr


QUERIES = st.lists(st.lists(st.integers(0, 6), min_size=0, max_size=24), min_size=1, max_size=4)


def hidden_ranker(grade_lists, bias, seed):
    """Candidates are ints (unique across queries); hidden scores are noisy grades with ties."""
    rng = random.Random(seed)
    scores, cands = {}, []
    for grades in grade_lists:
        ids = []
        for g in grades:
            ident = len(scores)
            scores[ident] = g + rng.choice([0.0, 0.0, 0.5, -0.5])
            ids.append(ident)
        cands.append(ids)
    return HiddenScoreRanker(scores, bias), cands


@settings(max_examples=60, deadline=None)
@given(
    grade_lists=QUERIES,
    k=st.integers(1, 12),
    c=st.integers(1, 5),
    passes=st.integers(1, 4),
    both_orders=st.booleans(),
    bias=st.sampled_from([0.0, 0.7]),
    batch_size=st.integers(1, 40),
    seed=st.integers(0, 2**16),
)
def test_every_sort_equals_its_reference_whatever_the_batching(
    grade_lists, k, c, passes, both_orders, bias, batch_size, seed
):
    ranker, cands = hidden_ranker(grade_lists, bias, seed)
    queries = [f"q{i}" for i in range(len(cands))]
    cases = [
        (Setwise(children=c, top_k=k), lambda cs: ref_setwise_heapsort(cs, ranker, c, k)),
        (
            Setwise(children=c, method="bubblesort", top_k=k),
            lambda cs: ref_setwise_bubblesort(cs, ranker, c, k),
        ),
        (
            Pairwise(top_k=k, both_orders=both_orders),
            lambda cs: ref_pairwise_heapsort(cs, ranker, k, both_orders),
        ),
        (
            Pairwise(method="allpair", both_orders=both_orders),
            lambda cs: ref_allpair(cs, ranker, both_orders),
        ),
        (
            Pairwise(method="sliding", passes=passes, both_orders=both_orders),
            lambda cs: ref_sliding(cs, ranker, passes, both_orders),
        ),
    ]
    for strategy, reference in cases:
        before = ranker.calls
        expected = [reference(cs) for cs in cands]
        ref_calls = ranker.calls - before
        before = ranker.calls
        result = rerank(queries, cands, ranker, strategy, batch_size=batch_size, progress=False)
        got = [[cs[i] for i in order] for cs, order in zip(cands, result.orders, strict=True)]
        assert got == expected, strategy
        assert ranker.calls - before == sum(result.calls) == ref_calls, strategy
        for cs, calls, depth in zip(cands, result.calls, result.depth, strict=True):
            plan = strategy.plan(len(cs))
            assert plan.calls_min <= calls <= plan.calls_max, (strategy, plan, calls)
            assert plan.depth_min <= depth <= plan.depth_max, (strategy, plan, depth)


@given(grades=st.lists(st.integers(0, 5), min_size=0, max_size=30))
def test_one_round_strategies_sort_by_the_model(grades):
    oracle = rankwise.rerank.OracleRanker()
    expected = sorted(range(len(grades)), key=lambda i: (-grades[i], i))
    for strategy in (FullList(), Pointwise(), Pairwise(method="allpair")):
        result = rerank(["q"], [grades], oracle, strategy, progress=False)
        assert result.orders == [expected]
        plan = strategy.plan(len(grades))
        assert plan.exact and result.calls == [plan.calls_min] and result.depth == [plan.depth_min]


def test_allpair_is_insensitive_to_the_input_order_but_sliding_is_not():
    rng = random.Random(3)
    grades = list(range(30))
    shuffled = grades[:]
    rng.shuffle(shuffled)
    biased = rankwise.rerank.OracleRanker(position_bias=2.5)
    for cands in (grades, shuffled, grades[::-1]):
        order = rerank(["q"], [cands], biased, Pairwise(method="allpair"), progress=False).orders[0]
        # A bias of 2.5 makes every pair within 2 grades a tie; the top is still right.
        assert [cands[i] for i in order][:1] == [29]


def test_the_cache_answers_repeated_calls(tmp_path):
    oracle = rankwise.rerank.OracleRanker(noise=0.5, seed=1)
    rng = random.Random(0)
    # Distinct candidates: the cache is keyed by content, equal candidates share answers.
    grades = [[rng.randint(0, 3) + i / 100 for i in range(25)] for _ in range(6)]
    queries = [f"q{i}" for i in range(6)]
    path = tmp_path / "answers.sqlite"
    first = rerank(queries, grades, oracle, Setwise(children=2), cache=path, progress=False)
    made = oracle.calls
    assert made == sum(first.calls) and first.cache_hits == 0
    # A fresh process would open the same file: no model call at all, the same orders.
    cache = AnswerCache(path)
    assert len(cache) > 0
    second = rerank(queries, grades, oracle, Setwise(children=2), cache=cache, progress=False)
    assert oracle.calls == made
    assert second.orders == first.orders and second.cache_hits == sum(second.calls)
    # Pairwise heapsort asks some comparisons again: an in-memory cache pays them once.
    memo = AnswerCache()
    result = rerank(queries, grades, oracle, Pairwise(), cache=memo, progress=False)
    assert result.cache_hits > 0 and memo.misses == len(memo)
    assert "answers" in repr(cache)


class FlakyRanker(rankwise.rerank.OracleRanker):
    def __init__(self, fail_at: int) -> None:
        super().__init__()
        self.fail_at, self.failed = fail_at, False

    def rank(self, batch):
        if not self.failed and self.calls + len(batch) > self.fail_at:
            self.failed = True
            raise RuntimeError("CUDA out of memory")
        return super().rank(batch)


def test_a_ranker_error_names_the_call_and_a_second_call_resumes():
    grades = [list(range(q, q + 30)) for q in range(8)]
    queries = [f"query {q}" for q in range(8)]
    strategy = SlidingWindow(window=10, step=5)
    expected = rerank(queries, grades, rankwise.rerank.OracleRanker(), strategy, progress=False)
    flaky = FlakyRanker(fail_at=20)
    with pytest.raises(
        RerankInterruptedError,
        match=r"rank\(\) failed .* query \d+ \('query \d+'\), rank call \d+: RuntimeError: CUDA out of memory",
    ) as info:
        rerank(queries, grades, flaky, strategy, batch_size=4, progress=False)
    partial = info.value.partial
    assert sum(bool(o) for o in partial.orders) < 8
    resumed = rerank(queries, grades, flaky, strategy, batch_size=4, progress=False)
    assert resumed.orders == expected.orders
    assert flaky.calls == sum(expected.calls)  # nothing asked twice
    # Other arguments start afresh.
    again = rerank(queries, grades, flaky, strategy, batch_size=4, progress=False)
    assert again.orders == expected.orders and flaky.calls == 2 * sum(expected.calls)


def test_bad_answers_and_rankers_are_named():
    class Bad:
        def __init__(self, answer):
            self.answer = answer

        def select(self, batch):
            return [self.answer] * len(batch)

        def compare(self, batch):
            return [self.answer] * len(batch)

    with pytest.raises(
        InvalidValueError,
        match=r"query 0 \('q'\), select call 0: `answer` must be 1 distinct position",
    ):
        rerank(["q"], [[1, 2, 3]], Bad(7), Setwise(), progress=False)
    # text is how a text-generation ranker says it found no choice: unparsed, counted, and
    # here (every call) above the default max_unparsed
    with pytest.raises(UnparsedAnswersError, match=r"2 of 2 model calls \(100%\) had an answer"):
        rerank(["q"], [[1, 2, 3]], Bad("best"), Setwise(), progress=False)
    with pytest.raises(RankwiseTypeError, match="the answer to a select task must be an index"):
        rerank(["q"], [[1, 2, 3]], Bad({"best": 1}), Setwise(), progress=False)
    with pytest.raises(InvalidValueError, match=r"a probability in \[0, 1\]"):
        rerank(["q"], [[1, 2, 3]], Bad(1.5), Pairwise(), progress=False)
    with pytest.raises(InvalidValueError, match="a finite weight"):
        rerank(["q"], [[1, 2, 3]], Bad([0.1, float("nan"), 0.2]), Setwise(), progress=False)
    with pytest.raises(
        RankwiseTypeError,
        match=r"`ranker` must have a compare\(batch\) method for Pairwise; got OracleListwiseRanker",
    ):
        rerank(["q"], [[1, 2]], _ListwiseOnly(), Pairwise(), progress=False)
    with pytest.raises(RankwiseTypeError, match=r"`strategy` must be a rankwise\.rerank strategy"):
        rerank(["q"], [[1, 2]], rankwise.rerank.OracleRanker(), "heapsort", progress=False)  # type: ignore[arg-type]
    with pytest.raises(
        InvalidValueError,
        match="`method` must be one of 'allpair', 'heapsort', 'sliding'; got 'quick'",
    ):
        Pairwise(method="quick")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="`children` must be a positive integer; got 0"):
        Setwise(children=0)
    with pytest.raises(InvalidValueError, match="`top_k` must be a non-negative integer; got -1"):
        Setwise(top_k=-1)


class _ListwiseOnly:
    def rank(self, batch):
        return [list(range(len(c))) for _, c in batch]


_ListwiseOnly.__name__ = "OracleListwiseRanker"


def test_distributions_and_numpy_answers_are_accepted():
    np = pytest.importorskip("numpy")

    class Logits:
        def select(self, batch):
            return [np.asarray(shown, dtype=np.float32) for _, shown, _ in batch]

        def compare(self, batch):
            return [np.float64(a > b) for _, a, b in batch]

    grades = [3, 1, 4, 1, 5, 9, 2, 6]
    expected = sorted(range(8), key=lambda i: (-grades[i], i))
    order = rerank(["q"], [grades], Logits(), Setwise(top_k=8), progress=False).orders[0]
    assert order == expected
    order = rerank(["q"], [grades], Logits(), Pairwise(method="allpair"), progress=False).orders[0]
    assert [grades[i] for i in order] == sorted(grades, reverse=True)


def test_results_go_straight_into_evaluate():
    qrels = rankwise.Qrels({"q1": {"a": 2, "b": 0, "c": 1}, "q2": {"x": 1}})
    docs = [["b", "c", "a"], ["y", "x"]]
    grades = [[0, 1, 2], [0, 1]]
    result = rerank(
        ["q1", "q2"], grades, rankwise.rerank.OracleRanker(), FullList(), progress=False
    )
    run = result.to_run(["q1", "q2"], docs, name="reranked")
    report = rankwise.evaluate(qrels, run, ["nDCG@10", "RR"])
    assert report["nDCG@10"] == pytest.approx(1.0)
    assert "4 calls" not in repr(result) and "2 calls" in repr(result)
    with pytest.raises(
        InvalidValueError, match="`doc_ids` of query 'q1' must name its 3 candidates"
    ):
        result.to_run(["q1", "q2"], [["a"], ["x", "y"]])


def test_progress_goes_to_stderr(capsys):
    rerank(["q"], [[1, 2, 3]], rankwise.rerank.OracleRanker(), FullList(), progress=True)
    err = capsys.readouterr().err
    assert "rankwise rerank: 1/1 queries, 1/1 calls" in err


@settings(max_examples=40, deadline=None)
@given(
    grade_lists=QUERIES,
    tournaments=st.integers(1, 3),
    seed=st.integers(0, 2**32),
    batch_size=st.integers(1, 50),
    window=st.integers(3, 12),
    parallel=st.booleans(),
    group_size=st.integers(2, 10),
    overlap=st.integers(1, 9),
)
def test_tournament_topdown_and_groupwise_through_the_driver(
    grade_lists, tournaments, seed, batch_size, window, parallel, group_size, overlap
):
    ranker, cands = hidden_ranker(grade_lists, 0.0, seed)
    queries = [f"q{i}" for i in range(len(cands))]
    k = max(1, window // 2)
    overlap = min(overlap, group_size - 1)
    strategies = [
        Tournament(tournaments=tournaments, seed=seed),
        TopDown(window=window, top_k=k, buffer=10_000, parallel=parallel),
        Groupwise(group_size=group_size, overlap=overlap),
    ]
    for strategy in strategies:
        result = rerank(queries, cands, ranker, strategy, batch_size=batch_size, progress=False)
        again = rerank(queries, cands, ranker, strategy, batch_size=1, progress=False)
        assert again.orders == result.orders, strategy  # batching never changes the result
        for cs, order, calls, depth in zip(
            cands, result.orders, result.calls, result.depth, strict=True
        ):
            assert sorted(order) == list(range(len(cs)))
            plan = strategy.plan(len(cs))
            assert plan.calls_min <= calls <= plan.calls_max, (strategy, plan, calls)
            assert plan.depth_min <= depth <= plan.depth_max, (strategy, plan, depth)
            truth = sorted(range(len(cs)), key=lambda i: (-ranker.scores[cs[i]], i))
            hidden = [ranker.scores[cs[i]] for i in order]
            if isinstance(strategy, TopDown):
                # With a buffer that keeps every candidate, the top k is exact.
                assert hidden[:k] == [ranker.scores[cs[i]] for i in truth[:k]]
            elif isinstance(strategy, Groupwise):
                assert order == truth  # the chained scores are the model's scores
            elif cs:
                # At most two candidates win the last stage of every tournament (the default
                # stages end 5 -> 2); a best candidate is one of them.
                assert max(hidden[:2]) == max(hidden)


def test_tourrank_counts_and_its_seeded_shuffles():
    grades = [list(range(100))]
    oracle = rankwise.rerank.OracleRanker()
    result = rerank(["q"], grades, oracle, Tournament(tournaments=10), batch_size=1000)
    assert (result.calls, result.depth, result.batches) == ([130], [5], 5)
    # 99 and 98 win every final (5 -> 2) alike: tied on points, first-stage order decides.
    assert result.orders[0][:2] == [98, 99]
    noisy = rankwise.rerank.OracleRanker(noise=5.0, seed=3)
    a = rerank(["q"], grades, noisy, Tournament(tournaments=3, seed=1), progress=False)
    noisy = rankwise.rerank.OracleRanker(noise=5.0, seed=3)
    b = rerank(["q"], grades, noisy, Tournament(tournaments=3, seed=1), progress=False)
    assert a.orders == b.orders


class OffsetGroups(rankwise.rerank.OracleRanker):
    """Scores every group on its own arbitrary scale: true grade + a per-call offset."""

    def score_group(self, batch):
        scores = super().score_group(batch)
        return [[g + 100.0 * (self.calls + j) for g in s] for j, s in enumerate(scores)]


def test_groupwise_calibrates_offsets_through_the_overlap():
    grades = [[random.Random(q).random() for _ in range(57)] for q in range(3)]
    truth = [sorted(range(57), key=lambda i: -g[i]) for g in grades]
    result = rerank(["a", "b", "c"], grades, OffsetGroups(), Groupwise(group_size=10, overlap=3))
    assert result.orders == truth
    plan = Groupwise(group_size=10, overlap=3).plan(57)
    assert result.calls == [plan.calls_max] * 3 and result.depth == [1, 1, 1]
    # Without overlap the offsets are not removed: the order is by group.
    flat = rerank(["a"], grades[:1], OffsetGroups(), Groupwise(group_size=10, overlap=0))
    assert flat.orders[0] != truth[0]


@settings(max_examples=30, deadline=None)
@given(
    grades=st.lists(st.integers(0, 1000), min_size=0, max_size=130, unique=True),
    window=st.integers(3, 25),
    data=st.data(),
)
def test_shrinking_passes_give_a_complete_ranking_with_a_perfect_teacher(grades, window, data):
    """fullrank's label construction (spec section 7.2): with a perfect teacher, top_k = n
    gives the ideal ranking of every candidate; for n = 100, w = 20, s = 10 it takes the
    paper's 45 windows."""
    step = data.draw(st.integers(1, window - 1))
    strategy = SlidingWindow(window=window, step=step, top_k=max(len(grades), 1))
    result = rerank(["q"], [grades], rankwise.rerank.OracleRanker(), strategy, progress=False)
    assert [grades[i] for i in result.orders[0]] == sorted(grades, reverse=True)
    assert result.calls == [strategy.calls(len(grades))]
    full = SlidingWindow(top_k=100)
    result = rerank(["q"], [list(range(100))], rankwise.rerank.OracleRanker(), full)
    assert result.calls == [45] and result.orders[0] == list(range(99, -1, -1))


class AsyncHidden:
    """HiddenScoreRanker's answers through coroutines, as an API client gives them."""

    def __init__(self, inner: HiddenScoreRanker, fail_at: int | None = None) -> None:
        self.inner, self.fail_at, self.ranker_id = inner, fail_at, inner.ranker_id

    async def _answer(self, method, batch):
        await asyncio.sleep(0)
        if self.fail_at is not None and self.inner.calls + len(batch) > self.fail_at:
            self.fail_at = None
            raise ConnectionError("rate limited")
        return getattr(self.inner, method)(batch)

    async def select(self, batch):
        return await self._answer("select", batch)

    async def compare(self, batch):
        return await self._answer("compare", batch)


@settings(max_examples=25, deadline=None)
@given(
    grade_lists=QUERIES,
    batch_size=st.integers(1, 20),
    concurrency=st.integers(1, 5),
    seed=st.integers(0, 2**16),
)
def test_the_async_driver_gives_the_sync_result_and_resumes(
    grade_lists, batch_size, concurrency, seed
):
    ranker, cands = hidden_ranker(grade_lists, 0.4, seed)
    queries = [f"q{i}" for i in range(len(cands))]
    for strategy in (Setwise(children=2, top_k=3), Pairwise(method="allpair")):
        sync = rerank(queries, cands, ranker, strategy, batch_size=batch_size, progress=False)
        api = AsyncHidden(ranker)
        got = asyncio.run(
            rerank_async(
                queries, cands, api, strategy, batch_size=batch_size, concurrency=concurrency
            )
        )
        assert got.orders == sync.orders and got.calls == sync.calls
        if sum(sync.calls) > 1:
            flaky = AsyncHidden(ranker, fail_at=ranker.calls + sum(sync.calls) // 2)
            with pytest.raises(RerankInterruptedError, match="ConnectionError: rate limited"):
                asyncio.run(rerank_async(queries, cands, flaky, strategy, batch_size=batch_size))
            resumed = asyncio.run(
                rerank_async(queries, cands, flaky, strategy, batch_size=batch_size)
            )
            assert resumed.orders == sync.orders and resumed.calls == sync.calls


@settings(max_examples=30, deadline=None)
@given(grade_lists=QUERIES, seed=st.integers(0, 2**16), data=st.data())
def test_answers_may_arrive_in_any_order(grade_lists, seed, data):
    """The states take a round's answers in any interleaving and end where the driver does."""
    ranker, cands = hidden_ranker(grade_lists, 0.4, seed)
    queries = [f"q{i}" for i in range(len(cands))]
    for strategy in (
        Tournament(tournaments=2, seed=seed),
        Pairwise(),
        TopDown(window=4, top_k=2),
        AcuRank(window=3, top_k=2, min_uncertain=2, max_calls=12),
    ):
        expected = rerank(queries, cands, ranker, strategy, progress=False).orders
        states = strategy._spec().start([len(c) for c in cands])
        while tasks := states.ready():
            shuffled = data.draw(st.permutations(tasks))
            for q, task_id, kind, shown, count in shuffled:
                payload = (queries[q], [cands[q][i] for i in shown])
                if kind == "select":
                    answer = ranker.select([(*payload, count)])[0]
                elif kind == "compare":
                    answer = ranker.compare([(queries[q], *payload[1])])[0]
                else:
                    answer = ranker.rank([payload])[0]
                states.answer(q, task_id, answer)
        assert states.done and states.results() == expected
