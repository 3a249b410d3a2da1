"""The listwise LM loss of fullrank."""

from __future__ import annotations

import torch
import torch.nn.functional as F  # noqa: N812
from torch import Tensor

from rankwise.errors import InvalidValueError, RankwiseTypeError, ShapeError

from ._common import (
    Reduction,
    _check_int,
    _check_reduction,
    _float_tensor,
    _Loss,
    _same_shape,
    _tensor,
)


def fullrank_token_ranks(targets: Tensor, separator_id: int, *, ignore_index: int = -100) -> Tensor:
    """Rank of the identifier each target token belongs to, as fullrank counts it.

    ``r`` starts at 1 and grows by one after every separator token (``separator_id``, e.g.
    Mistral's ``'▁>'`` = 1644); separators get 0 (weight 1 in
    :func:`importance_aware_lm_loss`), ignored tokens get 0 as well.

    >>> import torch
    >>> t = torch.tensor([[-100, 7, 8, 1644, 9, 8, 1644, 5, 2]])
    >>> fullrank_token_ranks(t, 1644).tolist()
    [[0, 1, 1, 0, 2, 2, 0, 3, 3]]
    """
    t = _tensor("targets", targets)
    _check_int("separator_id", separator_id)
    _check_int("ignore_index", ignore_index)
    sep = t == separator_id
    before = torch.cumsum(sep.to(torch.int64), dim=-1) - sep.to(torch.int64)
    ranks = 1 + before
    return torch.where(sep | (t == ignore_index), 0, ranks)


def importance_aware_lm_loss(
    logits: Tensor,
    targets: Tensor,
    ranks: Tensor,
    *,
    ignore_index: int = -100,
    reduction: Reduction = "mean",
) -> Tensor:
    r"""Importance-aware listwise LM loss of fullrank (Liu et al., ACL 2025).

    Token-level NLL of the target permutation text, each token weighted by the rank of the
    passage identifier it belongs to:

    .. math:: L = \frac{\sum_t w_t\, (-\log p(y_t \mid x, y_{<t}))}
                       {\#\{t : y_t \ne \text{ignore}\}},
              \qquad w_t = 1 + \frac{1}{\log_2(r_t + 1)}\ (r_t \ge 1), \quad w_t = 1\ (r_t = 0)

    ``logits (B, T, V)`` must already be aligned with ``targets (B, T)`` (``logits[:, t]``
    predicts ``targets[:, t]``; shift a causal LM's output first). ``ranks (B, T)`` gives the
    1-based identifier rank of each token and 0 for separators (build it with
    :func:`fullrank_token_ranks`, or mark identifier spans yourself). The normalisation is the
    **token count, not the weight sum** (spec rerank-algorithms.md §7.3). ``"mean"``: that ratio
    over the whole batch (fullrank's); ``"sum"``: the weighted sum; ``"none"``: ``(B, T)``
    weighted token losses (0 at ignored tokens).

    Examples
    --------
    >>> import math
    >>> import torch
    >>> logits = torch.zeros(1, 3, 4)                 # uniform over 4 tokens: NLL = log 4
    >>> targets = torch.tensor([[1, 3, 2]])
    >>> ranks = torch.tensor([[1, 0, 2]])            # [1] > [2]
    >>> w = (2.0 + 1.0 + 1.0 + 1 / math.log2(3)) / 3
    >>> loss = importance_aware_lm_loss(logits, targets, ranks)
    >>> bool(torch.isclose(loss, torch.tensor(w * math.log(4))))
    True
    """
    lg = _float_tensor("logits", logits, ndim=3)
    t = _tensor("targets", targets)
    r = _tensor("ranks", ranks)
    if t.shape != lg.shape[:2]:
        raise ShapeError(
            f"`targets` must have shape {tuple(lg.shape[:2])} (B, T) matching `logits` "
            f"{tuple(lg.shape)}; got {tuple(t.shape)}"
        )
    _same_shape("ranks", r, "targets", t)
    if t.is_floating_point() or t.dtype == torch.bool:
        raise RankwiseTypeError(f"`targets` must be an integer tensor of token ids; got {t.dtype}")
    if r.is_floating_point() or r.dtype == torch.bool:
        raise RankwiseTypeError(f"`ranks` must be an integer tensor; got {r.dtype}")
    _check_reduction(reduction)
    _check_int("ignore_index", ignore_index)
    valid = t != ignore_index
    if bool(((r < 0) & valid).any()):
        raise InvalidValueError("`ranks` must be >= 0 (0 = separator, r >= 1 = identifier rank)")
    if bool((((t < 0) | (t >= lg.shape[-1])) & valid).any()):
        raise InvalidValueError(
            f"`targets` must be token ids in [0, {lg.shape[-1]}) (the vocabulary of `logits`) "
            f"or `ignore_index` ({ignore_index})"
        )
    nll = F.cross_entropy(
        lg.reshape(-1, lg.shape[-1]), t.reshape(-1), ignore_index=ignore_index, reduction="none"
    ).reshape(t.shape)
    rf = r.to(lg.dtype)
    w = torch.where(r > 0, 1.0 + 1.0 / torch.log2(rf.clamp(min=1.0) + 1.0), 1.0)
    per_token = torch.where(valid, w * nll, 0.0)
    if reduction == "none":
        return per_token
    if reduction == "sum":
        return per_token.sum()
    return per_token.sum() / valid.sum().clamp(min=1).to(lg.dtype)


class ImportanceAwareLMLoss(_Loss):
    """Module form of :func:`importance_aware_lm_loss`; keyword options as there."""

    fn = staticmethod(importance_aware_lm_loss)
