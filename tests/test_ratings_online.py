"""The online Bayesian ratings (rankwise.ratings.openskill and trueskill) on their own, without
their reference packages (tests/test_ratings_openskill.py and tests/test_ratings_trueskill.py
compare them with those): a run can be continued from the beliefs it reached."""

from __future__ import annotations

import numpy as np
import pytest

from rankwise import ratings
from tests.ratings_matches import matches


@pytest.mark.parametrize(
    ("model", "seed", "n_players", "n", "cut"),
    [("openskill", 1, 5, 40, 15), ("trueskill", 5, 6, 30, 12)],
)
def test_continuing_from_earlier_ratings_equals_one_pass(model, seed, n_players, n, cut):
    rate = getattr(ratings, model)
    data, players = matches(seed, n_players, n), range(n_players)
    whole = rate(data, players=players)
    first = rate(data[:cut], players=players)
    rest = rate(data[cut:], players=players, mu=first.ratings, sigma=first.sigma)
    np.testing.assert_array_equal(rest.ratings, whole.ratings)
    assert rest.sigma is not None and whole.sigma is not None
    np.testing.assert_array_equal(rest.sigma, whole.sigma)
    assert whole.lower is not None and (whole.lower < whole.ratings).all()
