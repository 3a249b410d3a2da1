"""``scipy.stats.kendalltau``, ``weightedtau`` and ``spearmanr``, computed by rankwise.

Same signatures, same result objects (``statistic``, ``pvalue``, ``correlation``, tuple
unpacking, the repr ``SignificanceResult(statistic=..., pvalue=...)``), same NaN values and
warnings (scipy's own warning classes when scipy is installed), and the same numbers:

* ``kendalltau``: statistic and p-value bit-identical to scipy 1.17 (tau rounded as scipy
  rounds it; :func:`rankwise.correlation.kendall_tau` rounds from the exact counts instead);
* ``weightedtau``: bit-identical;
* ``spearmanr``: the statistic from exact integer sums, within a few ulps of scipy's (which
  goes through floating-point means and BLAS), the p-value within about 1e-12 relative.

Deliberate differences, each pinned by a test: non-numeric inputs (strings, objects) raise
:class:`~rankwise.errors.RankwiseTypeError` (scipy ranks them); ``kendalltau(...,
method="asymptotic")`` with two observations gives a p-value (scipy divides zero by zero);
``weightedtau`` of an all-NaN input is NaN, and an all-NaN ``rank`` ranks every
element alike (scipy's ``_toint64`` gives the first element rank 1 and the others 0 when every
value is NaN, where it gives NaN the lowest rank as soon as one value is not NaN, so scipy
returns a number that depends on its sort order); ``spearmanr`` of
identical rankings is exactly 1 with p-value 0 (scipy may give ``0.9999999999999999`` and a
tiny p-value, or a rho a rounding error past 1 and a p-value of 1); ``spearmanr(...,
nan_policy="omit")`` of a variable that is constant once NaN rows are dropped is NaN, as
without NaN (scipy's ``mstats`` path reports the 0 a masked correlation leaves, p-value 1).

>>> from rankwise.compat.scipy import kendalltau
>>> res = kendalltau([1, 2, 3, 4], [1, 3, 2, 4])
>>> res
SignificanceResult(statistic=np.float64(0.6666666666666669), pvalue=np.float64(0.3333333333333333))
>>> tau, p = res
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt

from .. import correlation as _corr
from .._validation import choice, values
from ..errors import InvalidValueError, RankwiseTypeError, ShapeError

__all__ = ["SignificanceResult", "kendalltau", "spearmanr", "weightedtau"]


class SignificanceResult(_corr.CorrelationResult):
    """scipy's ``SignificanceResult``: ``statistic``, ``pvalue`` (and ``correlation``)."""

    __slots__ = ()


def _keep(result: Any, keepdims: bool, axis: int | tuple[int, ...] | None, ndim: int) -> Any:
    if not keepdims:
        return result
    if axis is None:
        return np.asarray(result).reshape((1,) * max(ndim, 1))
    return np.expand_dims(np.asarray(result), axis)


def _ndim(*arrays: Any) -> int:
    return max(np.ndim(a) for a in arrays)


# scipy's own words for bad options and NaN under nan_policy="raise" (scipy/_lib/_util.py and
# scipy/stats/_stats_py.py, 1.17), so that code and tests matching on them keep working; the
# rest of each message says which argument and what it got, as every rankwise error does.
def _check_options(nan_policy: str, alternative: str) -> None:
    if nan_policy not in ("propagate", "raise", "omit"):
        raise InvalidValueError(
            f"nan_policy must be one of {{'propagate', 'raise', 'omit'}}; "
            f"got `nan_policy`={nan_policy!r}"
        )
    if alternative not in ("two-sided", "less", "greater"):
        raise InvalidValueError(
            f"`alternative` must be 'less', 'greater', or 'two-sided'; got {alternative!r}"
        )


def _check_nan(nan_policy: str, **arrays: Any) -> None:
    if nan_policy != "raise":
        return
    for name, value in arrays.items():
        a = np.asarray(value)
        if a.dtype.kind in "fc" and np.isnan(a).any():
            where = np.unravel_index(int(np.flatnonzero(np.isnan(a))[0]), a.shape)
            raise InvalidValueError(
                f"The input contains nan values: `{name}` has NaN at index "
                f"{tuple(int(i) for i in where)} and nan_policy='raise'"
            )


# scipy's warning when every slice along `axis` is empty (scipy/stats/_axis_nan_policy.py).
_ALL_SLICES_TOO_SMALL = (
    "All axis-slices of one or more sample arguments are too small; all elements of returned "
    "arrays will be NaN. See documentation for sample size requirements."
)


def _all_slices_empty(x: Any, along: int | None) -> Any:
    """NaN of the output's shape, with scipy's warning, when every slice along ``along`` of an
    n-D input is empty (scipy answers before looking at the values); otherwise None."""
    shape = np.shape(x)
    if along is None or len(shape) < 2 or not -len(shape) <= along < len(shape):
        return None
    out_shape = tuple(n for d, n in enumerate(shape) if d != along % len(shape))
    if shape[along] != 0 or math.prod(out_shape) == 0:
        return None
    warnings.warn(
        _ALL_SLICES_TOO_SMALL, _corr._warning_class("SmallSampleWarning", True), stacklevel=3
    )
    return np.full(out_shape, np.nan)


def _broadcast(x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[Any, Any]:
    try:
        bx, by = np.broadcast_arrays(np.asarray(x), np.asarray(y))
    except ValueError as e:
        raise ShapeError(
            f"Array shapes are incompatible for broadcasting. `x` has shape {np.shape(x)}, "
            f"`y` has shape {np.shape(y)}"
        ) from e
    return bx, by


def _paired(x: npt.ArrayLike, y: npt.ArrayLike, nan_policy: str) -> tuple[Any, Any, int]:
    """The two samples after scipy's first checks (NaN policy, dimensions), broadcast to one
    shape as scipy does first, and the number of dimensions the result keeps."""
    _check_nan(nan_policy, x=x, y=y)
    nd = _ndim(x, y)
    if np.shape(x) != np.shape(y):
        x, y = _broadcast(x, y)
    return x, y, nd


def _tuple_axis(
    x: npt.ArrayLike, y: npt.ArrayLike, axis: Any, *extra: Any
) -> tuple[Any, Any, Any, tuple[Any, ...], int]:
    """scipy's rule for a tuple ``axis``: broadcast the paired arrays, then treat the named
    axes as one (moved last and flattened), so the statistic runs along ``axis=-1``.

    Returns the reshaped arrays, the normalised axes (for ``keepdims``), the reshaped extra
    paired arrays, and the number of dimensions of the broadcast inputs."""
    arrays = [np.asarray(x), np.asarray(y), *(np.asarray(e) for e in extra)]
    try:
        arrays = list(np.broadcast_arrays(*arrays))
    except ValueError as e:
        shapes = ", ".join(str(a.shape) for a in arrays)
        raise ShapeError(
            f"Array shapes are incompatible for broadcasting. `x`, `y`, `rank` have shapes {shapes}"
        ) from e
    nd = arrays[0].ndim
    axes: list[int] = []
    for a in axis:
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)):
            raise RankwiseTypeError(
                f"`axis` must be an integer, a tuple of integers or None; got {axis!r}"
            )
        if not -nd <= int(a) < nd:
            raise InvalidValueError(
                f"`axis` is out of bounds for array of dimension {nd}; got {axis!r}"
            )
        axes.append(int(a) % nd)
    if len(set(axes)) != len(axes):
        raise InvalidValueError(f"`axis` must contain only distinct elements; got {axis!r}")
    if not axes:
        # scipy: an empty tuple reduces over nothing; each element is its own sample of one.
        arrays = [a[..., np.newaxis] for a in arrays]
    else:
        kept = [d for d in range(nd) if d not in axes]
        arrays = [
            np.transpose(a, kept + axes).reshape(
                [a.shape[d] for d in kept] + [math.prod(a.shape[d] for d in axes)]
            )
            for a in arrays
        ]
    return arrays[0], arrays[1], tuple(axes), tuple(arrays[2:]), nd


def _along(
    x: Any, y: Any, axis: Any, nd: int, *extra: Any
) -> tuple[Any, Any, Any, tuple[Any, ...], int | None, int]:
    """The axis the statistic runs along, as scipy reads ``axis``: a tuple by
    :func:`_tuple_axis` (its axes flattened last, so ``-1``), an int or None as given; None
    for one sample (``nd <= 1``), for scipy's 1-D messages and a scalar result.

    Returns the arrays, the axes ``keepdims`` restores, the ``extra`` paired arrays, the axis
    and the number of dimensions the result keeps."""
    along: int | None
    if isinstance(axis, tuple):
        x, y, kept_axes, extra, nd = _tuple_axis(x, y, axis, *extra)
        along = -1
    else:
        kept_axes, along = axis, axis
    if along is not None and nd <= 1:
        along = None
    return x, y, kept_axes, extra, along, nd


def kendalltau(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    *,
    nan_policy: str = "propagate",
    method: str = "auto",
    variant: str = "b",
    alternative: str = "two-sided",
    axis: int | tuple[int, ...] | None = None,
    keepdims: bool = False,
) -> SignificanceResult:
    """``scipy.stats.kendalltau``, bit-identical (see :func:`rankwise.correlation.kendall_tau`).

    ``axis`` may be a tuple, as in scipy: the named axes of the broadcast inputs are treated
    as one.

    >>> from rankwise.compat.scipy import kendalltau
    >>> float(kendalltau(range(12), range(12)).statistic)  # scipy's two square roots
    0.9999999999999998
    """
    choice("variant", variant, ("b", "c"))
    choice("method", method, ("auto", "exact", "asymptotic"))
    _check_options(nan_policy, alternative)
    x, y, nd = _paired(x, y, nan_policy)
    x, y, kept_axes, _, along, nd = _along(x, y, axis, nd)
    empty = _all_slices_empty(x, along)
    if empty is not None:
        return SignificanceResult(
            _keep(empty, keepdims, kept_axes, nd), _keep(empty.copy(), keepdims, kept_axes, nd)
        )
    # The options were checked above (scipy's messages); `cast` only tells mypy so.
    r = _corr._kendall(
        x,
        y,
        cast(Literal["b", "c"], variant),
        cast(Literal["auto", "exact", "asymptotic"], method),
        cast(_corr.Alternative, alternative),
        cast(_corr.NanPolicy, nan_policy),
        along,
        None,
        scipy_rounding=True,
        scipy_classes=True,
    )
    stat, p = _scalar(r.statistic), _scalar(r.pvalue)
    return SignificanceResult(
        _keep(stat, keepdims, kept_axes, nd), _keep(p, keepdims, kept_axes, nd)
    )


def weightedtau(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    rank: Any = True,
    weigher: Callable[[int], float] | None = None,
    additive: bool = True,
    *,
    axis: int | tuple[int, ...] | None = None,
    nan_policy: str = "propagate",
    keepdims: bool = False,
) -> SignificanceResult:
    """``scipy.stats.weightedtau``, bit-identical (see :func:`rankwise.correlation.weighted_tau`).

    >>> from rankwise.compat.scipy import weightedtau
    >>> weightedtau([12, 2, 1, 12, 2], [1, 4, 7, 1, 0])
    SignificanceResult(statistic=np.float64(-0.5669496815368272), pvalue=np.float64(nan))
    """
    _check_options(nan_policy, "two-sided")
    x, y, nd = _paired(x, y, nan_policy)
    paired_rank = () if isinstance(rank, bool) or rank is None else (rank,)
    x, y, kept_axes, extra, along, nd = _along(x, y, axis, nd, *paired_rank)
    if extra:
        rank = extra[0]  # broadcast and reshaped with x and y under a tuple axis
    tau = _corr._weighted(
        x,
        y,
        rank,
        weigher,
        additive,
        cast(_corr.NanPolicy, nan_policy),  # checked above
        along,
        None,
        scipy_classes=True,
    )
    tau = _scalar(tau)
    pvalue = np.full(np.shape(tau), np.nan)[()] if np.ndim(tau) else np.float64(np.nan)
    return SignificanceResult(
        _keep(tau, keepdims, kept_axes, nd), _keep(pvalue, keepdims, kept_axes, nd)
    )


def _scalar(v: Any) -> Any:
    return np.float64(v) if np.ndim(v) == 0 else v


def spearmanr(
    a: npt.ArrayLike,
    b: npt.ArrayLike | None = None,
    axis: int | None = 0,
    nan_policy: str = "propagate",
    alternative: str = "two-sided",
) -> SignificanceResult:
    """``scipy.stats.spearmanr``: one pair, or the matrix over the variables of ``a`` (and ``b``).

    As scipy: with 1-D ``a`` and ``b`` (or ``axis=None``) the correlation of the pair; with a
    2-D ``a`` the columns (``axis=0``) or rows (``axis=1``) are the variables and the result
    is their correlation matrix (scalars when there are exactly two). Each pair of variables
    is computed by rankwise (with ``nan_policy="omit"`` each pair drops its own NaN rows, as
    scipy's ``mstats`` path does).

    >>> from rankwise.compat.scipy import spearmanr
    >>> res = spearmanr([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])
    >>> round(float(res.statistic), 6), round(float(res.pvalue), 6)
    (0.820783, 0.088587)
    """
    _check_options(nan_policy, alternative)
    if axis is not None and axis not in (0, 1, -1, -2):
        raise ShapeError(f"`axis` must be 0 or 1 (or None); got {axis}")
    arr_a = values("a", a)
    if axis is None:
        arr_b = values("b", b) if b is not None else None
        arr_a = arr_a.ravel()
        if arr_b is not None:
            arr_b = arr_b.ravel()
        ax = 0
    else:
        arr_b = values("b", b) if b is not None else None
        # scipy reads a scalar as one observation of one variable.
        arr_a = np.atleast_1d(arr_a)
        arr_b = np.atleast_1d(arr_b) if arr_b is not None else None
        ax = axis % 2 if arr_a.ndim == 2 or (arr_b is not None and arr_b.ndim == 2) else 0
    for name, arr in (("a", arr_a), ("b", arr_b)):
        if arr is not None and arr.ndim > 2:
            # scipy's words, then the argument and its shape
            raise ShapeError(
                f"`spearmanr` only handles 1-D or 2-D arrays; `{name}` has shape {arr.shape}"
            )
    if arr_b is None:
        if arr_a.ndim < 2:
            raise ShapeError(  # scipy's words, then the argument and its shape
                f"`spearmanr` needs at least 2 variables to compare; `a` has shape {arr_a.shape} "
                "and `b` is None"
            )
        data = arr_a if ax == 0 else arr_a.T
    else:
        cols = [
            v.reshape(-1, 1) if v.ndim == 1 else (v if ax == 0 else v.T) for v in (arr_a, arr_b)
        ]
        if cols[0].shape[0] != cols[1].shape[0]:
            raise ShapeError(
                f"`b` must have as many observations as `a` ({cols[0].shape[0]}); got "
                f"{cols[1].shape[0]}"
            )
        data = np.concatenate(cols, axis=1)
    n_obs, n_vars = data.shape
    if n_obs <= 1:
        return SignificanceResult(np.nan, np.nan)
    first_two = data[:, :2]
    if ((first_two[0] == first_two).all(axis=0)).any():
        warnings.warn(
            _corr._CONSTANT, _corr._warning_class("ConstantInputWarning", True), stacklevel=2
        )
        return SignificanceResult(np.nan, np.nan)
    has_nan = np.isnan(data).any(axis=0) if data.dtype.kind == "f" else np.zeros(n_vars, bool)
    if has_nan.any() and nan_policy == "raise":
        column = int(np.flatnonzero(has_nan)[0])
        raise InvalidValueError(
            f"The input contains nan values: variable {column} of `a`"
            f"{' and `b`' if arr_b is not None else ''} has NaN and nan_policy='raise'"
        )
    if has_nan.any() and nan_policy == "propagate" and n_vars <= 2:
        return SignificanceResult(np.nan, np.nan)
    policy: _corr.NanPolicy = "omit" if has_nan.any() and nan_policy == "omit" else "propagate"

    def pair(i: int, j: int) -> tuple[Any, Any]:
        xi = np.ascontiguousarray(data[:, i])
        xj = np.ascontiguousarray(data[:, j])
        if policy == "omit":
            # scipy hands NaN with nan_policy="omit" to `mstats.spearmanr`, which drops the
            # rows where either variable is NaN, answers NaN when no non-zero value is left
            # (an all-NaN variable included) and refuses fewer than two observations.
            kept = ~(np.isnan(xi) | np.isnan(xj))
            if not (np.any(xi[kept]) or np.any(xj[kept])):
                return np.nan, np.nan
            if int(kept.sum()) < 2:
                raise InvalidValueError(
                    f"The input must have at least 3 entries! (variables {i} and {j} have "
                    f"{int(kept.sum())} observation(s) without NaN)"
                )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = _corr._spearman(xi, xj, cast(_corr.Alternative, alternative), policy, None, None)
        return r.statistic, r.pvalue

    if n_vars == 2:
        rho, p = pair(0, 1)
        return SignificanceResult(_scalar(rho), _scalar(p))
    rs = np.ones((n_vars, n_vars))
    ps = np.zeros((n_vars, n_vars))
    for i in range(n_vars - 1):
        for j in range(i + 1, n_vars):
            rs[i, j], ps[i, j] = pair(i, j)
            rs[j, i], ps[j, i] = rs[i, j], ps[i, j]
    if policy == "propagate":
        # scipy's matrix comes from `numpy.corrcoef` of the ranks: a constant variable
        # correlates with nothing, itself included (0 / 0), and the test of rho = 1 with
        # n - 2 = 0 degrees of freedom divides 0 by 0.
        constant = (data == data[0]).all(axis=0)
        rs[constant, constant] = np.nan
        ps[constant, constant] = np.nan
        if n_obs == 2:
            np.fill_diagonal(ps, np.nan)
    if policy == "propagate" and has_nan.any():
        rs[has_nan, :] = np.nan
        rs[:, has_nan] = np.nan
        ps[has_nan, :] = np.nan
        ps[:, has_nan] = np.nan
    return SignificanceResult(rs, ps)
