"""Ratings from pairwise comparisons, with their uncertainty: arena-style leaderboards.

Each comparison is one row: ``model_a`` met ``model_b`` and ``winner`` says who won, either as
the LMSYS arena writes it (``"model_a"``, ``"model_b"``, ``"tie"``, ``"tie (bothbad)"``) or as
the score of ``model_a`` in ``[0, 1]`` (1 a win, 0 a loss, 0.5 a tie). Players are any names
(strings or integers). Everything is computed in Rust, the GIL released.

* :func:`bradley_terry`: Bradley-Terry ratings on the arena's scale (``init + scale * theta /
  ln(base)``, 1000 + 400 log10-odds), with confidence intervals from a bootstrap over the
  comparisons (parallel over resamples; equal, given the same resamples, to the arena's
  bootstrap of ``compute_mle_elo``) or from the Fisher information, and ranks with intervals.
* :func:`davidson`, :func:`rao_kupper`: Bradley-Terry extended to ties (Davidson 1970, Rao &
  Kupper 1967), maximum likelihood by Newton's method, with the same intervals and the fitted
  tie parameter.
* :func:`plackett_luce`: Plackett-Luce ratings from rankings (best first), as
  ``choix.mm_rankings``, with bootstrap (over rankings) and asymptotic intervals.
* :func:`contextual_bradley_terry`: Bradley-Terry with covariates per comparison (the
  arena's style control), coefficients with intervals.
* :func:`openskill`: online Bayesian ratings (mean and standard deviation per player) from
  matches ranked best first, Weng and Lin's Plackett-Luce model as openskill's.
* :func:`trueskill`: online Bayesian ratings from matches by TrueSkill, as the ``trueskill``
  package.
* :func:`bradley_terry_groups`, :func:`plackett_luce_groups`, :func:`davidson_groups`,
  :func:`rao_kupper_groups`, :func:`elo_groups`, :func:`rank_centrality_groups`,
  :func:`luce_choice_groups`, :func:`contextual_bradley_terry_groups`: many
  independent problems (queries, leaderboards) at once, each exactly as the single-problem
  function on it alone, in parallel in Rust.
* :func:`elo`: online Elo in comparison order, the arena's ``compute_elo`` exactly.
* :func:`rank_centrality`: Rank Centrality, as ``choix.rank_centrality``.
* :func:`luce_choice`: Luce's choice model from top-1 data (one player chosen from a set, as a
  setwise ``select`` answer), as ``choix.mm_top1``.

Each returns a :class:`Ratings`: players, ratings, intervals and ranks ("rank 2-4").

>>> from rankwise import ratings
>>> a = ["gpt", "gpt", "llama", "mistral", "gpt", "llama", "mistral", "gpt"]
>>> b = ["llama", "mistral", "mistral", "gpt", "llama", "gpt", "llama", "mistral"]
>>> w = ["model_a", "model_a", "tie", "model_a", "model_a", "model_b", "model_a", "tie"]
>>> r = ratings.bradley_terry(a, b, w, intervals="asymptotic")
>>> r.players[r.order]
array(['gpt', 'mistral', 'llama'], dtype='<U7')
>>> r.ratings[r.order].round(1)
array([1156.5, 1095.3,  748.2])
>>> ratings.elo(a, b, w).ratings.round(2)
array([1005.86,  992.1 , 1002.03])
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from statistics import NormalDist
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import numpy as np
import numpy.typing as npt

from . import _native
from ._validation import _short, choice, float_vector, integer, real_scalar
from .errors import ConvergenceWarning, InvalidValueError, RankwiseTypeError, ShapeError

if TYPE_CHECKING:
    import pandas as pd

    from ._native import _Choices, _Comparisons, _Iteration, _Resampling

__all__ = [
    "Ratings",
    "bradley_terry",
    "bradley_terry_groups",
    "contextual_bradley_terry",
    "contextual_bradley_terry_groups",
    "davidson",
    "davidson_groups",
    "elo",
    "elo_groups",
    "luce_choice",
    "luce_choice_groups",
    "openskill",
    "openskill_groups",
    "plackett_luce",
    "plackett_luce_groups",
    "rank_centrality",
    "rank_centrality_groups",
    "rao_kupper",
    "rao_kupper_groups",
    "trueskill",
    "trueskill_groups",
]

Intervals = Literal["bootstrap", "asymptotic"]
_BOTH = ("bootstrap", "asymptotic")  # the intervals the fitted models offer

# The arena's spellings of an outcome (lm-sys/FastChat fastchat/serve/monitor/elo_analysis.py)
# and the score of model_a each stands for.
_OUTCOMES = {"model_a": 1.0, "model_b": 0.0, "tie": 0.5, "tie (bothbad)": 0.5}


@dataclass(frozen=True, repr=False)
class Ratings:
    """Ratings of players, with intervals and ranks when the method gives them.

    Attributes
    ----------
    players : numpy.ndarray
        The player names, in the order of every other array (sorted, or as ``players`` gave
        them).
    ratings : numpy.ndarray
        One rating per player (the fit on all the comparisons).
    lower, upper : numpy.ndarray or None
        The confidence interval of each rating (None for methods without one).
    method : str
        How the ratings were computed, e.g. ``"bradley_terry (bootstrap)"``.
    confidence : float or None
        The confidence level of the intervals.
    bootstrap : numpy.ndarray or None
        The ratings of every bootstrap resample, shape ``(n_resamples, players)``.
    parameters : dict or None
        The model's other fitted parameters by name (e.g. Davidson's tie parameter ``"nu"``).
    parameter_intervals : dict or None
        The confidence interval ``(lower, upper)`` of each of ``parameters``.
    sigma : numpy.ndarray or None
        The standard deviation of each player's skill belief (Bayesian methods:
        :func:`openskill`).
    """

    players: npt.NDArray[Any]
    ratings: npt.NDArray[np.float64]
    lower: npt.NDArray[np.float64] | None
    upper: npt.NDArray[np.float64] | None
    method: str
    confidence: float | None = None
    bootstrap: npt.NDArray[np.float64] | None = None
    parameters: dict[str, float] | None = None
    parameter_intervals: dict[str, tuple[float, float]] | None = None
    sigma: npt.NDArray[np.float64] | None = None

    @property
    def order(self) -> npt.NDArray[np.int64]:
        """Player indices from the highest rating to the lowest (ties in player order)."""
        order: npt.NDArray[np.int64] = np.argsort(-self.ratings, kind="stable").astype(np.int64)
        return order

    def _bounds(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        if self.lower is None or self.upper is None:
            return self.ratings, self.ratings
        return self.lower, self.upper

    @property
    def rank(self) -> npt.NDArray[np.int64]:
        """The arena's rank: 1 + the number of players whose lower bound exceeds this
        player's upper bound (1 + the number rated higher without intervals)."""
        lower, upper = self._bounds()
        above = (lower[None, :] > upper[:, None]).sum(axis=1)
        return np.asarray(1 + above, dtype=np.int64)

    @property
    def rank_worst(self) -> npt.NDArray[np.int64]:
        """The worst rank the intervals allow: the number of players minus those whose upper
        bound is below this player's lower bound (``rank`` to ``rank_worst``: "rank 2-4")."""
        lower, upper = self._bounds()
        below = (upper[None, :] < lower[:, None]).sum(axis=1)
        return np.asarray(len(self.ratings) - below, dtype=np.int64)

    def _ranks_text(self) -> list[str]:
        return [
            str(b) if b == w else f"{b}-{w}"
            for b, w in zip(self.rank.tolist(), self.rank_worst.tolist(), strict=True)
        ]

    def to_pandas(self) -> pd.DataFrame:
        """The table, best first: rank, rank_worst, rating, lower, upper, indexed by player.
        Needs pandas (``rankwise[pandas]``)."""
        try:
            import pandas as pd
        except ImportError as e:  # pragma: no cover - exercised without pandas only
            raise ImportError(
                "Ratings.to_pandas needs pandas: pip install 'rankwise[pandas]'"
            ) from e
        o = self.order
        columns: dict[str, Any] = {
            "rank": self.rank[o],
            "rank_worst": self.rank_worst[o],
            "rating": self.ratings[o],
        }
        if self.lower is not None and self.upper is not None:
            columns["lower"] = self.lower[o]
            columns["upper"] = self.upper[o]
        return pd.DataFrame(columns, index=pd.Index(self.players[o], name="player"))

    def __repr__(self) -> str:
        o = self.order
        ranks = self._ranks_text()
        head = f"Ratings of {len(self.ratings)} players ({self.method}"
        if self.confidence is not None:
            head += f", {self.confidence:.0%} intervals"
        rows = [["rank", "player", "rating"]]
        if self.lower is not None and self.upper is not None:
            rows[0] += ["lower", "upper"]
        shown = o if len(o) <= 20 else o[:20]
        for i in shown.tolist():
            row = [ranks[i], str(self.players[i]), f"{self.ratings[i]:.2f}"]
            if self.lower is not None and self.upper is not None:
                row += [f"{self.lower[i]:.2f}", f"{self.upper[i]:.2f}"]
            rows.append(row)
        widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
        lines = [head + ")"]
        for r in rows:
            cells = [r[0].ljust(widths[0]), r[1].ljust(widths[1])]
            cells += [v.rjust(wd) for v, wd in zip(r[2:], widths[2:], strict=True)]
            lines.append("  " + "  ".join(cells).rstrip())
        if len(o) > len(shown):
            lines.append(f"  ... {len(o) - len(shown)} more")
        for name, value in (self.parameters or {}).items():
            line = f"  {name} = {value:.4g}"
            if self.parameter_intervals and name in self.parameter_intervals:
                lo, hi = self.parameter_intervals[name]
                line += f" [{lo:.4g}, {hi:.4g}]"
            lines.append(line)
        return "\n".join(lines)


def _array(name: str, value: object) -> npt.NDArray[Any]:
    """``np.asarray(value)``, with numpy's error for ragged nesting as a rankwise one."""
    try:
        return np.asarray(value)
    except ValueError:  # nested sequences of unequal lengths
        raise ShapeError(
            f"`{name}` must be an array; got nested sequences of unequal lengths"
        ) from None


def _names(name: str, value: object) -> npt.NDArray[Any]:
    a = _array(name, value)
    if a.ndim != 1:
        raise ShapeError(f"`{name}` must be 1-D (one player per comparison); got shape {a.shape}")
    return a


def _players(
    columns: list[tuple[str, npt.NDArray[Any]]], players: Sequence[Any] | None
) -> tuple[npt.NDArray[Any], list[npt.NDArray[np.int64]]]:
    """The players (sorted distinct names, or ``players``) and each column as indices."""
    try:
        return _players_sorted(columns, players)
    except (TypeError, UnicodeDecodeError):  # names numpy cannot order against each other
        named = "`players`" if players is not None else "the player names"
        raise RankwiseTypeError(
            f"{named} must be names of one orderable kind (all str, or all numbers); got "
            f"{sorted({type(x).__name__ for _, c in columns for x in c.tolist()[:100]})} in "
            f"{', '.join(f'`{a}`' for a, _ in columns)}"
            + ("" if players is None else f" and `players` {_short(players)}")
        ) from None


def _players_sorted(
    columns: list[tuple[str, npt.NDArray[Any]]], players: Sequence[Any] | None
) -> tuple[npt.NDArray[Any], list[npt.NDArray[np.int64]]]:
    if players is None:
        names, inverse = np.unique(np.concatenate([c for _, c in columns]), return_inverse=True)
        cuts = np.cumsum([len(c) for _, c in columns])[:-1]
        return names, [np.asarray(x, dtype=np.int64) for x in np.split(inverse, cuts)]
    names = _array("players", players)
    if names.ndim != 1 or len(names) == 0 or len(np.unique(names)) != len(names):
        raise InvalidValueError("`players` must be a non-empty 1-D sequence of distinct names")
    sorter = np.argsort(names, kind="stable")
    sorted_names = names[sorter]
    idx = []
    for arg, col in columns:
        pos = np.clip(np.searchsorted(sorted_names, col), 0, len(names) - 1)
        bad = np.flatnonzero(sorted_names[pos] != col)
        if bad.size:
            raise InvalidValueError(
                f"`{arg}` must name players listed in `players`; got unknown player "
                f"{col[bad[0]].tolist()!r} at index {int(bad[0])}"
            )
        idx.append(np.asarray(sorter[pos], dtype=np.int64))
    return names, idx


def _comparisons(
    model_a: object,
    model_b: object,
    winner: object,
    players: Sequence[Any] | None,
    weights: object,
) -> tuple[npt.NDArray[Any], _Comparisons]:
    """Players and the native arguments: player indices, scores of model_a, weights."""
    a, b = _names("model_a", model_a), _names("model_b", model_b)
    if a.shape[0] == 0:
        raise InvalidValueError("`model_a` must hold at least one comparison; got none")
    if b.shape != a.shape:
        raise ShapeError(f"`model_b` must have shape {a.shape} matching `model_a`; got {b.shape}")
    names, (ia, ib) = _players([("model_a", a), ("model_b", b)], players)
    w = _array("winner", winner)
    if w.ndim != 1 or w.shape != a.shape:
        raise ShapeError(f"`winner` must have shape {a.shape} matching `model_a`; got {w.shape}")
    if w.dtype.kind in "USO" and not all(isinstance(v, (int, float)) for v in w[:1].tolist()):
        score = np.full(len(w), np.nan)
        for spelling, value in _OUTCOMES.items():
            score[w == spelling] = value
        bad = np.flatnonzero(np.isnan(score))
        if bad.size:
            allowed = ", ".join(repr(s) for s in _OUTCOMES)
            raise InvalidValueError(
                f"`winner` must be one of {allowed} or a score of model_a in [0, 1]; got "
                f"{w.tolist()[bad[0]]!r} at comparison {int(bad[0])}"  # object arrays too
            )
    else:
        score = float_vector("winner", w)
    kwargs: _Comparisons = {
        "a": np.ascontiguousarray(ia, dtype=np.int64),
        "b": np.ascontiguousarray(ib, dtype=np.int64),
        "score": np.ascontiguousarray(score, dtype=np.float64),
        "n_players": len(names),
    }
    if weights is not None:
        kwargs["weights"] = float_vector("weights", weights, len(a))
    return names, kwargs


def _scale(scale: float, base: float, init: float) -> tuple[float, float]:
    scale = real_scalar("scale", scale)
    base = real_scalar("base", base)
    init = real_scalar("init", init)
    if not (math.isfinite(scale) and scale > 0):
        raise InvalidValueError(f"`scale` must be a finite number > 0; got {scale}")
    if not (math.isfinite(base) and base > 1):
        raise InvalidValueError(f"`base` must be a finite number > 1; got {base}")
    if not math.isfinite(init):
        raise InvalidValueError(f"`init` must be a finite number; got {init}")
    return scale / math.log(base), init


def bradley_terry(
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
    max_iter: int = 10_000,
    tol: float = 1e-8,
) -> Ratings:
    """Bradley-Terry ratings with confidence intervals and ranks, the LMSYS arena's way.

    The maximum-likelihood Bradley-Terry log-strengths ``theta`` (``P(a beats b) = 1 / (1 +
    exp(theta_b - theta_a))``; a tie is half a win each way), centred, are fitted by Hunter's
    MM iteration (the one of :func:`rankwise.labels.aggregate_pairs`, equal to
    ``choix.mm_pairwise``) and reported on the arena's scale, ``init + scale * theta /
    ln(base)``: the arena's ``compute_mle_elo`` (lm-sys/FastChat
    ``fastchat/serve/monitor/elo_analysis.py``) fits the same likelihood by logistic
    regression.

    Parameters
    ----------
    model_a, model_b : sequence
        The two players of each comparison (any names: strings, integers).
    winner : sequence
        ``"model_a"``, ``"model_b"``, ``"tie"`` or ``"tie (bothbad)"`` per comparison, or the
        score of ``model_a`` in ``[0, 1]``.
    players : sequence, optional
        The players, in the order of the result (default: the sorted distinct names). A
        player without comparisons needs ``alpha > 0`` (choix's regularisation).
    weights : array_like, optional
        A non-negative count per comparison (default 1).
    intervals : {"bootstrap", "asymptotic", None}
        ``"bootstrap"``: refit on ``n_resamples`` resamples of the comparisons drawn with
        replacement (the arena's ``battles.sample(frac=1.0, replace=True)``), in parallel,
        and take the ``(1 - confidence) / 2`` and ``(1 + confidence) / 2`` quantiles of each
        rating (numpy's linear quantiles, as pandas' ``quantile`` the arena uses).
        ``"asymptotic"``: ``rating +- z * se`` with ``se`` from the inverse Fisher information
        (the Moore-Penrose inverse, as the ratings are centred) and ``z`` the normal quantile;
        the information is the likelihood's, evaluated at the fit (``alpha`` only moves the
        fit).
    confidence : float
        The confidence level of the intervals, in (0, 1).
    n_resamples, seed : int
        Bootstrap resamples, drawn in Rust from ``seed`` (the same seed gives the same
        resamples on every machine and thread count).
    resamples : array_like of int, optional
        Explicit resamples instead: shape ``(n_resamples, comparisons)``, comparison indices.
    scale, base, init : float
        The rating scale: ``init + scale * log_base(odds)`` (arena: 400, 10, 1000).
    alpha, max_iter, tol : float, int, float
        Regularisation and convergence of the MM iteration, as choix's (``alpha > 0`` when a
        player never wins).

    Returns
    -------
    Ratings
        ``bootstrap`` holds every resample's ratings with ``intervals="bootstrap"``.

    Examples
    --------
    >>> from rankwise import ratings
    >>> a = ["x", "x", "y", "z", "x", "y"]
    >>> b = ["y", "z", "z", "x", "y", "x"]
    >>> w = ["model_a", "model_a", "model_a", "model_a", "tie", "model_a"]
    >>> r = ratings.bradley_terry(a, b, w, n_resamples=200, seed=1, alpha=0.1)
    >>> r.rank.tolist(), r.rank_worst.tolist()
    ([1, 1, 1], [3, 3, 3])
    >>> ratings.bradley_terry(a, b, w, intervals=None).ratings.round(1)
    array([1011.4, 1076.8,  911.8])
    """
    names, data = _comparisons(model_a, model_b, winner, players, weights)
    resampling = (n_resamples, seed, resamples)
    fit = _fit_options(
        intervals, _BOTH, scale, base, init, confidence, alpha, max_iter, tol, resampling
    )
    theta, se, _, converged = _native.ratings_bradley_terry(
        data, fit.native, standard_errors=intervals == "asymptotic"
    )
    boot = partial(_native.ratings_bradley_terry_bootstrap, data, fit.native)
    fitted, _ = _intervals(fit, "Bradley-Terry MM", "bradley_terry", theta, se, converged, boot, 2)
    return Ratings(players=names, **fitted)


def elo(
    model_a: Sequence[Any] | npt.ArrayLike,
    model_b: Sequence[Any] | npt.ArrayLike,
    winner: Sequence[Any] | npt.ArrayLike,
    *,
    players: Sequence[Any] | None = None,
    weights: npt.ArrayLike | None = None,
    k: float = 4.0,
    scale: float = 400.0,
    base: float = 10.0,
    init: float = 1000.0,
) -> Ratings:
    """Online Elo ratings, the comparisons taken in order, with the arena's conventions.

    Before each comparison the expected scores are ``e_a = 1 / (1 + base ** ((r_b - r_a) /
    scale))`` and ``e_b = 1 / (1 + base ** ((r_a - r_b) / scale))``; then ``r_a += k * (s -
    e_a)`` and ``r_b += k * (1 - s - e_b)`` with ``s`` the score of ``model_a``. This is
    ``compute_elo`` of lm-sys/FastChat ``fastchat/serve/monitor/elo_analysis.py``, operation
    for operation (a weight ``w`` multiplies both updates).

    Parameters
    ----------
    model_a, model_b, winner, players, weights
        As :func:`bradley_terry`.
    k, scale, base, init : float
        The update step, the scale, the base and the starting rating (arena: 4, 400, 10,
        1000).

    Returns
    -------
    Ratings
        Without intervals; ``rank`` is 1 + the number of players rated higher.

    Examples
    --------
    >>> from rankwise import ratings
    >>> ratings.elo(["x", "x"], ["y", "y"], ["model_a", "tie"]).ratings.round(4)
    array([1001.977,  998.023])
    """
    names, data = _comparisons(model_a, model_b, winner, players, weights)
    r = _native.ratings_elo(data, **_elo_options(k, scale, base, init))
    return Ratings(players=names, ratings=r, lower=None, upper=None, method="elo")


def _elo_options(k: float, scale: float, base: float, init: float) -> dict[str, float]:
    """Elo's options, checked for numbers (the core checks their ranges)."""
    return {
        "k": real_scalar("k", k),
        "scale": real_scalar("scale", scale),
        "base": real_scalar("base", base),
        "init": real_scalar("init", init),
    }


def rank_centrality(
    model_a: Sequence[Any] | npt.ArrayLike,
    model_b: Sequence[Any] | npt.ArrayLike,
    winner: Sequence[Any] | npt.ArrayLike,
    *,
    players: Sequence[Any] | None = None,
    weights: npt.ArrayLike | None = None,
    alpha: float = 0.0,
) -> Ratings:
    """Rank Centrality (Negahban, Oh & Shah 2017), as ``choix.rank_centrality``.

    The ratings are the centred logs of the stationary distribution of the Markov chain that
    moves from each player to the players that beat it, at the rate of the fraction of their
    comparisons they won (rates start at ``alpha``; a tie adds half a comparison each way).
    With plain wins, ``rank_centrality(winners, losers, [1] * n, players=range(m))`` equals
    ``choix.rank_centrality(m, list(zip(winners, losers)), alpha)``.

    Parameters
    ----------
    model_a, model_b, winner, players, weights
        As :func:`bradley_terry`.
    alpha : float
        Regularisation: the initial rate between every two players (needed, > 0, when a
        player is never beaten or the comparisons do not connect the players).

    Returns
    -------
    Ratings
        Log-strengths (choix's numbers), without intervals.

    Examples
    --------
    >>> from rankwise import ratings
    >>> r = ratings.rank_centrality([0, 1, 2, 0], [1, 2, 0, 2], [1, 1, 1, 1])
    >>> r.ratings.round(4)
    array([ 0.7324, -0.3662, -0.3662])
    """
    names, data = _comparisons(model_a, model_b, winner, players, weights)
    r = _native.ratings_rank_centrality(data, alpha=real_scalar("alpha", alpha))
    return Ratings(players=names, ratings=r, lower=None, upper=None, method="rank_centrality")


def _choices(
    chosen: object, alternatives: object, offsets: object
) -> tuple[npt.NDArray[Any], npt.NDArray[Any], npt.NDArray[np.int64]]:
    """The chosen players, their alternatives flat, and the offsets cutting them."""
    c = _names("chosen", chosen)
    if c.shape[0] == 0:
        raise InvalidValueError("`chosen` must hold at least one choice; got none")
    if offsets is None:
        if not isinstance(alternatives, Sequence) or len(alternatives) != len(c):
            raise ShapeError(
                f"`alternatives` must be one sequence of options per chosen player ({len(c)})"
            )
        sets = [_array("alternatives", x) for x in alternatives]
        if any(x.ndim != 1 for x in sets):
            raise ShapeError("`alternatives` must hold one 1-D sequence of options per choice")
        lengths = np.array([len(x) for x in sets], dtype=np.int64)
        nonempty = [x for x in sets if len(x)]
        flat = np.concatenate(nonempty) if nonempty else c[:0]
        off = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    else:
        flat = _names("alternatives", alternatives)
        off = np.ascontiguousarray(_array("offsets", offsets), dtype=np.int64)
    return c, flat, off


def luce_choice(
    chosen: Sequence[Any] | npt.ArrayLike,
    alternatives: Sequence[Sequence[Any]] | npt.ArrayLike,
    *,
    offsets: npt.ArrayLike | None = None,
    players: Sequence[Any] | None = None,
    alpha: float = 0.0,
    max_iter: int = 10_000,
    tol: float = 1e-8,
) -> Ratings:
    """Luce choice model from top-1 data: each observation is a player chosen from a set.

    Under Luce's axiom, ``w`` is chosen from a set ``S`` with probability ``gamma_w / sum(gamma_u
    for u in S)``. The maximum-likelihood log-strengths (centred; MAP with ``alpha > 0``) are
    fitted by Hunter's MM iteration step for step as ``choix.mm_top1``: with ``players=range(n)``,
    ``luce_choice(winners, losers).ratings`` equals ``choix.mm_top1(n, list(zip(winners,
    losers)))``. Setwise ``select`` answers of an LLM reranker are such data.

    Parameters
    ----------
    chosen : sequence
        The player chosen in each observation.
    alternatives : sequence of sequences
        The options not chosen, one sequence per observation; or, with ``offsets``, all of
        them flat (observation ``c`` owns ``alternatives[offsets[c]:offsets[c + 1]]``).
    offsets : array_like of int, optional
        See ``alternatives``.
    players : sequence, optional
        As :func:`bradley_terry`.
    alpha, max_iter, tol : float, int, float
        Regularisation (needed, > 0, when a player is never chosen) and convergence, as
        choix's.

    Returns
    -------
    Ratings
        Log-strengths (choix's numbers), without intervals.

    Examples
    --------
    >>> from rankwise import ratings
    >>> r = ratings.luce_choice(["a", "b", "a", "c"], [["b", "c"], ["c"], ["c"], ["a", "b"]])
    >>> r.players.tolist(), r.ratings.round(4)
    (['a', 'b', 'c'], array([ 0.7643, -0.2584, -0.5059]))
    """
    c, flat, off = _choices(chosen, alternatives, offsets)
    names, (ic, io) = _players([("chosen", c), ("alternatives", flat)], players)
    data: _Choices = {"chosen": ic, "others": io, "offsets": off, "n_players": len(names)}
    params, _, converged = _native.ratings_luce_choice(data, _iteration(alpha, max_iter, tol))
    if not converged:
        _warn_not_converged("Luce choice MM", max_iter, "", stacklevel=2)
    return Ratings(players=names, ratings=params, lower=None, upper=None, method="luce_choice")


def _confidence(confidence: float) -> float:
    confidence = real_scalar("confidence", confidence)
    if not 0 < confidence < 1:
        raise InvalidValueError(f"`confidence` must be in (0, 1); got {confidence}")
    return confidence


def _resample_args(n_resamples: int, seed: int, resamples: npt.ArrayLike | None) -> _Resampling:
    """The native bootstrap's seed and either its count or the explicit resamples."""
    extra: _Resampling = {"seed": integer("seed", seed, maximum=2**64 - 1)}
    if resamples is None:
        extra["n_resamples"] = integer("n_resamples", n_resamples, minimum=1)
        return extra
    r = _array("resamples", resamples)
    if r.ndim != 2 or r.dtype.kind not in "iu":
        raise InvalidValueError(
            "`resamples` must be a 2-D integer array (resamples, comparisons); got "
            f"shape {r.shape}, dtype {r.dtype}"
        )
    extra["resamples"] = np.ascontiguousarray(r, dtype=np.int64)
    return extra


class _Fit(NamedTuple):
    """The checked options of a fitted model (:func:`_fit_options`)."""

    intervals: str | None
    confidence: float
    factor: float  # scale / ln(base): log-strength to rating
    init: float
    native: _Iteration  # alpha, max_iter and tol, as the native fit takes them
    resampling: tuple[int, int, npt.ArrayLike | None]  # n_resamples, seed, resamples


def _fit_options(
    intervals: str | None,
    allowed: tuple[str, ...],
    scale: float,
    base: float,
    init: float,
    confidence: float,
    alpha: float,
    max_iter: int,
    tol: float,
    resampling: tuple[int, int, npt.ArrayLike | None] = (1, 0, None),
) -> _Fit:
    """Check a fitted model's options, in this order: ``scale``, ``base`` and ``init``
    (:func:`_scale`), ``intervals`` (one of ``allowed`` or None), ``confidence``, then
    ``alpha``, ``max_iter`` and ``tol``. ``resampling`` is checked when the bootstrap runs."""
    factor, init = _scale(scale, base, init)
    if intervals is not None:
        choice("intervals", intervals, allowed)
    confidence = _confidence(confidence)
    return _Fit(intervals, confidence, factor, init, _iteration(alpha, max_iter, tol), resampling)


def _iteration(alpha: float, max_iter: int, tol: float) -> _Iteration:
    """The iteration options of a fit, checked for numbers (the core checks their ranges)."""
    return {
        "alpha": real_scalar("alpha", alpha),
        "max_iter": integer("max_iter", max_iter, minimum=1),
        "tol": real_scalar("tol", tol),
    }


def _warn_not_converged(fitter: str, max_iter: int, where: str, stacklevel: int) -> None:
    """Warn that ``fitter`` (``"Bradley-Terry MM"``, ...) stopped at ``max_iter``; ``where``
    ends the message (``""``, or ``" in 3 of 1000 bootstrap resamples"``). ``stacklevel`` as
    the caller's own ``warnings.warn`` would take it."""
    warnings.warn(
        f"{fitter} did not converge in max_iter={max_iter} iterations{where}",
        ConvergenceWarning,
        stacklevel=stacklevel + 1,
    )


def _z(confidence: float) -> float:
    """The standard normal quantile of ``(1 + confidence) / 2``: the half-width of a
    two-sided interval in standard errors."""
    return NormalDist().inv_cdf((1 + confidence) / 2)


def _quantiles(draws: npt.NDArray[np.float64], confidence: float) -> npt.NDArray[np.float64]:
    """The lower and upper ``confidence`` quantiles of ``draws`` along the first axis."""
    return np.quantile(draws, [(1 - confidence) / 2, (1 + confidence) / 2], axis=0)


def _intervals(
    fit: _Fit,
    fitter: str,
    method: str,
    theta: npt.NDArray[np.float64],
    se: npt.NDArray[np.float64],
    converged: bool,
    bootstrap: Callable[..., tuple[Any, ...]],
    stacklevel: int,
) -> tuple[dict[str, Any], tuple[Any, ...]]:
    """The ratings of a fitted model on the arena's scale, with their intervals.

    ``theta`` are the fitted log-strengths and ``se`` the standard errors (their first
    ``len(theta)`` entries are the strengths'); ``bootstrap`` is the native bootstrap, called
    with the resampling of :func:`_resample_args`, returning ``(thetas, *other_draws,
    not_converged)``. Warns (naming ``fitter``) when the fit or bootstrap resamples did not
    converge. Returns the keyword arguments of :class:`Ratings` but ``players``, and the
    bootstrap's draws of the other parameters (empty without a bootstrap)."""
    max_iter = fit.native["max_iter"]
    if not converged:
        _warn_not_converged(fitter, max_iter, "", stacklevel + 1)
    rating = fit.init + fit.factor * theta
    out: dict[str, Any] = {
        "ratings": rating,
        "lower": None,
        "upper": None,
        "method": method,
        "confidence": None if fit.intervals is None else fit.confidence,
        "bootstrap": None,
    }
    others: tuple[Any, ...] = ()
    if fit.intervals == "asymptotic":
        half = _z(fit.confidence) * fit.factor * se[: len(theta)]
        out["lower"], out["upper"] = rating - half, rating + half
        out["method"] += " (asymptotic)"
    elif fit.intervals == "bootstrap":
        thetas, *rest, not_converged = bootstrap(_resample_args(*fit.resampling))
        others = tuple(rest)
        if not_converged:
            where = f" in {not_converged} of {len(thetas)} bootstrap resamples"
            _warn_not_converged(fitter, max_iter, where, stacklevel + 1)
        boot = fit.init + fit.factor * thetas
        out["lower"], out["upper"] = _quantiles(boot, fit.confidence)
        out["bootstrap"] = boot
        out["method"] += f" (bootstrap, {len(boot)} resamples)"
    return out, others


# The models with more parameters live in a sibling module (this one stays under 1,000 lines);
# imported last, as they use the helpers above.
# The grouped forms (many independent problems at once) live in their own sibling module.
from ._ratings_groups import (  # noqa: E402
    bradley_terry_groups,
    contextual_bradley_terry_groups,
    davidson_groups,
    elo_groups,
    luce_choice_groups,
    openskill_groups,
    plackett_luce_groups,
    rank_centrality_groups,
    rao_kupper_groups,
    trueskill_groups,
)
from ._ratings_models import (  # noqa: E402
    contextual_bradley_terry,
    davidson,
    openskill,
    plackett_luce,
    rao_kupper,
    trueskill,
)
