"""Comparing systems: significance tests over queries, effect sizes, intervals, and run fusion.

All do their work in Rust: the resampling of the randomization and bootstrap tests runs in
parallel (and gives the same p-values for a seed whatever the number of threads), effect sizes
and intervals run over the pairs of systems in parallel, and fusion runs per query in parallel.
The statistics themselves are those of :mod:`rankwise.stats`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt

from . import _native
from ._validation import U64_MAX, choice, integer, probability, real_scalar
from .errors import InvalidValueError, RankwiseError, RankwiseTypeError
from .evaluate import (
    Qrels,
    QrelsLike,
    Run,
    RunLike,
    _as_qrels,
    _measure_list,
    evaluate,
)
from .fusion import (
    _run_at,
    fuse,  # moved to rankwise.fusion; re-exported for old imports
)
from .stats import (
    ALTERNATIVES,
    CORRECTIONS,
    EFFECT_SIZES,
    TESTS,
    Alternative,
    AnovaTable,
    CorrectionName,
    EffectSizeName,
    SizeDesign,
    TestName,
    TukeyHsd,
    _bootstrap,
    anova,
    randomized_tukey_hsd,
    topic_set_size,
    tukey_hsd,
    variance_estimate,
)

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["Comparison", "compare", "fuse"]

Test = TestName | Literal["tukey"]
# The paired tests, and Tukey's HSD over all systems at once.
COMPARE_TESTS: tuple[Test, ...] = (*TESTS, "tukey")
IntervalMethod = Literal["t", "percentile", "bca"]
INTERVAL_METHODS: tuple[IntervalMethod, ...] = ("t", "percentile", "bca")


@dataclass(frozen=True)
class Comparison:
    """Means of several systems and pairwise significance tests, per measure.

    ``p_values[measure][i, j]`` is the (corrected) p-value of system ``i`` against system
    ``j`` under ``alternative`` (two-sided: a symmetric matrix; ``"greater"``: small when ``i``
    scores higher); ``significant`` compares it with ``alpha``; ``wins[measure][i, j]`` counts
    the queries where ``i`` scores higher than ``j`` (``ties`` where equal);
    ``scores[measure]`` holds the per-query values, systems by queries. ``to_markdown()`` and
    ``repr()`` show ranx's table: each system gets a letter, and a mean carries the letters of
    the systems it is significantly better than.

    :meth:`effect_sizes`, :meth:`difference_intervals` and :meth:`mean_intervals` give the
    effect sizes and t (or bootstrap) confidence intervals papers report next to p-values;
    :meth:`anova`, :meth:`tukey_hsd` and :meth:`randomized_tukey_hsd` test all systems at
    once (see :mod:`rankwise.stats` for their definitions); :meth:`topic_set_size` sizes a
    new test collection from these per-query values (Sakai's topic set size design);
    :meth:`plot` draws the per-query differences.
    """

    systems: tuple[str, ...]
    measures: tuple[str, ...]
    query_ids: tuple[str, ...]
    means: dict[str, dict[str, float]]
    p_values: dict[str, npt.NDArray[np.float64]]
    wins: dict[str, npt.NDArray[np.int64]]
    ties: dict[str, npt.NDArray[np.int64]]
    test: str
    correction: str | None
    alpha: float
    scores: dict[str, npt.NDArray[np.float64]]
    alternative: Alternative = "two-sided"

    def _scores(self, measure: str) -> npt.NDArray[np.float64]:
        if measure not in self.scores:
            raise InvalidValueError(
                f"`measure` must be one of the compared measures {list(self.measures)}; "
                f"got {measure!r}"
            )
        return self.scores[measure]

    def effect_sizes(
        self, measure: str, kind: EffectSizeName | Literal["residual"] = "cohens_d"
    ) -> npt.NDArray[np.float64]:
        """Effect sizes between every pair of systems on ``measure``.

        Entry ``[i, j]`` is system ``i``'s effect over baseline ``j`` (``kind``: Cohen's d of
        the per-query differences, Glass's delta, or Hedges' g; see
        :func:`rankwise.stats.effect_size`; or ``"residual"``, Sakai's effect size after a
        two-way ANOVA, :func:`rankwise.stats.residual_effect_sizes`); zeros on the diagonal.
        """
        choice("kind", kind, (*EFFECT_SIZES, "residual"))
        if kind == "residual":
            return _native.residual_effect_sizes(self._scores(measure))
        return _native.pairwise_effect_sizes(self._scores(measure), kind)

    def anova(self, measure: str, design: Literal["one-way", "two-way"] = "two-way") -> AnovaTable:
        """ANOVA of the systems' per-query values on ``measure`` (see
        :func:`rankwise.stats.anova`; two-way: systems x queries, without replication)."""
        return anova(self._scores(measure), design)

    def difference_intervals(
        self,
        measure: str,
        confidence: float = 0.95,
        method: IntervalMethod = "t",
        *,
        n_resamples: int = 10_000,
        seed: int = 42,
        resamples: npt.ArrayLike | None = None,
    ) -> npt.NDArray[np.float64]:
        """Confidence intervals of the mean difference between every pair of systems.

        Shape (systems, systems, 2): ``[i, j]`` bounds ``mean(i - j)`` on ``measure`` under
        the comparison's ``alternative`` (one-sided: a half-line to infinity). ``method``:

        * ``"t"``: the paired t interval, equal to ``scipy.stats.ttest_rel(i, j,
          alternative=...).confidence_interval(confidence)``;
        * ``"percentile"``, ``"bca"``: bootstrap intervals over ``n_resamples`` resamples of
          the queries (one set for every pair), equal to ``scipy.stats.bootstrap`` given the
          same ``resamples``; see :func:`rankwise.stats.bootstrap_interval`.
        """
        how = (confidence, method, n_resamples, seed, resamples)
        return self._intervals(measure, True, self.alternative, *how)

    def mean_intervals(
        self,
        measure: str,
        confidence: float = 0.95,
        method: IntervalMethod = "t",
        *,
        n_resamples: int = 10_000,
        seed: int = 42,
        resamples: npt.ArrayLike | None = None,
    ) -> npt.NDArray[np.float64]:
        """Two-sided confidence intervals of each system's mean on ``measure``.

        Shape (systems, 2). ``method`` ``"t"``: equal to ``scipy.stats.ttest_1samp(values,
        0)``'s ``confidence_interval(confidence)``; ``"percentile"`` or ``"bca"``: bootstrap
        intervals as :func:`rankwise.stats.bootstrap_interval`.
        """
        how = (confidence, method, n_resamples, seed, resamples)
        return self._intervals(measure, False, "two-sided", *how)

    def _intervals(
        self,
        measure: str,
        paired: bool,
        alternative: Alternative,
        confidence: float,
        method: IntervalMethod,
        n_resamples: int,
        seed: int,
        resamples: npt.ArrayLike | None,
    ) -> npt.NDArray[np.float64]:
        """:meth:`difference_intervals` (``paired``) or :meth:`mean_intervals`."""
        choice("method", method, INTERVAL_METHODS)
        scores = self._scores(measure)
        if method != "t":
            return _bootstrap(scores, paired, confidence, alternative, method, n_resamples, seed,
                              resamples)  # fmt: skip
        confidence = probability("confidence", confidence)
        native = _native.pairwise_intervals if paired else _native.mean_intervals
        return native(scores, confidence, alternative)

    def margin_of_error(self, measure: str, confidence: float = 0.95) -> npt.NDArray[np.float64]:
        """Margins of error of the mean difference between every pair of systems on ``measure``.

        Shape (systems, systems): ``[i, j]`` is ``t_q(n - 1) sqrt(V_ij / n)``, ``V_ij`` the
        sample variance of the per-query differences ``i - j`` over ``n`` queries and ``t_q``
        the ``q = (1 + confidence) / 2`` quantile of Student's t: the half-width of the
        two-sided paired t interval (:meth:`difference_intervals`), elinor's "95% MOE" of its
        paired t-test at ``confidence = 0.95`` (see :func:`rankwise.stats.margin_of_error`).
        Always two-sided, whatever the comparison's ``alternative``; zeros on the diagonal.
        The margin of error of each system's mean after a two-way ANOVA, elinor's other MOE,
        is ``anova(measure).margin_of_error(confidence)``; ``to_markdown(margin_of_error=True)``
        prints it next to the means.
        """
        confidence = probability("confidence", confidence)
        return _native.pairwise_margins_of_error(self._scores(measure), confidence)

    def tukey_hsd(self, measure: str, confidence: float = 0.95) -> TukeyHsd:
        """Tukey's HSD over all systems on ``measure``: family-wise p-values and simultaneous
        intervals of every mean difference (see :func:`rankwise.stats.tukey_hsd`)."""
        return tukey_hsd(self._scores(measure), confidence)

    def randomized_tukey_hsd(
        self, measure: str, *, n_resamples: int = 10_000, seed: int = 42
    ) -> npt.NDArray[np.float64]:
        """Carterette's randomised Tukey HSD over all systems on ``measure``: a (systems,
        systems) matrix of family-wise p-values (see
        :func:`rankwise.stats.randomized_tukey_hsd`)."""
        return randomized_tukey_hsd(self._scores(measure), n_resamples=n_resamples, seed=seed)

    def topic_set_size(
        self,
        measure: str,
        difference: float,
        *,
        design: SizeDesign = "t-test",
        power: float = 0.8,
        alpha: float | None = None,
    ) -> int:
        """Topics a new test collection needs to detect ``difference`` on ``measure``, with the
        variance estimated from these systems' per-query values (Sakai's topic set size
        design): :func:`rankwise.stats.topic_set_size` with ``variance=``
        :func:`rankwise.stats.variance_estimate` ``(scores[measure], design)``, the
        comparison's ``alternative``, its number of systems for ``"anova"`` and its ``alpha``
        unless given.
        """
        return topic_set_size(
            difference,
            variance=variance_estimate(self._scores(measure), design),
            design=design,
            power=power,
            alpha=self.alpha if alpha is None else alpha,
            alternative=self.alternative,
            n_systems=len(self.systems),
        )

    @property
    def significant(self) -> dict[str, npt.NDArray[np.bool_]]:
        """``p < alpha`` for each measure and pair of systems."""
        return {m: p < self.alpha for m, p in self.p_values.items()}

    def better_than(self, measure: str, system: str) -> list[str]:
        """Systems that ``system`` beats significantly on ``measure``.

        With ``alternative="less"``, ``p_values[measure][j, i]`` is the test of ``i`` scoring
        higher than ``j``, and is the one read.
        """
        i = self.systems.index(system)
        p = self.p_values[measure]
        if self.alternative == "less":
            p = p.T
        means = [self.means[s][measure] for s in self.systems]
        return [
            s for j, s in enumerate(self.systems)
            if j != i and p[i, j] < self.alpha and means[i] > means[j]
        ]  # fmt: skip

    def _margins(self) -> dict[str, float]:
        """The ANOVA margin of error of the system means at ``1 - alpha``, per measure."""
        return {m: self.anova(m).margin_of_error(1.0 - self.alpha) for m in self.measures}

    def _cells(self, digits: int, margin_of_error: bool = False) -> list[list[str]]:
        letters = "abcdefghijklmnopqrstuvwxyz"
        margins = self._margins() if margin_of_error else {}
        rows = []
        for k, s in enumerate(self.systems):
            row = [f"{letters[k % 26]}) {s}"]
            for m in self.measures:
                marks = "".join(letters[self.systems.index(o) % 26] for o in self.better_than(m, s))
                moe = f" ± {margins[m]:.{digits}f}" if margin_of_error else ""
                row.append(f"{self.means[s][m]:.{digits}f}" + (f"^{marks}" if marks else "") + moe)
            rows.append(row)
        return rows

    def plot(
        self,
        measure: str,
        baseline: str | None = None,
        *,
        confidence: float = 0.95,
        method: IntervalMethod = "t",
    ) -> Figure:
        """Per-query differences from ``baseline`` on ``measure``, with confidence intervals.

        One panel per other system: its per-query differences ``system - baseline``, sorted,
        as bars; the mean difference as a line and its ``confidence`` interval
        (:meth:`difference_intervals` with ``method``) as a band. ``baseline`` defaults to
        the first system. Needs matplotlib (``pip install rankwise[plot]``); returns the
        ``matplotlib.figure.Figure``, which it does not show.

        >>> import matplotlib
        >>> import rankwise
        >>> matplotlib.use("Agg")
        >>> c = rankwise.compare({"q1": {"a": 1}, "q2": {"b": 1}, "q3": {"a": 1}},
        ...                      {"x": {"q1": {"a": 2.0, "b": 1.0}, "q2": {"a": 2.0, "b": 1.0},
        ...                             "q3": {"a": 1.0, "b": 2.0}},
        ...                       "y": {"q1": {"a": 1.0, "b": 2.0}, "q2": {"b": 2.0, "a": 1.0},
        ...                             "q3": {"a": 2.0, "b": 1.0}}}, ["RR"])
        >>> len(c.plot("RR").axes)
        1
        """
        try:
            from matplotlib.figure import Figure
        except ImportError:  # pragma: no cover - matplotlib is a test dependency
            raise RankwiseError(
                "Comparison.plot needs matplotlib: pip install rankwise[plot]"
            ) from None
        scores = self._scores(measure)
        base = self.systems[0] if baseline is None else baseline
        if base not in self.systems:
            raise InvalidValueError(
                f"`baseline` must be one of the compared systems {list(self.systems)}; got {base!r}"
            )
        b = self.systems.index(base)
        intervals = self.difference_intervals(measure, confidence, method)
        others = [i for i in range(len(self.systems)) if i != b]
        fig = Figure(figsize=(7.0, 2.2 * len(others)), layout="constrained")
        axes = fig.subplots(len(others), 1, squeeze=False)[:, 0]
        x = np.arange(scores.shape[1])
        for ax, i in zip(axes, others, strict=True):
            d = np.sort(scores[i] - scores[b])
            lo, hi = intervals[i, b]
            ax.bar(x, d, width=1.0, color="tab:blue", label="per-query difference")
            ax.axhline(float(d.mean()), color="black", linewidth=1, label="mean difference")
            ax.axhspan(lo, hi, color="tab:orange", alpha=0.3,
                       label=f"{confidence:.0%} interval ({method})")  # fmt: skip
            ax.axhline(0.0, color="grey", linewidth=0.5)
            ax.set_ylabel(f"{measure}\n{self.systems[i]} - {base}")
        axes[0].legend(loc="upper left", fontsize="small")
        axes[-1].set_xlabel("queries, sorted by difference")
        return fig

    def to_markdown(self, digits: int = 4, *, margin_of_error: bool = False) -> str:
        """A Markdown table: systems by measures, means with significance markers.

        With ``margin_of_error=True`` each mean reads ``mean ± MOE``, the margin of error of
        the system means after a two-way ANOVA at ``1 - alpha`` (elinor's "System means"
        table; :meth:`rankwise.stats.AnovaTable.margin_of_error`).

        >>> import rankwise
        >>> qrels = {f"q{i}": {"a": 1, "b": 0} for i in range(4)}
        >>> x = {f"q{i}": {"a": 2.0, "b": 1.0} if i % 2 else {"a": 1.0, "b": 2.0}
        ...      for i in range(4)}
        >>> y = {f"q{i}": {"a": 1.0, "b": 2.0} if i < 3 else {"a": 2.0, "b": 1.0}
        ...      for i in range(4)}
        >>> c = rankwise.compare(qrels, {"x": x, "y": y}, ["RR"], test="t-test")
        >>> print(c.to_markdown(margin_of_error=True))
        | system | RR |
        |---|---|
        | a) x | 0.7500 ± 0.2813 |
        | b) y | 0.6250 ± 0.2813 |
        """
        lines = ["| system | " + " | ".join(self.measures) + " |"]
        lines.append("|" + "---|" * (len(self.measures) + 1))
        lines += ["| " + " | ".join(r) + " |" for r in self._cells(digits, margin_of_error)]
        return "\n".join(lines)

    def to_latex(self, digits: int = 4, *, margin_of_error: bool = False) -> str:
        r"""A LaTeX table (booktabs) as ranx prints it: systems by measures, each mean with the
        letters of the systems it is significantly better than as a superscript, the best mean
        of each measure in bold. Needs ``\usepackage{booktabs}``; names are escaped. With
        ``margin_of_error=True`` each mean is followed by ``$\pm$ MOE`` (as in
        :meth:`to_markdown`).

        >>> import rankwise
        >>> qrels = {f"q{i}": {"a": 1, "b": 0} for i in range(30)}
        >>> good = {f"q{i}": {"a": 2.0, "b": 1.0} for i in range(30)}
        >>> bad = {f"q{i}": {"a": 1.0, "b": 2.0} for i in range(30)}
        >>> c = rankwise.compare(qrels, {"good_run": good, "bad": bad}, ["RR"], test="t-test")
        >>> print(c.to_latex())
        \begin{tabular}{llc}
        \toprule
         & System & RR \\
        \midrule
        a & good\_run & \textbf{1.0000}$^{b}$ \\
        b & bad & 0.5000 \\
        \bottomrule
        \end{tabular}
        """
        letters = "abcdefghijklmnopqrstuvwxyz"
        best = {m: max(self.means[s][m] for s in self.systems) for m in self.measures}
        margins = self._margins() if margin_of_error else {}
        lines = [
            "\\begin{tabular}{ll" + "c" * len(self.measures) + "}",
            "\\toprule",
            " & System & " + " & ".join(_latex_escape(m) for m in self.measures) + " \\\\",
            "\\midrule",
        ]
        for k, s in enumerate(self.systems):
            cells = []
            for m in self.measures:
                value = f"{self.means[s][m]:.{digits}f}"
                if self.means[s][m] == best[m]:
                    value = f"\\textbf{{{value}}}"
                marks = "".join(letters[self.systems.index(o) % 26] for o in self.better_than(m, s))
                moe = f" $\\pm$ {margins[m]:.{digits}f}" if margin_of_error else ""
                cells.append(value + (f"$^{{{marks}}}$" if marks else "") + moe)
            row = f"{letters[k % 26]} & {_latex_escape(s)} & " + " & ".join(cells)
            lines.append(row + " \\\\")
        lines += ["\\bottomrule", "\\end{tabular}"]
        return "\n".join(lines)

    def to_pandas(self, *, margin_of_error: bool = False) -> pd.DataFrame:
        """Means as a DataFrame (systems by measures).

        With ``margin_of_error=True`` each measure's column is followed by ``"<measure> MOE"``,
        the margin of error of the system means after a two-way ANOVA at ``1 - alpha`` (as in
        :meth:`to_markdown`).
        """
        import pandas as pd

        columns = list(self.measures)
        table = [[self.means[s][m] for m in self.measures] for s in self.systems]
        if margin_of_error:
            margins = self._margins()
            columns = [c for m in self.measures for c in (m, f"{m} MOE")]
            table = [[v for m in self.measures for v in (self.means[s][m], margins[m])]
                     for s in self.systems]  # fmt: skip
        return pd.DataFrame(table, index=pd.Index(self.systems, name="system"), columns=columns)

    def __repr__(self) -> str:
        cells = self._cells(4)
        header = ["system", *self.measures]
        widths = [max(len(r[c]) for r in [header, *cells]) for c in range(len(header))]
        fmt = "  ".join(f"{{:<{w}}}" for w in widths)
        sided = "" if self.alternative == "two-sided" else f", {self.alternative}"
        lines = [
            f"Comparison of {len(self.systems)} systems over {len(self.query_ids)} queries "
            f"({self.test}{sided}, correction={self.correction}, alpha={self.alpha})",
            fmt.format(*header),
        ]
        lines += [fmt.format(*r) for r in cells]
        return "\n".join(lines)


_LATEX_SPECIAL = {c: "\\" + c for c in "&%$#_{}"} | {
    "~": "\\textasciitilde{}",
    "^": "\\textasciicircum{}",
    "\\": "\\textbackslash{}",
}


def _latex_escape(text: str) -> str:
    """``text`` with LaTeX's special characters escaped."""
    return "".join(_LATEX_SPECIAL.get(c, c) for c in text)


def _systems(runs: Mapping[str, RunLike] | Sequence[RunLike]) -> list[tuple[str, Run]]:
    if isinstance(runs, Mapping):
        return [(str(name), _run_at(f"runs[{name!r}]", r)) for name, r in runs.items()]
    if isinstance(runs, (str, bytes)) or not isinstance(runs, Iterable):
        raise RankwiseTypeError(f"`runs` must be a list or dict of runs; got {type(runs).__name__}")
    out = []
    for i, r in enumerate(runs):
        run = _run_at(f"runs[{i}]", r)
        out.append((run.name or f"run{i}", run))
    names = [n for n, _ in out]
    if len(set(names)) != len(names):
        raise InvalidValueError(
            f"`runs` must have distinct names (pass a dict to name them); got {names}"
        )
    return out


def compare(
    qrels: QrelsLike,
    runs: Mapping[str, RunLike] | Sequence[RunLike],
    measures: str | Iterable[str],
    *,
    test: Test = "randomization",
    alternative: Alternative = "two-sided",
    correction: CorrectionName | None = "holm",
    n_resamples: int = 10_000,
    seed: int = 42,
    alpha: float = 0.05,
    rel_level: float = 1,
) -> Comparison:
    """Compare systems over the same queries, with paired significance tests.

    Every system is evaluated on every query the qrels judge (a query a run misses scores 0,
    as trec_eval ``-c``), then every pair of systems is tested on the per-query values:

    * ``"t-test"``: Student's paired t-test (equals ``scipy.stats.ttest_rel``);
    * ``"wilcoxon"``: the signed-rank test (equals ``scipy.stats.wilcoxon`` with its defaults);
    * ``"randomization"``: Fisher's randomization test, ``n_resamples`` sign flips;
    * ``"bootstrap"``: Sakai's paired bootstrap test, ``n_resamples`` resamples;
    * ``"tukey"``: Tukey's HSD over all systems at once (equals ``scipy.stats.tukey_hsd``, as
      ranx's ``stat_test="tukey"``; see :func:`rankwise.stats.tukey_hsd`): its p-values
      already hold the family-wise error rate, so ``correction`` is not applied (the
      result's ``correction`` is None), and it is two-sided only.

    Resampling p-values are ``(1 + hits) / (1 + n_resamples)`` (never 0); ranx reports
    ``hits / n_resamples``. ``alternative="greater"`` makes ``p_values[m][i, j]`` one-sided,
    small when system ``i`` scores higher than ``j`` (``"less"``: lower); see
    :func:`rankwise.stats.paired_test`. Within each measure the p-values of all pairs (both
    orders of each pair when one-sided) are corrected as one family with Holm's, Bonferroni's,
    Benjamini-Hochberg's (``"bh"``) or Benjamini-Yekutieli's (``"by"``) method
    (``correction=None`` to skip; see :func:`rankwise.stats.correct`). Systems with identical
    per-query values get p = 1 (scipy reports NaN for the t-test there).

    Parameters
    ----------
    qrels : Qrels or dict
    runs : list of Run (named by ``Run.name``) or dict ``{name: run}``
    measures : str or iterable of str
    test, alternative, correction, n_resamples, seed, alpha, rel_level
        As above; ``seed`` makes resampling tests reproducible on any machine.

    Examples
    --------
    >>> import rankwise
    >>> qrels = {f"q{i}": {"a": 1, "b": 0} for i in range(30)}
    >>> good = {f"q{i}": {"a": 2.0, "b": 1.0} for i in range(30)}
    >>> bad = {f"q{i}": {"a": 1.0, "b": 2.0} for i in range(30)}
    >>> result = rankwise.compare(qrels, {"good": good, "bad": bad}, ["RR"], test="t-test")
    >>> result.means["good"]["RR"], result.means["bad"]["RR"], result.better_than("RR", "good")
    (1.0, 0.5, ['bad'])
    >>> result.difference_intervals("RR")[0, 1]  # mean(good - bad): no spread at all
    array([0.5, 0.5])
    """
    names = _measure_list(measures)
    if correction is not None:
        choice("correction", correction, CORRECTIONS)
    choice("test", test, COMPARE_TESTS)
    choice("alternative", alternative, ALTERNATIVES)
    if test == "tukey":
        if alternative != "two-sided":
            raise InvalidValueError(
                f"`alternative` must be 'two-sided' with test='tukey' (Tukey's HSD is "
                f"two-sided); got {alternative!r}"
            )
        correction = None  # family-wise p-values already
    n_resamples = integer("n_resamples", n_resamples, minimum=1)
    if not 0 < real_scalar("alpha", alpha) < 1:
        raise InvalidValueError(f"`alpha` must be in (0, 1); got {alpha!r}")
    seed = integer("seed", seed, maximum=U64_MAX)
    q: Qrels = _as_qrels(qrels)
    systems = _systems(runs)
    if len(systems) < 2:
        raise InvalidValueError(f"`runs` must hold at least 2 systems; got {len(systems)}")
    reports = [evaluate(q, run, names, missing="zero", rel_level=rel_level) for _, run in systems]
    measures_out = reports[0].measures
    query_ids = reports[0].query_ids
    k = len(systems)
    upper = np.triu_indices(k, 1)
    off_diagonal = ~np.eye(k, dtype=bool)
    p_values, wins, ties, scores = {}, {}, {}, {}
    for m in measures_out:
        matrix = np.ascontiguousarray(np.stack([r.column(m) for r in reports]))
        scores[m] = matrix
        if test == "tukey":  # family-wise p-values, not corrected again; no intervals
            p = _native.tukey_hsd_p_values(matrix)
        else:
            p = _native.pairwise_p_values(
                matrix, test, alternative, n_resamples=n_resamples, seed=seed
            )
            if alternative == "two-sided":  # one hypothesis per pair
                corrected = _native.corrected_p_values(np.ascontiguousarray(p[upper]), correction)
                p[upper] = corrected
                p.T[upper] = corrected
            else:  # one per ordered pair
                p[off_diagonal] = _native.corrected_p_values(
                    np.ascontiguousarray(p[off_diagonal]), correction
                )
        p_values[m] = p
        diff = matrix[:, None, :] - matrix[None, :, :]
        wins[m] = (diff > 0).sum(axis=2)
        ties[m] = (diff == 0).sum(axis=2)
    return Comparison(
        systems=tuple(n for n, _ in systems),
        measures=measures_out,
        query_ids=query_ids,
        means={n: dict(r) for (n, _), r in zip(systems, reports, strict=True)},
        p_values=p_values,
        wins=wins,
        ties=ties,
        test=test,
        correction=correction,
        alpha=alpha,
        scores=scores,
        alternative=alternative,
    )
