"""pytest plugin: swap the peers' functions for rankwise's drop-ins before collection.

Loaded by ``run_peer_suites.py`` with ``-p tests.peer_suites.swap_plugin``. The peer's test
modules import ``stats`` (``from scipy import stats``) or ``ndcg_score`` (``from sklearn.metrics
import ndcg_score``); setting the attribute on the module they import from, before any test
module is imported, is the same as changing the import in the test file, and touches nothing
else of the peer's code. Which functions are swapped is read from ``RANKWISE_SWAP`` (a
comma-separated list of ``module:name=replacement_module``).
"""

from __future__ import annotations

import importlib
import os

import pytest


def swaps() -> list[tuple[str, str, str]]:
    """The (module, attribute, replacement module) triples named in ``RANKWISE_SWAP``."""
    out = []
    for item in filter(None, os.environ.get("RANKWISE_SWAP", "").split(",")):
        target, replacement = item.split("=")
        module, name = target.split(":")
        out.append((module, name, replacement))
    return out


def pytest_configure(config: pytest.Config) -> None:
    """Replace each named attribute by rankwise's function of the same name."""
    for module, name, replacement in swaps():
        original = importlib.import_module(module)
        ours = getattr(importlib.import_module(replacement), name)
        setattr(original, name, ours)


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Say what was swapped, so a log shows that rankwise's functions ran."""
    return [f"rankwise swap: {m}.{n} -> {r}.{n}" for m, n, r in swaps()]
