"""JointRank and permutation self-consistency through the driver: oracle-ranker guarantees,
plans held to the calls made, the Latin-square design against a transcription of the
JointRank paper's construction (written from the paper's description, Dedov et al. 2025,
section 3; the authors' code could not be downloaded here), and bad options."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rankwise.errors import InvalidValueError
from rankwise.rerank import (
    FullList,
    JointRank,
    OracleRanker,
    SimulatedRanker,
    SlidingWindow,
    TopDown,
    rerank,
)
from rankwise.rerank.strategies import StrategySpec

distinct_grades = st.lists(st.integers(0, 10**6), min_size=0, max_size=49, unique=True)


def ideal(grades: list[int]) -> list[int]:
    return sorted(range(len(grades)), key=lambda i: -grades[i])


@settings(max_examples=60, deadline=None)
@given(
    grades=distinct_grades,
    k=st.sampled_from([2, 3, 5, 7]),
    aggregation=st.sampled_from(["plackett_luce", "rank_centrality", "borda", "kemeny"]),
)
def test_a_design_covering_every_pair_recovers_the_full_order(grades, k, aggregation):
    """The affine plane of prime order k (k + 1 classes) puts every pair in one block, so a
    perfect ranker's blocks determine the order and every aggregation recovers it, in one round
    of exactly the planned calls."""
    grades = grades[: k * k]
    strategy = JointRank(
        block_size=k, replication=k + 1, design="latin_square", aggregation=aggregation
    )
    result = rerank(["q"], [grades], OracleRanker(), strategy)
    assert result.orders == [ideal(grades)]
    plan = strategy.plan(len(grades))
    assert plan.exact and (result.calls[0], result.depth[0]) == (plan.calls_max, plan.depth_max)
    assert result.depth[0] == (1 if len(grades) >= 2 else 0)


def transcribed_latin_square(n: int, k: int, r: int) -> list[list[int]]:
    """The JointRank paper's Latin-square design as it describes it: items on a k x k grid;
    the blocks of the first two parallel classes are its rows and its columns, further classes
    the cells of one symbol of a cyclic Latin square ``L_t(i, j) = j - t i mod k``; blocks
    listed class by class, cells top to bottom; empty cells (n < k^2) dropped."""
    grid = [[i * k + j if i * k + j < n else None for j in range(k)] for i in range(k)]
    blocks = []
    for t in range(r):
        for c in range(k):
            if t == 0:
                cells = [grid[c][j] for j in range(k)]
            elif t == 1:
                cells = [grid[i][c] for i in range(k)]
            else:
                cells = [
                    grid[i][j] for i in range(k) for j in range(k) if (j - (t - 1) * i) % k == c
                ]
            block = [x for x in cells if x is not None]
            if len(block) >= 2:
                blocks.append(block)
    return blocks


@settings(max_examples=60, deadline=None)
@given(k=st.integers(2, 9), data=st.data())
def test_latin_square_blocks_equal_the_transcription(k, data):
    n = data.draw(st.integers(0, k * k))
    r = data.draw(st.integers(1, k + 1))
    spec = JointRank(block_size=k, replication=r, design="latin_square")._spec()
    states = spec.start([n])
    asked = [candidates for _, _, _, candidates, _ in states.ready()]
    assert asked == transcribed_latin_square(n, k, r)
    assert states.ready() == []  # one round: nothing more until answered


@settings(max_examples=40, deadline=None)
@given(
    grades=distinct_grades,
    k=st.integers(2, 12),
    r=st.integers(1, 4),
    seed=st.integers(0, 2**64 - 1),
)
def test_replicated_design_plan_and_coverage(grades, k, r, seed):
    strategy = JointRank(block_size=k, replication=r, seed=seed)
    states = strategy._spec().start([len(grades)])
    blocks = [c for _, _, _, c, _ in states.ready()]
    assert len(blocks) == strategy.plan(len(grades)).calls_max
    assert all(2 <= len(b) <= k for b in blocks)
    result = rerank(["q"], [grades], OracleRanker(), strategy)
    assert sorted(result.orders[0]) == list(range(len(grades)))
    assert result.calls == [len(blocks)]
    # The same seed replays the same blocks.
    again = [c for _, _, _, c, _ in strategy._spec().start([len(grades)]).ready()]
    assert again == blocks


@settings(max_examples=40, deadline=None)
@given(grades=distinct_grades, permutations=st.integers(1, 4))
def test_self_consistency_with_a_perfect_ranker_equals_the_plain_strategy(grades, permutations):
    """A perfect ranker answers every shown order alike, so the aggregated answer is its
    answer: the wrapped strategy's order, ``permutations`` times its calls, the same depth."""
    for plain in (
        SlidingWindow(window=5, step=2),
        FullList(),
        TopDown(window=6, top_k=3, buffer=4),
        JointRank(block_size=4, replication=2),
    ):
        wrapped = type(plain)(**{**plain.__dict__, "permutations": permutations})
        a = rerank(["q"], [grades], OracleRanker(), plain)
        b = rerank(["q"], [grades], OracleRanker(), wrapped)
        assert b.orders == a.orders
        assert b.calls == [permutations * c for c in a.calls]
        assert b.depth == a.depth
        plan, wplan = plain.plan(len(grades)), wrapped.plan(len(grades))
        assert (wplan.calls_min, wplan.calls_max) == (
            permutations * plan.calls_min,
            permutations * plan.calls_max,
        )
        assert (wplan.depth_min, wplan.depth_max) == (plan.depth_min, plan.depth_max)


def test_self_consistency_shows_shuffled_orders_and_helps_a_position_biased_ranker():
    spec = SlidingWindow(window=8, step=4, permutations=3)._spec()
    states = spec.start([8])
    tasks = states.ready()
    shown = [c for _, _, _, c, _ in tasks]
    assert shown[0] == list(range(8))
    assert all(sorted(s) == list(range(8)) for s in shown) and shown[1] != shown[0]
    # A ranker that favours the first shown candidate: the plain window keeps a weak first
    # candidate on top; seven shuffled copies vote it down.
    grades = [[i for i in range(20)] for _ in range(8)]
    biased = OracleRanker(position_bias=25.0)
    plain = rerank([f"q{i}" for i in range(8)], grades, biased, FullList())
    psc = rerank([f"q{i}" for i in range(8)], grades, biased, FullList(permutations=7))
    assert all(o[0] == 0 for o in plain.orders)
    assert sum(o[0] == 19 for o in psc.orders) > sum(o[0] == 19 for o in plain.orders)


def test_bad_options_are_named():
    with pytest.raises(InvalidValueError, match="block_size"):
        JointRank(block_size=1)
    with pytest.raises(InvalidValueError, match="replication"):
        JointRank(block_size=3, replication=5, design="latin_square")
    with pytest.raises(InvalidValueError, match="design"):
        JointRank(design="bibd")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="permutations"):
        SlidingWindow(permutations=0)
    with pytest.raises(InvalidValueError, match="at most 1000"):
        FullList(permutations=10**12)
    with pytest.raises(InvalidValueError, match="`n`"):
        JointRank(block_size=3, design="latin_square").plan(10)
    with pytest.raises(InvalidValueError, match="`n`"):
        rerank(
            ["q"], [list(range(10))], OracleRanker(), JointRank(block_size=3, design="latin_square")
        )
    with pytest.raises(InvalidValueError, match="permutations"):
        StrategySpec.pointwise().self_consistent(permutations=2, aggregation="borda", seed=0)


def test_simulated_llm_runs_joint_rank_in_one_round():
    judged = {"q": {f"d{i}": (3 if i % 7 == 0 else 0) for i in range(100)}}
    ranker = SimulatedRanker(judged, temperature=0.5, seed=1)
    result = rerank(
        ["q"],
        [[f"d{i}" for i in range(100)]],
        ranker,
        JointRank(block_size=10, design="latin_square"),
    )
    assert result.depth == [1] and result.calls == [20]
    top = result.orders[0][:10]
    assert sum(i % 7 == 0 for i in top) >= 8
