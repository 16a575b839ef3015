"""One thin connection wrapper over SQLite (stdlib) and PostgreSQL (psycopg 3).

The rest of the journal writes each statement once, composed with the driver's own parameter
marker (:attr:`Database.p`: ``?`` for sqlite3's qmark style, ``%s`` for psycopg's format
style; :meth:`Database.marks` for an ``IN (...)`` list), so the text each driver receives is
already in its style and nothing is rewritten.  Besides the marker it asks which backend it
talks to only for the two row-locking clauses (:attr:`Database.for_update`,
:attr:`Database.skip_locked`), empty on SQLite because ``BEGIN IMMEDIATE`` already serialises
writers there (queued in each process first: :mod:`.sqlite_file`).  psycopg is imported only
when a PostgreSQL URL is opened (``yibao[postgres]``).

Durability is checked, not hoped for (reliability.md §1 "Durable local store"): SQLite must
answer ``journal_mode=wal``, ``synchronous=2`` (FULL: each commit is fsynced; NORMAL may lose
the last commits on power loss) and the busy timeout we set; PostgreSQL must answer
``synchronous_commit=on``.  Otherwise opening fails.

A :class:`Database` holds one connection.  Threads may share it (an ASGI server runs sync
handlers in a thread pool): a re-entrant lock serialises statements, and a transaction holds
the lock from BEGIN to COMMIT so no other thread's statement lands inside it.  For parallel
work open one journal per thread or process; the database arbitrates between them.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from ..errors import ConfigurationError
from .schema import all_migrations, split_statements
from .sqlite_file import BUSY_TIMEOUT_MS, connect_sqlite, queued_writer, writer_queue
from .sqlite_file import URL_KEY as _URL_KEY

__all__ = ["BUSY_TIMEOUT_MS", "Database", "DuplicateRow", "parse_url"]

# A fixed key for pg_advisory_xact_lock: "yibao" in ASCII; only migrations take it.
_PG_MIGRATION_LOCK = 0x7969_6261_6F


class DuplicateRow(Exception):
    """A unique key or index refused the row (either backend's integrity error)."""


def parse_url(url: str) -> tuple[str, str]:
    """``(dialect, target)``: a file path for SQLite, a conninfo URL for PostgreSQL."""
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///") :]
        if not path or path == ":memory:":
            raise ConfigurationError(_URL_KEY, "needs a file path, e.g. sqlite:///yibao-journal.db")
        return "sqlite", path
    scheme, sep, rest = url.partition("://")
    if sep and scheme.split("+")[0] in ("postgresql", "postgres"):
        return "postgresql", f"postgresql://{rest}"
    raise ConfigurationError(_URL_KEY, "must start with sqlite:/// or postgresql://")


def _adapt(value: Any, dialect: str) -> Any:
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.astimezone()
        if dialect == "sqlite":
            # One fixed-width UTC form, so TEXT comparison orders like time.
            return aware.astimezone(UTC).isoformat(timespec="microseconds")
        return aware
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal) and dialect == "sqlite":
        return format(value, "f")
    if isinstance(value, float):
        raise TypeError(f"float {value!r} reached the journal: amounts must be Decimal")
    return value


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:
        raise ConfigurationError(_URL_KEY,
                                 "a PostgreSQL journal needs psycopg: pip install 'yibao[postgres]'") from None
    return psycopg


def _connect_pg(conninfo: str, *, autocommit: bool = True) -> Any:
    psycopg = _psycopg()
    from psycopg.rows import dict_row

    try:
        conn = psycopg.connect(conninfo, autocommit=True, row_factory=dict_row)
    except psycopg.Error as exc:
        raise ConfigurationError(_URL_KEY, f"cannot connect to PostgreSQL: {exc}") from exc
    conn.execute("SET synchronous_commit TO on")
    row = conn.execute("SHOW synchronous_commit").fetchone()
    if row is None or row["synchronous_commit"] != "on":
        conn.close()
        raise ConfigurationError(_URL_KEY, f"PostgreSQL synchronous_commit is {row}, need on")
    conn.autocommit = autocommit
    return conn


class Database:
    """A checked connection, SQL in the driver's parameter style, and explicit transactions."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.dialect, self._target = parse_url(url)
        self._sqlite: sqlite3.Connection | None = None
        self._pg: Any = None
        self._integrity: tuple[type[BaseException], ...] = (sqlite3.IntegrityError,)
        #: SQLite only: the queue this process's writers of the file wait in (sqlite_file.py)
        self._writers: threading.RLock | None = None
        if self.dialect == "sqlite":
            self._sqlite = connect_sqlite(self._target)
            self._writers = writer_queue(self._target)
            #: the driver's parameter marker: sqlite3 qmark style
            self.p = "?"
        else:
            self._pg = _connect_pg(self._target)
            self._integrity = (_psycopg().errors.UniqueViolation,)
            #: the driver's parameter marker: psycopg format style
            self.p = "%s"
        self._depth = 0
        self._owner: int | None = None  # the thread whose transaction is open
        self._lock = threading.RLock()

    # -- SQL -----------------------------------------------------------------------------
    @property
    def for_update(self) -> str:
        """Row lock suffix for a SELECT inside :meth:`transaction` (empty on SQLite)."""
        return " FOR UPDATE" if self.dialect == "postgresql" else ""

    @property
    def skip_locked(self) -> str:
        """Queue-claim suffix: rows another worker holds are skipped, not waited for."""
        return " FOR UPDATE SKIP LOCKED" if self.dialect == "postgresql" else ""

    @property
    def in_transaction(self) -> bool:
        """Whether the calling thread has a :meth:`transaction` open on this connection (its
        nested calls would join it; another thread's transaction only makes it wait)."""
        return self._depth > 0 and self._owner == threading.get_ident()

    def marks(self, n: int) -> str:
        """``n`` parameter markers for an ``IN (...)`` list."""
        return ", ".join([self.p] * n)

    def _values(self, params: Sequence[Any]) -> list[Any]:
        return [_adapt(p, self.dialect) for p in params]

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement (written with :attr:`p`); the number of rows it touched."""
        values = self._values(params)
        try:
            with self._lock:
                if self._writers is None or self._depth or sql.lstrip()[:6].upper() in ("SELECT", "PRAGMA"):
                    return self._execute(sql, values)
                with queued_writer(self._writers):  # a write in autocommit: its own transaction
                    return self._execute(sql, values)
        except self._integrity as exc:
            raise DuplicateRow(str(exc)) from exc

    def _execute(self, sql: str, values: list[Any]) -> int:
        if self._sqlite is not None:
            return self._sqlite.execute(sql, values).rowcount
        assert self._pg is not None
        count: int = self._pg.execute(sql, values).rowcount
        return count

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """All rows of a query, as dicts."""
        values = self._values(params)
        with self._lock:
            if self._sqlite is not None:
                return [dict(r) for r in self._sqlite.execute(sql, values).fetchall()]
            assert self._pg is not None
            rows: list[dict[str, Any]] = self._pg.execute(sql, values).fetchall()
            return rows

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        """The first row of a query, or ``None``."""
        rows = self.fetchall(sql, params)
        return rows[0] if rows else None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic, durable unit.  SQLite takes the write lock at BEGIN (``IMMEDIATE``)
        so a read-then-write inside cannot be overtaken; nested use joins the outer unit."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._owner = threading.get_ident()
            self._depth = 1
            try:
                if self._sqlite is not None:
                    with queued_writer(self._writers):
                        self._sqlite.execute("BEGIN IMMEDIATE")
                        try:
                            yield
                        except BaseException:
                            self._sqlite.execute("ROLLBACK")
                            raise
                        self._sqlite.execute("COMMIT")
                else:
                    assert self._pg is not None
                    with self._pg.transaction():
                        yield
            finally:
                self._depth = 0
                self._owner = None

    def stream(self, sql: str, params: Sequence[Any] = (), batch: int = 500) -> Iterator[dict[str, Any]]:
        """Rows of a query fetched ``batch`` at a time on a connection of their own (a
        server-side cursor on PostgreSQL), so a long read never holds this one."""
        values = self._values(params)
        if self.dialect == "sqlite":
            conn = connect_sqlite(self._target)
            try:
                cur = conn.execute(sql, values)
                while rows := cur.fetchmany(batch):
                    yield from (dict(r) for r in rows)
            finally:
                conn.close()
            return
        pg = _connect_pg(self._target, autocommit=False)
        try:
            with pg.cursor(name="yibao_journal_stream") as server_cursor:
                server_cursor.itersize = batch
                server_cursor.execute(sql, values)
                yield from server_cursor
        finally:
            pg.close()

    def durability(self) -> dict[str, str]:
        """The settings read back from the server (for ``doctor`` and the tests)."""
        if self.dialect == "sqlite":
            names = ("journal_mode", "synchronous", "busy_timeout")
            return {name: str(next(iter(self.fetchall(f"PRAGMA {name}")[0].values()))).lower() for name in names}
        row = self.fetchone("SHOW synchronous_commit")
        return {"synchronous_commit": str(row["synchronous_commit"] if row else "")}

    # -- life ----------------------------------------------------------------------------
    def migrate(self) -> list[str]:
        """Apply the missing migrations under a cross-process lock; the names applied."""
        applied: list[str] = []
        with self.transaction():
            if self.dialect == "postgresql":
                self.execute(f"SELECT pg_advisory_xact_lock({self.p})", (_PG_MIGRATION_LOCK,))
            self.execute(
                "CREATE TABLE IF NOT EXISTS schema_version ("
                " name TEXT PRIMARY KEY, number INTEGER NOT NULL, applied_at TEXT NOT NULL)"
            )
            done = {r["name"] for r in self.fetchall("SELECT name FROM schema_version")}
            number = len(done)
            for migration in all_migrations():
                if migration.name in done:
                    continue
                for statement in split_statements(migration.sql(self.dialect)):
                    self.execute(statement)
                number += 1
                self.execute(
                    f"INSERT INTO schema_version (name, number, applied_at) VALUES ({self.marks(3)})",
                    (migration.name, number, datetime.now(UTC).isoformat(timespec="seconds")),
                )
                applied.append(migration.name)
        return applied

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock:
            if self._sqlite is not None:
                self._sqlite.close()
                self._sqlite = None
            if self._pg is not None:
                self._pg.close()
                self._pg = None
