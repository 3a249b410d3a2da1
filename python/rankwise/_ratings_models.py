"""The rating models of :mod:`rankwise.ratings` beyond Bradley-Terry: ties (Davidson,
Rao-Kupper) and rankings (Plackett-Luce), each with intervals. Import them from
:mod:`rankwise.ratings`."""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import numpy as np
import numpy.typing as npt

from . import _native
from ._validation import float_vector, real_array, real_scalar
from .errors import InvalidValueError, RankwiseTypeError, ShapeError
from .ratings import (
    _BOTH,
    Intervals,
    Ratings,
    _array,
    _comparisons,
    _confidence,
    _fit_options,
    _intervals,
    _names,
    _players,
    _quantiles,
    _z,
)

if TYPE_CHECKING:
    from ._native import _Matches, _Rankings

__all__ = [
    "contextual_bradley_terry",
    "davidson",
    "openskill",
    "plackett_luce",
    "rao_kupper",
]


# The tie parameter of each model: its name and its value from the native `eta` (ln nu for
# Davidson, tau = ln theta for Rao-Kupper).
_TIE_PARAMETER = {"davidson": "nu", "rao_kupper": "theta"}

_F = TypeVar("_F", bound=Callable[..., Any])


def _shared_doc(parameters: str, returns: str) -> Callable[[_F], _F]:
    """Complete a docstring with what its function shares with its family (one place for that
    text): ``parameters`` (numpy-style entries) open its Parameters section, made after its
    description where it has none, and ``returns`` is its Returns section, before Examples."""

    def fill(f: _F) -> _F:
        head, examples = inspect.cleandoc(f.__doc__ or "").split("\n\nExamples\n", 1)
        heading = "Parameters\n----------\n"
        if heading in head:
            head = head.replace(heading, heading + parameters, 1)
        else:
            head = f"{head}\n\n{heading}{parameters.rstrip()}"
        f.__doc__ = f"{head}\n\nReturns\n-------\n{returns}\nExamples\n{examples}"
        f.__rankwise_filled_doc__ = True  # type: ignore[attr-defined]  # tools/griffe_runtime_docs.py
        return f

    return fill


# The Parameters of both tie models and their Returns, ``{name}`` their tie parameter's.
_TIE_PARAMETERS = """\
model_a, model_b : sequence
    The two players of each comparison (any names: strings, integers).
winner : sequence
    ``"model_a"``, ``"model_b"``, ``"tie"`` or ``"tie (bothbad)"`` per comparison, or the
    score of ``model_a``: 1, 0 or 0.5 (a tie).
players, weights, intervals, confidence, n_resamples, seed, resamples, scale, base, init
    As :func:`bradley_terry`. The bootstrap refits the model on each resample; the
    asymptotic intervals invert the observed information of ``(s, ln {name})``. The tie
    parameter gets an interval too: the bootstrap's quantiles, or ``exp(ln {name} +- z *
    se)``.
alpha : float
    Ridge penalty ``alpha / 2 * sum(s ** 2)`` on the log-strengths (a Gaussian prior: the
    fit is then the maximum a posteriori), needed (> 0) when a player never wins nor
    ties, or never loses nor ties.
max_iter, tol : int, float
    Newton iterations, and the size of the last step at convergence.
"""
_TIE_RETURNS = """\
Ratings
    ``parameters`` holds ``"{name}"``, ``parameter_intervals`` its interval.
"""


def _tie_doc(model: Literal["davidson", "rao_kupper"]) -> Callable[[_F], _F]:
    """:func:`_shared_doc` of a tie model, naming its tie parameter."""
    name = _TIE_PARAMETER[model]
    return _shared_doc(_TIE_PARAMETERS.format(name=name), _TIE_RETURNS.format(name=name))


def _tie_interval(
    model: Literal["davidson", "rao_kupper"], eta: float, eta_se: float, confidence: float
) -> tuple[float, float]:
    """The tie parameter's asymptotic interval: on the log scale (it is positive), mapped
    back; a point where there is no tie (on the boundary, not estimated)."""
    if math.isnan(eta_se):
        return (math.exp(eta), math.exp(eta))
    z = _z(confidence)
    lo_eta = eta - z * eta_se
    if model == "rao_kupper":
        lo_eta = max(lo_eta, 0.0)
    return (math.exp(lo_eta), math.exp(eta + z * eta_se))


def _tie_intervals(
    model: Literal["davidson", "rao_kupper"],
    intervals: Intervals | None,
    eta: float,
    errors: npt.NDArray[np.float64],
    draws: npt.NDArray[np.float64] | None,
    confidence: float,
) -> dict[str, tuple[float, float]] | None:
    """The tie parameter's interval, keyed by its name (None without intervals): asymptotic
    (:func:`_tie_interval`) from its log ``eta`` and the last of ``errors``, its standard
    error; or the quantiles of the bootstrap's ``draws`` of ``eta``, mapped back."""
    name = _TIE_PARAMETER[model]
    if intervals == "asymptotic":
        return {name: _tie_interval(model, eta, float(errors[-1]), confidence)}
    if draws is not None:
        lo, hi = _quantiles(np.exp(draws), confidence)
        return {name: (float(lo), float(hi))}
    return None


def _coefficient_intervals(
    features: list[str],
    intervals: Intervals | None,
    coef: npt.NDArray[np.float64],
    errors: npt.NDArray[np.float64],
    draws: npt.NDArray[np.float64] | None,
    confidence: float,
) -> dict[str, tuple[float, float]] | None:
    """The contextual model's coefficients' intervals, keyed by feature (None without
    intervals): asymptotic, ``coef -+ z * errors``; or the quantiles of the bootstrap's
    ``draws`` (``(n_resamples, features)``)."""
    if intervals == "asymptotic":
        z = _z(confidence)
        pairs = zip(features, coef.tolist(), errors.tolist(), strict=True)
        return {f: (b - z * e, b + z * e) for f, b, e in pairs}
    if draws is not None:
        lo, hi = _quantiles(draws, confidence)
        return {f: (float(lo[j]), float(hi[j])) for j, f in enumerate(features)}
    return None


def _ties(
    model: Literal["davidson", "rao_kupper"],
    *,
    model_a: object,
    model_b: object,
    winner: object,
    players: Sequence[Any] | None,
    weights: npt.ArrayLike | None,
    intervals: Intervals | None,
    confidence: float,
    n_resamples: int,
    seed: int,
    resamples: npt.ArrayLike | None,
    scale: float,
    base: float,
    init: float,
    alpha: float,
    max_iter: int,
    tol: float,
) -> Ratings:
    names, data = _comparisons(model_a, model_b, winner, players, weights)
    resampling = (n_resamples, seed, resamples)
    fit = _fit_options(
        intervals, _BOTH, scale, base, init, confidence, alpha, max_iter, tol, resampling
    )
    theta, eta, se, _, converged = _native.ratings_ties(
        data, fit.native, model=model, standard_errors=intervals == "asymptotic"
    )
    boot = partial(_native.ratings_ties_bootstrap, data, fit.native, model=model)
    fitter = f"{model.replace('_', '-').title()} Newton iteration"
    fitted, others = _intervals(fit, fitter, model, theta, se, converged, boot, 3)
    draws = others[0] if others else None
    return Ratings(
        players=names,
        **fitted,
        parameters={_TIE_PARAMETER[model]: math.exp(eta)},
        parameter_intervals=_tie_intervals(model, intervals, eta, se, draws, fit.confidence),
    )


@_tie_doc("davidson")
def davidson(
    model_a: Sequence[Any] | npt.ArrayLike,
    model_b: Sequence[Any] | npt.ArrayLike,
    winner: Sequence[Any] | npt.ArrayLike,
    *,
    players: Sequence[Any] | None = None,
    weights: npt.ArrayLike | None = None,
    intervals: Intervals | None = "bootstrap",
    confidence: float = 0.95,
    n_resamples: int = 1000,
    seed: int = 0,
    resamples: npt.ArrayLike | None = None,
    scale: float = 400.0,
    base: float = 10.0,
    init: float = 1000.0,
    alpha: float = 0.0,
    max_iter: int = 100,
    tol: float = 1e-10,
) -> Ratings:
    """Davidson's (1970) model of comparisons with ties: ratings, intervals, tie parameter.

    With strengths ``p = exp(s)`` and a tie parameter ``nu >= 0``::

        P(a beats b) = p_a / (p_a + p_b + nu * sqrt(p_a * p_b))
        P(a ties b)  = nu * sqrt(p_a * p_b) / (p_a + p_b + nu * sqrt(p_a * p_b))

    (R. R. Davidson, "On extending the Bradley-Terry model to accommodate ties in paired
    comparison experiments", JASA 65, 1970). The maximum-likelihood log-strengths ``s``
    (centred) and ``nu`` are fitted by Newton's method in Rust (the log-likelihood is concave
    in ``(s, ln nu)``) and reported on the arena's scale, ``init + scale * s / ln(base)``, as
    :func:`bradley_terry`. Without ties the maximum is at ``nu = 0``, where the model is
    Bradley-Terry: the ratings are then :func:`bradley_terry`'s.

    Examples
    --------
    >>> from rankwise import ratings
    >>> a = ["x", "x", "y", "z", "x", "y", "z", "y"]
    >>> b = ["y", "z", "z", "x", "y", "x", "y", "z"]
    >>> w = ["model_a", "tie", "tie", "model_b", "model_b", "tie", "model_a", "model_a"]
    >>> r = ratings.davidson(a, b, w, intervals=None)
    >>> r.ratings.round(1), round(r.parameters["nu"], 3)
    (array([1082.6, 1000. ,  917.4]), 1.259)
    """
    return _ties("davidson", **locals())  # this function's arguments, as given


@_tie_doc("rao_kupper")
def rao_kupper(
    model_a: Sequence[Any] | npt.ArrayLike,
    model_b: Sequence[Any] | npt.ArrayLike,
    winner: Sequence[Any] | npt.ArrayLike,
    *,
    players: Sequence[Any] | None = None,
    weights: npt.ArrayLike | None = None,
    intervals: Intervals | None = "bootstrap",
    confidence: float = 0.95,
    n_resamples: int = 1000,
    seed: int = 0,
    resamples: npt.ArrayLike | None = None,
    scale: float = 400.0,
    base: float = 10.0,
    init: float = 1000.0,
    alpha: float = 0.0,
    max_iter: int = 100,
    tol: float = 1e-10,
) -> Ratings:
    """Rao and Kupper's (1967) model of comparisons with ties: ratings, intervals, threshold.

    With strengths ``p = exp(s)`` and a tie parameter ``theta >= 1``::

        P(a beats b) = p_a / (p_a + theta * p_b)
        P(a ties b)  = (theta ** 2 - 1) * p_a * p_b / ((p_a + theta * p_b) * (theta * p_a + p_b))

    (P. V. Rao and L. L. Kupper, "Ties in paired-comparison experiments: a generalization of
    the Bradley-Terry model", JASA 62, 1967): ``a`` wins when its logistic advantage ``s_a -
    s_b + noise`` exceeds ``ln theta``. The maximum-likelihood log-strengths ``s`` (centred)
    and ``theta`` are fitted by Newton's method in Rust (the log-likelihood is concave in
    ``(s, ln theta)``, a cumulative-logit model) and reported on the arena's scale as
    :func:`bradley_terry`. Without ties the maximum is at ``theta = 1``: Bradley-Terry.

    Examples
    --------
    >>> from rankwise import ratings
    >>> a = ["x", "x", "y", "z", "x", "y", "z", "y"]
    >>> b = ["y", "z", "z", "x", "y", "x", "y", "z"]
    >>> w = ["model_a", "tie", "tie", "model_b", "model_b", "tie", "model_a", "model_a"]
    >>> r = ratings.rao_kupper(a, b, w, intervals=None)
    >>> r.ratings.round(1), round(r.parameters["theta"], 3)
    (array([1056.4, 1000. ,  943.6]), 2.281)
    """
    return _ties("rao_kupper", **locals())  # this function's arguments, as given


def _rankings(
    rankings: object, offsets: npt.ArrayLike | None, players: Sequence[Any] | None
) -> tuple[npt.NDArray[Any], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Players, the flat player indices of the rankings, and their offsets."""
    if offsets is None:
        if not isinstance(rankings, Sequence) or len(rankings) == 0:
            raise InvalidValueError(
                "`rankings` must be a non-empty sequence of rankings (sequences of players)"
            )
        lists = [_array("rankings", x) for x in rankings]
        if any(x.ndim != 1 for x in lists):
            raise ShapeError("`rankings` must hold one 1-D sequence of players per ranking")
        flat = np.concatenate(lists)
        off = np.concatenate([[0], np.cumsum([len(x) for x in lists])]).astype(np.int64)
    else:
        flat = _names("rankings", rankings)
        off = np.ascontiguousarray(_array("offsets", offsets), dtype=np.int64)
    names, (items,) = _players([("rankings", flat)], players)
    return names, items, off


def plackett_luce(
    rankings: Sequence[Sequence[Any]] | npt.ArrayLike,
    *,
    offsets: npt.ArrayLike | None = None,
    players: Sequence[Any] | None = None,
    weights: npt.ArrayLike | None = None,
    intervals: Intervals | None = "bootstrap",
    confidence: float = 0.95,
    n_resamples: int = 1000,
    seed: int = 0,
    resamples: npt.ArrayLike | None = None,
    scale: float = 400.0,
    base: float = 10.0,
    init: float = 1000.0,
    alpha: float = 0.0,
    max_iter: int = 10_000,
    tol: float = 1e-8,
) -> Ratings:
    """Plackett-Luce ratings from rankings, with confidence intervals and ranks.

    A ranking lists players best first; under Plackett-Luce with log-strengths ``s`` it has
    probability ``prod_t exp(s[r_t]) / sum_{u >= t} exp(s[r_u])``. The maximum-likelihood
    ``s`` (centred; MAP with ``alpha > 0``) is fitted by Hunter's MM iteration step for step as
    ``choix.mm_rankings`` (the fit of :func:`rankwise.labels.aggregate`): with
    ``players=range(n)``, ``(r.ratings - init) * ln(base) / scale`` equals
    ``choix.mm_rankings(n, rankings, alpha)``, and so does every bootstrap resample's fit on
    its rankings. Ratings are on the arena's scale as :func:`bradley_terry`'s; rankings of two
    players are Bradley-Terry comparisons.

    Parameters
    ----------
    rankings : sequence of sequences
        One ranking per observation, best first, two or more distinct players each; or, with
        ``offsets``, all of them flat (ranking ``r`` is ``rankings[offsets[r]:offsets[r +
        1]]``).
    offsets : array_like of int, optional
        See ``rankings``.
    players, weights : optional
        As :func:`bradley_terry` (a weight per ranking).
    intervals : {"bootstrap", "asymptotic", None}
        ``"bootstrap"``: refit on ``n_resamples`` resamples of the rankings drawn with
        replacement, in parallel, and take the quantiles of each rating. ``"asymptotic"``:
        ``rating +- z * se``, ``se`` from the Moore-Penrose inverse of the Fisher information
        (each stage of a ranking a multinomial-logit choice among the players left).
    confidence, n_resamples, seed, resamples, scale, base, init
        As :func:`bradley_terry` (``resamples`` holds ranking indices).
    alpha, max_iter, tol : float, int, float
        Regularisation (needed, > 0, when a player is never ranked above another) and
        convergence of the MM iteration, as choix's.

    Returns
    -------
    Ratings

    Examples
    --------
    >>> from rankwise import ratings
    >>> votes = [["a", "b", "c"], ["a", "c", "b"], ["b", "a", "c"], ["c", "a"], ["b", "c"]]
    >>> r = ratings.plackett_luce(votes, intervals="asymptotic")
    >>> r.players[r.order].tolist()
    ['a', 'b', 'c']
    >>> r.rank.tolist(), r.rank_worst.tolist()
    ([1, 1, 1], [3, 3, 3])
    """
    names, items, off = _rankings(rankings, offsets, players)
    resampling = (n_resamples, seed, resamples)
    fit = _fit_options(
        intervals, _BOTH, scale, base, init, confidence, alpha, max_iter, tol, resampling
    )
    data: _Rankings = {"items": items, "offsets": off, "n_players": len(names)}
    if weights is not None:
        data["weights"] = float_vector("weights", weights, len(off) - 1)
    theta, se, _, converged = _native.ratings_plackett_luce(
        data, fit.native, standard_errors=intervals == "asymptotic"
    )
    boot = partial(_native.ratings_plackett_luce_bootstrap, data, fit.native)
    fitted, _ = _intervals(fit, "Plackett-Luce MM", "plackett_luce", theta, se, converged, boot, 2)
    return Ratings(players=names, **fitted)


def _features(features: object, n: int) -> tuple[list[str], npt.NDArray[np.float64]]:
    """Covariate names and an ``(n, k)`` float matrix from an array, a dict of columns or a
    DataFrame."""
    if isinstance(features, dict):
        names = [str(k) for k in features]
        columns = [float_vector(f"features[{k!r}]", v, n) for k, v in features.items()]
        x = np.column_stack(columns) if columns else np.zeros((n, 0))
    else:
        columns_attr = getattr(features, "columns", None)
        x = real_array("features", features)
        if x.dtype.kind not in "iufb":
            raise RankwiseTypeError(f"`features` must hold numbers; got dtype {x.dtype}")
        x = x.astype(np.float64)
        if x.ndim == 1:
            x = x[:, None]
        names = (
            [str(c) for c in columns_attr]
            if columns_attr is not None
            else [f"x{j}" for j in range(x.shape[1] if x.ndim == 2 else 0)]
        )
    if x.ndim != 2 or x.shape[0] != n or x.shape[1] == 0:
        raise ShapeError(
            f"`features` must have shape ({n}, k) with k >= 1: one row of covariates per "
            f"comparison; got {x.shape}"
        )
    return names, np.ascontiguousarray(x, dtype=np.float64)


def contextual_bradley_terry(
    model_a: Sequence[Any] | npt.ArrayLike,
    model_b: Sequence[Any] | npt.ArrayLike,
    winner: Sequence[Any] | npt.ArrayLike,
    features: Any,
    *,
    players: Sequence[Any] | None = None,
    weights: npt.ArrayLike | None = None,
    intervals: Intervals | None = "bootstrap",
    confidence: float = 0.95,
    n_resamples: int = 1000,
    seed: int = 0,
    resamples: npt.ArrayLike | None = None,
    scale: float = 400.0,
    base: float = 10.0,
    init: float = 1000.0,
    alpha: float = 0.0,
    max_iter: int = 100,
    tol: float = 1e-10,
) -> Ratings:
    """Bradley-Terry with covariates per comparison: the LMSYS arena's style control.

    Comparison ``i`` has ``P(model_a wins) = 1 / (1 + exp(-(s_a - s_b + x_i @ beta)))`` with
    ``x_i`` its row of ``features``: for style control, the differences of the two answers'
    style features (the arena uses normalised differences of length and markdown counts), so
    that ``s`` rates the players with style held fixed. This is the arena's ``fit_mle_elo`` with
    style features (lm-sys/FastChat ``fastchat/serve/monitor/elo_analysis.py``): a logistic
    regression without intercept on the player contrasts and the covariates (a tie is half a
    win each way). The maximum-likelihood ``(s, beta)``, ``s`` centred, is fitted by Newton's
    method in Rust; ``s`` is reported on the arena's scale as :func:`bradley_terry`'s.

    Parameters
    ----------
    model_a, model_b, winner, players, weights
        As :func:`bradley_terry`.
    features : array_like of shape (comparisons, k), dict or DataFrame
        The covariates of each comparison; a dict or a DataFrame names them (else ``x0``,
        ``x1``, ...).
    intervals, confidence, n_resamples, seed, resamples, scale, base, init
        As :func:`bradley_terry`: the bootstrap refits the whole model on each resample, the
        asymptotic intervals invert the Fisher information of ``(s, beta)``.
    alpha : float
        Ridge penalty ``alpha / 2 * sum(s ** 2)`` on the log-strengths (``beta`` is not
        penalised).
    max_iter, tol : int, float
        Newton iterations, and the size of the last step at convergence.

    Returns
    -------
    Ratings
        ``parameters`` maps each covariate to its coefficient ``beta`` (log-odds per unit),
        ``parameter_intervals`` to its interval.

    Examples
    --------
    >>> import numpy as np
    >>> from rankwise import ratings
    >>> a = ["x", "x", "y", "z", "x", "y", "z", "y"] * 2
    >>> b = ["y", "z", "z", "x", "y", "x", "y", "z"] * 2
    >>> w = ["model_a", "model_a", "tie", "model_b", "model_b", "model_b", "model_a", "model_a"]
    >>> length = [0.5, 0.2, -0.1, -0.3, -0.4, 0.1, 0.6, -0.2, 0.1, -0.3, 0.2, 0.4, 0.3, -0.5]
    >>> length = np.array(length + [-0.2, 0.1])
    >>> r = ratings.contextual_bradley_terry(a, b, w * 2, {"length": length}, intervals=None)
    >>> r.players[r.order].tolist(), round(r.parameters["length"], 3)
    (['x', 'y', 'z'], 1.676)
    """
    names, data = _comparisons(model_a, model_b, winner, players, weights)
    feature_names, x = _features(features, len(data["a"]))
    resampling = (n_resamples, seed, resamples)
    fit = _fit_options(
        intervals, _BOTH, scale, base, init, confidence, alpha, max_iter, tol, resampling
    )
    theta, beta, se, _, converged = _native.ratings_contextual(
        data, x, fit.native, standard_errors=intervals == "asymptotic"
    )
    boot = partial(_native.ratings_contextual_bootstrap, data, x, fit.native)
    fitter, method = "contextual Bradley-Terry Newton iteration", "contextual_bradley_terry"
    fitted, others = _intervals(fit, fitter, method, theta, se, converged, boot, 2)
    draws = others[0] if others else None
    return Ratings(
        players=names,
        **fitted,
        parameters=dict(zip(feature_names, beta.tolist(), strict=True)),
        parameter_intervals=_coefficient_intervals(
            feature_names, intervals, beta, se[len(names) :], draws, fit.confidence
        ),
    )


def _matches(
    rankings: object,
    offsets: npt.ArrayLike | None,
    players: Sequence[Any] | None,
    mu: object,
    sigma: object,
) -> tuple[npt.NDArray[Any], _Matches]:
    """The players and the native matches of the online ratings, with the starting beliefs
    ``mu`` and ``sigma``: one value for all or one per player."""
    names, items, off = _rankings(rankings, offsets, players)
    m = len(names)
    start = []
    for arg, value in (("mu", mu), ("sigma", sigma)):
        if real_array(arg, value).ndim == 0:  # names a ragged value, unlike np.ndim
            value = np.full(m, real_scalar(arg, value))
        start.append(float_vector(arg, value, m))
    return names, {"items": items, "offsets": off, "mu": start[0], "sigma": start[1]}


def _match_ranks(ranks: object, off: npt.NDArray[np.int64], flat: bool) -> npt.NDArray[np.float64]:
    """The ranks of every entry of the matches cut by ``off``, flat: given flat (``flat``,
    as the matches were, with offsets) or one sequence per match."""
    n = int(off[-1])
    if not flat:
        if not isinstance(ranks, Sequence | np.ndarray) or len(ranks) != len(off) - 1:
            raise ShapeError(f"`ranks` must hold one sequence per match ({len(off) - 1})")
        parts = [float_vector("ranks", r) for r in ranks]
        lengths = np.diff(off)
        bad = [i for i, (r, m) in enumerate(zip(parts, lengths, strict=True)) if len(r) != m]
        if bad:
            raise ShapeError(
                f"`ranks` must give one rank per player of each match; match {bad[0]} has "
                f"{int(lengths[bad[0]])} players and {len(parts[bad[0]])} ranks"
            )
        ranks = np.concatenate(parts) if parts else np.zeros(0)
    return float_vector("ranks", ranks, n)


def _online(
    names: npt.NDArray[Any],
    mean: npt.NDArray[np.float64],
    sd: npt.NDArray[np.float64],
    method: str,
    confidence: float,
) -> Ratings:
    """The Ratings of an online Bayesian method: the means, with ``mean -+ z * sd``."""
    z = _z(confidence)
    return Ratings(
        players=names,
        ratings=mean,
        lower=mean - z * sd,
        upper=mean + z * sd,
        method=method,
        confidence=confidence,
        sigma=sd,
    )


# The parameters both online models start with, and their Returns.
_ONLINE_PARAMETERS = """\
rankings : sequence of sequences
    One match per entry, its players best first (two or more, distinct); or, with
    ``offsets``, all of them flat, as :func:`plackett_luce`.
offsets : array_like of int, optional
    See ``rankings``.
players : sequence, optional
    As :func:`bradley_terry`; players without matches keep their starting belief.
mu, sigma : float or array_like
    The starting belief, one value for all or one per player (to continue from earlier
    ratings: pass the previous result's ``ratings`` and ``sigma`` with its ``players``).
"""
_online_doc = _shared_doc(
    _ONLINE_PARAMETERS,
    """\
Ratings
    ``ratings`` the means ``mu``, ``sigma`` the deviations.
""",
)


def _openskill_options(beta: float, kappa: float, tau: float) -> dict[str, float]:
    """openskill's constants, checked for numbers (the core checks their ranges)."""
    return {
        "beta": real_scalar("beta", beta),
        "kappa": real_scalar("kappa", kappa),
        "tau": real_scalar("tau", tau),
    }


def _trueskill_options(
    beta: float, tau: float, draw_probability: float, min_delta: float
) -> dict[str, float]:
    """TrueSkill's constants, checked for numbers (the core checks their ranges)."""
    return {
        "beta": real_scalar("beta", beta),
        "tau": real_scalar("tau", tau),
        "draw_probability": real_scalar("draw_probability", draw_probability),
        "min_delta": real_scalar("min_delta", min_delta),
    }


@_online_doc
def openskill(
    rankings: Sequence[Sequence[Any]] | npt.ArrayLike,
    *,
    offsets: npt.ArrayLike | None = None,
    players: Sequence[Any] | None = None,
    mu: float | npt.ArrayLike = 25.0,
    sigma: float | npt.ArrayLike = 25.0 / 3.0,
    beta: float = 25.0 / 6.0,
    kappa: float = 0.0001,
    tau: float = 25.0 / 300.0,
    confidence: float = 0.95,
) -> Ratings:
    """Online Bayesian ratings from matches: Weng and Lin's Plackett-Luce model, as openskill.

    Each player's skill is a Gaussian belief ``N(mu, sigma ** 2)``. The matches (rankings, best
    first) are taken in order; for each, every participant's ``sigma`` grows to ``sqrt(sigma **
    2 + tau ** 2)``, then Algorithm 4 of Weng and Lin (JMLR 12, 2011) moves the means and
    shrinks the deviations: with ``c = sqrt(sum(sigma_i ** 2 + beta ** 2))``, ``e_i = exp(mu_i
    / c)`` and ``S_q`` the sum of ``e`` over the players ranked ``q`` or below, ``mu_i +=
    sigma_i ** 2 / c * sum_{q <= i} ([q == i] - e_i / S_q)`` and ``sigma_i *= sqrt(max(1 -
    delta_i, kappa))`` with ``delta_i = sigma_i ** 3 / c ** 3 * sum_{q <= i} e_i / S_q * (1 -
    e_i / S_q)``. This is ``openskill.models.PlackettLuce().rate([[p] for p in match])``
    (openskill 6, one player per team), match after match, in Rust.

    A match is a strict order: there are no ties. openskill's handling of ties has had several
    bugs (openskill.py issues #155: tied winners rated below the next player; #173/#176; #201:
    the tie-averaging step is a no-op), so rankwise does not take ties here; rate tied
    players with :func:`davidson` or :func:`rao_kupper` instead.

    Parameters
    ----------
    beta, kappa, tau : float
        openskill's constants: performance noise, the floor of the variance factor, and the
        per-match inflation of ``sigma``.
    confidence : float
        ``lower`` and ``upper`` are ``mu -+ z * sigma`` with ``z`` the normal quantile of
        ``(1 + confidence) / 2``; openskill's ``ordinal()`` is ``mu - 3 * sigma``.

    Examples
    --------
    >>> from rankwise import ratings
    >>> r = ratings.openskill([["a", "b", "c"], ["a", "c"], ["b", "c"]])
    >>> r.players[r.order].tolist()
    ['a', 'b', 'c']
    >>> r.ratings.round(3), r.sigma.round(3)
    (array([29.837, 27.664, 17.68 ]), array([7.955, 7.811, 7.606]))
    """
    names, matches = _matches(rankings, offsets, players, mu, sigma)
    confidence = _confidence(confidence)
    mean, sd = _native.ratings_openskill(matches, **_openskill_options(beta, kappa, tau))
    return _online(names, mean, sd, "openskill (Plackett-Luce)", confidence)


@_online_doc
def trueskill(
    rankings: Sequence[Sequence[Any]] | npt.ArrayLike,
    *,
    offsets: npt.ArrayLike | None = None,
    players: Sequence[Any] | None = None,
    mu: float | npt.ArrayLike = 25.0,
    sigma: float | npt.ArrayLike = 25.0 / 3.0,
    beta: float = 25.0 / 6.0,
    tau: float = 25.0 / 300.0,
    draw_probability: float = 0.10,
    min_delta: float = 1e-4,
    confidence: float = 0.95,
    ranks: Sequence[Sequence[float]] | npt.ArrayLike | None = None,
) -> Ratings:
    """Online Bayesian ratings from matches by TrueSkill (Herbrich, Minka & Graepel, NIPS 2006),
    as the ``trueskill`` package computes them.

    Each player's skill is a Gaussian belief ``N(mu, sigma ** 2)``. The matches (rankings, best
    first, one player per team) are taken in order, each updating its players' beliefs by the
    package's expectation propagation on the factor graph of the ranking, message for message:
    ``TrueSkill(mu=mu, sigma=sigma, beta=beta, tau=tau, draw_probability=draw_probability)
    .rate([(r,) for r in match], min_delta=min_delta)``, match after match (Rust,
    ``ratings/trueskill.rs``; the update AcuRank uses).

    A match is a strict order unless ``ranks`` are given: then it is ordered by its ranks
    (lower is better; stably, as the package sorts), and neighbours of equal rank drew: their
    performance difference is truncated to ``|d| <= epsilon`` (the package's ``v_draw`` and
    ``w_draw``) instead of ``d > epsilon``, with the draw margin ``epsilon = sqrt(2) * beta *
    Phi^-1((1 + draw_probability) / 2)``: ``rate([(p,) for p in match], ranks=ranks)``. Where
    the package raises ``FloatingPointError`` (a winner rated far below a player it beat, a
    draw with ``draw_probability=0``), this raises :class:`~rankwise.errors.InvalidValueError`
    naming the match.

    Parameters
    ----------
    beta, tau, draw_probability, min_delta : float
        The package's constants: performance noise, the per-match inflation of ``sigma``, the
        probability of a draw (in ``[0, 1)``) and the convergence threshold of the message
        passing.
    confidence : float
        ``lower`` and ``upper`` are ``mu -+ z * sigma`` with ``z`` the normal quantile of
        ``(1 + confidence) / 2``. TrueSkill's conservative score ``mu - 3 * sigma`` (the
        leaderboard's, ``trueskill.expose``) is ``ratings - 3 * sigma``.

    ranks : sequence of sequences of numbers, optional
        Each match's ranks of its players, in the order of ``rankings`` (flat with
        ``offsets``): lower is better, equal ranks drew. By default ``0, 1, ...``: no draws.

    Examples
    --------
    >>> from rankwise import ratings
    >>> drawn = ratings.trueskill([["a", "b", "c"]], ranks=[[0, 0, 1]])  # a and b drew
    >>> drawn.ratings.round(3).tolist()
    [27.552, 27.557, 19.891]
    >>> r = ratings.trueskill([["a", "b", "c"], ["a", "c"], ["b", "c"]])
    >>> r.players[r.order].tolist()
    ['a', 'b', 'c']
    >>> r.ratings.round(3), r.sigma.round(3)
    (array([32.633, 26.582, 15.763]), array([6.249, 5.683, 5.714]))
    >>> (r.ratings - 3 * r.sigma).round(3)     # conservative score
    array([13.886,  9.532, -1.377])
    """
    names, matches = _matches(rankings, offsets, players, mu, sigma)
    confidence = _confidence(confidence)
    if ranks is not None:
        matches["ranks"] = _match_ranks(ranks, matches["offsets"], offsets is not None)
    options = _trueskill_options(beta, tau, draw_probability, min_delta)
    mean, sd = _native.ratings_trueskill(matches, **options)
    return _online(names, mean, sd, "trueskill", confidence)
