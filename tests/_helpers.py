"""What the model tests (test_models, test_scorers, test_seq2seq) share: their first lines
(the optional modules they need) and their texts, one query and four candidates, the first
and third about it."""

from __future__ import annotations

from typing import Any

import pytest

QUERY = "what causes rain"
DOCS = [
    "Rain forms when water vapour condenses into droplets heavy enough to fall.",
    "The stock market fell sharply on Monday.",
    "Clouds release precipitation when their droplets merge and grow.",
    "Cats sleep for most of the day.",
]


def import_or_skip(*names: str) -> tuple[Any, ...]:
    """The model tests' first lines: each module of ``names``, or the calling test module
    skipped with the reason that it is not installed."""
    shown = {"torch": "PyTorch"}
    return tuple(
        pytest.importorskip(name, reason=f"{shown.get(name, name)} is not installed")
        for name in names
    )
