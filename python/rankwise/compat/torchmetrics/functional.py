"""``torchmetrics.functional`` retrieval measures, computed by rankwise.

Same signatures, validation and results as torchmetrics 1.x: one query per call (inputs of
any shape are flattened, as torchmetrics does), a 0-d float32 tensor back, on the device of
``preds``. Tensors on a GPU are copied to the host for the computation (a few bytes per
document; nothing of the caller's is modified or kept), and gradients are not tracked.

torchmetrics' own rules are kept, including the surprising ones: average precision,
reciprocal rank, precision and recall treat documents with ``preds <= 0`` as non-relevant;
average precision divides by the relevant documents *retrieved* in the top ``k``; recall by
all relevant documents; precision by ``top_k`` even past the end of the list.

Where results can differ from torchmetrics:

* values are computed in float64 and rounded to float32 once, where torchmetrics rounds each
  float32 operation: the two agree to a few float32 ulps (the tests allow 1e-6);
* documents with equal ``preds`` keep their input order (earlier first); torchmetrics leaves
  the order of ties to ``torch.topk``/``torch.argsort``, which is unspecified, so only
  ``retrieval_normalized_dcg`` (which averages over ties) is compared on tied inputs.

Examples
--------
>>> import torch
>>> from rankwise.compat.torchmetrics.functional import retrieval_normalized_dcg
>>> preds = torch.tensor([0.1, 0.2, 0.3, 4.0, 70.0])
>>> target = torch.tensor([10, 0, 0, 1, 5])
>>> retrieval_normalized_dcg(preds, target)
tensor(0.6957)
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import torch
from torch import Tensor

from ... import _native

__all__ = [
    "retrieval_average_precision",
    "retrieval_hit_rate",
    "retrieval_normalized_dcg",
    "retrieval_precision",
    "retrieval_recall",
    "retrieval_reciprocal_rank",
]


def _inputs(
    preds: Tensor, target: Tensor, allow_non_binary_target: bool = False
) -> tuple[npt.NDArray[np.float32], npt.NDArray[Any]]:
    """torchmetrics' `_check_retrieval_functional_inputs`, then host NumPy views."""
    if not isinstance(preds, Tensor) or not isinstance(target, Tensor):
        raise TypeError(
            f"`preds` and `target` must be torch tensors; got {type(preds).__name__} and "
            f"{type(target).__name__}"
        )
    if preds.shape != target.shape:
        raise ValueError("`preds` and `target` must be of the same shape")
    if not preds.numel() or not preds.size():
        raise ValueError("`preds` and `target` must be non-empty and non-scalar tensors")
    if target.dtype not in (torch.bool, torch.long, torch.int) and not torch.is_floating_point(
        target
    ):
        raise ValueError("`target` must be a tensor of booleans, integers or floats")
    if not preds.is_floating_point():
        raise ValueError("`preds` must be a tensor of floats")
    target = target.detach()
    if not allow_non_binary_target and (target.max() > 1 or target.min() < 0):
        raise ValueError("`target` must contain `binary` values")
    target = target.float() if target.is_floating_point() else target.long()
    # contiguous: flatten() of a strided 1-D tensor (torch.ones(3)[::2]) is the same view
    scores = preds.detach().flatten().to(device="cpu", dtype=torch.float32).contiguous().numpy()
    labels = target.flatten().cpu().numpy()
    if np.isnan(scores).any():
        raise ValueError("`preds` contains NaN")
    if np.isinf(scores).any():
        # rankwise ranks finite scores only (a deliberate difference: torchmetrics sorts them)
        raise ValueError("`preds` contains infinite values")
    if labels.dtype.kind == "f" and not np.isfinite(labels).all():
        raise ValueError("`target` must hold finite values")
    return scores, labels


def _top_k(top_k: Any, n: int, zero_is_all: bool = False, clamp: bool = True) -> int:
    """torchmetrics' `top_k` check. Except for precision (which divides by `top_k`), a cutoff
    past the list is the whole list, which keeps the measure name within 64 bits; AP and RR
    take 0 as "all" (torchmetrics' `top_k or n`)."""
    if top_k is None or (zero_is_all and type(top_k) is int and top_k == 0):
        return n
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k <= 0:
        raise ValueError("`top_k` has to be a positive integer or None")
    return min(top_k, max(n, 1)) if clamp else top_k


def _measures(
    scores: npt.NDArray[np.float32],
    labels: npt.NDArray[Any],
    names: list[str],
    ties: Literal["stable", "average"],
) -> list[float]:
    _, values = _native.evaluate_arrays(
        scores, np.ascontiguousarray(labels), names, shape=(1, scores.shape[0]), ties=ties
    )
    out: list[float] = values[:, 0].tolist()
    return out


def _result(value: float, preds: Tensor) -> Tensor:
    return torch.tensor(value, dtype=torch.float32, device=preds.device)


def _positive_preds_only(
    scores: npt.NDArray[np.float32], labels: npt.NDArray[Any]
) -> npt.NDArray[Any]:
    """torchmetrics counts a document with ``preds <= 0`` as non-relevant."""
    return np.where(scores > 0, labels, 0)


def _relevant_in_top(scores: npt.NDArray[np.float32], labels: npt.NDArray[Any], k: int) -> float:
    """Relevant documents with ``preds > 0`` in the top ``k`` (a cutoff past the list is the
    whole list)."""
    cut = min(k, max(scores.shape[0], 1))
    return _measures(scores, _positive_preds_only(scores, labels), [f"NumRelRet@{cut}"], "stable")[
        0
    ]


def retrieval_normalized_dcg(preds: Tensor, target: Tensor, top_k: int | None = None) -> Tensor:
    """nDCG@k of one query with linear gains and tie-averaged DCG (McSherry & Najork).

    >>> import torch
    >>> preds, target = torch.tensor([1.0, 1.0, 0.5]), torch.tensor([0, 1, 1])
    >>> retrieval_normalized_dcg(preds, target, top_k=1)
    tensor(0.5000)
    """
    scores, labels = _inputs(preds, target, allow_non_binary_target=True)
    k = _top_k(top_k, scores.shape[0])
    gains = labels.astype(np.float64)
    if (gains < 0).any():
        # Negative targets lower both the DCG and the ideal (torchmetrics sorts all targets);
        # rankwise gives labels <= 0 no gain, so split the DCG by sign (it is linear in gains).
        positive, negative = np.maximum(gains, 0.0), np.maximum(-gains, 0.0)
        dcg = (
            _measures(scores, positive, [f"DCG@{k}"], "average")[0]
            - _measures(scores, negative, [f"DCG@{k}"], "average")[0]
        )
        ideal_order = np.sort(gains)[::-1][:k]
        ideal = float(np.sum(ideal_order / np.log2(np.arange(ideal_order.shape[0]) + 2.0)))
        value = 0.0 if ideal == 0 else dcg / ideal
    else:
        value = _measures(scores, gains, [f"nDCG@{k}"], "average")[0]
    return _result(value, preds)


def retrieval_average_precision(preds: Tensor, target: Tensor, top_k: int | None = None) -> Tensor:
    """Mean precision at the relevant documents of the top ``k`` (``preds > 0`` only).

    >>> import torch
    >>> preds, target = torch.tensor([0.2, 0.3, 0.5]), torch.tensor([True, False, True])
    >>> retrieval_average_precision(preds, target)
    tensor(0.8333)
    """
    scores, labels = _inputs(preds, target)
    k = _top_k(top_k, scores.shape[0], zero_is_all=True)
    labels = _positive_preds_only(scores, labels)
    ap, found = _measures(scores, labels, [f"AP@{k}", f"NumRelRet@{k}"], "stable")
    if found == 0:
        return _result(0.0, preds)
    # rankwise's AP@k divides by all relevant documents; torchmetrics by those retrieved.
    total = float(np.count_nonzero(labels > 0))
    return _result(ap * total / found, preds)


def retrieval_reciprocal_rank(preds: Tensor, target: Tensor, top_k: int | None = None) -> Tensor:
    """1 / rank of the first relevant document in the top ``k`` (``preds > 0`` only).

    >>> import torch
    >>> preds, target = torch.tensor([0.2, 0.3, 0.5]), torch.tensor([False, True, False])
    >>> retrieval_reciprocal_rank(preds, target)
    tensor(0.5000)
    """
    scores, labels = _inputs(preds, target)
    k = _top_k(top_k, scores.shape[0], zero_is_all=True)
    labels = _positive_preds_only(scores, labels)
    return _result(_measures(scores, labels, [f"RR@{k}"], "stable")[0], preds)


def retrieval_precision(
    preds: Tensor, target: Tensor, top_k: int | None = None, adaptive_k: bool = False
) -> Tensor:
    """Relevant documents (``preds > 0``) in the top ``k``, divided by ``k``.

    >>> import torch
    >>> preds, target = torch.tensor([0.2, 0.3, 0.5]), torch.tensor([True, False, True])
    >>> retrieval_precision(preds, target, top_k=2)
    tensor(0.5000)
    """
    scores, labels = _inputs(preds, target)
    if not isinstance(adaptive_k, bool):
        raise ValueError("`adaptive_k` has to be a boolean")
    n = scores.shape[0]
    if top_k is None or (adaptive_k and isinstance(top_k, int) and top_k > n):
        top_k = n
    k = _top_k(top_k, n, clamp=False)
    if not labels.sum():
        return _result(0.0, preds)
    return _result(_relevant_in_top(scores, labels, k) / k, preds)


def retrieval_recall(preds: Tensor, target: Tensor, top_k: int | None = None) -> Tensor:
    """Relevant documents (``preds > 0``) in the top ``k`` over all relevant documents.

    >>> import torch
    >>> preds, target = torch.tensor([0.2, 0.3, 0.5]), torch.tensor([True, False, True])
    >>> retrieval_recall(preds, target, top_k=2)
    tensor(0.5000)
    """
    scores, labels = _inputs(preds, target)
    k = _top_k(top_k, scores.shape[0])
    total = float(labels.sum())
    if not total:
        return _result(0.0, preds)
    return _result(_relevant_in_top(scores, labels, k) / total, preds)


def retrieval_hit_rate(preds: Tensor, target: Tensor, top_k: int | None = None) -> Tensor:
    """1 if a relevant document is in the top ``k`` (whatever its score), else 0.

    >>> import torch
    >>> preds, target = torch.tensor([0.2, 0.3, 0.5]), torch.tensor([True, False, False])
    >>> retrieval_hit_rate(preds, target, top_k=2)
    tensor(0.)
    """
    scores, labels = _inputs(preds, target)
    k = _top_k(top_k, scores.shape[0])
    return _result(_measures(scores, labels, [f"Success@{k}"], "stable")[0], preds)
