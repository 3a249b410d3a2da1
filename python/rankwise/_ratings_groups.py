"""The grouped forms of :mod:`rankwise.ratings`: many independent problems (queries,
leaderboards) at once, each computed exactly as its single-problem function would on that
problem alone, the problems in parallel in Rust (one shared driver, ``ratings::groups`` of
the core) with the GIL released. Import them from :mod:`rankwise.ratings`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from . import _native
from ._ratings_models import _TIE_PARAMETER, _features, _rankings, _tie_interval
from ._validation import float_vector, real_scalar
from .errors import InvalidValueError, ShapeError
from .ratings import (
    Ratings,
    _choices,
    _comparisons,
    _elo_options,
    _fit_options,
    _iteration,
    _names,
    _players,
    _warn_not_converged,
    _z,
)

if TYPE_CHECKING:
    from ._native import _ChoiceGroups, _ComparisonGroups, _RankingGroups

__all__ = [
    "bradley_terry_groups",
    "contextual_bradley_terry_groups",
    "davidson_groups",
    "elo_groups",
    "luce_choice_groups",
    "plackett_luce_groups",
    "rank_centrality_groups",
    "rao_kupper_groups",
]


# Makes one problem's Ratings: (problem, its players, slice lo:hi of the per-player outputs).
_Make = Callable[[int, npt.NDArray[Any], int, int], Ratings]


@dataclass(frozen=True)
class _Problems:
    """Rows sorted by problem, with local player indices: what every grouped native takes."""

    keys: npt.NDArray[Any]  # the problem names, sorted
    names: npt.NDArray[Any]  # every player name
    pairs: npt.NDArray[np.int64]  # sorted distinct problem * len(names) + player
    starts: npt.NDArray[np.int64]  # problem k's players are pairs[starts[k]:starts[k + 1]]
    bounds: list[int]  # problem k's rows are bounds[k]:bounds[k + 1] (sorted rows)
    order: npt.NDArray[np.intp]  # sorted row r is the input row order[r]

    @property
    def players(self) -> list[int]:
        return np.diff(self.starts).tolist()  # type: ignore[no-any-return]

    def boards(
        self, make: Callable[[int, npt.NDArray[Any], int, int], Ratings]
    ) -> dict[Any, Ratings]:
        """One Ratings per problem: ``make(k, players, lo, hi)`` with the problem's slice
        ``lo:hi`` of the concatenated per-player outputs."""
        n = len(self.names)
        out: dict[Any, Ratings] = {}
        for k, key in enumerate(self.keys.tolist()):
            lo, hi = int(self.starts[k]), int(self.starts[k + 1])
            out[key] = make(k, self.names[self.pairs[lo:hi] % n], lo, hi)
        return out


def _problems(
    names: npt.NDArray[Any], groups: object, n_rows: int, what: str, row_players: Any
) -> tuple[_Problems, npt.NDArray[np.int64]]:
    """Sort rows by problem (stable: the order within a problem is kept) and number each
    problem's players from 0 (sorted, as the single-problem functions number them).
    ``row_players(order)`` gives the global player index of each entry of the sorted rows and
    the sorted row each entry belongs to; returns the problems and the local indices of those
    entries."""
    g = _names("groups", groups)
    if g.shape != (n_rows,):
        raise ShapeError(f"`groups` must have one entry per {what} ({n_rows},); got {g.shape}")
    keys, gidx = np.unique(g, return_inverse=True)
    order = np.argsort(gidx, kind="stable")
    sorted_g = gidx[order]
    player, row = row_players(order)
    n_names = len(names)
    entry_g = sorted_g[row]
    pairs, inverse = np.unique(entry_g * n_names + player, return_inverse=True)
    starts = np.searchsorted(pairs // n_names, np.arange(len(keys) + 1))
    local = (inverse - starts[entry_g]).astype(np.int64)
    bounds = np.searchsorted(sorted_g, np.arange(len(keys) + 1)).tolist()
    return _Problems(keys, names, pairs, starts, bounds, order), local


def _comparison_problems(
    model_a: object, model_b: object, winner: object, groups: object, weights: object
) -> tuple[_Problems, _ComparisonGroups]:
    """The comparisons of all the problems, sorted by problem, as the grouped natives take
    them (``a``, ``b``, ``score``, ``bounds``, ``players`` and ``weights`` if given)."""
    names, data = _comparisons(model_a, model_b, winner, None, weights)
    n = len(data["a"])

    def row_players(order: npt.NDArray[np.intp]) -> tuple[Any, Any]:
        rows = np.arange(n)
        return (
            np.concatenate([data["a"][order], data["b"][order]]),
            np.concatenate([rows, rows]),
        )

    p, local = _problems(names, groups, n, "comparison", row_players)
    native: _ComparisonGroups = {
        "a": np.ascontiguousarray(local[:n]),
        "b": np.ascontiguousarray(local[n:]),
        "score": np.ascontiguousarray(data["score"][p.order]),
        "bounds": p.bounds,
        "players": p.players,
    }
    if "weights" in data:
        native["weights"] = np.ascontiguousarray(data["weights"][p.order])
    return p, native


def bradley_terry_groups(
    model_a: Sequence[Any] | npt.ArrayLike,
    model_b: Sequence[Any] | npt.ArrayLike,
    winner: Sequence[Any] | npt.ArrayLike,
    groups: Sequence[Any] | npt.ArrayLike,
    *,
    weights: npt.ArrayLike | None = None,
    intervals: Literal["asymptotic"] | None = "asymptotic",
    confidence: float = 0.95,
    scale: float = 400.0,
    base: float = 10.0,
    init: float = 1000.0,
    alpha: float = 0.0,
    max_iter: int = 10_000,
    tol: float = 1e-8,
) -> dict[Any, Ratings]:
    """Bradley-Terry ratings of many independent problems at once, in parallel in Rust.

    ``groups`` names the problem of each comparison (a query, a leaderboard); each problem is
    fitted on its own comparisons between its own players, exactly as :func:`bradley_terry`
    with ``intervals=None`` or ``"asymptotic"`` would on that problem alone, and the problems
    run in parallel on the rankwise thread pool with the GIL released (no Python loop over
    problems).

    Parameters
    ----------
    model_a, model_b, winner, weights
        As :func:`bradley_terry`, for all the problems together.
    groups : sequence
        The problem of each comparison (any names).
    intervals : {"asymptotic", None}
        Asymptotic intervals per problem, as :func:`bradley_terry`'s.
    confidence, scale, base, init, alpha, max_iter, tol
        As :func:`bradley_terry`.

    Returns
    -------
    dict
        One :class:`Ratings` per problem, keyed by its name (sorted).

    Examples
    --------
    >>> from rankwise import ratings
    >>> a = ["x", "y", "x", "p", "q", "p", "q"]
    >>> b = ["y", "x", "y", "q", "p", "q", "p"]
    >>> w = ["model_a", "model_a", "model_a", "model_a", "tie", "model_b", "model_a"]
    >>> boards = ratings.bradley_terry_groups(a, b, w, ["q1"] * 3 + ["q2"] * 4, intervals=None)
    >>> {k: v.ratings.round(1).tolist() for k, v in boards.items()}
    {'q1': [1060.2, 939.8], 'q2': [955.6, 1044.4]}
    """
    p, native = _comparison_problems(model_a, model_b, winner, groups, weights)
    fit = _fit_options(
        intervals, ("asymptotic",), scale, base, init, confidence, alpha, max_iter, tol
    )
    fitted = _native.ratings_bradley_terry_groups
    theta, se = _fit_groups(fitted, "Bradley-Terry MM", p, fit, native)
    return p.boards(_fitted_board(fit, theta, se, "bradley_terry"))


def _fit_groups(
    native_fit: Callable[..., tuple[Any, ...]],
    fitter: str,
    p: _Problems,
    fit: Any,
    *inputs: Any,
    **keywords: Any,
) -> tuple[Any, ...]:
    """The grouped fit's outputs but the last (its count of problems that did not converge:
    warned of, naming ``fitter``), called with ``inputs``, the checked options ``fit`` and
    ``keywords``. The warning names the caller of the function that calls this one."""
    *out, not_converged = native_fit(
        *inputs, fit.native, standard_errors=fit.intervals == "asymptotic", **keywords
    )
    if not_converged:
        where = f" in {not_converged} of {len(p.keys)} problems"
        _warn_not_converged(fitter, fit.native["max_iter"], where, stacklevel=3)
    return tuple(out)


# A problem's other fitted parameters and their intervals (None without intervals), from
# the problem's index and the standard errors of those parameters.
_Extra = Callable[[int, npt.NDArray[np.float64]], tuple[dict[str, float], Any]]


def _fitted_board(
    fit: Any, theta: Any, se: Any, method: str, n_extra: int = 0, extra: _Extra | None = None
) -> _Make:
    """Make one problem's Ratings from the concatenated log-strengths ``theta`` and errors
    ``se``: problem k's are ``se[lo + k * n_extra : hi + (k + 1) * n_extra]``, its players'
    then its ``n_extra`` other parameters' (given by ``extra``)."""
    z = _z(fit.confidence)

    def make(k: int, players: npt.NDArray[Any], lo: int, hi: int) -> Ratings:
        rating = fit.init + fit.factor * theta[lo:hi]
        lower = upper = None
        if fit.intervals == "asymptotic":
            half = z * fit.factor * se[lo + k * n_extra : hi + k * n_extra]
            lower, upper = rating - half, rating + half
        others: dict[str, Any] = {}
        if extra is not None:
            e = se[hi + k * n_extra : hi + (k + 1) * n_extra]
            others["parameters"], others["parameter_intervals"] = extra(k, e)
        return Ratings(
            players=players,
            ratings=rating,
            lower=lower,
            upper=upper,
            method=method + (" (asymptotic)" if fit.intervals else ""),
            confidence=fit.confidence if fit.intervals else None,
            **others,
        )

    return make


def _point_board(values: npt.NDArray[np.float64], method: str) -> _Make:
    """Make one problem's Ratings without intervals from the concatenated ``values``."""
    return lambda _k, players, lo, hi: Ratings(
        players=players, ratings=values[lo:hi], lower=None, upper=None, method=method
    )


def _ties_groups(
    model: Literal["davidson", "rao_kupper"],
    *,
    model_a: object,
    model_b: object,
    winner: object,
    groups: object,
    weights: npt.ArrayLike | None,
    intervals: Literal["asymptotic"] | None,
    confidence: float,
    scale: float,
    base: float,
    init: float,
    alpha: float,
    max_iter: int,
    tol: float,
) -> dict[Any, Ratings]:
    p, native = _comparison_problems(model_a, model_b, winner, groups, weights)
    fit = _fit_options(
        intervals, ("asymptotic",), scale, base, init, confidence, alpha, max_iter, tol
    )
    fitter = f"{model.replace('_', '-').title()} Newton iteration"
    theta, eta, se = _fit_groups(_native.ratings_ties_groups, fitter, p, fit, native, model=model)
    name = _TIE_PARAMETER[model]

    def tie_parameter(k: int, e: npt.NDArray[np.float64]) -> tuple[dict[str, float], Any]:
        interval = None
        if intervals == "asymptotic":
            interval = {name: _tie_interval(model, float(eta[k]), float(e[0]), fit.confidence)}
        return {name: float(np.exp(eta[k]))}, interval

    return p.boards(_fitted_board(fit, theta, se, model, 1, tie_parameter))


def davidson_groups(
    model_a: Sequence[Any] | npt.ArrayLike,
    model_b: Sequence[Any] | npt.ArrayLike,
    winner: Sequence[Any] | npt.ArrayLike,
    groups: Sequence[Any] | npt.ArrayLike,
    *,
    weights: npt.ArrayLike | None = None,
    intervals: Literal["asymptotic"] | None = "asymptotic",
    confidence: float = 0.95,
    scale: float = 400.0,
    base: float = 10.0,
    init: float = 1000.0,
    alpha: float = 0.0,
    max_iter: int = 100,
    tol: float = 1e-10,
) -> dict[Any, Ratings]:
    """Davidson ratings of many independent problems at once, in parallel in Rust.

    ``groups`` names the problem of each comparison (a query, a leaderboard); each problem is
    fitted on its own comparisons between its own players, exactly as :func:`davidson` with
    ``intervals=None`` or ``"asymptotic"`` would on that problem alone (ratings, intervals,
    the tie parameter ``nu`` and its interval), the problems in parallel on the rankwise
    thread pool with the GIL released.

    Parameters
    ----------
    model_a, model_b, winner, weights
        As :func:`davidson`, for all the problems together.
    groups : sequence
        The problem of each comparison (any names).
    intervals : {"asymptotic", None}
        Asymptotic intervals per problem, as :func:`davidson`'s.
    confidence, scale, base, init, alpha, max_iter, tol
        As :func:`davidson`.

    Returns
    -------
    dict
        One :class:`Ratings` per problem, keyed by its name (sorted).

    Examples
    --------
    >>> from rankwise import ratings
    >>> a = ["x", "x", "y", "x", "p", "q", "p", "q"]
    >>> b = ["y", "y", "x", "y", "q", "p", "q", "p"]
    >>> w = ["model_a", "tie", "model_a", "model_a", "model_a", "tie", "tie", "model_a"]
    >>> boards = ratings.davidson_groups(a, b, w, ["q1"] * 4 + ["q2"] * 4, intervals=None)
    >>> {k: v.ratings.round(1).tolist() for k, v in boards.items()}
    {'q1': [1060.2, 939.8], 'q2': [1000.0, 1000.0]}
    """
    return _ties_groups("davidson", **locals())  # this function's arguments, as given


def rao_kupper_groups(
    model_a: Sequence[Any] | npt.ArrayLike,
    model_b: Sequence[Any] | npt.ArrayLike,
    winner: Sequence[Any] | npt.ArrayLike,
    groups: Sequence[Any] | npt.ArrayLike,
    *,
    weights: npt.ArrayLike | None = None,
    intervals: Literal["asymptotic"] | None = "asymptotic",
    confidence: float = 0.95,
    scale: float = 400.0,
    base: float = 10.0,
    init: float = 1000.0,
    alpha: float = 0.0,
    max_iter: int = 100,
    tol: float = 1e-10,
) -> dict[Any, Ratings]:
    """Rao-Kupper ratings of many independent problems at once, in parallel in Rust.

    ``groups`` names the problem of each comparison (a query, a leaderboard); each problem is
    fitted on its own comparisons between its own players, exactly as :func:`rao_kupper` with
    ``intervals=None`` or ``"asymptotic"`` would on that problem alone (ratings, intervals,
    the tie parameter ``theta`` and its interval), the problems in parallel on the rankwise
    thread pool with the GIL released.

    Parameters
    ----------
    model_a, model_b, winner, weights
        As :func:`rao_kupper`, for all the problems together.
    groups : sequence
        The problem of each comparison (any names).
    intervals : {"asymptotic", None}
        Asymptotic intervals per problem, as :func:`rao_kupper`'s.
    confidence, scale, base, init, alpha, max_iter, tol
        As :func:`rao_kupper`.

    Returns
    -------
    dict
        One :class:`Ratings` per problem, keyed by its name (sorted).

    Examples
    --------
    >>> from rankwise import ratings
    >>> a = ["x", "x", "y", "x", "p", "q", "p", "q"]
    >>> b = ["y", "y", "x", "y", "q", "p", "q", "p"]
    >>> w = ["model_a", "tie", "model_a", "model_a", "model_a", "tie", "tie", "model_a"]
    >>> boards = ratings.rao_kupper_groups(a, b, w, ["q1"] * 4 + ["q2"] * 4, intervals=None)
    >>> {k: v.ratings.round(1).tolist() for k, v in boards.items()}
    {'q1': [1047.7, 952.3], 'q2': [1000.0, 1000.0]}
    """
    return _ties_groups("rao_kupper", **locals())  # this function's arguments, as given


def elo_groups(
    model_a: Sequence[Any] | npt.ArrayLike,
    model_b: Sequence[Any] | npt.ArrayLike,
    winner: Sequence[Any] | npt.ArrayLike,
    groups: Sequence[Any] | npt.ArrayLike,
    *,
    weights: npt.ArrayLike | None = None,
    k: float = 4.0,
    scale: float = 400.0,
    base: float = 10.0,
    init: float = 1000.0,
) -> dict[Any, Ratings]:
    """Online Elo ratings of many independent problems at once, in parallel in Rust.

    ``groups`` names the problem of each comparison (a query, a leaderboard); each problem's
    comparisons are taken in their order in the input, between its own players, exactly as
    :func:`elo` would on that problem alone (bit for bit), the problems in parallel on the
    rankwise thread pool with the GIL released.

    Parameters
    ----------
    model_a, model_b, winner, weights, k, scale, base, init
        As :func:`elo`, for all the problems together.
    groups : sequence
        The problem of each comparison (any names).

    Returns
    -------
    dict
        One :class:`Ratings` per problem, keyed by its name (sorted).

    Examples
    --------
    >>> from rankwise import ratings
    >>> boards = ratings.elo_groups(
    ...     ["x", "p", "x"], ["y", "q", "y"], ["model_a", "model_b", "tie"], ["q1", "q2", "q1"]
    ... )
    >>> {g: v.ratings.round(3).tolist() for g, v in boards.items()}
    {'q1': [1001.977, 998.023], 'q2': [998.0, 1002.0]}
    """
    p, native = _comparison_problems(model_a, model_b, winner, groups, weights)
    r = _native.ratings_elo_groups(native, **_elo_options(k, scale, base, init))
    return p.boards(_point_board(r, "elo"))


def rank_centrality_groups(
    model_a: Sequence[Any] | npt.ArrayLike,
    model_b: Sequence[Any] | npt.ArrayLike,
    winner: Sequence[Any] | npt.ArrayLike,
    groups: Sequence[Any] | npt.ArrayLike,
    *,
    weights: npt.ArrayLike | None = None,
    alpha: float = 0.0,
) -> dict[Any, Ratings]:
    """Rank Centrality of many independent problems at once, in parallel in Rust.

    ``groups`` names the problem of each comparison (a query, a leaderboard); each problem is
    computed on its own comparisons between its own players, exactly as
    :func:`rank_centrality` would on that problem alone, the problems in parallel on the
    rankwise thread pool with the GIL released.

    Parameters
    ----------
    model_a, model_b, winner, weights, alpha
        As :func:`rank_centrality`, for all the problems together.
    groups : sequence
        The problem of each comparison (any names).

    Returns
    -------
    dict
        One :class:`Ratings` per problem, keyed by its name (sorted).

    Examples
    --------
    >>> from rankwise import ratings
    >>> boards = ratings.rank_centrality_groups(
    ...     [0, 1, 2, 0, 5, 6], [1, 2, 0, 2, 6, 5], [1, 1, 1, 1, 1, 0.5], ["a"] * 4 + ["b"] * 2
    ... )
    >>> {g: v.ratings.round(4).tolist() for g, v in boards.items()}
    {'a': [0.7324, -0.3662, -0.3662], 'b': [0.5493, -0.5493]}
    """
    p, native = _comparison_problems(model_a, model_b, winner, groups, weights)
    r = _native.ratings_rank_centrality_groups(native, alpha=real_scalar("alpha", alpha))
    return p.boards(_point_board(r, "rank_centrality"))


def plackett_luce_groups(
    rankings: Sequence[Sequence[Any]] | npt.ArrayLike,
    groups: Sequence[Any] | npt.ArrayLike,
    *,
    offsets: npt.ArrayLike | None = None,
    weights: npt.ArrayLike | None = None,
    intervals: Literal["asymptotic"] | None = "asymptotic",
    confidence: float = 0.95,
    scale: float = 400.0,
    base: float = 10.0,
    init: float = 1000.0,
    alpha: float = 0.0,
    max_iter: int = 10_000,
    tol: float = 1e-8,
) -> dict[Any, Ratings]:
    """Plackett-Luce ratings of many independent problems at once, in parallel in Rust.

    ``groups`` names the problem of each ranking (a query, a leaderboard); each problem is
    fitted on its own rankings between its own players, exactly as :func:`plackett_luce` with
    ``intervals=None`` or ``"asymptotic"`` would on that problem alone, the problems in
    parallel on the rankwise thread pool with the GIL released.

    Parameters
    ----------
    rankings, offsets, weights
        As :func:`plackett_luce`, for all the problems together.
    groups : sequence
        The problem of each ranking (any names).
    intervals : {"asymptotic", None}
        Asymptotic intervals per problem, as :func:`plackett_luce`'s.
    confidence, scale, base, init, alpha, max_iter, tol
        As :func:`plackett_luce`.

    Returns
    -------
    dict
        One :class:`Ratings` per problem, keyed by its name (sorted).

    Examples
    --------
    >>> from rankwise import ratings
    >>> votes = [["a", "b", "c"], ["b", "a"], ["a", "c"], ["x", "y"], ["y", "x"], ["x", "y"]]
    >>> boards = ratings.plackett_luce_groups(votes, ["q1"] * 3 + ["q2"] * 3, alpha=0.1)
    >>> {k: v.players[v.order].tolist() for k, v in boards.items()}
    {'q1': ['a', 'b', 'c'], 'q2': ['x', 'y']}
    """
    names, items, off = _rankings(rankings, offsets, None)
    nr = len(off) - 1
    if np.any(off[1:] < off[:-1]) or off[0] != 0 or off[-1] != items.shape[0]:
        raise InvalidValueError(
            f"`offsets` must rise from 0 to the number of ranked players ({items.shape[0]})"
        )
    fit = _fit_options(
        intervals, ("asymptotic",), scale, base, init, confidence, alpha, max_iter, tol
    )

    def row_players(order: npt.NDArray[np.intp]) -> tuple[Any, Any]:
        at, row, _ = _sorted_entries(off, order)
        return items[at], row

    p, local = _problems(names, groups, nr, "ranking", row_players)
    native: _RankingGroups = {
        "items": local,
        "offsets": _sorted_entries(off, p.order)[2],
        "bounds": p.bounds,
        "players": p.players,
    }
    if weights is not None:
        native["weights"] = np.ascontiguousarray(float_vector("weights", weights, nr)[p.order])
    fitted = _native.ratings_plackett_luce_groups
    theta, se = _fit_groups(fitted, "Plackett-Luce MM", p, fit, native)
    return p.boards(_fitted_board(fit, theta, se, "plackett_luce"))


def _sorted_entries(
    off: npt.NDArray[np.int64], order: npt.NDArray[np.intp]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.intp], npt.NDArray[np.int64]]:
    """Rows cut by ``off`` from flat values, taken in ``order``: the flat position of each of
    their entries, the (sorted) row each entry belongs to, and the offsets cutting them."""
    lengths = np.diff(off)[order]
    ends = np.cumsum(lengths)
    within = np.arange(ends[-1] if len(ends) else 0) - np.repeat(ends - lengths, lengths)
    at = np.repeat(off[:-1][order], lengths) + within
    return (
        at,
        np.repeat(np.arange(len(order)), lengths),
        np.concatenate([[0], ends]).astype(np.int64),
    )


def luce_choice_groups(
    chosen: Sequence[Any] | npt.ArrayLike,
    alternatives: Sequence[Sequence[Any]] | npt.ArrayLike,
    groups: Sequence[Any] | npt.ArrayLike,
    *,
    offsets: npt.ArrayLike | None = None,
    alpha: float = 0.0,
    max_iter: int = 10_000,
    tol: float = 1e-8,
) -> dict[Any, Ratings]:
    """Luce choice (top-1) ratings of many independent problems at once, in parallel in Rust.

    ``groups`` names the problem of each choice (a query's setwise ``select`` answers, a
    leaderboard); each problem is fitted on its own choices between its own players, exactly
    as :func:`luce_choice` would on that problem alone, the problems in parallel on the
    rankwise thread pool with the GIL released.

    Parameters
    ----------
    chosen, alternatives, offsets, alpha, max_iter, tol
        As :func:`luce_choice`, for all the problems together.
    groups : sequence
        The problem of each choice (any names).

    Returns
    -------
    dict
        One :class:`Ratings` per problem, keyed by its name (sorted).

    Examples
    --------
    >>> from rankwise import ratings
    >>> boards = ratings.luce_choice_groups(
    ...     ["a", "b", "x", "y", "x"], [["b", "c"], ["c"], ["y"], ["x"], ["y"]], [1, 1, 2, 2, 2],
    ...     alpha=0.1,
    ... )
    >>> {g: v.players[v.order].tolist() for g, v in boards.items()}
    {1: ['a', 'b', 'c'], 2: ['x', 'y']}
    """
    c, flat, off = _choices(chosen, alternatives, offsets)
    n = len(c)
    if off.shape != (n + 1,) or off[0] != 0 or off[-1] != len(flat) or np.any(off[1:] < off[:-1]):
        raise ShapeError(
            f"`offsets` must rise from 0 to the number of alternatives ({len(flat)}), "
            f"one more than the choices ({n + 1}); got {off.shape[0]} offsets"
        )
    names, (ic, io) = _players([("chosen", c), ("alternatives", flat)], None)

    def row_players(order: npt.NDArray[np.intp]) -> tuple[Any, Any]:
        at, row, _ = _sorted_entries(off, order)
        return np.concatenate([ic[order], io[at]]), np.concatenate([np.arange(n), row])

    p, local = _problems(names, groups, n, "choice", row_players)
    native: _ChoiceGroups = {
        "chosen": np.ascontiguousarray(local[:n]),
        "others": np.ascontiguousarray(local[n:]),
        "offsets": _sorted_entries(off, p.order)[2],
        "bounds": p.bounds,
        "players": p.players,
    }
    options = _iteration(alpha, max_iter, tol)
    params, not_converged = _native.ratings_luce_choice_groups(native, options)
    if not_converged:
        where = f" in {not_converged} of {len(p.keys)} problems"
        _warn_not_converged("Luce choice MM", max_iter, where, stacklevel=2)
    return p.boards(_point_board(params, "luce_choice"))


def contextual_bradley_terry_groups(
    model_a: Sequence[Any] | npt.ArrayLike,
    model_b: Sequence[Any] | npt.ArrayLike,
    winner: Sequence[Any] | npt.ArrayLike,
    features: Any,
    groups: Sequence[Any] | npt.ArrayLike,
    *,
    weights: npt.ArrayLike | None = None,
    intervals: Literal["asymptotic"] | None = "asymptotic",
    confidence: float = 0.95,
    scale: float = 400.0,
    base: float = 10.0,
    init: float = 1000.0,
    alpha: float = 0.0,
    max_iter: int = 100,
    tol: float = 1e-10,
) -> dict[Any, Ratings]:
    """Contextual (style-controlled) Bradley-Terry of many independent problems at once.

    ``groups`` names the problem of each comparison (a query, a leaderboard); each problem is
    fitted on its own comparisons and their rows of ``features`` between its own players,
    exactly as :func:`contextual_bradley_terry` with ``intervals=None`` or ``"asymptotic"``
    would on that problem alone (ratings, coefficients and their intervals), the problems in
    parallel in Rust with the GIL released.

    Parameters
    ----------
    model_a, model_b, winner, features, weights
        As :func:`contextual_bradley_terry`, for all the problems together.
    groups : sequence
        The problem of each comparison (any names).
    intervals : {"asymptotic", None}
        Asymptotic intervals per problem, as :func:`contextual_bradley_terry`'s.
    confidence, scale, base, init, alpha, max_iter, tol
        As :func:`contextual_bradley_terry`.

    Returns
    -------
    dict
        One :class:`Ratings` per problem, keyed by its name (sorted); ``parameters`` holds the
        problem's coefficients.

    Examples
    --------
    >>> import numpy as np
    >>> from rankwise import ratings
    >>> a = ["x", "x", "y", "z", "x", "y", "z", "y"] * 2
    >>> b = ["y", "z", "z", "x", "y", "x", "y", "z"] * 2
    >>> w = ["model_a", "model_a", "tie", "model_b", "model_b", "model_b", "model_a", "model_a"]
    >>> length = [0.5, 0.2, -0.1, -0.3, -0.4, 0.1, 0.6, -0.2, 0.1, -0.3, 0.2, 0.4, 0.3, -0.5]
    >>> length = np.array(length + [-0.2, 0.1])
    >>> boards = ratings.contextual_bradley_terry_groups(
    ...     a * 2, b * 2, w * 4, {"length": np.tile(length, 2)}, ["q1"] * 16 + ["q2"] * 16,
    ...     intervals=None,
    ... )
    >>> {g: round(v.parameters["length"], 3) for g, v in boards.items()}
    {'q1': 1.676, 'q2': 1.676}
    """
    p, native = _comparison_problems(model_a, model_b, winner, groups, weights)
    feature_names, x = _features(features, len(p.order))
    fit = _fit_options(
        intervals, ("asymptotic",), scale, base, init, confidence, alpha, max_iter, tol
    )
    fitter = "contextual Bradley-Terry Newton iteration"
    x = np.ascontiguousarray(x[p.order])
    theta, beta, se = _fit_groups(_native.ratings_contextual_groups, fitter, p, fit, native, x)
    n_k = len(feature_names)
    z = _z(fit.confidence)

    def coefficients(k: int, e: npt.NDArray[np.float64]) -> tuple[dict[str, float], Any]:
        coef = beta[k * n_k : (k + 1) * n_k]
        intervals_of = None
        if intervals == "asymptotic":
            intervals_of = {
                f: (float(coef[j] - z * e[j]), float(coef[j] + z * e[j]))
                for j, f in enumerate(feature_names)
            }
        return dict(zip(feature_names, coef.tolist(), strict=True)), intervals_of

    method = "contextual_bradley_terry"
    return p.boards(_fitted_board(fit, theta, se, method, n_k, coefficients))
