"""rankwise.ratings.plackett_luce against choix.mm_rankings (the fit, and the fit of every
bootstrap resample) and against a finite-difference Hessian of the Plackett-Luce likelihood
(the asymptotic intervals)."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rankwise import ratings
from rankwise.errors import InvalidValueError, RankwiseError
from tests.ratings_matches import SEEDS

choix = pytest.importorskip("choix")
FACTOR = 400 / math.log(10)


def pl_rankings(seed: int, n_players: int, n: int) -> list[list[int]]:
    """Random rankings of 2..n_players players drawn from Plackett-Luce; every player is
    ranked above another at least once (ranking r < n_players puts player r first)."""
    rng = np.random.default_rng(seed)
    strength = rng.gamma(2.0, size=n_players)
    out = []
    for r in range(max(n, n_players)):
        size = int(rng.integers(2, n_players + 1))
        pool = list(rng.permutation(n_players))
        ranking = []
        if r < n_players:
            pool.remove(r)
            ranking.append(r)
        while len(ranking) < size:
            p = strength[pool] / strength[pool].sum()
            pick = int(rng.choice(len(pool), p=p))
            ranking.append(int(pool.pop(pick)))
        out.append(ranking)
    return out


@settings(max_examples=20, deadline=None)
@given(seed=SEEDS, n_players=st.integers(2, 6), n=st.integers(5, 60))
def test_fit_and_every_resample_equal_choix_mm_rankings(seed, n_players, n):
    data = pl_rankings(seed, n_players, n)
    alpha = 0.01
    idx = np.random.default_rng(seed + 1).integers(0, len(data), (4, len(data)))
    r = ratings.plackett_luce(data, players=range(n_players), alpha=alpha, resamples=idx)
    np.testing.assert_allclose(
        (r.ratings - 1000) / FACTOR, choix.mm_rankings(n_players, data, alpha=alpha), atol=1e-7
    )
    assert r.bootstrap is not None
    for row, boot in zip(idx, r.bootstrap, strict=True):
        ref = choix.mm_rankings(n_players, [data[i] for i in row], alpha=alpha)
        np.testing.assert_allclose((boot - 1000) / FACTOR, ref, atol=1e-7)


def loglik(s: np.ndarray, data: list[list[int]]) -> float:
    total = 0.0
    for ranking in data:
        for t in range(len(ranking) - 1):
            rest = s[ranking[t:]]
            total += s[ranking[t]] - math.log(np.exp(rest).sum())
    return total


@settings(max_examples=15, deadline=None)
@given(seed=SEEDS, n_players=st.integers(2, 5), n=st.integers(20, 60))
def test_asymptotic_intervals_invert_the_likelihoods_hessian(seed, n_players, n):
    data = pl_rankings(seed, n_players, n)
    r = ratings.plackett_luce(data, intervals="asymptotic", confidence=0.9)
    s0 = (r.ratings - 1000) / FACTOR
    k, h = n_players - 1, 1e-4

    def ll(y: np.ndarray) -> float:
        return loglik(np.concatenate([[0.0], y]), data)

    y0 = s0[1:] - s0[0]
    hess = np.zeros((k, k))
    eye = np.eye(k) * h
    for i in range(k):
        for j in range(k):
            hess[i, j] = (
                ll(y0 + eye[i] + eye[j])
                - ll(y0 + eye[i] - eye[j])
                - ll(y0 - eye[i] + eye[j])
                + ll(y0 - eye[i] - eye[j])
            ) / (4 * h * h)
    full = np.zeros((n_players, n_players))
    full[1:, 1:] = np.linalg.inv(-hess)
    centre = np.eye(n_players) - 1.0 / n_players
    se = np.sqrt(np.diag(centre @ full @ centre))
    z = NormalDist().inv_cdf(0.95)
    assert r.lower is not None and r.upper is not None
    np.testing.assert_allclose((r.upper - r.ratings) / z / FACTOR, se, rtol=1e-3)


def test_rankings_of_two_are_bradley_terry_and_layouts_agree():
    winners, losers = [0, 1, 2, 0, 1, 2, 0], [1, 2, 0, 2, 0, 1, 1]
    pairs = [[w, v] for w, v in zip(winners, losers, strict=True)]
    pl = ratings.plackett_luce(pairs, intervals="asymptotic")
    bt = ratings.bradley_terry(winners, losers, np.ones(7), intervals="asymptotic")
    np.testing.assert_allclose(pl.ratings, bt.ratings, atol=1e-6)
    assert pl.lower is not None and bt.lower is not None
    np.testing.assert_allclose(pl.lower, bt.lower, atol=1e-6)
    flat = ratings.plackett_luce(
        np.ravel(pairs), offsets=np.arange(0, 15, 2), intervals="asymptotic"
    )
    np.testing.assert_array_equal(flat.ratings, pl.ratings)
    w = ratings.plackett_luce(pairs + pairs[:1], weights=[2] + [1] * 7, intervals=None)
    twice = ratings.plackett_luce(pairs + pairs[:1] * 2, intervals=None)
    np.testing.assert_allclose(w.ratings, twice.ratings, atol=1e-6)


def test_seeded_bootstrap_is_reproducible():
    data = pl_rankings(5, 5, 80)
    x = ratings.plackett_luce(data, n_resamples=40, seed=2)
    y = ratings.plackett_luce(data, n_resamples=40, seed=2)
    assert x.bootstrap is not None and x.bootstrap.shape == (40, 5)
    np.testing.assert_array_equal(x.bootstrap, y.bootstrap)
    assert x.lower is not None and x.upper is not None and (x.lower < x.upper).all()
    assert (x.rank <= x.rank_worst).all()


def test_bad_rankings_raise_a_rankwise_error_naming_them():
    with pytest.raises(InvalidValueError, match="twice"):
        ratings.plackett_luce([["a", "a"]])
    with pytest.raises(InvalidValueError, match="two or more"):
        ratings.plackett_luce([["a", "b"], ["a"]])
    with pytest.raises(InvalidValueError, match="alpha"):
        ratings.plackett_luce([["a", "b"]])
    with pytest.raises(InvalidValueError, match="unknown player 'z'"):
        ratings.plackett_luce([["a", "z"]], players=["a", "b"])
    with pytest.raises(RankwiseError, match="`rankings`"):
        ratings.plackett_luce([])
    with pytest.raises(RankwiseError, match="`resamples`"):
        ratings.plackett_luce([["a", "b"], ["b", "a"]], resamples=[[0, 7]])
