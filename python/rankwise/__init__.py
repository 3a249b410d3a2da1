"""rankwise: the mathematics of ranking, exact and fast.

trec_eval-exact IR measures over whole batches of queries, computed in Rust in parallel with
the GIL released.

>>> import rankwise
>>> rankwise.evaluate({"q1": {"d1": 1}}, {"q1": {"d1": 0.2, "d2": 0.9}}, ["nDCG@10", "RR"])
Report over 1 queries
  nDCG@10  0.6309
  RR       0.5000

Modules: :mod:`rankwise.metrics` (array API), :mod:`rankwise.evaluate` (runs and qrels),
:mod:`rankwise.comparison` (significance tests, fusion), :mod:`rankwise.stats` (paired tests,
effect sizes, intervals, corrections), :mod:`rankwise.correlation` (Kendall,
Spearman, weighted tau, AP correlation, RBO), :mod:`rankwise.consistency` (OPIS, preference
ranking accuracy), :mod:`rankwise.labels` (full-list training labels: rank aggregation,
weights, targets), :mod:`rankwise.compat` (drop-in replacements for pytrec_eval, sklearn,
torchmetrics, scipy's rank correlations), :mod:`rankwise.errors` (exceptions).

numpy and the modules that need it are imported on first use, so that ``rankwise eval`` on the
command line starts as fast as the interpreter does.
"""

from __future__ import annotations

import importlib
import os

# rankwise's allocator (mimalloc, linked into the native module) reads its options from the
# environment when the module loads. On Linux it commits its arenas eagerly by default, which
# made reading a 1M-line run peak at 93 MB instead of 64 MB, for no speed. A user's own
# setting wins.
os.environ.setdefault("MIMALLOC_ARENA_EAGER_COMMIT", "0")

from . import errors
from ._native import __version__, build_profile, get_num_threads, set_num_threads
from .evaluate import Qrels, Report, Run, evaluate, measure_names

# typing.TYPE_CHECKING without importing typing: `rankwise eval` imports this package, and
# typing alone costs ~10 ms of its start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from . import (
        answers,
        consistency,
        correlation,
        cwl,
        diversity,
        fusion,
        labels,
        metrics,
        ratings,
        rel_info,
        rerank,
        stats,
    )
    from .answers import evaluate_answers
    from .comparison import compare, fuse
    from .fusion import fusion_train, optimize_fusion
    from .sample import demo

__all__ = (
    "Qrels",
    "Report",
    "Run",
    "__version__",
    "answers",
    "build_profile",
    "compare",
    "consistency",
    "correlation",
    "cwl",
    "demo",
    "diversity",
    "errors",
    "evaluate",
    "evaluate_answers",
    "fuse",
    "fusion",
    "fusion_train",
    "get_num_threads",
    "labels",
    "measure_names",
    "metrics",
    "optimize_fusion",
    "ratings",
    "rel_info",
    "rerank",
    "set_num_threads",
    "stats",
    "torch",
)

# name -> (module, attribute or None for the module itself)
_LAZY = {
    "metrics": ("rankwise.metrics", None),
    "correlation": ("rankwise.correlation", None),
    "consistency": ("rankwise.consistency", None),
    "labels": ("rankwise.labels", None),
    "ratings": ("rankwise.ratings", None),
    "rerank": ("rankwise.rerank", None),
    "torch": ("rankwise.torch", None),
    "stats": ("rankwise.stats", None),
    "compare": ("rankwise.comparison", "compare"),
    "fuse": ("rankwise.comparison", "fuse"),
    "fusion": ("rankwise.fusion", None),
    "diversity": ("rankwise.diversity", None),
    "cwl": ("rankwise.cwl", None),
    "answers": ("rankwise.answers", None),
    "evaluate_answers": ("rankwise.answers", "evaluate_answers"),
    "rel_info": ("rankwise.rel_info", None),
    "fusion_train": ("rankwise.fusion", "fusion_train"),
    "optimize_fusion": ("rankwise.fusion", "optimize_fusion"),
    "demo": ("rankwise.sample", "demo"),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'rankwise' has no attribute {name!r}")
    module_name, attribute = _LAZY[name]
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    # Importing a submodule binds it on the package; bind what `rankwise.<name>` means instead.
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
