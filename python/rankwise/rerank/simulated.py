"""Simulated rankers: true relevance plus noise, for tests and benchmarks without a model."""

from __future__ import annotations

import random
from collections.abc import Sequence

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any

__all__ = ["OracleListwiseRanker", "OracleRanker"]


class OracleRanker:
    """A ranker of every kind that knows the truth: candidates are their own relevance grades
    (the numbers given to :func:`rerank` as candidates), perturbed by Gaussian noise of
    standard deviation ``noise`` (0: a perfect ranker) drawn afresh for each call, ties keeping
    the order shown. It answers ``rank`` (a permutation, or LLM-style text with
    ``as_text=True``), ``compare`` (1, 0 or 0.5), ``select`` (the best indices),
    ``score_group`` and ``score``. ``position_bias`` adds that much to the first candidate
    shown, as LLMs tend to favour it. ``seed`` makes the noise reproducible; ``calls`` counts
    the requests answered.

    >>> r = OracleRanker()
    >>> r.rank([("q", [0, 2, 1])]), r.compare([("q", 2, 1)]), r.select([("q", [0, 2, 1], 1)])
    ([[1, 2, 0]], [1.0], [[1]])
    >>> OracleRanker(as_text=True).rank([("q", [0, 2, 1])])
    ['[2] > [3] > [1]']
    """

    def __init__(
        self,
        noise: float = 0.0,
        *,
        seed: int = 0,
        as_text: bool = False,
        position_bias: float = 0.0,
    ) -> None:
        self.noise = float(noise)
        self.position_bias = float(position_bias)
        self.as_text = as_text
        self.seed = seed
        self.calls = 0
        self._rng = random.Random(seed)

    @property
    def ranker_id(self) -> str:
        return (
            f"oracle(noise={self.noise}, seed={self.seed}, bias={self.position_bias}, "
            f"text={self.as_text})"
        )

    def _keys(self, grades: Sequence[Any]) -> list[float]:
        self.calls += 1
        keys = [float(g) for g in grades]
        if self.noise:
            keys = [k + self._rng.gauss(0.0, self.noise) for k in keys]
        if keys and self.position_bias:
            keys[0] += self.position_bias
        return keys

    def _order(self, grades: Sequence[Any]) -> list[int]:
        keys = self._keys(grades)
        return sorted(range(len(keys)), key=lambda i: -keys[i])

    def rank(self, batch: Sequence[tuple[Any, Sequence[Any]]]) -> list[list[int] | str]:
        out: list[list[int] | str] = []
        for _query, grades in batch:
            order = self._order(grades)
            out.append(" > ".join(f"[{i + 1}]" for i in order) if self.as_text else order)
        return out

    def compare(self, batch: Sequence[tuple[Any, Any, Any]]) -> list[float]:
        out = []
        for _query, a, b in batch:
            ka, kb = self._keys([a, b])
            out.append(1.0 if ka > kb else 0.0 if ka < kb else 0.5)
        return out

    def select(self, batch: Sequence[tuple[Any, Sequence[Any], int]]) -> list[list[int]]:
        return [self._order(grades)[:count] for _query, grades, count in batch]

    def score_group(self, batch: Sequence[tuple[Any, Sequence[Any]]]) -> list[list[float]]:
        return [self._keys(grades) for _query, grades in batch]

    def score(self, batch: Sequence[tuple[Any, Any]]) -> list[float]:
        return [self._keys([grade])[0] for _query, grade in batch]

    def __repr__(self) -> str:
        return f"OracleRanker(noise={self.noise}, seed={self.seed}, calls={self.calls})"


class OracleListwiseRanker(OracleRanker):
    """:class:`OracleRanker` under its first name (a listwise oracle).

    >>> OracleListwiseRanker().rank([("q", [0, 2, 1])])
    [[1, 2, 0]]
    """
