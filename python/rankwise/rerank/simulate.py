"""Simulated rankers: true relevance plus noise, for tests and benchmarks without a model.

* :class:`SimulatedRanker` answers from judgements (queries are query ids, candidates doc
  ids) with a noise model: Plackett-Luce sampling at a ``temperature``, a ``pairwise_error``
  rate, a ``position_bias`` towards what is shown first, and a ``failure_rate`` of listwise
  answers that are not a full permutation (an identifier repeated, another left out), as LLMs
  produce them.
* :class:`OracleRanker` takes the candidates themselves as their grades (numbers), with
  Gaussian noise: the smallest simulated ranker, for examples and property tests.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any

__all__ = ["OracleListwiseRanker", "OracleRanker", "SimulatedRanker"]


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


class SimulatedRanker:
    """A ranker of every kind that answers from judgements with a noise model.

    Queries are query ids and candidates doc ids (unjudged documents have grade 0). Every
    answer ranks candidates by the key ``grade + bias + temperature * G`` with ``G`` a
    standard Gumbel draw per candidate and call, which samples the Plackett-Luce model of
    utilities ``grade / temperature`` (``temperature=0``: the true order, ties in the order
    shown); ``bias`` is ``position_bias`` for the first candidate shown, falling linearly to 0
    for the last (LLMs favour the start of their context). Then:

    * ``rank``: the order as LLM text, ``"[2] > [1] > [3]"``; with probability
      ``failure_rate`` one identifier is written twice and another left out (an answer that
      needs a repair);
    * ``compare``: 1, 0 or 0.5 (equal keys), flipped with probability ``pairwise_error``;
    * ``select``: the ``count`` best positions; ``score_group``, ``score``: the keys.

    ``seed`` makes runs reproducible; ``calls`` counts the requests answered.

    >>> judged = {"q1": {"d1": 2, "d2": 0, "d3": 1}}
    >>> SimulatedRanker(judged).rank([("q1", ["d2", "d3", "d1"])])
    ['[3] > [2] > [1]']
    >>> SimulatedRanker(judged, pairwise_error=1.0).compare([("q1", "d1", "d2")])
    [0.0]
    """

    def __init__(
        self,
        qrels: Any,
        *,
        temperature: float = 0.0,
        pairwise_error: float = 0.0,
        position_bias: float = 0.0,
        failure_rate: float = 0.0,
        seed: int = 0,
    ) -> None:
        from ..errors import InvalidValueError

        if hasattr(qrels, "to_dict"):
            qrels = qrels.to_dict()
        if not isinstance(qrels, Mapping):
            raise InvalidValueError(
                f"`qrels` must be a rankwise.Qrels or {{query: {{doc: grade}}}}; "
                f"got {type(qrels).__name__}"
            )
        for name, value, hi in (
            ("temperature", temperature, math.inf),
            ("pairwise_error", pairwise_error, 1.0),
            ("failure_rate", failure_rate, 1.0),
        ):
            if not 0.0 <= value <= hi:
                raise InvalidValueError(f"`{name}` must be in [0, {hi}]; got {value!r}")
        self.grades = {
            str(q): {str(d): float(g) for d, g in docs.items()} for q, docs in qrels.items()
        }
        self.temperature = float(temperature)
        self.pairwise_error = float(pairwise_error)
        self.position_bias = float(position_bias)
        self.failure_rate = float(failure_rate)
        self.seed = seed
        self.calls = 0
        self._rng = random.Random(seed)

    @property
    def ranker_id(self) -> str:
        return (
            f"simulated(t={self.temperature}, err={self.pairwise_error}, "
            f"bias={self.position_bias}, fail={self.failure_rate}, seed={self.seed})"
        )

    def _keys(self, query: Any, shown: Sequence[Any]) -> list[float]:
        self.calls += 1
        judged = self.grades.get(str(query), {})
        k = len(shown)
        keys = []
        for pos, doc in enumerate(shown):
            key = judged.get(str(doc), 0.0)
            if self.position_bias and k > 1:
                key += self.position_bias * (k - 1 - pos) / (k - 1)
            if self.temperature:
                u = self._rng.random() or 1e-300
                key -= self.temperature * math.log(-math.log(u)) if u < 1 else 0.0
            keys.append(key)
        return keys

    def _order(self, query: Any, shown: Sequence[Any]) -> list[int]:
        keys = self._keys(query, shown)
        return sorted(range(len(keys)), key=lambda i: -keys[i])

    def rank(self, batch: Sequence[tuple[Any, Sequence[Any]]]) -> list[str]:
        out = []
        for query, shown in batch:
            ids = [i + 1 for i in self._order(query, shown)]
            if len(ids) > 1 and self._rng.random() < self.failure_rate:
                ids[self._rng.randrange(1, len(ids))] = ids[0]  # repeated; one left out
            out.append(" > ".join(f"[{i}]" for i in ids))
        return out

    def compare(self, batch: Sequence[tuple[Any, Any, Any]]) -> list[float]:
        out = []
        for query, a, b in batch:
            ka, kb = self._keys(query, [a, b])
            p = 1.0 if ka > kb else 0.0 if ka < kb else 0.5
            if self._rng.random() < self.pairwise_error:
                p = 1.0 - p
            out.append(p)
        return out

    def select(self, batch: Sequence[tuple[Any, Sequence[Any], int]]) -> list[list[int]]:
        return [self._order(query, shown)[:count] for query, shown, count in batch]

    def score_group(self, batch: Sequence[tuple[Any, Sequence[Any]]]) -> list[list[float]]:
        return [self._keys(query, shown) for query, shown in batch]

    def score(self, batch: Sequence[tuple[Any, Any]]) -> list[float]:
        return [self._keys(query, [doc])[0] for query, doc in batch]

    def __repr__(self) -> str:
        return f"SimulatedRanker({len(self.grades)} queries, {self.ranker_id}, calls={self.calls})"
