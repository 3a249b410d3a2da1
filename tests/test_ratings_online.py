"""The online Bayesian ratings (rankwise.ratings.openskill and trueskill) on their own, without
their reference packages (tests/test_ratings_openskill.py and tests/test_ratings_trueskill.py
compare them with those): a run can be continued from the beliefs it reached, and bad beliefs
are refused by name."""

from __future__ import annotations

import numpy as np
import pytest

from rankwise import ratings
from rankwise.errors import InvalidValueError, RankwiseError
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


# What names a sigma <= 0: openskill's error names `sigma`; trueskill's, found in a match,
# names the match's `ratings` and says "sigma 0".
@pytest.mark.parametrize(
    ("model", "bad_sigma"), [("openskill", "`sigma`"), ("trueskill", "sigma 0")]
)
def test_bad_beliefs_raise_a_rankwise_error_naming_them(model, bad_sigma):
    rate = getattr(ratings, model)
    with pytest.raises(RankwiseError, match=bad_sigma):
        rate([["a", "b"]], sigma=[1.0, 0.0])
    with pytest.raises(RankwiseError, match="`mu`"):
        rate([["a", "b"]], mu=[1.0, 2.0, 3.0])
    with pytest.raises(InvalidValueError, match="`beta`"):
        rate([["a", "b"]], beta=0.0)
    # found by benches/fuzz_api.py: a ragged belief leaked numpy's ValueError from np.ndim
    with pytest.raises(RankwiseError, match="`mu`"):
        rate([["a", "b", "c"]], mu=[1.0, [2.0, 3.0], 4.0])
