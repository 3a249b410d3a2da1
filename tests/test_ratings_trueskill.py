"""rankwise.ratings.trueskill against the ``trueskill`` package's ``rate`` (0.4.5), match after
match, one player per team, on random sequences of 2 to 20 player matches.

The core follows the package's message schedule and its own ``erfc``; the two may differ in the
last bits through ``exp``/``sqrt`` of different math libraries, so the comparison is to a
relative 1e-9 over many updates. Where the package raises ``FloatingPointError``, rankwise
raises InvalidValueError naming the match.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rankwise import ratings
from rankwise.errors import InvalidValueError, RankwiseError
from tests.ratings_matches import matches

trueskill = pytest.importorskip("trueskill")


def reference(data, n_players, mu, sigma, min_delta, ranks=None, **kw):
    """The package's ratings after the matches, or the index of the match it cannot rate."""
    env = trueskill.TrueSkill(mu=mu, sigma=sigma, **kw)
    state = [env.create_rating() for _ in range(n_players)]
    for k, match in enumerate(data):
        try:
            new = env.rate(
                [(state[p],) for p in match],
                ranks=None if ranks is None else ranks[k],
                min_delta=min_delta,
            )
        except (FloatingPointError, ValueError):  # ValueError: math.sqrt of a negative
            return k
        for p, (r,) in zip(match, new, strict=True):
            state[p] = r
    return np.array([r.mu for r in state]), np.array([r.sigma for r in state])


OPTIONS = [
    {},
    {"mu": 0.0, "sigma": 1.0, "beta": 0.5, "tau": 0.0, "draw_probability": 0.0},
    {"draw_probability": 0.4, "tau": 1.0},
    {"beta": 10.0, "min_delta": 1e-6},
]


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_players=st.integers(2, 20),
    n=st.integers(1, 40),
    kw=st.sampled_from(OPTIONS),
)
def test_equals_the_trueskill_package_match_after_match(seed, n_players, n, kw):
    data = matches(seed, n_players, n)
    opts = {"mu": 25.0, "sigma": 25.0 / 3.0, "min_delta": 1e-4, **kw}
    ref = reference(data, n_players, **opts)
    if isinstance(ref, int):
        with pytest.raises(InvalidValueError, match=f"match {ref}"):
            ratings.trueskill(data, players=range(n_players), **opts)
        return
    r = ratings.trueskill(data, players=range(n_players), **opts)
    np.testing.assert_allclose(r.ratings, ref[0], rtol=1e-9, atol=1e-9)
    assert r.sigma is not None
    np.testing.assert_allclose(r.sigma, ref[1], rtol=1e-9)
    assert r.method == "trueskill"
    if "mu" in kw:  # expose() subtracts (mu / sigma of the environment) * sigma: 3 by default
        return
    # the conservative score mu - 3 sigma is the package's expose()
    env = trueskill.TrueSkill(**{k: v for k, v in opts.items() if k != "min_delta"})
    exposed = [env.expose(trueskill.Rating(m, s)) for m, s in zip(ref[0], ref[1], strict=True)]
    np.testing.assert_allclose(r.ratings - 3 * r.sigma, exposed, rtol=1e-9, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_players=st.integers(2, 20),
    n=st.integers(1, 30),
    levels=st.integers(1, 4),
    kw=st.sampled_from(OPTIONS[:1] + OPTIONS[2:] + [{"draw_probability": 0.8}]),
)
def test_draws_equal_the_trueskill_package(seed, n_players, n, levels, kw):
    """Matches with draws: each player's rank drawn from ``levels`` values (1: everyone
    drew; ties at random places otherwise), given as the package's ``ranks``."""
    data = matches(seed, n_players, n)
    rng = np.random.default_rng(seed)
    ranks = [rng.integers(0, levels, len(m)).tolist() for m in data]
    opts = {"mu": 25.0, "sigma": 25.0 / 3.0, "min_delta": 1e-4, **kw}
    ref = reference(data, n_players, ranks=ranks, **opts)
    if isinstance(ref, int):
        with pytest.raises(InvalidValueError, match=f"match {ref}"):
            ratings.trueskill(data, players=range(n_players), ranks=ranks, **opts)
        return
    r = ratings.trueskill(data, players=range(n_players), ranks=ranks, **opts)
    np.testing.assert_allclose(r.ratings, ref[0], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(r.sigma, ref[1], rtol=1e-9)
    # the same ranks flat, with offsets
    off = np.cumsum([0] + [len(m) for m in data])
    flat = ratings.trueskill(
        np.concatenate(data),
        offsets=off,
        players=range(n_players),
        ranks=np.concatenate(ranks),
        **opts,
    )
    np.testing.assert_array_equal(flat.ratings, r.ratings)


def test_a_draw_moves_the_drawn_players_together():
    r = ratings.trueskill([["a", "b"]], ranks=[[0, 0]], mu=[30.0, 20.0], players=["a", "b"])
    env = trueskill.TrueSkill()
    (a,), (b,) = env.rate([(env.create_rating(30.0),), (env.create_rating(20.0),)], ranks=[0, 0])
    np.testing.assert_allclose(r.ratings, [a.mu, b.mu], rtol=1e-9)
    assert 20.0 < r.ratings[1] < r.ratings[0] < 30.0
    # draw_probability 0 leaves no room for a draw: the package's FloatingPointError
    with pytest.raises(InvalidValueError, match="match 0"):
        ratings.trueskill([["a", "b"]], ranks=[[1, 1]], draw_probability=0.0)
    with pytest.raises(RankwiseError, match="ranks"):
        ratings.trueskill([["a", "b"]], ranks=[[1]])
    with pytest.raises(RankwiseError, match="ranks"):
        ratings.trueskill([["a", "b"]], ranks=[[1, float("nan")]])


def test_names_intervals_and_bad_input():
    r = ratings.trueskill([["x", "y"], ["y", "z"]], confidence=0.9)
    assert r.players.tolist() == ["x", "y", "z"]
    assert r.lower is not None and r.upper is not None and r.sigma is not None
    np.testing.assert_allclose(r.upper - r.ratings, 1.6448536269514722 * r.sigma)
    with pytest.raises(RankwiseError):
        ratings.trueskill([["a", "a"]])
    with pytest.raises(RankwiseError):
        ratings.trueskill([["a"]])
    # bad beliefs: tests/test_ratings_online.py
    with pytest.raises(InvalidValueError, match="draw_probability"):
        ratings.trueskill([["a", "b"]], draw_probability=1.0)
    with pytest.raises(RankwiseError):  # a draw (a nested team) is not a ranking of players
        ratings.trueskill([[["a", "b"], "c"]])


def test_a_belief_too_far_for_double_precision_names_the_arguments():
    """benches/fuzz_api.py: the error named `ratings`, which is no argument of trueskill.
    With a huge beta the first match cannot be rated in double precision; the message now
    names `rankings` (and the match) and the constants that set the beliefs."""
    kw = {"mu": 46.69, "sigma": 3.775, "beta": 9.96e272, "tau": 5e-82, "draw_probability": 0.34}
    with pytest.raises(InvalidValueError, match=r"^`rankings` must be .*`beta`.*match 0"):
        ratings.trueskill([["a", "c", "b"]], **kw)
