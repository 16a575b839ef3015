"""Sign-in sessions (9001 签到 / 9002 签退) per operator, terminal and business day.

The centre's ``sign_no`` is needed on later messages; the journal keeps it so a restarted
process reuses the day's sign-in instead of signing in again (Yunnan guide: no second
sign-in on a day after sign-out; a new day needs a new sign-in; 9001 again while signed in
returns the current ``sign_no``).  Refusing a sign-in after the day's sign-out is the
workflow's decision: :meth:`Journal.get_session` shows ``state == "out"`` for that.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Literal

import attrs

from ..errors import StateError
from .db import Database

__all__ = ["Session", "get_session", "mark_signed_out", "save_session"]

SessionState = Literal["in", "out"]


@attrs.frozen(kw_only=True)
class Session:
    """One operator's sign-in at one terminal for one business day."""

    opter: str
    terminal: str
    business_date: date
    sign_no: str
    signed_in_at: datetime
    signed_out_at: datetime | None
    state: SessionState


def _session(row: dict[str, Any]) -> Session:
    def when(v: Any) -> datetime | None:
        if v is None:
            return None
        return (v if isinstance(v, datetime) else datetime.fromisoformat(str(v))).astimezone(UTC)

    signed_in = when(row["signed_in_at"])
    assert signed_in is not None
    return Session(
        opter=row["opter"],
        terminal=row["terminal"],
        business_date=date.fromisoformat(str(row["business_date"])),
        sign_no=row["sign_no"],
        signed_in_at=signed_in,
        signed_out_at=when(row["signed_out_at"]),
        state="out" if row["state"] == "out" else "in",
    )


_SELECT = "SELECT * FROM journal_sessions WHERE opter = {p} AND terminal = {p} AND business_date = {p}"


def get_session(db: Database, opter: str, terminal: str, business_date: date) -> Session | None:
    """The day's session, signed in or out, or ``None`` when there was no 9001 that day."""
    row = db.fetchone(_SELECT.format(p=db.p), (opter, terminal, business_date))
    return None if row is None else _session(row)


def save_session(
    db: Database, opter: str, terminal: str, business_date: date, sign_no: str, signed_in_at: datetime
) -> Session:
    """Record the ``sign_no`` a 9001 returned (replacing that day's earlier one)."""
    with db.transaction():
        db.execute(
            "INSERT INTO journal_sessions (opter, terminal, business_date, sign_no, signed_in_at,"
            f" signed_out_at, state) VALUES ({db.marks(5)}, NULL, 'in')"
            " ON CONFLICT (opter, terminal, business_date) DO UPDATE SET sign_no = excluded.sign_no,"
            " signed_in_at = excluded.signed_in_at, signed_out_at = NULL, state = 'in'",
            (opter, terminal, business_date, sign_no, signed_in_at),
        )
        row = db.fetchone(_SELECT.format(p=db.p), (opter, terminal, business_date))
    assert row is not None
    return _session(row)


def mark_signed_out(db: Database, opter: str, terminal: str, business_date: date, at: datetime) -> Session:
    """Record the day's 9002; raises :class:`StateError` when there is no sign-in to end."""
    with db.transaction():
        changed = db.execute(
            f"UPDATE journal_sessions SET state = 'out', signed_out_at = {db.p}"
            f" WHERE opter = {db.p} AND terminal = {db.p} AND business_date = {db.p}",
            (at, opter, terminal, business_date),
        )
        row = db.fetchone(_SELECT.format(p=db.p), (opter, terminal, business_date))
    if not changed or row is None:
        raise StateError(f"no sign-in session for operator {opter} at {terminal} on {business_date}")
    return _session(row)
