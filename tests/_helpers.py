"""What several test modules share: the model tests' (test_models, test_scorers,
test_seq2seq) first lines (the optional modules they need) and texts, one query and four
candidates, the first and third about it; and loading a script of the repository as a
module (test_bench_table, test_fuzz_api)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

QUERY = "what causes rain"
DOCS = [
    "Rain forms when water vapour condenses into droplets heavy enough to fall.",
    "The stock market fell sharply on Monday.",
    "Clouds release precipitation when their droplets merge and grow.",
    "Cats sleep for most of the day.",
]


def load_script(path: Path) -> ModuleType:
    """The script at ``path`` (not a package module) imported as the module named by its
    file name, and registered in ``sys.modules`` under that name (dataclasses need it)."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def import_or_skip(*names: str) -> tuple[Any, ...]:
    """The model tests' first lines: each module of ``names``, or the calling test module
    skipped with the reason that it is not installed."""
    shown = {"torch": "PyTorch"}
    return tuple(
        pytest.importorskip(name, reason=f"{shown.get(name, name)} is not installed")
        for name in names
    )
