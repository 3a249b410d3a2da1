"""Evaluation against trec_eval's other relevance formats: preferences and judgement groups.

``evaluate_rel_info`` reads a run and a ``prefs``, ``qrels_prefs`` or ``qrels_jg`` file
(trec_eval's ``-R`` formats) and returns trec_eval 9.0.4's values for its preference
measures (``prefs_simp``, ``prefs_pair``, ``prefs_avgjg``, ...) or judgement-group measures
(``map_avgjg``, ``P_avgjg_5``, ``Rprec_mult_avgjg_1.00``, ...), per query and summarised as
trec_eval summarises them. The work is done in the Rust core (``metrics/prefs.rs``); the
command-line equivalent is ``rankwise eval -R FORMAT``.
"""

from __future__ import annotations

from dataclasses import dataclass
from os import PathLike

from . import _native
from ._validation import choice, flag, integer, path, real_scalar
from .errors import RankwiseTypeError, UnknownMeasureError

__all__ = ["RelInfoResult", "evaluate_rel_info"]


@dataclass(frozen=True)
class RelInfoResult:
    """Values of one run against preferences or judgement groups.

    Attributes
    ----------
    per_query : dict[str, dict[str, float]]
        ``{query_id: {measure: value}}`` for the run's queries that have judgements, in
        ``strcmp`` order of their ids; measure names as trec_eval prints them.
    summary : dict[str, float]
        trec_eval's ``all`` line of each measure: the mean over the evaluated queries (or,
        with ``complete=True``, over every judged query), the sum for the counts
        ``prefs_num_prefs_*``.
    num_q : int
        trec_eval's ``num_q``: the queries averaged over.
    """

    per_query: dict[str, dict[str, float]]
    summary: dict[str, float]
    num_q: int


def evaluate_rel_info(
    rel_info: str | PathLike[str],
    run: str | PathLike[str],
    measures: list[str] | None = None,
    *,
    rel_format: str = "prefs",
    complete: bool = False,
    rel_level: float = 1.0,
    judged_only: bool = False,
    max_docs: int | None = None,
    zscores: str | PathLike[str] | None = None,
) -> RelInfoResult:
    """Evaluate the TREC run file ``run`` against the judgements in ``rel_info``.

    Parameters
    ----------
    rel_info : str or path
        A file in ``rel_format`` (gzip allowed): ``prefs`` (``qid jg jsg docno rel_level``),
        ``qrels_prefs`` (``qid jg docno rel_level``) or ``qrels_jg`` (``qid jg docno rel``).
    run : str or path
        A TREC run file.
    measures : list of str or str, optional
        trec_eval names: the preference measures with ``prefs`` and ``qrels_prefs``, the
        judgement-group ones with ``qrels_jg``, and the groups ``all_prefs``, ``prefs``,
        ``qrels_jg``. Default: the format's group.
    rel_format : {"prefs", "qrels_prefs", "qrels_jg"}
        trec_eval's ``-R``.
    complete, rel_level, judged_only, max_docs
        trec_eval's ``-c``, ``-l``, ``-J`` and ``-M``.
    zscores : str or path, optional
        trec_eval's ``-Z`` file (``qid measure mean stddev``): values become Z-scores.

    Returns
    -------
    RelInfoResult

    Raises
    ------
    rankwise.errors.InvalidValueError
        An unknown format, inconsistent preferences, or no run query with judgements.
    rankwise.errors.ParseError
        A malformed line (the message names file and line).

    Examples
    --------
    >>> import os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> prefs, run = os.path.join(d, "prefs"), os.path.join(d, "run")
    >>> _ = open(prefs, "w").write("q1 u1 s1 d1 2\\nq1 u1 s1 d2 1\\nq1 u1 s1 d3 0\\n")
    >>> _ = open(run, "w").write("q1 Q0 d2 1 3.0 r\\nq1 Q0 d1 2 2.0 r\\n")
    >>> result = evaluate_rel_info(prefs, run, ["prefs_simp", "prefs_num_prefs_poss"])
    >>> result.per_query["q1"]
    {'prefs_num_prefs_poss': 3.0, 'prefs_simp': 0.6666666666666666}
    """
    names = [measures] if isinstance(measures, str) else measures
    if names is not None and (
        not isinstance(names, (list, tuple)) or not all(isinstance(m, str) for m in names)
    ):
        raise RankwiseTypeError(f"`measures` must be a list of str; got {measures!r}"[:300])
    if names is not None and not all(m.isascii() for m in names):
        raise UnknownMeasureError(f"`measures` must be trec_eval names; got {measures!r}"[:300])
    columns, query_ids, values, summary, num_q = _native.evaluate_rel_info_files(
        path("rel_info", rel_info),
        choice("rel_format", rel_format, ("prefs", "qrels_prefs", "qrels_jg")),
        path("run", run),
        list(names or []),
        complete=flag("complete", complete),
        rel_level=real_scalar("rel_level", rel_level),
        judged_only=flag("judged_only", judged_only),
        max_docs=None if max_docs is None else integer("max_docs", max_docs),
        zscore_path=None if zscores is None else path("zscores", zscores),
    )
    per_query = {
        q: dict(zip(columns, row, strict=True)) for q, row in zip(query_ids, values, strict=True)
    }
    return RelInfoResult(per_query, dict(zip(columns, summary, strict=True)), num_q)
