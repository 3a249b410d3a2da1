"""Validation and helpers shared by the losses of :mod:`rankwise.torch.losses`."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal

import torch
from torch import Tensor, nn

from rankwise.errors import InvalidValueError, RankwiseTypeError, ShapeError

Reduction = Literal["mean", "sum", "none"]
_REDUCTIONS = ("mean", "sum", "none")
_LN2 = math.log(2.0)
# Padded scores are replaced by (smallest real score of the list) - _GAP: far enough below
# every real score that exp() of the difference is exactly 0 in float32 and float64, yet
# finite, so no inf - inf = NaN appears in a forward or backward pass.
_GAP = 1.0e4
# _prepare's default `reduction`: not checked there (None is a value to refuse, not a default).
_UNCHECKED = object()


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


def _companion(name: str, value: object, ref_name: str, ref: Tensor, *, target: bool) -> Tensor:
    """A second 2-D floating-point input of the shape of ``ref`` (checked), on its device;
    a ``target`` (no gradient through it) is also detached and cast to ``ref``'s dtype."""
    x = _float_tensor(name, value, ndim=2)
    _same_shape(name, x, ref_name, ref)
    if target:
        return x.detach().to(dtype=ref.dtype, device=ref.device)
    return x.to(device=ref.device)


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


def _check_int(name: str, value: object) -> None:
    """An integer that fits in int64 (a token id, an ignore index)."""
    if isinstance(value, bool) or not isinstance(value, int) or not -(2**63) <= value < 2**63:
        raise InvalidValueError(f"`{name}` must be an integer; got {value!r}"[:300])


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


def _sort_inputs(scores: object, mask: Tensor | None, temperature: float) -> tuple[Tensor, Tensor]:
    """The checked inputs of a relaxed sort: ``scores`` (2-D, floating point) and its mask,
    after checking that ``temperature`` is positive."""
    s = _float_tensor("scores", scores, ndim=2)
    _check_positive("temperature", temperature)
    return s, _mask(mask, s)


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
    reduction: object = _UNCHECKED,
) -> tuple[Tensor, Tensor, Tensor]:
    """Validate a padded batch, then ``reduction`` when given (a loss with more inputs checks
    it after them); return (scores, labels in the scores dtype, mask).

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
    if reduction is not _UNCHECKED:
        _check_reduction(reduction)
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


def _discounts(n: int, like: Tensor, k: int | None = None) -> Tensor:
    """``1 / log2(1 + r)`` for r = 1..n; 0 beyond rank ``k`` (None: no cutoff)."""
    r = torch.arange(1, n + 1, dtype=like.dtype, device=like.device)
    disc = 1.0 / torch.log2(1.0 + r)
    if k is not None:
        disc = torch.where(torch.arange(n, device=like.device) < k, disc, 0.0)
    return disc


def _ideal_dcg(gains: Tensor, mask: Tensor, k: int | None) -> Tensor:
    """DCG@k of the ideal order: real gains sorted descending."""
    ideal = torch.sort(_zero_padded(gains, mask), dim=-1, descending=True).values
    return (ideal * _discounts(gains.shape[-1], gains, k)).sum(dim=-1)


def _ratio_or_zero(num: Tensor, den: Tensor) -> Tensor:
    """``num / den`` where ``den > 0``, else 0 (an nDCG whose ideal DCG is 0), with no
    division by 0 in the forward or the backward pass."""
    has = den > 0
    return torch.where(has, num / torch.where(has, den, 1.0), 0.0)


def _compact(mask: Tensor, *tensors: Tensor) -> tuple[Tensor, ...]:
    """Move each row's real entries to the front (keeping their order); pads go last."""
    order = torch.sort((~mask).to(torch.int8), dim=-1, stable=True).indices
    return (torch.gather(mask, -1, order), *(torch.gather(t, -1, order) for t in tensors))


def _target_ranks(labels: Tensor, mask: Tensor) -> Tensor:
    """1-based rank of each entry when sorted by label descending (ties by position)."""
    order = _sort_desc(labels, mask)
    ranks = torch.empty_like(order)
    positions = torch.arange(1, labels.shape[-1] + 1, device=labels.device).expand_as(order)
    ranks.scatter_(-1, order, positions)
    return ranks


def _plackett_luce_terms(s_sorted: Tensor, m_sorted: Tensor) -> Tensor:
    """``LSE(s_i, ..., s_n) - s_i`` at each real sorted position (0 at padding)."""
    x = _clean(s_sorted, m_sorted)
    lse = torch.flip(torch.logcumsumexp(torch.flip(x, dims=[-1]), dim=-1), dims=[-1])
    return _zero_padded(lse - x, m_sorted)


def _reduce_pairs(per_pair: Tensor, pairs: Tensor, reduction: str) -> Tensor:
    """Reduce ``(B, L, L)`` pair terms over the ``pairs`` that take part: per-list sums, and
    for "mean" the number of pairs of the batch as the denominator."""
    per_pair = torch.where(pairs, per_pair, 0.0)
    return _reduce(per_pair.sum(dim=(1, 2)), reduction, pairs.sum(dim=(1, 2)))


def _real_pairs(mask: Tensor) -> Tensor:
    """``(B, L, L)``: True where entries ``i`` and ``j`` are both real."""
    return mask[:, :, None] & mask[:, None, :]


def _label_pairs(labels: Tensor, mask: Tensor) -> Tensor:
    """``(B, L, L)``: True where ``i`` and ``j`` are both real and ``labels[i] > labels[j]``."""
    return _real_pairs(mask) & (labels[:, :, None] > labels[:, None, :])


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
