"""Simulated rankers: true relevance plus noise, for tests and benchmarks without a model."""

from __future__ import annotations

import random
from collections.abc import Sequence

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any


class OracleListwiseRanker:
    """A listwise ranker that knows the truth: candidates are their own relevance grades (the
    numbers given to :func:`rerank` as candidates), ordered by ``grade + noise`` with Gaussian
    noise of standard deviation ``noise`` (0: a perfect ranker), ties keeping the window's
    order. With ``as_text=True`` it answers as an LLM does, ``"[2] > [1] > [3]"``.
    ``seed`` makes the noise reproducible; ``calls`` counts the requests answered.

    >>> OracleListwiseRanker().rank([("q", [0, 2, 1])])
    [[1, 2, 0]]
    >>> OracleListwiseRanker(as_text=True).rank([("q", [0, 2, 1])])
    ['[2] > [3] > [1]']
    """

    def __init__(self, noise: float = 0.0, *, seed: int = 0, as_text: bool = False) -> None:
        self.noise = float(noise)
        self.as_text = as_text
        self.calls = 0
        self._rng = random.Random(seed)

    def rank(self, batch: Sequence[tuple[Any, Sequence[Any]]]) -> list[list[int] | str]:
        out: list[list[int] | str] = []
        for _query, grades in batch:
            keys = [
                float(g) + (self._rng.gauss(0.0, self.noise) if self.noise else 0.0) for g in grades
            ]
            order = sorted(range(len(grades)), key=lambda i: -keys[i])
            out.append(" > ".join(f"[{i + 1}]" for i in order) if self.as_text else order)
            self.calls += 1
        return out
