"""Consistency: of a threshold across classes (OPIS), and of a model with preferences.

* :func:`opis`: OPIS and epsilon-OPIS (Zhang et al., ICLR 2024), how much the operating
  characteristics of one distance threshold vary across classes of an embedding model; all
  pairs are streamed in Rust, no ``n x n`` matrix is formed.
* :func:`ranking_accuracy`, :func:`listwise_ranking_accuracy`,
  :func:`idealized_ranking_accuracy`, :func:`ranking_difficulty`, :func:`dpo_loss_bound`:
  Chen et al. (NeurIPS 2024), "Preference Learning Algorithms Do Not Learn Preference
  Rankings": how often a model's likelihoods order preferred responses first, how often the
  ideal DPO/RLHF optimum would, and how hard each pair is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from . import _native
from ._validation import (
    _int_vector,
    _short,
    cutoff,
    flag,
    float_vector,
    probability,
    real_array,
    real_scalar,
)
from .errors import InvalidValueError, RankwiseTypeError, ShapeError

__all__ = [
    "OPISResult",
    "dpo_loss_bound",
    "idealized_ranking_accuracy",
    "listwise_ranking_accuracy",
    "opis",
    "ranking_accuracy",
    "ranking_difficulty",
]

Array = npt.ArrayLike


@dataclass(frozen=True)
class OPISResult:
    """OPIS and epsilon-OPIS, with what they were computed from.

    ``thresholds`` are in the metric's units (cosine similarities for ``metric="cosine"``,
    decreasing; distances for ``"l2"``); ``classes`` are the labels of the evaluated classes
    (those with two or more samples), ``weights`` their weights, ``utility`` the utility of
    each class at each threshold (``classes x thresholds``) and ``reference`` the utility they
    are compared with.
    """

    opis: float
    epsilon_opis: float
    thresholds: npt.NDArray[np.float64]
    classes: npt.NDArray[Any]
    weights: npt.NDArray[np.float64]
    utility: npt.NDArray[np.float64]
    reference: npt.NDArray[np.float64]


def opis(
    embeddings: Array,
    labels: Array,
    *,
    metric: Literal["cosine", "l2", "similarity", "distance"] = "cosine",
    utility: Literal["hmean", "f1"] = "hmean",
    beta: float = 1.0,
    reference: Literal["class_mean", "pooled"] = "class_mean",
    far_range: tuple[float, float] = (1e-2, 1e-1),
    thresholds: tuple[float, float] | None = None,
    n_thresholds: int = 101,
    epsilon: float = 0.05,
    integration: Literal["trapezoid", "mean"] = "trapezoid",
    class_weights: Array | None = None,
) -> OPISResult:
    r"""Operating-point inconsistency (OPIS) and epsilon-OPIS of an embedding model.

    A pair of samples is accepted as a match when its distance is at most a threshold
    :math:`d` (similarity at least :math:`d` for similarities). For class :math:`i`, its
    positives are its within-class pairs, its negatives the pairs with exactly one member in
    :math:`i`:

    .. math::
        \mathrm{TAR}_i(d) = \frac{|\{\text{positives of } i \text{ accepted}\}|}
                                 {|\text{positives of } i|}, \qquad
        \mathrm{TRR}_i(d) = \frac{|\{\text{negatives of } i \text{ rejected}\}|}
                                 {|\text{negatives of } i|}

        U_i(d) = \frac{(1 + \beta^2)\,\mathrm{TAR}_i\,\mathrm{TRR}_i}
                      {\beta^2\,\mathrm{TAR}_i + \mathrm{TRR}_i}
        \quad (\texttt{utility="hmean"}; \texttt{"f1"}: F_\beta \text{ of accepting pairs})

        \mathrm{OPIS} = \sum_i w_i \frac{1}{d_{\max} - d_{\min}}
                        \int_{d_{\min}}^{d_{\max}} \big(U_i(d) - \bar U(d)\big)^2\,dd, \qquad
        \epsilon\text{-OPIS} = \frac{1}{d_{\max} - d_{\min}}
                        \int \big(U_{\text{top}}(d) - U_{\text{bottom}}(d)\big)^2\,dd

    :math:`\bar U` is the weighted mean of the class utilities (``reference="class_mean"``)
    or the utility of all pairs pooled (``"pooled"``); :math:`U_{\text{top}}`,
    :math:`U_{\text{bottom}}` are the mean utilities of the :math:`\max(1, \lfloor \epsilon T
    \rfloor)` best and worst of the :math:`T` classes at each threshold. The calibration range
    :math:`[d_{\min}, d_{\max}]` is where the false-accept rate of all negative pairs goes
    from ``far_range[0]`` to ``far_range[1]`` (numpy's linear quantiles of the negative
    distances), or ``thresholds`` in the metric's units; the integral is the trapezoid rule
    (or the mean) over ``n_thresholds`` equally spaced thresholds (``numpy.linspace``).

    **What is verified and what is not**: the
    structure (per-class utility over a threshold grid inside a FAR-defined calibration
    range, variance across classes, epsilon-OPIS from the best and worst classes) agrees with
    every secondary source; the paper's text and code could not be read, so the constants
    (utility, ``beta``, ``far_range``, ``n_thresholds``, ``reference``, ``epsilon``, the class
    weights, the integration rule) are parameters whose defaults are the reconstruction's,
    not confirmed values. The computation itself is checked against a direct numpy
    implementation of this formula.

    All :math:`n(n-1)/2` pairs are streamed in Rust (tiles of embeddings, or the upper
    triangle of a matrix), in parallel, in two passes: a histogram of negative distances
    locates the calibration range, then per-class counts between consecutive thresholds are
    gathered; only the few pairs near a threshold are kept for an exact comparison. With a
    FAR-defined range and :math:`n \le 23{,}170`, the first pass keeps each pair's histogram
    bin (2 bytes a pair, at most 512 MiB; about 400 MB at :math:`n = 20{,}000`) so that the
    second pass need not recompute the pairs; beyond that, or with ``thresholds``, memory is
    small and independent of :math:`n^2`.

    Parameters
    ----------
    embeddings : array_like, (n, dim) or (n, n)
        Embeddings (``metric="cosine"`` or ``"l2"``; float32 is computed in float32), or a
        precomputed pair matrix (``"similarity"`` or ``"distance"``; the upper triangle is
        read).
    labels : array_like, (n,)
        Class of each sample (any hashable values numpy can sort).
    metric : {"cosine", "l2", "similarity", "distance"}
        How pairs are compared.
    utility : {"hmean", "f1"}
        The per-class utility: :math:`F_\beta` of TAR and TRR, or of precision and recall of
        the accepted pairs.
    beta : float
        The :math:`\beta` of :math:`F_\beta`.
    reference : {"class_mean", "pooled"}
        What the class utilities are compared with.
    far_range : (float, float)
        False-accept rates bounding the calibration range (ignored with ``thresholds``).
    thresholds : (float, float), optional
        The calibration range in the metric's units, instead of ``far_range``.
    n_thresholds : int
        Number of equally spaced thresholds (>= 2).
    epsilon : float
        Fraction of classes in the top and bottom groups of epsilon-OPIS, in (0, 0.5].
    integration : {"trapezoid", "mean"}
        How the integral over the thresholds is taken.
    class_weights : array_like, optional
        A weight per class, in the order of ``numpy.unique(labels)``; renormalised over the
        evaluated classes. Uniform by default.

    Returns
    -------
    OPISResult

    Raises
    ------
    InvalidValueError
        Fewer than two classes (there are no negative pairs), fewer than two classes with two
        or more samples, non-finite embeddings, a zero vector with the cosine metric, or an
        option out of range.

    References
    ----------
    Q. Zhang, L. Xu, Q. Tang, J. Fang, Y. N. Wu, J. Tighe, Y. Xing, "Threshold-Consistent
    Margin Loss for Open-World Deep Metric Learning", ICLR 2024 (arXiv:2307.04047), section 3.

    Examples
    --------
    >>> import numpy as np
    >>> from rankwise.consistency import opis
    >>> rng = np.random.default_rng(0)
    >>> centres = rng.normal(size=(4, 16))
    >>> labels = np.repeat(np.arange(4), 25)
    >>> emb = centres[labels] + 0.8 * rng.normal(size=(100, 16))
    >>> r = opis(emb, labels)
    >>> r.utility.shape, bool(r.opis >= 0), bool(r.epsilon_opis >= r.opis)
    ((4, 101), True, True)
    """
    n_thr = cutoff("n_thresholds", n_thresholds, optional=False)
    assert n_thr is not None
    data = real_array("embeddings", embeddings)
    if data.dtype.kind not in "biuf":
        raise RankwiseTypeError(
            f"`embeddings` must be an array of real numbers; got dtype {data.dtype}"
        )
    if data.ndim != 2:
        raise ShapeError(
            f"`embeddings` must be 2-D (n, dim) or (n, n); got shape {tuple(data.shape)}"
        )
    if data.dtype not in (np.float32, np.float64):
        data = data.astype(np.float32 if data.dtype == np.float16 else np.float64)
    data = np.ascontiguousarray(data)
    try:
        lab = np.asarray(labels)
    except ValueError:
        raise ShapeError("`labels` must be a flat sequence of class labels") from None
    if lab.ndim != 1 or lab.shape[0] != data.shape[0]:
        raise ShapeError(
            f"`labels` must have shape ({data.shape[0]},) (one per row of `embeddings`); "
            f"got {tuple(lab.shape)}"
        )
    try:
        uniques, codes = np.unique(lab, return_inverse=True)
    except TypeError:
        raise RankwiseTypeError(
            f"`labels` must be class labels numpy can sort (numbers or strings of one kind); "
            f"got dtype {lab.dtype} holding {sorted({type(v).__name__ for v in lab.tolist()})}"
        ) from None
    weights = None
    if class_weights is not None:
        weights = float_vector("class_weights", class_weights, len(uniques))
    kind: Literal["far", "threshold"]
    if thresholds is not None:
        lo, hi = _pair("thresholds", thresholds)
        kind = "threshold"
    else:
        lo, hi = _pair("far_range", far_range)
        probability("far_range[0]", lo, open_interval=False)
        probability("far_range[1]", hi, open_interval=False)
        kind = "far"
    out = _native.opis(
        data,
        np.ascontiguousarray(codes.reshape(-1), dtype=np.uint32),
        metric=metric,
        utility=utility,
        beta=real_scalar("beta", beta),
        reference=reference,
        calibration=kind,
        lo=lo,
        hi=hi,
        n_thresholds=n_thr,
        epsilon=real_scalar("epsilon", epsilon),
        integration=integration,
        class_weights=weights,
    )
    return OPISResult(
        opis=float(out["opis"]),
        epsilon_opis=float(out["epsilon_opis"]),
        thresholds=out["thresholds"],
        classes=uniques[out["classes"]],
        weights=out["weights"],
        utility=out["utility"],
        reference=out["reference"],
    )


def _pair(name: str, value: object) -> tuple[float, float]:
    if isinstance(value, (tuple, list, np.ndarray)) and len(value) == 2:
        try:
            return float(value[0]), float(value[1])
        except (TypeError, ValueError, OverflowError):  # OverflowError: an int past float64
            pass
    raise InvalidValueError(f"`{name}` must be a pair of numbers (lo, hi); got {_short(value)}")


# ----------------------------------------------------------------------------------------------
# Preference ranking accuracy (Chen et al. 2024)
# ----------------------------------------------------------------------------------------------
def _loglik(
    name: str, value: Array, lengths: Array | None, n: int | None = None
) -> npt.NDArray[np.float64]:
    """Sequence log-likelihoods, divided by the lengths for the length-normalised variants."""
    v = float_vector(name, value, n)
    if lengths is None:
        return v
    ln = float_vector(f"lengths of {name}", lengths, v.shape[0])
    if (ln <= 0).any():
        raise InvalidValueError(f"the lengths of `{name}` must be positive token counts")
    return np.ascontiguousarray(v / ln)


def _mean_or_all(values: npt.NDArray[np.float64], per_example: bool) -> Any:
    if flag("per_example", per_example):
        return values
    if values.size == 0:
        raise InvalidValueError("the inputs must hold at least one example")
    return float(values.mean())


def ranking_accuracy(
    chosen: Array,
    rejected: Array,
    *,
    alpha: Array | None = None,
    lengths_chosen: Array | None = None,
    lengths_rejected: Array | None = None,
    tie_epsilon: float = 0.01,
    per_example: bool = False,
) -> Any:
    r"""Ranking accuracy: how often the model finds the preferred response more likely.

    With sequence log-likelihoods :math:`\log\pi(y_w|x)` and :math:`\log\pi(y_l|x)` of the
    preferred and dispreferred responses (Chen et al. 2024, Def. 2.3):

    .. math::
        R = \frac{1}{N}\sum \mathbb{1}\big[\pi(y_w|x) \ge \pi(y_l|x)\big]

    With ``alpha``, the fraction of raters preferring ``chosen`` (Def. C.1): ``alpha > 0.5``
    needs :math:`\pi(y_1) > \pi(y_2)`, ``alpha < 0.5`` the reverse, and a tie
    (``alpha == 0.5``) needs :math:`|\pi(y_1) - \pi(y_2)| <` ``tie_epsilon`` (the paper's
    absolute difference of probabilities, 0.01). Passing token counts as ``lengths_*`` gives
    the length-normalised variant :math:`\tilde R` (Eq. 15: log-likelihoods divided by the
    lengths). Comparisons are made on log-likelihoods (``-inf`` is probability 0).

    Parameters
    ----------
    chosen, rejected : array_like, (N,)
        Log-likelihoods of the preferred and dispreferred responses.
    alpha : array_like, (N,), optional
        Fraction of raters preferring ``chosen``.
    lengths_chosen, lengths_rejected : array_like, (N,), optional
        Response lengths in tokens, for length normalisation.
    tie_epsilon : float
        The tie tolerance of Def. C.1.
    per_example : bool
        Return the 0/1 value of every pair instead of the mean.

    Returns
    -------
    float, or ndarray of float64 with ``per_example=True``

    References
    ----------
    A. Chen, S. Malladi, L. H. Zhang, X. Chen, Q. Zhang, R. Ranganath, K. Cho, "Preference
    Learning Algorithms Do Not Learn Preference Rankings", NeurIPS 2024 (arXiv:2405.19534).

    Examples
    --------
    >>> from rankwise.consistency import ranking_accuracy
    >>> ranking_accuracy([-12.0, -30.5, -8.0], [-14.0, -29.0, -8.0])
    0.6666666666666666
    """
    c = _loglik("chosen", chosen, lengths_chosen)
    r = _loglik("rejected", rejected, lengths_rejected)
    a = None if alpha is None else float_vector("alpha", alpha)
    eps = real_scalar("tie_epsilon", tie_epsilon)
    out = _native.ranking_accuracy(c, r, alpha=a, tie_epsilon=eps)
    return _mean_or_all(out, per_example)


def listwise_ranking_accuracy(
    logp: Array,
    human_rank: Array,
    *,
    offsets: Array | None = None,
    tie_epsilon: float = 0.01,
    per_example: bool = False,
) -> Any:
    r"""Ranking accuracy with more than two responses per prompt (Chen et al., Def. A.8).

    A prompt counts as correct when the order of its responses by model likelihood is the
    human order: every pair the humans rank apart is ordered the same way, strictly, and every
    pair they tie has probabilities within ``tie_epsilon`` (Def. C.1).

    Parameters
    ----------
    logp : array_like, (Q, K), or 1-D with ``offsets``
        Log-likelihood of each response.
    human_rank : array_like, same shape
        Human rank of each response (smaller is better, equal ranks are ties).
    offsets : array_like of int, optional
        Ragged prompts: prompt ``q`` owns ``[offsets[q], offsets[q + 1])``.
    tie_epsilon : float
        The tie tolerance.
    per_example : bool
        Return one 0/1 value per prompt instead of the mean.

    Examples
    --------
    >>> from rankwise.consistency import listwise_ranking_accuracy
    >>> logp = [[-1.0, -2.0, -3.0], [-1.0, -3.0, -2.0]]
    >>> listwise_ranking_accuracy(logp, [[1, 2, 3], [1, 2, 3]], per_example=True)
    array([1., 0.])
    """
    lp = real_array("logp", logp)
    hr = real_array("human_rank", human_rank)
    if lp.dtype.kind not in "biuf" or hr.dtype.kind not in "biuf":
        raise RankwiseTypeError("`logp` and `human_rank` must be arrays of real numbers")
    if hr.shape != lp.shape:
        raise ShapeError(
            f"`human_rank` must have shape {tuple(lp.shape)} matching `logp`; got {tuple(hr.shape)}"
        )
    layout: dict[str, Any] = {}
    if offsets is not None:
        if lp.ndim != 1:
            raise ShapeError(f"`logp` must be 1-D with `offsets`; got shape {tuple(lp.shape)}")
        layout["offsets"] = _int_vector("offsets", offsets, None, "prompt boundaries")
    elif lp.ndim == 2:
        layout["shape"] = (int(lp.shape[0]), int(lp.shape[1]))
    else:
        raise ShapeError(
            f"`logp` must be 2-D (prompts, responses) or 1-D with `offsets`; got shape "
            f"{tuple(lp.shape)}"
        )
    out = _native.listwise_ranking_accuracy(
        np.ascontiguousarray(lp, dtype=np.float64).reshape(-1),
        np.ascontiguousarray(hr, dtype=np.float64).reshape(-1),
        tie_epsilon=real_scalar("tie_epsilon", tie_epsilon),
        **layout,
    )
    return _mean_or_all(out, per_example)


def idealized_ranking_accuracy(
    ref_chosen: Array,
    ref_rejected: Array,
    alpha: Array,
    *,
    beta: float | Sequence[float] = 0.1,
    lengths_chosen: Array | None = None,
    lengths_rejected: Array | None = None,
    alpha_epsilon: float = 0.001,
    per_example: bool = False,
) -> Any:
    r"""Idealized ranking accuracy: what the exact DPO/RLHF optimum would reach.

    Under Bradley-Terry preferences with ground-truth :math:`\alpha` (the fraction of raters
    preferring :math:`y_w`), the optimum of DPO/RLHF with reference model
    :math:`\pi_{\mathrm{ref}}` and strength :math:`\beta` satisfies
    :math:`\pi^*(y_w)/\pi^*(y_l) = \pi_{\mathrm{ref}}(y_w)/\pi_{\mathrm{ref}}(y_l)\cdot
    (\alpha/(1-\alpha))^{1/\beta}` (Chen et al. 2024, Thm. 3.1), so (Cor. 3.3)

    .. math::
        R^* = \frac{1}{N}\sum \mathbb{1}\Big[\log\pi_{\mathrm{ref}}(y_w) -
              \log\pi_{\mathrm{ref}}(y_l) + \tfrac{1}{\beta}\big(\log\alpha -
              \log(1-\alpha)\big) > 0\Big]

    computed in log space. Unanimous preferences (:math:`\alpha = 1` or 0) put
    ``alpha_epsilon`` (0.001, App. C.4) on the empty side. When :math:`\beta` is unknown, the
    paper reports the range over :math:`\beta \in \{0.01, 0.1, 1, 5, 10\}`: pass that list.

    Parameters
    ----------
    ref_chosen, ref_rejected : array_like, (N,)
        Reference-model log-likelihoods.
    alpha : array_like, (N,)
        Fraction of raters preferring ``chosen``, in [0, 1].
    beta : float or sequence of float
        The DPO/RLHF strength(s).
    lengths_chosen, lengths_rejected : array_like, optional
        Token counts, for the length-normalised :math:`\tilde R^*`.
    alpha_epsilon : float
        Mass given to the empty side of unanimous preferences.
    per_example : bool
        Return the 0/1 indicators (``(len(beta), N)``, or ``(N,)`` for a scalar ``beta``).

    Returns
    -------
    float for a scalar ``beta``, else an array with one accuracy per ``beta``.

    Examples
    --------
    >>> from rankwise.consistency import idealized_ranking_accuracy
    >>> idealized_ranking_accuracy([-5.0, -2.0], [-3.0, -4.0], [0.9, 0.6], beta=[0.1, 1.0, 5.0])
    array([1. , 1. , 0.5])
    """
    c = _loglik("ref_chosen", ref_chosen, lengths_chosen)
    r = _loglik("ref_rejected", ref_rejected, lengths_rejected)
    a = float_vector("alpha", alpha)
    given = real_array("beta", beta)
    scalar = given.ndim == 0
    betas = np.atleast_1d(given).reshape(-1)
    if betas.dtype.kind not in "biuf":
        raise RankwiseTypeError(f"`beta` must be a number or numbers; got dtype {betas.dtype}")
    betas = betas.astype(np.float64)
    out = _native.idealized_ranking_accuracy(
        c,
        r,
        a,
        np.ascontiguousarray(betas),
        alpha_epsilon=real_scalar("alpha_epsilon", alpha_epsilon),
    )
    if flag("per_example", per_example):
        return out[0] if scalar else out
    if out.shape[1] == 0:
        raise InvalidValueError("the inputs must hold at least one example")
    means = out.mean(axis=1)
    return float(means[0]) if scalar else means


def ranking_difficulty(
    ref_chosen: Array,
    ref_rejected: Array,
    *,
    lengths_chosen: Array | None = None,
    lengths_rejected: Array | None = None,
) -> npt.NDArray[np.float64]:
    r"""Difficulty of each preference pair for DPO (Chen et al. 2024, Thm. 4.1).

    .. math::
        c = \log\pi_{\mathrm{ref}}(y_l|x) - \log\pi_{\mathrm{ref}}(y_w|x)

    The larger :math:`c` (the more the reference model prefers the dispreferred response),
    the lower the DPO loss must go before the model ranks the pair correctly: the model is
    right exactly when :math:`\mathcal{L}_{\mathrm{DPO}} \le \mathrm{softplus}(-\beta c)`
    (:func:`dpo_loss_bound`).

    Examples
    --------
    >>> from rankwise.consistency import ranking_difficulty
    >>> ranking_difficulty([-5.0, -2.0], [-3.0, -4.0])
    array([ 2., -2.])
    """
    c = _loglik("ref_chosen", ref_chosen, lengths_chosen)
    r = _loglik("ref_rejected", ref_rejected, lengths_rejected)
    return _native.ranking_difficulty(c, r)


def dpo_loss_bound(difficulty: Array, beta: float) -> npt.NDArray[np.float64]:
    r"""The largest DPO loss at which a pair of difficulty :math:`c` is still ranked right.

    :math:`\mathrm{softplus}(-\beta c) = -\log\sigma(\beta c)` (Chen et al. 2024, Thm. 4.1),
    computed without overflow. For :math:`c \le 0` it is at least :math:`\log 2`.

    Examples
    --------
    >>> from rankwise.consistency import dpo_loss_bound
    >>> dpo_loss_bound([0.0, 2.0], beta=0.1).round(4)
    array([0.6931, 0.5981])
    """
    return _native.dpo_loss_bound(float_vector("difficulty", difficulty), real_scalar("beta", beta))
