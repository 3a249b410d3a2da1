"""Simulated rankers: true relevance plus noise, for tests and benchmarks without a model.

* :class:`SimulatedRanker` answers from judgements (queries are query ids, candidates doc
  ids) with a noise model: Plackett-Luce sampling at a ``temperature``, a ``pairwise_error``
  rate, a ``position_bias`` towards what is shown first, and a ``failure_rate`` of listwise
  answers that are not a full permutation (an identifier repeated, another left out), as LLMs
  produce them.
* :class:`OracleRanker` takes the candidates themselves as their grades (numbers), with
  Gaussian noise: the smallest simulated ranker, for examples and property tests.

The noise of a call is a function of ``(seed, kind of call, query, candidates shown)`` and of
nothing else: each call draws from a generator seeded by a hash of its content (BLAKE2b of the
``repr``, stable across processes, unlike Python's salted ``hash``). So an answer does not
depend on the order of calls, on ``batch_size`` or on what was answered before: a run
interrupted and resumed from its answer cache gives the same result as an uninterrupted one,
and asking the same call twice gives the same answer (as the cache would).
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Mapping, Sequence

from .cache import _plain

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any

__all__ = ["OracleListwiseRanker", "OracleRanker", "SimulatedRanker"]


def _call_rng(seed: Any, kind: str, query: Any, shown: Any) -> random.Random:
    """The generator of one call: seeded by a hash of ``(seed, kind, query, shown)``."""
    text = repr((seed, kind, _plain(query), _plain(shown)))
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    return random.Random(int.from_bytes(digest, "big"))


_NOISELESS = random.Random(0)


def _finite(name: str, value: Any, *, non_negative: bool = True) -> float:
    from .._validation import _short
    from ..errors import InvalidValueError

    try:
        v = float(value)
    except OverflowError:  # an int past the float range: a number, not a finite one
        v = math.inf
    except (TypeError, ValueError):
        raise InvalidValueError(f"`{name}` must be a number; got {_short(value)}") from None
    if not math.isfinite(v) or (non_negative and v < 0):
        what = "a finite non-negative number" if non_negative else "a finite number"
        raise InvalidValueError(f"`{name}` must be {what}; got {_short(value)}")
    return v


class _Simulated:
    """What the simulated rankers share: the seed of their noise, a bias towards the first
    candidate shown, the count of calls, and how keys become answers."""

    def __init__(self, seed: int, position_bias: float) -> None:
        self.position_bias = _finite("position_bias", position_bias, non_negative=False)
        self.seed = seed
        self.calls = 0

    @staticmethod
    def _descending(keys: Sequence[float]) -> list[int]:
        """The positions by key, highest first, ties in the order shown."""
        return sorted(range(len(keys)), key=lambda i: -keys[i])

    @staticmethod
    def _preference(ka: float, kb: float) -> float:
        """A comparison's answer from the two keys: 1, 0, or 0.5 for a tie."""
        return 1.0 if ka > kb else 0.0 if ka < kb else 0.5


class OracleRanker(_Simulated):
    """A ranker of every kind that knows the truth: candidates are their own relevance grades
    (the numbers given to :func:`rerank` as candidates), perturbed by Gaussian noise of
    standard deviation ``noise`` (0: a perfect ranker), drawn for each call from its content
    (see the module's docstring), ties keeping the order shown. It answers ``rank`` (a
    permutation, or LLM-style text with ``as_text=True``), ``compare`` (1, 0 or 0.5),
    ``select`` (the best indices), ``score_group`` and ``score``. ``position_bias`` adds that
    much to the first candidate shown, as LLMs tend to favour it. ``seed`` makes the noise
    reproducible; ``calls`` counts the requests answered.

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
        self.noise = _finite("noise", noise)
        super().__init__(seed, position_bias)
        self.as_text = as_text

    @property
    def ranker_id(self) -> str:
        return (
            f"oracle(noise={self.noise}, seed={self.seed}, bias={self.position_bias}, "
            f"text={self.as_text})"
        )

    def _keys(self, kind: str, query: Any, grades: Sequence[Any]) -> list[float]:
        self.calls += 1
        keys = [float(g) for g in grades]
        if self.noise:
            rng = _call_rng(self.seed, kind, query, grades)
            keys = [k + rng.gauss(0.0, self.noise) for k in keys]
        if keys and self.position_bias:
            keys[0] += self.position_bias
        return keys

    def _order(self, kind: str, query: Any, grades: Sequence[Any]) -> list[int]:
        return self._descending(self._keys(kind, query, grades))

    def rank(self, batch: Sequence[tuple[Any, Sequence[Any]]]) -> list[list[int] | str]:
        out: list[list[int] | str] = []
        for query, grades in batch:
            order = self._order("rank", query, grades)
            out.append(" > ".join(f"[{i + 1}]" for i in order) if self.as_text else order)
        return out

    def compare(self, batch: Sequence[tuple[Any, Any, Any]]) -> list[float]:
        out = []
        for query, a, b in batch:
            out.append(self._preference(*self._keys("compare", query, [a, b])))
        return out

    def select(self, batch: Sequence[tuple[Any, Sequence[Any], int]]) -> list[list[int]]:
        return [self._order("select", query, grades)[:count] for query, grades, count in batch]

    def score_group(self, batch: Sequence[tuple[Any, Sequence[Any]]]) -> list[list[float]]:
        return [self._keys("score_group", query, grades) for query, grades in batch]

    def score(self, batch: Sequence[tuple[Any, Any]]) -> list[float]:
        return [self._keys("score", query, [grade])[0] for query, grade in batch]

    def __repr__(self) -> str:
        return f"OracleRanker(noise={self.noise}, seed={self.seed}, calls={self.calls})"


class OracleListwiseRanker(OracleRanker):
    """:class:`OracleRanker` under its first name (a listwise oracle).

    >>> OracleListwiseRanker().rank([("q", [0, 2, 1])])
    [[1, 2, 0]]
    """


class SimulatedRanker(_Simulated):
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

    Every random draw of a call comes from its content (see the module's docstring): ``seed``
    makes runs reproducible, and a resumed run equals an uninterrupted one; ``calls`` counts
    the requests answered.

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
        for name, value in (("pairwise_error", pairwise_error), ("failure_rate", failure_rate)):
            if not _finite(name, value) <= 1.0:
                raise InvalidValueError(f"`{name}` must be in [0, 1]; got {value!r}")
        self.grades: dict[str, dict[str, float]] = {}
        for q, docs in qrels.items():
            if not isinstance(docs, Mapping):
                raise InvalidValueError(
                    f"`qrels[{q!r}]` must be a mapping {{doc: grade}}; got {type(docs).__name__}"
                )
            self.grades[str(q)] = {
                str(d): _finite(f"qrels[{q!r}][{d!r}]", g, non_negative=False)
                for d, g in docs.items()
            }
        self.temperature = _finite("temperature", temperature)
        super().__init__(seed, position_bias)
        self.pairwise_error = float(pairwise_error)
        self.failure_rate = float(failure_rate)

    @property
    def ranker_id(self) -> str:
        return (
            f"simulated(t={self.temperature}, err={self.pairwise_error}, "
            f"bias={self.position_bias}, fail={self.failure_rate}, seed={self.seed})"
        )

    def _keys(self, rng: random.Random, query: Any, shown: Sequence[Any]) -> list[float]:
        self.calls += 1
        judged = self.grades.get(str(query), {})
        k = len(shown)
        keys = []
        for pos, doc in enumerate(shown):
            key = judged.get(str(doc), 0.0)
            if self.position_bias and k > 1:
                key += self.position_bias * (k - 1 - pos) / (k - 1)
            if self.temperature:
                u = rng.random() or 1e-300
                key -= self.temperature * math.log(-math.log(u)) if u < 1 else 0.0
            keys.append(key)
        return keys

    def _order(self, rng: random.Random, query: Any, shown: Sequence[Any]) -> list[int]:
        return self._descending(self._keys(rng, query, shown))

    def _rng(self, kind: str, query: Any, shown: Any) -> random.Random:
        if not (self.temperature or self.pairwise_error or self.failure_rate):
            return _NOISELESS  # no draw changes an answer: skip the hashing
        return _call_rng(self.seed, kind, query, shown)

    def rank(self, batch: Sequence[tuple[Any, Sequence[Any]]]) -> list[str]:
        out = []
        for query, shown in batch:
            rng = self._rng("rank", query, shown)
            ids = [i + 1 for i in self._order(rng, query, shown)]
            if len(ids) > 1 and rng.random() < self.failure_rate:
                ids[rng.randrange(1, len(ids))] = ids[0]  # repeated; one left out
            out.append(" > ".join(f"[{i}]" for i in ids))
        return out

    def compare(self, batch: Sequence[tuple[Any, Any, Any]]) -> list[float]:
        out = []
        for query, a, b in batch:
            rng = self._rng("compare", query, (a, b))
            p = self._preference(*self._keys(rng, query, [a, b]))
            if rng.random() < self.pairwise_error:
                p = 1.0 - p
            out.append(p)
        return out

    def select(self, batch: Sequence[tuple[Any, Sequence[Any], int]]) -> list[list[int]]:
        return [
            self._order(self._rng("select", query, shown), query, shown)[:count]
            for query, shown, count in batch
        ]

    def score_group(self, batch: Sequence[tuple[Any, Sequence[Any]]]) -> list[list[float]]:
        return [
            self._keys(self._rng("score_group", query, shown), query, shown)
            for query, shown in batch
        ]

    def score(self, batch: Sequence[tuple[Any, Any]]) -> list[float]:
        return [
            self._keys(self._rng("score", query, (doc,)), query, [doc])[0] for query, doc in batch
        ]

    def __repr__(self) -> str:
        return f"SimulatedRanker({len(self.grades)} queries, {self.ranker_id}, calls={self.calls})"
