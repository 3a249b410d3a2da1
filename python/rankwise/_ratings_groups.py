"""The grouped forms of :mod:`rankwise.ratings`: many independent problems (queries,
leaderboards) at once, each computed exactly as its single-problem function would on that
problem alone, the problems in parallel in Rust (one shared driver, ``ratings::groups`` of
the core) with the GIL released. Import them from :mod:`rankwise.ratings`."""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import numpy as np
import numpy.typing as npt

from . import _native
from ._ratings_models import (
    _TIE_PARAMETER,
    _coefficient_intervals,
    _features,
    _match_ranks,
    _online,
    _openskill_options,
    _rankings,
    _tie_intervals,
    _trueskill_options,
)
from ._validation import float_vector, real_scalar
from .errors import InvalidValueError, RankwiseTypeError, ShapeError
from .ratings import (
    _BOTH,
    Intervals,
    Ratings,
    _choices,
    _comparisons,
    _confidence,
    _elo_options,
    _fit_options,
    _iteration,
    _names,
    _players,
    _quantiles,
    _resample_args,
    _warn_not_converged,
    _z,
)

if TYPE_CHECKING:
    from ._native import (
        _ChoiceGroups,
        _ComparisonGroups,
        _MatchGroups,
        _RankingGroups,
        _Resampling,
    )

__all__ = [
    "bradley_terry_groups",
    "contextual_bradley_terry_groups",
    "davidson_groups",
    "elo_groups",
    "luce_choice_groups",
    "openskill_groups",
    "plackett_luce_groups",
    "rank_centrality_groups",
    "rao_kupper_groups",
    "trueskill_groups",
]


# The text every grouped function's docstring shares, filled in at definition time by
# `_grouped` (one place for it; each function keeps its own summary line and examples).
_SHARED = """\
{lead}

Parameters
----------
{same}
    As :func:`{single}`, for all the problems together.
groups : sequence
    The problem of each {row} (any names).
{more}
Returns
-------
dict
    One :class:`Ratings` per problem, keyed by its name (sorted){returns}.

"""

_LEAD = (
    "``groups`` names the problem of each {row} (a query, a leaderboard); each problem is "
    "computed on its own {rows} between its own players, exactly as :func:`{single}` would on "
    "that problem alone{also}, the problems in parallel on the rankwise thread pool with the "
    "GIL released (no Python loop over problems)."
)

_INTERVALS = (
    (
        'intervals : {"bootstrap", "asymptotic", None}',
        "Intervals per problem, as :func:`{single}`'s. The bootstrap resamples each problem's "
        "own {rows}, in parallel over problems and resamples: with ``seed``, each problem's "
        "resamples are those :func:`{single}` draws from that seed on the problem alone.",
    ),
    (
        "resamples : dict, optional",
        "Explicit resamples instead: each problem's name to its array of shape "
        "``(n_resamples, its {rows})`` (the same ``n_resamples`` for all), indices among the "
        "problem's {rows} in their input order.",
    ),
)


# The parameters `_grouped` documents itself rather than as the single-problem function's.
_OWN = {"groups", "intervals", "resamples", "mu", "sigma"}
_F = TypeVar("_F", bound=Callable[..., Any])


def _grouped(
    single: str, row: str, also: str = "", returns: str = "", more: str = ""
) -> Callable[[_F], _F]:
    """Give a grouped function the shared part of its docstring: its parameters are those of
    ``single`` (listed from its signature), plus ``groups``, the bootstrap's ``intervals``
    and ``resamples`` where it takes them, and ``more`` (numpy-style text)."""
    rows = "matches" if row == "match" else row + "s"

    def fill(f: _F) -> _F:
        params = inspect.signature(f).parameters
        names = [n for n in params if n not in _OWN]
        summary, examples = inspect.cleandoc(f.__doc__ or "").split("\n\n", 1)
        lead = _LEAD.format(row=row, rows=rows, single=single, also=also)
        more_text = more
        if "intervals" in params:
            described = [
                name
                + "\n"
                + textwrap.fill(
                    text.format(single=single, rows=rows),
                    92,
                    initial_indent="    ",
                    subsequent_indent="    ",
                )
                for name, text in _INTERVALS
            ]
            more_text = "\n".join(described) + "\n" + more
        shared = _SHARED.format(
            lead=textwrap.fill(lead, 92),
            row=row,
            single=single,
            same=", ".join(names),
            more=more_text,
            returns=returns,
        )
        f.__doc__ = f"{summary}\n\n{shared}{examples}"
        f.__rankwise_filled_doc__ = True  # type: ignore[attr-defined]  # tools/griffe_runtime_docs.py
        return f

    return fill


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


@_grouped("bradley_terry", "comparison")
def bradley_terry_groups(
    model_a: Sequence[Any] | npt.ArrayLike,
    model_b: Sequence[Any] | npt.ArrayLike,
    winner: Sequence[Any] | npt.ArrayLike,
    groups: Sequence[Any] | npt.ArrayLike,
    *,
    weights: npt.ArrayLike | None = None,
    intervals: Intervals | None = "asymptotic",
    confidence: float = 0.95,
    n_resamples: int = 1000,
    seed: int = 0,
    resamples: Mapping[Any, npt.ArrayLike] | None = None,
    scale: float = 400.0,
    base: float = 10.0,
    init: float = 1000.0,
    alpha: float = 0.0,
    max_iter: int = 10_000,
    tol: float = 1e-8,
) -> dict[Any, Ratings]:
    """Bradley-Terry ratings of many independent problems at once, in parallel in Rust.

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
    fit = _fit_options(intervals, _BOTH, *_options(locals()))
    natives = _native.ratings_bradley_terry_groups, _native.ratings_bradley_terry_groups_bootstrap
    (theta, se), draws = _fit_groups(*natives, "Bradley-Terry MM", p, fit, native)
    return p.boards(_fitted_board(fit, theta, se, "bradley_terry", draws))


def _options(given: dict[str, Any]) -> tuple[Any, ...]:
    """A grouped fit's options from its arguments ``given``, as :func:`_fit_options` takes
    them after ``intervals`` and the intervals allowed."""
    names = ("scale", "base", "init", "confidence", "alpha", "max_iter", "tol")
    resampling = (given["n_resamples"], given["seed"], given["resamples"])
    return (*(given[n] for n in names), resampling)


def _fit_groups(
    native_fit: Callable[..., tuple[Any, ...]],
    native_bootstrap: Callable[..., tuple[Any, ...]],
    fitter: str,
    p: _Problems,
    fit: Any,
    *inputs: Any,
    **keywords: Any,
) -> tuple[tuple[Any, ...], _Draws | None]:
    """The grouped fit's outputs but the last (its count of problems that did not converge:
    warned of, naming ``fitter``), called with ``inputs``, the checked options ``fit`` and
    ``keywords``; with a bootstrap, also the grouped bootstrap's draws (``native_bootstrap``,
    called likewise with the resampling). The warnings name the caller of the function that
    calls this one."""
    *out, not_converged = native_fit(
        *inputs, fit.native, standard_errors=fit.intervals == "asymptotic", **keywords
    )
    max_iter = fit.native["max_iter"]
    if not_converged:
        where = f" in {not_converged} of {len(p.keys)} problems"
        _warn_not_converged(fitter, max_iter, where, stacklevel=3)
    draws = None
    if fit.intervals == "bootstrap":
        resampling, count = _group_resamples(p, *fit.resampling)
        *drawn, not_converged = native_bootstrap(*inputs, fit.native, resampling, **keywords)
        if not_converged:
            where = f" in {not_converged} of {count * len(p.keys)} bootstrap resamples"
            _warn_not_converged(fitter, max_iter, where, stacklevel=3)
        draws = _Draws(count, drawn[0], tuple(drawn[1:]))
    return tuple(out), draws


@dataclass(frozen=True)
class _Draws:
    """A grouped bootstrap's draws: problem k's log-strengths are ``theta[count * lo : count *
    hi]`` (``count`` rows of its players), its other parameters' ``others[j][k * count * n :
    (k + 1) * count * n]`` (``count`` rows of ``n``)."""

    count: int
    theta: npt.NDArray[np.float64]
    others: tuple[npt.NDArray[np.float64], ...]


def _group_resamples(
    p: _Problems, n_resamples: int, seed: int, resamples: object
) -> tuple[_Resampling, int]:
    """The grouped bootstrap's resampling and its number of resamples per problem: seeded, or
    each problem's explicit resamples (``resamples[name]``, ``(count, its rows)``) laid out
    problem after problem in a ``(count, rows)`` array, as the grouped natives take them."""
    if resamples is None:
        args = _resample_args(n_resamples, seed, None)
        return args, args["n_resamples"]
    if not isinstance(resamples, Mapping):
        raise RankwiseTypeError(
            "`resamples` must be a dict from each problem's name to its resamples; got "
            f"{type(resamples).__name__}"
        )
    keys = p.keys.tolist()
    unknown = [k for k in resamples if k not in set(keys)]
    if unknown:
        raise InvalidValueError(f"`resamples` names problems not in `groups`: {unknown[:3]!r}")
    blocks: list[npt.NDArray[np.int64]] = []
    for k, key in enumerate(keys):
        if key not in resamples:
            raise InvalidValueError(f"`resamples` must hold every problem; {key!r} is missing")
        block = _resample_args(n_resamples, seed, resamples[key])["resamples"]
        shape = (blocks[0].shape[0] if blocks else block.shape[0], p.bounds[k + 1] - p.bounds[k])
        if block.shape != shape:
            raise ShapeError(
                f"`resamples[{key!r}]` must have shape {shape} (n_resamples, the problem's "
                f"rows), the same n_resamples for every problem; got {block.shape}"
            )
        blocks.append(block)
    count = blocks[0].shape[0]
    flat = np.concatenate([b.ravel() for b in blocks]).reshape(count, -1)
    return {"seed": _resample_args(n_resamples, seed, None)["seed"], "resamples": flat}, count


# A problem's other fitted parameters and their intervals (None without intervals), from
# the problem's index, the standard errors of those parameters and their bootstrap draws
# (``(n_resamples, n)``; None without a bootstrap).
_Extra = Callable[[int, npt.NDArray[np.float64], Any], tuple[dict[str, float], Any]]


def _fitted_board(
    fit: Any,
    theta: Any,
    se: Any,
    method: str,
    draws: _Draws | None,
    n_extra: int = 0,
    extra: _Extra | None = None,
) -> _Make:
    """Make one problem's Ratings from the concatenated log-strengths ``theta``, errors
    ``se`` and bootstrap ``draws``: problem k's errors are ``se[lo + k * n_extra : hi + (k +
    1) * n_extra]``, its players' then its ``n_extra`` other parameters' (given by
    ``extra``)."""
    z = _z(fit.confidence)

    def make(k: int, players: npt.NDArray[Any], lo: int, hi: int) -> Ratings:
        rating = fit.init + fit.factor * theta[lo:hi]
        out: dict[str, Any] = {"lower": None, "upper": None, "method": method}
        extra_draws = None
        if fit.intervals == "asymptotic":
            half = z * fit.factor * se[lo + k * n_extra : hi + k * n_extra]
            out.update(lower=rating - half, upper=rating + half, method=method + " (asymptotic)")
        elif draws is not None:
            c = draws.count
            boot = fit.init + fit.factor * draws.theta[c * lo : c * hi].reshape(c, hi - lo)
            out["lower"], out["upper"] = _quantiles(boot, fit.confidence)
            out.update(bootstrap=boot, method=method + f" (bootstrap, {c} resamples)")
            if draws.others:
                at = k * c * n_extra
                extra_draws = draws.others[0][at : at + c * n_extra].reshape(c, n_extra)
        if extra is not None:
            e = se[hi + k * n_extra : hi + (k + 1) * n_extra]
            out["parameters"], out["parameter_intervals"] = extra(k, e, extra_draws)
        return Ratings(
            players=players,
            ratings=rating,
            confidence=fit.confidence if fit.intervals else None,
            **out,
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
    intervals: Intervals | None,
    confidence: float,
    n_resamples: int,
    seed: int,
    resamples: Mapping[Any, npt.ArrayLike] | None,
    scale: float,
    base: float,
    init: float,
    alpha: float,
    max_iter: int,
    tol: float,
) -> dict[Any, Ratings]:
    p, native = _comparison_problems(model_a, model_b, winner, groups, weights)
    fit = _fit_options(intervals, _BOTH, *_options(locals()))
    fitter = f"{model.replace('_', '-').title()} Newton iteration"
    natives = _native.ratings_ties_groups, _native.ratings_ties_groups_bootstrap
    (theta, eta, se), draws = _fit_groups(*natives, fitter, p, fit, native, model=model)
    name = _TIE_PARAMETER[model]

    def tie_parameter(k: int, e: npt.NDArray[np.float64], d: Any) -> tuple[dict[str, float], Any]:
        draws = None if d is None else d[:, 0]
        interval = _tie_intervals(model, intervals, float(eta[k]), e, draws, fit.confidence)
        return {name: float(np.exp(eta[k]))}, interval

    return p.boards(_fitted_board(fit, theta, se, model, draws, 1, tie_parameter))


@_grouped(
    "davidson", "comparison", " (ratings, intervals, the tie parameter ``nu`` and its interval)"
)
def davidson_groups(
    model_a: Sequence[Any] | npt.ArrayLike,
    model_b: Sequence[Any] | npt.ArrayLike,
    winner: Sequence[Any] | npt.ArrayLike,
    groups: Sequence[Any] | npt.ArrayLike,
    *,
    weights: npt.ArrayLike | None = None,
    intervals: Intervals | None = "asymptotic",
    confidence: float = 0.95,
    n_resamples: int = 1000,
    seed: int = 0,
    resamples: Mapping[Any, npt.ArrayLike] | None = None,
    scale: float = 400.0,
    base: float = 10.0,
    init: float = 1000.0,
    alpha: float = 0.0,
    max_iter: int = 100,
    tol: float = 1e-10,
) -> dict[Any, Ratings]:
    """Davidson ratings of many independent problems at once, in parallel in Rust.

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


@_grouped(
    "rao_kupper",
    "comparison",
    " (ratings, intervals, the tie parameter ``theta`` and its interval)",
)
def rao_kupper_groups(
    model_a: Sequence[Any] | npt.ArrayLike,
    model_b: Sequence[Any] | npt.ArrayLike,
    winner: Sequence[Any] | npt.ArrayLike,
    groups: Sequence[Any] | npt.ArrayLike,
    *,
    weights: npt.ArrayLike | None = None,
    intervals: Intervals | None = "asymptotic",
    confidence: float = 0.95,
    n_resamples: int = 1000,
    seed: int = 0,
    resamples: Mapping[Any, npt.ArrayLike] | None = None,
    scale: float = 400.0,
    base: float = 10.0,
    init: float = 1000.0,
    alpha: float = 0.0,
    max_iter: int = 100,
    tol: float = 1e-10,
) -> dict[Any, Ratings]:
    """Rao-Kupper ratings of many independent problems at once, in parallel in Rust.

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


@_grouped("elo", "comparison", " (bit for bit), each problem's comparisons in their input order")
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


@_grouped("rank_centrality", "comparison")
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


@_grouped("plackett_luce", "ranking")
def plackett_luce_groups(
    rankings: Sequence[Sequence[Any]] | npt.ArrayLike,
    groups: Sequence[Any] | npt.ArrayLike,
    *,
    offsets: npt.ArrayLike | None = None,
    weights: npt.ArrayLike | None = None,
    intervals: Intervals | None = "asymptotic",
    confidence: float = 0.95,
    n_resamples: int = 1000,
    seed: int = 0,
    resamples: Mapping[Any, npt.ArrayLike] | None = None,
    scale: float = 400.0,
    base: float = 10.0,
    init: float = 1000.0,
    alpha: float = 0.0,
    max_iter: int = 10_000,
    tol: float = 1e-8,
) -> dict[Any, Ratings]:
    """Plackett-Luce ratings of many independent problems at once, in parallel in Rust.

    Examples
    --------
    >>> from rankwise import ratings
    >>> votes = [["a", "b", "c"], ["b", "a"], ["a", "c"], ["x", "y"], ["y", "x"], ["x", "y"]]
    >>> boards = ratings.plackett_luce_groups(votes, ["q1"] * 3 + ["q2"] * 3, alpha=0.1)
    >>> {k: v.players[v.order].tolist() for k, v in boards.items()}
    {'q1': ['a', 'b', 'c'], 'q2': ['x', 'y']}
    """
    fit = _fit_options(intervals, _BOTH, *_options(locals()))
    p, native, _, _ = _ranking_problems(rankings, offsets, groups)
    if weights is not None:
        nr = len(p.order)
        native["weights"] = np.ascontiguousarray(float_vector("weights", weights, nr)[p.order])
    natives = _native.ratings_plackett_luce_groups, _native.ratings_plackett_luce_groups_bootstrap
    (theta, se), draws = _fit_groups(*natives, "Plackett-Luce MM", p, fit, native)
    return p.boards(_fitted_board(fit, theta, se, "plackett_luce", draws))


def _ranking_problems(
    rankings: object, offsets: npt.ArrayLike | None, groups: object
) -> tuple[_Problems, _RankingGroups, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The rankings (or matches) of all the problems, sorted by problem, as the grouped
    natives take them (``items``, ``offsets``, ``bounds``, ``players``), the flat position
    of each of their entries in the input and the input's offsets (for per-entry values such
    as ranks)."""
    names, items, off = _rankings(rankings, offsets, None)
    if np.any(off[1:] < off[:-1]) or off[0] != 0 or off[-1] != items.shape[0]:
        raise InvalidValueError(
            f"`offsets` must rise from 0 to the number of ranked players ({items.shape[0]})"
        )

    def row_players(order: npt.NDArray[np.intp]) -> tuple[Any, Any]:
        at, row, _ = _sorted_entries(off, order)
        return items[at], row

    p, local = _problems(names, groups, len(off) - 1, "ranking", row_players)
    at, _, sorted_off = _sorted_entries(off, p.order)
    native: _RankingGroups = {
        "items": local,
        "offsets": sorted_off,
        "bounds": p.bounds,
        "players": p.players,
    }
    return p, native, at, off


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


@_grouped("luce_choice", "choice")
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


@_grouped(
    "contextual_bradley_terry",
    "comparison",
    " (ratings, coefficients and their intervals, with its rows of ``features``)",
    "; ``parameters`` holds the problem's coefficients",
)
def contextual_bradley_terry_groups(
    model_a: Sequence[Any] | npt.ArrayLike,
    model_b: Sequence[Any] | npt.ArrayLike,
    winner: Sequence[Any] | npt.ArrayLike,
    features: Any,
    groups: Sequence[Any] | npt.ArrayLike,
    *,
    weights: npt.ArrayLike | None = None,
    intervals: Intervals | None = "asymptotic",
    confidence: float = 0.95,
    n_resamples: int = 1000,
    seed: int = 0,
    resamples: Mapping[Any, npt.ArrayLike] | None = None,
    scale: float = 400.0,
    base: float = 10.0,
    init: float = 1000.0,
    alpha: float = 0.0,
    max_iter: int = 100,
    tol: float = 1e-10,
) -> dict[Any, Ratings]:
    """Contextual (style-controlled) Bradley-Terry of many independent problems at once.

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
    fit = _fit_options(intervals, _BOTH, *_options(locals()))
    fitter = "contextual Bradley-Terry Newton iteration"
    x = np.ascontiguousarray(x[p.order])
    natives = _native.ratings_contextual_groups, _native.ratings_contextual_groups_bootstrap
    (theta, beta, se), draws = _fit_groups(*natives, fitter, p, fit, native, x)
    n_k = len(feature_names)

    def coefficients(k: int, e: npt.NDArray[np.float64], d: Any) -> tuple[dict[str, float], Any]:
        coef = beta[k * n_k : (k + 1) * n_k]
        of = _coefficient_intervals(feature_names, intervals, coef, e, d, fit.confidence)
        return dict(zip(feature_names, coef.tolist(), strict=True)), of

    method = "contextual_bradley_terry"
    return p.boards(_fitted_board(fit, theta, se, method, draws, n_k, coefficients))


_ONLINE = """\
mu, sigma : float
    The starting belief of every player of every problem.
"""


def _online_groups(
    rankings: object,
    groups: object,
    offsets: npt.ArrayLike | None,
    mu: float,
    sigma: float,
    confidence: float,
    ranks: object = None,
) -> tuple[_Problems, _MatchGroups, float, Callable[..., dict[Any, Ratings]]]:
    """The matches of every problem as the grouped online natives take them, with every
    player's starting belief ``mu``, ``sigma`` (and ``ranks``, sorted as the matches), the
    checked ``confidence``, and the maker of the result from the natives' means and
    deviations (``boards(mean, sd, method)``)."""
    p, native, at, off = _ranking_problems(rankings, offsets, groups)
    confidence = _confidence(confidence)
    total = int(p.starts[-1])
    matches: _MatchGroups = {
        "items": native["items"],
        "offsets": native["offsets"],
        "bounds": native["bounds"],
        "players": native["players"],
        "mu": np.full(total, real_scalar("mu", mu)),
        "sigma": np.full(total, real_scalar("sigma", sigma)),
    }
    if ranks is not None:
        matches["ranks"] = np.ascontiguousarray(_match_ranks(ranks, off, offsets is not None)[at])

    def boards(mean: Any, sd: Any, method: str) -> dict[Any, Ratings]:
        return p.boards(
            lambda _k, players, lo, hi: _online(players, mean[lo:hi], sd[lo:hi], method, confidence)
        )

    return p, matches, confidence, boards


@_grouped("openskill", "match", more=_ONLINE)
def openskill_groups(
    rankings: Sequence[Sequence[Any]] | npt.ArrayLike,
    groups: Sequence[Any] | npt.ArrayLike,
    *,
    offsets: npt.ArrayLike | None = None,
    mu: float = 25.0,
    sigma: float = 25.0 / 3.0,
    beta: float = 25.0 / 6.0,
    kappa: float = 0.0001,
    tau: float = 25.0 / 300.0,
    confidence: float = 0.95,
) -> dict[Any, Ratings]:
    """openskill (Plackett-Luce) ratings of many independent leaderboards at once, in Rust.

    Examples
    --------
    >>> from rankwise import ratings
    >>> matches = [["a", "b", "c"], ["x", "y"], ["a", "c"], ["y", "x"], ["b", "c"]]
    >>> boards = ratings.openskill_groups(matches, ["q1", "q2", "q1", "q2", "q1"])
    >>> {k: v.ratings.round(3).tolist() for k, v in boards.items()}
    {'q1': [29.837, 27.664, 17.68], 'q2': [24.589, 25.411]}
    """
    _, matches, _, boards = _online_groups(rankings, groups, offsets, mu, sigma, confidence)
    mean, sd = _native.ratings_openskill_groups(matches, **_openskill_options(beta, kappa, tau))
    return boards(mean, sd, "openskill (Plackett-Luce)")


@_grouped("trueskill", "match", more=_ONLINE)
def trueskill_groups(
    rankings: Sequence[Sequence[Any]] | npt.ArrayLike,
    groups: Sequence[Any] | npt.ArrayLike,
    *,
    offsets: npt.ArrayLike | None = None,
    mu: float = 25.0,
    sigma: float = 25.0 / 3.0,
    beta: float = 25.0 / 6.0,
    tau: float = 25.0 / 300.0,
    draw_probability: float = 0.10,
    min_delta: float = 1e-4,
    confidence: float = 0.95,
    ranks: Sequence[Sequence[float]] | npt.ArrayLike | None = None,
) -> dict[Any, Ratings]:
    """TrueSkill ratings of many independent leaderboards at once, in parallel in Rust.

    Examples
    --------
    >>> from rankwise import ratings
    >>> matches = [["a", "b", "c"], ["x", "y"], ["a", "c"], ["y", "x"], ["b", "c"]]
    >>> boards = ratings.trueskill_groups(matches, ["q1", "q2", "q1", "q2", "q1"])
    >>> {k: v.ratings.round(3).tolist() for k, v in boards.items()}
    {'q1': [32.633, 26.582, 15.763], 'q2': [23.357, 26.643]}
    """
    _, matches, _, boards = _online_groups(rankings, groups, offsets, mu, sigma, confidence, ranks)
    options = _trueskill_options(beta, tau, draw_probability, min_delta)
    mean, sd = _native.ratings_trueskill_groups(matches, **options)
    return boards(mean, sd, "trueskill")
