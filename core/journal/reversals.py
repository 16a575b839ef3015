"""The reversal queue: which UNKNOWN outcomes are due a 2601, and which worker has them.

An UNKNOWN settlement is reversed by 2601 冲正交易 (national baseline 【2601】, ``omsgid`` =
its msgid) through store-and-forward: persisted, retried with capped backoff until the
centre acknowledges, surviving restarts (reliability.md §1 "Store-and-forward until acked").
The worker's policy (delay ≥15 s before the first try, backoff, NEEDS_ATTENTION after six
tries) lives in the workflow; this module only keeps the queue honest:

- due: state UNKNOWN or REVERSING, ``next_attempt_at`` unset or passed, no live lease;
  2601 rows themselves are never due (a lost 2601 is retried with a fresh msgid and the
  same ``omsgid``; the original stays REVERSING);
- claimed: a lease (``lease_owner``, ``lease_until``) written in the same transaction as the
  pick, PostgreSQL with ``FOR UPDATE SKIP LOCKED`` and SQLite under ``BEGIN IMMEDIATE``, so
  two workers never get one row; a dead worker's rows come back when the lease runs out;
- scheduled: the next attempt time, the attempt count and the last error, lease released.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ..catalog.kinds import REVERSAL_INFNO
from .db import Database
from .entry import Entry, entry_from_row, marks, select_entries, state_values
from .states import IllegalTransition, State

__all__ = ["REVERSAL_INFNO", "REVERSIBLE_STATES", "claim_due_reversals", "due_reversals", "schedule_reversal"]

#: States whose entries wait for (or are in) a 2601; a move out of them ends any lease.
REVERSIBLE_STATES = frozenset({State.UNKNOWN, State.REVERSING})


def _order(db: Database) -> str:
    return f"ORDER BY created_at, msgid LIMIT {db.p}"


def _due(db: Database, now: datetime) -> tuple[str, list[Any]]:
    states, p = state_values(REVERSIBLE_STATES), db.p
    where = (
        f"state IN ({marks(db, len(states))}) AND infno <> {p}"
        f" AND (next_attempt_at IS NULL OR next_attempt_at <= {p})"
        f" AND (lease_until IS NULL OR lease_until <= {p})"
    )
    return where, [*states, REVERSAL_INFNO, now, now]


def due_reversals(db: Database, now: datetime, limit: int = 100) -> list[Entry]:
    """The due entries, oldest first, without claiming them (for ``status`` and tests)."""
    where, params = _due(db, now)
    return select_entries(db, where, [*params, limit], _order(db))


def claim_due_reversals(
    db: Database, now: datetime, worker_id: str, lease_seconds: float, limit: int = 100
) -> list[Entry]:
    """Lease up to ``limit`` due entries to ``worker_id`` until ``now + lease_seconds``."""
    where, params = _due(db, now)
    until = now + timedelta(seconds=lease_seconds)
    with db.transaction():
        picked = db.fetchall(
            f"SELECT msgid FROM journal_entries WHERE {where} {_order(db)}{db.skip_locked}", [*params, limit]
        )
        ids = [r["msgid"] for r in picked]
        if not ids:
            return []
        db.execute(
            f"UPDATE journal_entries SET lease_owner = {db.p}, lease_until = {db.p}"
            f" WHERE msgid IN ({marks(db, len(ids))})",
            [worker_id, until, *ids],
        )
        return select_entries(db, f"msgid IN ({marks(db, len(ids))})", ids)


def schedule_reversal(
    db: Database,
    msgid: str,
    at: datetime,
    attempts: int,
    last_error: str | None,
    *,
    worker_id: str | None = None,
    now: datetime,
) -> Entry:
    """Store the next attempt of an UNKNOWN / REVERSING / NEEDS_ATTENTION entry and end its
    lease.  With ``worker_id`` only the lease holder may (a fenced lease: a worker whose lease
    expired and was taken over cannot overwrite the new holder's schedule)."""
    states = state_values({*REVERSIBLE_STATES, State.NEEDS_ATTENTION})
    p = db.p
    sql = (
        f"UPDATE journal_entries SET next_attempt_at = {p}, attempts = {p}, last_error = {p}, updated_at = {p},"
        f" lease_owner = NULL, lease_until = NULL WHERE msgid = {p} AND state IN ({marks(db, len(states))})"
    )
    params: list[Any] = [at, attempts, last_error, now, msgid, *states]
    if worker_id is not None:
        sql += f" AND lease_owner = {p}"
        params.append(worker_id)
    with db.transaction():
        changed = db.execute(sql, params)
        row = db.fetchone(f"SELECT * FROM journal_entries WHERE msgid = {p}", (msgid,))
    if row is None:
        raise IllegalTransition(msgid, (), State.REVERSING, None, reason="no such journal entry")
    entry = entry_from_row(row)
    if changed != 1:
        raise IllegalTransition(
            msgid, (), entry.state, entry.state,
            reason=f"cannot schedule a reversal: entry is {entry.state.value}, lease {entry.lease_owner}",
        )  # fmt: skip
    return entry
