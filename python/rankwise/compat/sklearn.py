"""Drop-in replacements for ``sklearn.metrics.ndcg_score`` and ``dcg_score``.

Same signatures, same validation, same results; the per-row work (sklearn loops over rows
in Python to average tied scores) runs in Rust, in parallel, with the GIL released::

    from rankwise.compat.sklearn import ndcg_score

    ndcg_score(y_true, y_score, k=10)

Results equal sklearn's up to floating-point rounding (sklearn sums discounts through
``cumsum`` and BLAS dot products whose summation order depends on the machine; rankwise sums
in rank order, as trec_eval does): the two agree to about 1e-15 relative, which the tests pin
at 1e-12. Ties in ``y_score`` are averaged (McSherry & Najork) unless ``ignore_ties=True``, in
which case tied documents are ordered exactly as sklearn orders them (by NumPy's
``argsort``, reversed).

One deliberate difference: ``k`` must be a positive integer or None (sklearn accepts 0 and
negative values and silently produces 0 or drops the last ranks).

Examples
--------
>>> import numpy as np
>>> from rankwise.compat.sklearn import dcg_score, ndcg_score
>>> true_relevance = np.asarray([[10, 0, 0, 1, 5]])
>>> scores = np.asarray([[.1, .2, .3, 4, 70]])
>>> round(ndcg_score(true_relevance, scores), 4)
0.6957
>>> round(dcg_score(true_relevance, scores), 4)
9.4995
>>> ndcg_score(true_relevance, np.asarray([[1, 0, 0, 0, 1]]), k=1)
0.75
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from .. import _native

__all__ = ["dcg_score", "ndcg_score"]

_FORMATS = ("multilabel-indicator", "continuous-multioutput", "multiclass-multioutput")


def _as_2d(name: str, value: Any) -> npt.NDArray[np.float64]:
    array = np.asarray(value)
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_
    ):
        raise ValueError(f"{name} must be numeric; got dtype {array.dtype}")
    array = np.ascontiguousarray(array, dtype=np.float64)
    if array.ndim == 0 or array.size == 0:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={array.shape}) while a minimum of 1 is "
            f"required: {name} must be a non-empty 2-D array"
        )
    if not np.isfinite(array).all():
        raise ValueError(f"Input {name} contains NaN or infinity.")
    return array


def _check(
    y_true: Any, y_score: Any, sample_weight: Any
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    true = _as_2d("y_true", y_true)
    score = _as_2d("y_score", y_score)
    if true.ndim != 2 or true.shape[1] < 2:
        kind = "binary" if true.ndim == 1 or true.shape[-1] == 1 else f"{true.ndim}-D"
        raise ValueError(f"Only {_FORMATS} formats are supported. Got {kind} instead")
    if score.shape != true.shape:
        raise ValueError(
            f"y_true and y_score have different shapes: {true.shape} and {score.shape}"
        )
    if sample_weight is not None and len(np.asarray(sample_weight)) != true.shape[0]:
        raise ValueError(
            "Found input variables with inconsistent numbers of samples: "
            f"[{true.shape[0]}, {len(np.asarray(sample_weight))}]"
        )
    return true, score


def _check_k(k: Any) -> int | None:
    if k is None:
        return None
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer or None; got {k!r}")
    return int(k)


def _dcg_rows(
    true: npt.NDArray[np.float64],
    score: npt.NDArray[np.float64],
    k: int | None,
    ignore_ties: bool,
    measure: str,
) -> npt.NDArray[np.float64]:
    """Per-row DCG or nDCG (``measure`` "DCG"/"nDCG"), sklearn's tie rule."""
    if ignore_ties:
        # sklearn ranks with `np.argsort(y_score)[:, ::-1]`; apply that exact order, then let
        # the ranks (no ties left) decide.
        order = np.argsort(score)[:, ::-1]
        true = np.ascontiguousarray(np.take_along_axis(true, order, axis=1))
        score = np.broadcast_to(
            np.arange(true.shape[1], 0, -1, dtype=np.float64), true.shape
        ).copy()
    name = measure if k is None else f"{measure}@{k}"
    _, values = _native.evaluate_arrays(
        score.ravel(),
        true.ravel(),
        [name],
        shape=true.shape,
        ties="stable" if ignore_ties else "average",
    )
    row: npt.NDArray[np.float64] = values[0]
    return row


def dcg_score(
    y_true: Any,
    y_score: Any,
    *,
    k: int | None = None,
    log_base: float = 2,
    sample_weight: Any = None,
    ignore_ties: bool = False,
) -> float:
    """Discounted cumulative gain, averaged over rows (``sklearn.metrics.dcg_score``).

    ``y_true`` and ``y_score`` are ``(n_samples, n_labels)``; the gain of a document is its
    ``y_true`` value (negative values lower the score, as in sklearn) and the discount
    ``1 / log_base(rank + 1)``.
    """
    true, score = _check(y_true, y_score, sample_weight)
    k = _check_k(k)
    if not (log_base > 0 and log_base != 1):
        raise ValueError(f"log_base must be positive and not 1; got {log_base!r}")
    if (true < 0).any():
        # DCG is linear in the gains: split negative gains off (rankwise gives labels <= 0
        # no gain) and subtract their DCG under the same ranking.
        gains = _dcg_rows(np.maximum(true, 0.0), score, k, ignore_ties, "DCG") - _dcg_rows(
            np.maximum(-true, 0.0), score, k, ignore_ties, "DCG"
        )
    else:
        gains = _dcg_rows(true, score, k, ignore_ties, "DCG")
    if log_base != 2:
        gains = gains * math.log2(log_base)
    return _average(gains, sample_weight)


def _average(gains: Any, sample_weight: Any) -> float:
    """The weighted mean over rows; weights summing to zero are a ``ValueError`` naming
    ``sample_weight`` (numpy's ``np.average``, which sklearn calls, raises ZeroDivisionError)."""
    try:
        return float(np.average(gains, weights=sample_weight))
    except ZeroDivisionError:
        raise ValueError(
            "`sample_weight` must not sum to zero (the weighted mean over rows is undefined)"
        ) from None


def ndcg_score(
    y_true: Any,
    y_score: Any,
    *,
    k: int | None = None,
    sample_weight: Any = None,
    ignore_ties: bool = False,
) -> float:
    """Normalised DCG, averaged over rows (``sklearn.metrics.ndcg_score``).

    The ideal ranking sorts each row's ``y_true``; rows whose ideal DCG is 0 score 0.
    ``y_true`` must be non-negative.
    """
    shape = np.shape(y_true)
    if len(shape) > 1 and shape[1] <= 1:
        raise ValueError(
            "Computing NDCG is only meaningful when there is more than 1 document. "
            f"Got {shape[1]} instead."
        )
    true, score = _check(y_true, y_score, sample_weight)
    if true.min() < 0:
        raise ValueError("ndcg_score should not be used on negative y_true values.")
    k = _check_k(k)
    gains = _dcg_rows(true, score, k, ignore_ties, "nDCG")
    return _average(gains, sample_weight)
