"""The service's own tables, in the journal's database (shared by every instance on it).

Registered as journal migrations (:func:`yibao.core.journal.register_migration`) when this module
is imported, which :mod:`yibao.core.service` does before it opens the client, so they exist in
SQLite and PostgreSQL journals alike and survive restarts:

- ``service_idempotency``: one row per ``Idempotency-Key`` (contract "``yibao serve``" →
  Idempotency): the fingerprint of the request, then its stored response (:mod:`.idempotency`);
- ``service_instances``: every running instance and its heartbeat, so a request a killed
  instance held can be told from a live one, on any host;
- ``service_leases``: named leases; ``reversals`` is held by the one instance that runs the
  reversal queue (:mod:`.leader`);
- ``service_fee_batches``: the fee batches uploaded through the service (2204 split sums, 2301
  totals), so that any instance can pre-settle and settle a visit another instance started.

Times are written as aware UTC datetimes; the journal's driver layer stores them as ISO text on
SQLite and TIMESTAMPTZ on PostgreSQL (``journal/schema.py`` "Types").
"""

from __future__ import annotations

import os
import secrets
import socket
from datetime import UTC, datetime, timedelta
from typing import Any

from ..journal import register_migration
from ..journal.db import Database
from ..journal.owners import holder_gone

__all__ = ["Instances", "parse_time", "utcnow"]


def _tables(ts: str) -> str:
    return f"""
CREATE TABLE IF NOT EXISTS service_idempotency (
    idem_key      TEXT PRIMARY KEY,
    fingerprint   TEXT NOT NULL,
    route         TEXT NOT NULL,
    terminal      TEXT NOT NULL,
    state         TEXT NOT NULL,
    status_code   INTEGER,
    content_type  TEXT,
    body          TEXT,
    msgid         TEXT,
    owner         TEXT NOT NULL,
    created_at    {ts} NOT NULL,
    updated_at    {ts} NOT NULL
);
CREATE INDEX IF NOT EXISTS service_idempotency_updated ON service_idempotency (state, updated_at);
CREATE TABLE IF NOT EXISTS service_instances (
    instance_id   TEXT PRIMARY KEY,
    host          TEXT NOT NULL,
    pid           INTEGER NOT NULL,
    started_at    {ts} NOT NULL,
    heartbeat_at  {ts} NOT NULL
);
CREATE TABLE IF NOT EXISTS service_leases (
    name          TEXT PRIMARY KEY,
    holder        TEXT NOT NULL,
    until_at      {ts} NOT NULL
);
CREATE TABLE IF NOT EXISTS service_fee_batches (
    mdtrt_id      TEXT NOT NULL,
    chrg_bchno    TEXT NOT NULL,
    kind          TEXT NOT NULL,
    sums          TEXT NOT NULL,
    revoked       INTEGER NOT NULL DEFAULT 0,
    created_at    {ts} NOT NULL,
    PRIMARY KEY (mdtrt_id, chrg_bchno)
)
"""


register_migration("service.0001.tables", _tables("TEXT"), _tables("TIMESTAMPTZ"))


def utcnow() -> datetime:
    return datetime.now(UTC)


def parse_time(value: Any) -> datetime | None:
    """A time column as an aware UTC datetime (SQLite gives ISO text, PostgreSQL a datetime)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return None


class Instances:
    """This instance's row in ``service_instances``, and who else is alive.

    An instance is alive while its heartbeat is younger than ``ttl`` seconds.  The heartbeat is
    beaten by :class:`~yibao.core.service.leader.Leader` every third of ``ttl``.
    """

    def __init__(self, db: Database, ttl: float) -> None:
        self._db = db
        self.ttl = ttl
        self.host = socket.gethostname()
        self.pid = os.getpid()
        #: unique across restarts and hosts (a pid is reused; host:pid:random is not)
        self.instance_id = f"{self.host}:{self.pid}:{secrets.token_hex(4)}"

    def register(self) -> None:
        now, p = utcnow(), self._db.p
        self._db.execute(
            "INSERT INTO service_instances (instance_id, host, pid, started_at, heartbeat_at)"
            f" VALUES ({p}, {p}, {p}, {p}, {p})", (self.instance_id, self.host, self.pid, now, now))

    def beat(self) -> None:
        p = self._db.p
        self._db.execute(f"UPDATE service_instances SET heartbeat_at = {p} WHERE instance_id = {p}",
                         (utcnow(), self.instance_id))

    def leave(self) -> None:
        self._db.execute(f"DELETE FROM service_instances WHERE instance_id = {self._db.p}", (self.instance_id,))

    def is_alive(self, instance_id: str) -> bool:
        """Whether ``instance_id`` is a running instance (this one always is).

        Dead: no row, a heartbeat older than ``ttl``, or a process of this host that no longer
        exists (a SIGKILL is seen at once, not after the heartbeat ages)."""
        if instance_id == self.instance_id:
            return True
        row = self._db.fetchone("SELECT host, pid, heartbeat_at FROM service_instances"
                                f" WHERE instance_id = {self._db.p}", (instance_id,))
        if row is None:
            return False
        beat = parse_time(row["heartbeat_at"])
        if beat is None or utcnow() - beat > timedelta(seconds=self.ttl):
            return False
        return not holder_gone(str(row["host"]), int(row["pid"]))

    def count_alive(self) -> int:
        since = utcnow() - timedelta(seconds=self.ttl)
        row = self._db.fetchone(f"SELECT COUNT(*) AS n FROM service_instances WHERE heartbeat_at >= {self._db.p}",
                                (since,))
        return int(row["n"]) if row else 0
