"""Exceptions raised by rankwise.

Every error derives from :class:`RankwiseError` *and* from the builtin a caller would expect
(``ValueError`` or ``TypeError``), so ``except ValueError`` keeps working. Messages name the
argument, what was received and what was expected; file errors give the path and line.

Files that cannot be opened raise the builtin ``FileNotFoundError`` / ``PermissionError`` /
``OSError``.
"""

from __future__ import annotations

__all__ = [
    "DuplicateDocumentError",
    "InvalidValueError",
    "ParseError",
    "RankwiseError",
    "RankwiseTypeError",
    "ShapeError",
    "UnknownMeasureError",
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


class RankwiseTypeError(RankwiseError, TypeError):
    """An argument has the wrong type or dtype."""
