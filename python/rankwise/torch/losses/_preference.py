"""Preference optimisation: DPO, IRPO, MADPO."""

from __future__ import annotations

import math
from typing import Literal

import torch
import torch.nn.functional as F  # noqa: N812
from torch import Tensor

from rankwise.errors import InvalidValueError

from ._common import (
    Reduction,
    _check_nonnegative_labels,
    _check_positive,
    _check_real,
    _check_reduction,
    _companion,
    _float_tensor,
    _label_pairs,
    _Loss,
    _plackett_luce_terms,
    _prepare,
    _reduce,
    _reduce_pairs,
    _same_shape,
    _sort_desc,
    _target_ranks,
    _zero_padded,
)


def _prepare_policy(
    policy_logps: object,
    ref_logps: object,
    labels: object,
    mask: object,
    reduction: object,
    beta: float,
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Validate a preference batch: (policy, reference detached in its dtype, labels, mask)."""
    pol, y, m = _prepare(policy_logps, labels, mask, scores_name="policy_logps")
    ref = _companion("ref_logps", ref_logps, "policy_logps", pol, target=True)
    _check_reduction(reduction)
    _check_positive("beta", beta)
    return pol, ref, y, m


def dpo_loss(
    policy_logps: Tensor,
    ref_logps: Tensor,
    labels: Tensor,
    mask: Tensor | None = None,
    *,
    beta: float = 0.1,
    model: Literal["bradley_terry", "plackett_luce"] = "bradley_terry",
    reduction: Reduction = "mean",
) -> Tensor:
    r"""DPO (Rafailov et al., NeurIPS 2023) for ranked lists of responses.

    ``policy_logps``, ``ref_logps``: ``(B, K)`` sequence log-probabilities (summed token
    log-probs) of ``K`` responses under the policy and the frozen reference; ``labels``: their
    preference grades (higher = preferred). With implicit rewards
    ``h_i = beta (log pi(y_i) - log pi_ref(y_i))``:

    * ``"bradley_terry"``: every pair with ``y_i > y_j``:
      ``-log sigma(h_i - h_j)``; ``"mean"`` over the pairs of the batch. For ``K = 2`` this is
      DPO's Eq. 7 (trl ``loss_type="sigmoid"``).
    * ``"plackett_luce"``: the ranking likelihood of the paper's Appendix A.3,
      ``-sum_k [h_{tau(k)} - LSE_{j >= k} h_{tau(j)}]`` with ``tau`` the label order (ties by
      position); ``"mean"`` over lists. For ``K = 2`` also Eq. 7.

    ``"none"`` gives per-list sums.

    >>> import torch
    >>> pol = torch.tensor([[-10.0, -12.0]]); ref = torch.tensor([[-11.0, -11.0]])
    >>> round(dpo_loss(pol, ref, torch.tensor([[1, 0]]), beta=0.5).item(), 4)  # -log sigma(1)
    0.3133
    """
    pol, ref, y, m = _prepare_policy(policy_logps, ref_logps, labels, mask, reduction, beta)
    h = beta * (_zero_padded(pol, m) - _zero_padded(ref.detach(), m))
    if model == "bradley_terry":
        pairs = _label_pairs(y, m)
        return _reduce_pairs(-F.logsigmoid(h[:, :, None] - h[:, None, :]), pairs, reduction)
    if model == "plackett_luce":
        order = _sort_desc(y, m)
        terms = _plackett_luce_terms(torch.gather(h, -1, order), torch.gather(m, -1, order))
        return _reduce(terms.sum(dim=-1), reduction, m.any(dim=-1))
    raise InvalidValueError(f"`model` must be 'bradley_terry' or 'plackett_luce'; got {model!r}")


class DPOLoss(_Loss):
    """Module form of :func:`dpo_loss`; keyword options as there."""

    fn = staticmethod(dpo_loss)


def irpo_loss(
    policy_logps: Tensor,
    ref_logps: Tensor,
    labels: Tensor,
    mask: Tensor | None = None,
    *,
    beta: float = 0.1,
    weights: Literal["dcg", "inverse_log_rank", "gain_over_rank"] = "dcg",
    reduction: Reduction = "mean",
) -> Tensor:
    r"""IRPO, In-context Ranking Preference Optimization (Wu et al., COLM 2025).

    For each item ``i`` of an in-context list with implicit reward
    ``r_i = log pi(y_i) - log pi_ref(y_i)`` (inputs ``(B, N)`` as :func:`dpo_loss`):

    .. math:: \ell_i = w_i \log\Big(1 + \frac{1}{N-1}\sum_{j \ne i} e^{\beta (r_j - r_i)}\Big),
              \qquad L = \frac{1}{N}\sum_i \ell_i

    with ``N`` the real items of the list, ``w_i = (2^{y_i} - 1)/log2(1 + rank_i)``
    (``"dcg"``), ``1/log2(1 + rank_i)`` (``"inverse_log_rank"``, the official ablation 1) or
    ``(2^{y_i} - 1)/rank_i`` (``"gain_over_rank"``, ablation 2), ``rank_i`` the 1-based
    position of ``i`` in the label order (ties by position). The official ``rdpo_loss`` excludes
    ``j = i`` by subtracting 100 (a residue of ``e^{-100 beta}``); here it is excluded exactly.
    The official code **sums** over the batch (``reduction="sum"``); ``"mean"`` averages over
    lists with at least 2 real items.

    >>> import torch
    >>> pol = torch.tensor([[-1.0, -2.0]]); ref = torch.zeros(1, 2)
    >>> round(irpo_loss(pol, ref, torch.tensor([[1, 0]]), beta=1.0).item(), 4)  # log(1+e^-1)/2
    0.1566
    """
    pol, ref, y, m = _prepare_policy(policy_logps, ref_logps, labels, mask, reduction, beta)
    _check_nonnegative_labels(y, m, "irpo_loss")
    r = _zero_padded(pol, m) - _zero_padded(ref.detach(), m)
    n = m.sum(dim=-1, keepdim=True)
    rank = _target_ranks(y, m).to(pol.dtype)
    gain = torch.pow(2.0, y) - 1.0
    if weights == "dcg":
        w = gain / torch.log2(1.0 + rank)
    elif weights == "inverse_log_rank":
        w = 1.0 / torch.log2(1.0 + rank)
    elif weights == "gain_over_rank":
        w = gain / rank
    else:
        raise InvalidValueError(
            f"`weights` must be 'dcg', 'inverse_log_rank' or 'gain_over_rank'; got {weights!r}"
        )
    others = (
        m[:, :, None]
        & m[:, None, :]
        & ~torch.eye(m.shape[-1], dtype=torch.bool, device=m.device)[None]
    )
    z = torch.where(others, beta * (r[:, None, :] - r[:, :, None]), -math.inf)
    log_mean = torch.logsumexp(z, dim=-1) - torch.log((n - 1).clamp(min=1).to(pol.dtype))
    per_item = w * F.softplus(log_mean)  # log(1 + mean_j exp(.))
    ok = m & (n >= 2)
    per_list = _zero_padded(per_item, ok).sum(dim=-1) / n.squeeze(-1).clamp(min=1).to(pol.dtype)
    return _reduce(per_list, reduction, n.squeeze(-1) >= 2)


class IRPOLoss(_Loss):
    """Module form of :func:`irpo_loss`; keyword options as there."""

    fn = staticmethod(irpo_loss)


def madpo_weights(
    margins: Tensor,
    *,
    c_max: float = 2.0,
    c_min: float | None = None,
    lam: float = 1.0,
    tau: float = math.log(0.999 / 0.001),
) -> Tensor:
    r"""MADPO's instance weights (Rho 2025) from reward margins ``h = r(chosen) - r(rejected)``.

    .. math::
        c(|h|) = c_{min} + \frac{c_{max} - c_{min}}
                 {1 + \frac{c_{max} - 1}{1 - c_{min}} e^{\lambda (|h| - \tau)}}, \qquad
        w = \frac{\sigma(c\, h)}{\sigma(h)} \text{ if } h > -\tau \text{ else } 1

    (``c_min`` defaults to ``1/c_max``; defaults from the official notebook). ``c`` falls from
    about ``c_max`` for hard pairs (small margin) through 1 at ``|h| = tau`` to ``c_min``.

    >>> import torch
    >>> [round(w, 4) for w in madpo_weights(torch.tensor([-1.0, 0.0, 1.0, 30.0])).tolist()]
    [0.4464, 1.0, 1.2037, 1.0]
    """
    h = _float_tensor("margins", margins).detach()
    for name, value in (("c_max", c_max), ("lam", lam), ("tau", tau)):
        _check_real(name, value)
    if c_min is not None:
        _check_real("c_min", c_min)
    # Python floats: torch refuses an int beyond int64 as a tensor operand.
    c_max, lam, tau = float(c_max), float(lam), float(tau)
    cmin = (1.0 / c_max if c_max > 1.0 else 1.0) if c_min is None else float(c_min)
    if not (cmin < 1.0 < c_max):
        raise InvalidValueError(f"need c_min < 1 < c_max; got c_min={cmin!r}, c_max={c_max!r}")
    a = h.abs()
    coef = cmin + (c_max - cmin) / (1.0 + (c_max - 1.0) / (1.0 - cmin) * torch.exp(lam * (a - tau)))
    w = torch.exp(F.logsigmoid(coef * h) - F.logsigmoid(h))
    return torch.where(h > -tau, w, 1.0)


def madpo_loss(
    policy_chosen_logps: Tensor,
    policy_rejected_logps: Tensor,
    ref_chosen_logps: Tensor,
    ref_rejected_logps: Tensor,
    margins: Tensor,
    *,
    beta: float = 0.1,
    c_max: float = 2.0,
    c_min: float | None = None,
    lam: float = 1.0,
    tau: float = math.log(0.999 / 0.001),
    reduction: Reduction = "mean",
) -> Tensor:
    r"""Margin-adaptive DPO (MADPO, Rho 2025): DPO with per-pair weights from a reward model.

    .. math:: L = -w(h)\, \log \sigma\big(\beta[(\log\pi(y_c) - \log\pi_{ref}(y_c))
              - (\log\pi(y_r) - \log\pi_{ref}(y_r))]\big)

    ``w`` = :func:`madpo_weights` of the reward-model margin ``h = r(y_c) - r(y_r)`` (detached).
    The official ``MADPOLoss`` takes the pair in a fixed order plus the index of the chosen one;
    passing chosen first with ``h`` signed accordingly is the same. Inputs ``(B,)``; ``"mean"``
    over pairs (as the official code), ``"none"`` per pair.

    >>> import torch
    >>> z = torch.zeros(1)
    >>> round(madpo_loss(z, z, z, z, torch.tensor([30.0])).item(), 4)   # w = 1: log 2
    0.6931
    """
    pc = _float_tensor("policy_chosen_logps", policy_chosen_logps, ndim=1)
    for name, x in (
        ("policy_rejected_logps", policy_rejected_logps),
        ("ref_chosen_logps", ref_chosen_logps),
        ("ref_rejected_logps", ref_rejected_logps),
        ("margins", margins),
    ):
        _same_shape(name, _float_tensor(name, x, ndim=1), "policy_chosen_logps", pc)
    _check_reduction(reduction)
    _check_positive("beta", beta)
    w = madpo_weights(margins, c_max=c_max, c_min=c_min, lam=lam, tau=tau)
    delta = (pc - ref_chosen_logps.detach()) - (policy_rejected_logps - ref_rejected_logps.detach())
    per = -w * F.logsigmoid(beta * delta)
    if reduction == "none":
        return per
    return per.sum() if reduction == "sum" else per.mean()


class MADPOLoss(_Loss):
    """Module form of :func:`madpo_loss`; keyword options as there."""

    fn = staticmethod(madpo_loss)
