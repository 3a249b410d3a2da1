"""Strategy configurations: immutable descriptions that start one Rust state per query."""

from __future__ import annotations

from dataclasses import dataclass

from .._native import SlidingWindowState
from ..errors import InvalidValueError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Literal


@dataclass(frozen=True)
class SlidingWindow:
    """Listwise reranking with a window of ``window`` candidates sliding from the bottom of
    the list to the top, ``step`` positions per call, ``passes`` times.

    Each call's answer is written back before the next window is cut, so the calls of one query
    are sequential (the driver overlaps queries). ``compat="rankllm"`` (default) clamps the last
    window to the top so every position is reranked: 1 call if ``n <= window``, else
    ``ceil((n - window) / step) + 1`` per pass. ``compat="rankgpt"`` reproduces RankGPT's loop
    for replicating published numbers: full windows only, ``floor((n - window) / step) + 1``
    calls (none if ``n < window``), and the top ``(n - window) % step`` positions never move.

    >>> SlidingWindow().calls(100), SlidingWindow(compat="rankgpt").calls(95)
    (9, 8)
    """

    window: int = 20
    step: int = 10
    passes: int = 1
    compat: Literal["rankllm", "rankgpt"] = "rankllm"

    def __post_init__(self) -> None:
        for name in ("window", "step", "passes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidValueError(f"`{name}` must be an integer; got {value!r}")
        self.calls(0)  # validates every field in Rust, with its error message

    def calls(self, n: int) -> int:
        """Model calls for ``n`` candidates (exact: the strategy does not depend on answers)."""
        return SlidingWindowState.planned_calls(
            n, window=self.window, step=self.step, passes=self.passes, compat=self.compat
        )

    def start(self, n: int) -> SlidingWindowState:
        """A fresh state for one query's ``n`` candidates."""
        return SlidingWindowState(
            n, window=self.window, step=self.step, passes=self.passes, compat=self.compat
        )
