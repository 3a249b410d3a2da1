"""Evaluating runs against qrels with trec_eval semantics.

:class:`Qrels` and :class:`Run` are Rust-owned, immutable, columnar collections. Build them
once (from the ``{query_id: {doc_id: value}}`` dicts that pytrec_eval and ranx use, or from
TREC files) and evaluate as often as you like: ids cross from Python to Rust once, rankings are
sorted once, and every evaluation runs in parallel with the GIL released.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from . import _native
from ._native import Qrels, Run
from .errors import InvalidValueError, RankwiseTypeError
from .report import Report

__all__ = ["Qrels", "Report", "Run", "evaluate", "measure_names"]

# typing.TYPE_CHECKING without importing typing, which would add ~10 ms to every
# `rankwise eval` start-up; at run time `overload` only has to return the function.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Literal, TypeVar, overload

    _Table = TypeVar("_Table", Qrels, Run)
else:

    def overload(function: object) -> object:
        return function


QrelsLike = Qrels | Mapping[str, Mapping[str, int | float]]
RunLike = Run | Mapping[str, Mapping[str, float]]


def _as_table(value: object, cls: type[_Table], name: str, holds: str, **options: Any) -> _Table:
    """A :class:`Qrels` or :class:`Run` from itself or a ``{query_id: {doc_id: x}}`` mapping
    (built with ``options``)."""
    if isinstance(value, cls):
        return value
    if isinstance(value, dict):
        return cls(value, **options)
    if isinstance(value, Mapping):
        return cls({q: dict(d) for q, d in value.items()}, **options)
    raise RankwiseTypeError(
        f"`{name}` must be a rankwise.{cls.__name__} or a dict "
        f"{{query_id: {{doc_id: {holds}}}}}; got {type(value).__name__}"
    )


def _as_qrels(qrels: QrelsLike) -> Qrels:
    return _as_table(qrels, Qrels, "qrels", "label")


def _as_run(run: RunLike, **options: Any) -> Run:
    return _as_table(run, Run, "run", "score", **options)


def _number(name: str, value: object) -> float:
    """``float(value)`` for a numeric option, refused with a rankwise error naming it (without
    numpy: ``rankwise eval`` does not import it)."""
    if isinstance(value, (str, bytes, bytearray, bool)):
        raise RankwiseTypeError(f"`{name}` must be a number; got {type(value).__name__}")
    try:
        return float(value)  # type: ignore[arg-type]
    except OverflowError:
        raise InvalidValueError(
            f"`{name}` must be a number in the float64 range (|x| <= 1.8e308); got an integer "
            f"of {int(value).bit_length()} bits"  # type: ignore[call-overload]
        ) from None
    except (TypeError, ValueError):
        raise RankwiseTypeError(f"`{name}` must be a number; got {type(value).__name__}") from None


def _yes_no(name: str, value: object) -> bool:
    if not isinstance(value, bool) and type(value).__name__ != "bool_":  # numpy's, unimported
        raise RankwiseTypeError(f"`{name}` must be True or False; got {type(value).__name__}")
    return bool(value)


def _measure_list(measures: str | Iterable[str]) -> list[str]:
    if isinstance(measures, str):
        names: list[object] = [measures]
    elif not isinstance(measures, Iterable) or isinstance(measures, (bytes, bytearray, Mapping)):
        raise RankwiseTypeError(
            f"`measures` must be a measure name or a list of them; got {type(measures).__name__}"
        )
    else:
        try:
            names = list(measures)
        except TypeError:  # a 0-d numpy array is Iterable but not iterable
            raise RankwiseTypeError(
                "`measures` must be a measure name or a list of them; got "
                f"{type(measures).__name__}"
            ) from None
    for m in names:
        if not isinstance(m, str):
            raise RankwiseTypeError(
                f"`measures` must be measure names (str); got {type(m).__name__}"
            )
        _unicode_text("measures", m, "measure names")
    return [str(m) for m in names]  # each is a str (checked above)


def _unicode_text(name: str, text: str, expected: str) -> None:
    """Refuse a str that UTF-8 cannot encode (a lone surrogate: no measure name, and it cannot
    cross into Rust), as `{name}` must be `{expected}` of valid Unicode text."""
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidValueError(
                f"`{name}` must be {expected} of valid Unicode text; got {text!r}"
            ) from None


def measure_names(measures: str | Iterable[str]) -> list[str]:
    """Validate measure names; return the names results will carry.

    >>> from rankwise import measure_names
    >>> measure_names(["nDCG@10", "P.5,10", "recip_rank"])
    ['nDCG@10', 'P_5', 'P_10', 'recip_rank']
    """
    return _native.measure_names(_measure_list(measures))


@overload
def evaluate(
    qrels: QrelsLike,
    run: RunLike,
    measures: str | Iterable[str],
    *,
    per_query: Literal[False] = ...,
    ties: Literal["trec_eval", "ranx", "expected"] = ...,
    rel_level: float = ...,
    missing: Literal["skip", "zero"] = ...,
    judged_only: bool = ...,
    max_docs: int | None = ...,
    ignore_identical_ids: bool = ...,
    trec_eval: Literal["9.0", "10.0"] = ...,
) -> Report: ...


@overload
def evaluate(  # noqa: F811 (ruff does not see the overload through TYPE_CHECKING)
    qrels: QrelsLike,
    run: RunLike,
    measures: str | Iterable[str],
    *,
    per_query: Literal[True],
    ties: Literal["trec_eval", "ranx", "expected"] = ...,
    rel_level: float = ...,
    missing: Literal["skip", "zero"] = ...,
    judged_only: bool = ...,
    max_docs: int | None = ...,
    ignore_identical_ids: bool = ...,
    trec_eval: Literal["9.0", "10.0"] = ...,
) -> dict[str, dict[str, float]]: ...


def evaluate(  # noqa: F811 (the implementation of the overloads above)
    qrels: QrelsLike,
    run: RunLike,
    measures: str | Iterable[str],
    *,
    per_query: bool = False,
    ties: Literal["trec_eval", "ranx", "expected"] = "trec_eval",
    rel_level: float = 1,
    missing: Literal["skip", "zero"] = "skip",
    judged_only: bool = False,
    max_docs: int | None = None,
    ignore_identical_ids: bool = False,
    trec_eval: Literal["9.0", "10.0"] = "9.0",
) -> Report | dict[str, dict[str, float]]:
    """Evaluate a run against relevance judgements, exactly as trec_eval 9.0.x does.

    Documents are ranked by score, descending; equal scores are ordered by document id
    descending, compared byte-wise (trec_eval's and pytrec_eval's rule; ranx, ir_measures'
    RR@k, sklearn and torchmetrics order ties differently and can differ by up to 1.0 per
    query on tied runs). ``ties`` chooses another rule: ranx's order, or no order at all (the
    expected value over every ordering of tied documents). Binary measures count
    ``label >= rel_level`` as relevant; nDCG uses the labels as gains whatever ``rel_level``
    is (as trec_eval does). Negative labels mean
    "in the pool but unjudged" (bpref skips them).

    Parameters
    ----------
    qrels : Qrels or dict
        ``{query_id: {doc_id: label}}`` or a :class:`Qrels`.
    run : Run or dict
        ``{query_id: {doc_id: score}}`` or a :class:`Run`.
    measures : str or iterable of str
        ``"nDCG@10"``, ``"AP"``, ``"RR@10"``, ``"P@5"``, ``"R@100"``, ``"Bpref"``,
        ``"Judged@10"``, ``"ERR@20"``, ``"RBP(p=0.8)"``, ... or trec_eval names
        (``"ndcg_cut.10,20"``, ``"map"``, ``"official"``); see :func:`measure_names`.
    per_query : bool, default False
        Return ``{query_id: {measure: value}}`` (pytrec_eval's shape) instead of the summary.
    ties : {"trec_eval", "ranx", "expected"}, default "trec_eval"
        How documents with equal scores are ordered (see the guide's "Tied scores"):

        * ``"trec_eval"``: by document id, descending (trec_eval, pytrec_eval);
        * ``"ranx"``: as ranx 0.3.21's ``Run`` orders them (numba's quicksort of the negated
          scores in insertion order: tied documents keep the order they were added in for
          queries of up to 15 documents; longer ones are shuffled by its partitions, and
          ``rankwise.evaluate(..., ties="ranx")`` moves them exactly as numba does). Scores
          are compared as float64 (ranx's), whatever the run's ``score_precision``;
        * ``"expected"``: the mean of each measure over every ordering of each group of tied
          documents, all equally likely (McSherry & Najork, ECIR 2008), exactly, for every
          measure: closed forms or exact sums for most (one pass over the ranking), and the
          mean over every distinct order of labels for the C/W/L models, ``Compat`` and
          ``Accuracy``, where a query with more than 100,000 such orders raises
          :class:`~rankwise.errors.InvalidValueError` naming the measure and the query (see
          the guide's "Choosing the tie rule"). ``max_docs`` raises it too (a cutoff through
          a group of tied documents is a measure's cutoff).
          Tied means equal at the run's ``score_precision`` (float32 by default, trec_eval's
          comparison).
    rel_level : float, default 1
        Relevance level of binary measures (trec_eval ``-l``).
    missing : {"skip", "zero"}, default "skip"
        ``"skip"``: queries judged in the qrels and present in the run (trec_eval 9.x,
        pytrec_eval). ``"zero"``: every judged query, 0 for those the run misses
        (trec_eval ``-c``, ir_measures).
    judged_only : bool, default False
        Drop unjudged documents before measuring (trec_eval ``-J``).
    max_docs : int, optional
        Only the top ``max_docs`` documents of each ranking count (trec_eval ``-M``).
    ignore_identical_ids : bool, default False
        Drop the document whose id is the query's id from its ranking before measuring, as
        BEIR's ``EvaluateRetrieval.evaluate`` does by default (``ignore_identical_ids=True``
        there; False here keeps trec_eval's numbers).
    trec_eval : {"9.0", "10.0"}, default "9.0"
        The trec_eval version whose results to give where 10.0 (2026-06-17) changed them on
        purpose (see the guide's "trec_eval versions"): ``iprec_at_recall`` and ``11pt_avg``
        turn a recall level into ``lround(level * R)`` relevant documents (9.0:
        ``(long)(level * R + 0.9)``), and scores are compared as float64 (9.0: float32), so
        a :class:`Run` must be built with ``score_precision="float64"`` (dicts are). 10.0's
        ``all_trec`` adds its ``rbp``, ``rbp_resid`` and ``unj``. Every other measure gives
        the same value under both.

    Returns
    -------
    Report
        A dict ``{measure: mean}`` (the mean over queries, computed from an exactly rounded
        sum so it does not depend on query order; trec_eval's counts ``num_ret``, ``num_rel``,
        ``num_rel_ret``, ``num_q`` are summed, ``gm_map`` is the geometric mean of AP floored
        at 1e-5) that also holds the per-query values and renders them as tables; see
        :class:`~rankwise.report.Report`. With ``per_query=True``, pytrec_eval's
        ``{query_id: {measure: value}}`` instead.

    Examples
    --------
    >>> import rankwise
    >>> qrels = {"q1": {"d1": 1, "d2": 0}, "q2": {"d3": 2}}
    >>> run = {"q1": {"d1": 0.5, "d2": 0.9}, "q2": {"d3": 0.1, "d4": 0.3}}
    >>> means = rankwise.evaluate(qrels, run, ["nDCG@10", "RR", "P@1"])
    >>> dict(means)
    {'nDCG@10': 0.6309297535714575, 'RR': 0.5, 'P@1': 0.0}
    >>> rankwise.evaluate(qrels, run, "RR", per_query=True)
    {'q1': {'RR': 0.5}, 'q2': {'RR': 0.5}}

    Two of three documents tie at the top: trec_eval puts "c" first, ranx keeps "a" first,
    and the expected value averages over the six orderings.

    >>> tied = {"q": {"a": 0.5, "b": 0.5, "c": 0.5}}
    >>> judged = {"q": {"a": 1, "b": 0, "c": 0}}
    >>> [rankwise.evaluate(judged, tied, "RR", ties=t)["RR"] for t in ("trec_eval", "ranx")]
    [0.3333333333333333, 1.0]
    >>> round(rankwise.evaluate(judged, tied, "RR", ties="expected")["RR"], 4)  # (1+1/2+1/3)/3
    0.6111
    """
    if not isinstance(missing, str) or missing not in ("skip", "zero"):
        raise InvalidValueError(f"`missing` must be 'skip' or 'zero'; got {missing!r}")
    if max_docs is not None:
        from ._validation import integer  # numpy: only when needed (`rankwise eval` avoids it)

        max_docs = integer("max_docs", max_docs, minimum=1)
    if not isinstance(ties, str) or ties not in ("trec_eval", "ranx", "expected"):
        raise InvalidValueError(
            f"`ties` must be 'trec_eval', 'ranx' or 'expected'; got {ties!r}"[:300]
        )
    if not isinstance(trec_eval, str) or trec_eval not in ("9.0", "10.0"):
        raise InvalidValueError(f"`trec_eval` must be '9.0' or '10.0'; got {trec_eval!r}"[:300])
    if (
        trec_eval == "9.0"
        and ties == "trec_eval"
        and isinstance(run, dict)
        and isinstance(qrels, (dict, Qrels))
        and missing == "skip"
        and ignore_identical_ids is False
    ):
        fast = _evaluate_dicts(qrels, run, measures, rel_level, judged_only, max_docs, per_query)
        if fast is not None:
            if isinstance(fast, Report):
                fast._remember(qrels, run, _options(rel_level, judged_only, max_docs, missing))
            return fast
    if trec_eval == "10.0":
        # 10.0 compares scores as double (trec_eval commit dc0c991): dicts become float64 runs
        built_qrels = _as_qrels(qrels)
        built_run = _as_run(run, score_precision="float64")
    elif isinstance(qrels, dict) and isinstance(run, dict):
        # Both from dicts: build them together, the qrels' indexing overlapping with reading
        # the run (same objects as Qrels(qrels) and Run(run)).
        built_qrels, built_run = _native.qrels_and_run_from_dicts(qrels, run)
    else:
        built_qrels, built_run = _as_qrels(qrels), _as_run(run)
    options = _options(rel_level, judged_only, max_docs, missing, ignore_identical_ids)
    options["trec_eval"] = trec_eval
    names, query_ids, values, summary = _native.evaluate(
        built_qrels, built_run, _measure_list(measures), ties=ties, **options
    )
    report = Report(names, query_ids, values, summary.tolist(), built_run.name)
    report._remember(built_qrels, built_run, options, ties)
    return report.per_query if _yes_no("per_query", per_query) else report


def _options(
    rel_level: object,
    judged_only: object,
    max_docs: int | None,
    missing: Literal["skip", "zero"],
    ignore_identical_ids: object = False,
) -> dict[str, Any]:
    """The keyword options of ``_native.evaluate``, checked."""
    return {
        "rel_level": _number("rel_level", rel_level),
        "judged_only": _yes_no("judged_only", judged_only),
        "max_docs": max_docs,
        "missing": missing,
        "ignore_identical_ids": _yes_no("ignore_identical_ids", ignore_identical_ids),
    }


def _evaluate_dicts(
    qrels: dict[str, dict[str, int | float]] | Qrels,
    run: dict[str, dict[str, float]],
    measures: str | Iterable[str],
    rel_level: object,
    judged_only: object,
    max_docs: int | None,
    per_query: object,
) -> Report | dict[str, dict[str, float]] | None:
    """:func:`evaluate` of a run dict in one native call that reads the dict while the rest
    runs on another thread (``_native.evaluate_dicts``); ``None`` for anything it does not
    take (any bad input), which :func:`evaluate` then handles (and refuses) as it always did,
    with the same error, so that errors do not depend on this shortcut."""
    try:
        names = _measure_list(measures)
        level = _number("rel_level", rel_level)
        judged = _yes_no("judged_only", judged_only)
        nested = _yes_no("per_query", per_query)
    except (RankwiseTypeError, InvalidValueError):
        return None
    spec: tuple[list[str], list[int], list[bool], list[str]] | None = None
    if nested:
        try:  # the result's keys are the measures' canonical names (e.g. "P_5" for "P.5")
            keys = _native.measure_names(names)
        except ValueError:
            return None
        spec = (keys, list(range(len(keys))), [False] * len(keys), [])
    fast = _native.evaluate_dicts(
        qrels,
        run,
        names,
        rel_level=level,
        judged_only=judged,
        max_docs=max_docs,
        per_query=spec,
    )
    if fast is None or isinstance(fast, dict):
        return fast
    result_names, query_ids, values, summary = fast
    return Report(result_names, query_ids, values, summary.tolist(), None)
