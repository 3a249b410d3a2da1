"""Rewards for RL fine-tuning of rankers (GRPO-style, as Rank-R1, ERank and GroupRank train).

A reward says what one rollout's ranking is worth against the labels; a GRPO step needs it
for thousands of rollouts at once. Answers are read and measures computed in Rust, in
parallel, with no Python loop over rollouts:

* :func:`permutation_rewards`: a generated permutation text (``"[2] > [1] > [3]"``) per
  rollout, scored by an IR measure of the order it gives the rollout's window. A malformed
  answer (one needing any repair: a duplicate, an unknown or a missing identifier) gets
  ``penalty`` by default, as a format reward does; ``malformed="repair"`` scores the
  repaired order instead (minus ``repair_penalty``).
* :func:`score_rewards`: one score per candidate (pointwise or groupwise outputs): an IR
  measure, or ``"pairwise_accuracy"``.
* :func:`distribution_rewards`: GroupRank's distributional term (Sun et al. 2025,
  arXiv:2511.11653), in the form chosen here: ``1 - JS(softmax(scores / T),
  softmax(labels / T))`` with the Jensen-Shannon divergence in bits, so 1 means the score
  distribution matches the label distribution and 0 that they do not overlap. What is
  uncertain: the paper's abstract calls the term "a distributional reward aimed at aligning
  score distributions"; its equation (which divergence, which normalisation of scores and
  labels, which temperature) could not be read in its body, and no code of the authors is
  published, so this form may differ from theirs in those three choices.

Conventions (where references disagree):
measures are trec_eval's (nDCG with linear gains, as everywhere in rankwise); rows are dense
``(R, n)`` arrays or ragged flat arrays with ``offsets``; there is no padding
value (give ragged rows instead); equal scores keep input order (the stable tie rule of
:mod:`rankwise.metrics`); a list with no relevant candidate scores 0 on nDCG, as trec_eval
does; pairwise accuracy counts only pairs with different labels, a score tie as one half, and
a row with no such pair scores ``empty`` (0 by default: no signal).

Inputs may be numpy arrays, lists or torch tensors (detached, moved to the CPU); the result
is a float64 numpy array, or a torch tensor when ``labels`` is one.

>>> import numpy as np
>>> labels = np.array([[2, 0, 1], [2, 0, 1], [2, 0, 1]])
>>> permutation_rewards(["[1] > [3] > [2]", "[2] > [1] > [3]", "[1] > [1]"], labels, "nDCG@3")
array([ 1.        ,  0.66967182, -1.        ])
>>> score_rewards(np.array([[0.9, 0.1, 0.5]]), labels[:1], "pairwise_accuracy")
array([1.])
>>> distribution_rewards(np.array([[2.0, 0.0, 1.0]]), labels[:1]).round(6)
array([1.])
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from .. import _native
from ..errors import InvalidValueError, ShapeError
from ..metrics import evaluate_arrays

__all__ = ["distribution_rewards", "permutation_rewards", "score_rewards"]

Array = Any


def _numpy(x: Array, name: str) -> npt.NDArray[np.float64]:
    if hasattr(x, "detach"):  # a torch tensor
        x = x.detach().cpu().numpy()
    try:
        return np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise InvalidValueError(f"`{name}` must be numeric; got {type(x).__name__} ({e})") from None


def _rows(
    values: npt.NDArray[np.float64], offsets: Array | None, name: str
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Flat values and int64 offsets from a dense (R, n) array or a ragged 1-D one."""
    if offsets is None:
        if values.ndim != 2:
            raise ShapeError(
                f"`{name}` must be 2-D (rollouts, candidates), or 1-D with `offsets`; "
                f"got shape {values.shape}"
            )
        rows, width = values.shape
        return values.ravel(), np.arange(rows + 1, dtype=np.int64) * width
    offs = np.asarray(offsets, dtype=np.int64)
    if (
        values.ndim != 1
        or offs.ndim != 1
        or offs.size < 1
        or offs[0] != 0
        or offs[-1] != values.size
    ):
        raise ShapeError(
            f"`offsets` must run from 0 to len({name}) = {values.size} in one dimension; "
            f"got {offs.size} offsets ending at {offs[-1] if offs.size else None}"
        )
    if np.any(np.diff(offs) < 0):
        raise ShapeError("`offsets` must be non-decreasing")
    return values, offs


def _like(result: npt.NDArray[np.float64], template: Array) -> Any:
    if hasattr(template, "detach"):
        import torch

        return torch.as_tensor(result, device=template.device)
    return result


def _measure(
    scores: npt.NDArray[np.float64],
    labels: npt.NDArray[np.float64],
    offsets: npt.NDArray[np.int64],
    measure: str,
    empty: float,
) -> npt.NDArray[np.float64]:
    if measure == "pairwise_accuracy":
        return np.asarray(_native.pairwise_accuracy(scores, labels, offsets, empty=float(empty)))
    return evaluate_arrays(scores, labels, measure, offsets=offsets)[measure]


def permutation_rewards(
    texts: list[str],
    labels: Array,
    measure: str = "nDCG@10",
    *,
    offsets: Array | None = None,
    ids: str = "bracketed",
    first_id: int = 1,
    malformed: str = "penalty",
    penalty: float = -1.0,
    repair_penalty: float = 0.0,
    empty: float = 0.0,
) -> Any:
    """The reward of each rollout's generated permutation: ``measure`` of the order it gives
    its window, whose labels are row ``i`` of ``labels`` (the candidates in prompt order).

    ``malformed="penalty"`` (default) gives ``penalty`` to any answer that needs a repair;
    ``"repair"`` scores the repaired order minus ``repair_penalty``. ``ids``/``first_id`` say
    how identifiers are written (see :func:`rankwise.rerank.parse_permutation`).
    """
    if malformed not in ("penalty", "repair"):
        raise InvalidValueError(f'`malformed` must be "penalty" or "repair"; got {malformed!r}')
    if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
        raise InvalidValueError("`texts` must be a list of str, one generated answer per rollout")
    y, offs = _rows(_numpy(labels, "labels"), offsets, "labels")
    sizes = np.diff(offs)
    if sizes.size != len(texts):
        raise ShapeError(
            f"`labels` must have one row per text ({len(texts)}); got {sizes.size} rows"
        )
    order, status = _native.parse_permutations(
        texts if isinstance(texts, list) else list(texts),
        sizes.tolist(),
        ids=ids,
        first_id=first_id,
    )
    # Score n - rank at each candidate's position: the answer's order, best first.
    row_start = np.repeat(offs[:-1], sizes)
    rank = np.arange(order.size, dtype=np.int64) - row_start
    scores = np.empty(order.size, dtype=np.float64)
    scores[row_start + order] = np.repeat(sizes, sizes) - rank
    values = _measure(scores, y, offs, measure, empty)
    flags = np.frombuffer(status, dtype=np.uint8)  # 0 clean, 1 repaired, 2 refused
    if malformed == "penalty":
        values = np.where(flags > 0, float(penalty), values)
    else:
        values = np.where(flags > 0, values - float(repair_penalty), values)
    return _like(values, labels)


def score_rewards(
    scores: Array,
    labels: Array,
    measure: str = "nDCG@10",
    *,
    offsets: Array | None = None,
    empty: float = 0.0,
) -> Any:
    """The reward of each rollout's scores (one per candidate): ``measure`` of the ranking they
    give (any name :func:`rankwise.metrics.evaluate_arrays` takes), or ``"pairwise_accuracy"``.
    NaN or infinite scores (a malformed output the caller could not read) raise; map them to
    a penalty before calling."""
    s, offs = _rows(_numpy(scores, "scores"), offsets, "scores")
    y, offs_y = _rows(_numpy(labels, "labels"), offsets, "labels")
    if s.shape != y.shape or not np.array_equal(offs, offs_y):
        raise ShapeError(f"`labels` must have the shape of `scores` {s.shape}; got {y.shape}")
    if not np.all(np.isfinite(s)):
        raise InvalidValueError(
            "`scores` must be finite; map unreadable outputs to a penalty first"
        )
    return _like(_measure(s, y, offs, measure, empty), labels)


def distribution_rewards(
    scores: Array,
    labels: Array,
    *,
    offsets: Array | None = None,
    temperature: float = 1.0,
) -> Any:
    """``1 - JS(softmax(scores / T) || softmax(labels / T))`` per row, the divergence in bits
    (so the reward is in [0, 1]); see the module docs for why this form."""
    if not temperature > 0:
        raise InvalidValueError(f"`temperature` must be positive; got {temperature!r}")
    s, offs = _rows(_numpy(scores, "scores"), offsets, "scores")
    y, _ = _rows(_numpy(labels, "labels"), offsets, "labels")
    if s.shape != y.shape:
        raise ShapeError(f"`labels` must have the shape of `scores` {s.shape}; got {y.shape}")
    sizes = np.diff(offs)
    if np.any(sizes == 0):
        raise ShapeError("every row needs at least one candidate")
    starts = offs[:-1]

    def softmax(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        x = x / temperature
        x = x - np.repeat(np.maximum.reduceat(x, starts), sizes)
        e = np.exp(x)
        out: npt.NDArray[np.float64] = e / np.repeat(np.add.reduceat(e, starts), sizes)
        return out

    p, q = softmax(s), softmax(y)
    m = 0.5 * (p + q)

    def kl(a: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        terms = np.where(a > 0, a * np.log2(np.where(a > 0, a, 1.0) / m), 0.0)
        summed: npt.NDArray[np.float64] = np.add.reduceat(terms, starts)
        return summed

    js = 0.5 * kl(p) + 0.5 * kl(q)
    return _like(np.clip(1.0 - js, 0.0, 1.0), labels)
