"""The grouped forms of :mod:`rankwise.ratings`: many independent problems (queries,
leaderboards) at once, each computed exactly as its single-problem function would on that
problem alone, the problems in parallel in Rust (one shared driver, ``ratings::groups`` of
the core) with the GIL released. Import them from :mod:`rankwise.ratings`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from . import _native
from ._ratings_models import _TIE_PARAMETER, _features, _rankings, _tie_interval
from ._validation import float_vector, integer, real_scalar
from .errors import InvalidValueError, ShapeError
from .ratings import (
    Ratings,
    _choices,
    _comparisons,
    _fit_options,
    _names,
    _players,
    _warn_not_converged,
    _z,
)

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
) -> tuple[_Problems, dict[str, Any]]:
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
    native: dict[str, Any] = {
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
    theta, se, not_converged = _native.ratings_bradley_terry_groups(
        **native, **fit.native, standard_errors=intervals == "asymptotic"
    )
    if not_converged:
        where = f" in {not_converged} of {len(p.keys)} problems"
        _warn_not_converged("Bradley-Terry MM", max_iter, where, stacklevel=2)
    return p.boards(_strength_board(fit, theta, se, intervals, "bradley_terry"))


def _strength_board(fit: Any, theta: Any, se: Any, intervals: str | None, method: str) -> _Make:
    """Make one problem's Ratings from the concatenated log-strengths and their errors."""
    z = _z(fit.confidence)

    def make(_k: int, players: npt.NDArray[Any], lo: int, hi: int) -> Ratings:
        rating = fit.init + fit.factor * theta[lo:hi]
        lower = upper = None
        if intervals == "asymptotic":
            half = z * fit.factor * se[lo:hi]
            lower, upper = rating - half, rating + half
        return Ratings(
            players=players,
            ratings=rating,
            lower=lower,
            upper=upper,
            method=method + (" (asymptotic)" if intervals else ""),
            confidence=fit.confidence if intervals else None,
        )

    return make


def _ties_groups(
    model: Literal["davidson", "rao_kupper"],
    model_a: object,
    model_b: object,
    winner: object,
    groups: object,
    *,
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
    theta, eta, se, not_converged = _native.ratings_ties_groups(
        **native, model=model, **fit.native, standard_errors=intervals == "asymptotic"
    )
    if not_converged:
        fitter = f"{model.replace('_', '-').title()} Newton iteration"
        _warn_not_converged(fitter, max_iter, f" in {not_converged} of {len(p.keys)} problems", 2)
    name = _TIE_PARAMETER[model]
    z = _z(fit.confidence)

    def make(k: int, players: npt.NDArray[Any], lo: int, hi: int) -> Ratings:
        # Problem k's errors are se[lo + k : hi + k + 1]: its players', then its tie
        # parameter's.
        rating = fit.init + fit.factor * theta[lo:hi]
        lower = upper = None
        parameter_intervals = None
        if intervals == "asymptotic":
            half = z * fit.factor * se[lo + k : hi + k]
            lower, upper = rating - half, rating + half
            eta_se = float(se[hi + k])
            parameter_intervals = {
                name: _tie_interval(model, float(eta[k]), eta_se, fit.confidence)
            }
        return Ratings(
            players=players,
            ratings=rating,
            lower=lower,
            upper=upper,
            method=model + (" (asymptotic)" if intervals else ""),
            confidence=fit.confidence if intervals else None,
            parameters={name: float(np.exp(eta[k]))},
            parameter_intervals=parameter_intervals,
        )

    return p.boards(make)


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
    return _ties_groups(
        "davidson",
        model_a,
        model_b,
        winner,
        groups,
        weights=weights,
        intervals=intervals,
        confidence=confidence,
        scale=scale,
        base=base,
        init=init,
        alpha=alpha,
        max_iter=max_iter,
        tol=tol,
    )


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
    return _ties_groups(
        "rao_kupper",
        model_a,
        model_b,
        winner,
        groups,
        weights=weights,
        intervals=intervals,
        confidence=confidence,
        scale=scale,
        base=base,
        init=init,
        alpha=alpha,
        max_iter=max_iter,
        tol=tol,
    )


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
    r = _native.ratings_elo_groups(
        **native,
        k=real_scalar("k", k),
        scale=real_scalar("scale", scale),
        base=real_scalar("base", base),
        init=real_scalar("init", init),
    )
    return p.boards(
        lambda _k, players, lo, hi: Ratings(
            players=players, ratings=r[lo:hi], lower=None, upper=None, method="elo"
        )
    )


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
    r = _native.ratings_rank_centrality_groups(**native, alpha=real_scalar("alpha", alpha))
    return p.boards(
        lambda _k, players, lo, hi: Ratings(
            players=players, ratings=r[lo:hi], lower=None, upper=None, method="rank_centrality"
        )
    )


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
    lengths = np.diff(off)

    def row_players(order: npt.NDArray[np.intp]) -> tuple[Any, Any]:
        sorted_lengths = lengths[order]
        starts_of = np.repeat(off[:-1][order], sorted_lengths)
        ends = np.cumsum(sorted_lengths)
        within = np.arange(ends[-1] if len(ends) else 0) - np.repeat(
            ends - sorted_lengths, sorted_lengths
        )
        return items[starts_of + within], np.repeat(np.arange(nr), sorted_lengths)

    p, local = _problems(names, groups, nr, "ranking", row_players)
    extra: dict[str, Any] = {}
    if weights is not None:
        extra["weights"] = np.ascontiguousarray(float_vector("weights", weights, nr)[p.order])
    theta, se, not_converged = _native.ratings_plackett_luce_groups(
        local,
        np.concatenate([[0], np.cumsum(lengths[p.order])]).astype(np.int64),
        p.bounds,
        p.players,
        **extra,
        **fit.native,
        standard_errors=intervals == "asymptotic",
    )
    if not_converged:
        where = f" in {not_converged} of {len(p.keys)} problems"
        _warn_not_converged("Plackett-Luce MM", max_iter, where, stacklevel=2)
    return p.boards(_strength_board(fit, theta, se, intervals, "plackett_luce"))


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
    lengths = np.diff(off)

    def row_players(order: npt.NDArray[np.intp]) -> tuple[Any, Any]:
        sorted_lengths = lengths[order]
        starts_of = np.repeat(off[:-1][order], sorted_lengths)
        ends = np.cumsum(sorted_lengths)
        within = np.arange(int(ends[-1])) - np.repeat(ends - sorted_lengths, sorted_lengths)
        rows = np.arange(n)
        return (
            np.concatenate([ic[order], io[starts_of + within]]),
            np.concatenate([rows, np.repeat(rows, sorted_lengths)]),
        )

    p, local = _problems(names, groups, n, "choice", row_players)
    params, not_converged = _native.ratings_luce_choice_groups(
        np.ascontiguousarray(local[:n]),
        np.ascontiguousarray(local[n:]),
        np.concatenate([[0], np.cumsum(lengths[p.order])]).astype(np.int64),
        p.bounds,
        p.players,
        alpha=real_scalar("alpha", alpha),
        max_iter=integer("max_iter", max_iter, minimum=1),
        tol=real_scalar("tol", tol),
    )
    if not_converged:
        where = f" in {not_converged} of {len(p.keys)} problems"
        _warn_not_converged("Luce choice MM", max_iter, where, stacklevel=2)
    return p.boards(
        lambda _k, players, lo, hi: Ratings(
            players=players, ratings=params[lo:hi], lower=None, upper=None, method="luce_choice"
        )
    )


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
    theta, beta, se, not_converged = _native.ratings_contextual_groups(
        native.pop("a"),
        native.pop("b"),
        native.pop("score"),
        np.ascontiguousarray(x[p.order]),
        native.pop("bounds"),
        native.pop("players"),
        **native,
        **fit.native,
        standard_errors=intervals == "asymptotic",
    )
    if not_converged:
        fitter = "contextual Bradley-Terry Newton iteration"
        _warn_not_converged(fitter, max_iter, f" in {not_converged} of {len(p.keys)} problems", 2)
    n_k = len(feature_names)
    z = _z(fit.confidence)

    def make(k: int, players: npt.NDArray[Any], lo: int, hi: int) -> Ratings:
        # Problem k's errors: se[lo + k * n_k : hi + (k + 1) * n_k], its players' then its
        # coefficients'.
        rating = fit.init + fit.factor * theta[lo:hi]
        coef = beta[k * n_k : (k + 1) * n_k]
        lower = upper = None
        parameter_intervals = None
        if intervals == "asymptotic":
            half = z * fit.factor * se[lo + k * n_k : hi + k * n_k]
            lower, upper = rating - half, rating + half
            e = se[hi + k * n_k : hi + (k + 1) * n_k]
            parameter_intervals = {
                f: (float(coef[j] - z * e[j]), float(coef[j] + z * e[j]))
                for j, f in enumerate(feature_names)
            }
        return Ratings(
            players=players,
            ratings=rating,
            lower=lower,
            upper=upper,
            method="contextual_bradley_terry" + (" (asymptotic)" if intervals else ""),
            confidence=fit.confidence if intervals else None,
            parameters=dict(zip(feature_names, coef.tolist(), strict=True)),
            parameter_intervals=parameter_intervals,
        )

    return p.boards(make)
