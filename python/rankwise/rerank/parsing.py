"""Reading a listwise ranker's raw answer into an order of its window (Rust does the work)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .. import _native
from .._validation import U64_MAX, integer
from ..errors import InvalidValueError, RankwiseTypeError

__all__ = ["ParsedPermutation", "parse_permutation", "strip_think"]

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Literal

    Policy = Literal["repair", "error"]


_THINK = re.compile(r"<think>.*?</think>", re.DOTALL)


def strip_think(text: str) -> str:
    """The final answer of a reasoning model: ``text`` without its ``<think>...</think>``
    blocks. An unclosed block (a model stopped mid-thought) leaves no answer, so the
    identifiers it mentioned while thinking are not read as its ranking.

    >>> strip_think("<think>[1] first? no.</think> [2] > [1]")
    '[2] > [1]'
    >>> strip_think("<think>[1] > [2], or")
    ''
    """
    if not isinstance(text, str):
        raise RankwiseTypeError(f"`text` must be a str; got {type(text).__name__}")
    if "<think>" not in text:
        return text
    text = _THINK.sub("", text)
    if "<think>" in text:
        text = text[: text.index("<think>")]
    return text.strip()


@dataclass(frozen=True)
class ParsedPermutation:
    """An order read from a ranker's answer, and the repairs it needed.

    ``order[rank]`` is the 0-based index, in the window, of the candidate the ranker put at
    ``rank``. ``duplicates`` lists candidates named more than once (the first mention counts),
    ``out_of_range`` the identifiers, as written, that name no candidate (dropped), and
    ``missing`` the candidates left out (appended to ``order`` in their original order).
    """

    order: list[int]
    duplicates: list[int]
    out_of_range: list[str]
    missing: list[int]

    @property
    def repaired(self) -> bool:
        """Whether the answer needed any repair."""
        return bool(self.duplicates or self.out_of_range or self.missing)


def parse_permutation(
    text: str,
    n: int,
    *,
    ids: Literal["bracketed", "numbers", "letters"] = "bracketed",
    first_id: int = 1,
    duplicates: Policy = "repair",
    out_of_range: Policy = "repair",
    missing: Policy = "repair",
) -> ParsedPermutation:
    """Read the order a listwise ranker gave to ``n`` candidates from its raw ``text``.

    Identifiers are read as ``ids`` says:

    * ``"bracketed"`` (default): numbers in square brackets, ``[2] > [1] > [3]``, counted from
      ``first_id`` (1); anything else, numbers outside brackets included, is ignored;
    * ``"numbers"``: every run of digits anywhere, as RankGPT's ``clean_response`` reads them
      (so "the 20 passages" yields 20);
    * ``"letters"``: ``[A] > [C] > [B]``, ``[A]`` the first candidate (at most 26).

    Problems are repaired as RankGPT repairs them, or refused with ``"error"``: a repeated
    identifier keeps its first place (``duplicates``), one that names no candidate is dropped
    (``out_of_range``), candidates left out are appended in their original order
    (``missing``). Unlike RankGPT, every repair is recorded in the result. The order is always
    a permutation of ``range(n)``; an answer with no identifier at all (an API error message,
    say) leaves the window in its original order, with every candidate listed as missing.
    A reasoning model's ``<think>...</think>`` is removed first (:func:`strip_think`): only
    the final answer is read.

    >>> parse_permutation("the 20 passages, best first: 2 > 1", 3, ids="numbers").order
    [1, 0, 2]
    >>> parse_permutation("[B] > [A]", 2, ids="letters").order
    [1, 0]
    >>> parse_permutation("[1] > [1]", 2, duplicates="error")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    rankwise.errors.InvalidValueError: `answer` must be ...; got identifier "1" given twice ...
    """
    if not isinstance(text, str):
        raise RankwiseTypeError(f"`text` must be a str; got {type(text).__name__}")
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n < 2**32:
        raise InvalidValueError(
            f"`n` must be a non-negative integer below 2**32 (candidates); got {_short(n)}"
        )
    if isinstance(first_id, bool) or not isinstance(first_id, int) or not 0 <= first_id < 2**32:
        raise InvalidValueError(
            f"`first_id` must be a non-negative integer below 2**32; got {_short(first_id)}"
        )
    for name, value, options in (
        ("ids", ids, ("bracketed", "numbers", "letters")),
        ("duplicates", duplicates, ("repair", "error")),
        ("out_of_range", out_of_range, ("repair", "error")),
        ("missing", missing, ("repair", "error")),
    ):
        if not isinstance(value, str) or value not in options:
            allowed = ", ".join(repr(o) for o in options)
            raise InvalidValueError(f"`{name}` must be one of {allowed}; got {_short(value)}")
    answer = strip_think(text)
    if not answer.isascii():
        # A lone surrogate (text decoded with `surrogateescape`) cannot cross into Rust; it is
        # never part of an identifier, so it reads as any other character would.
        answer = answer.encode("utf-8", "replace").decode("utf-8")
    order, dup, out, miss = _native.parse_permutation(
        answer,
        integer("n", n),
        ids=ids,
        first_id=integer("first_id", first_id, maximum=U64_MAX),
        duplicates=duplicates,
        out_of_range=out_of_range,
        missing=missing,
    )
    return ParsedPermutation(order, dup, out, miss)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
