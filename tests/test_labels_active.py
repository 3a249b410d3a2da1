"""rankwise.labels.active_labels: teacher windows only where the aggregated order is uncertain.

The teacher is simulated (:class:`rankwise.rerank.OracleRanker`: the candidates are their true
grades, each call adds Gaussian noise drawn from the call's content). Agreement with the truth
is Kendall's tau between a label's order and the true grades, as the benchmark reports it
(``benches/bench_labels.py --active``).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rankwise import labels
from rankwise.correlation import kendall_tau
from rankwise.errors import InvalidValueError, RankwiseTypeError
from rankwise.rerank import OracleRanker


def problems(seed: int, queries: int, n: int) -> list[list[float]]:
    rng = np.random.default_rng(seed)
    return [[float(g) for g in rng.permutation(n)] for _ in range(queries)]


def agreement(grades: list[list[float]], orders: list[list[int]]) -> float:
    taus = []
    for g, o in zip(grades, orders, strict=True):
        position = np.empty(len(o))
        position[o] = np.arange(len(o))
        taus.append(kendall_tau(-position, np.array(g)).statistic)
    return float(np.mean(taus))


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), noise=st.sampled_from([10.0, 30.0]))
def test_a_noisy_teacher_agrees_as_well_as_the_45_window_construction_with_fewer_calls(seed, noise):
    grades = problems(seed, 16, 100)
    queries = [f"q{i}" for i in range(len(grades))]
    full = labels.fullrank_labels(queries, grades, OracleRanker(noise, seed=seed), progress=False)
    assert full.windows == [45] * len(grades)
    active = labels.active_labels(queries, grades, OracleRanker(noise, seed=seed), max_windows=30)
    assert max(active.windows) <= 30
    assert agreement(grades, active.orders) >= agreement(grades, full.orders)


def test_the_budget_rounds_and_evidence_are_consistent():
    grades = problems(3, 5, 57)
    teacher = OracleRanker(5.0, seed=3)
    out = labels.active_labels(
        [str(i) for i in range(5)], grades, teacher, max_windows=17, window=12, per_round=4
    )
    assert teacher.calls == out.calls == sum(r.windows for r in out.rounds)
    assert out.windows == [len(ev) for ev in out.evidence]
    assert all(w <= 17 for w in out.windows)
    # round 0 covers the 57 candidates by windows of 12 overlapping by half (capped at 4)
    assert out.rounds[0].windows == 5 * 4
    assert all(r.windows <= 5 * 4 for r in out.rounds)
    for order, ev in zip(out.orders, out.evidence, strict=True):
        assert sorted(order) == list(range(57))
        assert all(len(w) <= 12 and len(set(w)) == len(w) for w in ev)
        assert set().union(*map(set, ev)) == set(range(57))
    # the labels are the aggregation of the evidence
    again = labels.aggregate(out.evidence[1], 57, method="plackett_luce", alpha=1.0)
    assert out.orders[1] == again.order.tolist()
    np.testing.assert_array_equal(out.confidence[1], again.confidence)
    assert out.texts[1] == labels.ranking_text(again.order)


def test_a_query_stops_when_every_pair_reaches_the_confidence_or_the_budget_is_spent():
    # A perfect teacher on four candidates: each window confirms the order, and the
    # Plackett-Luce confidence of every pair grows until all reach 0.9 (alpha=1 is a prior of
    # one pseudo-comparison, so that takes many windows); with a smaller budget it stops short.
    grades = [[0.0, 3.0, 1.0, 2.0]]
    out = labels.active_labels(["q"], grades, OracleRanker(), confidence=0.9, max_windows=45)
    assert out.orders == [[1, 3, 2, 0]] and out.settled == [True]
    assert 1 < out.windows[0] < 45
    assert [r.settled for r in out.rounds] == [0] * (len(out.rounds) - 1) + [1]
    assert bool(np.all(out.confidence[0][:-1] >= 0.9)) and np.isnan(out.confidence[0][-1])
    short = labels.active_labels(["q"], grades, OracleRanker(), confidence=0.9, max_windows=5)
    assert short.settled == [False] and short.windows == [5]
    assert bool(np.any(short.confidence[0][:-1] < 0.9))


def test_small_lists_and_text_answers():
    grades = [[0.0, 3.0, 1.0, 2.0], [5.0], []]
    out = labels.active_labels(["a", "b", "c"], grades, OracleRanker(), max_windows=3)
    assert out.orders == [[1, 3, 2, 0], [0], []]
    assert out.windows == [3, 0, 0] and out.settled == [False, True, True]
    text = labels.active_labels(["a", "b", "c"], grades, OracleRanker(as_text=True), max_windows=3)
    assert text.orders == out.orders and text.windows == out.windows


def test_same_seed_same_labels():
    grades = problems(7, 3, 45)
    a = labels.active_labels(list("abc"), grades, OracleRanker(8.0, seed=1), max_windows=12)
    b = labels.active_labels(list("abc"), grades, OracleRanker(8.0, seed=1), max_windows=12)
    assert a.orders == b.orders and a.evidence == b.evidence


class Broken:
    def __init__(self, answer, count=None):
        self.answer, self.count = answer, count

    def rank(self, batch):
        return [self.answer] * (len(batch) if self.count is None else self.count)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"confidence": 0.5}, "`confidence` must be in"),
        ({"confidence": 1.5}, "`confidence` must be in"),
        ({"confidence": float("nan")}, "`confidence` must be in"),
        ({"max_windows": 0}, "max_windows"),
        ({"window": 1}, "window"),
        ({"per_round": 0}, "per_round"),
        ({"method": "kemeny"}, "`method` must be one of"),
        ({"alpha": -1.0}, "`alpha` must be finite"),
    ],
)
def test_bad_options_are_refused_by_name(kwargs, match):
    with pytest.raises(InvalidValueError, match=match):
        labels.active_labels(["q"], [[1, 2, 3]], OracleRanker(), **kwargs)


def test_bad_teachers_and_inputs_are_refused():
    with pytest.raises(RankwiseTypeError, match="listwise ranker"):
        labels.active_labels(["q"], [[1, 2]], object())
    with pytest.raises(InvalidValueError, match="one list per query"):
        labels.active_labels(["q", "r"], [[1, 2]], OracleRanker())
    with pytest.raises(InvalidValueError, match=r"permutations of range\(3\)"):
        labels.active_labels(["q"], [[1, 2, 3]], Broken([0, 0, 1]))
    with pytest.raises(InvalidValueError, match="must answer each"):
        labels.active_labels(["q"], [[1, 2, 3]], Broken([0, 1, 2], count=0))
    with pytest.raises(RankwiseTypeError, match=r"candidates\[0\]"):
        labels.active_labels(["q"], [5], OracleRanker())


class _Replies:
    """A teacher whose rank() answers with ``reply`` whatever the batch."""

    def __init__(self, reply):
        self.reply = reply

    def rank(self, batch):
        return self.reply(batch)


def test_a_teacher_answering_no_list_is_named():
    """benches/fuzz_api.py: a teacher whose rank() returned None escaped as a raw
    TypeError (len of None); a generator of answers is read as the list it gives."""
    with pytest.raises(RankwiseTypeError, match=r"`teacher.rank` must return a list"):
        labels.active_labels(["q"], [[1, 2, 3]], _Replies(lambda batch: None))
    gen = _Replies(lambda batch: ([2, 1, 0] for _ in batch))
    out = labels.active_labels(["q"], [[1, 2, 3]], gen, max_windows=2)
    assert sorted(out.orders[0]) == [0, 1, 2] and out.windows == [2]


def test_a_window_budget_past_int64_is_refused_by_name():
    """benches/fuzz_api.py: max_windows=2**63 overflowed the int64 budget arithmetic."""
    teacher = _Replies(lambda batch: [[0, 1, 2] for _ in batch])
    with pytest.raises(
        InvalidValueError, match=r"`max_windows` must be a positive integer at most"
    ):
        labels.active_labels(["q"], [[1, 2, 3]], teacher, max_windows=2**63)


class RandomTeacher:
    """Answers every window with a random permutation: no evidence about any pair."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def rank(self, batch):
        return [self.rng.permutation(len(shown)).tolist() for _, shown in batch]


@pytest.mark.filterwarnings("ignore::rankwise.errors.ConvergenceWarning")
def test_the_evidence_rule_settles_a_perfect_teacher_before_the_budget():
    grades = problems(11, 4, 30)
    queries = [f"q{i}" for i in range(4)]
    out = labels.active_labels(
        queries, grades, OracleRanker(), max_windows=200, window=10, stop="evidence"
    )
    assert out.settled == [True] * 4
    assert max(out.windows) < 200
    assert agreement(grades, out.orders) == 1.0
    for c in out.confidence:  # every adjacent pair reached the confidence; the last has none
        assert (c[:-1] >= 0.9).all() and np.isnan(c[-1])
    # the probability rule does not settle these within the same budget
    prob = labels.active_labels(queries, grades, OracleRanker(), max_windows=200, window=10)
    assert prob.settled == [False] * 4 and prob.windows == [200] * 4


def test_the_evidence_rule_settles_the_top_k_of_long_lists_in_few_windows():
    grades = problems(5, 6, 100)
    queries = [f"q{i}" for i in range(6)]
    out = labels.active_labels(queries, grades, OracleRanker(), stop="evidence", top_k=10)
    assert out.settled == [True] * 6 and max(out.windows) < 45
    for g, order in zip(grades, out.orders, strict=True):
        assert [g[i] for i in order[:10]] == sorted(g, reverse=True)[:10]


def test_a_random_teacher_does_not_claim_settled():
    grades = problems(2, 3, 40)
    queries = [f"q{i}" for i in range(3)]
    out = labels.active_labels(
        queries, grades, RandomTeacher(2), max_windows=60, stop="evidence", window=10
    )
    assert out.settled == [False] * 3 and out.windows == [60] * 3


def test_the_evidence_confidence_is_the_sign_test_of_the_windows_that_showed_the_pair():
    from rankwise._label_active import _evidence

    # query 0: 0 before 1 in 2 of 2 windows, 1 before 2 in 3 of 3; query 1: 1 before 0 once
    evidence = [[[0, 1, 2], [0, 1, 2], [1, 2]], [[1, 0]]]
    n, offsets = np.array([3, 2]), np.array([0, 3, 5])
    got = _evidence(evidence, n, offsets, np.array([0, 1, 2, 1, 0]))
    # P(q > 1/2) under Beta(w + 1, l + 1): 1 - 2 ** -(w + 1) with no losses
    np.testing.assert_allclose(got, [7 / 8, 15 / 16, np.nan, 3 / 4, np.nan])
    # the other order of query 1's pair: no window supports it
    assert _evidence(evidence, n, offsets, np.array([0, 1, 2, 0, 1]))[3] == 1 / 4


def test_bad_stop_and_top_k_are_refused_by_name():
    with pytest.raises(InvalidValueError, match="stop"):
        labels.active_labels(["q"], [[1.0, 2.0]], OracleRanker(), stop="never")
    with pytest.raises(InvalidValueError, match="top_k"):
        labels.active_labels(["q"], [[1.0, 2.0]], OracleRanker(), top_k=0)
