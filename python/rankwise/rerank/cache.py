"""The answer cache: model answers keyed by (ranker, task content), in memory or in SQLite.

Reranking the same candidates again, with another strategy, another pass or a label
construction run, asks many of the same questions; a cache answers them without the model.
Keys hash the ranker id, the kind of call, the query and the candidates as shown (in order),
so a cached answer is only reused for the very same prompt content. Queries and candidates
must therefore have a stable ``repr`` (strings, numbers, tuples of them).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading

from ..errors import InvalidValueError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any

__all__ = ["AnswerCache"]


def _plain(value: Any) -> Any:
    """numpy arrays and scalars as Python lists and numbers (JSON-ready)."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


class AnswerCache:
    """Model answers keyed by ``(ranker id, task content)``: in memory (``path=None``) or in a
    SQLite file that persists across runs and processes.

    >>> cache = AnswerCache()
    >>> key = cache.key("my-model", "compare", "query", ("doc a", "doc b"), 0)
    >>> cache.get(key) is None
    True
    >>> cache.put_many([(key, 0.75)]); cache.get(key)
    0.75
    >>> len(cache), cache.hits, cache.misses
    (1, 1, 1)
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = None if path is None else os.fspath(path)
        self._memory: dict[str, Any] = {}
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        if self.path is not None:
            try:
                self._db = sqlite3.connect(self.path, check_same_thread=False)
                self._db.execute(
                    "CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, answer TEXT)"
                )
                self._db.commit()
            except sqlite3.DatabaseError as e:
                raise InvalidValueError(
                    f"`path` must be an SQLite answer cache or a new file; got {self.path!r} ({e})"
                ) from None

    @staticmethod
    def key(ranker_id: str, kind: str, query: Any, shown: Any, count: int) -> str:
        """The key of one model call: a SHA-256 of its content."""
        text = repr((ranker_id, kind, query, shown, count))
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()

    def get(self, key: str) -> Any:
        """The cached answer, or ``None``."""
        with self._lock:
            if key in self._memory:
                self.hits += 1
                return self._memory[key]
            if self._db is not None:
                row = self._db.execute(
                    "SELECT answer FROM answers WHERE key = ?", (key,)
                ).fetchone()
                if row is not None:
                    value = json.loads(row[0])
                    self._memory[key] = value
                    self.hits += 1
                    return value
            self.misses += 1
            return None

    def put_many(self, items: list[tuple[str, Any]]) -> None:
        """Store answers (committed at once when on disk)."""
        plain = [(k, _plain(v)) for k, v in items]
        with self._lock:
            self._memory.update(plain)
            if self._db is not None:
                self._db.executemany(
                    "INSERT OR REPLACE INTO answers VALUES (?, ?)",
                    [(k, json.dumps(v)) for k, v in plain],
                )
                self._db.commit()

    def __len__(self) -> int:
        with self._lock:
            if self._db is not None:
                return int(self._db.execute("SELECT COUNT(*) FROM answers").fetchone()[0])
            return len(self._memory)

    def close(self) -> None:
        """Close the SQLite file (the in-memory copy stays usable)."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def __repr__(self) -> str:
        where = "memory" if self.path is None else repr(self.path)
        return f"AnswerCache({where}, {len(self)} answers, {self.hits} hits, {self.misses} misses)"
