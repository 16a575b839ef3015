"""SQLite plumbing of the sandbox's books: one connection (WAL) guarded by a re-entrant lock.

:class:`Database` gives transactions, plain queries, extension tables and persistent counters;
:class:`yibao.sandbox.ledger.Ledger` and :class:`yibao.sandbox.store.Store` build on it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["Database"]


class Database:
    """The connection, the lock and the generic access methods."""

    def __init__(self, path: Path, schema: str) -> None:
        self.path = path
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

    def close(self) -> None:
        with self._lock:
            self.conn.close()
