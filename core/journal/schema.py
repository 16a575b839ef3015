"""The journal's schema: plain SQL, one numbered migration list for SQLite and PostgreSQL.

Each migration has a stable name and two texts (SQLite, PostgreSQL).  The names applied are
kept in ``schema_version``; :func:`yibao.core.journal.open_journal` applies the missing ones
at open, in order, inside one locked transaction (SQLite ``BEGIN IMMEDIATE``; PostgreSQL a
transaction-scoped advisory lock), so several processes opening the same journal at once
apply each migration exactly once.

Other components (catalogue store, reconciliation) add their own tables by registering
migrations at import time of their module, before the journal is opened::

    from yibao.core.journal.schema import register_migration

    register_migration(
        "catalog.0001.items",
        "CREATE TABLE IF NOT EXISTS catalog_items (code TEXT PRIMARY KEY, body TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS catalog_items (code TEXT PRIMARY KEY, body TEXT NOT NULL)",
    )

Rules: the name is ``<component>.<NNNN>.<slug>`` and never changes once released; a
released migration's SQL never changes (add a new one instead); statements are separated by
``;`` and contain none inside (no triggers); the SQL uses no ``%`` and no ``?``.  The journal's
own migrations run first, then registered ones sorted by name, so a component's NNNN orders
its own steps.

Types: money is exact decimal TEXT on SQLite (the column has TEXT affinity, so SQLite never
turns it into a float) and ``NUMERIC(16,2)`` on PostgreSQL; times are ISO-8601 UTC TEXT on
SQLite and ``TIMESTAMPTZ`` on PostgreSQL; ``setl_time`` is the centre's wall-clock
``yyyy-MM-dd HH:mm:ss`` as TEXT on both (reconciliation groups by the centre's day);
JSON columns are TEXT written by :func:`yibao.core.wire.dumps` so amounts keep their digits.
"""

from __future__ import annotations

import attrs

__all__ = ["CORE_MIGRATIONS", "Migration", "all_migrations", "register_migration", "split_statements"]


@attrs.frozen
class Migration:
    """One schema step: a stable name and its SQL for each backend."""

    name: str
    sqlite: str
    postgres: str

    def sql(self, dialect: str) -> str:
        """The text for ``dialect`` (``"sqlite"`` or ``"postgresql"``)."""
        return self.sqlite if dialect == "sqlite" else self.postgres


def _entries_sql(money: str, ts: str) -> str:
    # One table for every journaled message; money and time types differ by backend only.
    return f"""
CREATE TABLE IF NOT EXISTS journal_entries (
    msgid           TEXT PRIMARY KEY,
    infno           TEXT NOT NULL,
    region          TEXT NOT NULL,
    fixmedins_code  TEXT NOT NULL,
    opter           TEXT NOT NULL,
    terminal        TEXT NOT NULL,
    kind            TEXT NOT NULL,
    state           TEXT NOT NULL,
    psn_no          TEXT,
    mdtrt_id        TEXT,
    setl_id         TEXT,
    chrg_bchno      TEXT,
    insuplc_admdvs  TEXT,
    idem_key        TEXT,
    omsgid          TEXT,
    oinfno          TEXT,
    reversal_of     TEXT,
    reversed_by     TEXT,
    input_full      TEXT NOT NULL,
    input_masked    TEXT NOT NULL,
    output          TEXT,
    err_msg         TEXT,
    infcode         INTEGER,
    inf_refmsgid    TEXT,
    last_error      TEXT,
    medfee_sumamt   {money},
    fund_pay_sumamt {money},
    acct_pay        {money},
    psn_cash_pay    {money},
    insutype        TEXT,
    med_type        TEXT,
    clr_type        TEXT,
    clr_optins      TEXT,
    clr_way         TEXT,
    setl_time       TEXT,
    business_date   TEXT NOT NULL,
    created_at      {ts} NOT NULL,
    updated_at      {ts} NOT NULL,
    sent_at         {ts},
    outcome_at      {ts},
    next_attempt_at {ts},
    attempts        INTEGER NOT NULL DEFAULT 0,
    lease_owner     TEXT,
    lease_until     {ts}
);
CREATE INDEX IF NOT EXISTS journal_entries_state ON journal_entries (state);
CREATE INDEX IF NOT EXISTS journal_entries_psn_no ON journal_entries (psn_no);
CREATE INDEX IF NOT EXISTS journal_entries_setl_id ON journal_entries (setl_id);
CREATE INDEX IF NOT EXISTS journal_entries_due ON journal_entries (state, next_attempt_at);
CREATE INDEX IF NOT EXISTS journal_entries_setl_time ON journal_entries (setl_time);
CREATE INDEX IF NOT EXISTS journal_entries_omsgid ON journal_entries (omsgid)
"""


def _support_sql(ts: str) -> str:
    # Sign-in sessions (9001/9002), edge idempotency keys, and the msgid allocator's counter.
    return f"""
CREATE TABLE IF NOT EXISTS journal_sessions (
    opter          TEXT NOT NULL,
    terminal       TEXT NOT NULL,
    business_date  TEXT NOT NULL,
    sign_no        TEXT NOT NULL,
    signed_in_at   {ts} NOT NULL,
    signed_out_at  {ts},
    state          TEXT NOT NULL,
    PRIMARY KEY (opter, terminal, business_date)
);
CREATE TABLE IF NOT EXISTS journal_idem_keys (
    idem_key     TEXT PRIMARY KEY,
    fingerprint  TEXT NOT NULL,
    status       TEXT NOT NULL,
    result       TEXT,
    created_at   {ts} NOT NULL,
    updated_at   {ts} NOT NULL
);
CREATE TABLE IF NOT EXISTS journal_msgid_counter (
    fixmedins_code  TEXT PRIMARY KEY,
    last_second     TEXT NOT NULL,
    last_seq        INTEGER NOT NULL
)
"""


# One open money message per visit (reliability.md §2 case 11, "two terminals, one visit"):
# a second settlement of the same mdtrt_id cannot even be journaled while the first is in
# flight or unresolved, whichever process or terminal tries.  Pharmacy 2102 rows have no
# mdtrt_id (NULLs never collide); 2601 rows are left out (they share the original's visit).
_GUARDS_SQL = """
CREATE INDEX IF NOT EXISTS journal_entries_idem_key ON journal_entries (idem_key);
CREATE UNIQUE INDEX IF NOT EXISTS journal_entries_open_visit ON journal_entries (mdtrt_id)
    WHERE kind = 'money' AND infno <> '2601'
    AND state IN ('INTENT', 'SENT', 'UNKNOWN', 'REVERSING', 'NEEDS_ATTENTION')
"""

_KEY_OWNER_SQL = "ALTER TABLE journal_idem_keys ADD COLUMN owner VARCHAR(120)"

_PERSON_STATE_SQL = "CREATE INDEX IF NOT EXISTS journal_entries_psn_state ON journal_entries (psn_no, state)"

_NOTES_SQL = "ALTER TABLE journal_entries ADD COLUMN notes TEXT"

_TERMINALS_SQL = """
CREATE TABLE IF NOT EXISTS journal_msgid_terminals (
    fixmedins_code  TEXT NOT NULL,
    terminal        TEXT NOT NULL,
    last_second     TEXT NOT NULL,
    last_seq        INTEGER NOT NULL,
    PRIMARY KEY (fixmedins_code, terminal)
)
"""

CORE_MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        "journal.0001.entries",
        _entries_sql("TEXT", "TEXT"),
        _entries_sql("NUMERIC(16,2)", "TIMESTAMPTZ"),
    ),
    Migration("journal.0002.support", _support_sql("TEXT"), _support_sql("TIMESTAMPTZ")),
    Migration("journal.0003.guards", _GUARDS_SQL, _GUARDS_SQL),
    # Who holds an in-progress idempotency key (host:pid), so a claim left by a killed process
    # on this host is recognised at once instead of by age.
    Migration("journal.0004.key_owner", _KEY_OWNER_SQL, _KEY_OWNER_SQL),
    # The person guard before every settlement asks for a person's unresolved rows: a regular
    # patient has thousands of settled ones, so the index leads with the person and the state.
    Migration("journal.0005.person_state", _PERSON_STATE_SQL, _PERSON_STATE_SQL),
    # What happened to an entry after its outcome (a plugin's follow-up after a reversal).
    Migration("journal.0006.notes", _NOTES_SQL, _NOTES_SQL),
    # The msgid sequence partitioned by terminal (T01 owns 0100-0199 of each second ...): one
    # counter per institution and terminal (see .msgid).
    Migration("journal.0007.msgid_terminals", _TERMINALS_SQL, _TERMINALS_SQL),
)

_registered: dict[str, Migration] = {}


def register_migration(name: str, sql_sqlite: str, sql_postgres: str) -> Migration:
    """Add a component's migration; applied at the next :func:`open_journal`.

    Registering the same name with the same SQL again is harmless (module re-import); the
    same name with other SQL raises ``ValueError``, since a released step must not change.
    """
    if not name or name.count(".") < 2:
        raise ValueError(f"migration name {name!r} must look like '<component>.<NNNN>.<slug>'")
    migration = Migration(name, sql_sqlite, sql_postgres)
    known = {m.name: m for m in CORE_MIGRATIONS} | _registered
    if name in known:
        if known[name] != migration:
            raise ValueError(f"migration {name!r} is already registered with other SQL")
        return known[name]
    for text in (sql_sqlite, sql_postgres):
        if "%" in text or "?" in text:
            raise ValueError(f"migration {name!r}: SQL must not contain '%' or '?'")
    _registered[name] = migration
    return migration


def all_migrations() -> list[Migration]:
    """The journal's own steps, then registered ones sorted by name."""
    return [*CORE_MIGRATIONS, *(m for _, m in sorted(_registered.items()))]


def split_statements(sql: str) -> list[str]:
    """The ``;``-separated statements of a migration, blanks dropped."""
    return [s.strip() for s in sql.split(";") if s.strip()]
