"""Diversity and intent-aware evaluation, equal to ndeval (the TREC Web track's ``ndeval.c``).

Qrels carry a subtopic column: ``topic subtopic docno judgement`` per line, or the dict
``{query_id: {subtopic_id: {doc_id: judgement}}}``. A document is relevant to a subtopic when
its judgement reaches ``relevance_level`` (ndeval keeps judgements binary). The measures are
ndeval's columns; the work runs in Rust, in parallel over queries, with the GIL released.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping

from . import _native
from ._validation import choice, integer, real_scalar
from .errors import InvalidValueError, RankwiseTypeError
from .report import Report

__all__ = ["IR_MEASURES_NAMES", "NDEVAL_MEASURES", "evaluate_diversity", "ndeval_output"]

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Literal

#: ndeval's 21 columns, in its order (pyndeval's ``DEFAULT_MEASURES``).
NDEVAL_MEASURES: tuple[str, ...] = (
    *(f"{m}@{k}" for m in ("ERR-IA", "nERR-IA", "alpha-DCG", "alpha-nDCG") for k in (5, 10, 20)),
    "NRBP",
    "nNRBP",
    "MAP-IA",
    *(f"{m}@{k}" for m in ("P-IA", "strec") for k in (5, 10, 20)),
)

#: ir_measures' names of the same measures (its pyndeval provider), as ``evaluate_diversity``
#: also takes them: the base name before ``@k`` -> rankwise's (ndeval's) base name.
IR_MEASURES_NAMES: dict[str, str] = {
    "ERR_IA": "ERR-IA",
    "nERR_IA": "nERR-IA",
    "alpha_DCG": "alpha-DCG",
    "alpha_nDCG": "alpha-nDCG",
    "AP_IA": "MAP-IA",
    "MAP_IA": "MAP-IA",
    "P_IA": "P-IA",
    "StRecall": "strec",
}


def _ndeval_name(name: str) -> str:
    """``name`` as ndeval spells it (ir_measures' spellings translated; others unchanged)."""
    base, at, cutoff = name.partition("@")
    return IR_MEASURES_NAMES.get(base, base) + at + cutoff


DiversityQrelsLike = str | os.PathLike[str] | Mapping[str, Mapping[str | int, Mapping[str, int]]]
DiversityRunLike = str | os.PathLike[str] | Mapping[str, Mapping[str, float]]


def _plain(value: object, name: str) -> Any:
    """A path, or the nested mapping as plain dicts (the native reader takes ``dict``)."""
    if isinstance(value, (str, os.PathLike)):
        return value
    if isinstance(value, Mapping):
        if isinstance(value, dict) and all(isinstance(v, dict) for v in value.values()):
            return value
        return {k: _plain(v, name) if isinstance(v, Mapping) else v for k, v in value.items()}
    raise RankwiseTypeError(f"`{name}` must be a path or a dict; got {type(value).__name__}"[:300])


def _depth(depth: object) -> int | None:
    if depth is None:
        return None
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1 or depth >= 2**63:
        raise InvalidValueError(f"`depth` must be a positive integer or None; got {depth!r}"[:300])
    return depth


def _unit(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RankwiseTypeError(f"`{name}` must be a number in [0, 1]; got {type(value).__name__}")
    return real_scalar(name, value)  # an int past float64 is refused by name


def _risk_alpha(value: object) -> tuple[str, float]:
    """``risk_alpha`` as ndeval's run name spells it, and its value (a number >= 0)."""
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        text = value
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RankwiseTypeError(
            f"`risk_alpha` must be a number >= 0; got {type(value).__name__}"[:300]
        )
    else:
        number = real_scalar("risk_alpha", value)
        text = ""
    if not (math.isfinite(number) and number >= 0.0):
        raise InvalidValueError(f"`risk_alpha` must be a number >= 0; got {value!r}"[:300])
    if not text:
        text = str(int(number)) if number == int(number) else repr(number)
    return text, number


def evaluate_diversity(
    qrels: DiversityQrelsLike,
    run: DiversityRunLike,
    measures: Iterable[str] | None = None,
    *,
    alpha: float = 0.5,
    beta: float = 0.5,
    relevance_level: int = 1,
    order: Literal["score", "traditional", "rank"] = "score",
    depth: int | None = None,
) -> Report:
    r"""Evaluate a run with ndeval's intent-aware measures.

    Parameters
    ----------
    qrels
        A path to qrels with subtopics (``topic subtopic docno judgement`` per line), or
        ``{query_id: {subtopic_id: {doc_id: judgement}}}`` (subtopic ids str or int,
        judgements int).
    run
        A path to a TREC run (``topic Q0 docno rank score runid``), or
        ``{query_id: {doc_id: score}}``.
    measures
        Names as ndeval prints them: ``ERR-IA@k``, ``nERR-IA@k``, ``alpha-DCG@k``,
        ``alpha-nDCG@k``, ``P-IA@k``, ``strec@k`` (any k >= 1; ndeval stops at 20),
        ``NRBP``, ``nNRBP``, ``MAP-IA``; or as ir_measures names them (``StRecall@k``,
        ``alpha_nDCG@k``, ``ERR_IA@k``, ``AP_IA``, ...: :data:`IR_MEASURES_NAMES`), and then
        the report keeps that spelling. Default: :data:`NDEVAL_MEASURES`.
    alpha
        Redundancy intolerance in [0, 1]: the n-th document relevant to a subtopic gains
        :math:`(1-\alpha)^{n-1}` for it (ndeval's ``-alpha``).
    beta
        Patience in [0, 1] of NRBP's user (ndeval's ``-beta``).
    relevance_level
        A judgement at least this is relevant.
    order
        How a query's documents are ranked: ``"score"`` (descending, ties by doc id
        ascending: pyndeval's order), ``"traditional"`` (ties by doc id descending: ndeval's
        ``-traditional`` and trec_eval's) or ``"rank"`` (the run file's rank column: ndeval's
        default; files only).
    depth
        Keep only the first ``depth`` documents of each query (ndeval's ``-M``).

    Returns
    -------
    Report
        Means over the queries both in the run and in the qrels (ndeval's ``amean``), and the
        per-query values, queries in the run's order.

    Notes
    -----
    The values equal ndeval's (version 4.5) and pyndeval's to the last bit, including its
    greedy ideal ranking (ties to the larger doc id), its "ideal ideal" normalisation of
    ``ERR-IA`` and ``alpha-DCG`` (from k = 2 on), and repeated qrels lines (the last one says
    whether a document is relevant; each relevant one counts in MAP-IA's denominator). One
    difference: ``nNRBP`` of a topic without relevant documents is 0 here and NaN (0/0) in
    ndeval. Unjudged documents count as not relevant.

    References: Clarke et al., "Novelty and diversity in information retrieval evaluation",
    SIGIR 2008 (alpha-nDCG); Chapelle et al., CIKM 2009 (ERR); Clarke et al., ICTIR 2009
    (NRBP); Agrawal et al., WSDM 2009 (intent-aware measures).

    Examples
    --------
    >>> from rankwise.diversity import evaluate_diversity
    >>> qrels = {"q1": {"a": {"d1": 1, "d2": 1}, "b": {"d3": 1}}}
    >>> run = {"q1": {"d1": 0.9, "d2": 0.8, "d3": 0.7}}
    >>> report = evaluate_diversity(qrels, run, ["alpha-nDCG@2", "strec@2", "MAP-IA"])
    >>> report
    Report over 1 queries
      alpha-nDCG@2  0.8066
      strec@2       0.5000
      MAP-IA        0.6667
    """
    if isinstance(measures, str):
        raise RankwiseTypeError(
            f"`measures` must be a list of names, not one str; got {measures!r}"[:300]
        )
    if (
        not (measures is None or isinstance(measures, Iterable))
        or getattr(measures, "ndim", 1) == 0
    ):
        raise RankwiseTypeError(
            f"`measures` must be a list of names; got {type(measures).__name__}"
        )
    names = list(NDEVAL_MEASURES if measures is None else measures)
    if not all(isinstance(m, str) for m in names):
        raise RankwiseTypeError("`measures` must hold str names")
    # The report keeps each name as given (the first spelling, where two name one measure).
    spelled: dict[str, str] = {}
    for name in names:
        spelled.setdefault(_ndeval_name(name), name)
    relevance_level = integer(
        "relevance_level", relevance_level, minimum=-(2**63), maximum=2**63 - 1
    )
    choice("order", order, ("score", "traditional", "rank"))
    result = _native.diversity_evaluate(
        _plain(qrels, "qrels"),
        _plain(run, "run"),
        list(spelled),
        alpha=_unit("alpha", alpha),
        beta=_unit("beta", beta),
        relevance_level=relevance_level,
        order=order,
        depth=_depth(depth),
    )
    measure_names, query_ids, values, means, run_name = result
    if not query_ids:
        raise InvalidValueError(
            "`run` and `qrels` must share at least one query; none of the run's queries is judged"
        )
    given = [spelled.get(m, m) for m in measure_names]
    return Report(given, query_ids, values, means, run_name=run_name)


def ndeval_output(
    qrels: str | os.PathLike[str],
    run: str | os.PathLike[str],
    *,
    alpha: float = 0.5,
    beta: float = 0.5,
    traditional: bool = False,
    depth: int | None = None,
    complete: bool = False,
    baseline: str | os.PathLike[str] | None = None,
    risk_alpha: float | str = 0.0,
) -> str:
    """What the ndeval program prints for these files: its CSV, one line per topic of the run
    and ``amean``.

    ``traditional`` ranks by score (ndeval's ``-traditional``) instead of the rank column;
    ``complete`` averages over every topic of the qrels (ndeval's ``-c``). Topics are printed
    as the files spell them (ndeval prints them as integers).

    ``baseline``, a run file, asks for ndeval's risk-sensitive evaluation (its ``-baseline``
    and ``-riskAlpha``, the TREC 2013-2014 Web track's risk measures): each topic's value is
    ``run - baseline`` where the run does at least as well, else ``(1 + risk_alpha) (run -
    baseline)``. The lines are the run's topics (with ``complete``, also those only the
    baseline has); a topic one side lacks, or the qrels do not judge, is 0 on that side;
    ``amean`` divides by the larger of the number of lines and of judged topics (or, with
    ``complete``, of qrels topics). The run is named ``"RUN (rel to. BASELINE; rs=1+a;
    a=A)"``, with ``A`` as ``risk_alpha`` is spelt when given as a string (as on ndeval's
    command line), else in Python's shortest form. ``risk_alpha`` (>= 0) needs a baseline.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from rankwise.diversity import ndeval_output
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "qrels").write_text("1 1 A 1\\n1 2 B 1\\n")
    >>> _ = (d / "run").write_text("1 Q0 A 1 2.0 myrun\\n1 Q0 B 2 1.0 myrun\\n")
    >>> lines = ndeval_output(d / "qrels", d / "run").splitlines()
    >>> lines[0].split(",")[:4]
    ['runid', 'topic', 'ERR-IA@5', 'ERR-IA@10']
    >>> lines[-1].split(",")[:4]
    ['myrun', 'amean', '0.544629', '0.541075']

    Against a baseline that ranks B first, with losses weighing double:

    >>> _ = (d / "base").write_text("1 Q0 B 1 2.0 base\\n1 Q0 A 2 1.0 base\\n")
    >>> risk = ndeval_output(d / "qrels", d / "run", baseline=d / "base", risk_alpha="1")
    >>> risk.splitlines()[-1].split(",")[:3]
    ['myrun (rel to. base; rs=1+a; a=1)', 'amean', '0.000000']
    """
    if not isinstance(traditional, bool) or not isinstance(complete, bool):
        raise RankwiseTypeError("`traditional` and `complete` must be True or False")
    alpha_text, risk = _risk_alpha(risk_alpha)
    if baseline is None and risk != 0.0:
        raise InvalidValueError(
            f"`risk_alpha` ({alpha_text}) needs a `baseline` run to compare against"[:300]
        )
    csv: str | None = _native.diversity_ndeval(
        qrels,
        run,
        alpha=_unit("alpha", alpha),
        beta=_unit("beta", beta),
        order="traditional" if traditional else "rank",
        depth=_depth(depth),
        complete=complete,
        baseline=baseline,
        risk_alpha=risk,
        risk_alpha_text=alpha_text,
    )
    if csv is None:
        raise InvalidValueError(
            "`run` and `qrels` must share at least one topic; none of the run's topics is judged"
        )
    return csv
