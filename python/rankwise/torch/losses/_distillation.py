"""Distillation and contrastive losses: Margin-MSE, InfoNCE, pointwise yes/no."""

from __future__ import annotations

import math
from typing import Literal

import torch
import torch.nn.functional as F  # noqa: N812
from torch import Tensor

from rankwise.errors import InvalidValueError, ShapeError

from ._common import (
    Reduction,
    _check_positive,
    _check_reduction,
    _clean,
    _companion,
    _Loss,
    _prepare,
    _reduce,
    _zero_padded,
)


def margin_mse_loss(
    scores: Tensor,
    labels: Tensor,
    mask: Tensor | None = None,
    *,
    reduction: Reduction = "mean",
) -> Tensor:
    r"""Margin-MSE (Hofstätter et al. 2020): regress student margins on teacher margins.

    Column 0 of each row is the positive, columns ``1..K`` its negatives; ``labels`` are the
    teacher's scores in the same layout:

    .. math:: L = \frac{1}{|\mathcal N|}\sum_{(b, k)}
              \big((s_{b0} - s_{bk}) - (t_{b0} - t_{bk})\big)^2

    over real negatives ``(b, k)``. ``"mean"`` is over all real (query, negative) pairs of the
    batch (sentence-transformers' ``MarginMSELoss`` with raw teacher scores, ``nn.MSELoss``);
    ``"none"`` gives the per-query mean over its negatives; ``"sum"`` the sum of squared errors.
    The positive (column 0) must be real.

    Examples
    --------
    >>> import torch
    >>> s = torch.tensor([[2.0, 1.0, 0.0]])
    >>> t = torch.tensor([[5.0, 3.0, 2.0]])
    >>> margin_mse_loss(s, t)          # margins (1, 2) against (2, 3)
    tensor(1.)
    """
    s, t, m = _prepare(scores, labels, mask, reduction=reduction)
    if s.shape[-1] < 2:
        raise ShapeError(
            "`scores` must have at least 2 columns (positive, negatives...); "
            f"got shape {tuple(s.shape)}"
        )
    if not bool(m[:, 0].all()):
        raise InvalidValueError("column 0 of `mask` (the positives) must be all True")
    sc = _zero_padded(s, m)
    err = ((sc[:, :1] - sc[:, 1:]) - (t[:, :1] - t[:, 1:])) ** 2
    neg = m[:, 1:]
    err = torch.where(neg, err, 0.0)
    count = neg.sum(dim=-1)
    if reduction == "none":
        return err.sum(dim=-1) / count.clamp(min=1).to(s.dtype)
    return _reduce(err.sum(dim=-1), reduction, count)


class MarginMSELoss(_Loss):
    """Module form of :func:`margin_mse_loss`; keyword options as there."""

    fn = staticmethod(margin_mse_loss)


def info_nce_loss(
    scores: Tensor,
    labels: Tensor,
    mask: Tensor | None = None,
    *,
    temperature: float = 1.0,
    positives: Literal["each", "mean", "logsumexp"] = "each",
    reduction: Reduction = "mean",
) -> Tensor:
    r"""InfoNCE with several positives and hard negatives per query.

    ``scores[b]`` are similarities of query ``b`` to its candidates (its positives, in-batch
    documents, hard negatives: any mix); ``labels > 0`` marks positives, the other real entries
    are negatives. With ``z = s / temperature``, ``P`` the positives and ``N`` the negatives:

    * ``"each"`` (default): every positive is its own InfoNCE term against the negatives only,
      averaged: ``-(1/|P|) sum_p [z_p - LSE({z_p} u N)]``;
    * ``"mean"``: SupCon's ``L_out``, all candidates in each denominator:
      ``-(1/|P|) sum_p [z_p - LSE(P u N)]``;
    * ``"logsumexp"``: MIL-NCE, ``-[LSE(P) - LSE(P u N)]``.

    With one positive the three coincide with cross-entropy over the candidates, which is
    sentence-transformers' ``MultipleNegativesRankingLoss`` (its ``scale`` = 1/temperature).
    Queries without a positive give 0 and are left out of ``"mean"``.

    Examples
    --------
    >>> import torch
    >>> s = torch.tensor([[0.9, 0.1, 0.5]])
    >>> y = torch.tensor([[1, 0, 0]])
    >>> ce = torch.nn.functional.cross_entropy(s, torch.tensor([0]))
    >>> bool(torch.isclose(info_nce_loss(s, y), ce))
    True
    """
    s, y, m = _prepare(scores, labels, mask, reduction=reduction)
    _check_positive("temperature", temperature)
    z = _clean(s / float(temperature), m)
    pos = m & (y > 0)
    neg = m & ~pos
    n_pos = pos.sum(dim=-1)
    lse_all = torch.logsumexp(torch.where(m, z, -math.inf), dim=-1, keepdim=True)
    if not isinstance(positives, str):
        raise InvalidValueError(
            f"`positives` must be 'each', 'mean' or 'logsumexp'; got {positives!r}"[:300]
        )
    if positives == "each":
        lse_neg = torch.logsumexp(torch.where(neg, z, -math.inf), dim=-1, keepdim=True)
        per = torch.logaddexp(z, lse_neg) - z  # -log softmax of z_p among {z_p} u N
        per_list = _zero_padded(per, pos).sum(dim=-1) / n_pos.clamp(min=1).to(s.dtype)
    elif positives == "mean":
        per = lse_all - z
        per_list = _zero_padded(per, pos).sum(dim=-1) / n_pos.clamp(min=1).to(s.dtype)
    elif positives == "logsumexp":
        lse_pos = torch.logsumexp(torch.where(pos, z, -math.inf), dim=-1)
        per_list = torch.where(n_pos > 0, lse_all.squeeze(-1) - lse_pos, 0.0)
    else:
        raise InvalidValueError(
            f"`positives` must be 'each', 'mean' or 'logsumexp'; got {positives!r}"
        )
    return _reduce(per_list, reduction, n_pos > 0)


class InfoNCELoss(_Loss):
    """Module form of :func:`info_nce_loss`; keyword options as there."""

    fn = staticmethod(info_nce_loss)


def yes_no_loss(
    yes_logits: Tensor,
    no_logits: Tensor,
    labels: Tensor,
    mask: Tensor | None = None,
    *,
    reduction: Reduction = "mean",
) -> Tensor:
    r"""Pointwise yes/no objective of LLM rerankers (monoT5, RankLLaMA-style pointwise SFT).

    The relevance probability is the two-way softmax of the "yes" and "no" token logits,
    ``p = sigma(l_yes - l_no)``; the loss is its binary cross-entropy with the labels
    (``1`` relevant, ``0`` not; soft labels in ``[0, 1]`` allowed):

    .. math:: L = -\big[y \log p + (1 - y) \log(1 - p)\big]

    computed as ``BCEWithLogits(l_yes - l_no, y)``. Inputs ``(B, L)`` as the other losses;
    ``"mean"`` averages over real entries, ``"none"`` gives per-list sums.

    Examples
    --------
    >>> import torch
    >>> yes, no = torch.tensor([[2.0]]), torch.tensor([[0.0]])
    >>> round(yes_no_loss(yes, no, torch.tensor([[1]])).item(), 4)
    0.1269
    """
    yes, y, m = _prepare(yes_logits, labels, mask, scores_name="yes_logits")
    no = _companion("no_logits", no_logits, "yes_logits", yes, target=False)
    _check_reduction(reduction)
    if bool((((y < 0) | (y > 1)) & m).any()):
        raise InvalidValueError("`labels` must lie in [0, 1] (1 = relevant) for yes_no_loss")
    z = _zero_padded(yes - no, m)
    per = F.binary_cross_entropy_with_logits(z, y, reduction="none")
    per_list = _zero_padded(per, m).sum(dim=-1)
    return _reduce(per_list, reduction, m.sum(dim=-1))


class YesNoLoss(_Loss):
    """Module form of :func:`yes_no_loss`; keyword options as there."""

    fn = staticmethod(yes_no_loss)
