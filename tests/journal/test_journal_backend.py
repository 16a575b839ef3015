"""Opening the journal: URLs, durability settings read back, migrations run once."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from yibao.core.errors import ConfigurationError
from yibao.core.journal import open_journal, schema
from yibao.core.journal.db import Database
from yibao.core.journal.sqlite_file import BUSY_TIMEOUT_MS, connect_sqlite

FORK = multiprocessing.get_context("fork")


def _versions(url: str) -> list[tuple[str, int]]:
    db = Database(url)
    try:
        rows = db.fetchall("SELECT name, number FROM schema_version ORDER BY number")
    finally:
        db.close()
    return [(r["name"], int(r["number"])) for r in rows]


def test_sqlite_durability_is_read_back(tmp_path: Path) -> None:
    """A SQLite journal runs in WAL mode with synchronous=FULL and the busy timeout in force."""
    with open_journal(f"sqlite:///{tmp_path / 'j.db'}") as j:
        assert j.durability() == {
            "journal_mode": "wal",
            "synchronous": "2",
            "busy_timeout": str(BUSY_TIMEOUT_MS),
        }


def test_sqlite_refuses_a_database_without_wal() -> None:
    """A database where WAL cannot be set (in-memory) is refused at connect, not used."""
    with pytest.raises(ConfigurationError, match="journal_mode=memory"):
        connect_sqlite(":memory:")


def test_sqlite_file_is_owner_only(tmp_path: Path) -> None:
    """A new journal file is created readable by its owner only (it holds full payloads)."""
    path = tmp_path / "private.db"
    open_journal(f"sqlite:///{path}").close()
    assert path.stat().st_mode & 0o077 == 0


@pytest.mark.postgres
def test_postgres_synchronous_commit_is_on(pg_url: str) -> None:
    """On PostgreSQL every commit waits for the WAL flush (synchronous_commit=on)."""
    with open_journal(pg_url) as j:
        assert j.durability() == {"synchronous_commit": "on"}
        assert j.dialect == "postgresql"


def test_relative_sqlite_path_is_relative_to_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``sqlite:///name.db`` is a file in the current directory."""
    monkeypatch.chdir(tmp_path)
    open_journal("sqlite:///relative-journal.db").close()
    assert (tmp_path / "relative-journal.db").is_file()


@pytest.mark.parametrize("url", ["mysql://x/y", "sqlite:///", "sqlite:///:memory:", "journal.db"])
def test_bad_urls_name_the_key(url: str) -> None:
    """An unusable journal.url is a configuration error that names the key."""
    with pytest.raises(ConfigurationError) as info:
        open_journal(url)
    assert info.value.key == "journal.url"


def test_unreachable_postgres_is_a_configuration_error() -> None:
    """A PostgreSQL URL nobody answers on fails with the key named, not a driver traceback."""
    with pytest.raises(ConfigurationError, match="cannot connect"):
        open_journal("postgresql://postgres@127.0.0.1:1/test?connect_timeout=2")


def test_migrations_are_idempotent(journal_url: str) -> None:
    """Opening twice applies each migration once; the second open applies nothing."""
    open_journal(journal_url).close()
    first = _versions(journal_url)
    assert [name for name, _ in first] == [m.name for m in schema.all_migrations()]
    assert [n for _, n in first] == list(range(1, len(first) + 1))
    db = Database(journal_url)
    try:
        assert db.migrate() == []
    finally:
        db.close()
    open_journal(journal_url).close()
    assert _versions(journal_url) == first


def _open_and_close(url: str, start: multiprocessing.synchronize.Event) -> None:
    start.wait(10)
    open_journal(url).close()


def test_migrations_from_several_processes_at_once(journal_url: str) -> None:
    """Six processes opening a fresh journal together all succeed and each step runs once."""
    start = FORK.Event()
    procs = [FORK.Process(target=_open_and_close, args=(journal_url, start)) for _ in range(6)]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0] * 6
    names = [name for name, _ in _versions(journal_url)]
    assert names == [m.name for m in schema.all_migrations()]


def test_registered_migration_runs_after_the_core(journal_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A component's registered migration creates its table at the next open, once."""
    monkeypatch.setattr(schema, "_registered", {})
    sql = "CREATE TABLE IF NOT EXISTS probe_items (code TEXT PRIMARY KEY, body TEXT NOT NULL)"
    schema.register_migration("probe.0001.items", sql, sql)
    schema.register_migration("probe.0001.items", sql, sql)  # a re-import is harmless
    with pytest.raises(ValueError, match="other SQL"):
        schema.register_migration("probe.0001.items", sql + " ", sql)
    with pytest.raises(ValueError):
        schema.register_migration("no-number", sql, sql)
    open_journal(journal_url).close()
    open_journal(journal_url).close()
    versions = _versions(journal_url)
    assert versions[-1] == ("probe.0001.items", len(schema.CORE_MIGRATIONS) + 1)
    db = Database(journal_url)
    try:
        db.execute(f"INSERT INTO probe_items (code, body) VALUES ({db.p}, {db.p})", ("a", "b"))
        assert db.fetchall("SELECT code, body FROM probe_items") == [{"code": "a", "body": "b"}]
    finally:
        db.close()


def test_sqlite_money_columns_hold_text(tmp_path: Path) -> None:
    """On SQLite the amount columns store the decimal digits as TEXT, never REAL."""
    path = tmp_path / "j.db"
    open_journal(f"sqlite:///{path}").close()
    conn = sqlite3.connect(path)
    try:
        cols = {row[1]: row[2] for row in conn.execute("PRAGMA table_info(journal_entries)")}
    finally:
        conn.close()
    assert cols["medfee_sumamt"] == "TEXT"
    assert cols["psn_cash_pay"] == "TEXT"


def test_one_journal_shared_by_threads(journal_url: str) -> None:
    """Eight threads sharing one journal (a server's thread pool) interleave safely."""
    from concurrent.futures import ThreadPoolExecutor

    from journal_support import CODE, body

    from yibao.core.journal import State
    from yibao.core.masking import mask_input

    with open_journal(journal_url) as j:

        def work(n: int) -> str:
            msgid = j.allocate_msgid(CODE, "T01")
            data = body(f"P{n}")
            j.record_intent(
                msgid=msgid, infno="2207", region="440000", fixmedins_code=CODE, opter="0001", terminal=f"T{n}",
                input_full=data, input_masked=mask_input(data), kind="money", psn_no=f"P{n}",
            )  # fmt: skip
            j.mark_sent(msgid)
            j.record_outcome(msgid, State.SUCCEEDED, medfee_sumamt=f"{n}.01")
            return msgid

        with ThreadPoolExecutor(8) as pool:
            msgids = list(pool.map(work, range(200)))
        assert len(set(msgids)) == 200
        done = j.list(state=State.SUCCEEDED, limit=1000)
        assert sorted(e.msgid for e in done) == sorted(msgids)
