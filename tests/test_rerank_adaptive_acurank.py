"""AcuRank through the driver: against a transcription of the authors' control flow, held to
its plan, with a perfect ranker, and bad options.

The transcription follows ``run.py`` of the authors' repository (soyoung97/AcuRank:
``Runner.run_trueskill`` with the ``independent_firststage`` priors and
``_adaptive_prob_rank_reduce_uncertain`` with sequential chunks) and ``adaptive_utils.py``
(``_find_threshold_binary_search``) line by line, with ``trueskill.rate`` (the package's
default environment) as the belief update, as the authors call it, and the documented
changes of rankwise's AcuRank: float64 throughout (the authors' threshold runs on float32
tensors), the budget counted in calls over both phases, a round that asks no call ends the
run, and a window whose update raises ``FloatingPointError`` leaves the beliefs as they were
(the authors' run stops in the debugger).
"""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rankwise.errors import InvalidValueError
from rankwise.rerank import AcuRank, OracleRanker, rerank

trueskill = pytest.importorskip("trueskill")
ndtr = pytest.importorskip("scipy.special").ndtr


def find_threshold(q, mu, std, tol=1e-7, max_steps=5000):
    """adaptive_utils._find_threshold_binary_search."""
    if q >= 1:
        return min(m - 3.0902 * s for m, s in zip(mu, std, strict=True))
    target = 1.0 - q
    left = min(mu) - 5 * max(std)
    right = max(mu) + 5 * max(std)

    def g(x):
        return sum(ndtr((x - m) / s) for m, s in zip(mu, std, strict=True)) / len(mu) - target

    while g(left) > 0:
        left -= right - left
    while g(right) < 0:
        right += right - left
    for _ in range(max_steps):
        mid = 0.5 * (left + right)
        g_mid = g(mid)
        if g_mid == 0.0:
            return mid
        if g_mid < 0.0:
            left = mid
        else:
            right = mid
        if right - left < tol:
            break
    return 0.5 * (left + right)


def transcribed_acurank(grades, ranker, *, window, top_k, tol, min_uncertain, max_calls):
    """The authors' AcuRank (see the module docs): the order and the calls."""
    n = len(grades)
    calls = 0
    if n < 2:
        return list(range(n)), 0
    max_gap, mu0 = 0.49, 25
    a = max_gap / max(n - 1, 1)
    m = (n - 1) / 2
    mus = [mu0 + a * (m - r) for r in range(n)]
    rating = {i: trueskill.Rating(mu=mus[i], sigma=mus[i] / 3) for i in range(n)}
    candidates = list(range(n))

    def rank(window_candidates):
        nonlocal calls
        calls += 1
        (order,) = ranker.rank([("q", [grades[c] for c in window_candidates])])
        return list(order)

    def update(ordering, window_candidates):
        ranked = [window_candidates[i] for i in ordering]
        try:
            new = trueskill.rate([[rating[c]] for c in ranked], ranks=range(len(ranked)))
        except FloatingPointError:
            return
        for c, team in zip(ranked, new, strict=True):
            rating[c] = team[0]

    # run_trueskill: the first pass, windows in list order
    for start in range(0, n, window):
        chunk = candidates[start : start + window]
        if len(chunk) >= 2 and calls < max_calls:
            update(rank(chunk), chunk)
        candidates[start : start + window] = sorted(chunk, key=lambda c: rating[c].mu, reverse=True)
    candidates.sort(key=lambda c: rating[c].mu, reverse=True)
    if calls >= max_calls:
        return candidates, calls
    # _adaptive_prob_rank_reduce_uncertain
    while True:
        mus = [rating[c].mu for c in candidates]
        sigmas = [rating[c].sigma for c in candidates]
        t = find_threshold(top_k / n, mus, sigmas)
        probs = [1.0 - ndtr((t - mu) / s) for mu, s in zip(mus, sigmas, strict=True)]
        pairs = sorted(zip(candidates, probs, strict=True), key=lambda x: x[1], reverse=True)
        candidates = [c for c, _ in pairs]
        sorted_probs = [p for _, p in pairs]
        chosen = [i for i, p in enumerate(sorted_probs) if tol < p < 1.0 - tol]
        should_break = False
        if len(chosen) < min_uncertain:
            chosen = [i for i, p in enumerate(sorted_probs) if p > tol]
            should_break = True
        chunks = [chosen[i : i + window] for i in range(0, len(chosen), window)]
        asked = 0
        for chunk in chunks:
            if calls >= max_calls:
                break
            if len(chunk) >= 2:
                window_candidates = [candidates[i] for i in chunk]
                update(rank(window_candidates), window_candidates)
                asked += 1
        if calls >= max_calls or should_break or asked == 0:
            candidates.sort(key=lambda c: rating[c].mu, reverse=True)
            return candidates, calls


distinct_grades = st.lists(st.integers(0, 10**6), min_size=0, max_size=70, unique=True)


@settings(max_examples=250, deadline=None)
@given(
    grades=distinct_grades,
    window=st.sampled_from([3, 5, 10, 20]),
    top_k=st.integers(1, 12),
    tol=st.sampled_from([1e-2, 1e-3, 0.1]),
    min_uncertain=st.integers(1, 12),
    max_calls=st.integers(1, 40),
    noise=st.sampled_from([0.0, 3e5]),
    seed=st.integers(0, 2**16),
)
def test_equals_a_transcription_of_the_authors_control_flow(
    grades, window, top_k, tol, min_uncertain, max_calls, noise, seed
):
    """Same order and calls as the transcription, with a perfect or a noisy ranker (its noise
    drawn from each call's content, so both runs get the same answers)."""
    options = dict(
        window=window, top_k=top_k, tol=tol, min_uncertain=min_uncertain, max_calls=max_calls
    )
    ranker = OracleRanker(noise=noise, seed=seed)
    result = rerank(["q"], [grades], ranker, AcuRank(**options))
    order, calls = transcribed_acurank(grades, ranker, **options)
    assert result.orders == [order]
    assert result.calls == [calls]
    plan = AcuRank(**options).plan(len(grades))
    assert plan.calls_min <= calls <= plan.calls_max
    assert plan.depth_min <= result.depth[0] <= plan.depth_max


@settings(max_examples=60, deadline=None)
@given(grades=st.lists(st.integers(0, 10**6), min_size=2, max_size=100, unique=True))
def test_a_perfect_ranker_settles_before_the_budget(grades):
    """The paper's settings (windows of 20, top 10) with a perfect ranker: the run settles in
    a few calls, well before the budget."""
    result = rerank(["q"], [grades], OracleRanker(), AcuRank(max_calls=10_000))
    assert result.calls[0] <= 30


def test_a_perfect_ranker_mostly_settles_the_ideal_top_10():
    """With a perfect ranker a settled top 10 is the ideal top 10 for almost every list, not
    all: TrueSkill's beliefs are approximate and a candidate can settle on the wrong side of
    the boundary (297 of 300 right when this was written; the Rust tests have more)."""
    rng = random.Random(0)
    lists = [rng.sample(range(10**6), rng.randrange(2, 101)) for _ in range(300)]
    result = rerank([str(i) for i in range(300)], lists, OracleRanker(), AcuRank(max_calls=10_000))
    right = sum(
        sorted(g[i] for i in order[:10]) == sorted(g)[-10:]
        for g, order in zip(lists, result.orders, strict=True)
    )
    assert right >= 291


def test_budget_caps_the_calls_and_permutations_multiply_them():
    grades = [(37 * i) % 101 for i in range(100)]
    noisy = OracleRanker(noise=30.0, seed=1)
    result = rerank(["q"], [grades], noisy, AcuRank(max_calls=7))
    assert result.calls == [7]
    assert AcuRank(max_calls=7).plan(100).calls_max == 7
    three = rerank(["q"], [grades], noisy, AcuRank(max_calls=7, permutations=3))
    assert three.calls == [21]
    assert AcuRank(max_calls=7, permutations=3).plan(100).calls_max == 21
    assert repr(AcuRank(top_k=5)).startswith("AcuRank(window=20, top_k=5, tol=0.01,")


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({"window": 1}, "window"),
        ({"top_k": 0}, "top_k"),
        ({"tol": 0.5}, "tol"),
        ({"tol": math.nan}, "tol"),
        ({"tol": "0.1"}, "tol"),
        ({"min_uncertain": 0}, "min_uncertain"),
        ({"max_calls": 0}, "max_calls"),
        ({"max_calls": -1}, "max_calls"),
        ({"permutations": 0}, "permutations"),
    ],
)
def test_bad_options_are_named(options, name):
    with pytest.raises(InvalidValueError, match=f"`{name}`"):
        AcuRank(**options)
