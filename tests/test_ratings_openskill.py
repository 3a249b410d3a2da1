"""rankwise.ratings.openskill against openskill's PlackettLuce ``rate`` (openskill.py 6), match
after match, on random sequences of matches without ties.

The arithmetic is the same operations in the same order; the two may still differ in the last
bits through ``exp`` and ``sqrt`` of different math libraries, so the comparison is to a
relative 1e-12 over hundreds of updates.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rankwise import ratings
from rankwise.errors import RankwiseError
from tests.ratings_matches import matches

openskill_models = pytest.importorskip("openskill.models")


def reference(data, n_players, **kw):
    model = openskill_models.PlackettLuce(**kw)
    state = [model.rating() for _ in range(n_players)]
    for match in data:
        new = model.rate([[state[p]] for p in match])
        for p, team in zip(match, new, strict=True):
            state[p] = team[0]
    return np.array([r.mu for r in state]), np.array([r.sigma for r in state])


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_players=st.integers(2, 8),
    n=st.integers(1, 60),
    kw=st.sampled_from([{}, {"mu": 0.0, "sigma": 1.0, "beta": 0.5, "tau": 0.0}, {"kappa": 0.3}]),
)
def test_equals_openskill_plackett_luce_rate_match_after_match(seed, n_players, n, kw):
    data = matches(seed, n_players, n)
    mu_ref, sigma_ref = reference(data, n_players, **kw)
    r = ratings.openskill(
        data,
        players=range(n_players),
        **{k: v for k, v in kw.items() if k in ("mu", "sigma", "beta", "kappa", "tau")},
    )
    np.testing.assert_allclose(r.ratings, mu_ref, rtol=1e-12, atol=1e-12)
    assert r.sigma is not None
    np.testing.assert_allclose(r.sigma, sigma_ref, rtol=1e-12)


def test_bad_matches_raise_a_rankwise_error_naming_them():
    # bad beliefs: tests/test_ratings_online.py
    with pytest.raises(RankwiseError, match="twice"):
        ratings.openskill([["a", "a"]])
