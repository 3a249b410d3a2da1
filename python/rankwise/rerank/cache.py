"""The answer cache: model answers keyed by (ranker, task content), in memory or in SQLite.

Reranking the same candidates again, with another strategy, another pass or a label
construction run, asks many of the same questions; a cache answers them without the model.
Keys hash the ranker id, the kind of call, the query and the candidates as shown (in order),
so a cached answer is only reused for the very same prompt content. Queries and candidates
must therefore have a stable ``repr`` (strings, numbers, tuples of them).

An SQLite cache file carries a marker, ``PRAGMA application_id`` = :data:`APPLICATION_ID`
(``"rkwc"``), and its format in ``PRAGMA user_version`` (:data:`CACHE_VERSION`). rankwise
never writes to a file without that marker: a new or empty file (no tables) becomes a cache;
any other SQLite database, or a file that is not a database at all, is refused with an error
naming it and is left byte for byte as it was. A cache of another format (an older rankwise,
or one from before the marker, a lone ``answers`` table) is refused with a message saying so.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import urllib.parse

from .._validation import path as _path
from ..errors import InvalidValueError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any

__all__ = ["APPLICATION_ID", "CACHE_VERSION", "AnswerCache"]

APPLICATION_ID = 0x726B7763
"""``PRAGMA application_id`` of a rankwise answer cache: ``b"rkwc"`` read as a big-endian
32-bit integer (SQLite's header field for "which application owns this file")."""

CACHE_VERSION = 1
"""``PRAGMA user_version`` of the cache format this rankwise reads and writes."""

_SCHEMA = "CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, answer TEXT)"
# The table as rankwise wrote it before caches were marked (SQLite stores the statement
# without its IF NOT EXISTS).
_UNMARKED = "CREATE TABLE answers (key TEXT PRIMARY KEY, answer TEXT)"


def _inspect(path: str) -> tuple[int, int, dict[str, str]]:
    """``(application_id, user_version, {table: its CREATE statement})`` of an existing SQLite
    file, read through a read-only connection (nothing is written, whatever the file is)."""
    # Quoted as bytes: a path with undecodable bytes (lone surrogates in the str) is valid.
    uri = "file:" + urllib.parse.quote(os.fsencode(os.path.abspath(path))) + "?mode=ro"
    db = sqlite3.connect(uri, uri=True)
    try:
        app = int(db.execute("PRAGMA application_id").fetchone()[0])
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        tables = {
            str(name): str(sql)
            for name, sql in db.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name"
            ).fetchall()
        }
    finally:
        db.close()
    return app, version, tables


def _open(path: str, name: str) -> sqlite3.Connection:
    """A connection to the cache at ``path``, created and marked when the file is new or
    empty; refused (untouched) when the file is not a rankwise cache of this format, naming
    the argument ``name`` that gave the path."""
    fresh = not os.path.exists(path) or (os.path.isfile(path) and os.path.getsize(path) == 0)
    if not fresh:
        try:
            app, version, tables = _inspect(path)
        except sqlite3.DatabaseError as e:
            raise InvalidValueError(
                f"`{name}` must be a rankwise answer cache or a new file; got {path!r}, which "
                f"SQLite cannot open as a database ({e}); rankwise leaves it unchanged"
            ) from None
        if app == APPLICATION_ID:
            if version != CACHE_VERSION:
                age = "an older" if version < CACHE_VERSION else "a newer"
                raise InvalidValueError(
                    f"`{name}` {path!r} is an answer cache of {age} rankwise (cache format "
                    f"{version}; this rankwise reads format {CACHE_VERSION}): delete it to start "
                    "a new cache (its answers will be asked again) or give another path"
                )
        elif app == 0 and version == 0 and tables == {"answers": _UNMARKED}:
            raise InvalidValueError(
                f"`{name}` {path!r} looks like an answer cache of an older rankwise (cache "
                f"format 0, before caches were marked; this rankwise reads format "
                f"{CACHE_VERSION}): delete it to start a new cache (its answers will be asked "
                "again) or give another path; rankwise leaves it unchanged"
            )
        elif app != 0 or tables:
            shown = ", ".join(list(tables)[:5]) + (", ..." if len(tables) > 5 else "")
            owner = f"application_id {app:#x}" if app else f"tables: {shown}"
            raise InvalidValueError(
                f"`{name}` must be a rankwise answer cache or a new file; got {path!r}, an "
                f"SQLite database of another application ({owner}); rankwise leaves it "
                "unchanged: give another path"
            )
        else:
            fresh = True  # an SQLite file with no tables: empty, ours to initialise
    # As bytes: sqlite3 encodes a str strictly, refusing undecodable bytes (lone surrogates).
    db = sqlite3.connect(os.fsencode(path), check_same_thread=False)
    if fresh:
        try:
            db.executescript(
                f"BEGIN; PRAGMA application_id = {APPLICATION_ID}; "
                f"PRAGMA user_version = {CACHE_VERSION}; {_SCHEMA}; COMMIT;"
            )
        except sqlite3.DatabaseError:
            db.close()
            raise
    return db


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
        self._setup(path, "path")

    @classmethod
    def _from_argument(cls, value: object, name: str) -> AnswerCache:
        """The cache at the path given as argument ``name`` of another function (``rerank``'s
        ``cache``): its errors name that argument."""
        cache = cls.__new__(cls)
        cache._setup(value, name)
        return cache

    def _setup(self, path: object, name: str) -> None:
        self.path = None if path is None else _path(name, path)
        self._memory: dict[str, Any] = {}
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        if self.path is not None:
            try:
                self._db = _open(self.path, name)
            except sqlite3.DatabaseError as e:
                raise InvalidValueError(
                    f"`{name}` must be an SQLite answer cache or a new file; got "
                    f"{self.path!r} ({e})"
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
        """Close the SQLite file, committing what was written (the in-memory copy stays
        usable)."""
        with self._lock:
            if self._db is not None:
                self._db.commit()
                self._db.close()
                self._db = None

    def __repr__(self) -> str:
        where = "memory" if self.path is None else repr(self.path)
        return f"AnswerCache({where}, {len(self)} answers, {self.hits} hits, {self.misses} misses)"
