"""rankwise: the mathematics of ranking, exact and fast.

trec_eval-exact IR measures over whole batches of queries, computed in Rust in parallel with
the GIL released.

>>> import rankwise
>>> rankwise.evaluate({"q1": {"d1": 1}}, {"q1": {"d1": 0.2, "d2": 0.9}}, ["nDCG@10", "RR"])
{'nDCG@10': 0.6309297535714575, 'RR': 0.5}

Modules: :mod:`rankwise.metrics` (array API), :mod:`rankwise.evaluate` (runs and qrels),
:mod:`rankwise.correlation` (Kendall, Spearman, weighted tau, AP correlation, RBO),
:mod:`rankwise.consistency` (OPIS, preference ranking accuracy), :mod:`rankwise.compat`
(drop-in replacements, e.g. ``rankwise.compat.scipy.kendalltau``), :mod:`rankwise.errors`
(exceptions).
"""

from __future__ import annotations

from . import consistency, correlation, errors, metrics
from ._native import __version__, build_profile, get_num_threads, set_num_threads
from .demo import demo
from .evaluate import Qrels, Run, evaluate, measure_names

__all__ = (
    "Qrels",
    "Run",
    "__version__",
    "build_profile",
    "consistency",
    "correlation",
    "demo",
    "errors",
    "evaluate",
    "get_num_threads",
    "measure_names",
    "metrics",
    "set_num_threads",
)
