"""SQLite plumbing of the sandbox's books: one connection (WAL) guarded by a re-entrant lock.

:class:`Database` gives transactions, plain queries, extension tables and persistent counters;
:class:`yibao.sandbox.ledger.Ledger` and :class:`yibao.sandbox.store.Store` build on it.
"""

from __future__ import annotations

import io
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["BlobFile", "Database"]


class BlobFile(io.RawIOBase):
    """A ``sqlite3.Blob`` as a seekable binary file (``zipfile`` wants ``seekable()``)."""

    def __init__(self, blob: sqlite3.Blob) -> None:
        super().__init__()
        self._blob = blob

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._blob.seek(offset, whence)
        return self._blob.tell()

    def tell(self) -> int:
        return self._blob.tell()

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = self._blob.read(len(view))
        view[: len(data)] = data
        return len(data)


class Database:
    """The connection, the lock and the generic access methods."""

    def __init__(self, path: Path, schema: str, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        #: unix seconds; the centre's clock (injectable, :class:`~yibao.sandbox.config.SandboxConfig`)
        self.clock = clock
        self._lock = threading.RLock()
        self._depth = 0
        self.conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL is durable across a process crash in WAL mode; only an OS crash may lose the tail.
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.executescript(schema)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit; nested use joins the outer transaction."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self.conn
                finally:
                    self._depth -= 1
                return
            self.conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self.conn
            except BaseException:
                self._depth = 0
                self.conn.execute("ROLLBACK")
                raise
            self._depth = 0
            self.conn.execute("COMMIT")

    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> sqlite3.Cursor:
        """Run one statement (inside the current transaction when there is one)."""
        with self._lock:
            return self.conn.execute(sql, params)

    def query(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[dict[str, Any]]:
        """All rows as plain dicts."""
        with self._lock:
            return [dict(r) for r in self.conn.execute(sql, params).fetchall()]

    def query_one(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> dict[str, Any] | None:
        """The first row as a dict, or ``None``."""
        with self._lock:
            row = self.conn.execute(sql, params).fetchone()
        return dict(row) if row is not None else None

    def add_schema(self, ddl: str) -> None:
        """Create extension tables (``CREATE TABLE IF NOT EXISTS ...``); :meth:`reset` empties them too."""
        with self._lock:
            self.conn.executescript(ddl)

    def next_seq(self, name: str) -> int:
        """The next value of counter ``name`` (1, 2, ...); part of the current transaction."""
        with self._lock:
            row = self.conn.execute(
                "INSERT INTO counters(name, value) VALUES (?, 1) "
                "ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value",
                (name,),
            ).fetchone()
        return int(row[0])

    @contextmanager
    def reader(self) -> Iterator[sqlite3.Connection]:
        """A read-only connection of its own, for work outside the lock (3201 / 3202, 9102).

        WAL lets it read a consistent snapshot while the main connection writes; its TEMP
        tables live in temporary files, so a big comparison never sits in memory.
        """
        uri = self.path.resolve().as_uri() + "?mode=ro"
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
        conn.row_factory = sqlite3.Row
        try:
            conn.execute("PRAGMA temp_store=FILE")
            conn.execute("PRAGMA cache_size=-8192")  # KiB: a bounded page cache
            yield conn
        finally:
            conn.close()

    def close(self) -> None:
        with self._lock:
            self.conn.close()
