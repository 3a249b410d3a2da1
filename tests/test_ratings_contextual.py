"""rankwise.ratings.contextual_bradley_terry (the arena's style control) against a statsmodels
GLM (binomial, logit link) of the same design: player contrasts ``e_a - e_b`` (player 0's
column dropped, then centred) and the covariates, no intercept, ties as a score of 0.5.

Both are Newton fits to convergence: coefficients agree to 1e-6, standard errors to rtol 1e-5.
"""

from __future__ import annotations

import math
import warnings
from statistics import NormalDist

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from rankwise import ratings
from rankwise.errors import RankwiseError, ShapeError
from tests.ratings_matches import SEEDS, battles, player_indices, resample_ok

sm = pytest.importorskip("statsmodels.api")
FACTOR = 400 / math.log(10)


@settings(max_examples=15, deadline=None)
@given(seed=SEEDS, n_players=st.integers(2, 5), n=st.integers(40, 200), k=st.integers(1, 3))
def test_coefficients_and_errors_equal_a_statsmodels_logistic_regression(seed, n_players, n, k):
    df = battles(seed, n_players, n)
    assume(resample_ok(df, np.arange(n), n_players))
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, k))
    ia, ib = player_indices(df)
    w = df["winner"]
    y = np.where(w == "model_a", 1.0, np.where(w == "model_b", 0.0, 0.5))
    design = np.zeros((n, n_players))
    design[np.arange(n), ia] += 1.0
    design[np.arange(n), ib] -= 1.0
    exog = np.column_stack([design[:, 1:], x])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fit = sm.GLM(y, exog, family=sm.families.Binomial()).fit(tol=1e-13, maxiter=200)
        except Exception:  # perfect separation: no finite maximum
            assume(False)
    assume(np.all(np.isfinite(fit.bse)) and np.abs(fit.params).max() < 20)
    names = [f"f{j}" for j in range(k)]
    r = ratings.contextual_bradley_terry(
        **df, features=dict(zip(names, x.T, strict=True)), intervals="asymptotic", confidence=0.9
    )
    centre = np.eye(n_players) - 1.0 / n_players
    theta = np.concatenate([[0.0], fit.params[: n_players - 1]]) @ centre
    np.testing.assert_allclose((r.ratings - 1000) / FACTOR, theta, atol=1e-6)
    assert r.parameters is not None and r.parameter_intervals is not None
    np.testing.assert_allclose(
        [r.parameters[f] for f in names], fit.params[n_players - 1 :], atol=1e-6
    )
    cov = np.zeros((n_players, n_players))
    cov[1:, 1:] = fit.cov_params()[: n_players - 1, : n_players - 1]
    se = np.sqrt(np.diag(centre @ cov @ centre))
    z = NormalDist().inv_cdf(0.95)
    assert r.lower is not None and r.upper is not None
    np.testing.assert_allclose((r.upper - r.ratings) / z / FACTOR, se, rtol=1e-5)
    half = [(r.parameter_intervals[f][1] - r.parameter_intervals[f][0]) / (2 * z) for f in names]
    np.testing.assert_allclose(half, fit.bse[n_players - 1 :], rtol=1e-5)


def test_a_covariate_that_explains_the_wins_takes_them_from_the_ratings():
    # "long" answers win; the players differ only in how often they answer long
    rng = np.random.default_rng(0)
    n = 2000
    a = rng.integers(0, 2, n)
    b = 1 - a
    long_a = rng.random(n) < np.where(a == 0, 0.8, 0.2)
    long_b = rng.random(n) < np.where(b == 0, 0.8, 0.2)
    diff = long_a.astype(float) - long_b
    win = rng.random(n) < 1 / (1 + np.exp(-1.5 * diff))
    plain = ratings.bradley_terry(a, b, win.astype(float), intervals=None)
    styled = ratings.contextual_bradley_terry(
        a, b, win.astype(float), {"long": diff}, intervals="bootstrap", n_resamples=50
    )
    assert abs(plain.ratings[0] - plain.ratings[1]) > 100
    assert abs(styled.ratings[0] - styled.ratings[1]) < 40
    assert styled.parameter_intervals is not None
    lo, hi = styled.parameter_intervals["long"]
    assert lo < 1.5 < hi
    assert styled.bootstrap is not None and styled.bootstrap.shape == (50, 2)


def test_given_resamples_refit_and_bad_features_are_named():
    df = battles(4, 3, 120)
    x = np.random.default_rng(1).normal(size=(120, 2))
    idx = np.random.default_rng(2).integers(0, 120, (3, 120))
    r = ratings.contextual_bradley_terry(**df, features=x, resamples=idx)
    assert r.bootstrap is not None
    for row, boot in zip(idx, r.bootstrap, strict=True):
        one = ratings.contextual_bradley_terry(
            **{k: v[row] for k, v in df.items()}, features=x[row], intervals=None
        )
        np.testing.assert_allclose(boot, one.ratings, atol=1e-7)
    assert r.parameters is not None and list(r.parameters) == ["x0", "x1"]
    with pytest.raises(ShapeError, match="`features`"):
        ratings.contextual_bradley_terry(**df, features=x[:5])
    bad = x.copy()
    bad[3, 1] = np.nan
    with pytest.raises(RankwiseError, match=r"`features`.*comparison 3"):
        ratings.contextual_bradley_terry(**df, features=bad)
    with pytest.raises(RankwiseError, match="singular"):
        ratings.contextual_bradley_terry(**df, features=np.zeros((120, 1)), intervals=None)
    # found by benches/fuzz_api.py: ragged or non-numeric features leaked numpy's ValueError
    with pytest.raises(ShapeError, match="`features`"):
        ratings.contextual_bradley_terry(["c"], ["a"], ["model_b"], [[3, 3], [1], [2, -2, 0]])
    with pytest.raises(RankwiseError, match="`features` must hold numbers"):
        ratings.contextual_bradley_terry(["c"], ["a"], ["model_b"], b"\x02")
