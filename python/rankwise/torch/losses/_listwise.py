"""Listwise losses: ListNet, ListMLE, position-aware ListMLE, RankList."""

from __future__ import annotations

import math
from typing import Literal

import torch
from torch import Tensor

from rankwise.errors import InvalidValueError, ShapeError

from ._common import (
    Reduction,
    _check_nonnegative_labels,
    _check_positive,
    _clean,
    _label_pairs,
    _Loss,
    _plackett_luce_terms,
    _prepare,
    _reduce,
    _sort_desc,
    _target_ranks,
    _zero_padded,
)


def listnet_loss(
    scores: Tensor,
    labels: Tensor,
    mask: Tensor | None = None,
    *,
    target: Literal["softmax", "normalize"] = "softmax",
    reduction: Reduction = "mean",
) -> Tensor:
    r"""ListNet (Cao et al., ICML 2007): cross-entropy of top-one probabilities.

    .. math:: L = -\sum_j P_y(j) \log \mathrm{softmax}(s)_j

    over the real entries of each list, with ``P_y = softmax(y)`` (``target="softmax"``;
    allRank, sentence-transformers) or ``P_y = y / sum(y)`` (``"normalize"``; TF-Ranking's
    ``SoftmaxLoss``, labels must be >= 0). The log-softmax is exact (allRank adds 1e-10 inside
    the log). ``"mean"`` averages over lists with at least one real entry; with
    ``"normalize"``, over lists with ``sum(y) > 0`` (the others give 0; TF-Ranking weighs them
    0).

    Examples
    --------
    >>> import torch
    >>> s = torch.tensor([[3.0, 1.0, 0.0]])
    >>> round(listnet_loss(s, torch.tensor([[1.0, 0.0, 0.0]])).item(), 4)
    1.2296
    >>> round(listnet_loss(s + 100.0, torch.tensor([[1.0, 0.0, 0.0]])).item(), 4)  # shift
    1.2296
    """
    s, y, m = _prepare(scores, labels, mask, reduction=reduction)
    log_p = torch.log_softmax(_clean(s, m), dim=-1)
    if not isinstance(target, str):
        raise InvalidValueError(f"`target` must be 'softmax' or 'normalize'; got {target!r}"[:300])
    if target == "softmax":
        t = torch.softmax(_clean(y, m), dim=-1)
        counted = m.any(dim=-1)
    elif target == "normalize":
        _check_nonnegative_labels(y, m, "listnet_loss(target='normalize')")
        total = y.sum(dim=-1, keepdim=True)
        t = y / torch.where(total > 0, total, 1.0)
        counted = total.squeeze(-1) > 0
    else:
        raise InvalidValueError(f"`target` must be 'softmax' or 'normalize'; got {target!r}")
    per_list = -_zero_padded(t * log_p, m).sum(dim=-1)
    return _reduce(per_list, reduction, counted)


class ListNetLoss(_Loss):
    """Module form of :func:`listnet_loss`; keyword options as there."""

    fn = staticmethod(listnet_loss)


def _label_order(
    labels: Tensor, mask: Tensor, ties: str, generator: torch.Generator | None
) -> Tensor:
    """Order of entries by label descending, padding last; ties by position or at random."""
    if not isinstance(ties, str) or ties not in ("position", "random"):
        raise InvalidValueError(f"`ties` must be 'position' or 'random'; got {ties!r}"[:300])
    if ties == "position":
        return _sort_desc(labels, mask)
    n = labels.shape[-1]
    perm = torch.randperm(n, generator=generator).to(labels.device)
    inner = _sort_desc(labels[:, perm], mask[:, perm])
    return perm[inner]


def listmle_loss(
    scores: Tensor,
    labels: Tensor,
    mask: Tensor | None = None,
    *,
    ties: Literal["position", "random"] = "position",
    generator: torch.Generator | None = None,
    reduction: Reduction = "mean",
) -> Tensor:
    r"""ListMLE (Xia et al., ICML 2008): Plackett–Luce negative log-likelihood of the label order.

    .. math:: L = \sum_{i=1}^{n} \Big[\log \sum_{k \ge i} e^{s_{\pi(k)}} - s_{\pi(i)}\Big]

    with ``pi`` the real entries sorted by label, descending. Equal labels are ordered by input
    position (``ties="position"``, deterministic) or by a random permutation drawn from
    ``generator`` (``ties="random"``; allRank shuffles with the global RNG). A reverse
    cumulative log-sum-exp keeps it exact for any score range (allRank adds 1e-10 inside the
    log). ``"mean"`` averages the per-list sums over lists with a real entry (allRank: over all
    lists).

    Examples
    --------
    >>> import torch
    >>> s = torch.tensor([[2.0, 0.0, 1.0]])
    >>> y = torch.tensor([[2, 0, 1]])
    >>> round(listmle_loss(s, y).item(), 4), round(listmle_loss(s - 7.0, y).item(), 4)
    (0.7209, 0.7209)
    """
    s, y, m = _prepare(scores, labels, mask, reduction=reduction)
    order = _label_order(y, m, ties, generator)
    terms = _plackett_luce_terms(torch.gather(s, -1, order), torch.gather(m, -1, order))
    return _reduce(terms.sum(dim=-1), reduction, m.any(dim=-1))


class ListMLELoss(_Loss):
    """Module form of :func:`listmle_loss`; keyword options as there."""

    fn = staticmethod(listmle_loss)


def _exponential_position_weights(m_sorted: Tensor, dtype: torch.dtype) -> Tensor:
    """``(2^(n-i) - 1) / sum_j (2^(n-j) - 1)`` at position i of a list of n real entries.

    Computed as ``(2^-i - 2^-n) / (1 - (n + 1) 2^-n)``, finite for any n.
    """
    n = m_sorted.sum(dim=-1, keepdim=True).to(dtype)
    i = torch.arange(1, m_sorted.shape[-1] + 1, dtype=dtype, device=m_sorted.device)
    num = torch.pow(2.0, -i)[None, :] - torch.pow(2.0, -n)
    den = 1.0 - (n + 1.0) * torch.pow(2.0, -n)
    w = num / torch.where(den > 0, den, 1.0)
    return torch.where(m_sorted & (den > 0), w, 0.0)


def position_aware_listmle_loss(
    scores: Tensor,
    labels: Tensor,
    mask: Tensor | None = None,
    *,
    weights: Literal["exponential"] | Tensor = "exponential",
    ties: Literal["position", "random"] = "position",
    generator: torch.Generator | None = None,
    reduction: Reduction = "mean",
) -> Tensor:
    r"""Position-aware ListMLE (Lan et al., UAI 2014): ListMLE with a weight per position.

    .. math:: L = \sum_{i=1}^{n} \alpha_i \Big[\log \sum_{k \ge i} e^{s_{\pi(k)}} - s_{\pi(i)}\Big]

    ``weights="exponential"``: ``alpha_i = 2^{n-i} - 1`` normalised to sum 1 over the n real
    entries of the list (sentence-transformers' ``PListMLELambdaWeight`` default, which divides
    by ``sum + 1e-10``; computed here without overflow for any n). A tensor ``(L,)`` gives
    ``alpha`` by position directly (not normalised). Ties as in :func:`listmle_loss`.

    Examples
    --------
    >>> import torch
    >>> s = torch.tensor([[2.0, 0.0, 1.0]])
    >>> round(position_aware_listmle_loss(s, torch.tensor([[2, 0, 1]])).item(), 4)
    0.384
    """
    s, y, m = _prepare(scores, labels, mask, reduction=reduction)
    order = _label_order(y, m, ties, generator)
    m_sorted = torch.gather(m, -1, order)
    terms = _plackett_luce_terms(torch.gather(s, -1, order), m_sorted)
    if isinstance(weights, torch.Tensor):
        if weights.shape != (s.shape[-1],):
            raise ShapeError(
                f"`weights` must have shape ({s.shape[-1]},), one per position; "
                f"got {tuple(weights.shape)}"
            )
        alpha = weights.detach().to(dtype=s.dtype, device=s.device)[None, :]
    elif isinstance(weights, str) and weights == "exponential":
        alpha = _exponential_position_weights(m_sorted, s.dtype)
    else:
        raise InvalidValueError(
            f"`weights` must be 'exponential' or a tensor of shape (L,); got {weights!r}"
        )
    return _reduce((alpha * terms).sum(dim=-1), reduction, m.any(dim=-1))


class PositionAwareListMLELoss(_Loss):
    """Module form of :func:`position_aware_listmle_loss`; keyword options as there."""

    fn = staticmethod(position_aware_listmle_loss)


def ranklist_loss(
    scores: Tensor,
    labels: Tensor,
    mask: Tensor | None = None,
    *,
    sigma: float = 1.0,
    max_skip: int | None = None,
    reduction: Reduction = "mean",
) -> Tensor:
    r"""RankList: RankNet generalised to lists with a log-sum-exp over skip-wise comparisons.

    No reference code or paper text could be found (math-definitions.md §4.8), so the form is
    chosen here and pinned by tests. Each real entry ``i`` is compared at once with every real
    entry of **strictly lower** label that lies at most ``max_skip`` places below it in the label
    order (``d = 1`` adjacent, ``d > 1`` the "skip" comparisons; ``None``: all of them):

    .. math:: L = \sum_i \log\Big(1 + \sum_{j \in C_i} e^{-\sigma (s_i - s_j)}\Big)

    With one comparison per anchor this is RankNet's ``softplus``; with all of them, distinct
    labels and ``sigma = 1`` it equals :func:`listmle_loss` (math-definitions.md §4.4). Unlike
    ListMLE, entries with equal labels are never compared, so the loss needs no tie-breaking.
    The label order (for ``max_skip``) breaks ties by position. ``"mean"`` averages over lists
    with at least one comparison.

    Examples
    --------
    >>> import torch
    >>> s = torch.tensor([[2.0, 0.0, 1.0]])
    >>> y = torch.tensor([[2, 0, 1]])
    >>> round(ranklist_loss(s, y).item(), 4) == round(listmle_loss(s, y).item(), 4)
    True
    """
    s, y, m = _prepare(scores, labels, mask, reduction=reduction)
    _check_positive("sigma", sigma)
    if max_skip is not None and (
        isinstance(max_skip, bool) or not isinstance(max_skip, int) or not 0 < max_skip < 2**63
    ):
        raise InvalidValueError(f"`max_skip` must be None or an integer >= 1; got {max_skip!r}")
    sc = _zero_padded(s, m)
    comp = _label_pairs(y, m)
    if max_skip is not None:
        r = _target_ranks(y, m)
        gap = r[:, None, :] - r[:, :, None]  # places j lies below i
        comp = comp & (gap <= max_skip)
    z = -float(sigma) * (sc[:, :, None] - sc[:, None, :])
    z = torch.where(comp, z, -math.inf)
    zero = torch.zeros((*z.shape[:-1], 1), dtype=z.dtype, device=z.device)
    per_anchor = torch.logsumexp(torch.cat([zero, z], dim=-1), dim=-1)
    per_list = per_anchor.sum(dim=-1)
    return _reduce(per_list, reduction, comp.any(dim=(1, 2)))


class RankListLoss(_Loss):
    """Module form of :func:`ranklist_loss`; keyword options as there."""

    fn = staticmethod(ranklist_loss)
