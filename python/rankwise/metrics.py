"""IR measures over arrays of scores and labels, one value per query.

Inputs are 2-D ``(Q, D)`` arrays (one row per query), ragged 1-D arrays with ``offsets``
(query ``q`` owns ``scores[offsets[q]:offsets[q + 1]]``), or a single 1-D query. Scores may be
float32 or float64, labels any integer or float dtype; both are borrowed without a copy when
C-contiguous. Padding is marked with ``mask`` (``False`` = not a document) or, with
``nan_policy="omit"``, with NaN (or infinite) scores. Every function returns a float64 array
with one value per query; take ``.mean()`` for the usual average.

Semantics are trec_eval's (see :func:`rankwise.evaluate` for runs with document ids), with one
difference that arrays force: there are no document ids, so **equal scores keep input order**
(the earlier document ranks first). ``ties="average"`` (nDCG and DCG only) gives instead the
tie-averaged DCG of McSherry & Najork (2008) that ``sklearn.metrics.ndcg_score`` and
torchmetrics compute by default.

Every document in the arrays is judged: its label is its relevance. Negative labels mean
"in the judgement pool but unjudged", as trec_eval reads negative qrels labels (bpref skips
them, they gain nothing). ``n_relevant`` gives, per query, the total number of relevant
documents when some of them are not in the arrays (a truncated candidate list), so that AP,
recall, R-precision and the ideal DCG count them; the missing ones are taken to have the
label ``rel_level``. Queries with no documents score 0, as trec_eval scores an empty ranking.

All measures in one call are computed in one pass per query, in parallel across queries, in
Rust with the GIL released; use :func:`evaluate_arrays` to get several at once.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import Literal

import numpy as np
import numpy.typing as npt

from . import _native
from ._validation import (
    _int_vector,
    _real,
    batch,
    choice,
    cutoff,
    float_vector,
    real_scalar,
)
from .errors import DegenerateDataWarning, InvalidValueError, RankwiseTypeError, ShapeError
from .evaluate import _measure_list

__all__ = [
    "CONFIDENCE_FUNCTIONS",
    "abstention",
    "average_precision",
    "bpref",
    "confidence_scores",
    "dcg",
    "err",
    "evaluate_arrays",
    "nauc",
    "ndcg",
    "precision",
    "r_precision",
    "rbp",
    "recall",
    "reciprocal_rank",
    "success",
]

Array = npt.ArrayLike
Ties = Literal["stable", "average"]
ScoreNanPolicy = Literal["raise", "omit"]


def evaluate_arrays(
    scores: Array,
    labels: Array,
    measures: str | list[str] | tuple[str, ...],
    *,
    offsets: Array | None = None,
    mask: Array | None = None,
    n_relevant: Array | None = None,
    rel_level: float = 1,
    ties: Ties = "stable",
    nan_policy: ScoreNanPolicy = "raise",
) -> dict[str, npt.NDArray[np.float64]]:
    """Compute several measures at once; one array of per-query values per measure.

    Parameters
    ----------
    scores : array_like, (Q, D), or 1-D with ``offsets``
        Model scores; higher ranks first.
    labels : array_like, same shape as ``scores``
        Relevance labels (integer or float); negative = in the pool but unjudged.
    measures : str or sequence of str
        Measure names, ir_measures style (``"nDCG@10"``, ``"AP"``, ``"RR@10"``, ``"P@5"``,
        ``"R@100"``, ``"Rprec"``, ``"Bpref"``, ``"ERR@10"``, ``"RBP(p=0.8)"``, ...), with
        trec_eval (``"ndcg_cut_10"``, ``"map"``, ``"P.5,10"``) and ranx (``"ndcg@10"``,
        ``"mrr@10"``) names accepted too. An unknown name raises
        :class:`~rankwise.errors.UnknownMeasureError` listing the valid ones.
    offsets : array_like of int, (Q + 1,), optional
        Query boundaries for 1-D (ragged) ``scores``.
    mask : array_like of bool, same shape as ``scores``, optional
        ``False`` marks padding.
    n_relevant : array_like of int, (Q,), optional
        Total relevant documents per query, including those not in the arrays.
    rel_level : float, default 1
        Binary measures count ``label >= rel_level`` as relevant (nDCG ignores it).
    ties : {"stable", "average"}
        Order of equal scores: input order, or McSherry-Najork averaging (nDCG/DCG only).
    nan_policy : {"raise", "omit"}
        NaN or infinite scores raise :class:`~rankwise.errors.InvalidValueError`, or are
        treated as padding.

    Returns
    -------
    dict of str to ndarray of float64, shape (Q,)
        Keys are the measure names as given (trec_eval families such as ``"P"`` expand to
        ``"P_5"``, ``"P_10"``, ...).

    Examples
    --------
    >>> import numpy as np
    >>> from rankwise.metrics import evaluate_arrays
    >>> scores = np.array([[0.9, 0.8, 0.1], [0.2, 0.7, 0.5]])
    >>> labels = np.array([[0, 2, 1], [1, 0, 0]])
    >>> out = evaluate_arrays(scores, labels, ["nDCG@3", "AP", "RR"])
    >>> {name: values.round(4).tolist() for name, values in out.items()}
    {'nDCG@3': [0.6697, 0.5], 'AP': [0.5833, 0.3333], 'RR': [0.5, 0.3333]}
    """
    names = _measure_list(measures)
    b = batch(scores, labels, offsets=offsets, mask=mask, n_relevant=n_relevant)
    out_names, values = _native.evaluate_arrays(
        b.scores,
        b.labels,
        names,
        offsets=b.offsets,
        shape=b.shape,
        mask=b.mask,
        n_relevant=b.n_relevant,
        rel_level=real_scalar("rel_level", rel_level),
        ties=ties,
        nan_policy=nan_policy,
    )
    return dict(zip(out_names, values, strict=True))


def _one(
    measure: str,
    scores: Array,
    labels: Array,
    offsets: Array | None,
    mask: Array | None,
    nan_policy: ScoreNanPolicy,
    rel_level: float = 1,
    n_relevant: Array | None = None,
    ties: Ties = "stable",
) -> npt.NDArray[np.float64]:
    """One measure by :func:`evaluate_arrays`: the body of every single-measure function."""
    out = evaluate_arrays(
        scores,
        labels,
        [measure],
        offsets=offsets,
        mask=mask,
        n_relevant=n_relevant,
        rel_level=rel_level,
        ties=ties,
        nan_policy=nan_policy,
    )
    return next(iter(out.values()))


def _at(name: str, k: int | None) -> str:
    return name if k is None else f"{name}@{k}"


def _gain_param(gains: str) -> str:
    choice("gains", gains, ("linear", "exp2"))
    return "" if gains == "linear" else "(gain=exp2)"


def ndcg(
    scores: Array,
    labels: Array,
    k: int | None = 10,
    *,
    gains: Literal["linear", "exp2"] = "linear",
    ties: Ties = "stable",
    offsets: Array | None = None,
    mask: Array | None = None,
    n_relevant: Array | None = None,
    rel_level: float = 1,
    nan_policy: ScoreNanPolicy = "raise",
) -> npt.NDArray[np.float64]:
    r"""Normalised discounted cumulative gain at ``k``, per query.

    .. math::
        \mathrm{nDCG@k} = \frac{\sum_{i=1}^{\min(k,n)} g(l_i) / \log_2(i+1)}
                               {\sum_{i=1}^{k} g(l^*_i) / \log_2(i+1)}

    with ``g(l) = l`` (``gains="linear"``: trec_eval ``ndcg_cut``, pytrec_eval, sklearn) or
    ``g(l) = 2^l - 1`` (``gains="exp2"``: Burges et al. 2005, ranx ``ndcg_burges``) for
    ``l > 0``, and ``l*`` the labels of all judged documents sorted descending (the ideal
    ranking, which extends past a short list). 0 when no document has a positive label.
    ``k=None`` uses the whole list (trec_eval ``ndcg``). ``rel_level`` only matters for the
    labels that ``n_relevant`` adds.

    Järvelin & Kekäläinen, "Cumulated gain-based evaluation of IR techniques", TOIS 2002.

    Examples
    --------
    >>> import numpy as np
    >>> from rankwise.metrics import ndcg
    >>> ndcg(np.array([[0.9, 0.8, 0.1]]), np.array([[0, 2, 1]]), k=3).round(4)
    array([0.6697])
    >>> ndcg(np.array([[1.0, 1.0, 1.0]]), np.array([[0, 0, 1]]), k=3, ties="average").round(4)
    array([0.7103])
    """
    k = cutoff("k", k, optional=True)
    measure = _at("nDCG" + _gain_param(gains), k)
    return _one(measure, scores, labels, offsets, mask, nan_policy, rel_level, n_relevant, ties)


def dcg(
    scores: Array,
    labels: Array,
    k: int | None = 10,
    *,
    gains: Literal["linear", "exp2"] = "linear",
    ties: Ties = "stable",
    offsets: Array | None = None,
    mask: Array | None = None,
    nan_policy: ScoreNanPolicy = "raise",
) -> npt.NDArray[np.float64]:
    r"""Discounted cumulative gain at ``k`` (unnormalised), per query.

    :math:`\mathrm{DCG@k} = \sum_{i=1}^{\min(k,n)} g(l_i) / \log_2(i+1)`, gains as in
    :func:`ndcg`.

    Examples
    --------
    >>> import numpy as np
    >>> from rankwise.metrics import dcg
    >>> dcg(np.array([[0.9, 0.8, 0.1]]), np.array([[0, 2, 1]]), k=2).round(4)
    array([1.2619])
    """
    k = cutoff("k", k, optional=True)
    measure = _at("DCG" + _gain_param(gains), k)
    return _one(measure, scores, labels, offsets, mask, nan_policy, ties=ties)


def average_precision(
    scores: Array,
    labels: Array,
    k: int | None = None,
    *,
    rel_level: float = 1,
    offsets: Array | None = None,
    mask: Array | None = None,
    n_relevant: Array | None = None,
    nan_policy: ScoreNanPolicy = "raise",
) -> npt.NDArray[np.float64]:
    r"""Average precision (at ``k``), per query.

    :math:`\mathrm{AP@k} = \frac{1}{R}\sum_{i \le k,\ l_i \ge \mathit{rel}} P@i`, where ``R``
    counts all relevant documents (trec_eval ``map`` / ``map_cut.k``; ranx ``map@k``). Note
    that torchmetrics divides by the relevant documents *found* instead.

    Examples
    --------
    >>> import numpy as np
    >>> from rankwise.metrics import average_precision
    >>> average_precision(np.array([[0.9, 0.8, 0.1]]), np.array([[1, 0, 1]])).round(4)
    array([0.8333])
    """
    k = cutoff("k", k, optional=True)
    measure = _at("AP", k)
    return _one(measure, scores, labels, offsets, mask, nan_policy, rel_level, n_relevant)


def reciprocal_rank(
    scores: Array,
    labels: Array,
    k: int | None = None,
    *,
    rel_level: float = 1,
    offsets: Array | None = None,
    mask: Array | None = None,
    nan_policy: ScoreNanPolicy = "raise",
) -> npt.NDArray[np.float64]:
    """Reciprocal rank of the first relevant document within ``k`` (0 if none), per query.

    trec_eval's ``recip_rank`` (no cutoff); ``RR@k`` is ``recip_rank`` on the list truncated
    at ``k`` (MRR@10 of MS MARCO).

    Examples
    --------
    >>> import numpy as np
    >>> from rankwise.metrics import reciprocal_rank
    >>> reciprocal_rank(np.array([[0.9, 0.8, 0.1]]), np.array([[0, 0, 1]])).round(4)
    array([0.3333])
    >>> reciprocal_rank(np.array([[0.9, 0.8, 0.1]]), np.array([[0, 0, 1]]), k=2)
    array([0.])
    """
    k = cutoff("k", k, optional=True)
    measure = _at("RR", k)
    return _one(measure, scores, labels, offsets, mask, nan_policy, rel_level)


def precision(
    scores: Array,
    labels: Array,
    k: int,
    *,
    rel_level: float = 1,
    offsets: Array | None = None,
    mask: Array | None = None,
    nan_policy: ScoreNanPolicy = "raise",
) -> npt.NDArray[np.float64]:
    """Precision at ``k``: relevant documents in the top ``k`` divided by ``k``, per query.

    Divided by ``k`` even for lists shorter than ``k`` (trec_eval ``P.k``, ranx).

    Examples
    --------
    >>> import numpy as np
    >>> from rankwise.metrics import precision
    >>> precision(np.array([[0.9, 0.8, 0.1]]), np.array([[1, 0, 1]]), k=2)
    array([0.5])
    """
    cut = cutoff("k", k, optional=False)
    return _one(f"P@{cut}", scores, labels, offsets, mask, nan_policy, rel_level)


def recall(
    scores: Array,
    labels: Array,
    k: int | None = None,
    *,
    rel_level: float = 1,
    offsets: Array | None = None,
    mask: Array | None = None,
    n_relevant: Array | None = None,
    nan_policy: ScoreNanPolicy = "raise",
) -> npt.NDArray[np.float64]:
    """Recall at ``k``: relevant documents in the top ``k`` over all relevant, per query.

    0 for a query without relevant documents (trec_eval ``recall.k``).

    Examples
    --------
    >>> import numpy as np
    >>> from rankwise.metrics import recall
    >>> recall(np.array([[0.9, 0.8, 0.1]]), np.array([[1, 0, 1]]), k=2)
    array([0.5])
    """
    k = cutoff("k", k, optional=True)
    measure = _at("R", k)
    return _one(measure, scores, labels, offsets, mask, nan_policy, rel_level, n_relevant)


def r_precision(
    scores: Array,
    labels: Array,
    *,
    rel_level: float = 1,
    offsets: Array | None = None,
    mask: Array | None = None,
    n_relevant: Array | None = None,
    nan_policy: ScoreNanPolicy = "raise",
) -> npt.NDArray[np.float64]:
    """Precision after ``R`` documents, ``R`` the number of relevant documents (trec_eval
    ``Rprec``), per query.

    Examples
    --------
    >>> import numpy as np
    >>> from rankwise.metrics import r_precision
    >>> r_precision(np.array([[0.9, 0.8, 0.1]]), np.array([[1, 0, 1]]))
    array([0.5])
    """
    return _one("Rprec", scores, labels, offsets, mask, nan_policy, rel_level, n_relevant)


def success(
    scores: Array,
    labels: Array,
    k: int,
    *,
    rel_level: float = 1,
    offsets: Array | None = None,
    mask: Array | None = None,
    nan_policy: ScoreNanPolicy = "raise",
) -> npt.NDArray[np.float64]:
    """1 if a relevant document is in the top ``k``, else 0 (trec_eval ``success.k``, ranx
    ``hit_rate@k``), per query.

    Examples
    --------
    >>> import numpy as np
    >>> from rankwise.metrics import success
    >>> success(np.array([[0.9, 0.8, 0.1]]), np.array([[0, 0, 1]]), k=2)
    array([0.])
    """
    cut = cutoff("k", k, optional=False)
    return _one(f"Success@{cut}", scores, labels, offsets, mask, nan_policy, rel_level)


def bpref(
    scores: Array,
    labels: Array,
    *,
    rel_level: float = 1,
    offsets: Array | None = None,
    mask: Array | None = None,
    n_relevant: Array | None = None,
    nan_policy: ScoreNanPolicy = "raise",
) -> npt.NDArray[np.float64]:
    r"""Binary preference (Buckley & Voorhees, SIGIR 2004), per query.

    :math:`\frac{1}{R}\sum_{r}\left(1 - \frac{\min(n_r, R)}{\min(N, R)}\right)` over relevant
    retrieved ``r``, with ``n_r`` the judged non-relevant documents above ``r`` and ``N`` all
    judged non-relevant; documents with negative labels are skipped (trec_eval ``bpref``).

    Examples
    --------
    >>> import numpy as np
    >>> from rankwise.metrics import bpref
    >>> bpref(np.array([[0.9, 0.8, 0.1]]), np.array([[0, 1, 1]]))
    array([0.])
    """
    return _one("Bpref", scores, labels, offsets, mask, nan_policy, rel_level, n_relevant)


def err(
    scores: Array,
    labels: Array,
    k: int | None = None,
    *,
    max_grade: float = 4,
    offsets: Array | None = None,
    mask: Array | None = None,
    nan_policy: ScoreNanPolicy = "raise",
) -> npt.NDArray[np.float64]:
    r"""Expected reciprocal rank (Chapelle et al., CIKM 2009) at ``k``, per query.

    :math:`\mathrm{ERR@k} = \sum_{i \le k} \frac{R_i}{i} \prod_{j<i}(1-R_j)`,
    :math:`R = (2^{\min(l, g)} - 1)/2^g` with ``g = max_grade`` (4, as gdeval and
    ir_measures' ``ERR@k``). Labels above ``max_grade`` count as ``max_grade``.

    Examples
    --------
    >>> import numpy as np
    >>> from rankwise.metrics import err
    >>> err(np.array([[0.9, 0.8]]), np.array([[4, 2]]), k=2).round(4)
    array([0.9434])
    """
    k = cutoff("k", k, optional=True)
    if not (isinstance(max_grade, (int, float)) and max_grade > 0):
        raise InvalidValueError(f"`max_grade` must be a positive number; got {max_grade!r}")
    measure = _at(f"ERR(max_grade={real_scalar('max_grade', max_grade)!r})", k)
    return _one(measure, scores, labels, offsets, mask, nan_policy)


def rbp(
    scores: Array,
    labels: Array,
    p: float = 0.8,
    *,
    rel_level: float = 1,
    offsets: Array | None = None,
    mask: Array | None = None,
    nan_policy: ScoreNanPolicy = "raise",
) -> npt.NDArray[np.float64]:
    r"""Rank-biased precision (Moffat & Zobel, TOIS 2008), per query.

    :math:`(1-p)\sum_{i \ge 1} r_i\, p^{i-1}` with binary :math:`r_i` (``label >= rel_level``),
    over the whole list. ranx's implementation multiplies by the graded label instead (so its
    values can exceed 1); with binary labels the two agree.

    Examples
    --------
    >>> import numpy as np
    >>> from rankwise.metrics import rbp
    >>> rbp(np.array([[0.9, 0.8, 0.1]]), np.array([[1, 0, 1]]), p=0.5)
    array([0.625])
    """
    if not (isinstance(p, (int, float)) and 0 < p < 1):
        raise InvalidValueError(f"`p` must be in (0, 1); got {p!r}")
    return _one(
        f"RBP(p={real_scalar('p', p)!r})", scores, labels, offsets, mask, nan_policy, rel_level
    )


# ----------------------------------------------------------------------------------------------
# Abstention (MTEB): confidence per query and the normalised area under the abstention curve
# ----------------------------------------------------------------------------------------------

#: MTEB's confidence functions, in its order (the suffixes of its ``nAUC_{metric}_{fct}``).
CONFIDENCE_FUNCTIONS: tuple[str, ...] = ("max", "std", "diff1")


def confidence_scores(
    scores: Array, *, offsets: Array | None = None
) -> dict[str, npt.NDArray[np.float64]]:
    """MTEB's confidence of each query in its scores: ``max``, ``std`` and ``diff1``.

    As ``mteb._evaluators.retrieval_metrics.confidence_scores`` (MTEB 2.26): the highest
    score, the population standard deviation of all the query's scores (``np.std``), and the
    highest minus the second highest (0 with one score). A query without scores gets 0 for
    each. Computed in Rust, in parallel across queries, with the GIL released.

    Parameters
    ----------
    scores : array_like, (Q, D), or 1-D with ``offsets``
        Every score of each query (MTEB uses all the retrieved documents' scores).
    offsets : array_like of int, (Q + 1,), optional
        Query boundaries for 1-D (ragged) ``scores``.

    Returns
    -------
    dict of str to ndarray of float64, shape (Q,)
        ``{"max": ..., "std": ..., "diff1": ...}``.

    Examples
    --------
    >>> import numpy as np
    >>> from rankwise.metrics import confidence_scores
    >>> conf = confidence_scores(np.array([[0.9, 0.5, 0.1], [0.4, 0.4, 0.2]]))
    >>> {name: values.round(4).tolist() for name, values in conf.items()}
    {'max': [0.9, 0.4], 'std': [0.3266, 0.0943], 'diff1': [0.4, 0.0]}
    """
    s = _real("scores", scores)
    if s.ndim == 2:
        if offsets is not None:
            raise InvalidValueError("`offsets` applies to 1-D (ragged) `scores`; got 2-D scores")
        rows, width = s.shape
        flat = np.ascontiguousarray(s, dtype=np.float64).reshape(-1)
        bounds = np.arange(rows + 1, dtype=np.int64) * width
    elif s.ndim == 1:
        flat = float_vector("scores", s)
        bounds = (
            np.array([0, flat.shape[0]], dtype=np.int64)
            if offsets is None
            else _int_vector("offsets", offsets, None, "query boundaries, length Q + 1")
        )
    else:
        raise ShapeError(f"`scores` must be 1-D or 2-D; got {s.ndim}-D")
    table = _native.confidence_scores(flat, bounds)
    return {name: table[:, i].copy() for i, name in enumerate(CONFIDENCE_FUNCTIONS)}


def _rates(abstention_rates: Array | None) -> npt.NDArray[np.float64]:
    if abstention_rates is None:
        # MTEB's `_DEFAULT_ABSTENTION_RATES`: 0.0, 0.1, ..., 0.9 as numpy spells them
        return np.linspace(0, 1, 11)[:-1]
    return float_vector("abstention_rates", abstention_rates)


def _warn_nan(out: list[float], names: list[str]) -> list[float]:
    """nAUC is 0/0 where the oracle's curve is no higher than chance (every value the same,
    or rates too close to abstain on a different number of queries): NaN, with a warning."""
    flat = [n for n, v in zip(names, out, strict=True) if math.isnan(v)]
    if flat:
        warnings.warn(
            f"nAUC is undefined (NaN) for {', '.join(flat)}: abstaining by the values themselves "
            "does no better than at random (equal values, or rates that abstain on as many "
            "queries each)",
            DegenerateDataWarning,
            stacklevel=3,
        )
    return out


def nauc(confidence: Array, values: Array, *, abstention_rates: Array | None = None) -> float:
    """Normalised area under the abstention curve (nAUC), as MTEB reports it.

    Gisserot-Boukhlef et al., "Towards trustworthy reranking: a simple yet effective
    abstention mechanism" (arXiv 2402.12997), computed as MTEB 2.26's ``nauc``: abstaining on
    the ``min(round(rate * Q), Q - 1)`` least confident queries, the mean value of the rest
    traces the abstention curve (equal confidences share their group's mean value); its area
    (trapezoids over the rates) is scaled so that the oracle (abstaining on the lowest values
    first) scores 1 and abstaining at random 0. NaN when every value is the same (the oracle
    is then flat, and MTEB returns NaN). The arithmetic follows numpy's summation order, so
    values equal MTEB's.

    Parameters
    ----------
    confidence : array_like of float, (Q,)
        One confidence per query (e.g. from :func:`confidence_scores`); higher = surer.
    values : array_like of float, (Q,)
        The measure per query (e.g. ``Report.column("nDCG@10")``).
    abstention_rates : array_like of float, optional
        Non-decreasing rates in ``[0, 1]``, at least two; default MTEB's ``0, 0.1, ..., 0.9``.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from rankwise.metrics import nauc
    >>> values = np.array([0.0, 0.2, 0.5, 0.9, 1.0])
    >>> round(nauc(values, values), 4), round(nauc(-values, values), 4)
    (1.0, -1.0385)
    """
    out = _native.nauc(
        [float_vector("confidence", confidence)],
        [float_vector("values", values)],
        _rates(abstention_rates),
    )
    return float(_warn_nan(out, ["`values`"])[0])


def abstention(
    confidence: dict[str, Array],
    values: dict[str, Array],
    *,
    abstention_rates: Array | None = None,
) -> dict[str, float]:
    """nAUC of every measure against every confidence, named as MTEB names them.

    The equivalent of MTEB's ``evaluate_abstention``: ``{"nAUC_{measure}_{fct}": value}``
    for each ``values`` column and each ``confidence`` column (both one entry per query, in
    the same query order), computed in parallel in Rust.

    Examples
    --------
    >>> import numpy as np
    >>> from rankwise.metrics import abstention, confidence_scores
    >>> scores = np.array([[0.9, 0.1], [0.5, 0.4], [0.8, 0.7]])
    >>> ndcg_values = {"NDCG@10": np.array([1.0, 0.0, 0.5])}
    >>> out = abstention(confidence_scores(scores), ndcg_values)
    >>> {k: round(v, 4) for k, v in out.items()}
    {'nAUC_NDCG@10_max': 1.0, 'nAUC_NDCG@10_std': 1.0, 'nAUC_NDCG@10_diff1': 1.0}
    """
    for name, given in (("confidence", confidence), ("values", values)):
        if not isinstance(given, Mapping):
            raise RankwiseTypeError(
                f"`{name}` must be a dict {{name: one value per query}}; got {type(given).__name__}"
            )
    conf_names = list(confidence)
    value_names = list(values)
    out = _native.nauc(
        [float_vector(f"confidence[{n!r}]", confidence[n]) for n in conf_names],
        [float_vector(f"values[{n!r}]", values[n]) for n in value_names],
        _rates(abstention_rates),
    )
    names = [f"nAUC_{m}_{c}" for m in value_names for c in conf_names]
    return dict(zip(names, _warn_nan(out, names), strict=True))
