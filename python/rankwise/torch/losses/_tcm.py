"""The Threshold-Consistent Margin regulariser."""

from __future__ import annotations

import torch
import torch.nn.functional as F  # noqa: N812
from torch import Tensor

from rankwise.errors import ShapeError

from ._common import _check_real, _float_tensor, _Loss, _tensor


def threshold_consistent_margin_loss(
    embeddings: Tensor,
    labels: Tensor,
    *,
    margin_plus: float = 0.9,
    margin_minus: float = 0.5,
    lambda_plus: float = 1.0,
    lambda_minus: float = 1.0,
) -> Tensor:
    r"""Threshold-Consistent Margin regulariser (TCM; Zhang et al., ICLR 2024).

    Over all ordered pairs ``i != j`` of the batch, with cosine similarities ``S+`` of pairs
    with equal labels and ``S-`` of pairs with different labels:

    .. math::
        L = \lambda^+ \frac{\sum_{s \in S^+} (m^+ - s) [s \le m^+]}{\sum_{s \in S^+} [s \le m^+]}
          + \lambda^- \frac{\sum_{s \in S^-} (s - m^-) [s \ge m^-]}{\sum_{s \in S^-} [s \ge m^-]}

    a term with no hard pair is 0. Add it to a base metric-learning loss. Same value as
    pytorch-metric-learning's ``ThresholdConsistentMarginLoss`` (defaults from the paper, §5.2).
    ``embeddings (N, d)``, ``labels (N,)``; returns a scalar.

    >>> import torch
    >>> e = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    >>> threshold_consistent_margin_loss(e, torch.tensor([0, 0, 1]))
    tensor(0.)
    """
    e = _float_tensor("embeddings", embeddings, ndim=2)
    lab = _tensor("labels", labels)
    if lab.shape != e.shape[:1]:
        raise ShapeError(
            f"`labels` must have shape ({e.shape[0]},), one per embedding; got {tuple(lab.shape)}"
        )
    for name, value in (("margin_plus", margin_plus), ("margin_minus", margin_minus),
                        ("lambda_plus", lambda_plus), ("lambda_minus", lambda_minus)):  # fmt: skip
        _check_real(name, value)
    # Python floats: torch refuses an int beyond int64 as a tensor operand.
    m_plus, m_minus = float(margin_plus), float(margin_minus)
    l_plus, l_minus = float(lambda_plus), float(lambda_minus)
    lab = lab.to(e.device)
    unit = F.normalize(e, dim=-1)
    sims = unit @ unit.T
    off = ~torch.eye(e.shape[0], dtype=torch.bool, device=e.device)
    same = (lab[:, None] == lab[None, :]) & off
    diff = (lab[:, None] != lab[None, :]) & off
    hard_pos = same & (sims <= m_plus)
    hard_neg = diff & (sims >= m_minus)
    pos_sum = torch.where(hard_pos, m_plus - sims, 0.0).sum()
    neg_sum = torch.where(hard_neg, sims - m_minus, 0.0).sum()
    n_pos = hard_pos.sum().clamp(min=1).to(e.dtype)
    n_neg = hard_neg.sum().clamp(min=1).to(e.dtype)
    return l_plus * pos_sum / n_pos + l_minus * neg_sum / n_neg


class ThresholdConsistentMarginLoss(_Loss):
    """Module form of :func:`threshold_consistent_margin_loss`; keyword options as there."""

    fn = staticmethod(threshold_consistent_margin_loss)
