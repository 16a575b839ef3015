"""Writers of one SQLite journal in one process queue on a lock of their own before SQLite's
write lock (core/journal/sqlite_file.py), so none of them waits in SQLite's polling busy
handler; one that waited the whole busy timeout goes on to SQLite as before."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from yibao.core.journal import sqlite_file
from yibao.core.journal.db import Database

THREADS = 8
WRITES = 25


def _table(url: str) -> None:
    db = Database(url)
    db.execute("CREATE TABLE IF NOT EXISTS w (thread INTEGER, n INTEGER, PRIMARY KEY (thread, n))")
    db.close()


def _impatient(url: str) -> Database:
    """A connection whose SQLite busy handler gives up at once: any wait for the file's write
    lock inside SQLite is an error ("database is locked") instead of a poll."""
    db = Database(url)
    assert db._sqlite is not None
    db._sqlite.execute("PRAGMA busy_timeout = 0")
    return db


def test_threads_of_one_process_never_meet_sqlites_busy_handler(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'j.db'}"
    _table(url)
    errors: list[str] = []
    start = threading.Barrier(THREADS)

    def writer(t: int) -> None:
        db = _impatient(url)
        try:
            start.wait()
            for n in range(WRITES):
                if n % 2:
                    with db.transaction():  # a read-then-write unit, held a moment
                        db.fetchall("SELECT count(*) FROM w")
                        time.sleep(0.001)
                        db.execute(f"INSERT INTO w VALUES ({db.p}, {db.p})", (t, n))
                else:  # a write in autocommit
                    db.execute(f"INSERT INTO w VALUES ({db.p}, {db.p})", (t, n))
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            db.close()

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert errors == []
    check = Database(url)
    try:
        assert check.fetchone("SELECT count(*) AS n FROM w") == {"n": THREADS * WRITES}
    finally:
        check.close()


def test_a_writer_that_waited_the_busy_timeout_goes_on_to_sqlite(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The queue never waits longer than SQLite itself would: here its lock is held by a thread
    that never writes, and the write still lands once the (shortened) busy timeout is over."""
    url = f"sqlite:///{tmp_path / 'j.db'}"
    _table(url)
    monkeypatch.setattr(sqlite_file, "BUSY_TIMEOUT_MS", 300)
    queue = sqlite_file.writer_queue(str(tmp_path / "j.db"))
    held, done = threading.Event(), threading.Event()

    def holder() -> None:
        with queue:
            held.set()
            done.wait(30)

    threading.Thread(target=holder, daemon=True).start()
    assert held.wait(5)
    db = Database(url)
    try:
        t0 = time.monotonic()
        assert db.execute(f"INSERT INTO w VALUES ({db.p}, {db.p})", (1, 1)) == 1
        waited = time.monotonic() - t0
        assert db.fetchone("SELECT count(*) AS n FROM w") == {"n": 1}
    finally:
        done.set()
        db.close()
    assert waited >= 0.3


def test_one_queue_per_file(tmp_path: Path) -> None:
    """Two spellings of one file share a queue; another file has its own."""
    (tmp_path / "sub").mkdir()
    a = sqlite_file.writer_queue(str(tmp_path / "j.db"))
    assert sqlite_file.writer_queue(str(tmp_path / "sub" / ".." / "j.db")) is a
    assert sqlite_file.writer_queue(str(tmp_path / "k.db")) is not a
