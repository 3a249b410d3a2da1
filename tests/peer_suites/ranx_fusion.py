"""ranx's per-method fusion functions (``ranx.fusion.comb_sum(runs)``, ``rrf(runs, k)``, ...)
as one-line calls of :func:`rankwise.compat.ranx.fuse`, for ranx's own fusion tests.

``rankwise.compat.ranx`` is ranx's top-level API (``from ranx import fuse``); ranx's tests
of the fusion methods call the functions behind it (``from ranx.fusion import comb_sum``).
``run_peer_suites.py`` points those imports here: each function is ``fuse(runs, norm=None,
method=<ranx's name>, params=...)`` with ranx's own signature and default run name, and the
``*_train`` functions are :func:`rankwise.fusion_train` with ranx's return types. Nothing
here computes anything.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import rankwise
from rankwise.compat.ranx import Qrels, Run, fuse


def _fuse(runs: list[Run], method: str, name: str, **params: Any) -> Run:
    return fuse(runs, norm=None, method=method, params={**params, "name": name})


def comb_sum(runs: list[Run], name: str = "comb_sum") -> Run:
    return _fuse(runs, "sum", name)


def comb_mnz(runs: list[Run], name: str = "comb_mnz") -> Run:
    return _fuse(runs, "mnz", name)


def comb_max(runs: list[Run], name: str = "comb_max") -> Run:
    return _fuse(runs, "max", name)


def comb_min(runs: list[Run], name: str = "comb_min") -> Run:
    return _fuse(runs, "min", name)


def comb_anz(runs: list[Run], name: str = "comb_anz") -> Run:
    return _fuse(runs, "anz", name)


def comb_med(runs: list[Run], name: str = "comb_med") -> Run:
    return _fuse(runs, "med", name)


def comb_gmnz(runs: list[Run], gamma: float, name: str = "comb_gmnz") -> Run:
    return _fuse(runs, "gmnz", name, gamma=gamma)


def rrf(runs: list[Run], k: int = 60, name: str = "rrf") -> Run:
    return _fuse(runs, "rrf", name, k=k)


def isr(runs: list[Run], name: str = "isr") -> Run:
    return _fuse(runs, "isr", name)


def log_isr(runs: list[Run], name: str = "log_isr") -> Run:
    return _fuse(runs, "log_isr", name)


def logn_isr(runs: list[Run], sigma: float = 0.01, name: str = "logn_isr") -> Run:
    return _fuse(runs, "logn_isr", name, sigma=sigma)


def rbc(runs: list[Run], phi: float, name: str = "rbc") -> Run:
    return _fuse(runs, "rbc", name, phi=phi)


def bordafuse(runs: list[Run], name: str = "bordafuse") -> Run:
    return _fuse(runs, "bordafuse", name)


def weighted_bordafuse(
    runs: list[Run], weights: list[float], name: str = "weighted_bordafuse"
) -> Run:
    return _fuse(runs, "w_bordafuse", name, weights=weights)


def condorcet(runs: list[Run], name: str = "condorcet") -> Run:
    return _fuse(runs, "condorcet", name)


def weighted_condorcet(
    runs: list[Run], weights: list[float], name: str = "weighted_condorcet"
) -> Run:
    return _fuse(runs, "w_condorcet", name, weights=weights)


def wsum(runs: list[Run], weights: list[float], name: str = "weighted_sum") -> Run:
    return _fuse(runs, "wsum", name, weights=weights)


def wmnz(runs: list[Run], weights: list[float], name: str = "wmnz") -> Run:
    return _fuse(runs, "wmnz", name, weights=weights)


def mixed(runs: list[Run], weights: list[float], name: str = "mixed") -> Run:
    return _fuse(runs, "mixed", name, weights=weights)


def bayesfuse(runs: list[Run], log_odds: Any, name: str = "bayesfuse") -> Run:
    return _fuse(runs, "bayesfuse", name, log_odds=log_odds)


def mapfuse(runs: list[Run], map_scores: Any, name: str = "mapfuse") -> Run:
    return _fuse(runs, "mapfuse", name, map_scores=map_scores)


def posfuse(runs: list[Run], probs: Any, name: str = "posfuse") -> Run:
    return _fuse(runs, "posfuse", name, probs=probs)


def probfuse(runs: list[Run], probs: Any, name: str = "probfuse") -> Run:
    return _fuse(runs, "probfuse", name, probs=probs)


def segfuse(runs: list[Run], probs: Any, name: str = "segfuse") -> Run:
    return _fuse(runs, "segfuse", name, probs=probs)


def slidefuse(runs: list[Run], probs: Any, w: int, name: str = "slidefuse") -> Run:
    return _fuse(runs, "slidefuse", name, probs=probs, w=w)


def _train(qrels: Qrels, runs: list[Run], method: str, **kw: Any) -> Any:
    out = rankwise.fusion_train(qrels._native, [r.native for r in runs], method, **kw)  # type: ignore[arg-type]
    return next(iter(out.values()))


def bayesfuse_train(qrels: Qrels, runs: list[Run]) -> list[np.ndarray]:
    return _train(qrels, runs, "bayesfuse")


def mapfuse_train(qrels: Qrels, runs: list[Run]) -> list[float]:
    return _train(qrels, runs, "mapfuse")


def posfuse_train(qrels: Qrels, runs: list[Run]) -> list[np.ndarray]:
    return _train(qrels, runs, "posfuse")


def probfuse_train(qrels: Qrels, runs: list[Run], n_segments: int) -> np.ndarray:
    return np.vstack(_train(qrels, runs, "probfuse", n_segments=n_segments))


def segfuse_train(qrels: Qrels, runs: list[Run]) -> list[np.ndarray]:
    return _train(qrels, runs, "segfuse")


def slidefuse_train(qrels: Qrels, runs: list[Run]) -> list[np.ndarray]:
    return _train(qrels, runs, "slidefuse")
