"""ranx's ``fuse`` and ``optimize_fusion`` for :mod:`rankwise.compat.ranx`, computed by
:mod:`rankwise.fusion` in Rust (this module only translates ranx's names, parameters and
result types)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .. import _native
from ..errors import InvalidValueError, RankwiseError
from ..fusion import _search
from ..fusion import fuse as _rankwise_fuse
from ._ranx_report import OptimizationReport

__all__ = ["fuse", "optimize_fusion"]

#: Every fusion method of ranx's ``fuse`` (its ``fusion_switch``), by ranx's name: the name
#: :func:`rankwise.fuse` takes and the name ranx gives the fused run.
_FUSION = {
    "sum": ("combsum", "comb_sum"),
    "mnz": ("combmnz", "comb_mnz"),
    "max": ("combmax", "comb_max"),
    "min": ("combmin", "comb_min"),
    "anz": ("combanz", "comb_anz"),
    "rrf": ("rrf", "rrf"),
    "isr": ("isr", "isr"),
    "log_isr": ("log_isr", "log_isr"),
    "bordafuse": ("borda", "bordafuse"),
    "w_bordafuse": ("w_bordafuse", "weighted_bordafuse"),
    "wsum": ("wsum", "weighted_sum"),
    "med": ("combmed", "comb_med"),
    "gmnz": ("combgmnz", "comb_gmnz"),
    "logn_isr": ("logn_isr", "logn_isr"),
    "condorcet": ("condorcet", "condorcet"),
    "w_condorcet": ("w_condorcet", "weighted_condorcet"),
    "rbc": ("rbc", "rbc"),
    "wmnz": ("wmnz", "wmnz"),
    "mixed": ("mixed", "mixed"),
    "bayesfuse": ("bayesfuse", "bayesfuse"),
    "mapfuse": ("mapfuse", "mapfuse"),
    "posfuse": ("posfuse", "posfuse"),
    "probfuse": ("probfuse", "probfuse"),
    "segfuse": ("segfuse", "segfuse"),
    "slidefuse": ("slidefuse", "slidefuse"),
}
_WEIGHTED = ("wsum", "wmnz", "mixed", "w_bordafuse", "w_condorcet")
#: ranx's ``params`` of each method (rankwise.fuse takes them under the same names).
_FUSION_PARAMS = {
    "rrf": ("k",),
    **{m: ("weights",) for m in _WEIGHTED},
    "gmnz": ("gamma",),
    "logn_isr": ("sigma",),
    "rbc": ("phi",),
    "bayesfuse": ("log_odds",),
    "mapfuse": ("map_scores",),
    "posfuse": ("probs",),
    "probfuse": ("probs",),
    "segfuse": ("probs",),
    "slidefuse": ("probs", "w"),
}
_NORMS = ("min-max", "max", "sum", "zmuv", "rank", "borda")
#: The methods ranx's ``optimize_fusion`` searches, and those it only trains.
_SEARCHED = (
    "gmnz",
    "logn_isr",
    "mixed",
    "probfuse",
    "rbc",
    "rrf",
    "slidefuse",
    "w_bordafuse",
    "w_condorcet",
    "wmnz",
    "wsum",
)
_TRAINED = ("bayesfuse", "mapfuse", "posfuse", "segfuse")


def _checked_runs(runs: object) -> list[_ranx.Run]:
    """ranx's sanity checks of ``fuse``: two runs or more, all with the same queries."""
    if isinstance(runs, (str, Mapping)) or not isinstance(runs, Sequence) or len(runs) < 2:
        raise InvalidValueError(
            "`runs` must be a list of at least 2 runs (ranx: 'Only one run provided')"
        )
    wrapped = []
    for i, r in enumerate(runs):
        try:
            wrapped.append(_ranx._as_run(r))
        except RankwiseError as e:  # name the entry of `runs` in the message
            raise type(e)(str(e).replace("`run`", f"`runs[{i}]`", 1)) from None
    first = set(wrapped[0]._native.query_ids)
    for i, r in enumerate(wrapped[1:], start=1):
        if set(r._native.query_ids) != first:
            raise InvalidValueError(
                f"`runs[0]` and `runs[{i}]` query ids do not match (ranx: 'Runs 0 and {i} "
                "query ids do not match')"
            )
    return wrapped


def _checked_norm(norm: object) -> None:
    if norm is not None and norm not in _NORMS:
        raise InvalidValueError(f"`norm` must be one of {list(_NORMS)} or None; got {norm!r}")


def fuse(
    runs: Sequence[_ranx.Run],
    norm: str | None = "min-max",
    method: str = "wsum",
    params: dict[str, Any] | None = None,
) -> _ranx.Run:
    """Fuse runs with ranx's normalisation and fusion names (ranx's ``fuse``), in Rust.

    ``method``: ``"sum"``, ``"mnz"``, ``"max"``, ``"min"``, ``"anz"``, ``"med"``, ``"gmnz"``
    (``{"gamma": ...}``), ``"rrf"`` (``{"k": 60}``), ``"isr"``, ``"log_isr"``,
    ``"logn_isr"`` (``{"sigma": 0.01}``), ``"rbc"`` (``{"phi": ...}``), ``"bordafuse"``,
    ``"condorcet"``, ``"wsum"``, ``"wmnz"``, ``"mixed"``, ``"w_bordafuse"``,
    ``"w_condorcet"`` (``{"weights": [...]}``), and the trained ``"bayesfuse"``
    (``{"log_odds": ...}``), ``"mapfuse"`` (``{"map_scores": ...}``), ``"posfuse"``,
    ``"probfuse"``, ``"segfuse"`` (``{"probs": ...}``), ``"slidefuse"`` (``{"probs": ...,
    "w": ...}``) whose parameters :func:`optimize_fusion` (or
    :func:`rankwise.fusion.fusion_train`) computes: every method of ranx's ``fuse``. ``norm``:
    ``"min-max"``, ``"max"``, ``"sum"``, ``"zmuv"``, ``"rank"``, ``"borda"`` or None.
    ``params`` may also set the fused run's ``name``. Equal to :func:`rankwise.fuse`, whose
    docstring says where ranx itself is inconsistent (ties, Condorcet cycles).

    Examples
    --------
    >>> from rankwise.compat.ranx import Run, fuse
    >>> a = Run({"q": {"x": 3.0, "y": 2.0}})
    >>> b = Run({"q": {"y": 9.0, "z": 1.0}})
    >>> fused = fuse([a, b], method="rrf")
    >>> fused.name, sorted(fused["q"], key=fused["q"].get, reverse=True)
    ('rrf', ['y', 'x', 'z'])
    >>> fuse([a, b], method="w_bordafuse", params={"weights": [0.2, 0.8]})["q"]
    {'y': 2.6, 'x': 1.4000000000000001, 'z': 1.6}
    """
    if method not in _FUSION:
        raise InvalidValueError(
            f"Fusion method {method!r} not supported; supported: {sorted(_FUSION)}"
        )
    _checked_norm(norm)
    wrapped = _checked_runs(runs)
    params = dict(params or {})
    ours, default_name = _FUSION[method]
    name = params.pop("name", default_name)
    allowed = _FUSION_PARAMS.get(method, ())
    unexpected = sorted(set(params) - set(allowed))
    if unexpected:
        raise InvalidValueError(
            f"unexpected `params` for {method!r}: {unexpected}; it takes {list(allowed)}"
        )
    if method in _WEIGHTED and params.get("weights") is None:
        raise InvalidValueError(f"method {method!r} needs params={{'weights': [one per run]}}")
    fused = _rankwise_fuse(
        [r._native for r in wrapped],
        ours,  # type: ignore[arg-type]
        norm=norm,  # type: ignore[arg-type]
        name=name,
        **params,
    )
    return _ranx.Run._wrap(fused, name)


def _scorer(
    qrels: _ranx.Qrels, runs: list[Any], method: str, norm: str | None, metric: str
) -> Callable[[list[dict[str, Any]]], list[float]]:
    """ranx's mean of ``metric`` over the queries for each configuration of ``method``."""
    native_specs, clamped_specs, combine = _ranx._plan(metric, qrels)
    # The fused runs hold every judged query (ranx's checks; a query no run retrieved
    # anything for is an empty query, scored 0 by rankwise as by ranx).
    natives = [r._native for r in runs]
    if len(native_specs) + len(clamped_specs) == 1:
        spec = [*native_specs, *clamped_specs][0]
        table = qrels._native if native_specs else qrels._with_negatives_as_zero()

        def in_rust(configs: list[dict[str, Any]]) -> list[float]:
            means = _native.fusion_score_candidates(table, natives, method, norm, configs, spec)
            # a one-measure plan is linear in its column (identity, or RBP's scaling by the
            # relevance level), so it commutes with the mean over queries
            return [float(v) for v in combine({spec: np.asarray(means, dtype=np.float64)})]

        return in_rust

    def per_configuration(configs: list[dict[str, Any]]) -> list[float]:
        out = []
        for config in configs:
            fused = _ranx.Run._wrap(_rankwise_fuse(natives, method, norm=norm, **config))  # type: ignore[arg-type]
            _, values = _ranx._per_query(qrels, fused, [metric], True)
            out.append(float(np.mean(values[metric])))
        return out

    return per_configuration


def optimize_fusion(
    qrels: _ranx.Qrels | Mapping[str, Mapping[str, int]],
    runs: Sequence[_ranx.Run],
    norm: str | None = "min-max",
    method: str = "wsum",
    metric: str = "ndcg",
    return_optimization_report: bool = False,
    rounding_digits: int = 3,
    show_percentages: bool = False,
    **kwargs: Any,
) -> Any:
    """The parameters of ``method`` that maximise ranx's ``metric`` of the fused runs on
    training ``qrels`` (ranx's ``optimize_fusion``), searched by
    :func:`rankwise.optimize_fusion`: every configuration fused and evaluated in parallel in
    Rust.

    ``method``: ``"wsum"``, ``"wmnz"``, ``"mixed"``, ``"w_bordafuse"``, ``"w_condorcet"``
    (weights on ranx's grid: every tuple of multiples of ``step=0.1`` summing to 1),
    ``"gmnz"``, ``"logn_isr"``, ``"rbc"`` (``min_gamma`` / ``min_sigma`` / ``min_phi=0.01``,
    ``max_...=1.0``, ``step=0.01``), ``"rrf"`` (``min_k=10, max_k=100, step=10``),
    ``"probfuse"`` (``min_n_segments=1, max_n_segments=100``), ``"slidefuse"`` (``min_w=1,
    max_w=100``), or the trained ``"bayesfuse"``, ``"mapfuse"``, ``"posfuse"``,
    ``"segfuse"`` (nothing to search: their training, ``metric`` unused). ``norm`` is applied
    before fusing, as in ranx. As ranx, the last of the best-scoring configurations wins.
    ``show_progress`` is accepted and ignored (there is no progress bar).

    Returns the best ``params`` for :func:`fuse` (ranx's types: a tuple of weights, ``k`` an
    int, ProbFuse's ``probs`` a 2-d array, the other trained tables lists of arrays); with
    ``return_optimization_report`` also an :class:`OptimizationReport` of every
    configuration's score, labelled as ranx labels them (weights as a tuple of Python floats;
    ranx under numpy 2 prints ``np.float64(...)`` in them). The fused runs are ranked as
    :func:`evaluate` ranks a run (ties by doc id, descending; ranx's order for tied fused
    scores is its sort's), so a configuration with tied fused scores can score differently
    from ranx.

    Examples
    --------
    >>> from rankwise.compat.ranx import Qrels, Run, fuse, optimize_fusion
    >>> qrels = Qrels({"q": {"x": 1}})
    >>> runs = [Run({"q": {"x": 2.0, "y": 1.0}}), Run({"q": {"y": 2.0, "x": 1.0}})]
    >>> best = optimize_fusion(qrels, runs, method="wsum", metric="mrr", step=0.5)
    >>> best
    {'weights': (1.0, 0.0)}
    >>> fuse(runs, method="wsum", params=best)["q"]
    {'x': 1.0, 'y': 0.0}
    >>> best, report = optimize_fusion(qrels, runs, method="rrf", metric="mrr", max_k=30,
    ...                                return_optimization_report=True)
    >>> best, report.configs, report.results
    ({'k': 30}, ['10', '20', '30'], [0.5, 0.5, 0.5])
    """
    if method not in _SEARCHED + _TRAINED:
        raise InvalidValueError(
            f"`method` {method!r} does not support optimization; methods: "
            f"{sorted(_SEARCHED + _TRAINED)}"
        )
    if return_optimization_report and method in _TRAINED:
        raise InvalidValueError(
            f"`method` {method} does not support optimization report (it is trained, not searched)"
        )
    _checked_norm(norm)
    wrapped = _checked_runs(runs)
    wrapped_qrels = _ranx._as_qrels(qrels)
    judged = set(wrapped_qrels._native.query_ids)
    for i, r in enumerate(wrapped):
        if set(r._native.query_ids) != judged:
            raise InvalidValueError(
                f"`runs[{i}]` and `qrels` query ids do not match (ranx: 'Run {i} and Qrels "
                "query ids do not match')"
            )
    space = dict(kwargs)
    space.pop("show_progress", None)
    ours = _FUSION[method][0]
    natives = [r._native for r in wrapped]
    if method in _TRAINED:
        scorer: Callable[[list[dict[str, Any]]], list[float]] = lambda configs: []  # noqa: E731
    else:
        scorer = _scorer(wrapped_qrels, wrapped, ours, norm, metric)
    best, report = _search(wrapped_qrels._native, natives, ours, space, scorer)
    if method == "probfuse":
        best = {"probs": np.vstack(best["probs"])}
    if not return_optimization_report:
        return best
    return best, OptimizationReport(
        method=method,
        configs=list(report),
        results=list(report.values()),
        metric=metric,
        rounding_digits=rounding_digits,
        show_percentages=show_percentages,
    )


# Last: ranx.py imports this module at its end, and this one reads ranx.py's classes at call
# time, so either can be imported first.
from . import ranx as _ranx  # noqa: E402
