"""Strategy configurations: immutable, picklable descriptions of how to rerank one query.

Each strategy is a Rust state machine per query (``StrategySpec.start``); these classes hold
its parameters, check them, and say before a run how many model calls it will make
(:meth:`Strategy.plan`), matching the counts the strategies' papers give (RankGPT, TDPart,
TourRank, Setwise, PRP; the guide's reranking page lists them).
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import ClassVar

from .._native import StrategySpec
from .._validation import U64_MAX, USIZE_MAX, _short, choice, flag, integer
from ..errors import InvalidValueError, RankwiseTypeError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Literal

__all__ = [
    "AcuRank",
    "FullList",
    "Groupwise",
    "JointRank",
    "Pairwise",
    "Plan",
    "Pointwise",
    "Setwise",
    "SlidingWindow",
    "Strategy",
    "TopDown",
    "Tournament",
]


@dataclass(frozen=True)
class Plan:
    """Model calls and depth (the longest chain of calls that wait for each other) for one
    query: exact when the strategy does not depend on the answers (``exact``), bounds
    otherwise."""

    calls_min: int
    calls_max: int
    depth_min: int
    depth_max: int

    @property
    def exact(self) -> bool:
        return self.calls_min == self.calls_max and self.depth_min == self.depth_max

    def __repr__(self) -> str:
        def span(lo: int, hi: int) -> str:
            return str(lo) if lo == hi else f"{lo}..{hi}"

        return (
            f"Plan(calls={span(self.calls_min, self.calls_max)}, "
            f"depth={span(self.depth_min, self.depth_max)})"
        )


class Strategy:
    """Base of the strategy configurations (dataclasses): validation and planning.

    ``task_kind`` names the model calls the strategy makes, hence the ranker method the
    driver needs: ``rank``, ``compare``, ``select``, ``score_group`` or ``score``.
    """

    task_kind: ClassVar[str] = ""
    # The StrategySpec constructor that takes the options (see _options).
    _native: ClassVar[str] = ""

    def __post_init__(self) -> None:
        # Every option by its annotation, before the native constructor: its argument
        # conversion would raise bare TypeErrors ("'int' object is not an instance of 'str'")
        # and `bool()` the truth-value error of an array.
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            kind = str(f.type)
            if kind == "int" or (kind == "int | None" and value is not None):
                if isinstance(value, bool) or not isinstance(value, int):
                    raise InvalidValueError(f"`{f.name}` must be an integer; got {_short(value)}")
                # The range of the Rust type it reaches (usize; u64 for a seed).
                integer(f.name, value, maximum=U64_MAX if f.name == "seed" else USIZE_MAX)
            elif kind == "bool":
                flag(f.name, value)
            elif kind == "float" and (
                isinstance(value, bool) or not isinstance(value, (int, float))
            ):
                raise InvalidValueError(f"`{f.name}` must be a number; got {_short(value)}")
            elif kind.startswith("Literal["):
                choice(f.name, value, tuple(ast.literal_eval(kind[len("Literal") :])))
        self._spec()  # every range is checked in Rust, with its error message

    def _options(self) -> dict[str, object]:
        """The keyword arguments of the ``StrategySpec`` constructor named ``_native``: every
        option by its field name (bools and floats as Python's), ``permutations`` aside."""
        convert = {"bool": bool, "float": float}
        return {
            f.name: convert.get(str(f.type), lambda v: v)(getattr(self, f.name))
            for f in fields(self)  # type: ignore[arg-type]
            if f.name != "permutations"
        }

    def _spec(self) -> StrategySpec:
        """The native spec: ``StrategySpec.<_native>(**options)``, asked in ``permutations``
        orders where the strategy has them (seeded by its ``seed``, if any)."""
        spec = getattr(StrategySpec, self._native)(**self._options())
        return self._permuted(spec, getattr(self, "seed", 0))

    def _permuted(self, spec: StrategySpec, seed: int = 0) -> StrategySpec:
        """``spec`` with permutation self-consistency when ``permutations > 1`` (listwise
        strategies): each rank call asked in ``permutations`` orders, the first as shown, the
        others shuffled (seeded), the answers aggregated into their Kemeny order (Tang et al.
        2024); calls times ``permutations``, same depth."""
        k = getattr(self, "permutations", 1)
        if k == 1:
            return spec
        return spec.self_consistent(permutations=k, aggregation="kemeny", seed=seed)

    def plan(self, n: int) -> Plan:
        """Calls and depth for a query of ``n`` candidates.

        Closed forms (or walks of ``O(log n)`` steps) that take no memory, so any ``n`` up to
        ``2**64 - 1`` is answered at once. A count that does not fit 64 bits raises
        :class:`~rankwise.errors.InvalidValueError` naming ``n`` rather than a wrapped number.
        """
        integer("n", n)
        return Plan(*self._spec().plan(n))


@dataclass(frozen=True)
class SlidingWindow(Strategy):
    """Listwise reranking with a window of ``window`` candidates sliding from the bottom of
    the list to the top, ``step`` positions per call, ``passes`` times (``rank`` calls).

    Each call's answer is written back before the next window is cut, so the calls of one query
    are sequential (the driver overlaps queries). ``compat="rankllm"`` (default) clamps the last
    window to the top so every position is reranked: 1 call if ``n <= window``, else
    ``ceil((n - window) / step) + 1`` per pass. ``compat="rankgpt"`` reproduces RankGPT's loop
    for replicating published numbers: full windows only, ``floor((n - window) / step) + 1``
    calls (none if ``n < window``), and the top ``(n - window) % step`` positions never move.

    ``direction="front_to_back"`` slides from the top down (the worst sink to the bottom).
    ``top_k`` runs shrinking passes: each fixes the top ``window - step`` of the range it
    covers and the next covers the rest, until ``top_k`` positions are fixed; ``top_k=n`` is
    the fullrank paper's complete-label construction (45 windows for n = 100).

    >>> SlidingWindow().calls(100), SlidingWindow(compat="rankgpt").calls(95)
    (9, 8)
    >>> SlidingWindow(top_k=100).plan(100)
    Plan(calls=45, depth=45)

    ``permutations=k`` asks every window in ``k`` orders (permutation self-consistency, see
    :class:`JointRank` and the guide): ``k`` times the calls, the same depth.

    >>> SlidingWindow(permutations=3).plan(100)
    Plan(calls=27, depth=9)
    """

    task_kind: ClassVar[str] = "rank"
    _native: ClassVar[str] = "sliding_window"

    window: int = 20
    step: int = 10
    passes: int = 1
    compat: Literal["rankllm", "rankgpt"] = "rankllm"
    direction: Literal["back_to_front", "front_to_back"] = "back_to_front"
    top_k: int | None = None
    permutations: int = 1

    def calls(self, n: int) -> int:
        """Model calls for ``n`` candidates (exact: the strategy does not depend on answers)."""
        return self.plan(n).calls_max


@dataclass(frozen=True)
class FullList(Strategy):
    """One ``rank`` call over every candidate, for long-context listwise rankers (fullrank's
    RankMistral100, LiT5-v2): 1 call, depth 1 (none for fewer than two candidates).

    >>> FullList().plan(100), FullList(permutations=5).plan(100)
    (Plan(calls=1, depth=1), Plan(calls=5, depth=1))
    """

    task_kind: ClassVar[str] = "rank"
    _native: ClassVar[str] = "full_list"

    permutations: int = 1


@dataclass(frozen=True)
class Pointwise(Strategy):
    """One ``score`` call per candidate (cross-encoders, yes/no LLM scoring), all in one round,
    then a sort by score, ties in first-stage order.

    >>> Pointwise().plan(100)
    Plan(calls=100, depth=1)
    """

    task_kind: ClassVar[str] = "score"
    _native: ClassVar[str] = "pointwise"


@dataclass(frozen=True)
class Setwise(Strategy):
    """Setwise reranking (Zhuang et al., SIGIR 2024): each ``select`` call shows ``children + 1``
    candidates and asks for the best; a sort built on it settles the top ``top_k``.

    ``method="heapsort"``: a ``children``-ary heap (llm-rankers' ``setwise.heapSort``, call for
    call); the calls depend on the answers, the plan gives exact bounds.
    ``method="bubblesort"``: ``top_k`` passes of windows sliding up ``children`` at a time,
    exactly ``sum(ceil((n - 1 - p) / children) for p < top_k)`` calls (llm-rankers issues
    some calls over empty windows on ordered input; this never does). Both return the top
    ``top_k`` followed by the other candidates in first-stage order, as llm-rankers does.

    >>> Setwise(children=2, method="bubblesort").plan(100)
    Plan(calls=475, depth=475)
    >>> Setwise(children=2).plan(100)
    Plan(calls=59..151, depth=59..151)
    """

    task_kind: ClassVar[str] = "select"
    _native: ClassVar[str] = "setwise"

    children: int = 3
    method: Literal["heapsort", "bubblesort"] = "heapsort"
    top_k: int = 10


@dataclass(frozen=True)
class Pairwise(Strategy):
    """Pairwise ranking prompting (PRP, Qin et al. 2024): ``compare`` calls answered by
    P(first before second).

    With ``both_orders`` (default) every comparison asks both orders in one round; the first
    candidate wins only if both answers agree (``P(a, b) > 0.5`` and ``P(b, a) < 0.5``),
    anything else is a tie. ``method``:

    * ``"allpair"``: every pair at once, 1 point per win and 0.5 per tie, sorted by points
      (ties in first-stage order): ``n(n-1)`` calls, depth 1;
    * ``"heapsort"``: llm-rankers' binary heap over the comparator, top ``top_k`` then the
      rest in first-stage order (bounds in the plan);
    * ``"sliding"``: PRP-Sliding-K, ``passes`` bubble passes from the bottom (default: top_k),
      exactly ``2 * passes * (n - 1)`` calls.

    >>> Pairwise(method="allpair").plan(100)
    Plan(calls=9900, depth=1)
    >>> Pairwise(method="sliding", passes=10).plan(100)
    Plan(calls=1980, depth=990)
    """

    task_kind: ClassVar[str] = "compare"
    _native: ClassVar[str] = "pairwise"

    method: Literal["allpair", "heapsort", "sliding"] = "heapsort"
    top_k: int = 10
    passes: int | None = None
    both_orders: bool = True

    def _options(self) -> dict[str, object]:
        return {**super()._options(), "passes": self.top_k if self.passes is None else self.passes}


@dataclass(frozen=True)
class Tournament(Strategy):
    """TourRank (Chen et al., WWW 2025): ``tournaments`` independent tournaments of ``stages``
    (``(groups, advance)``: the stage's input is split into ``groups`` interleaved groups and
    ``advance`` candidates in all go on); each group is a ``select`` call for its share of the
    advancing candidates, shown in a seeded random order; every selection scores a point and
    the final order sorts by points over all tournaments (ties in first-stage order). Stages
    of every tournament run side by side: depth = stages, calls = 13 per tournament on 100
    candidates with the default stages.

    >>> Tournament(tournaments=10).plan(100)
    Plan(calls=130, depth=5)
    """

    task_kind: ClassVar[str] = "select"
    _native: ClassVar[str] = "tournament"

    stages: tuple[tuple[int, int], ...] = ((5, 50), (5, 20), (1, 10), (1, 5), (1, 2))
    tournaments: int = 1
    seed: int = 0

    def __post_init__(self) -> None:
        # A sequence of (groups, advance) pairs of integers, kept as a tuple of tuples so that
        # the strategy stays hashable (the driver keys its state by it); the ranges are
        # checked in Rust.
        stages = self.stages
        if isinstance(stages, str | bytes) or not isinstance(stages, Sequence):
            raise RankwiseTypeError(
                "`stages` must be a sequence of (groups, advance) pairs of integers; got "
                f"{type(stages).__name__} {_short(stages)}"
            )
        pairs = []
        for i, stage in enumerate(stages):
            if isinstance(stage, str | bytes) or not isinstance(stage, Sequence) or len(stage) != 2:
                raise RankwiseTypeError(
                    f"`stages[{i}]` must be a (groups, advance) pair of integers; got "
                    f"{_short(stage)}"
                )
            pairs.append(
                (
                    integer(f"stages[{i}]", stage[0], minimum=1),
                    integer(f"stages[{i}]", stage[1], minimum=1),
                )
            )
        object.__setattr__(self, "stages", tuple(pairs))
        super().__post_init__()


@dataclass(frozen=True)
class TopDown(Strategy):
    """Top-down partitioning (TDPart, Parry et al. 2024): rank the first ``window``, take the
    candidate at rank ``top_k`` as a pivot, rank the rest in windows of ``window - 1`` plus the
    pivot (all in one round with ``parallel``), and recurse on those that beat the pivot (at
    most ``buffer``). About a third fewer calls than a sliding window for the top 10.

    >>> TopDown().plan(100).depth_min
    2
    """

    task_kind: ClassVar[str] = "rank"
    _native: ClassVar[str] = "top_down"

    window: int = 20
    top_k: int = 10
    buffer: int = 20
    parallel: bool = True
    permutations: int = 1


@dataclass(frozen=True)
class Groupwise(Strategy):
    """Groupwise scoring (GroupRank-style): the list is covered by groups of ``group_size``
    that share ``overlap`` candidates with their neighbours; each group is one ``score_group``
    call returning a score per candidate, all groups of a round at once; scores are chained
    across groups through the shared candidates (so each group's offset cancels) and the list
    sorted by them; ``rounds`` regroup the new order with shifted boundaries.

    >>> Groupwise().plan(100)
    Plan(calls=7, depth=1)
    """

    task_kind: ClassVar[str] = "score_group"
    _native: ClassVar[str] = "groupwise"

    group_size: int = 20
    overlap: int = 5
    rounds: int = 1


@dataclass(frozen=True)
class JointRank(Strategy):
    """JointRank (Dedov et al. 2025, "JointRank: Rank Large Sets with Single Queries"): the
    candidates are covered by the overlapping blocks of a block design, every block is one
    ``rank`` call, all in one round (depth 1), and the block rankings are aggregated into a
    full ranking.

    ``design="replicated"``: ``replication`` seeded shuffles of the list, each cut into
    ``ceil(n / block_size)`` blocks of near-equal size (every candidate in ``replication``
    blocks). ``design="latin_square"``: positions fill a ``block_size`` x ``block_size``
    grid (``n <= block_size**2``); the blocks are its rows, columns and cyclic diagonals
    (``replication`` classes, at most ``block_size + 1``; with a prime ``block_size`` and all
    ``block_size + 1`` classes every pair of candidates shares one block). Blocks of fewer
    than two candidates are not asked. ``aggregation``: ``"plackett_luce"`` (MAP by MM,
    prior 0.1), ``"rank_centrality"``, ``"borda"`` or ``"kemeny"``; equal scores keep the
    first-stage order. ``permutations`` as for :class:`SlidingWindow`.

    >>> JointRank(block_size=10).plan(100)
    Plan(calls=20, depth=1)
    >>> JointRank(block_size=10, design="latin_square").plan(100)
    Plan(calls=20, depth=1)
    """

    task_kind: ClassVar[str] = "rank"
    _native: ClassVar[str] = "joint_rank"

    block_size: int = 20
    replication: int = 2
    design: Literal["replicated", "latin_square"] = "replicated"
    aggregation: Literal["plackett_luce", "rank_centrality", "borda", "kemeny"] = "plackett_luce"
    seed: int = 0
    permutations: int = 1


@dataclass(frozen=True)
class AcuRank(Strategy):
    """AcuRank (Yoon et al. 2025, "AcuRank: Uncertainty-Aware Adaptive Computation for
    Listwise Reranking"): a Bayesian rating (mean and standard deviation) per candidate, more
    ``rank`` calls only where the top-``top_k`` boundary is uncertain, and a stop once it is
    settled. The control flow of the authors' code (``run.py``, ``reduce_uncertain``):

    1. priors from the first-stage order (means spread over 0.49 around 25, ``sigma = mean/3``);
    2. one round of consecutive windows of ``window`` over the whole list, each ranking
       updating its candidates' ratings (openskill's Plackett-Luce model, TrueSkill's
       constants; the authors use the ``trueskill`` package);
    3. rounds of windows over the *uncertain* candidates: ``p`` = the probability of being
       above the threshold that leaves ``top_k / n`` of the ratings' mixture above it; a
       candidate is uncertain when ``tol < p < 1 - tol``. When fewer than ``min_uncertain``
       are, every candidate with ``p > tol`` is reranked once more and the run stops;
    4. the final order by rating mean.

    ``max_calls`` caps the calls of both phases (the authors' ``hard_constraint`` counts the
    adaptive ones). The calls depend on the answers, so :meth:`plan` gives bounds: at least the
    first pass, at most ``max_calls``. ``permutations`` as for :class:`SlidingWindow`.

    >>> AcuRank().plan(100)
    Plan(calls=5..100, depth=1..96)
    >>> from rankwise.rerank import OracleRanker, rerank
    >>> grades = [(7 * i) % 100 for i in range(100)]
    >>> result = rerank(["q"], [grades], OracleRanker(), AcuRank(max_calls=30))
    >>> [grades[i] for i in result.orders[0][:3]], result.calls[0] <= 30
    ([99, 98, 97], True)
    """

    task_kind: ClassVar[str] = "rank"
    _native: ClassVar[str] = "acurank"

    window: int = 20
    top_k: int = 10
    tol: float = 0.01
    min_uncertain: int = 10
    max_calls: int = 100
    permutations: int = 1
