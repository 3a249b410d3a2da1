"""Run fusion: ranx's unsupervised and supervised methods, and their parameter search, in Rust.

:func:`fuse` combines several runs into one; :func:`fusion_train` estimates what the
supervised methods (BayesFuse, MAPFuse, PosFuse, ProbFuse, SegFuse, SlideFuse) learn from
training qrels; :func:`optimize_fusion` searches a method's parameters (ranx's grids, or a
random sample of them) for the best value of a measure, scoring every configuration in
parallel in Rust. Method and parameter names are ranx's (``ranx.fuse(method=...)``,
``params={...}``); rankwise also accepts ``combsum`` ... ``combgmnz`` and ``borda`` for
ranx's ``sum`` ... ``gmnz`` and ``bordafuse``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal

import numpy as np

from . import _native
from ._validation import choice, flag, integer, real_array, real_scalar
from .errors import InvalidValueError, RankwiseError, RankwiseTypeError
from .evaluate import Qrels, QrelsLike, Run, RunLike, _as_qrels, _as_run, _unicode_text

__all__ = ["FusionMethod", "FusionNorm", "fuse", "fusion_train", "optimize_fusion"]

FusionMethod = Literal[
    "rrf", "combsum", "combmnz", "combmax", "combmin", "combanz", "borda", "isr", "wsum",
    "combmed", "combgmnz", "logn_isr", "condorcet", "rbc", "wmnz", "mixed", "bayesfuse",
    "mapfuse", "posfuse", "probfuse", "segfuse", "slidefuse", "sum", "mnz", "max", "min", "anz",
    "med", "gmnz", "bordafuse", "log_isr", "w_bordafuse", "w_condorcet",
]  # fmt: skip
FusionNorm = Literal["min-max", "max", "sum", "zmuv", "rank", "borda"]

SUPERVISED = ("bayesfuse", "mapfuse", "posfuse", "probfuse", "segfuse", "slidefuse")

# What each method's search varies (ranx's `fusion_optimization`): weights on a simplex grid,
# a scalar on a grid, or nothing but training (then the trained tables are the result).
_WEIGHTED = ("wsum", "wmnz", "mixed", "w_bordafuse", "w_condorcet")
_SCALAR = {"combgmnz": "gamma", "gmnz": "gamma", "logn_isr": "sigma", "rbc": "phi"}
_SPACES: dict[str, dict[str, float]] = {
    **{m: {"step": 0.1} for m in _WEIGHTED},
    **{m: {f"min_{p}": 0.01, f"max_{p}": 1.0, "step": 0.01} for m, p in _SCALAR.items()},
    "rrf": {"min_k": 10, "max_k": 100, "step": 10},
    "probfuse": {"min_n_segments": 1, "max_n_segments": 100},
    "slidefuse": {"min_w": 1, "max_w": 100},
    "bayesfuse": {},
    "mapfuse": {},
    "posfuse": {},
    "segfuse": {},
}


def _run_at(where: str, run: RunLike) -> Run:
    """``_as_run`` for one entry of `runs`, its errors naming the entry."""
    try:
        return _as_run(run)
    except RankwiseError as e:
        # `run` or `run["doc"]`: the native builder names its argument, or a part of it
        raise type(e)(str(e).replace("`run", f"`{where}", 1)) from None


def _runs(runs: Sequence[RunLike]) -> list[Run]:
    # A 0-d numpy array is Iterable but not iterable.
    if (
        isinstance(runs, (str, bytes, Mapping))
        or not isinstance(runs, Iterable)
        or getattr(runs, "ndim", None) == 0
    ):
        raise RankwiseTypeError(f"`runs` must be a list of runs; got {type(runs).__name__}")
    return [_run_at(f"runs[{i}]", r) for i, r in enumerate(runs)]


def _floats(name: str, value: object) -> list[float]:
    a = real_array(name, value)
    if a.dtype.kind not in "biuf" or a.ndim != 1:
        raise RankwiseTypeError(
            f"`{name}` must be one number per run; got dtype {a.dtype}, shape {a.shape}"
        )
    return [float(x) for x in a]


def _tables(name: str, value: object) -> list[list[float]]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise RankwiseTypeError(f"`{name}` must be one array per run; got {type(value).__name__}")
    out = []
    for i, t in enumerate(value):
        a = real_array(f"{name}[{i}]", t)
        if a.dtype.kind not in "biuf" or a.ndim != 1:
            raise RankwiseTypeError(
                f"`{name}[{i}]` must be a 1-d array of numbers; got dtype {a.dtype}, "
                f"shape {a.shape}"
            )
        out.append([float(x) for x in a])
    return out


def fuse(
    runs: Sequence[RunLike],
    method: FusionMethod = "rrf",
    *,
    norm: FusionNorm | None = None,
    k: float = 60,
    weights: Sequence[float] | None = None,
    gamma: float | None = None,
    sigma: float = 0.01,
    phi: float | None = None,
    log_odds: Sequence[Sequence[float]] | None = None,
    map_scores: Sequence[float] | None = None,
    probs: Sequence[Sequence[float]] | None = None,
    w: int | None = None,
    name: str = "fused",
) -> Run:
    """Fuse several runs into one, in Rust.

    ``norm`` first normalises each run's scores per query (ranx's normalisations: min-max,
    max, sum, zmuv (z-score), rank, borda); ``method`` then combines them per document.
    "Retrieving runs" are those that ranked the document, ``i`` a 0-based rank:

    - score-based: ``combsum``, ``combmnz`` (sum times the number of retrieving runs),
      ``combmax``, ``combmin``, ``combanz`` (sum over that number), ``combmed`` (median over
      the retrieving runs), ``combgmnz`` (sum times ``count ** gamma``, Lee 1997), ``wsum``
      (weighted sum), ``wmnz`` (sum times the sum of the retrieving runs' ``weights``),
      ``mixed`` (weighted sum times ``sqrt(count)``);
    - rank-based (``norm`` has no effect): ``rrf`` (``sum 1 / (k + i + 1)``), ``isr`` (count
      times ``sum 1 / (i + 1)**2``), ``logn_isr`` (``ln(count + sigma)`` times that sum),
      ``log_isr`` (``ln(count)`` times it: 0 for a document one run retrieved), ``rbc``
      (``sum (1 - phi) phi**i``, Bailey et al. 2017), ``borda`` (BordaFuse), ``w_bordafuse``
      (each run's Borda points times its weight in ``weights``), ``condorcet`` (pairwise
      majority order, Montague & Aslam 2002) and ``w_condorcet`` (each run's vote counting its
      weight);
    - supervised, from :func:`fusion_train`'s tables: ``bayesfuse`` (``log_odds``),
      ``mapfuse`` (``map_scores``: ``sum map / (i + 1)``), ``posfuse``, ``probfuse``,
      ``segfuse`` and ``slidefuse`` (``probs``; ``w`` the half-window of SlideFuse).

    Runs are read in their ranking order (score descending, doc id descending on ties); the
    queries are those of any run (ranx requires the same queries in every run and fuses the
    first run's). ranx breaks ties between equal scores arbitrarily, so results equal ranx's
    where no run has tied scores. Condorcet is ranx's comparison merge-sorted over the
    candidates in order of first appearance: where the majority relation has a cycle or an
    even split, ranx's order depends on Python's ``set`` order (it changes between processes)
    and rankwise's does not.

    >>> import rankwise
    >>> a = rankwise.Run({"q": {"x": 3.0, "y": 2.0}})
    >>> b = rankwise.Run({"q": {"y": 9.0, "z": 1.0}})
    >>> list(rankwise.fuse([a, b], "rrf").to_dict()["q"])
    ['y', 'x', 'z']
    >>> rankwise.fuse([a, b], "combgmnz", norm="min-max", gamma=0.5).to_dict()["q"]["y"]
    1.4142135623730951
    """
    converted = _runs(runs)
    if not isinstance(name, str):
        raise RankwiseTypeError(f"`name` must be a str; got {type(name).__name__}")
    return _native.fuse(
        converted,
        method,
        norm,
        k=real_scalar("k", k),
        weights=None if weights is None else _floats("weights", weights),
        gamma=None if gamma is None else real_scalar("gamma", gamma),
        sigma=real_scalar("sigma", sigma),
        phi=None if phi is None else real_scalar("phi", phi),
        log_odds=None if log_odds is None else _tables("log_odds", log_odds),
        map_scores=None if map_scores is None else _floats("map_scores", map_scores),
        probs=None if probs is None else _tables("probs", probs),
        w=None if w is None else integer("w", w),
        name=name,
    )


def fusion_train(
    qrels: QrelsLike,
    runs: Sequence[RunLike],
    method: Literal["bayesfuse", "mapfuse", "posfuse", "probfuse", "segfuse", "slidefuse"],
    *,
    n_segments: int | None = None,
) -> dict[str, Any]:
    """What a supervised fusion method learns from training ``qrels``, as ranx's
    ``*_train`` functions: the keyword arguments :func:`fuse` takes for it.

    Per judged query (ranx sorts them by id) a run's *hit list* flags the ranks holding a
    relevant document (label >= 1); a query the run lacks has an empty one. ``bayesfuse``:
    ``{"log_odds": [...]}``, per run the log-odds of each of 1000 ranks from the mean precision
    of the segments cut at 5, 10, 15, 20, 30, 100, 200, 500; ``mapfuse``: ``{"map_scores":
    [...]}``, each run's MAP; ``posfuse`` and ``slidefuse``: ``{"probs": [...]}``, per rank the
    share of queries ranking that deep with a hit there; ``probfuse``: per run the mean
    precision of each of ``n_segments`` segments; ``segfuse``: of SegFuse's 10 segments.

    >>> import rankwise
    >>> qrels = {"q": {"x": 1}}
    >>> runs = [{"q": {"x": 2.0, "y": 1.0}}, {"q": {"y": 2.0, "x": 1.0}}]
    >>> rankwise.fusion_train(qrels, runs, "posfuse")
    {'probs': [array([1., 0.]), array([0., 1.])]}
    """
    m = choice("method", method, SUPERVISED)
    if n_segments is not None:
        n_segments = integer("n_segments", n_segments, minimum=1)
    return _train(_as_qrels(qrels), _runs(runs), m, n_segments)


def _train(qrels: Qrels, runs: list[Run], method: str, n_segments: int | None) -> dict[str, Any]:
    tables = _native.fusion_train(qrels, runs, method, n_segments=n_segments)
    if method == "mapfuse":
        return {"map_scores": [t[0] for t in tables]}
    key = "log_odds" if method == "bayesfuse" else "probs"
    return {key: [np.asarray(t, dtype=np.float64) for t in tables]}


def _weight_grid(step: float, n_runs: int) -> list[tuple[float, ...]]:
    """ranx's ``get_trial_configs``: the weight tuples of ``np.arange(0, 1 + step, step)``
    (rounded to ``step``'s digits) whose Python ``sum`` is exactly 1.0, in product order,
    enumerated through the index sums that can reach 1 rather than the whole product."""
    digits = str(step)[::-1].find(".")
    values = [float(round(x, digits)) for x in np.arange(0, 1 + step, step)]
    total = round(1 / step)
    out: list[tuple[float, ...]] = []
    if abs(total * step - 1) > 1e-6:
        return out

    def rec(prefix: list[int], left: int, slots: int) -> None:
        if slots == 0:
            if left == 0:
                seq = tuple(values[i] for i in prefix)
                if sum(seq) == 1.0:
                    out.append(seq)
            return
        for i in range(min(left, len(values) - 1) + 1):
            rec([*prefix, i], left - i, slots - 1)

    rec([], total, n_runs)
    return out


def _scalar_grid(lo: float, hi: float, step: float) -> list[float]:
    """ranx's grid of a scalar parameter: ``np.arange(lo, hi + step, step)`` rounded."""
    digits = str(step)[::-1].find(".")
    return [round(float(x), digits) for x in np.arange(lo, hi + step, step)]


def optimize_fusion(
    qrels: QrelsLike,
    runs: Sequence[RunLike],
    norm: FusionNorm | None = "min-max",
    method: FusionMethod = "wsum",
    metric: str = "ndcg",
    *,
    search: Literal["grid", "random"] = "grid",
    n_trials: int = 20,
    seed: int | None = None,
    return_optimization_report: bool = False,
    return_fused: bool = False,
    **space: float,
) -> Any:
    """The parameters of ``method`` that maximise ``metric`` (a rankwise measure name) of
    the fused ``runs`` against training ``qrels``, as ranx's ``optimize_fusion``.

    The search spaces are ranx's, with its keyword names and defaults: ``step=0.1`` for the
    weights of ``wsum``, ``wmnz``, ``mixed``, ``w_bordafuse`` and ``w_condorcet`` (every
    tuple of multiples of ``step`` summing to 1); ``min_gamma`` / ``min_sigma`` /
    ``min_phi=0.01``, ``max_...=1.0``, ``step=0.01`` for ``combgmnz``, ``logn_isr`` and
    ``rbc``; ``min_k=10, max_k=100, step=10`` for ``rrf``; ``min_n_segments=1,
    max_n_segments=100`` for ``probfuse`` (trained for each); ``min_w=1, max_w=100`` for
    ``slidefuse``. ``bayesfuse``, ``mapfuse``, ``posfuse`` and
    ``segfuse`` have nothing to search: their result is :func:`fusion_train`'s.
    ``search="random"`` scores ``n_trials`` configurations drawn without replacement from the
    same grid (``seed`` for reproducibility). Every configuration is fused and evaluated in
    parallel in Rust; as in ranx, the last of the best-scoring configurations wins.

    Returns the best parameters as a dict of :func:`fuse`'s keyword arguments; with
    ``return_optimization_report`` also ``{str(configuration): score}`` (ranx's report, its
    weights as Python floats), with ``return_fused`` also the runs fused with the best
    parameters, in that order.

    >>> import rankwise
    >>> qrels = {"q": {"x": 1}}
    >>> runs = [{"q": {"x": 2.0, "y": 1.0}}, {"q": {"y": 2.0, "x": 1.0}}]
    >>> rankwise.optimize_fusion(qrels, runs, method="wsum", metric="P_1")  # last of the best
    {'weights': (1.0, 0.0)}
    """
    if not isinstance(metric, str):
        raise RankwiseTypeError(f"`metric` must be a measure name; got {type(metric).__name__}")
    _unicode_text("metric", metric, "a measure name")
    q = _as_qrels(qrels)
    converted = _runs(runs)
    if len(converted) < 2:
        raise InvalidValueError(f"`runs` must hold at least two runs; got {len(converted)}")
    m = choice("method", method, tuple(_SPACES))
    return_optimization_report = flag("return_optimization_report", return_optimization_report)
    return_fused = flag("return_fused", return_fused)

    def score(configs: list[dict[str, Any]]) -> list[float]:
        return _native.fusion_score_candidates(q, converted, m, norm, configs, metric)

    best, report = _search(q, converted, m, space, score, search, n_trials, seed)
    return _finish(best, report, converted, m, norm, return_optimization_report, return_fused)


def _search(
    q: Qrels,
    runs: list[Run],
    m: str,
    space: Mapping[str, float],
    score: Callable[[list[dict[str, Any]]], list[float]],
    search: str = "grid",
    n_trials: int = 20,
    seed: int | None = None,
) -> tuple[dict[str, Any], dict[str, float]]:
    """The best parameters of method `m` (as :func:`fuse` takes them) over its search
    `space` (ranx's keyword names; defaults filled in) and the report ``{str(config):
    score}``; `score` values a list of configurations (dicts of `fuse`'s parameters)."""
    defaults = _SPACES[m]
    unknown = sorted(set(space) - set(defaults))
    if unknown:
        raise InvalidValueError(
            f"`{unknown[0]}` is not a search parameter of method={m!r}; "
            f"it takes {sorted(defaults) or 'none'}"
        )
    sp = {**defaults, **{key: real_scalar(key, v) for key, v in space.items()}}
    base: dict[str, Any] = {}
    labels: list[str]
    configs: list[dict[str, Any]]
    keys: list[Any]
    if m in ("bayesfuse", "mapfuse", "posfuse", "segfuse"):
        return _train(q, runs, m, None), {}
    if m in _WEIGHTED:
        step = float(sp["step"])
        if not step > 0:
            raise InvalidValueError(f"`step` must be positive; got {step}")
        grid = _weight_grid(step, len(runs))
        configs = [{"weights": list(g)} for g in grid]
        labels = [str(g) for g in grid]
        keys = grid
    elif m in _SCALAR:
        p = _SCALAR[m]
        step = float(sp["step"])
        if not step > 0:
            raise InvalidValueError(f"`step` must be positive; got {step}")
        values = _scalar_grid(sp[f"min_{p}"], sp[f"max_{p}"], step)
        configs = [{p: v} for v in values]
        labels = [str(v) for v in values]
        keys = values
    elif m == "rrf":
        ks = list(range(int(sp["min_k"]), int(sp["max_k"]) + 1, int(sp["step"])))
        configs = [{"k": float(kk)} for kk in ks]
        labels = [str(kk) for kk in ks]
        keys = ks
    elif m == "slidefuse":
        base = _train(q, runs, m, None)
        probs = [list(map(float, t)) for t in base["probs"]]
        ws = list(range(int(sp["min_w"]), int(sp["max_w"]) + 1))
        configs = [{"probs": probs, "w": ww} for ww in ws]
        labels = [str(ww) for ww in ws]
        keys = ws
    else:  # probfuse: trained once per number of segments
        ns = list(range(int(sp["min_n_segments"]), int(sp["max_n_segments"]) + 1))
        trained = [_train(q, runs, m, n)["probs"] for n in ns]
        configs = [{"probs": [list(map(float, t)) for t in tr]} for tr in trained]
        labels = [str(n) for n in ns]
        keys = trained
    chosen = list(range(len(configs)))
    if choice("search", search, ("grid", "random")) == "random":
        count = min(integer("n_trials", n_trials, minimum=1), len(configs))
        rng = np.random.default_rng(None if seed is None else integer("seed", seed, minimum=0))
        chosen = sorted(int(i) for i in rng.choice(len(configs), size=count, replace=False))
    if not chosen:
        raise InvalidValueError(f"the search space of method={m!r} is empty; check {sp}")
    scores = score([configs[i] for i in chosen])
    top = max(scores)
    best_i = max(j for j, s in enumerate(scores) if s == top)
    winner = chosen[best_i]
    best: dict[str, Any]
    if m in _WEIGHTED:
        best = {"weights": keys[winner]}
    elif m in _SCALAR:
        best = {_SCALAR[m]: keys[winner]}
    elif m == "rrf":
        best = {"k": keys[winner]}
    elif m == "slidefuse":
        best = {"probs": base["probs"], "w": keys[winner]}
    else:
        best = {"probs": keys[winner]}
    report = {labels[i]: s for i, s in zip(chosen, scores, strict=True)}
    return best, report


def _finish(
    best: dict[str, Any],
    report: dict[str, float],
    runs: list[Run],
    method: str,
    norm: FusionNorm | None,
    return_optimization_report: bool,
    return_fused: bool,
) -> Any:
    out: list[Any] = [best]
    if return_optimization_report:
        out.append(report)
    if return_fused:
        params = {k: (list(v) if isinstance(v, tuple) else v) for k, v in best.items()}
        out.append(fuse(runs, method, norm=norm, **params))  # type: ignore[arg-type]
    return out[0] if len(out) == 1 else tuple(out)
