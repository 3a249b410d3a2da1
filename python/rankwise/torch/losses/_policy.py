"""Plackett-Luce policy gradient (PG-Rank)."""

from __future__ import annotations

import math

import torch
from torch import Tensor

from rankwise.errors import InvalidValueError, RankwiseTypeError, ShapeError

from ._common import (
    Reduction,
    _check_count,
    _check_k,
    _check_nonnegative_labels,
    _check_positive,
    _check_samples,
    _clean,
    _discounts,
    _float_tensor,
    _gains,
    _generator,
    _ideal_dcg,
    _Loss,
    _mask,
    _plackett_luce_terms,
    _prepare,
    _ratio_or_zero,
    _reduce,
    _tensor,
    _zero_padded,
)


def plackett_luce_sample(
    scores: Tensor,
    mask: Tensor | None = None,
    *,
    n_samples: int = 1,
    temperature: float = 1.0,
    seed: int | None = None,
    generator: torch.Generator | None = None,
) -> Tensor:
    r"""Sample rankings from the Plackett–Luce model of ``scores / temperature`` (Gumbel-top-k).

    ``argsort_desc(s / T + g)`` with ``g_i = -log(-log U_i)``, ``U ~ U(0, 1)`` is distributed as
    PL(s / T). Returns ``(B, n_samples, L)`` long indices, best first; padded entries come last
    (in input order). ``seed`` (or a ``generator``) makes the draw reproducible; the noise is
    drawn on the CPU in float64 (as ``U`` of shape ``(L, B, n_samples)``, position first, so
    padded columns appended to a batch leave the draw unchanged) and moved to the scores'
    device, so a seed gives the same rankings on any device.

    >>> import torch
    >>> plackett_luce_sample(torch.tensor([[0.0, 50.0, 20.0]]), n_samples=2, seed=0).tolist()
    [[[1, 2, 0], [1, 2, 0]]]
    """
    s = _float_tensor("scores", scores, ndim=2)
    m = _mask(mask, s)
    _check_positive("temperature", temperature)
    _check_count("n_samples", n_samples)
    generator = _generator(generator, seed)
    b, n = s.shape
    # u, its clamped copy, the Gumbel noise, the keys (twice) and the sort's values and indices
    _check_samples(n_samples, b * n, 7 * 8, s.device)
    # position-major, so that appending padded columns leaves the draw unchanged
    u = torch.rand((n, b, n_samples), generator=generator, dtype=torch.float64)
    u = u.permute(1, 2, 0).clamp(min=1e-300, max=1.0 - 1e-16)
    gumbel = (-torch.log(-torch.log(u))).to(device=s.device)
    keys = s.detach().to(torch.float64)[:, None, :] / float(temperature) + gumbel
    keys = torch.where(m[:, None, :], keys, -math.inf)
    return torch.sort(keys, dim=-1, descending=True, stable=True).indices


def plackett_luce_log_prob(
    scores: Tensor,
    rankings: Tensor,
    mask: Tensor | None = None,
    *,
    temperature: float = 1.0,
    k: int | None = None,
) -> Tensor:
    r"""Log-probability of rankings under Plackett–Luce with logits ``scores / temperature``.

    .. math:: \log P(\pi) = \sum_{i=1}^{K}
              \Big[ z_{\pi(i)} - \log \sum_{j \ge i} e^{z_{\pi(j)}} \Big]

    over the real entries; ``k`` keeps the first ``K`` places (a top-K prefix; the log-sum-exp
    still runs over all items not yet placed). ``rankings``: ``(B, L)`` or ``(B, N, L)`` long
    indices as :func:`plackett_luce_sample` returns; result ``(B,)`` or ``(B, N)``.

    >>> import torch
    >>> s = torch.tensor([[1.0, 0.0]])
    >>> round(plackett_luce_log_prob(s, torch.tensor([[0, 1]])).exp().item(), 4)  # sigma(1)
    0.7311
    """
    s = _float_tensor("scores", scores, ndim=2)
    rk = _tensor("rankings", rankings)
    if rk.is_floating_point() or rk.is_complex() or rk.dtype == torch.bool:
        raise RankwiseTypeError(
            f"`rankings` must be an integer tensor of item indices; got {rk.dtype}"
        )
    _check_positive("temperature", temperature)
    _check_k(k)
    squeeze = rk.dim() == 2
    if squeeze:
        rk = rk[:, None, :]
    if rk.dim() != 3 or rk.shape[0] != s.shape[0] or rk.shape[2] != s.shape[1]:
        raise ShapeError(
            f"`rankings` must have shape (B, L) or (B, N, L) with (B, L) = {tuple(s.shape)}; "
            f"got {tuple(rankings.shape)}"
        )
    if rk.numel() and (int(rk.min()) < 0 or int(rk.max()) >= s.shape[1]):
        raise InvalidValueError(
            f"`rankings` must hold item indices in [0, {s.shape[1]}); "
            f"got values from {int(rk.min())} to {int(rk.max())}"
        )
    m = _mask(mask, s)
    z = _clean(s / float(temperature), m)
    n_samples = rk.shape[1]
    z_sorted = torch.gather(z[:, None, :].expand(-1, n_samples, -1), -1, rk)
    m_sorted = torch.gather(m[:, None, :].expand(-1, n_samples, -1), -1, rk)
    terms = -_plackett_luce_terms(z_sorted, m_sorted)
    if k is not None:
        terms = terms[..., :k]
    out = terms.sum(dim=-1)
    return out[:, 0] if squeeze else out


def _ndcg_of_rankings(labels: Tensor, mask: Tensor, rankings: Tensor, k: int | None) -> Tensor:
    """nDCG@k (exp2 gain) of each sampled ranking ``(B, N, L)``; 0 where maxDCG = 0."""
    gains = _zero_padded(_gains(labels, "exp2"), mask)
    n = labels.shape[-1]
    g_sorted = torch.gather(gains[:, None, :].expand(-1, rankings.shape[1], -1), -1, rankings)
    dcg = (g_sorted * _discounts(n, labels, k)).sum(dim=-1)
    return _ratio_or_zero(dcg, _ideal_dcg(gains, mask, k)[:, None])


def pg_rank_loss(
    scores: Tensor,
    labels: Tensor,
    mask: Tensor | None = None,
    *,
    n_samples: int = 8,
    k: int | None = None,
    temperature: float = 1.0,
    seed: int | None = None,
    generator: torch.Generator | None = None,
    reduction: Reduction = "mean",
) -> Tensor:
    r"""Plackett–Luce policy gradient (PG-Rank, Gao et al. 2023) with a leave-one-out baseline.

    Draws ``N = n_samples`` rankings ``r_n`` per list from PL(``scores / temperature``)
    (:func:`plackett_luce_sample`, Gumbel-top-k, reproducible with ``seed``), scores each with
    its utility ``R(r_n)`` = nDCG@k (exp2 gain, log2 discount) against ``labels``, and returns
    the REINFORCE surrogate

    .. math:: L = -\frac{1}{N} \sum_n \Big(R(r_n) - \frac{1}{N-1}\sum_{m \ne n} R(r_m)\Big)
              \log \pi(r_n)

    whose gradient is the unbiased leave-one-out estimate of ``-grad E[R]``. Its *value* is not
    the expected utility (it is about 0); use it for ``backward()``. Needs ``n_samples >= 2``.
    ``"mean"`` averages over lists with a real entry.

    >>> import torch
    >>> s = torch.tensor([[0.0, 1.0, 2.0]], requires_grad=True)
    >>> pg_rank_loss(s, torch.tensor([[2, 1, 0]]), n_samples=64, seed=0).backward()
    >>> bool(s.grad[0, 0] < 0 < s.grad[0, 2])   # push the relevant entry up
    True
    """
    s, y, m = _prepare(scores, labels, mask, reduction=reduction)
    _check_k(k)
    _check_nonnegative_labels(y, m, "pg_rank_loss")
    if isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < 2:
        raise InvalidValueError(
            f"`n_samples` must be an integer >= 2 (for the baseline); got {n_samples!r}"
        )
    rankings = plackett_luce_sample(
        s, m, n_samples=n_samples, temperature=temperature, seed=seed, generator=generator
    )
    rewards = _ndcg_of_rankings(y, m, rankings, k)
    baseline = (rewards.sum(dim=-1, keepdim=True) - rewards) / (n_samples - 1)
    log_p = plackett_luce_log_prob(s, rankings, m, temperature=temperature, k=k)
    per_list = -((rewards - baseline) * log_p).mean(dim=-1)
    return _reduce(per_list, reduction, m.any(dim=-1))


class PGRankLoss(_Loss):
    """Module form of :func:`pg_rank_loss`; keyword options as there."""

    fn = staticmethod(pg_rank_loss)
