"""Click data: inverse propensity scoring."""

from __future__ import annotations

import torch
import torch.nn.functional as F  # noqa: N812
from torch import Tensor

from rankwise.errors import InvalidValueError

from ._common import (
    Reduction,
    _check_positive,
    _check_real,
    _companion,
    _Loss,
    _prepare,
    _reduce,
    _reduce_pairs,
    _zero_padded,
)


def _ips_weights(clicks: Tensor, propensities: object, mask: Tensor, clip: float | None) -> Tensor:
    p = _companion("propensities", propensities, "scores", clicks, target=True)
    if bool(((p <= 0) | (p > 1) | torch.isnan(p))[mask].any()):
        raise InvalidValueError("`propensities` must lie in (0, 1] at real entries")
    if clip is not None:
        _check_real("clip", clip)
        if not (0 < clip <= 1):
            raise InvalidValueError(f"`clip` must be None or in (0, 1]; got {clip!r}")
        p = p.clamp(min=clip)
    return _zero_padded(1.0 / p, mask)


def ips_pointwise_loss(
    scores: Tensor,
    clicks: Tensor,
    propensities: Tensor,
    mask: Tensor | None = None,
    *,
    clip: float | None = None,
    reduction: Reduction = "mean",
) -> Tensor:
    r"""Propensity-weighted pointwise log loss for clicks (Saito et al., WSDM 2020).

    With ``p = sigma(s)``, clicks ``c in {0, 1}`` and examination propensities ``e``:

    .. math:: L = -\Big[\frac{c}{e}\log p + \Big(1 - \frac{c}{e}\Big)\log(1 - p)\Big]

    an unbiased estimate of the log loss on true relevance. Clipped IPS replaces ``e`` by
    ``max(e, clip)`` (bias for lower variance). ``"mean"`` over real entries; ``"none"``
    per-list sums.

    >>> import torch
    >>> s = torch.zeros(1, 2); c = torch.tensor([[1.0, 0.0]]); e = torch.tensor([[0.5, 1.0]])
    >>> round(ips_pointwise_loss(s, c, e).item(), 4)   # (2 log2 - log2 + log2) / 2
    0.6931
    """
    s, c, m = _prepare(scores, clicks, mask, labels_name="clicks", reduction=reduction)
    w = _ips_weights(c, propensities, m, clip)
    t = c * w
    sc = _zero_padded(s, m)
    per = -(t * F.logsigmoid(sc) + (1.0 - t) * F.logsigmoid(-sc))
    per_list = _zero_padded(per, m).sum(dim=-1)
    return _reduce(per_list, reduction, m.sum(dim=-1))


class IPSPointwiseLoss(_Loss):
    """Module form of :func:`ips_pointwise_loss`; keyword options as there."""

    fn = staticmethod(ips_pointwise_loss)


def ips_pairwise_loss(
    scores: Tensor,
    clicks: Tensor,
    propensities: Tensor,
    mask: Tensor | None = None,
    *,
    clip: float | None = None,
    sigma: float = 1.0,
    reduction: Reduction = "mean",
) -> Tensor:
    r"""Propensity-weighted pairwise loss for clicks (Joachims, Swaminathan, Schnabel 2017).

    Every clicked entry ``i`` is preferred to every unclicked real entry ``j`` of its list,
    weighted by the inverse propensity of the click:

    .. math:: L = \sum_{i: c_i = 1} \frac{1}{e_i} \sum_{j: c_j = 0}
              \log(1 + e^{-\sigma (s_i - s_j)})

    (the logistic form of Propensity SVM-Rank's hinge). Clipped IPS: ``e -> max(e, clip)``.
    ``"mean"`` divides by the number of (clicked, unclicked) pairs of the batch; ``"none"``
    gives per-list sums.

    >>> import torch
    >>> s = torch.zeros(1, 2); c = torch.tensor([[1.0, 0.0]]); e = torch.tensor([[0.5, 1.0]])
    >>> round(ips_pairwise_loss(s, c, e).item(), 4)   # log 2 / 0.5
    1.3863
    """
    s, c, m = _prepare(scores, clicks, mask, labels_name="clicks", reduction=reduction)
    _check_positive("sigma", sigma)
    w = _ips_weights(c, propensities, m, clip)
    clicked = m & (c > 0)
    pairs = clicked[:, :, None] & (m & ~clicked)[:, None, :]
    sc = _zero_padded(s, m)
    per_pair = w[:, :, None] * F.softplus(-float(sigma) * (sc[:, :, None] - sc[:, None, :]))
    return _reduce_pairs(per_pair, pairs, reduction)


class IPSPairwiseLoss(_Loss):
    """Module form of :func:`ips_pairwise_loss`; keyword options as there."""

    fn = staticmethod(ips_pairwise_loss)
