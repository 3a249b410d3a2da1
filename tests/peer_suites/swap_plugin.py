"""pytest plugin: swap the peers' functions for rankwise's drop-ins before collection.

Loaded by ``run_peer_suites.py`` with ``-p tests.peer_suites.swap_plugin``. The peer's test
modules import ``stats`` (``from scipy import stats``) or ``ndcg_score`` (``from sklearn.metrics
import ndcg_score``); setting the attribute on the module they import from, before any test
module is imported, is the same as changing the import in the test file, and touches nothing
else of the peer's code. Which functions are swapped is read from ``RANKWISE_SWAP`` (a
comma-separated list of ``module:name=replacement_module``).
"""

from __future__ import annotations

import functools
import importlib
import os
from collections.abc import Callable
from typing import Any

import pytest

#: scipy's test_axis_nan_policy.py computes its reference by calling the function on each 1-D
#: slice, with NaN already handled by the test, through ``_no_deco=True``: a private flag of
#: scipy's decorator that reaches scipy's undecorated implementation. For a drop-in, the plain
#: 1-D implementation is the function itself, so the flag is dropped and the call goes to
#: rankwise: the test then checks rankwise's n-D, axis and NaN handling against rankwise on
#: each slice (and against the test's own NaN handling).
PRIVATE_FLAGS = ("_no_deco",)


class _WithoutPrivateFlags:
    """rankwise's function, called without scipy's private flags; pickles as itself."""

    def __init__(self, ours: Callable[..., Any]) -> None:
        self.ours = ours
        functools.update_wrapper(self, ours)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        for flag in PRIVATE_FLAGS:
            kwargs.pop(flag, None)
        return self.ours(*args, **kwargs)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_WithoutPrivateFlags, (self.ours,))


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
        setattr(original, name, _WithoutPrivateFlags(ours))


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Say what was swapped, so a log shows that rankwise's functions ran."""
    return [f"rankwise swap: {m}.{n} -> {r}.{n}" for m, n, r in swaps()]
