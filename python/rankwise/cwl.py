"""cwl_eval's command line as a function: C/W/L measures with element types and cost files.

``cwl_eval`` (Azzopardi, Thomas & Moffat, SIGIR 2019; ``cwl-eval`` on PyPI) reads a gain file
(TREC qrels whose judgements are gains in ``[0, 1]``), a result file whose second column is
each document's *element type*, and optionally a cost file (``element_type cost`` per line)
and a metrics file (``RBPCWLMetric(0.8)`` per line). Without a cost file, or for a type it
lacks, a document costs 1. For each topic of the result file, in its order, and each measure
it reports the expected utility per document (EU), the expected total utility (ETU), the
expected cost per document (EC), the expected total cost (ETC) and the expected depth (ED),
and with ``residuals`` the best case (unjudged documents gain 1) minus each.

This module is separate from :func:`rankwise.evaluate`, whose runs have no element types.
Files are parsed and evaluated in Rust, without the GIL.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import NamedTuple

from . import _native

__all__ = ["CwlRow", "cwl_eval", "cwl_eval_output"]

PathLike = str | os.PathLike[str]


class CwlRow(NamedTuple):
    """One line of cwl_eval's output."""

    topic: str
    measure: str
    EU: float
    ETU: float
    EC: float
    ETC: float
    ED: float
    residuals: tuple[float, float, float, float, float] | None


def _rows(
    qrels: PathLike,
    run: PathLike,
    costs: PathLike | None,
    metrics: PathLike | Sequence[str] | None,
    residuals: bool,
    headings: bool,
) -> tuple[list[CwlRow], str]:
    m: PathLike | list[str] | None = None
    if isinstance(metrics, (str, os.PathLike)):
        m = metrics
    elif metrics is not None:
        m = list(metrics)
    raw, text = _native.cwl_eval_files(qrels, run, costs, m, bool(residuals), bool(headings))
    rows = [
        CwlRow(t, name, v[0], v[1], v[2], v[3], v[4], None if r is None else tuple(r))  # type: ignore[arg-type]
        for t, name, v, r in raw
    ]
    return rows, text


def cwl_eval(
    qrels: PathLike,
    run: PathLike,
    costs: PathLike | None = None,
    metrics: PathLike | Sequence[str] | None = None,
    *,
    residuals: bool = False,
) -> list[CwlRow]:
    """cwl_eval's rows for a gain file, a result file and optional cost and metrics files.

    Parameters
    ----------
    qrels : str or os.PathLike
        Gain file: ``topic unused doc gain`` lines, gains within ``[0, 1]``.
    run : str or os.PathLike
        Result file: ``topic element_type doc rank score run`` lines. Each run of consecutive
        lines of one topic is one ranking, in file order (the rank and score are not read).
    costs : str or os.PathLike, optional
        Cost file: ``element_type cost`` lines. Without it every document costs 1.
    metrics : str, os.PathLike or sequence of str, optional
        A metrics file, or its lines, such as ``["RBPCWLMetric(0.8)", "INSTCWLMetric(2.0)"]``.
        Without it, cwl_eval's default measures (P@1..P@10, RBP, NDCG-k, RR, AP, INST).
    residuals : bool, default False
        Also compute each column's residual (cwl_eval's ``-r``).

    Returns
    -------
    list of CwlRow
        One row per topic and measure, in cwl_eval's order.

    Raises
    ------
    rankwise.errors.ParseError
        A malformed line, a gain outside ``[0, 1]``, an unknown measure class or a bad
        argument, naming the file (``metrics`` for metrics given as lines) and the line.
    FileNotFoundError
        A file that does not exist.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "gains").write_text("1 0 a 1\\n1 0 b 0.5\\n")
    >>> _ = (d / "run").write_text("1 snippet a 1 2.0 r\\n1 page b 2 1.0 r\\n")
    >>> _ = (d / "costs").write_text("snippet 0.5\\npage 2.0\\n")
    >>> row = cwl_eval(d / "gains", d / "run", d / "costs", ["PrecisionCWLMetric(2)"])[0]
    >>> row.measure, row.EU, row.EC, row.ETC
    ('P@2', 0.75, 1.25, 2.5)
    """
    return _rows(qrels, run, costs, metrics, residuals, False)[0]


def cwl_eval_output(
    qrels: PathLike,
    run: PathLike,
    costs: PathLike | None = None,
    metrics: PathLike | Sequence[str] | None = None,
    *,
    residuals: bool = False,
    headings: bool = False,
) -> str:
    """The text ``cwl-eval QRELS RUN [-c COSTS] [-m METRICS] [-r] [-n]`` prints.

    The arguments are :func:`cwl_eval`'s; ``headings`` adds cwl_eval's ``-n`` heading line.
    Values are printed as cwl_eval prints them: tab separated, four decimals.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "gains").write_text("1 0 a 1\\n")
    >>> _ = (d / "run").write_text("1 x a 1 2.0 r\\n")
    >>> text = cwl_eval_output(d / "gains", d / "run", metrics=["RRCWLMetric()"])
    >>> text.split()
    ['1', 'RR', '1.0000', '1.0000', '1.0000', '1.0000', '1.0000']
    """
    return _rows(qrels, run, costs, metrics, residuals, headings)[1]
