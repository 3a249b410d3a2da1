"""Pairwise losses: RankNet and the LambdaLoss framework."""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F  # noqa: N812
from torch import Tensor

from rankwise.errors import InvalidValueError, RankwiseTypeError, ShapeError

from ._common import (
    _LN2,
    Reduction,
    _check_k,
    _check_nonnegative_labels,
    _check_positive,
    _check_real,
    _discounts,
    _gains,
    _ideal_dcg,
    _label_pairs,
    _Loss,
    _prepare,
    _real_pairs,
    _reduce_pairs,
    _sort_desc,
    _target_ranks,
    _zero_padded,
)


def ranknet_loss(
    scores: Tensor,
    labels: Tensor,
    mask: Tensor | None = None,
    *,
    sigma: float = 1.0,
    pair_weights: str | Tensor | None = None,
    reduction: Reduction = "mean",
) -> Tensor:
    r"""RankNet: logistic loss on every pair of real entries with different labels.

    .. math:: L = \sum_{(i, j):\, y_i > y_j} w_{ij} \log(1 + e^{-\sigma (s_i - s_j)})

    (Burges et al. 2005). Pairs with equal labels take no part (no 1/2 targets), as in
    allRank's ``rankNet`` and sentence-transformers' ``RankNetLoss``.

    Parameters
    ----------
    scores, labels, mask
        Padded batch ``(B, L)``; see the module docstring.
    sigma
        Scale of score differences.
    pair_weights
        ``None`` (all 1); ``"label_diff"``: ``|y_i - y_j|`` (allRank ``weight_by_diff``);
        ``"label_diff_squared"``: ``|y_i^2 - y_j^2|`` (allRank ``weight_by_diff_powed``);
        ``"inverse_rank_sum"``: ``1 / (r_i + r_j)`` with ``r`` the 1-based rank in the order of
        the labels (ties by position), the weighting of FIRST (Reddy et al. 2024); or a tensor
        ``(B, L, L)`` giving ``w_ij`` for the pair "i above j".
    reduction
        ``"mean"``: the weighted sum over all pairs of the batch divided by the **number of
        pairs** (allRank: ``BCEWithLogitsLoss(weight=w)`` over the selected pairs);
        ``"sum"``: the sum over pairs; ``"none"``: per-list sums ``(B,)``.

    Examples
    --------
    >>> import torch
    >>> s = torch.tensor([[1.0, 0.0, 2.0]])
    >>> y = torch.tensor([[2, 1, 0]])
    >>> ranknet_loss(s, y, reduction="none")
    tensor([3.7535])
    """
    s, y, m = _prepare(scores, labels, mask, reduction=reduction)
    _check_positive("sigma", sigma)
    sc = _zero_padded(s, m)
    pairs = _label_pairs(y, m)
    per_pair = F.softplus(-float(sigma) * (sc[:, :, None] - sc[:, None, :]))
    if pair_weights is not None:
        if isinstance(pair_weights, torch.Tensor):
            w = pair_weights.detach().to(dtype=s.dtype, device=s.device)
            if w.shape != pairs.shape:
                raise ShapeError(
                    f"`pair_weights` must have shape {tuple(pairs.shape)} (B, L, L); "
                    f"got {tuple(w.shape)}"
                )
        elif not isinstance(pair_weights, str):
            raise RankwiseTypeError(
                f"`pair_weights` must be a str, a Tensor or None; got {type(pair_weights).__name__}"
            )
        elif pair_weights == "label_diff":
            w = (y[:, :, None] - y[:, None, :]).abs()
        elif pair_weights == "label_diff_squared":
            w = (y[:, :, None] ** 2 - y[:, None, :] ** 2).abs()
        elif pair_weights == "inverse_rank_sum":
            r = _target_ranks(y, m).to(s.dtype)
            w = 1.0 / (r[:, :, None] + r[:, None, :])
        else:
            raise InvalidValueError(
                "`pair_weights` must be None, 'label_diff', 'label_diff_squared', "
                f"'inverse_rank_sum' or a (B, L, L) tensor; got {pair_weights!r}"
            )
        per_pair = per_pair * w
    return _reduce_pairs(per_pair, pairs, reduction)


class RankNetLoss(_Loss):
    """Module form of :func:`ranknet_loss`; keyword options as there."""

    fn = staticmethod(ranknet_loss)


_LAMBDA_SCHEMES = ("ranknet", "ndcg_loss1", "ndcg_loss2", "ndcg_loss2pp", "lambdarank")


def lambda_loss(
    scores: Tensor,
    labels: Tensor,
    mask: Tensor | None = None,
    *,
    weighting: str = "ndcg_loss2pp",
    k: int | None = None,
    sigma: float = 1.0,
    mu: float = 10.0,
    log: Literal["binary", "natural"] = "binary",
    reduction: Reduction = "mean",
) -> Tensor:
    r"""The LambdaLoss framework (Wang et al., CIKM 2018), as allRank's ``lambdaLoss``.

    Entries are sorted by score (descending; ties by position; padding last), so ``i, j``
    below are *predicted* positions. With ``G_i = (2^{y_i} - 1) / maxDCG@k`` and
    ``D_i = log2(1 + i)``:

    .. math:: L = -\sum_{(i, j)} \rho_{ij} \log_2 \sigma(\sigma_s (s_i - s_j))

    over pairs of real entries with ``y_i > y_j`` (for ``ndcg_loss1``: **all** pairs of real
    entries, the diagonal included, as allRank does), restricted with ``k`` to pairs whose
    predicted positions are **both** ``<= k`` (allRank; sentence-transformers and TF-Ranking keep
    pairs with *either* position ``<= k``). The weights ``rho`` are constants (no gradient):

    * ``"ranknet"``: 1;
    * ``"ndcg_loss1"``: ``G_i / D_i``;
    * ``"ndcg_loss2"``: ``delta_ij |G_i - G_j|`` with
      ``delta_ij = |1/D(|i-j|) - 1/D(|i-j|+1)|`` (0 on the diagonal);
    * ``"lambdarank"``: ``|1/D_i - 1/D_j| |G_i - G_j|``;
    * ``"ndcg_loss2pp"``: ``mu * rho^{ndcg_loss2} + rho^{lambdarank}``.

    Differences from allRank: each pair term is computed as ``-rho * logsigmoid(.)``, where
    allRank takes the log of ``clamp(sigmoid(.), 1e-10) ** rho``; the two agree until
    ``sigmoid`` falls below 1e-10 (a score gap of about 23), where allRank's clamp stops the
    gradient and this form keeps it. Lists without a relevant entry have ``maxDCG = 0`` and all
    ``G = 0`` (allRank clamps ``maxDCG`` to 1e-10; same result).

    Parameters
    ----------
    weighting
        One of ``"ranknet"``, ``"ndcg_loss1"``, ``"ndcg_loss2"``, ``"ndcg_loss2pp"``
        (default), ``"lambdarank"``.
    k
        Truncation; ``None`` keeps all positions.
    sigma, mu
        Score scale; weight of NDCG-Loss2 in NDCG-Loss2++.
    log
        ``"binary"`` (log base 2, allRank's default) or ``"natural"``.
    reduction
        ``"sum"`` over the selected pairs of the batch (allRank's default);
        ``"mean"`` over them (allRank ``reduction="mean"``); ``"none"``: per-list sums.

    Examples
    --------
    >>> import torch
    >>> s = torch.tensor([[0.2, 1.0, -0.5, 0.1]])
    >>> y = torch.tensor([[2, 0, 1, 0]])
    >>> round(lambda_loss(s, y, weighting="lambdarank", reduction="sum").item(), 4)
    1.0934
    """
    s, y, m = _prepare(scores, labels, mask, reduction=reduction)
    _check_k(k)
    _check_positive("sigma", sigma)
    _check_real("mu", mu)
    if not isinstance(weighting, str) or weighting not in _LAMBDA_SCHEMES:
        raise InvalidValueError(f"`weighting` must be one of {_LAMBDA_SCHEMES}; got {weighting!r}")
    if not isinstance(log, str) or log not in ("binary", "natural"):
        raise InvalidValueError(f"`log` must be 'binary' or 'natural'; got {log!r}")
    _check_nonnegative_labels(y, m, "lambda_loss")
    n = s.shape[-1]
    order = _sort_desc(s, m)
    s_sorted = torch.gather(_zero_padded(s, m), -1, order)
    y_sorted = torch.gather(y, -1, order)
    m_sorted = torch.gather(m, -1, order)

    # ndcg_loss1 keeps every pair of real entries, the diagonal included (allRank)
    pairs = _real_pairs(m_sorted) if weighting == "ndcg_loss1" else _label_pairs(y_sorted, m_sorted)
    if k is not None:
        top = torch.arange(n, device=s.device) < k
        pairs = pairs & top[None, :, None] & top[None, None, :]

    gains = _zero_padded(torch.pow(2.0, y_sorted) - 1.0, m_sorted)
    max_dcg = _ideal_dcg(_gains(y, "exp2"), m, k)
    g = gains / torch.where(max_dcg > 0, max_dcg, 1.0)[:, None]
    inv_d = _discounts(n, s)  # 1 / D_i

    def ndcg2() -> Tensor:
        idx = torch.arange(n, device=s.device)
        dist = (idx[:, None] - idx[None, :]).abs().to(s.dtype)
        delta = (1.0 / torch.log2(1.0 + dist) - 1.0 / torch.log2(2.0 + dist)).abs()
        delta = torch.where(dist > 0, delta, 0.0)
        return delta[None] * (g[:, :, None] - g[:, None, :]).abs()

    def lambdarank() -> Tensor:
        return (inv_d[:, None] - inv_d[None, :]).abs()[None] * (g[:, :, None] - g[:, None, :]).abs()

    if weighting == "ranknet":
        rho = torch.ones((), dtype=s.dtype, device=s.device)
    elif weighting == "ndcg_loss1":
        rho = (g * inv_d[None, :])[:, :, None]
    elif weighting == "ndcg_loss2":
        rho = ndcg2()
    elif weighting == "lambdarank":
        rho = lambdarank()
    else:
        rho = float(mu) * ndcg2() + lambdarank()  # float: an int past int64 is a number too

    diffs = s_sorted[:, :, None] - s_sorted[:, None, :]
    per_pair = -rho * F.logsigmoid(float(sigma) * diffs)
    if log == "binary":
        per_pair = per_pair / _LN2
    return _reduce_pairs(per_pair, pairs, reduction)


class LambdaLoss(_Loss):
    """Module form of :func:`lambda_loss`; keyword options as there."""

    fn = staticmethod(lambda_loss)
