"""Rank correlation and list similarity: one pair of rankings, or one pair per row.

* :func:`kendall_tau`: Kendall's tau-a, tau-b, tau-c with scipy's exact and asymptotic
  p-values, in O(n log n);
* :func:`spearman`: Spearman's rho with mid-ranks for ties, and its t-test p-value;
* :func:`weighted_tau`: Vigna's weighted tau (scipy's ``weightedtau``);
* :func:`ap_correlation`: Yilmaz et al.'s AP correlation, with Urbano & Marrero's tie
  treatments;
* :func:`rbo`: rank-biased overlap for lists of different lengths and with ties;
* :func:`correlate_systems`: do two evaluations rank the same systems alike?

The pairwise statistics take two arrays and, like scipy, flatten them by default
(``axis=None``). ``axis=1`` (or any axis) gives one value per row, and ``offsets`` cuts 1-D
arrays into ragged rows (row ``q`` is ``x[offsets[q]:offsets[q + 1]]``); rows run in
parallel in Rust with the GIL released, so 10,000 short rankings cost about as much as one
long one. Values may be any real dtype; only their order matters.

NaN follows scipy's ``nan_policy``: ``"propagate"`` (the row's result is NaN; weighted tau
instead treats NaN as the smallest value, as scipy does), ``"raise"`` or ``"omit"`` (pairs
with a NaN on either side are left out). Results that are undefined (fewer than two
observations, a constant input) are NaN, with scipy's warnings
(:class:`~rankwise.errors.SmallSampleWarning`, :class:`~rankwise.errors.ConstantInputWarning`).

Agreement with scipy (checked by the test suite with hypothesis): p-values of
:func:`kendall_tau` and every value of :func:`weighted_tau` are bit-identical to scipy 1.17;
tau itself is correctly rounded from exact integer counts (scipy's own rounding is available as
:func:`rankwise.compat.scipy.kendalltau`), so ``kendall_tau(x, x)`` is exactly 1 where scipy
can print ``0.9999999999999998``; :func:`spearman` is computed from exact integer sums and
agrees with scipy to a few ulps, its p-value to about 1e-12 (relative).
"""

from __future__ import annotations

import importlib
import math
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from . import _native
from ._validation import PairBatch, flag, pair_batch, probability, real_array
from .errors import (
    ConstantInputWarning,
    InvalidValueError,
    RankwiseTypeError,
    ShapeError,
    SmallSampleWarning,
)

__all__ = [
    "RBO",
    "CorrelationResult",
    "SystemCorrelation",
    "ap_correlation",
    "correlate_systems",
    "kendall_tau",
    "rbo",
    "spearman",
    "weighted_tau",
]

Array = npt.ArrayLike
NanPolicy = Literal["propagate", "raise", "omit"]
Alternative = Literal["two-sided", "less", "greater"]
Counts = tuple[int, int, int, int]


class CorrelationResult(tuple[Any, Any]):
    """A statistic and its p-value (floats, or arrays for several rows).

    Unpacks like a tuple, ``tau, p = kendall_tau(x, y)``, as scipy's ``SignificanceResult``;
    ``correlation`` is an alias of ``statistic``.
    """

    __slots__ = ()

    def __new__(cls, statistic: Any, pvalue: Any) -> CorrelationResult:
        return super().__new__(cls, (statistic, pvalue))

    @property
    def statistic(self) -> Any:
        """The correlation."""
        return self[0]

    @property
    def pvalue(self) -> Any:
        """The p-value of the test that the correlation is zero."""
        return self[1]

    @property
    def correlation(self) -> Any:
        """Alias of :attr:`statistic`."""
        return self[0]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(statistic={self[0]!r}, pvalue={self[1]!r})"


# ----------------------------------------------------------------------------------------------
# Shared plumbing
# ----------------------------------------------------------------------------------------------
_SMALL = (
    "One or more sample arguments is too small; all returned values will be NaN. "
    "See documentation for sample size requirements."
)
_SMALL_ROWS = (
    "One or more axis-slices of one or more sample arguments is too small; corresponding "
    "elements of returned arrays will be NaN. See documentation for sample size requirements."
)
_CONSTANT = "An input array is constant; the correlation coefficient is not defined."


def _warning_class(name: str, scipy_classes: bool) -> type[Warning]:
    if scipy_classes:
        # scipy.stats exports ConstantInputWarning; SmallSampleWarning lives in a private
        # module (scipy 1.17). If either moves, rankwise's class of the same name is used.
        for module in ("scipy.stats", "scipy.stats._axis_nan_policy"):
            try:
                cls: type[Warning] = getattr(importlib.import_module(module), name)
                return cls
            except (ImportError, AttributeError):
                continue
    found: type[Warning] = {
        "SmallSampleWarning": SmallSampleWarning,
        "ConstantInputWarning": ConstantInputWarning,
    }[name]
    return found


def _warn_small(
    counts: Counts, batch: PairBatch, *, scipy_classes: bool = False, stacklevel: int = 3
) -> None:
    too_small, after_omit = counts[0], counts[1]
    if too_small == 0:
        return
    message = _SMALL if batch.out_shape is None else _SMALL_ROWS
    if after_omit:
        message = "After omitting NaNs, " + message[0].lower() + message[1:]
    warnings.warn(
        message, _warning_class("SmallSampleWarning", scipy_classes), stacklevel=stacklevel
    )


def _warn_constant(counts: Counts, *, scipy_classes: bool = False, stacklevel: int = 3) -> None:
    if counts[2]:
        warnings.warn(
            _CONSTANT, _warning_class("ConstantInputWarning", scipy_classes), stacklevel=stacklevel
        )


def _shape_out(values: npt.NDArray[np.float64], batch: PairBatch) -> Any:
    """A numpy scalar for one pair, else an array of the batch's output shape."""
    if batch.out_shape is None:
        return values[0]
    return values.reshape(batch.out_shape)


def _layout(batch: PairBatch) -> dict[str, Any]:
    return {"offsets": batch.offsets, "shape": batch.shape}


# ----------------------------------------------------------------------------------------------
# Kendall
# ----------------------------------------------------------------------------------------------
def kendall_tau(
    x: Array,
    y: Array,
    *,
    variant: Literal["a", "b", "c"] = "b",
    method: Literal["auto", "exact", "asymptotic"] = "auto",
    alternative: Alternative = "two-sided",
    nan_policy: NanPolicy = "propagate",
    axis: int | None = None,
    offsets: Array | None = None,
) -> CorrelationResult:
    r"""Kendall's tau and the p-value of the test of no association.

    Over the :math:`n_0 = n(n-1)/2` pairs, :math:`P` are concordant, :math:`Q` discordant;
    :math:`n_1 = \sum_k t_k(t_k-1)/2` and :math:`n_2 = \sum_k u_k(u_k-1)/2` count the pairs
    tied in ``x`` and in ``y`` (tie groups of sizes :math:`t_k`, :math:`u_k`):

    .. math::
        \tau_a = \frac{P - Q}{n_0}, \qquad
        \tau_b = \frac{P - Q}{\sqrt{(n_0 - n_1)(n_0 - n_2)}}, \qquad
        \tau_c = \frac{2 (P - Q)}{n^2 (m - 1) / m}

    with :math:`m` the smaller number of distinct values of ``x`` and ``y``. Without ties the
    three are equal. Counting is Knight's O(n log n) algorithm.

    The p-value depends only on :math:`S = P - Q` (it is the same for every variant). It is
    exact (the null distribution of inversions) when there are no ties and
    :math:`n \le 33` or :math:`\min(Q, n_0 - Q) \le 1`, else from the normal approximation
    with the tie-corrected variance of Kendall (1970); ``method`` forces either (``"exact"``
    with ties raises :class:`~rankwise.errors.InvalidValueError`). Both are computed as
    scipy 1.17 computes them and agree with ``scipy.stats.kendalltau`` bit for bit.

    tau is rounded once from the exact counts (correctly rounded: exactly :math:`\pm 1` for
    identical or reversed rankings). scipy rounds through two square roots and may be an ulp
    or two away (``0.9999999999999998`` for ``kendalltau(x, x)`` at some lengths);
    :func:`rankwise.compat.scipy.kendalltau` reproduces scipy's rounding exactly.

    Fewer than two observations give NaN with a
    :class:`~rankwise.errors.SmallSampleWarning`; a constant ``x`` or ``y`` gives NaN
    without a warning (both as scipy). For ``n = 2`` and ``method="asymptotic"`` scipy raises
    ``ZeroDivisionError``; here the variance is 1 (its last term is 0).

    Parameters
    ----------
    x, y : array_like
        The two rankings (scores; only their order matters).
    variant : {"b", "a", "c"}
        Which tau.
    method : {"auto", "exact", "asymptotic"}
        How the p-value is computed.
    alternative : {"two-sided", "less", "greater"}
        The alternative hypothesis: tau is non-zero, negative, positive.
    nan_policy : {"propagate", "raise", "omit"}
        What NaN does (see the module documentation).
    axis : int, optional
        Compute along this axis, one result per remaining index (``x`` and ``y`` broadcast
        together); ``None`` flattens both.
    offsets : array_like of int, optional
        Ragged rows of 1-D ``x`` and ``y``: row ``q`` is ``[offsets[q], offsets[q + 1])``.

    Returns
    -------
    CorrelationResult
        ``statistic`` and ``pvalue``: numpy floats for one pair, arrays for rows.

    References
    ----------
    M. G. Kendall, "The treatment of ties in ranking problems", Biometrika 33 (1945);
    W. R. Knight, "A computer method for calculating Kendall's tau with ungrouped data",
    JASA 61 (1966); M. G. Kendall, "Rank Correlation Methods", 4th ed. (1970).

    Examples
    --------
    >>> import numpy as np
    >>> from rankwise.correlation import kendall_tau
    >>> tau, p = kendall_tau([12, 2, 1, 12, 2], [1, 4, 7, 1, 0])
    >>> round(float(tau), 6), round(float(p), 6)
    (-0.471405, 0.282745)
    >>> x = np.array([[1, 2, 3, 4], [1, 2, 3, 4]])
    >>> y = np.array([[1, 2, 4, 3], [4, 3, 2, 1]])
    >>> kendall_tau(x, y, axis=1).statistic.round(4)
    array([ 0.6667, -1.    ])
    """
    return _kendall(
        x, y, variant, method, alternative, nan_policy, axis, offsets, scipy_rounding=False
    )


def _kendall(
    x: Array,
    y: Array,
    variant: Literal["a", "b", "c"],
    method: Literal["auto", "exact", "asymptotic"],
    alternative: Alternative,
    nan_policy: NanPolicy,
    axis: int | None,
    offsets: Array | None,
    *,
    scipy_rounding: bool,
    scipy_classes: bool = False,
) -> CorrelationResult:
    batch = pair_batch(x, y, axis=axis, offsets=offsets, nan_policy=nan_policy)
    stat, p, counts = _native.kendall_tau(
        batch.x,
        batch.y,
        **_layout(batch),
        variant=variant,
        method=method,
        alternative=alternative,
        nan_policy=nan_policy,
        scipy_rounding=scipy_rounding,
    )
    _warn_small(counts, batch, scipy_classes=scipy_classes, stacklevel=4)
    return CorrelationResult(_shape_out(stat, batch), _shape_out(p, batch))


# ----------------------------------------------------------------------------------------------
# Spearman
# ----------------------------------------------------------------------------------------------
def spearman(
    x: Array,
    y: Array,
    *,
    alternative: Alternative = "two-sided",
    nan_policy: NanPolicy = "propagate",
    axis: int | None = None,
    offsets: Array | None = None,
) -> CorrelationResult:
    r"""Spearman's rank correlation and the p-value of the test of no correlation.

    :math:`\rho` is Pearson's correlation of the average ranks (ties share the mean of their
    positions, scipy's ``rankdata`` default), so with ties it differs from
    :math:`1 - 6\sum d_i^2 / (n(n^2-1))`, which only holds without them. The doubled
    mid-ranks are integers, so the centred sums :math:`S_{xy} = n\sum a_i b_i - \sum a_i
    \sum b_i` (and :math:`S_{xx}`, :math:`S_{yy}`) are exact and

    .. math::
        \rho = \frac{S_{xy}}{\sqrt{S_{xx} S_{yy}}}, \qquad
        t = \rho \sqrt{\frac{n - 2}{(1 + \rho)(1 - \rho)}} \sim t_{n-2}

    gives the p-value (scipy's). :math:`\rho` is exact up to the last division and square
    root: scipy's floating-point means and BLAS product can be an ulp or two away
    (``scipy.stats.spearmanr(x, x)`` may give ``0.9999999999999999`` and a tiny p-value where
    rankwise gives exactly 1 and 0). The Student t tail is rankwise's own (regularised
    incomplete beta); it agrees with scipy's (Boost) to about 1e-12 relative.

    A constant input gives NaN with a :class:`~rankwise.errors.ConstantInputWarning`; fewer
    than two observations give NaN; two give :math:`\pm 1` and a NaN p-value (scipy's
    values).

    Parameters
    ----------
    x, y : array_like
        The two variables.
    alternative : {"two-sided", "less", "greater"}
        The alternative hypothesis.
    nan_policy : {"propagate", "raise", "omit"}
        What NaN does.
    axis : int, optional
        One result per index of the other axes (note: ``scipy.stats.spearmanr(a, axis=...)``
        means something else, a matrix over variables; see
        :func:`rankwise.compat.scipy.spearmanr`).
    offsets : array_like of int, optional
        Ragged rows of 1-D ``x`` and ``y``.

    Returns
    -------
    CorrelationResult

    References
    ----------
    C. Spearman, "The proof and measurement of association between two things", American
    Journal of Psychology 15 (1904).

    Examples
    --------
    >>> from rankwise.correlation import spearman
    >>> rho, p = spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])
    >>> round(float(rho), 6), round(float(p), 6)
    (0.820783, 0.088587)
    """
    return _spearman(x, y, alternative, nan_policy, axis, offsets)


def _spearman(
    x: Array,
    y: Array,
    alternative: Alternative,
    nan_policy: NanPolicy,
    axis: int | None,
    offsets: Array | None,
    *,
    scipy_classes: bool = False,
) -> CorrelationResult:
    batch = pair_batch(x, y, axis=axis, offsets=offsets, nan_policy=nan_policy)
    stat, p, counts = _native.spearman(
        batch.x, batch.y, **_layout(batch), alternative=alternative, nan_policy=nan_policy
    )
    _warn_constant(counts, scipy_classes=scipy_classes, stacklevel=4)
    return CorrelationResult(_shape_out(stat, batch), _shape_out(p, batch))


# ----------------------------------------------------------------------------------------------
# Weighted tau
# ----------------------------------------------------------------------------------------------
def weighted_tau(
    x: Array,
    y: Array,
    *,
    rank: bool | Array | None = True,
    weigher: Callable[[int], float] | None = None,
    additive: bool = True,
    nan_policy: NanPolicy = "propagate",
    axis: int | None = None,
    offsets: Array | None = None,
) -> Any:
    r"""Vigna's weighted tau: Kendall's tau where exchanges at important ranks weigh more.

    Each element has a rank :math:`r` (0 = most important) and weight :math:`w(r)`, by
    default hyperbolic, :math:`w(r) = 1/(r+1)`. A pair weighs :math:`w_i + w_j`
    (``additive=True``) or :math:`w_i w_j`. With :math:`T` the weight of all pairs,
    :math:`U_x, U_y` of the pairs tied in ``x``, in ``y``, :math:`J` of those tied in both and
    :math:`D` of the discordant ones:

    .. math::
        \tau_w = \frac{T - U_x - U_y + J - 2D}{\sqrt{(T - U_x)(T - U_y)}}

    ``rank=True`` averages the values obtained with the decreasing lexicographic ranks by
    ``(x, y)`` and by ``(y, x)`` (the default, symmetric); ``rank=None`` uses the one by
    ``(x, y)``; ``rank=False`` makes the element index the rank; an array gives the ranks,
    which are replaced by their dense ranks from 0 (as scipy does). ``weigher`` maps a rank to
    a weight; it is called once per rank ``0 .. n-1`` (in Python, so the hyperbolic default
    is much faster).

    Computed with scipy's O(n log n) weighted merge sort, every sum in scipy's order, so the
    value is **bit-identical** to ``scipy.stats.weightedtau``. There is no p-value (scipy's is
    always NaN). With ``nan_policy="propagate"``, NaN is the smallest value (scipy's rule);
    an all-NaN input is then constant and gives NaN (scipy gives a number there, an artefact
    of its NaN-to-rank conversion).

    Parameters
    ----------
    x, y : array_like
        The two rankings (scores, larger is more important).
    rank : bool, None or array_like
        See above; an array has the shape of ``x``.
    weigher : callable, optional
        ``weigher(r) -> float`` for ranks ``r = 0, 1, ...``.
    additive : bool
        Add (True) or multiply the weights of the two elements of a pair.
    nan_policy, axis, offsets
        As in :func:`kendall_tau`.

    Returns
    -------
    float or ndarray
        The weighted tau (numpy float for one pair).

    References
    ----------
    S. Vigna, "A weighted correlation index for rankings with ties", WWW 2015.

    Examples
    --------
    >>> from rankwise.correlation import weighted_tau
    >>> round(float(weighted_tau([12, 2, 1, 12, 2], [1, 4, 7, 1, 0])), 6)
    -0.56695
    >>> round(float(weighted_tau([12, 2, 1, 12, 2], [1, 4, 7, 1, 0], weigher=lambda r: 1)), 6)
    -0.471405
    """
    return _weighted(x, y, rank, weigher, additive, nan_policy, axis, offsets)


def _weighted(
    x: Array,
    y: Array,
    rank: bool | Array | None,
    weigher: Callable[[int], float] | None,
    additive: bool,
    nan_policy: NanPolicy,
    axis: int | None,
    offsets: Array | None,
    *,
    scipy_classes: bool = False,
) -> Any:
    given = None
    kind: Literal["average", "lexicographic", "index", "given"]
    if rank is True:
        kind = "average"
    elif rank is None:
        kind = "lexicographic"
    elif rank is False:
        kind = "index"
    else:
        kind, given = "given", rank
    batch = pair_batch(x, y, axis=axis, offsets=offsets, nan_policy=nan_policy, z=given)
    if batch.offsets is not None:
        lengths = np.diff(batch.offsets)
        longest = int(lengths.max()) if lengths.size else 0
    else:
        assert batch.shape is not None
        longest = batch.shape[1]
    table = None
    if weigher is not None:
        if not callable(weigher):
            raise RankwiseTypeError(
                f"`weigher` must be a callable rank -> weight or None; got {type(weigher).__name__}"
            )
        table = np.array([float(weigher(r)) for r in range(longest)], dtype=np.float64)
    stat, counts = _native.weighted_tau(
        batch.x,
        batch.y,
        **_layout(batch),
        rank=kind,
        rank_values=batch.z,
        weights=table,
        additive=flag("additive", additive),
        nan_policy=nan_policy,
    )
    _warn_small(counts, batch, scipy_classes=scipy_classes, stacklevel=4)
    return _shape_out(stat, batch)


# ----------------------------------------------------------------------------------------------
# AP correlation
# ----------------------------------------------------------------------------------------------
def ap_correlation(
    x: Array,
    y: Array,
    *,
    ties: Literal["a", "b"] = "a",
    nan_policy: NanPolicy = "propagate",
    axis: int | None = None,
    offsets: Array | None = None,
) -> Any:
    r"""AP correlation :math:`\tau_{AP}` of an estimated ranking against the true one.

    ``x`` holds the true scores, ``y`` the estimated ones (the names of the ``ircor``
    reference implementation). Order the items by ``y`` (higher first). For the item at
    position :math:`i \ge 2`, :math:`C(i)` counts the items above it that ``x`` also puts
    above it:

    .. math::
        \tau_{AP} = \frac{2}{n-1} \sum_{i=2}^{n} \frac{C(i)}{i-1} - 1

    Like Kendall's tau it is 1 for the same order and -1 for the reverse, but a swap near the
    top costs more than one near the bottom, and it is not symmetric.

    Ties (Urbano & Marrero 2017): ``ties="a"`` ("accuracy") allows ties in ``y`` only and
    takes the expected value over the orders of each tied group; without ties it is Yilmaz et
    al.'s :math:`\tau_{AP}`. ``ties="b"`` ("agreement") allows ties in both: the average of
    the two directions, each dividing by the number of items above an item's tie group and
    averaging over the items outside the top group (NaN, with a
    :class:`~rankwise.errors.ConstantInputWarning`, when a variable is constant).
    ``ties="a"`` with tied ``x`` raises :class:`~rankwise.errors.InvalidValueError`.
    O(n log n).

    Parameters
    ----------
    x : array_like
        The true scores (higher is better).
    y : array_like
        The estimated scores, same shape.
    ties : {"a", "b"}
        The tie treatment.
    nan_policy, axis, offsets
        As in :func:`kendall_tau`.

    Returns
    -------
    float or ndarray

    References
    ----------
    E. Yilmaz, J. A. Aslam, S. Robertson, "A new rank correlation coefficient for information
    retrieval", SIGIR 2008; J. Urbano, M. Marrero, "The treatment of ties in AP correlation",
    ICTIR 2017 (reference implementation: the ``ircor`` R package).

    Examples
    --------
    >>> from rankwise.correlation import ap_correlation
    >>> truth = [4, 3, 2, 1]
    >>> round(float(ap_correlation(truth, [3, 4, 2, 1])), 4)  # swap at the top
    0.3333
    >>> round(float(ap_correlation(truth, [4, 3, 1, 2])), 4)  # swap at the bottom
    0.7778
    >>> ap_correlation([[4, 3, 2, 1], [1, 2, 3, 4]], [[4, 3, 1, 2], [1, 2, 3, 4]], axis=1).round(4)
    array([0.7778, 1.    ])
    """
    batch = pair_batch(x, y, axis=axis, offsets=offsets, nan_policy=nan_policy)
    stat, counts = _native.ap_correlation(
        batch.x, batch.y, **_layout(batch), ties=ties, nan_policy=nan_policy
    )
    _warn_small(counts, batch)
    _warn_constant(counts)
    return _shape_out(stat, batch)


# ----------------------------------------------------------------------------------------------
# RBO
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RBO:
    """Rank-biased overlap: the extrapolated value and the bounds.

    ``min <= ext <= max`` and ``res = max - min`` (the uncertainty left by the unseen part
    of the lists).
    """

    ext: float
    min: float
    max: float
    res: float


RankingLike = Mapping[Any, float] | Sequence[Any] | npt.NDArray[Any]


def _flatten_ranking(name: str, ranking: object) -> tuple[npt.NDArray[Any], npt.NDArray[np.uint32]]:
    """Items best first and a tie-group number per item."""
    if isinstance(ranking, Mapping):
        items = np.asarray(list(ranking.keys()), dtype=object)
        raw = real_array(f"{name}'s scores", list(ranking.values()))
        if raw.dtype.kind not in "biuf" or raw.ndim != 1:
            raise RankwiseTypeError(f"`{name}` must map items to numbers; got dtype {raw.dtype}")
        scores = raw.astype(np.float64)
        if np.isnan(scores).any():
            raise InvalidValueError(f"`{name}` must map items to scores without NaN")
        order = np.argsort(-scores, kind="stable")
        s = scores[order]
        groups = np.concatenate(([0], np.cumsum(s[1:] != s[:-1]))).astype(np.uint32)
        return items[order], groups
    if isinstance(ranking, np.ndarray):
        if ranking.ndim != 1:
            raise ShapeError(f"`{name}` must be 1-D (items best first); got shape {ranking.shape}")
        return ranking, np.arange(ranking.shape[0], dtype=np.uint32)
    if isinstance(ranking, (str, bytes)) or not isinstance(ranking, Iterable):
        raise RankwiseTypeError(
            f"`{name}` must be a sequence of items best first (sets for ties) or a mapping "
            f"item -> score; got {type(ranking).__name__}"
        )
    flat: list[Any] = []
    groups_list: list[int] = []
    for g, entry in enumerate(ranking):
        if isinstance(entry, (set, frozenset, list, tuple)):
            if not entry:
                raise InvalidValueError(f"`{name}` has an empty tie group at position {g}")
            flat.extend(entry)
            groups_list.extend([g] * len(entry))
        else:
            flat.append(entry)
            groups_list.append(g)
    items = np.empty(len(flat), dtype=object)
    items[:] = flat
    return items, np.asarray(groups_list, dtype=np.uint32)


def _codes(a: npt.NDArray[Any], b: npt.NDArray[Any]) -> tuple[npt.NDArray[np.uint32], ...]:
    both = np.concatenate([np.asarray(a, dtype=object), np.asarray(b, dtype=object)])
    try:
        _, inverse = np.unique(both, return_inverse=True)
    except TypeError:  # items of kinds that do not compare: code them by equality
        table: dict[Any, int] = {}
        try:
            inverse = np.fromiter((table.setdefault(v, len(table)) for v in both), np.int64)
        except TypeError:
            raise RankwiseTypeError(
                "the items of `a` and `b` must be hashable (str, int, tuple, ...); got "
                f"{sorted({type(v).__name__ for v in both if not _hashable(v)})}"
            ) from None
    codes = np.asarray(inverse, dtype=np.uint32).reshape(-1)
    return codes[: len(a)], codes[len(a) :]


def _hashable(value: object) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _refuse_repeats(name: str, items: npt.NDArray[Any], codes: npt.NDArray[np.uint32]) -> None:
    """An item twice in one ranking is an error that names the item (not its internal code)
    and both positions."""
    if codes.shape[0] < 2:
        return
    order = np.argsort(codes, kind="stable")
    same = np.flatnonzero(codes[order][1:] == codes[order][:-1])
    if same.shape[0]:
        first, second = int(order[same[0]]), int(order[same[0] + 1])
        raise InvalidValueError(
            f"`{name}` must be a ranking with every item once; got {_short_repr(items[first])} "
            f"at positions {first} and {second} (counting tied items one by one)"
        )


def _short_repr(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def rbo(
    a: RankingLike,
    b: RankingLike,
    *,
    p: float = 0.9,
    ties: Literal["a", "b", "w"] = "a",
) -> RBO:
    r"""Rank-biased overlap of two rankings, possibly of different lengths and with ties.

    With :math:`X_d` the number of items the two top-:math:`d` prefixes share, agreement
    :math:`A_d = X_d / d` and persistence :math:`p`,

    .. math::
        \mathrm{RBO} = (1 - p) \sum_{d \ge 1} p^{d-1} A_d .

    Lists are only seen to depths :math:`s` (the shorter) and :math:`l`, so RBO is reported
    as a lower bound ``min`` (nothing more overlaps), an upper bound ``max``, the residual
    ``res = max - min`` and the extrapolation ``ext`` (the agreement seen at depth :math:`s`
    continues; Webber et al.'s eq. 32, and for equal lengths
    :math:`\frac{X_k}{k} p^k + \frac{1-p}{p} \sum_{d \le k} \frac{X_d}{d} p^d`). Without
    ties and for equal lengths ``min`` and ``res`` are Webber et al.'s eq. 11 and 30; for
    different lengths they are Corsi & Urbano's bounds, which also use the longer list's tail
    (tighter than eq. 11/30).

    Ties (Corsi & Urbano 2024): an item counts in a prefix once its tie group is inside it;
    for a group cut by the prefix, ``ties="w"`` counts its items fully (ties as equality, e.g.
    sports), ``ties="a"`` counts the fraction of the group inside (the average over the
    orders of the tied items, the default), ``ties="b"`` does the same and normalises the
    agreement for the information lost to ties.

    Parameters
    ----------
    a, b : sequence, array or mapping
        A ranking, best first: a sequence of items whose entries may be sets (or lists,
        tuples) of tied items, a 1-D array of items, or a mapping item -> score (higher
        first, equal scores tied). Items must be unique within a ranking and hashable.
    p : float
        Persistence, in (0, 1): the probability of looking at the next rank.
    ties : {"a", "b", "w"}
        The tie treatment.

    Returns
    -------
    RBO
        ``ext``, ``min``, ``max`` and ``res``.

    References
    ----------
    W. Webber, A. Moffat, J. Zobel, "A similarity measure for indefinite rankings", ACM TOIS
    28(4), 2010; M. Corsi, J. Urbano, "The treatment of ties in rank-biased overlap", SIGIR
    2024.

    Examples
    --------
    >>> from rankwise.correlation import rbo
    >>> r = rbo(["a", "b", "c", "d"], ["b", "a", "c", "e"], p=0.9)
    >>> round(r.ext, 4), round(r.min, 4), round(r.res, 4)
    (0.7177, 0.4225, 0.4592)

    ``b`` and ``c`` tied in the first ranking: the mean over their two orders (1 and 0.955):

    >>> round(rbo(["a", {"b", "c"}, "d"], ["a", "c", "b", "d"]).ext, 4)
    0.9775
    """
    p = probability("p", p)
    items_a, groups_a = _flatten_ranking("a", a)
    items_b, groups_b = _flatten_ranking("b", b)
    codes_a, codes_b = _codes(items_a, items_b)
    _refuse_repeats("a", items_a, codes_a)
    _refuse_repeats("b", items_b, codes_b)
    ext, lo, hi, res = _native.rank_biased_overlap(
        codes_a, groups_a, codes_b, groups_b, p=p, ties=ties
    )
    return RBO(ext=ext, min=lo, max=hi, res=res)


# ----------------------------------------------------------------------------------------------
# Correlating two evaluations of the same systems
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SystemCorrelation:
    """How alike two evaluations rank the same systems.

    ``systems`` are the systems both evaluations score, ``scores_a``/``scores_b`` their
    scores (aligned). ``kendall`` and ``spearman`` are :class:`CorrelationResult`;
    ``tau_ap`` takes evaluation A as the truth (:func:`ap_correlation` with ``ties="a"``, or
    the symmetric ``ties="b"`` when A gives two systems the same score).
    """

    systems: list[str]
    scores_a: npt.NDArray[np.float64]
    scores_b: npt.NDArray[np.float64]
    kendall: CorrelationResult
    spearman: CorrelationResult
    tau_ap: float


def _system_score(system: str, value: object, measure: str | None, side: str) -> float:
    """One system's score from what a report holds for it.

    Accepted: a number; ``{measure: value}`` (``rankwise.evaluate``'s summary); or
    ``{query: {measure: value}}`` (``rankwise.evaluate(..., per_query=True)``), averaged
    over queries. New report types only need a branch here.
    """
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, Mapping) and value:
        first = next(iter(value.values()))
        if isinstance(first, Mapping):  # per query
            if measure is None:
                raise InvalidValueError(
                    f"`measure` must name the measure to compare for per-query reports "
                    f"(report_{side}[{system!r}] holds {{query: {{measure: value}}}})"
                )
            try:
                per_query = [float(q[measure]) for q in value.values()]
            except KeyError:
                raise InvalidValueError(
                    f"`measure` {measure!r} is missing for some query of system {system!r} "
                    f"in report_{side}"
                ) from None
            return math.fsum(per_query) / len(per_query)
        if measure is None:
            if len(value) == 1:
                return float(first)
            raise InvalidValueError(
                f"`measure` must be one of {sorted(value)} (report_{side}[{system!r}] holds "
                f"several measures)"
            )
        if measure not in value:
            raise InvalidValueError(
                f"`measure` {measure!r} is not in report_{side}[{system!r}]; it has {sorted(value)}"
            )
        return float(value[measure])
    raise RankwiseTypeError(
        f"report_{side}[{system!r}] must be a score, {{measure: value}} or "
        f"{{query: {{measure: value}}}}; got {type(value).__name__}"
    )


def correlate_systems(
    report_a: Mapping[str, Any],
    report_b: Mapping[str, Any],
    measure: str | None = None,
    *,
    alternative: Alternative = "two-sided",
) -> SystemCorrelation:
    """Do two evaluations rank the same systems alike?

    The common IR question when comparing test collections, judgement sets, measures or an
    LLM judge against human judgements: score every system under evaluation A and under
    evaluation B, and correlate the two system rankings with Kendall's tau-b, Spearman's rho
    and AP correlation (A taken as the truth, so disagreements about the best systems weigh
    more).

    A report maps each system name to what an evaluation gave it: a score; the summary
    ``{measure: value}`` of :func:`rankwise.evaluate`; or its per-query output ``{query:
    {measure: value}}`` (``per_query=True``), whose values are averaged over the system's
    queries (an exactly rounded mean). ``measure`` picks the measure (it may be omitted when
    there is only one). Only systems in both reports are compared; at least two are needed.

    Examples
    --------
    >>> from rankwise.correlation import correlate_systems
    >>> a = {"bm25": 0.41, "dense": 0.47, "hybrid": 0.52, "rm3": 0.44}
    >>> b = {"bm25": {"nDCG@10": 0.30}, "dense": {"nDCG@10": 0.39},
    ...      "hybrid": {"nDCG@10": 0.41}, "rm3": {"nDCG@10": 0.36}}
    >>> r = correlate_systems(a, b, "nDCG@10")
    >>> r.systems, float(r.kendall.statistic), float(r.tau_ap)
    (['bm25', 'dense', 'hybrid', 'rm3'], 1.0, 1.0)
    """
    if not isinstance(report_a, Mapping) or not isinstance(report_b, Mapping):
        name, bad = (
            ("report_a", report_a) if not isinstance(report_a, Mapping) else ("report_b", report_b)
        )
        raise RankwiseTypeError(
            f"`{name}` must map system names to scores or evaluations; got {type(bad).__name__}"
        )
    systems = [s for s in report_a if s in report_b]
    if len(systems) < 2:
        raise InvalidValueError(
            f"`report_b` must share at least two systems with `report_a` to correlate "
            f"rankings; got {len(systems)} in common ({len(report_a)} and {len(report_b)} "
            f"systems)"
        )
    sa = np.array([_system_score(s, report_a[s], measure, "a") for s in systems])
    sb = np.array([_system_score(s, report_b[s], measure, "b") for s in systems])
    return SystemCorrelation(
        systems=list(systems),
        scores_a=sa,
        scores_b=sb,
        kendall=kendall_tau(sa, sb, alternative=alternative),
        spearman=spearman(sa, sb, alternative=alternative),
        tau_ap=float(ap_correlation(sa, sb, ties="a" if np.unique(sa).size == sa.size else "b")),
    )
