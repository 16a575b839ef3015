"""The online component's tables in the journal's database (registered migrations).

Rows of their own, beside ``journal_entries``: the national reversal queue must never send a
2601 for a 6202 (an online order is resolved by 6301, then undone by 6401 or 6203), and an
order has a life of its own (upload, order, payment, notice, refunds) that one message row
cannot hold.

- ``online_orders``: one row per order, keyed by the HIS's ``medOrgOrd`` (医疗机构订单号):
  the centre's ``payOrdId`` / ``payToken``, the local state (:mod:`.states`), the centre's
  last ``ordStas``, the split and what has been refunded.
- ``online_messages``: one row per state-changing message to an online party, committed
  INTENT+SENT before its bytes leave, then its outcome.  At most one money message (6202,
  6203, 6401) of an order is open (INTENT / SENT / UNKNOWN) at any time: a unique index
  refuses the second, whichever process or terminal tries.
- ``online_notices``: the digest of every pushed notice accepted, so a replay is refused.
- ``online_outbox``: HIS callbacks (结算结果确认) kept until the HIS takes them.

Money is exact decimal TEXT on SQLite and ``NUMERIC(16,2)`` on PostgreSQL; times are ISO-8601
UTC text on both.  Every write is one transaction of the journal's :class:`Database`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from .. import wire
from ..journal import Journal, register_migration
from ..journal.db import Database, DuplicateRow
from .seal import Sealer

__all__ = ["MONEY", "DuplicateRow", "OnlineStore", "utc_now"]

MONEY = ("fee_sumamt", "own_pay_amt", "psn_acct_pay", "fund_pay", "refd_total", "refd_cash", "refd_acct",
         "refd_fund")
_ROW_JSON = ("order_input", "person", "output")


def _tables(money: str) -> str:
    return f"""
CREATE TABLE IF NOT EXISTS online_orders (
    med_org_ord    TEXT PRIMARY KEY,
    region         TEXT NOT NULL,
    fixmedins_code TEXT NOT NULL,
    psn_no         TEXT,
    mdtrt_id       TEXT,
    chrg_bchno     TEXT,
    pay_ord_id     TEXT,
    pay_token      TEXT,
    state          TEXT NOT NULL,
    ord_stas       TEXT,
    fee_sumamt     {money},
    own_pay_amt    {money},
    psn_acct_pay   {money},
    fund_pay       {money},
    refd_total     {money} NOT NULL DEFAULT 0,
    refd_cash      {money} NOT NULL DEFAULT 0,
    refd_acct      {money} NOT NULL DEFAULT 0,
    refd_fund      {money} NOT NULL DEFAULT 0,
    settled_by     TEXT,
    trace_time     TEXT,
    setl_type      TEXT,
    order_input    TEXT NOT NULL,
    person         TEXT NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    notes          TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS online_orders_pay_ord_id ON online_orders (pay_ord_id);
CREATE INDEX IF NOT EXISTS online_orders_state ON online_orders (state);
CREATE TABLE IF NOT EXISTS online_messages (
    msg_id       TEXT PRIMARY KEY,
    med_org_ord  TEXT,
    interface    TEXT NOT NULL,
    kind         TEXT NOT NULL,
    state        TEXT NOT NULL,
    prev_state   TEXT,
    biz_ser      TEXT,
    input_full   TEXT NOT NULL,
    input_masked TEXT NOT NULL,
    output       TEXT,
    err_msg      TEXT,
    code         INTEGER,
    refd_total   {money},
    refd_cash    {money},
    refd_acct    {money},
    refd_fund    {money},
    attempts     INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL,
    sent_at      TEXT,
    outcome_at   TEXT
);
CREATE INDEX IF NOT EXISTS online_messages_order ON online_messages (med_org_ord, interface);
CREATE UNIQUE INDEX IF NOT EXISTS online_messages_open ON online_messages (med_org_ord)
    WHERE kind = 'money' AND state IN ('INTENT', 'SENT', 'UNKNOWN');
CREATE TABLE IF NOT EXISTS online_notices (
    digest      TEXT PRIMARY KEY,
    interface   TEXT NOT NULL,
    pay_ord_id  TEXT,
    outcome     TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS online_outbox (
    name            TEXT NOT NULL,
    med_org_ord     TEXT NOT NULL,
    payload         TEXT NOT NULL,
    state           TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    answer          TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (name, med_org_ord)
)
"""


register_migration("online.0001.tables", _tables("TEXT"), _tables("NUMERIC(16,2)"))


def utc_now() -> str:
    """Now as the tables keep it: ISO-8601 UTC text, fixed width (orders like time)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


#: JSON columns that may hold personal data: sealed at rest (:mod:`.seal`); ``input_masked`` is
#: the readable, masked copy.
SEALED = frozenset({*_ROW_JSON, "input_full", "payload", "answer"})


def _value(key: str, value: Any, sealer: Sealer | None) -> Any:
    if isinstance(value, Mapping | list):
        return sealer.seal(value) if sealer is not None and key in SEALED else wire.dumps(value)
    return value


def _row(raw: Mapping[str, Any] | None, sealer: Sealer | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    row = dict(raw)
    for key in MONEY:
        if row.get(key) is not None:
            row[key] = Decimal(str(row[key]))
    for key in (*_ROW_JSON, "input_full", "input_masked", "payload", "answer"):
        text = row.get(key)
        if isinstance(text, str) and text:
            row[key] = sealer.open(text) if sealer is not None else wire.loads(text)
    return row


class OnlineStore:
    """The online tables on the journal's connection (one per client, thread-safe as it is)."""

    def __init__(self, journal: Journal, sealer: Sealer | None = None) -> None:
        self.journal = journal
        self.db: Database = journal.database
        self.sealer = sealer

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.db.transaction():
            yield

    def _where(self, filters: Mapping[str, Any]) -> tuple[str, list[Any]]:
        p = self.db.p
        return " AND ".join(f"{k} = {p}" for k in filters) or "1 = 1", list(filters.values())

    # ------------------------------------------------------------------ generic
    def insert(self, table: str, row: Mapping[str, Any]) -> None:
        """Insert one row (``DuplicateRow`` when a unique key refuses it)."""
        cols = ", ".join(row)
        self.db.execute(f"INSERT INTO {table} ({cols}) VALUES ({self.db.marks(len(row))})",
                        [_value(k, v, self.sealer) for k, v in row.items()])

    def update(self, table: str, key: Mapping[str, Any], values: Mapping[str, Any],
               states: Sequence[str] | None = None) -> bool:
        """Set ``values`` on the row of ``key`` (compare-and-set on ``state`` when ``states``
        is given); whether a row changed."""
        p = self.db.p
        where, params = self._where(key)
        if states is not None:
            where += f" AND state IN ({self.db.marks(len(states))})"
            params += list(states)
        sets = ", ".join(f"{k} = {p}" for k in values)
        return self.db.execute(f"UPDATE {table} SET {sets} WHERE {where}",
                               [*(_value(k, v, self.sealer) for k, v in values.items()), *params]) == 1

    def one(self, table: str, **key: Any) -> dict[str, Any] | None:
        where, params = self._where(key)
        row = self.db.fetchone(f"SELECT * FROM {table} WHERE {where}{self.db.for_update}", params)
        return _row(row, self.sealer)

    def many(self, table: str, order: str = "created_at", limit: int = 1000, **filters: Any) -> list[dict[str, Any]]:
        where, params = self._where(filters)
        rows = self.db.fetchall(f"SELECT * FROM {table} WHERE {where} ORDER BY {order} LIMIT {int(limit)}", params)
        return [r for r in (_row(x, self.sealer) for x in rows) if r is not None]

    def in_states(self, table: str, states: Sequence[str]) -> list[dict[str, Any]]:
        rows = self.db.fetchall(f"SELECT * FROM {table} WHERE state IN ({self.db.marks(len(states))}) "
                                "ORDER BY created_at", list(states))
        return [r for r in (_row(x, self.sealer) for x in rows) if r is not None]

    # ------------------------------------------------------------------ notices
    def remember_notice(self, digest: str, interface: str, pay_ord_id: str, outcome: str) -> bool:
        """Record a notice's digest; ``False`` when it was seen before (a replay)."""
        try:
            with self.db.transaction():
                self.insert("online_notices", {"digest": digest, "interface": interface, "pay_ord_id": pay_ord_id,
                                               "outcome": outcome, "received_at": utc_now()})
        except DuplicateRow:
            return False
        return True

    def forget_notice(self, digest: str) -> None:
        """A notice that could not be applied (the order was busy): its retry may come again."""
        self.db.execute(f"DELETE FROM online_notices WHERE digest = {self.db.p}", (digest,))
