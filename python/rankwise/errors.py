"""Exceptions raised by rankwise.

Every error derives from :class:`RankwiseError` *and* from the builtin a caller would expect
(``ValueError`` or ``TypeError``), so ``except ValueError`` keeps working. Messages name the
argument, what was received and what was expected; file errors give the path and line.

Files that cannot be opened raise the builtin ``FileNotFoundError`` / ``PermissionError`` /
``OSError``.

Statistics that are undefined for the data (too few observations, a constant variable) return
NaN with a warning; the warning classes have scipy's names (:class:`SmallSampleWarning`,
:class:`ConstantInputWarning`, both ``RuntimeWarning``), and ``rankwise.compat.scipy`` raises
scipy's own classes when scipy is installed.
"""

from __future__ import annotations

__all__ = [
    "ConstantInputWarning",
    "ConvergenceWarning",
    "DegenerateDataWarning",
    "DuplicateDocumentError",
    "InvalidValueError",
    "ModelNotFoundError",
    "ParseError",
    "PromptTooLongError",
    "RankwiseError",
    "RankwiseTypeError",
    "RerankInterruptedError",
    "ShapeError",
    "SmallSampleWarning",
    "UnknownMeasureError",
    "UnparsedAnswersError",
    "UnparsedAnswersWarning",
]


class RankwiseError(Exception):
    """Base class of every rankwise error."""


class InvalidValueError(RankwiseError, ValueError):
    """An argument has a value outside its domain (a zero cutoff, a NaN score, ...)."""


class ShapeError(RankwiseError, ValueError):
    """Arrays disagree in shape, or offsets do not fit the values they cut."""


class UnknownMeasureError(RankwiseError, ValueError):
    """A measure name is unknown or inconsistent; the message lists the valid names."""


class DuplicateDocumentError(RankwiseError, ValueError):
    """The same document appears twice in one query of a run or qrels."""


class ParseError(RankwiseError, ValueError):
    """A malformed line in a TREC file; ``path`` and ``line`` say where."""

    path: str
    line: int


class RerankInterruptedError(RankwiseError, RuntimeError):
    """A ranker failed during :func:`rankwise.rerank.rerank`; the message names the query and
    the call. ``partial`` holds the queries finished so far; calling ``rerank`` again with the
    same arguments resumes where the run stopped."""

    partial: object = None


class ModelNotFoundError(RankwiseError, FileNotFoundError):
    """A model named by a Hugging Face id or a folder cannot be found: not a folder, not in the
    Hugging Face cache (offline), or not on the hub. The message names the model and says how
    to get it."""


class PromptTooLongError(RankwiseError, ValueError):
    """A model call's prompt does not fit the model's context (with ``on_overflow="error"``).
    ``batch_index`` is the call's position in the batch the ranker was given; the message names
    the query and the call. ``answers`` holds the ranker's answers to the batch's other calls
    (None for those that did not fit): :func:`rankwise.rerank.rerank` takes them, lets every
    other query finish, and then raises :class:`RerankInterruptedError` from this error."""

    batch_index: int | None = None
    answers: list[object] | None = None


class UnparsedAnswersError(RankwiseError, RuntimeError):
    """More of a rerank run's model calls than ``max_unparsed`` allows had an answer naming no
    candidate (prose instead of ``[2] > [1]``, no choice among the targets). ``result`` holds
    the run's :class:`rankwise.rerank.RerankResult` (``result.reranked`` says which queries kept
    their input order); with a cache, rerunning with a higher ``max_unparsed`` costs no call."""

    result: object = None


class RankwiseTypeError(RankwiseError, TypeError):
    """An argument has the wrong type or dtype."""


class DegenerateDataWarning(RuntimeWarning):
    """The data cannot give a meaningful value; the result is NaN."""


class SmallSampleWarning(DegenerateDataWarning):
    """Too few observations (after omitting NaN) for the statistic."""


class ConstantInputWarning(DegenerateDataWarning):
    """An input is constant, so a correlation is not defined."""


class UnparsedAnswersWarning(RuntimeWarning):
    """Some of a rerank run's model calls had an answer naming no candidate: those calls kept
    their input order (listwise) or got a neutral answer (setwise: the first; pairwise and
    yes/no: 0.5). The message gives the count and the share; ``RerankResult.unparsed`` gives
    them per query."""


class ConvergenceWarning(RuntimeWarning):
    """An iterative estimate (Plackett-Luce MM, I-LSR) stopped at its iteration cap; the
    current estimate is returned and flagged."""
