"""Statistics of paired per-query values: tests, effect sizes, intervals, corrections.

The building blocks of :func:`rankwise.compare`, for values you already have (one number per
query and system, as ``rankwise.evaluate(..., per_query=True)`` gives). Each is computed in
Rust and equals its reference implementation:

* :func:`paired_test`: the paired t-test (``scipy.stats.ttest_rel``), the Wilcoxon signed-rank
  test (``scipy.stats.wilcoxon``), Fisher's randomization test and Sakai's paired bootstrap
  test, two-sided or one-sided;
* :func:`effect_size`: Cohen's d of the differences, Glass's delta, Hedges' g;
* :func:`t_interval`: the Student t confidence interval of a mean or of a paired mean
  difference (``scipy.stats.ttest_1samp`` / ``ttest_rel(...).confidence_interval()``);
* :func:`correct`: Holm, Bonferroni, Benjamini-Hochberg and Benjamini-Yekutieli adjusted
  p-values (``statsmodels.stats.multitest.multipletests``);
* :func:`anova`: one-way and two-way (system x topic, without replication) analysis of
  variance of a systems x topics matrix (statsmodels' ``anova_lm`` on an OLS fit), and
  :func:`residual_effect_sizes`, Sakai's effect sizes after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args

import numpy as np
import numpy.typing as npt

from . import _native
from ._validation import U64_MAX, choice, float_vector, integer, probability, real_array
from .correlation import Alternative
from .errors import RankwiseTypeError, ShapeError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ALTERNATIVES",
    "CORRECTIONS",
    "EFFECT_SIZES",
    "TESTS",
    "Alternative",
    "AnovaTable",
    "CorrectionName",
    "EffectSizeName",
    "TestName",
    "anova",
    "correct",
    "effect_size",
    "paired_test",
    "residual_effect_sizes",
    "t_interval",
]

TestName = Literal["randomization", "t-test", "bootstrap", "wilcoxon"]
EffectSizeName = Literal["cohens_d", "glass_delta", "hedges_g"]
CorrectionName = Literal["holm", "bonferroni", "bh", "by"]

TESTS: tuple[TestName, ...] = ("randomization", "t-test", "bootstrap", "wilcoxon")
# One option, one set of names: the correlation tests' (the core's `Alternative`).
ALTERNATIVES: tuple[Alternative, ...] = get_args(Alternative)
EFFECT_SIZES: tuple[EffectSizeName, ...] = ("cohens_d", "glass_delta", "hedges_g")
CORRECTIONS: tuple[CorrectionName, ...] = ("holm", "bonferroni", "bh", "by")


def _pair(x: object, y: object) -> npt.NDArray[np.float64]:
    """``x`` and ``y`` as the rows of a (2, n) float64 array, checked to be the same length."""
    a = float_vector("x", x)
    b = float_vector("y", y)
    if a.shape != b.shape:
        raise ShapeError(f"`y` must have shape {a.shape} like `x`; got {b.shape}")
    return np.ascontiguousarray(np.stack([a, b]))


def paired_test(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    test: TestName = "t-test",
    *,
    alternative: Alternative = "two-sided",
    n_resamples: int = 10_000,
    seed: int = 42,
) -> float:
    """p-value of a paired test between per-query values ``x`` and ``y``.

    ``alternative`` is scipy's: the differences ``x - y`` are centred away from 0
    (``"two-sided"``), above 0 (``"greater"``: ``x`` is better) or below 0 (``"less"``).

    * ``"t-test"``: equals ``scipy.stats.ttest_rel(x, y, alternative=...).pvalue``;
    * ``"wilcoxon"``: equals ``scipy.stats.wilcoxon(x, y, alternative=...).pvalue``;
    * ``"randomization"``: Fisher's randomization test (Smucker et al., CIKM 2007), the share
      of ``n_resamples`` random sign flips of the differences whose mean is at least the
      observed one (``"greater"``), at most it (``"less"``), or at least it in absolute value;
    * ``"bootstrap"``: Sakai's paired bootstrap test (SIGIR 2006), the same shares over
      ``n_resamples`` resamples of the differences centred on 0.

    Resampling p-values are ``(1 + hits) / (1 + n_resamples)``, reproducible for a ``seed``.
    Where scipy reports NaN (no pair differs, or no spread in the differences) rankwise
    reports 1 when every difference is 0, else 0 or 1 by the side the differences lie on.

    Examples
    --------
    >>> from rankwise.stats import paired_test
    >>> x = [0.61, 0.42, 0.85, 0.30, 0.77, 0.55]
    >>> y = [0.52, 0.40, 0.71, 0.33, 0.60, 0.49]
    >>> round(paired_test(x, y, "t-test"), 4), round(paired_test(x, y, alternative="greater"), 4)
    (0.0568, 0.0284)
    """
    choice("test", test, TESTS)
    choice("alternative", alternative, ALTERNATIVES)
    scores = _pair(x, y)
    p = _native.pairwise_p_values(
        scores,
        test,
        alternative,
        n_resamples=integer("n_resamples", n_resamples, minimum=1),
        seed=integer("seed", seed, maximum=U64_MAX),
    )
    return float(p[0, 1])


def effect_size(x: npt.ArrayLike, y: npt.ArrayLike, kind: EffectSizeName = "cohens_d") -> float:
    """Standardised mean difference of paired values ``x`` (a system) over ``y`` (the baseline).

    With ``d = x - y`` over ``n`` queries and standard deviations ``sd`` with ``n - 1``:

    * ``"cohens_d"``: Cohen's d of the differences (``d_z``), ``mean(d) / sd(d)`` (Cohen,
      *Statistical Power Analysis for the Behavioral Sciences*, 1988, eq. 2.3.5; Lakens,
      Front. Psychol. 4:863, 2013, eq. 6);
    * ``"glass_delta"``: Glass's delta, ``mean(d) / sd(y)``, scaled by the baseline's spread
      (Glass, Educ. Res. 5(10), 1976);
    * ``"hedges_g"``: Hedges' g, Cohen's d times ``J(m) = Gamma(m/2) / (sqrt(m/2)
      Gamma((m-1)/2))``, ``m = n - 1``, which removes its small-sample bias (Hedges, J. Educ.
      Stat. 6(2), 1981, eq. 6e); needs 3 queries.

    Needs at least 2 queries (3 for Hedges' g) and finite values. Without spread in the
    denominator the effect is 0 when the mean difference is 0 and an infinity of its sign
    otherwise, never NaN.

    Examples
    --------
    >>> from rankwise.stats import effect_size
    >>> x = [0.61, 0.42, 0.85, 0.30, 0.77, 0.55]
    >>> y = [0.52, 0.40, 0.71, 0.33, 0.60, 0.49]
    >>> round(effect_size(x, y), 4), round(effect_size(x, y, "hedges_g"), 4)
    (1.0067, 0.8464)
    """
    choice("kind", kind, EFFECT_SIZES)
    return float(_native.pairwise_effect_sizes(_pair(x, y), kind)[0, 1])


def t_interval(
    x: npt.ArrayLike,
    y: npt.ArrayLike | None = None,
    *,
    confidence: float = 0.95,
    alternative: Alternative = "two-sided",
) -> tuple[float, float]:
    """Student t confidence interval of the mean of ``x``, or of the mean of ``x - y``.

    ``mean -+ t sd / sqrt(n)`` with ``t`` the ``(1 + confidence) / 2`` quantile of Student's t
    with ``n - 1`` degrees of freedom; a one-sided ``alternative`` gives the half-line
    ``[mean - t' se, inf)`` (``"greater"``) or ``(-inf, mean + t' se]`` (``"less"``), ``t'``
    the ``confidence`` quantile. Equals ``scipy.stats.ttest_1samp(x, 0, alternative=...)`` and
    ``scipy.stats.ttest_rel(x, y, alternative=...)``'s ``confidence_interval(confidence)``;
    values without spread give ``(mean, mean)`` where scipy gives NaN.

    Examples
    --------
    >>> from rankwise.stats import t_interval
    >>> x = [0.61, 0.42, 0.85, 0.30, 0.77, 0.55]
    >>> y = [0.52, 0.40, 0.71, 0.33, 0.60, 0.49]
    >>> [round(v, 4) for v in t_interval(x, y)]
    [-0.0032, 0.1532]
    """
    confidence = probability("confidence", confidence)
    choice("alternative", alternative, ALTERNATIVES)
    if y is None:
        a = float_vector("x", x)
        lo, hi = _native.mean_intervals(a[None, :], confidence, alternative)[0]
    else:
        lo, hi = _native.pairwise_intervals(_pair(x, y), confidence, alternative)[0, 1]
    return float(lo), float(hi)


def correct(p: npt.ArrayLike, method: CorrectionName | None) -> npt.NDArray[np.float64]:
    """p-values adjusted for multiple comparisons, in the order given.

    With ``m`` p-values, ``p_(j)`` the ``j``-th smallest:

    * ``"bonferroni"``: ``min(1, m p)``;
    * ``"holm"``: Holm's step-down (Scand. J. Stat. 6, 1979), the ``k``-th smallest
      ``max_{j<=k} min(1, (m - j + 1) p_(j))``;
    * ``"bh"``: Benjamini & Hochberg's false discovery rate (J. R. Stat. Soc. B 57, 1995),
      ``min(1, min_{j>=k} m p_(j) / j)``;
    * ``"by"``: Benjamini & Yekutieli's, valid under any dependence (Ann. Stat. 29, 2001):
      as ``"bh"`` times ``sum_{i<=m} 1/i``;
    * ``None``: unchanged.

    Equal to ``statsmodels.stats.multitest.multipletests(p, method=...)[1]`` with methods
    ``"bonferroni"``, ``"holm"``, ``"fdr_bh"``, ``"fdr_by"``. p-values must lie in [0, 1].

    Examples
    --------
    >>> from rankwise.stats import correct
    >>> correct([0.01, 0.04, 0.03, 0.2], "bh")
    array([0.04      , 0.05333333, 0.05333333, 0.2       ])
    """
    if method is not None:
        choice("method", method, CORRECTIONS)
    return _native.corrected_p_values(float_vector("p", p), method)


def _matrix(scores: object) -> npt.NDArray[np.float64]:
    """A (systems, topics) C-contiguous float64 array."""
    a = real_array("scores", scores)
    if a.dtype.kind not in "biuf":
        raise RankwiseTypeError(f"`scores` must be an array of real numbers; got dtype {a.dtype}")
    if a.ndim != 2:
        raise ShapeError(f"`scores` must be 2-D (systems, topics); got shape {a.shape}")
    return np.ascontiguousarray(a, dtype=np.float64)


@dataclass(frozen=True)
class AnovaTable:
    """An analysis of variance table: one row per source of variation.

    ``df``, ``sum_sq``, ``mean_sq``, ``f`` and ``p_value`` hold a value per source in
    ``sources``; the residual row has no F or p-value (NaN, as statsmodels prints them).
    ``to_pandas()`` gives statsmodels' ``anova_lm`` columns.
    """

    sources: tuple[str, ...]
    df: npt.NDArray[np.float64]
    sum_sq: npt.NDArray[np.float64]
    mean_sq: npt.NDArray[np.float64]
    f: npt.NDArray[np.float64]
    p_value: npt.NDArray[np.float64]

    def to_pandas(self) -> pd.DataFrame:
        """The table with statsmodels' columns: df, sum_sq, mean_sq, F, PR(>F)."""
        import pandas as pd

        return pd.DataFrame(
            {"df": self.df, "sum_sq": self.sum_sq, "mean_sq": self.mean_sq, "F": self.f,
             "PR(>F)": self.p_value},
            index=pd.Index(self.sources, name="source"),
        )  # fmt: skip

    def __repr__(self) -> str:
        lines = [f"{'source':<10}{'df':>8}{'sum_sq':>12}{'mean_sq':>12}{'F':>10}{'PR(>F)':>12}"]
        for i, s in enumerate(self.sources):
            f = "" if np.isnan(self.f[i]) else f"{self.f[i]:.4f}"
            p = "" if np.isnan(self.p_value[i]) else f"{self.p_value[i]:.4g}"
            line = (
                f"{s:<10}{self.df[i]:>8g}{self.sum_sq[i]:>12.6f}{self.mean_sq[i]:>12.6f}"
                f"{f:>10}{p:>12}"
            )
            lines.append(line.rstrip())
        return "\n".join(lines)


def anova(scores: npt.ArrayLike, design: Literal["one-way", "two-way"] = "two-way") -> AnovaTable:
    """Analysis of variance of ``scores``, a (systems, topics) matrix of per-topic values.

    * ``"two-way"``: two-way ANOVA without replication, systems x topics (Sakai, *Laboratory
      Experiments in Information Retrieval*, 2018, 3.2): sources ``system`` (``k - 1``
      degrees of freedom), ``topic`` (``n - 1``) and ``residual`` (``(k - 1)(n - 1)``),
      each effect's F its mean square over the residual's; equals statsmodels'
      ``anova_lm(ols("score ~ C(system) + C(topic)", data))``;
    * ``"one-way"``: the systems as groups, topics ignored: ``system`` and ``residual``
      (``k (n - 1)``); equals ``anova_lm(ols("score ~ C(system)", data))`` and
      ``scipy.stats.f_oneway(*scores)``.

    p-values are ``P(F > f)``. Needs at least 2 systems and 2 topics and finite values; where
    the model leaves no residual at all, an effect gets F = inf and p = 0, or F = 0 and p = 1
    if it explains nothing either (statsmodels: inf or NaN).

    Examples
    --------
    >>> from rankwise.stats import anova
    >>> scores = [[0.2, 0.5, 0.9, 0.4], [0.3, 0.4, 1.0, 0.7], [0.1, 0.6, 0.7, 0.2]]
    >>> anova(scores)
    source          df      sum_sq     mean_sq         F      PR(>F)
    system           2    0.080000    0.040000    1.8000      0.2441
    topic            3    0.686667    0.228889   10.3000    0.008811
    residual         6    0.133333    0.022222
    """
    choice("design", design, ("one-way", "two-way"))
    table = _native.anova(_matrix(scores), design)
    sources = ("system", "topic", "residual") if design == "two-way" else ("system", "residual")
    df, sum_sq, mean_sq, f, p = (np.ascontiguousarray(table[:, c]) for c in range(5))
    return AnovaTable(sources, df, sum_sq, mean_sq, f, p)


def residual_effect_sizes(scores: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Sakai's effect sizes after a two-way ANOVA: ``(mean_i - mean_j) / sqrt(V_E)``.

    ``V_E`` is the residual mean square of :func:`anova` (two-way, systems x topics), the
    standardising variance Sakai recommends for comparing many systems (*Laboratory
    Experiments in Information Retrieval*, 2018, 5.2). Entry ``[i, j]`` of the (systems,
    systems) result is system ``i``'s effect over ``j``.

    >>> from rankwise.stats import residual_effect_sizes
    >>> residual_effect_sizes([[0.2, 0.5, 0.9, 0.4], [0.3, 0.4, 1.0, 0.7]]).round(3)
    array([[ 0.   , -0.866],
           [ 0.866,  0.   ]])
    """
    return _native.residual_effect_sizes(_matrix(scores))
