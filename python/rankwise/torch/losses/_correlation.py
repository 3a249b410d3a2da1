"""Differentiable correlation: SoftSort / NeuralSort ranks, Spearman, Pearson."""

from __future__ import annotations

import math
from typing import Literal

import torch
from torch import Tensor

from rankwise.errors import InvalidValueError

from ._approx import neural_sort
from ._common import (
    Reduction,
    _clean,
    _compact,
    _float_tensor,
    _Loss,
    _mask,
    _prepare,
    _real_pairs,
    _reduce,
    _sort_inputs,
    _zero_padded,
)


def soft_sort(scores: Tensor, mask: Tensor | None = None, *, temperature: float = 1.0) -> Tensor:
    r"""SoftSort relaxation (Prillo & Eisenschlos, ICML 2020) of the descending sort.

    ``P[r, j] = softmax_j(-|sort_desc(s)_r - s_j| / temperature)`` over real entries; padded
    entries must come last (rows and columns of padding are 0).

    >>> import torch
    >>> soft_sort(torch.tensor([[0.0, 3.0, 1.0]]), temperature=0.01).argmax(-1)
    tensor([[1, 2, 0]])
    """
    s, m = _sort_inputs(scores, mask, temperature)
    sc = _clean(s, m)
    sorted_s = torch.sort(sc, dim=-1, descending=True).values
    logits = -(sorted_s[:, :, None] - sc[:, None, :]).abs() / float(temperature)
    rows, cols = m[:, :, None], m[:, None, :]
    logits = torch.where(rows & cols, logits, -math.inf)
    logits = torch.where(rows, logits, 0.0)  # padded rows: finite, then zeroed
    p = torch.softmax(logits, dim=-1)
    return torch.where(rows & cols, p, 0.0)


def soft_rank(
    scores: Tensor,
    mask: Tensor | None = None,
    *,
    method: Literal["softsort", "neuralsort"] = "softsort",
    temperature: float = 1.0,
) -> Tensor:
    r"""Differentiable ranks (1 = highest score): ``rank_j = sum_r r * P[r, j]``.

    ``P`` from :func:`soft_sort` or :func:`neural_sort` (padding must come last; padded
    entries get 0). As ``temperature -> 0`` these are the exact ranks of distinct scores.

    >>> import torch
    >>> soft_rank(torch.tensor([[0.0, 3.0, 1.0]]), temperature=0.01).round().tolist()
    [[3.0, 1.0, 2.0]]
    """
    s = _float_tensor("scores", scores, ndim=2)
    m = _mask(mask, s)
    if not isinstance(method, str) or method not in ("softsort", "neuralsort"):
        raise InvalidValueError(
            f"`method` must be 'softsort' or 'neuralsort'; got {method!r}"[:300]
        )
    if method == "softsort":
        p = soft_sort(s, m, temperature=temperature)
    elif method == "neuralsort":
        p = torch.where(_real_pairs(m), neural_sort(s, m, temperature=temperature), 0.0)
    else:
        raise InvalidValueError(f"`method` must be 'softsort' or 'neuralsort'; got {method!r}")
    r = torch.arange(1, s.shape[-1] + 1, dtype=s.dtype, device=s.device)
    return torch.einsum("brj,r->bj", p, r)


def _masked_pearson(x: Tensor, y: Tensor, m: Tensor) -> Tensor:
    n = m.sum(dim=-1, keepdim=True).clamp(min=1).to(x.dtype)
    xc = _zero_padded(x - _zero_padded(x, m).sum(-1, keepdim=True) / n, m)
    yc = _zero_padded(y - _zero_padded(y, m).sum(-1, keepdim=True) / n, m)
    cov = (xc * yc).sum(-1)
    var = (xc * xc).sum(-1) * (yc * yc).sum(-1)
    ok = var > 0
    return torch.where(ok, cov / torch.sqrt(torch.where(ok, var, 1.0)), 0.0)


def _average_ranks(labels: Tensor, mask: Tensor) -> Tensor:
    """Ranks of labels among real entries, 1 = highest, ties averaged (scipy's 'average')."""
    y = labels[:, :, None]
    both = _real_pairs(mask)
    higher = (both & (labels[:, None, :] > y)).sum(-1).to(labels.dtype)
    equal = (both & (labels[:, None, :] == y)).sum(-1).to(labels.dtype)
    return _zero_padded(higher + (equal + 1.0) / 2.0, mask)


def spearman_loss(
    scores: Tensor,
    labels: Tensor,
    mask: Tensor | None = None,
    *,
    method: Literal["softsort", "neuralsort"] = "softsort",
    temperature: float = 1.0,
    reduction: Reduction = "mean",
) -> Tensor:
    r"""Order-aware correlation loss: ``1 - Pearson(soft_rank(s), rank(y))`` per list.

    A differentiable Spearman correlation (as CoDiEmb uses for STS): the scores' ranks are
    :func:`soft_rank` (SoftSort or NeuralSort at ``temperature``), the labels' ranks exact with
    ties averaged. As ``temperature -> 0`` the loss is ``1 - spearman_rho`` (scipy). A list with
    fewer than 2 real entries or constant ranks has correlation 0 (loss 1) and is left out of
    ``"mean"``.

    >>> import torch
    >>> s = torch.tensor([[0.1, 0.9, 0.4]])
    >>> round(spearman_loss(s, torch.tensor([[0, 2, 1]]), temperature=1e-3).item(), 4)
    0.0
    """
    s, y, m = _prepare(scores, labels, mask, reduction=reduction)
    m, s, y = _compact(m, s, y)
    r_s = soft_rank(s, m, method=method, temperature=temperature)
    r_y = _average_ranks(y, m)
    per_list = 1.0 - _masked_pearson(r_s, r_y, m)
    return _reduce(per_list, reduction, m.sum(dim=-1) >= 2)


class SpearmanLoss(_Loss):
    """Module form of :func:`spearman_loss`; keyword options as there."""

    fn = staticmethod(spearman_loss)


def pearson_loss(
    scores: Tensor,
    labels: Tensor,
    mask: Tensor | None = None,
    *,
    reduction: Reduction = "mean",
) -> Tensor:
    r"""``1 - Pearson(s, y)`` per list over real entries (the companion of :func:`spearman_loss`).

    A list with fewer than 2 real entries or a constant side has correlation 0 (loss 1) and is
    left out of ``"mean"``.

    >>> import torch
    >>> s, y = torch.tensor([[1.0, 2.0, 3.0]]), torch.tensor([[2.0, 4.0, 6.0]])
    >>> round(pearson_loss(s, y).item(), 4)
    0.0
    """
    s, y, m = _prepare(scores, labels, mask, reduction=reduction)
    per_list = 1.0 - _masked_pearson(_zero_padded(s, m), y, m)
    return _reduce(per_list, reduction, m.sum(dim=-1) >= 2)


class PearsonLoss(_Loss):
    """Module form of :func:`pearson_loss`; keyword options as there."""

    fn = staticmethod(pearson_loss)
