"""Statistics of paired per-query values: tests, effect sizes, intervals, corrections.

The building blocks of :func:`rankwise.compare`, for values you already have (one number per
query and system, as ``rankwise.evaluate(..., per_query=True)`` gives). Each is computed in
Rust and equals its reference implementation:

* :func:`paired_test`: the paired t-test (``scipy.stats.ttest_rel``), the Wilcoxon signed-rank
  test (``scipy.stats.wilcoxon``), Fisher's randomization test and Sakai's paired bootstrap
  test, two-sided or one-sided;
* :func:`effect_size`: Cohen's d of the differences, Glass's delta, Hedges' g;
* :func:`t_interval`: the Student t confidence interval of a mean or of a paired mean
  difference (``scipy.stats.ttest_1samp`` / ``ttest_rel(...).confidence_interval()``), and
  :func:`margin_of_error`, its half-width, as elinor prints it;
* :func:`correct`: Holm, Bonferroni, Benjamini-Hochberg and Benjamini-Yekutieli adjusted
  p-values (``statsmodels.stats.multitest.multipletests``);
* :func:`anova`: one-way and two-way (system x topic, without replication) analysis of
  variance of a systems x topics matrix (statsmodels' ``anova_lm`` on an OLS fit), and
  :func:`residual_effect_sizes`, Sakai's effect sizes after it;
* :func:`bootstrap_interval`: the bootstrap percentile and BCa intervals of a mean or of a
  paired mean difference (``scipy.stats.bootstrap`` given the same resamples);
* :func:`tukey_hsd`: Tukey's honestly significant difference test over all systems, with
  simultaneous confidence intervals (``scipy.stats.tukey_hsd``), and
  :func:`randomized_tukey_hsd`, Carterette's distribution-free form (Fisher's randomization
  over all systems);
* :func:`power` and :func:`topic_set_size`: the power of the paired t-test and of the one-way
  ANOVA (``statsmodels.stats.power``), and the number of topics a test collection needs to
  detect a difference (Sakai's topic set size design), with :func:`variance_estimate` from a
  systems x topics matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args

import numpy as np
import numpy.typing as npt

from . import _native
from ._validation import (
    U64_MAX,
    choice,
    float_vector,
    int_array,
    integer,
    probability,
    real_array,
    real_scalar,
)
from .correlation import Alternative
from .errors import InvalidValueError, RankwiseTypeError, ShapeError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ALTERNATIVES",
    "BOOTSTRAP_METHODS",
    "CORRECTIONS",
    "EFFECT_SIZES",
    "POWER_TESTS",
    "SIZE_DESIGNS",
    "TESTS",
    "Alternative",
    "AnovaTable",
    "BootstrapMethod",
    "CorrectionName",
    "EffectSizeName",
    "PowerTest",
    "SizeDesign",
    "TestName",
    "TukeyHsd",
    "anova",
    "bootstrap_interval",
    "correct",
    "effect_size",
    "margin_of_error",
    "paired_test",
    "power",
    "randomized_tukey_hsd",
    "residual_effect_sizes",
    "t_interval",
    "topic_set_size",
    "tukey_hsd",
    "variance_estimate",
]

TestName = Literal["randomization", "t-test", "bootstrap", "wilcoxon"]
EffectSizeName = Literal["cohens_d", "glass_delta", "hedges_g"]
CorrectionName = Literal["holm", "bonferroni", "bh", "by"]
BootstrapMethod = Literal["percentile", "bca"]

TESTS: tuple[TestName, ...] = ("randomization", "t-test", "bootstrap", "wilcoxon")
# One option, one set of names: the correlation tests' (the core's `Alternative`).
ALTERNATIVES: tuple[Alternative, ...] = get_args(Alternative)
EFFECT_SIZES: tuple[EffectSizeName, ...] = ("cohens_d", "glass_delta", "hedges_g")
CORRECTIONS: tuple[CorrectionName, ...] = ("holm", "bonferroni", "bh", "by")
BOOTSTRAP_METHODS: tuple[BootstrapMethod, ...] = ("percentile", "bca")
PowerTest = Literal["t-test", "anova"]
SizeDesign = Literal["t-test", "anova", "ci"]
POWER_TESTS: tuple[PowerTest, ...] = ("t-test", "anova")
SIZE_DESIGNS: tuple[SizeDesign, ...] = ("t-test", "anova", "ci")


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


def margin_of_error(
    x: npt.ArrayLike, y: npt.ArrayLike | None = None, *, confidence: float = 0.95
) -> float:
    """Margin of error of the mean of ``x``, or of the mean difference ``x - y``.

    The half-width of the two-sided Student t interval (:func:`t_interval`)::

        MOE = t_q(n - 1) * sqrt(V / n)

    with ``V`` the sample variance (``n - 1`` in the denominator) of ``x`` (or of ``x - y``)
    over ``n`` values and ``t_q(n - 1)`` the ``q = (1 + confidence) / 2`` quantile of Student's
    t with ``n - 1`` degrees of freedom: scipy's ``t.ppf(q, n - 1) * sem(x - y)``. This is
    elinor's ``StudentTTest::margin_of_error(1 - confidence)``, printed as "95% MOE" by
    ``elinor-cli compare`` for the paired t-test (Sakai, *Laboratory Experiments in Information
    Retrieval*, 2018, 2.4, where ``mean -+ MOE`` is the confidence interval). Needs at least 2
    finite values; values without spread give 0 (elinor refuses them).

    For the system means after a two-way ANOVA (elinor's "System means" table) see
    :meth:`AnovaTable.margin_of_error`.

    Examples
    --------
    Table 5.1 of Sakai's *情報アクセス評価方法論* (2015), as elinor's tests use it:

    >>> from rankwise.stats import margin_of_error
    >>> x = [0.70, 0.30, 0.20, 0.60, 0.40, 0.40, 0.00, 0.70, 0.10, 0.30,
    ...      0.50, 0.40, 0.00, 0.60, 0.50, 0.30, 0.10, 0.50, 0.20, 0.10]
    >>> y = [0.50, 0.10, 0.00, 0.20, 0.40, 0.30, 0.00, 0.50, 0.30, 0.30,
    ...      0.40, 0.40, 0.10, 0.40, 0.20, 0.10, 0.10, 0.60, 0.30, 0.20]
    >>> round(margin_of_error(x, y), 4)
    0.0742
    """
    confidence = probability("confidence", confidence)
    if y is None:
        a = float_vector("x", x)
        return float(_native.mean_margins_of_error(a[None, :], confidence)[0])
    return float(_native.pairwise_margins_of_error(_pair(x, y), confidence)[0, 1])


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

    def margin_of_error(self, confidence: float = 0.95) -> float:
        """Margin of error of each system's mean under this ANOVA's model, as elinor prints it.

        ``t_q(df_E) * sqrt(V_E / n)``: ``V_E`` the residual mean square, ``df_E`` its degrees
        of freedom (two-way: ``(k - 1)(n - 1)``; one-way: ``k (n - 1)``), ``n`` the number
        of topics and ``t_q`` the ``q = (1 + confidence) / 2`` quantile of Student's t. One
        value for every system: ``mean_i -+ MOE`` is the interval of system ``i``'s mean
        (Sakai, *Laboratory Experiments in Information Retrieval*, 2018, 3.2). For the two-way
        design this is elinor's ``TwoWayAnovaWithoutReplication::margin_of_error(1 -
        confidence)``, the "95% MOE" column of ``elinor-cli compare``'s "System means" table.

        >>> from rankwise.stats import anova
        >>> scores = [[0.2, 0.5, 0.9, 0.4], [0.3, 0.4, 1.0, 0.7], [0.1, 0.6, 0.7, 0.2]]
        >>> round(anova(scores).margin_of_error(), 4)
        0.1824
        """
        confidence = probability("confidence", confidence)
        k = self.df[0] + 1.0
        residual = len(self.sources) - 1
        df_e = float(self.df[residual])
        n = self.df[1] + 1.0 if len(self.sources) == 3 else df_e / k + 1.0
        return _native.margin_of_error(float(self.mean_sq[residual]), float(n), df_e, confidence)

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


@dataclass(frozen=True)
class TukeyHsd:
    """Tukey's HSD between every pair of systems: (systems, systems) matrices.

    ``statistic[i, j]`` is ``mean_i - mean_j``, ``p_value[i, j]`` its family-wise p-value and
    ``low[i, j]``, ``high[i, j]`` the simultaneous confidence interval at ``confidence``;
    the names of ``scipy.stats.tukey_hsd``'s result (``pvalue``, ``confidence_interval()``).
    """

    statistic: npt.NDArray[np.float64]
    p_value: npt.NDArray[np.float64]
    low: npt.NDArray[np.float64]
    high: npt.NDArray[np.float64]
    confidence: float


def tukey_hsd(scores: npt.ArrayLike, confidence: float = 0.95) -> TukeyHsd:
    """Tukey's honestly significant difference test over all systems of ``scores``.

    ``scores`` is a (systems, topics) matrix. With ``k`` systems, ``n`` topics, system means
    ``m_i`` and ``MSE`` the residual mean square of the one-way ANOVA (:func:`anova`,
    ``df = k (n - 1)``), the test of systems ``i`` and ``j`` (Tukey 1953; Sakai, *Laboratory
    Experiments in Information Retrieval*, 2018, 4.4) has

    * statistic ``m_i - m_j``;
    * p-value ``P(Q > |m_i - m_j| / sqrt(MSE / n))`` for ``Q`` the studentized range of
      ``k`` groups with ``df`` degrees of freedom, so the p-values of all pairs hold the
      family-wise error rate without a further correction;
    * interval ``m_i - m_j -+ q sqrt(MSE / n)``, ``q`` the ``confidence`` quantile of ``Q``.

    Equals ``scipy.stats.tukey_hsd(*scores)`` (``statistic``, ``pvalue`` and
    ``confidence_interval(confidence)``). The studentized range is integrated in Rust by
    fixed 16-point Gauss-Legendre panels placed where the integrands live (within 1e-10 of
    adaptive quadrature to 1e-12; scipy: ``epsabs=1e-11``, ``sf = 1 - cdf``): p-values agree
    to 1e-9 absolute, and small ones are integrated directly rather than as ``1 - cdf``, so
    they stay positive and ordered. Without any spread
    within systems scipy gives NaN; rankwise gives p = 1 for equal means, 0 otherwise, and
    point intervals.

    Examples
    --------
    >>> from rankwise.stats import tukey_hsd
    >>> scores = [[0.2, 0.5, 0.9, 0.4], [0.3, 0.4, 1.0, 0.7], [0.1, 0.6, 0.7, 0.2]]
    >>> result = tukey_hsd(scores)
    >>> result.p_value.round(4)
    array([[1.    , 0.8875, 0.8875],
           [0.8875, 1.    , 0.632 ],
           [0.8875, 0.632 , 1.    ]])
    >>> round(float(result.low[1, 2]), 4), round(float(result.high[1, 2]), 4)
    (-0.3959, 0.7959)
    """
    confidence = probability("confidence", confidence)
    statistic, p, low, high = _native.tukey_hsd(_matrix(scores), confidence)
    return TukeyHsd(statistic, p, low, high, confidence)


def _finite_values(name: str, a: npt.NDArray[np.float64]) -> None:
    """At least 2 values, all finite (the core's check, naming ``x`` or ``y``)."""
    if a.size < 2:
        raise InvalidValueError(f"`{name}` must be at least 2 values; got {a.size} values")
    bad = a[~np.isfinite(a)]
    if bad.size:
        raise InvalidValueError(
            f"`{name}` must be finite values; got {'NaN' if np.isnan(bad[0]) else bad[0]}"
        )


def _resample_indices(resamples: object, n: int) -> npt.NDArray[np.uint32]:
    """``resamples`` checked to be a (n_resamples, n) matrix of indices in ``0..n``."""
    a = int_array("resamples", resamples)
    if a.ndim != 2 or a.shape[0] == 0 or a.shape[1] != n:
        raise ShapeError(
            f"`resamples` must have shape (n_resamples, {n}), one row of topic indices per "
            f"resample; got {a.shape}"
        )
    bad = (a < 0) | (a >= n)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise InvalidValueError(
            f"`resamples` must hold indices in 0..{n - 1}; got {a[where]} at {where}"
        )
    return np.ascontiguousarray(a, dtype=np.uint32)


def _bootstrap(
    scores: npt.NDArray[np.float64],
    paired: bool,
    confidence: float,
    alternative: Alternative,
    method: BootstrapMethod,
    n_resamples: int,
    seed: int,
    resamples: object,
) -> npt.NDArray[np.float64]:
    """Bootstrap intervals of the rows' means (``paired=False``, shape (k, 2)) or of every
    ordered pair's mean difference (shape (k, k, 2)), after checking every argument."""
    confidence = probability("confidence", confidence)
    choice("alternative", alternative, ALTERNATIVES)
    choice("method", method, BOOTSTRAP_METHODS)
    given = None if resamples is None else _resample_indices(resamples, scores.shape[1])
    flat = _native.bootstrap_intervals(
        scores,
        paired,
        confidence,
        alternative,
        method,
        integer("n_resamples", n_resamples, minimum=1),
        integer("seed", seed, maximum=U64_MAX),
        given,
    )
    k = scores.shape[0]
    return flat.reshape((k, k, 2) if paired else (k, 2))


def bootstrap_interval(
    x: npt.ArrayLike,
    y: npt.ArrayLike | None = None,
    *,
    confidence: float = 0.95,
    method: BootstrapMethod = "bca",
    alternative: Alternative = "two-sided",
    n_resamples: int = 10_000,
    seed: int = 42,
    resamples: npt.ArrayLike | None = None,
) -> tuple[float, float]:
    """Bootstrap confidence interval of the mean of ``x``, or of the mean of ``x - y``.

    Each of ``n_resamples`` resamples draws ``n`` of the values (the differences, paired by
    query) with replacement; the bootstrap distribution is their means. With ``alpha = (1 -
    confidence) / 2``:

    * ``"percentile"``: its ``alpha`` and ``1 - alpha`` quantiles (Efron & Tibshirani, *An
      Introduction to the Bootstrap*, 1993, 13.3);
    * ``"bca"``: bias-corrected and accelerated (Efron, JASA 82(397), 1987): the quantiles at
      ``Phi(z0 + (z0 + z) / (1 - a (z0 + z)))`` for ``z = Phi^-1(alpha)`` and ``Phi^-1(1 -
      alpha)``, ``z0 = Phi^-1(share of resampled means below the observed mean)`` the bias
      correction and ``a`` the acceleration, the skewness of the jackknife means.

    A one-sided ``alternative`` uses ``alpha = 1 - confidence`` and keeps one bound: ``[low,
    inf)`` for ``"greater"``, ``(-inf, high]`` for ``"less"``. Quantiles interpolate linearly
    (``scipy.stats.quantile``'s default).

    Equals ``scipy.stats.bootstrap((d,), np.mean, method=..., confidence_level=...,
    alternative=..., n_resamples=B, rng=np.random.default_rng(s))`` for ``d = x - y`` (or
    ``x``) when given ``resamples=np.random.default_rng(s).integers(0, n, (B, n))``, the
    indices scipy draws: a (n_resamples, n) matrix of indices into the queries. Without
    ``resamples`` they are drawn from ``seed`` by rankwise's own generator, in parallel and
    reproducibly. Values without spread give ``(mean, mean)`` where scipy gives NaN; BCa is
    refused when every resampled mean lies on one side of the observed one (scipy: NaN).

    Examples
    --------
    >>> import numpy as np
    >>> from rankwise.stats import bootstrap_interval
    >>> x = [0.61, 0.42, 0.85, 0.30, 0.77, 0.55]
    >>> y = [0.52, 0.40, 0.71, 0.33, 0.60, 0.49]
    >>> low, high = bootstrap_interval(x, y, method="percentile", seed=1)
    >>> bool(low < 0.0767 < high)
    True
    >>> idx = np.random.default_rng(0).integers(0, 6, (1000, 6))  # scipy's draws for rng=0
    >>> [round(v, 4) for v in bootstrap_interval(x, y, resamples=idx)]
    [0.0189, 0.1267]
    """
    for name, v in (("x", x), ("y", y)):
        if v is not None:
            _finite_values(name, float_vector(name, v))
    if y is None:
        scores = float_vector("x", x)[None, :]
        ci = _bootstrap(scores, False, confidence, alternative, method, n_resamples, seed,
                        resamples)[0]  # fmt: skip
    else:
        ci = _bootstrap(_pair(x, y), True, confidence, alternative, method, n_resamples, seed,
                        resamples)[0, 1]  # fmt: skip
    return float(ci[0]), float(ci[1])


def randomized_tukey_hsd(
    scores: npt.ArrayLike,
    *,
    n_resamples: int = 10_000,
    seed: int = 42,
    permutations: npt.ArrayLike | None = None,
) -> npt.NDArray[np.float64]:
    """Carterette's randomised Tukey HSD test over all systems of ``scores``.

    ``scores`` is a (systems, topics) matrix. Each of ``n_resamples`` resamples permutes every
    topic's values among the systems (the null hypothesis: the systems are interchangeable)
    and records the range of the system means, the largest minus the smallest. The p-value
    of systems ``i`` and ``j`` is the share of resamples whose range reaches ``|mean_i -
    mean_j|``: ``(1 + hits) / (1 + n_resamples)`` (Carterette, ACM TOIS 30(1), 2012, 4.2;
    Sakai, *Laboratory Experiments in Information Retrieval*, 2018, 4.5; both count
    ``hits / n_resamples``). Judging every pair against the distribution of the largest
    difference is Fisher's randomization test over all systems with Westfall & Young's
    max-statistic: the p-values hold the family-wise error rate without a correction, and
    the smallest is the p-value of "all systems are equal".

    ``permutations``, a (n_resamples, topics, systems) integer array whose ``[b, t]`` rows
    are permutations of ``0..systems-1`` (system ``s`` takes system ``permutations[b, t,
    s]``'s value on topic ``t``), replaces the draws from ``seed``, e.g. to reproduce another
    implementation's resamples.

    Examples
    --------
    >>> from rankwise.stats import randomized_tukey_hsd
    >>> scores = [[0.9, 0.8, 0.95, 0.7, 0.85, 0.9],
    ...           [0.1, 0.2, 0.15, 0.3, 0.05, 0.2],
    ...           [0.12, 0.22, 0.1, 0.28, 0.1, 0.18]]
    >>> p = randomized_tukey_hsd(scores, n_resamples=2000, seed=1)
    >>> bool(p[0, 1] < 0.01), bool(p[1, 2] > 0.5), float(p[0, 0])
    (True, True, 1.0)
    """
    a = _matrix(scores)
    given = None
    if permutations is not None:
        given = np.ascontiguousarray(_permutations(permutations, a.shape), dtype=np.uint32)
    return _native.randomized_tukey_hsd(
        a,
        integer("n_resamples", n_resamples, minimum=1),
        integer("seed", seed, maximum=U64_MAX),
        given,
    )


def _permutations(permutations: object, shape: tuple[int, ...]) -> npt.NDArray[np.int64]:
    """``permutations`` checked to be (n_resamples, topics, systems) indices in ``0..k``."""
    k, n = shape
    p = int_array("permutations", permutations)
    if p.ndim != 3 or p.shape[0] == 0 or p.shape[1:] != (n, k):
        raise ShapeError(f"`permutations` must have shape (n_resamples, {n}, {k}); got {p.shape}")
    if ((p < 0) | (p >= k)).any():
        raise InvalidValueError(f"`permutations` must hold system indices in 0..{k - 1}")
    return p


def power(
    difference: float,
    n_topics: int,
    *,
    variance: float = 1.0,
    test: PowerTest = "t-test",
    n_systems: int = 2,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
) -> float:
    """Power of a test over ``n_topics`` topics: the probability that it rejects at ``alpha``
    when the true difference is ``difference``.

    * ``"t-test"``: the paired t-test between two systems whose per-topic differences have
      mean ``difference`` and variance ``variance``: with noncentrality ``nc = sqrt(n)
      difference / sqrt(variance)`` and ``df = n - 1``, ``P(T' > t_(1-alpha/2)) + P(T' <
      t_(alpha/2))`` for ``T'`` noncentral t (one-sided: the one tail at ``alpha``; Cohen,
      *Statistical Power Analysis for the Behavioral Sciences*, 1988, 2.5). Equals
      ``statsmodels.stats.power.TTestPower().power(difference / sqrt(variance), n_topics,
      alpha, alternative)`` (statsmodels names ``"greater"`` ``"larger"`` and ``"less"``
      ``"smaller"``); ``difference / sqrt(variance)`` is Cohen's d of the differences, so
      ``variance=1`` takes ``difference`` as an effect size.
    * ``"anova"``: the one-way ANOVA over ``n_systems`` systems with ``n_topics`` topics
      each, when the best and worst system means differ by ``difference`` (the others at
      their midpoint, the least favourable case) and ``variance`` is the within-system
      variance: ``P(F' > F_(1-alpha)(m - 1, m (n - 1)))`` for ``F'`` noncentral F with
      noncentrality ``n difference^2 / (2 variance)`` (Sakai, "Topic set size design", Inf.
      Retr. J. 19(3), 2016, 4). Equals ``FTestAnovaPower().power(f, m n, alpha, m)`` with
      Cohen's ``f = sqrt(difference^2 / (2 m variance))``.

    The noncentral t and F distributions are computed in Rust by their Poisson-mixture
    series (equal to ``scipy.stats.nct`` / ``ncf`` to 1e-9 and better).

    Examples
    --------
    >>> from rankwise.stats import power
    >>> round(power(0.5, 20), 4)  # Cohen's d = 0.5 over 20 topics
    0.5645
    >>> round(power(0.1, 30, variance=0.01, test="anova", n_systems=4), 4)
    0.9071
    """
    choice("test", test, POWER_TESTS)
    difference, variance, alpha = _design_inputs(alternative, difference, variance, alpha)
    n = integer("n_topics", n_topics, minimum=2, maximum=U64_MAX)
    if test == "anova":
        m = integer("n_systems", n_systems, minimum=2, maximum=U64_MAX)
        return float(_native.anova_power(difference, variance, n, m, alpha))
    return float(_native.t_test_power(difference, variance, n, alpha, alternative))


def topic_set_size(
    difference: float,
    *,
    variance: float,
    design: SizeDesign = "t-test",
    power: float = 0.8,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
    n_systems: int = 2,
) -> int:
    """The smallest number of topics (at least 2) a test collection needs, Sakai's topic set
    size design (Sakai, "Topic set size design", Inf. Retr. J. 19(3), 2016; *Laboratory
    Experiments in Information Retrieval*, Springer 2018, ch. 6).

    * ``"t-test"``: the paired t-test at ``alpha`` detects a mean difference ``difference``
      (the minimum detectable difference, Sakai's ``minD_t``) between two systems with
      probability at least ``power``, when the per-topic differences have variance
      ``variance`` (Sakai's ``sigma_t^2``);
    * ``"anova"``: the one-way ANOVA over ``n_systems`` systems detects a range ``difference``
      of the system means (``minD``) with probability at least ``power``, within-system
      variance ``variance`` (``sigma^2``);
    * ``"ci"``: the expected width of the ``1 - alpha`` paired t confidence interval of the
      mean difference, ``2 t_(1-alpha/2)(n-1) sqrt(variance / n) c(n)`` with ``c(n) = sqrt(2
      / (n-1)) Gamma(n/2) / Gamma((n-1)/2)``, is at most ``difference`` (``delta``);
      ``power`` and ``alternative`` play no part.

    Power is exact (:func:`power`: the noncentral t and F distributions); Sakai's Excel
    tools approximate them (Nagata 2003) and can differ by a topic or two. Estimate the
    variance from past runs with :func:`variance_estimate` (or
    :meth:`rankwise.Comparison.topic_set_size`). A ``difference`` no test can detect (0, or
    of the wrong sign for a one-sided ``alternative``), or one that needs more than 2^40
    topics, is an :class:`~rankwise.errors.InvalidValueError`.

    Examples
    --------
    >>> from rankwise.stats import topic_set_size
    >>> topic_set_size(0.1, variance=0.1)  # paired t-test, power 0.8, alpha 0.05
    81
    >>> topic_set_size(0.1, variance=0.05, design="anova", n_systems=10)
    158
    >>> topic_set_size(0.1, variance=0.1, design="ci")  # 95% interval at most 0.1 wide
    156
    """
    choice("design", design, SIZE_DESIGNS)
    difference, variance, alpha = _design_inputs(alternative, difference, variance, alpha)
    wanted = probability("power", power)
    m = integer("n_systems", n_systems, minimum=2, maximum=U64_MAX)
    return int(_native.topic_set_size(design, difference, variance, wanted, alpha, alternative, m))


def _design_inputs(
    alternative: str, difference: float, variance: float, alpha: float
) -> tuple[float, float, float]:
    """The inputs :func:`power` and :func:`topic_set_size` share, checked in that order:
    ``(difference, variance, alpha)``."""
    choice("alternative", alternative, ALTERNATIVES)
    return (
        real_scalar("difference", difference),
        real_scalar("variance", variance),
        probability("alpha", alpha),
    )


def variance_estimate(scores: npt.ArrayLike, design: SizeDesign = "t-test") -> float:
    """The variance :func:`topic_set_size` needs, estimated from a (systems, topics) matrix of
    per-topic scores from past runs, as Sakai does (Sakai 2016, 6; 2018, 6.5).

    ``V_E``, the residual mean square of the two-way ANOVA without replication (systems x
    topics; :func:`anova`), estimates the within-system variance ``sigma^2`` that the
    ``"anova"`` design takes. The ``"t-test"`` and ``"ci"`` designs take the variance of the
    per-topic differences between two systems, ``sigma_t^2 = 2 sigma^2``, and get ``2 V_E``.

    Examples
    --------
    >>> from rankwise.stats import variance_estimate
    >>> scores = [[0.2, 0.5, 0.9, 0.4], [0.3, 0.4, 1.0, 0.7], [0.1, 0.6, 0.7, 0.2]]
    >>> round(variance_estimate(scores, "anova"), 6), round(variance_estimate(scores), 6)
    (0.022222, 0.044444)
    """
    choice("design", design, SIZE_DESIGNS)
    residual = float(_native.anova(_matrix(scores), "two-way")[2, 2])
    return residual if design == "anova" else 2.0 * residual
