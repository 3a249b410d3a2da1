"""Drop-in replacement for `pytrec_eval <https://github.com/terrierteam/pytrec_eval>`_.

Change the import and nothing else::

    from rankwise.compat import pytrec_eval

    evaluator = pytrec_eval.RelevanceEvaluator(qrels, {"map", "ndcg_cut.10", "P.5"})
    results = evaluator.evaluate(run)  # {query_id: {"map": ..., "ndcg_cut_10": ..., "P_5": ...}}

Same class, same arguments, same measure names and nicknames (``official``, ``set``,
``all_trec``), same nested dict with the same keys and the same values as pytrec_eval 0.5
(trec_eval 9.0.x inside), computed by rankwise's Rust engine in parallel.

Where this module differs from pytrec_eval, on purpose (each pinned by a test):

* an empty ranking gives ``iprec_at_recall_*`` = 0 where pytrec_eval returns NaN (trec_eval
  divides 0 by 0), and ``11pt_avg`` = 0 likewise;
* ``11pt_avg``, ``G``, ``ndcg_rel`` and ``Rndcg`` are computed with their default parameters;
  parameters for them raise a ``ValueError`` (pytrec_eval crashes the interpreter on
  ``G.1=3``), as does a ``utility`` without exactly four coefficients (pytrec_eval prints an
  error and returns 0);
* the ``prefs`` and ``qrels_jg`` measure groups are not provided (they need preference qrels);
* labels may be floats; scores are compared as 32-bit floats, as in trec_eval 9.0.x, so
  results equal pytrec_eval's to the last bit on the same input.

Examples
--------
>>> from rankwise.compat import pytrec_eval
>>> qrels = {"q1": {"d1": 1, "d2": 0}, "q2": {"d3": 2}}
>>> run = {"q1": {"d1": 0.5, "d2": 0.9}, "q2": {"d3": 0.1, "d4": 0.3}}
>>> evaluator = pytrec_eval.RelevanceEvaluator(qrels, {"map", "P.1"})
>>> evaluator.evaluate(run)
{'q1': {'map': 0.5, 'P_1': 0.0}, 'q2': {'map': 0.5, 'P_1': 0.0}}
"""

from __future__ import annotations

import collections
import contextlib
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence

import numpy as np

from .. import _native
from .._validation import float_vector
from ..errors import InvalidValueError, RankwiseError, RankwiseTypeError

__all__ = [
    "RelevanceEvaluator",
    "compute_aggregated_measure",
    "parse_qrel",
    "parse_run",
    "supported_measures",
    "supported_nicknames",
]

# trec_eval's names, forms and groups come from the core's measure table.
_ROWS = _native.measures()
_TREC = [t for row in _ROWS for t in row["trec_eval"]]
# Not numbers in trec_eval; pytrec_eval reports them as 0.0 (`runid` is in every group).
_TEXT_MEASURES = frozenset({"runid", "relstring"})

#: Every measure name pytrec_eval accepts (trec_eval 9.0.x's ``all_trec`` group).
supported_measures: frozenset[str] = _TEXT_MEASURES | {t["name"] for t in _TREC if t["all_trec"]}

#: trec_eval's measure groups, as pytrec_eval exposes them (``prefs`` and ``qrels_jg``
#: groups are not supported, see the module docstring).
supported_nicknames: dict[str, frozenset[str]] = {
    "official": frozenset({"runid"} | {t["name"] for t in _TREC if "official" in t["groups"]}),
    "set": frozenset({"runid"} | {t["name"] for t in _TREC if "set" in t["groups"]}),
    "all_trec": supported_measures,
}

# pytrec_eval keeps log(max(value, 1e-5)) per query for geometric-mean measures.
_GEOMETRIC = frozenset(
    t["name"] for row in _ROWS if row["aggregate"] == "geometric_mean" for t in row["trec_eval"]
)
_MIN_GEO_MEAN: float = _native.MIN_GEO_MEAN
# Measures rankwise computes with trec_eval's default parameters only.
_DEFAULT_ONLY = frozenset(t["name"] for t in _TREC if t["form"] == "default_only")
# pytrec_eval's pattern for parameters: `P.5`, `P_5`, `P.5,10`, `iprec_at_recall.0.5`.
_PARAMS = r"{}[\._]([0-9]+(\.[0-9]+)?(,[0-9]+(\.[0-9]+)?)*)"
_BY_LENGTH = sorted(supported_measures, key=len, reverse=True)


def _combine(measures: Iterable[str]) -> dict[str, set[str]]:
    """Measure families and their parameters, as pytrec_eval combines them: nicknames expand,
    and a family asked for both with and without parameters is computed with the parameters
    only (``{"P", "P.3"}`` gives ``P_3`` alone)."""
    if isinstance(measures, str):
        raise TypeError(
            f"`measures` must be a collection of measure names, not a str; got {measures!r} "
            f"(write {{{measures!r}}})"
        )
    expanded: set[str] = set()
    for measure in measures:
        if not isinstance(measure, str):
            raise TypeError(f"measure names must be str; got {type(measure).__name__}")
        expanded |= supported_nicknames.get(measure, {measure})
    families: dict[str, set[str]] = {}
    for measure in expanded:
        if measure in supported_measures:
            families.setdefault(measure, set())
            continue
        for base in _BY_LENGTH:
            match = re.match(_PARAMS.format(re.escape(base)), measure)
            if match is not None:
                families.setdefault(base, set()).update(match.group(1).split(","))
                break
        else:
            raise ValueError(f"unsupported measure {measure}")
    return families


def _check_line(name: str, line: object, index: int) -> None:
    # pytrec_eval calls ``line.strip()`` on anything and fails with an AttributeError; a
    # TypeError naming the argument says what is wrong (bytes work, as in pytrec_eval).
    if not isinstance(line, (str, bytes)):
        raise RankwiseTypeError(
            f"`{name}` must yield lines (str); got {type(line).__name__} at index {index}"
        )


def parse_run(f_run: Iterable[str]) -> dict[str, dict[str, float]]:
    """Read a TREC run from lines, as pytrec_eval's ``parse_run`` does.

    Parameters
    ----------
    f_run : iterable of str
        Lines ``query_id Q0 doc_id rank score run_name`` (an open file works).

    Returns
    -------
    collections.defaultdict
        ``{query_id: {doc_id: score}}`` (a ``defaultdict(dict)``, as pytrec_eval returns).

    Raises
    ------
    ValueError
        A line without exactly six fields, or a score that is not a number.
    rankwise.errors.RankwiseTypeError
        An item that is not a line (``str`` or ``bytes``); pytrec_eval raises an
        ``AttributeError`` there.
    AssertionError
        A document listed twice for one query (pytrec_eval's check, kept as it is).

    Notes
    -----
    For files, :meth:`rankwise.Run.from_trec` reads in parallel in Rust and checks more; this
    function exists so that code written for pytrec_eval runs unchanged.

    Examples
    --------
    >>> from rankwise.compat import pytrec_eval
    >>> dict(pytrec_eval.parse_run(["q1 Q0 d1 1 2.5 bm25", "q1 Q0 d2 2 1.0 bm25"]))
    {'q1': {'d1': 2.5, 'd2': 1.0}}
    """
    run: dict[str, dict[str, float]] = collections.defaultdict(dict)
    for i, line in enumerate(f_run):
        _check_line("f_run", line, i)
        query_id, _, doc_id, _rank, score, _ = line.strip().split()
        assert doc_id not in run[query_id]
        run[query_id][doc_id] = float(score)
    return run


def parse_qrel(f_qrel: Iterable[str]) -> dict[str, dict[str, int]]:
    """Read TREC relevance judgements from lines, as pytrec_eval's ``parse_qrel`` does.

    Parameters
    ----------
    f_qrel : iterable of str
        Lines ``query_id iteration doc_id relevance`` (an open file works).

    Returns
    -------
    collections.defaultdict
        ``{query_id: {doc_id: relevance}}`` (a ``defaultdict(dict)``, as pytrec_eval returns).

    Raises
    ------
    ValueError
        A line without exactly four fields, or a relevance that is not an integer.
    rankwise.errors.RankwiseTypeError
        An item that is not a line (``str`` or ``bytes``); pytrec_eval raises an
        ``AttributeError`` there.
    AssertionError
        A document judged twice for one query (pytrec_eval's check, kept as it is).

    Examples
    --------
    >>> from rankwise.compat import pytrec_eval
    >>> dict(pytrec_eval.parse_qrel(["q1 0 d1 1", "q1 0 d2 0"]))
    {'q1': {'d1': 1, 'd2': 0}}
    """
    qrel: dict[str, dict[str, int]] = collections.defaultdict(dict)
    for i, line in enumerate(f_qrel):
        _check_line("f_qrel", line, i)
        query_id, _, doc_id, relevance = line.strip().split()
        assert doc_id not in qrel[query_id]
        qrel[query_id][doc_id] = int(relevance)
    return qrel


def compute_aggregated_measure(measure: str, values: Sequence[float]) -> float:
    """Aggregate per-query values of one measure over queries, as trec_eval's ``all`` line.

    Parameters
    ----------
    measure : str
        The measure's name as a key of :meth:`RelevanceEvaluator.evaluate`'s result.
    values : sequence of float
        Its value for each query.

    Returns
    -------
    float
        The sum for ``num_*`` measures, ``exp(mean)`` for ``gm_*`` measures (whose per-query
        values are logarithms, as pytrec_eval reports them), the arithmetic mean otherwise
        (NaN with numpy's warning for no values, as pytrec_eval).

    Examples
    --------
    >>> from rankwise.compat import pytrec_eval
    >>> pytrec_eval.compute_aggregated_measure("num_ret", [10.0, 5.0])
    15.0
    >>> pytrec_eval.compute_aggregated_measure("map", [0.5, 0.25])
    0.375
    """
    # numpy's pairwise sums, as pytrec_eval, so that the last digit agrees too.
    # pytrec_eval decides by the name's prefix, whatever the name; so does this.
    if not isinstance(measure, str):
        raise RankwiseTypeError(f"`measure` must be a str; got {type(measure).__name__}")
    v = float_vector("values", values)
    if measure.startswith("num_"):
        return float(np.sum(v))
    if measure.startswith("gm_"):
        return float(np.exp(np.sum(v) / len(v)))
    return float(np.mean(v))


@contextlib.contextmanager
def _as_argument(native: str, name: str) -> Iterator[None]:
    """Errors of the native ``Qrels``/``Run`` constructors name their own argument (``qrels``,
    ``run``); raised again naming this class's argument, same class."""
    try:
        yield
    except RankwiseError as e:
        message = str(e).replace(f"`{native}", f"`{name}", 1)
        raise type(e)(message) from None


def _nested_mapping(name: str, value: object) -> None:
    """``{query_id: {doc_id: number}}`` or refused, naming the argument: pytrec_eval raises a
    ``TypeError`` for anything but dicts, and the reads below would fail with a bare
    ``AttributeError``/``TypeError``. (A ``RankwiseTypeError`` is a ``TypeError``.)"""
    if not isinstance(value, Mapping):
        raise RankwiseTypeError(
            f"`{name}` must be a dict {{query_id: {{doc_id: value}}}}; got {type(value).__name__}"
        )
    for q, docs in value.items():
        if not isinstance(docs, Mapping):
            raise RankwiseTypeError(
                f"`{name}[{q!r}]` must be a dict {{doc_id: value}}; got {type(docs).__name__}"
            )


class RelevanceEvaluator:
    """Evaluate runs against fixed relevance judgements (pytrec_eval's class).

    Parameters
    ----------
    query_relevance : mapping
        ``{query_id: {doc_id: relevance}}``. Queries without judgements are dropped.
    measures : iterable of str
        trec_eval names, with parameters as ``"ndcg_cut.10,20"`` or ``"P_5"``, or the
        nicknames ``"official"``, ``"set"``, ``"all_trec"``.
    relevance_level : int, default 1
        Labels at or above it are relevant for binary measures (trec_eval ``-l``).
    judged_docs_only_flag : bool, default False
        Drop unjudged documents from rankings before measuring (trec_eval ``-J``).
    """

    def __init__(
        self,
        query_relevance: Mapping[str, Mapping[str, int]],
        measures: Iterable[str],
        relevance_level: int = 1,
        judged_docs_only_flag: bool = False,
    ) -> None:
        families = _combine(measures)
        self._text = sorted(families.keys() & _TEXT_MEASURES)
        specs = [
            f"{base}.{','.join(sorted(params))}" if params else base
            for base, params in families.items()
            if base not in _TEXT_MEASURES
        ]
        for base, params in families.items():
            if params and base in _DEFAULT_ONLY:
                raise ValueError(
                    f"rankwise's pytrec_eval computes {base} with its default parameters "
                    f"only; got {base}.{','.join(sorted(params))}"
                )
        try:
            self._names = _native.measure_names(specs, trec_order=True) if specs else []
        except ValueError as e:
            raise ValueError(f"unsupported measure: {e}") from e
        self._specs = specs
        try:
            self._relevance_level = float(relevance_level)
        except OverflowError:  # an int past float64 (pytrec_eval's C int overflows too)
            raise InvalidValueError(
                f"`relevance_level` must be a number in the float64 range; got an integer of "
                f"{int(relevance_level).bit_length()} bits"
            ) from None
        self._judged_only = bool(judged_docs_only_flag)
        # How `evaluate` lays out each query's dict (see `_native.evaluate_dicts`): the text
        # measures as 0.0, then the measures in trec_eval's order, found by name among the
        # engine's columns, geometric ones as pytrec_eval's per-query logarithms.
        column = {name: i for i, name in enumerate(_native.measure_names(specs) if specs else [])}
        self._per_query = (
            self._names,
            [column[name] for name in self._names],
            [name in _GEOMETRIC for name in self._names],
            self._text,
        )
        # A copy of a plain qrels dict, its labels read once, which `evaluate` reads directly
        # (much cheaper than building `Qrels`); `Qrels` is built only for other input, or if
        # a run needs the general path. Either way, later changes to the caller's dicts are
        # not seen.
        self._judged = (
            _native.judgements_copy(query_relevance) if type(query_relevance) is dict else None
        )
        self._built = None if self._judged is not None else self._judgements(query_relevance)

    @property
    def _qrels(self) -> _native.Qrels:
        if self._built is None:
            assert self._judged is not None  # one of the two is set at construction
            self._built = _native.Qrels(self._judged.to_dict())
        return self._built

    @staticmethod
    def _judgements(query_relevance: Mapping[str, Mapping[str, int]]) -> _native.Qrels:
        if isinstance(query_relevance, dict):
            # A dict of dicts is read as it is (Qrels drops queries without judgements, as
            # pytrec_eval does); anything it refuses is refused below, naming this argument.
            with contextlib.suppress(RankwiseError):
                return _native.Qrels(query_relevance)
        _nested_mapping("query_relevance", query_relevance)
        # pytrec_eval drops queries without judgements.
        judged: dict[str, dict[str, int | float]] = {
            q: docs if isinstance(docs, dict) else dict(docs)
            for q, docs in query_relevance.items()
            if len(docs) > 0
        }
        with _as_argument("qrels", "query_relevance"):
            return _native.Qrels(judged)

    def evaluate(self, scores: Mapping[str, Mapping[str, float]]) -> dict[str, dict[str, float]]:
        """Evaluate one run: ``{query_id: {measure: value}}`` for every query that is both in
        the run and in the judgements (a run query without documents included)."""
        if isinstance(scores, dict) and self._specs:
            # The nested result built in Rust, the run read while it is evaluated; `None`
            # for any input it does not take, which the general path below handles.
            fast = _native.evaluate_dicts(
                self._judged if self._judged is not None else self._qrels,
                scores,
                self._specs,
                rel_level=self._relevance_level,
                judged_only=self._judged_only,
                per_query=self._per_query,
                run_order=True,  # pytrec_eval's order: the run's
            )
            if isinstance(fast, dict):
                return fast
        _nested_mapping("scores", scores)
        if not scores:
            return {}
        with _as_argument("run", "scores"):
            run = _native.Run(
                scores if isinstance(scores, dict) else {q: dict(d) for q, d in scores.items()}
            )
        # pytrec_eval answers `{}` when no query of the run is judged (empty qrels included);
        # rankwise's `evaluate` refuses such a pair, as a likely mix-up of files.
        if not any(q in self._qrels for q in run.query_ids):
            return {}
        if not self._specs:
            query_ids = [q for q in run.query_ids if q in self._qrels]
            return {q: dict.fromkeys(self._text, 0.0) for q in query_ids}
        names, query_ids, values, _ = _native.evaluate(
            self._qrels,
            run,
            self._specs,
            rel_level=self._relevance_level,
            judged_only=self._judged_only,
            missing="skip",
        )
        # pytrec_eval gives the queries in the run's order (`evaluate` in the qrels').
        row_of = {q: i for i, q in enumerate(query_ids)}
        query_ids = [q for q in run.query_ids if q in row_of]
        all_rows = values.T.tolist()
        rows = [all_rows[row_of[q]] for q in query_ids]
        position = {name: i for i, name in enumerate(names)}
        order = [position[name] for name in self._names]
        geometric = [i for i, name in enumerate(self._names) if name in _GEOMETRIC]
        text = self._text
        out: dict[str, dict[str, float]] = {}
        for q, row in zip(query_ids, rows, strict=True):
            ordered = [row[i] for i in order]
            for i in geometric:
                ordered[i] = math.log(max(ordered[i], _MIN_GEO_MEAN))
            result = dict.fromkeys(text, 0.0)
            result.update(zip(self._names, ordered, strict=True))
            out[q] = result
        return out

    def __repr__(self) -> str:
        shown = ", ".join(self._names[:6]) + (", ..." if len(self._names) > 6 else "")
        judged = len(self._judged if self._judged is not None else self._qrels)
        return (
            f"RelevanceEvaluator({judged} judged queries, measures [{shown}], "
            f"relevance_level={self._relevance_level:g})"
        )
