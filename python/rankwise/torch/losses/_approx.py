"""Metric-approximating losses: ApproxNDCG, NeuralNDCG (NeuralSort + Sinkhorn)."""

from __future__ import annotations

import math
from typing import Literal

import torch
from torch import Tensor

from rankwise.errors import InvalidValueError

from ._common import (
    Reduction,
    _check_count,
    _check_flag,
    _check_k,
    _check_nonnegative_labels,
    _check_positive,
    _check_real,
    _check_samples,
    _compact,
    _discounts,
    _gains,
    _generator,
    _ideal_dcg,
    _Loss,
    _prepare,
    _ratio_or_zero,
    _real_pairs,
    _reduce,
    _sort_inputs,
    _zero_padded,
)


def approx_ndcg_loss(
    scores: Tensor,
    labels: Tensor,
    mask: Tensor | None = None,
    *,
    temperature: float = 1.0,
    reduction: Reduction = "mean",
) -> Tensor:
    r"""ApproxNDCG (Qin, Liu, Li 2010): minus NDCG with smoothly approximated ranks.

    .. math::
        \hat r_i = 1 + \sum_{j \ne i} \sigma\big((s_j - s_i)/T\big), \qquad
        L = -\frac{1}{\mathrm{maxDCG}} \sum_i \frac{2^{y_i} - 1}{\log_2(1 + \hat r_i)}

    over real entries (allRank's ``approxNDCGLoss`` with ``alpha = 1/T``; TF-Ranking's default
    is ``T = 0.1``). No truncation. Lists without a relevant entry (``maxDCG = 0``) give 0 and
    are left out of ``"mean"`` (TF-Ranking; allRank counts them as 0 in its mean). allRank
    clamps each sigmoid at 1e-10; here it is exact.

    Examples
    --------
    >>> import torch
    >>> y = torch.tensor([[2.0, 1.0, 0.0]])
    >>> round(approx_ndcg_loss(torch.tensor([[30.0, 20.0, 10.0]]), y).item(), 4)
    -1.0
    """
    s, y, m = _prepare(scores, labels, mask, reduction=reduction)
    _check_positive("temperature", temperature)
    _check_nonnegative_labels(y, m, "approx_ndcg_loss")
    sc = _zero_padded(s, m)
    n = s.shape[-1]
    others = m[:, None, :] & ~torch.eye(n, dtype=torch.bool, device=s.device)[None]
    sig = torch.sigmoid((sc[:, None, :] - sc[:, :, None]) / float(temperature))
    approx_rank = 1.0 + torch.where(others, sig, 0.0).sum(dim=-1)
    gains = _zero_padded(_gains(y, "exp2"), m)
    max_dcg = _ideal_dcg(gains, m, None)
    dcg = (gains / torch.log2(1.0 + approx_rank)).sum(dim=-1)
    return _reduce(_ratio_or_zero(-dcg, max_dcg), reduction, max_dcg > 0)


class ApproxNDCGLoss(_Loss):
    """Module form of :func:`approx_ndcg_loss`; keyword options as there."""

    fn = staticmethod(approx_ndcg_loss)


def neural_sort(scores: Tensor, mask: Tensor | None = None, *, temperature: float = 1.0) -> Tensor:
    r"""NeuralSort relaxation (Grover et al., ICLR 2019) of the descending sort.

    Returns ``P`` of shape ``(B, L, L)``; row ``r`` is a softmax that approximates the one-hot
    of the entry at position ``r``:

    .. math:: P_{r,\cdot} = \mathrm{softmax}\big(((n + 1 - 2r)\, s - A\mathbf 1) / \tau\big),
              \quad A_{ij} = |s_i - s_j|

    computed over the ``n`` real entries of each list. Padded entries must come last in each
    row (the losses move them there); rows and columns of padding are 0, except that padded rows
    spread their mass over padded columns, as allRank's ``deterministic_neural_sort`` does.

    >>> import torch
    >>> neural_sort(torch.tensor([[0.0, 3.0, 1.0]]), temperature=0.01).argmax(-1)
    tensor([[1, 2, 0]])
    """
    s, m = _sort_inputs(scores, mask, temperature)
    n_real = m.sum(dim=-1, keepdim=True).to(s.dtype)
    sc = _zero_padded(s, m)
    pair = _real_pairs(m)
    b = torch.where(pair, (sc[:, :, None] - sc[:, None, :]).abs(), 0.0).sum(dim=-1)
    r = torch.arange(1, s.shape[-1] + 1, dtype=s.dtype, device=s.device)[None, :]
    scaling = _zero_padded(n_real + 1.0 - 2.0 * r, m)  # per position; positions = rows
    logits = scaling[:, :, None] * sc[:, None, :] - b[:, None, :]
    rows, cols = m[:, :, None], m[:, None, :]
    logits = torch.where(rows & cols, logits, -math.inf)
    logits = torch.where(~rows & ~cols, 1.0, logits)
    return torch.softmax(logits / float(temperature), dim=-1)


def _sinkhorn(mat: Tensor, mask: Tensor, *, tol: float, max_iter: int) -> Tensor:
    """allRank's ``sinkhorn_scaling``: alternate column and row normalisation, linear space."""
    eps = 1e-10
    rows, cols = mask[:, :, None], mask[:, None, :]
    mat = torch.where(rows | cols, mat, 0.0)
    mat = torch.where(~rows & ~cols, 1.0, mat)
    for _ in range(max_iter):
        mat = mat / mat.sum(dim=1, keepdim=True).clamp(min=eps)
        mat = mat / mat.sum(dim=2, keepdim=True).clamp(min=eps)
        if bool((mat.sum(dim=2) - 1.0).abs().max() < tol) and bool(
            (mat.sum(dim=1) - 1.0).abs().max() < tol
        ):
            break
    return torch.where(rows & cols, mat, 0.0)


def neural_ndcg_loss(
    scores: Tensor,
    labels: Tensor,
    mask: Tensor | None = None,
    *,
    temperature: float = 1.0,
    k: int | None = None,
    gain: Literal["exp2", "linear"] = "exp2",
    transposed: bool = False,
    sinkhorn_max_iter: int = 50,
    sinkhorn_tol: float = 1e-6,
    stochastic: bool = False,
    n_samples: int = 32,
    beta: float = 0.1,
    log_scores: bool = True,
    seed: int | None = None,
    generator: torch.Generator | None = None,
    reduction: Reduction = "mean",
) -> Tensor:
    r"""NeuralNDCG (Pobrotyn & Białobrzeski 2021): minus NDCG@k under a relaxed sort.

    ``P = Sinkhorn(NeuralSort(s, temperature))`` (:func:`neural_sort`, then allRank's
    Sinkhorn scaling: columns then rows in linear space, each sum clamped at 1e-10, stopping
    when every row and column sum of the batch is within ``sinkhorn_tol`` of 1 or after
    ``sinkhorn_max_iter`` rounds). Then

    .. math:: \mathrm{NeuralNDCG@k} = \frac{1}{\mathrm{maxDCG@k}}
              \sum_{r \le k} \frac{(P g)_r}{\log_2(1 + r)}

    with ``g = 2^y - 1`` (``gain="exp2"``) or ``y`` (``"linear"``); ``transposed=True`` uses
    ``sum_i g_i (P^T d)_i`` with ``d_r = 1/log2(1+r)`` for ``r <= k``, else 0 (allRank's
    ``neuralNDCG_transposed``). The loss is ``-NeuralNDCG``; lists with ``maxDCG@k = 0`` give 0
    and are left out of ``"mean"`` (as allRank). Padded entries are moved behind the real ones
    first, so a mask may mark any entries (allRank expects trailing padding). allRank divides by
    ``maxDCG + 1e-10``; here by ``maxDCG``.

    ``stochastic=True`` is allRank's stochastic variant: NeuralNDCG averaged over
    ``n_samples`` sorts of perturbed scores ``f(s) + beta * g``, ``g`` Gumbel noise
    ``-log(-log(U + 1e-10) + 1e-10)`` and ``f(s) = log(s + |min s| + 1e-10)``
    (``log_scores=True``) or ``s + |min s|``, where ``min s`` runs over the real scores of the
    whole batch (allRank: over every score, padding included). The noise is drawn on the CPU in
    float64 from ``seed`` or ``generator`` as ``U`` of shape ``(L, n_samples, B)``, position
    first (entries in their order after padding has been moved last), so that padding added at
    the end of the lists leaves the draw unchanged.

    Examples
    --------
    >>> import torch
    >>> y = torch.tensor([[2.0, 1.0, 0.0]])
    >>> round(neural_ndcg_loss(torch.tensor([[3.0, 2.0, 1.0]]), y, temperature=0.1).item(), 4)
    -1.0
    """
    s, y, m = _prepare(scores, labels, mask, reduction=reduction)
    _check_k(k)
    _check_positive("temperature", temperature)
    _check_flag("transposed", transposed)
    _check_flag("stochastic", stochastic)
    _check_flag("log_scores", log_scores)
    _check_count("sinkhorn_max_iter", sinkhorn_max_iter)
    _check_real("sinkhorn_tol", sinkhorn_tol)
    if sinkhorn_tol < 0:
        raise InvalidValueError(f"`sinkhorn_tol` must be >= 0; got {sinkhorn_tol!r}")
    _check_real("beta", beta)
    if not isinstance(gain, str) or gain not in ("exp2", "linear"):
        raise InvalidValueError(f"`gain` must be 'exp2' or 'linear'; got {gain!r}")
    _check_nonnegative_labels(y, m, "neural_ndcg_loss")
    m, s, y = _compact(m, s, y)
    b, n = s.shape
    if stochastic:
        _check_count("n_samples", n_samples)
        generator = _generator(generator, seed)
        # NeuralSort's n x n matrix of each list and sample dominates (the Sinkhorn scaling
        # holds a few of them at once), besides the noise
        _check_samples(n_samples, b * n * (n + 1), 4 * max(8, s.element_size()), s.device)
        # position-major, so that appending padded columns leaves the draw unchanged
        u = torch.rand((n, n_samples, b), generator=generator, dtype=torch.float64)
        u = u.permute(1, 2, 0)
        noise = (-torch.log(-torch.log(u + 1e-10) + 1e-10)).to(dtype=s.dtype, device=s.device)
        sc = _zero_padded(s, m)
        low = torch.where(m, sc, torch.finfo(s.dtype).max).min() if bool(m.any()) else sc.sum()
        shifted = sc + low.abs()
        if log_scores:
            shifted = torch.log(shifted + 1e-10)
        perturbed = (shifted[None] + beta * noise).reshape(n_samples * b, n)
        m_rep = m.repeat(n_samples, 1)
    else:
        n_samples, perturbed, m_rep = 1, s, m
    p_hat = neural_sort(_zero_padded(perturbed, m_rep), m_rep, temperature=temperature)
    p_hat = _sinkhorn(p_hat, m_rep, tol=sinkhorn_tol, max_iter=sinkhorn_max_iter)
    p_hat = p_hat.reshape(n_samples, b, n, n)
    g = _zero_padded(_gains(y, gain), m)
    disc = _discounts(n, s, k)
    if transposed:
        dcg = (g * torch.einsum("sbrj,r->sbj", p_hat, disc)).sum(dim=-1).mean(dim=0)
    else:
        dcg = (torch.einsum("sbrj,bj->sbr", p_hat, g) * disc).sum(dim=-1).mean(dim=0)
    max_dcg = _ideal_dcg(g, m, k)
    return _reduce(_ratio_or_zero(-dcg, max_dcg), reduction, max_dcg > 0)


class NeuralNDCGLoss(_Loss):
    """Module form of :func:`neural_ndcg_loss`; keyword options as there."""

    fn = staticmethod(neural_ndcg_loss)
