"""Comparing systems: significance tests over queries, and run fusion.

Both do their work in Rust: the resampling of the randomization and bootstrap tests runs in
parallel (and gives the same p-values for a seed whatever the number of threads), and fusion
runs per query in parallel.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt

from . import _native
from ._validation import U64_MAX, integer, real_array, real_scalar
from .errors import InvalidValueError, RankwiseError, RankwiseTypeError
from .evaluate import (
    Qrels,
    QrelsLike,
    Run,
    RunLike,
    _as_qrels,
    _as_run,
    _measure_list,
    evaluate,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Comparison", "compare", "fuse"]

Test = Literal["randomization", "t-test", "bootstrap", "wilcoxon"]


@dataclass(frozen=True)
class Comparison:
    """Means of several systems and pairwise significance tests, per measure.

    ``p_values[measure][i, j]`` is the (corrected) two-sided p-value between systems ``i`` and
    ``j``; ``significant`` compares it with ``alpha``; ``wins[measure][i, j]`` counts the
    queries where ``i`` scores higher than ``j`` (``ties`` where equal). ``to_markdown()`` and
    ``repr()`` show ranx's table: each system gets a letter, and a mean carries the letters of
    the systems it is significantly better than.
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

    @property
    def significant(self) -> dict[str, npt.NDArray[np.bool_]]:
        """``p < alpha`` for each measure and pair of systems."""
        return {m: p < self.alpha for m, p in self.p_values.items()}

    def better_than(self, measure: str, system: str) -> list[str]:
        """Systems that ``system`` beats significantly on ``measure``."""
        i = self.systems.index(system)
        p = self.p_values[measure]
        means = [self.means[s][measure] for s in self.systems]
        return [
            s for j, s in enumerate(self.systems)
            if j != i and p[i, j] < self.alpha and means[i] > means[j]
        ]  # fmt: skip

    def _cells(self, digits: int) -> list[list[str]]:
        letters = "abcdefghijklmnopqrstuvwxyz"
        rows = []
        for k, s in enumerate(self.systems):
            row = [f"{letters[k % 26]}) {s}"]
            for m in self.measures:
                marks = "".join(letters[self.systems.index(o) % 26] for o in self.better_than(m, s))
                row.append(f"{self.means[s][m]:.{digits}f}" + (f"^{marks}" if marks else ""))
            rows.append(row)
        return rows

    def to_markdown(self, digits: int = 4) -> str:
        """A Markdown table: systems by measures, means with significance markers."""
        lines = ["| system | " + " | ".join(self.measures) + " |"]
        lines.append("|" + "---|" * (len(self.measures) + 1))
        lines += ["| " + " | ".join(r) + " |" for r in self._cells(digits)]
        return "\n".join(lines)

    def to_pandas(self) -> pd.DataFrame:
        """Means as a DataFrame (systems by measures)."""
        import pandas as pd

        return pd.DataFrame(
            [[self.means[s][m] for m in self.measures] for s in self.systems],
            index=pd.Index(self.systems, name="system"),
            columns=list(self.measures),
        )

    def __repr__(self) -> str:
        cells = self._cells(4)
        header = ["system", *self.measures]
        widths = [max(len(r[c]) for r in [header, *cells]) for c in range(len(header))]
        fmt = "  ".join(f"{{:<{w}}}" for w in widths)
        lines = [
            f"Comparison of {len(self.systems)} systems over {len(self.query_ids)} queries "
            f"({self.test}, correction={self.correction}, alpha={self.alpha})",
            fmt.format(*header),
        ]
        lines += [fmt.format(*r) for r in cells]
        return "\n".join(lines)


def _run_at(where: str, run: RunLike) -> Run:
    """``_as_run`` for one entry of `runs`, its errors naming the entry."""
    try:
        return _as_run(run)
    except RankwiseError as e:
        # `run` or `run["doc"]`: the native builder names its argument, or a part of it
        raise type(e)(str(e).replace("`run", f"`{where}", 1)) from None


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
    correction: Literal["holm", "bonferroni"] | None = "holm",
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
    * ``"bootstrap"``: Sakai's paired bootstrap test, ``n_resamples`` resamples.

    Resampling p-values are ``(1 + hits) / (1 + n_resamples)`` (never 0); ranx reports
    ``hits / n_resamples``. Within each measure the p-values of all pairs are corrected with
    Holm's or Bonferroni's method (``correction=None`` to skip). Systems with identical
    per-query values get p = 1 (scipy reports NaN for the t-test there).

    Parameters
    ----------
    qrels : Qrels or dict
    runs : list of Run (named by ``Run.name``) or dict ``{name: run}``
    measures : str or iterable of str
    test, correction, n_resamples, seed, alpha, rel_level
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
    """
    names = _measure_list(measures)
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
    p_values, wins, ties = {}, {}, {}
    for m in measures_out:
        matrix = np.ascontiguousarray(np.stack([r.column(m) for r in reports]))
        p = _native.paired_p_values(matrix, test, n_resamples=n_resamples, seed=seed)
        corrected = _native.correct_p_values(np.ascontiguousarray(p[upper]), correction)
        p[upper] = corrected
        p.T[upper] = corrected
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
    )


def fuse(
    runs: Sequence[RunLike],
    method: Literal[
        "rrf", "combsum", "combmnz", "combmax", "combmin", "combanz", "borda", "isr", "wsum"
    ] = "rrf",
    *,
    norm: Literal["min-max", "max", "sum", "zmuv", "rank", "borda"] | None = None,
    k: float = 60,
    weights: Sequence[float] | None = None,
    name: str = "fused",
) -> Run:
    """Fuse several runs into one, in Rust.

    ``norm`` first normalises each run's scores per query (ranx's normalisations: min-max,
    max, sum, zmuv (z-score), rank, borda); ``method`` then combines them per document:
    ``combsum``, ``combmnz`` (sum times the number of runs retrieving the document),
    ``combmax``, ``combmin``, ``combanz`` (mean over the runs retrieving it), ``wsum`` (weighted
    sum, ``weights`` one per run), or rank-based ``rrf`` (``sum 1 / (k + rank)``), ``isr``
    (inverse square rank) and ``borda`` (BordaFuse), which ignore ``norm``. Runs are read in
    their ranking order (score descending, doc id descending on ties); the queries are those of
    any run.

    >>> import rankwise
    >>> a = rankwise.Run({"q": {"x": 3.0, "y": 2.0}})
    >>> b = rankwise.Run({"q": {"y": 9.0, "z": 1.0}})
    >>> fused = rankwise.fuse([a, b], "rrf")
    >>> list(fused.to_dict()["q"])
    ['y', 'x', 'z']
    """
    if isinstance(runs, (str, bytes, Mapping)) or not isinstance(runs, Iterable):
        raise RankwiseTypeError(f"`runs` must be a list of runs; got {type(runs).__name__}")
    converted = [_run_at(f"runs[{i}]", r) for i, r in enumerate(runs)]
    if not isinstance(name, str):
        raise RankwiseTypeError(f"`name` must be a str; got {type(name).__name__}")
    if weights is not None:
        w = real_array("weights", weights)
        if w.dtype.kind not in "biuf" or w.ndim != 1:
            raise RankwiseTypeError(
                f"`weights` must be one number per run; got dtype {w.dtype}, shape {w.shape}"
            )
    return _native.fuse(
        converted,
        method,
        norm,
        k=real_scalar("k", k),
        weights=None if weights is None else [float(x) for x in w],
        name=name,
    )
