"""Learning-to-rank losses in PyTorch, on padded batches with a mask.

Every loss is a function (``ranknet_loss``) and an :class:`torch.nn.Module` (``RankNetLoss``)
that stores the options and calls the function. The listwise losses share one calling
convention:

``loss(scores, labels, mask=None, *, ..., reduction="mean")``

* ``scores``: float tensor ``(B, L)``, model scores of ``L`` candidates for each of ``B``
  queries (rows shorter than ``L`` are padded).
* ``labels``: tensor ``(B, L)`` of graded relevance (higher is better; any real or integer
  dtype, converted to the dtype of ``scores``). Labels are targets: they are detached.
* ``mask``: boolean tensor ``(B, L)``, ``True`` for real entries; ``None`` means all real.
  **A NaN label also marks its entry as padding**, so a batch padded with NaN labels needs no
  mask. The values of padded scores and labels never matter: changing them changes neither the
  loss nor any gradient (they get a zero gradient).
* ``reduction``: ``"none"`` gives one value per list, shape ``(B,)``; ``"sum"`` their sum;
  ``"mean"`` the mean over the lists that take part (each docstring says which, and pairwise
  losses say what they average over).

Scores are compared with log-sum-exp, ``logsigmoid`` and ``softplus``, never with ``log`` of a
probability, so large score gaps neither overflow nor lose their gradient. Equal scores are
ordered by input position wherever a loss needs an order of the scores; equal labels likewise
(``ties`` where a loss offers the choice).

Where reference libraries disagree (padding, ties, truncation, which lists a mean counts),
each docstring states the choice taken here. The losses, each with the oracle it is tested
against in ``tests/test_losses.py``:

* :func:`ranknet_loss`: allRank ``rankNet`` (plain and weighted); loop for FIRST ``1/(r_i + r_j)``
  weights
* :func:`lambda_loss`: allRank ``lambdaLoss`` (every scheme, ``k``, reductions)
* :func:`listnet_loss`: allRank ``listNet``; loop for ``target="normalize"``
* :func:`listmle_loss`: allRank ``listMLE``
* :func:`position_aware_listmle_loss`: loop of sentence-transformers' ``PListMLELoss`` weights
* :func:`ranklist_loss`: loop (the form is chosen here; see its docstring)
* :func:`approx_ndcg_loss`: allRank ``approxNDCGLoss``
* :func:`neural_ndcg_loss`: allRank ``neuralNDCG``, ``neuralNDCG_transposed``, stochastic variant
* :func:`margin_mse_loss`: sentence-transformers ``MarginMSELoss``
* :func:`info_nce_loss`: sentence-transformers ``MultipleNegativesRankingLoss``; loops for several
  positives
* :func:`yes_no_loss`: loop (two-way softmax, binary cross-entropy)
* :func:`importance_aware_lm_loss`: loop of fullrank's ``GenerationRanker.forward`` weighting
* :func:`pg_rank_loss`: exact gradient of expected nDCG (all permutations)
* :func:`dpo_loss`: DPO Eq. 7 (trl ``sigmoid``); loops for lists
* :func:`irpo_loss`: loop of the official ``rdpo_loss``
* :func:`madpo_loss`: loop of the official ``MADPOLoss``
* :func:`spearman_loss`: scipy ``spearmanr`` at low temperature
* :func:`pearson_loss`: numpy ``corrcoef``
* :func:`ips_pointwise_loss`: loop
* :func:`ips_pairwise_loss`: loop
* :func:`threshold_consistent_margin_loss`: pytorch-metric-learning
  ``ThresholdConsistentMarginLoss``

allRank (commit c884756) cannot be installed next to current numpy, so the tests use a
transcription of its functions (``tests/allrank_reference.py``).

>>> import torch
>>> from rankwise.torch.losses import listnet_loss, ranknet_loss
>>> scores = torch.tensor([[2.0, 1.0, 0.0], [0.5, 1.5, 0.0]])
>>> labels = torch.tensor([[2.0, 1.0, 0.0], [1.0, 0.0, float("nan")]])  # NaN: padding
>>> round(ranknet_loss(scores, labels).item(), 4)
0.5167
>>> round(listnet_loss(scores, labels).item(), 4)
0.9384
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal

try:
    import torch
    import torch.nn.functional as F  # noqa: N812
    from torch import Tensor, nn
except ImportError as error:  # pragma: no cover - exercised only without torch
    raise ImportError(
        "rankwise.torch.losses needs PyTorch; install it with `pip install 'rankwise[torch]'`"
    ) from error

from rankwise.errors import InvalidValueError, RankwiseTypeError, ShapeError

__all__ = [
    "ApproxNDCGLoss",
    "DPOLoss",
    "IPSPairwiseLoss",
    "IPSPointwiseLoss",
    "IRPOLoss",
    "ImportanceAwareLMLoss",
    "InfoNCELoss",
    "LambdaLoss",
    "ListMLELoss",
    "ListNetLoss",
    "MADPOLoss",
    "MarginMSELoss",
    "NeuralNDCGLoss",
    "PGRankLoss",
    "PearsonLoss",
    "PositionAwareListMLELoss",
    "RankListLoss",
    "RankNetLoss",
    "SpearmanLoss",
    "ThresholdConsistentMarginLoss",
    "YesNoLoss",
    "approx_ndcg_loss",
    "dpo_loss",
    "fullrank_token_ranks",
    "importance_aware_lm_loss",
    "info_nce_loss",
    "ips_pairwise_loss",
    "ips_pointwise_loss",
    "irpo_loss",
    "lambda_loss",
    "listmle_loss",
    "listnet_loss",
    "madpo_loss",
    "madpo_weights",
    "margin_mse_loss",
    "neural_ndcg_loss",
    "neural_sort",
    "pearson_loss",
    "pg_rank_loss",
    "plackett_luce_log_prob",
    "plackett_luce_sample",
    "position_aware_listmle_loss",
    "ranklist_loss",
    "ranknet_loss",
    "soft_rank",
    "soft_sort",
    "spearman_loss",
    "threshold_consistent_margin_loss",
    "yes_no_loss",
]

Reduction = Literal["mean", "sum", "none"]
_REDUCTIONS = ("mean", "sum", "none")
_LN2 = math.log(2.0)
# Padded scores are replaced by (smallest real score of the list) - _GAP: far enough below
# every real score that exp() of the difference is exactly 0 in float32 and float64, yet
# finite, so no inf - inf = NaN appears in a forward or backward pass.
_GAP = 1.0e4


# --------------------------------------------------------------------------------------------
# Validation and shared helpers
# --------------------------------------------------------------------------------------------


def _tensor(name: str, value: object) -> Tensor:
    if not isinstance(value, torch.Tensor):
        raise RankwiseTypeError(f"`{name}` must be a torch.Tensor; got {type(value).__name__}")
    return value


def _float_tensor(name: str, value: object, ndim: int | None = None) -> Tensor:
    x = _tensor(name, value)
    if not x.is_floating_point():
        raise RankwiseTypeError(
            f"`{name}` must have a floating-point dtype (float16/bfloat16/float32/float64); "
            f"got {x.dtype}"
        )
    if ndim is not None and x.dim() != ndim:
        raise ShapeError(
            f"`{name}` must be a {ndim}-D tensor; got shape {tuple(x.shape)} ({x.dim()}-D)"
        )
    return x


def _same_shape(name: str, x: Tensor, ref_name: str, ref: Tensor) -> None:
    if x.shape != ref.shape:
        raise ShapeError(
            f"`{name}` must have shape {tuple(ref.shape)} matching `{ref_name}`; "
            f"got {tuple(x.shape)}"
        )


def _check_reduction(reduction: object) -> None:
    if not isinstance(reduction, str) or reduction not in _REDUCTIONS:
        raise InvalidValueError(
            f"`reduction` must be one of 'mean', 'sum', 'none'; got {reduction!r}"
        )


def _finite(value: float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an int beyond float64
        return False


def _check_positive(name: str, value: float) -> None:
    if not (isinstance(value, (int, float)) and _finite(value) and value > 0):
        raise InvalidValueError(f"`{name}` must be a finite number > 0; got {value!r}"[:300])


def _check_flag(name: str, value: object) -> None:
    if not isinstance(value, bool):
        raise RankwiseTypeError(f"`{name}` must be True or False; got {type(value).__name__}")


def _check_count(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidValueError(f"`{name}` must be an integer >= 1; got {value!r}"[:300])


def _check_samples(n_samples: int, per_sample: int, bytes_each: int, device: torch.device) -> None:
    """Refuse an ``n_samples`` whose sampled tensors cannot exist, before drawing them.

    ``per_sample`` values of ``bytes_each`` bytes (every intermediate the draw holds at once)
    per sample: their total is reserved once, untouched, on the CPU (where the noise is drawn)
    and on ``device``, and released. Without this a huge count ended in torch's raw allocator
    error (``RuntimeError: ... can't allocate memory``) after minutes of swapping, or beyond
    ``2**63`` elements in an overflow.
    """
    values = n_samples * per_sample
    needed = values * bytes_each
    if values >= 2**62 or needed >= 2**63:
        ok = False
    else:
        ok = True
        for where in {torch.device("cpu"), device}:
            try:
                probe = torch.empty(needed, dtype=torch.uint8, device=where)
            except (RuntimeError, MemoryError):
                ok = False
                break
            del probe
    if not ok:
        raise InvalidValueError(
            f"`n_samples` must be small enough for the samples to fit in memory "
            f"({values} sampled values need {needed} bytes); got {n_samples}"
        )


def _check_real(name: str, value: object) -> None:
    if isinstance(value, bool) or not (isinstance(value, (int, float)) and _finite(value)):
        raise InvalidValueError(f"`{name}` must be a finite number; got {value!r}"[:300])


def _generator(generator: object, seed: object) -> torch.Generator:
    """``generator`` as given, or a new one seeded with ``seed`` (fresh entropy if None)."""
    if generator is not None:
        if not isinstance(generator, torch.Generator):
            raise RankwiseTypeError(
                f"`generator` must be a torch.Generator or None; got {type(generator).__name__}"
            )
        return generator
    made = torch.Generator()
    if seed is None:
        made.seed()
    elif isinstance(seed, bool) or not isinstance(seed, int) or not -(2**63) <= seed < 2**64:
        raise InvalidValueError(
            f"`seed` must be None or an integer in [-2**63, 2**64); got {seed!r}"[:300]
        )
    else:
        made.manual_seed(seed)
    return made


def _check_k(k: int | None) -> None:
    if k is not None and (isinstance(k, bool) or not isinstance(k, int) or not 1 <= k < 2**63):
        raise InvalidValueError(f"`k` must be None or an integer >= 1; got {k!r}")


def _mask(mask: object, scores: Tensor, scores_name: str = "scores") -> Tensor:
    """The boolean mask of ``scores`` (all True when ``mask`` is None), validated."""
    if mask is None:
        return torch.ones(scores.shape, dtype=torch.bool, device=scores.device)
    m = _tensor("mask", mask)
    if m.dtype != torch.bool:
        raise RankwiseTypeError(
            f"`mask` must be a boolean tensor (True = real entry); got dtype {m.dtype}"
        )
    _same_shape("mask", m, scores_name, scores)
    return m.to(scores.device)


def _prepare(
    scores: object,
    labels: object,
    mask: object,
    *,
    scores_name: str = "scores",
    labels_name: str = "labels",
) -> tuple[Tensor, Tensor, Tensor]:
    """Validate a padded batch; return (scores, labels in the scores dtype, mask).

    Padded labels are set to 0 (and detached); padded scores are left as they are, every loss
    masks them itself.
    """
    s = _float_tensor(scores_name, scores, ndim=2)
    y = _tensor(labels_name, labels)
    _same_shape(labels_name, y, scores_name, s)
    if y.dtype == torch.bool or y.is_complex():
        raise RankwiseTypeError(f"`{labels_name}` must have a real or integer dtype; got {y.dtype}")
    y = y.detach().to(dtype=s.dtype, device=s.device)
    m = _mask(mask, s, scores_name) & ~torch.isnan(y)
    y = torch.where(m, y, torch.zeros((), dtype=s.dtype, device=s.device))
    return s, y, m


def _check_nonnegative_labels(labels: Tensor, mask: Tensor, what: str) -> None:
    if bool(((labels < 0) & mask).any()):
        raise InvalidValueError(
            f"`labels` must be >= 0 for {what} (the gain is 2**label - 1); "
            f"got a minimum of {labels[mask].min().item()!r}"
        )


def _clean(scores: Tensor, mask: Tensor) -> Tensor:
    """Scores with padded entries replaced by a value far below the list's real scores.

    The replacement is computed from detached real scores, so neither the padded values nor the
    replacement carry a gradient or depend on what the padding held.
    """
    big = torch.finfo(scores.dtype).max
    low = torch.where(mask, scores.detach(), big).amin(dim=-1, keepdim=True)
    low = torch.where(low == big, torch.zeros_like(low), low)
    return torch.where(mask, scores, low - _GAP)


def _zero_padded(x: Tensor, mask: Tensor) -> Tensor:
    return torch.where(mask, x, torch.zeros((), dtype=x.dtype, device=x.device))


def _reduce(per_list: Tensor, reduction: str, count: Tensor | None = None) -> Tensor:
    """Reduce per-list values; ``count`` (per list) sets the denominator of "mean"."""
    if reduction == "none":
        return per_list
    if reduction == "sum":
        return per_list.sum()
    total = count.sum() if count is not None else torch.tensor(per_list.shape[0])
    return per_list.sum() / total.clamp(min=1).to(per_list.dtype)


def _sort_desc(keys: Tensor, mask: Tensor) -> Tensor:
    """Indices sorting each row by ``keys`` descending, padded entries last, ties by position."""
    k = torch.where(mask, keys.detach(), torch.tensor(-math.inf, dtype=keys.dtype))
    return torch.sort(k, dim=-1, descending=True, stable=True).indices


def _gains(labels: Tensor, gain: str) -> Tensor:
    if gain == "exp2":
        return torch.pow(2.0, labels) - 1.0
    if gain == "linear":
        return labels
    raise InvalidValueError(f"`gain` must be 'exp2' or 'linear'; got {gain!r}")


def _discounts(n: int, like: Tensor) -> Tensor:
    """``1 / log2(1 + r)`` for r = 1..n."""
    r = torch.arange(1, n + 1, dtype=like.dtype, device=like.device)
    return 1.0 / torch.log2(1.0 + r)


def _ideal_dcg(gains: Tensor, mask: Tensor, k: int | None) -> Tensor:
    """DCG@k of the ideal order: real gains sorted descending."""
    ideal = torch.sort(_zero_padded(gains, mask), dim=-1, descending=True).values
    disc = _discounts(gains.shape[-1], gains)
    if k is not None:
        disc = torch.where(torch.arange(gains.shape[-1], device=gains.device) < k, disc, 0.0)
    return (ideal * disc).sum(dim=-1)


def _compact(mask: Tensor, *tensors: Tensor) -> tuple[Tensor, ...]:
    """Move each row's real entries to the front (keeping their order); pads go last."""
    order = torch.sort((~mask).to(torch.int8), dim=-1, stable=True).indices
    return (torch.gather(mask, -1, order), *(torch.gather(t, -1, order) for t in tensors))


class _Loss(nn.Module):
    """Base class: stores keyword options and forwards them to ``fn``."""

    fn: Callable[..., Tensor]

    def __init__(self, **options: Any) -> None:
        super().__init__()
        self.options = options

    def forward(self, *args: Any, **kwargs: Any) -> Tensor:
        return type(self).fn(*args, **{**self.options, **kwargs})

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in self.options.items())


# --------------------------------------------------------------------------------------------
# Pairwise: RankNet and the LambdaLoss framework
# --------------------------------------------------------------------------------------------


def _target_ranks(labels: Tensor, mask: Tensor) -> Tensor:
    """1-based rank of each entry when sorted by label descending (ties by position)."""
    order = _sort_desc(labels, mask)
    ranks = torch.empty_like(order)
    positions = torch.arange(1, labels.shape[-1] + 1, device=labels.device).expand_as(order)
    ranks.scatter_(-1, order, positions)
    return ranks


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
    s, y, m = _prepare(scores, labels, mask)
    _check_reduction(reduction)
    _check_positive("sigma", sigma)
    sc = _zero_padded(s, m)
    pairs = m[:, :, None] & m[:, None, :] & (y[:, :, None] > y[:, None, :])
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
    per_pair = torch.where(pairs, per_pair, 0.0)
    return _reduce(per_pair.sum(dim=(1, 2)), reduction, pairs.sum(dim=(1, 2)))


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
    s, y, m = _prepare(scores, labels, mask)
    _check_reduction(reduction)
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

    pairs = m_sorted[:, :, None] & m_sorted[:, None, :]
    if weighting != "ndcg_loss1":
        pairs = pairs & (y_sorted[:, :, None] > y_sorted[:, None, :])
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
    per_pair = torch.where(pairs, per_pair, 0.0)
    return _reduce(per_pair.sum(dim=(1, 2)), reduction, pairs.sum(dim=(1, 2)))


class LambdaLoss(_Loss):
    """Module form of :func:`lambda_loss`; keyword options as there."""

    fn = staticmethod(lambda_loss)


# --------------------------------------------------------------------------------------------
# Listwise: ListNet, ListMLE, position-aware ListMLE, RankList
# --------------------------------------------------------------------------------------------


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
    s, y, m = _prepare(scores, labels, mask)
    _check_reduction(reduction)
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
    if ties != "random":
        raise InvalidValueError(f"`ties` must be 'position' or 'random'; got {ties!r}")
    n = labels.shape[-1]
    perm = torch.randperm(n, generator=generator).to(labels.device)
    inner = _sort_desc(labels[:, perm], mask[:, perm])
    return perm[inner]


def _plackett_luce_terms(s_sorted: Tensor, m_sorted: Tensor) -> Tensor:
    """``LSE(s_i, ..., s_n) - s_i`` at each real sorted position (0 at padding)."""
    x = _clean(s_sorted, m_sorted)
    lse = torch.flip(torch.logcumsumexp(torch.flip(x, dims=[-1]), dim=-1), dims=[-1])
    return _zero_padded(lse - x, m_sorted)


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
    s, y, m = _prepare(scores, labels, mask)
    _check_reduction(reduction)
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
    s, y, m = _prepare(scores, labels, mask)
    _check_reduction(reduction)
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
    s, y, m = _prepare(scores, labels, mask)
    _check_reduction(reduction)
    _check_positive("sigma", sigma)
    if max_skip is not None and (
        isinstance(max_skip, bool) or not isinstance(max_skip, int) or not 0 < max_skip < 2**63
    ):
        raise InvalidValueError(f"`max_skip` must be None or an integer >= 1; got {max_skip!r}")
    if max_skip is not None and max_skip < 1:
        raise InvalidValueError(f"`max_skip` must be None or an integer >= 1; got {max_skip!r}")
    sc = _zero_padded(s, m)
    comp = m[:, :, None] & m[:, None, :] & (y[:, :, None] > y[:, None, :])
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


# --------------------------------------------------------------------------------------------
# Metric-approximating: ApproxNDCG, NeuralNDCG (NeuralSort + Sinkhorn)
# --------------------------------------------------------------------------------------------


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
    s, y, m = _prepare(scores, labels, mask)
    _check_reduction(reduction)
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
    has = max_dcg > 0
    per_list = torch.where(has, -dcg / torch.where(has, max_dcg, 1.0), 0.0)
    return _reduce(per_list, reduction, has)


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
    s = _float_tensor("scores", scores, ndim=2)
    _check_positive("temperature", temperature)
    m = _mask(mask, s)
    n_real = m.sum(dim=-1, keepdim=True).to(s.dtype)
    sc = _zero_padded(s, m)
    pair = m[:, :, None] & m[:, None, :]
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
    s, y, m = _prepare(scores, labels, mask)
    _check_reduction(reduction)
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
        if isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < 1:
            raise InvalidValueError(f"`n_samples` must be an integer >= 1; got {n_samples!r}")
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
    disc = _discounts(n, s)
    if k is not None:
        disc = torch.where(torch.arange(n, device=s.device) < k, disc, 0.0)
    if transposed:
        dcg = (g * torch.einsum("sbrj,r->sbj", p_hat, disc)).sum(dim=-1).mean(dim=0)
    else:
        dcg = (torch.einsum("sbrj,bj->sbr", p_hat, g) * disc).sum(dim=-1).mean(dim=0)
    max_dcg = _ideal_dcg(g, m, k)
    has = max_dcg > 0
    per_list = torch.where(has, -dcg / torch.where(has, max_dcg, 1.0), 0.0)
    return _reduce(per_list, reduction, has)


class NeuralNDCGLoss(_Loss):
    """Module form of :func:`neural_ndcg_loss`; keyword options as there."""

    fn = staticmethod(neural_ndcg_loss)


# --------------------------------------------------------------------------------------------
# Distillation and contrastive: Margin-MSE, InfoNCE, pointwise yes/no
# --------------------------------------------------------------------------------------------


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
    s, t, m = _prepare(scores, labels, mask)
    _check_reduction(reduction)
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
    s, y, m = _prepare(scores, labels, mask)
    _check_reduction(reduction)
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
    no = _float_tensor("no_logits", no_logits, ndim=2)
    _same_shape("no_logits", no, "yes_logits", yes)
    no = no.to(device=yes.device)
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


# --------------------------------------------------------------------------------------------
# Listwise LM loss (fullrank)
# --------------------------------------------------------------------------------------------


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
    valid = t != ignore_index
    if bool(((r < 0) & valid).any()):
        raise InvalidValueError("`ranks` must be >= 0 (0 = separator, r >= 1 = identifier rank)")
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


# --------------------------------------------------------------------------------------------
# Plackett-Luce policy gradient (PG-Rank)
# --------------------------------------------------------------------------------------------


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
    if isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < 1:
        raise InvalidValueError(f"`n_samples` must be an integer >= 1; got {n_samples!r}")
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
    disc = _discounts(n, labels)
    if k is not None:
        disc = torch.where(torch.arange(n, device=labels.device) < k, disc, 0.0)
    dcg = (g_sorted * disc).sum(dim=-1)
    ideal = _ideal_dcg(gains, mask, k)[:, None]
    return torch.where(ideal > 0, dcg / torch.where(ideal > 0, ideal, 1.0), 0.0)


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
    s, y, m = _prepare(scores, labels, mask)
    _check_reduction(reduction)
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


# --------------------------------------------------------------------------------------------
# Preference optimisation: DPO, IRPO, MADPO
# --------------------------------------------------------------------------------------------


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
    pol, y, m = _prepare(policy_logps, labels, mask, scores_name="policy_logps")
    ref = _float_tensor("ref_logps", ref_logps, ndim=2)
    _same_shape("ref_logps", ref, "policy_logps", pol)
    ref = ref.detach().to(dtype=pol.dtype, device=pol.device)
    _check_reduction(reduction)
    _check_positive("beta", beta)
    h = beta * (_zero_padded(pol, m) - _zero_padded(ref.detach(), m))
    if model == "bradley_terry":
        pairs = m[:, :, None] & m[:, None, :] & (y[:, :, None] > y[:, None, :])
        per_pair = torch.where(pairs, -F.logsigmoid(h[:, :, None] - h[:, None, :]), 0.0)
        return _reduce(per_pair.sum(dim=(1, 2)), reduction, pairs.sum(dim=(1, 2)))
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
    pol, y, m = _prepare(policy_logps, labels, mask, scores_name="policy_logps")
    ref = _float_tensor("ref_logps", ref_logps, ndim=2)
    _same_shape("ref_logps", ref, "policy_logps", pol)
    ref = ref.detach().to(dtype=pol.dtype, device=pol.device)
    _check_reduction(reduction)
    _check_positive("beta", beta)
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
    cmin = 1.0 / c_max if c_min is None else c_min
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


# --------------------------------------------------------------------------------------------
# Differentiable correlation: SoftSort / NeuralSort ranks, Spearman, Pearson
# --------------------------------------------------------------------------------------------


def soft_sort(scores: Tensor, mask: Tensor | None = None, *, temperature: float = 1.0) -> Tensor:
    r"""SoftSort relaxation (Prillo & Eisenschlos, ICML 2020) of the descending sort.

    ``P[r, j] = softmax_j(-|sort_desc(s)_r - s_j| / temperature)`` over real entries; padded
    entries must come last (rows and columns of padding are 0).

    >>> import torch
    >>> soft_sort(torch.tensor([[0.0, 3.0, 1.0]]), temperature=0.01).argmax(-1)
    tensor([[1, 2, 0]])
    """
    s = _float_tensor("scores", scores, ndim=2)
    _check_positive("temperature", temperature)
    m = _mask(mask, s)
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
        p = torch.where(
            m[:, :, None] & m[:, None, :], neural_sort(s, m, temperature=temperature), 0.0
        )
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
    both = mask[:, :, None] & mask[:, None, :]
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
    s, y, m = _prepare(scores, labels, mask)
    _check_reduction(reduction)
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
    s, y, m = _prepare(scores, labels, mask)
    _check_reduction(reduction)
    per_list = 1.0 - _masked_pearson(_zero_padded(s, m), y, m)
    return _reduce(per_list, reduction, m.sum(dim=-1) >= 2)


class PearsonLoss(_Loss):
    """Module form of :func:`pearson_loss`; keyword options as there."""

    fn = staticmethod(pearson_loss)


# --------------------------------------------------------------------------------------------
# Click data: inverse propensity scoring
# --------------------------------------------------------------------------------------------


def _ips_weights(clicks: Tensor, propensities: object, mask: Tensor, clip: float | None) -> Tensor:
    p = _float_tensor("propensities", propensities, ndim=2)
    _same_shape("propensities", p, "scores", clicks)
    p = p.detach().to(dtype=clicks.dtype, device=clicks.device)
    if bool(((p <= 0) | (p > 1) | torch.isnan(p))[mask].any()):
        raise InvalidValueError("`propensities` must lie in (0, 1] at real entries")
    if clip is not None:
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
    s, c, m = _prepare(scores, clicks, mask, labels_name="clicks")
    _check_reduction(reduction)
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
    s, c, m = _prepare(scores, clicks, mask, labels_name="clicks")
    _check_reduction(reduction)
    _check_positive("sigma", sigma)
    w = _ips_weights(c, propensities, m, clip)
    clicked = m & (c > 0)
    pairs = clicked[:, :, None] & (m & ~clicked)[:, None, :]
    sc = _zero_padded(s, m)
    per_pair = w[:, :, None] * F.softplus(-float(sigma) * (sc[:, :, None] - sc[:, None, :]))
    per_pair = torch.where(pairs, per_pair, 0.0)
    return _reduce(per_pair.sum(dim=(1, 2)), reduction, pairs.sum(dim=(1, 2)))


class IPSPairwiseLoss(_Loss):
    """Module form of :func:`ips_pairwise_loss`; keyword options as there."""

    fn = staticmethod(ips_pairwise_loss)


# --------------------------------------------------------------------------------------------
# Threshold-Consistent Margin regulariser
# --------------------------------------------------------------------------------------------


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
    lab = lab.to(e.device)
    unit = F.normalize(e, dim=-1)
    sims = unit @ unit.T
    off = ~torch.eye(e.shape[0], dtype=torch.bool, device=e.device)
    same = (lab[:, None] == lab[None, :]) & off
    diff = (lab[:, None] != lab[None, :]) & off
    hard_pos = same & (sims <= margin_plus)
    hard_neg = diff & (sims >= margin_minus)
    pos_sum = torch.where(hard_pos, margin_plus - sims, 0.0).sum()
    neg_sum = torch.where(hard_neg, sims - margin_minus, 0.0).sum()
    n_pos = hard_pos.sum().clamp(min=1).to(e.dtype)
    n_neg = hard_neg.sum().clamp(min=1).to(e.dtype)
    return lambda_plus * pos_sum / n_pos + lambda_minus * neg_sum / n_neg


class ThresholdConsistentMarginLoss(_Loss):
    """Module form of :func:`threshold_consistent_margin_loss`; keyword options as there."""

    fn = staticmethod(threshold_consistent_margin_loss)
