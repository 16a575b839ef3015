"""Opening a SQLite journal file, and the queue its writers in one process wait in.

Durability is checked, not hoped for (reliability.md §1 "Durable local store"): the file must
answer ``journal_mode=wal``, ``synchronous=2`` (FULL: each commit is fsynced; NORMAL may lose
the last commits on power loss) and the busy timeout we set, or opening fails.

SQLite lets one writer at a time hold a file.  A writer that finds it taken is held by SQLite's
busy handler, which polls: it sleeps 1, 2, 5 ... up to 100 ms between tries and wakes in no
order.  With a dozen terminals of one ``yibao serve`` settling at once, that polling, not the
work, set the slowest settlement (p99 over 800 ms in ``bench/service.py`` (c)).  So the writers
of one process first queue on a lock of their own per file (:func:`writer_queue`), woken the
moment the write before them commits; SQLite's busy handler is left to arbitrate between
processes only.  The lock is re-entrant: a thread already writing that reaches the file through
a second connection goes on to SQLite, which answers as it always did.
"""

from __future__ import annotations

import contextlib
import os
import random
import sqlite3
import threading
import time
from collections.abc import Iterator

from ..errors import ConfigurationError

__all__ = ["BUSY_TIMEOUT_MS", "URL_KEY", "connect_sqlite", "queued_writer", "writer_queue"]

BUSY_TIMEOUT_MS = 30_000
URL_KEY = "journal.url"

_queues: dict[str, threading.RLock] = {}
_queues_guard = threading.Lock()


def writer_queue(path: str) -> threading.RLock:
    """The lock every writer of ``path`` in this process takes before SQLite's write lock."""
    key = os.path.realpath(path)
    with _queues_guard:
        lock = _queues.get(key)
        if lock is None:
            lock = _queues[key] = threading.RLock()
        return lock


@contextlib.contextmanager
def queued_writer(lock: threading.RLock | None) -> Iterator[None]:
    """Hold ``lock`` (from :func:`writer_queue`) around one write; ``None`` holds nothing.

    A writer that waited the whole busy timeout goes on without the lock: it then meets SQLite's
    busy handler as before, so no wait here can last longer than SQLite's own would have."""
    if lock is None:
        yield
        return
    held = lock.acquire(timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        yield
    finally:
        if held:
            lock.release()


def _set_wal(conn: sqlite3.Connection, attempts: int = 100) -> None:
    # Switching a fresh file to WAL takes an exclusive lock for which SQLite does not call the
    # busy handler: several processes opening a new journal at once must take turns here.
    for n in range(attempts):
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or n == attempts - 1:
                raise
            time.sleep(0.05 + random.random() * 0.05)


def connect_sqlite(path: str) -> sqlite3.Connection:
    """A connection to the journal file at ``path`` (created owner-only), its durability read back."""
    if path != ":memory:" and not os.path.exists(path):
        # The journal keeps full payloads (ID numbers, diagnoses): owner-only from birth.
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
    try:
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _set_wal(conn)
        conn.execute("PRAGMA synchronous = FULL")
        mode = str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()
        sync = int(conn.execute("PRAGMA synchronous").fetchone()[0])
        busy = int(conn.execute("PRAGMA busy_timeout").fetchone()[0])
    except sqlite3.Error as exc:
        conn.close()
        raise ConfigurationError(URL_KEY, f"cannot open SQLite journal {path!r}: {exc}") from exc
    if (mode, sync, busy) != ("wal", 2, BUSY_TIMEOUT_MS):
        conn.close()
        raise ConfigurationError(
            URL_KEY,
            f"SQLite journal {path!r} is not durable: journal_mode={mode} synchronous={sync} "
            f"busy_timeout={busy} (need wal, 2=FULL, {BUSY_TIMEOUT_MS})",
        )
    return conn
