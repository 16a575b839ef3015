"""The centre's books: SQLite under ``--state`` (WAL), one connection guarded by a lock.

Layers: :mod:`yibao.sandbox.db` (connection, transactions, queries, counters), then
:mod:`yibao.sandbox.filestore` (kept files, streamed), then
:mod:`yibao.sandbox.ledger` (settlements), then :class:`Store` here (schema, seed,
persons and accounts, reset).  Everything below is reachable on a ``Store``.

Every call of the sandbox runs its handler inside :meth:`Store.transaction`; a
:class:`~yibao.sandbox.handlers.Refusal` rolls everything back, so a refused call leaves no
trace (not even its ``msgid``).  Money is stored as exact decimal TEXT and read back as
``Decimal``; times are local (Asia/Shanghai) ``yyyy-MM-dd HH:mm:ss`` text so that they compare as
strings.

Public API (stable: the reconciliation, file, catalogue and clearing handlers use it)::

    store.transaction()                       context manager: BEGIN IMMEDIATE .. COMMIT/ROLLBACK
    store.execute(sql, params) / query(sql, params) / query_one(sql, params)
    store.add_schema(ddl)                     CREATE TABLE IF NOT EXISTS .. for extension modules
    store.next_seq(name) -> int               a counter that survives restarts
    store.reset()                             every table emptied, then re-seeded

    persons:      person(psn_no), person_by_certno(certno), person_by_card(card_no), persons()
                  balance(psn_no) -> Decimal, adjust_balance(psn_no, delta) -> Decimal
    ledger:       create_settlement(...) (alias insert_settlement_row), settlement(code, setl_id),
                  settlement_by_msgid(code, msgid), settlement_by_cancel_msgid(code, msgid),
                  settlements(code, begin, end, *, insutype, clr_type, clr_optins, states),
                  ledger(code=None), update_settlement(setl_id, **fields)
    files:        save_file(code, filename, data, *, file_qury_no=None, kind="") -> file_qury_no,
                  get_file(file_qury_no)

The settlement ledger holds one row per forward settlement (2102, 2207, 2304, or a row made
"outside the journal" by a test).  A cancel (2103 / 2208 / 2305) does not add a row: it sets
``state='cancelled'`` and fills ``cancel_setl_id``, ``cancel_msgid``, ``cancel_infno`` and
``cancel_time`` (the reverse record happened at ``cancel_time``).  A 2601 reversal sets
``state='reversed'`` with ``reversal_msgid`` and ``reversed_time`` (a reversed settlement never
happened as far as the books are concerned).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from .codec import dumps_text, loads_stored
from .ledger import MONEY_COLUMNS, SETTLEMENT_STATES, Ledger, money_text

__all__ = ["MONEY_COLUMNS", "SETTLEMENT_STATES", "Store"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS persons (
    psn_no TEXT PRIMARY KEY, certno TEXT NOT NULL, psn_cert_type TEXT NOT NULL,
    card_no TEXT, card_sn TEXT, insuplc_admdvs TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS persons_certno ON persons(certno);
CREATE INDEX IF NOT EXISTS persons_card ON persons(card_no);
CREATE TABLE IF NOT EXISTS accounts (psn_no TEXT PRIMARY KEY, balc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS calls (
    fixmedins_code TEXT NOT NULL, msgid TEXT NOT NULL, infno TEXT NOT NULL, call_time TEXT NOT NULL,
    psn_no TEXT, PRIMARY KEY (fixmedins_code, msgid));
CREATE TABLE IF NOT EXISTS signins (
    sign_no TEXT PRIMARY KEY, fixmedins_code TEXT NOT NULL, opter TEXT NOT NULL, sign_day TEXT NOT NULL,
    sign_time TEXT NOT NULL, signout_time TEXT, state TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS signins_opter ON signins(fixmedins_code, opter, sign_day);
CREATE TABLE IF NOT EXISTS ectokens (
    ectoken TEXT PRIMARY KEY, psn_no TEXT NOT NULL, expires REAL NOT NULL, used INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS visits (
    mdtrt_id TEXT PRIMARY KEY, fixmedins_code TEXT NOT NULL, psn_no TEXT NOT NULL, kind TEXT NOT NULL,
    insutype TEXT NOT NULL, med_type TEXT, state TEXT NOT NULL, insuplc_admdvs TEXT NOT NULL,
    ipt_otp_no TEXT, begntime TEXT, endtime TEXT, created_msgid TEXT, data TEXT NOT NULL DEFAULT '{}');
CREATE INDEX IF NOT EXISTS visits_msgid ON visits(fixmedins_code, created_msgid);
CREATE TABLE IF NOT EXISTS fees (
    mdtrt_id TEXT NOT NULL, feedetl_sn TEXT NOT NULL, fixmedins_code TEXT NOT NULL, psn_no TEXT NOT NULL,
    chrg_bchno TEXT, med_list_codg TEXT NOT NULL, det_item_fee_sumamt TEXT NOT NULL, state TEXT NOT NULL,
    setl_id TEXT, fee_ocur_time TEXT, seq INTEGER NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS fees_visit ON fees(mdtrt_id, feedetl_sn);
CREATE TABLE IF NOT EXISTS settlements (
    setl_id TEXT PRIMARY KEY, mdtrt_id TEXT NOT NULL, psn_no TEXT NOT NULL, infno TEXT NOT NULL,
    msgid TEXT NOT NULL, fixmedins_code TEXT NOT NULL, insutype TEXT NOT NULL, clr_type TEXT NOT NULL,
    clr_optins TEXT NOT NULL, clr_way TEXT NOT NULL, setl_time TEXT NOT NULL, med_type TEXT,
    medfee_sumamt TEXT NOT NULL, fund_pay_sumamt TEXT NOT NULL, acct_pay TEXT NOT NULL,
    psn_cash_pay TEXT NOT NULL, hosp_part_amt TEXT NOT NULL, balc TEXT NOT NULL, state TEXT NOT NULL,
    cancel_setl_id TEXT, cancel_msgid TEXT, cancel_infno TEXT, cancel_time TEXT,
    reversal_msgid TEXT, reversed_time TEXT, detail TEXT NOT NULL DEFAULT '{}');
CREATE INDEX IF NOT EXISTS settlements_time ON settlements(fixmedins_code, setl_time);
CREATE INDEX IF NOT EXISTS settlements_msgid ON settlements(fixmedins_code, msgid);
CREATE TABLE IF NOT EXISTS reversals (
    fixmedins_code TEXT NOT NULL, omsgid TEXT NOT NULL, oinfno TEXT NOT NULL, msgid TEXT NOT NULL,
    reversed_time TEXT NOT NULL, PRIMARY KEY (fixmedins_code, omsgid));
CREATE TABLE IF NOT EXISTS files (
    file_qury_no TEXT PRIMARY KEY, fixmedins_code TEXT NOT NULL, filename TEXT NOT NULL, kind TEXT NOT NULL,
    data BLOB NOT NULL, created_time TEXT NOT NULL);
"""


class Store(Ledger):
    """The sandbox's books; see the module docstring for the API."""

    def __init__(
        self, path: Path, seeder: Callable[[Store], None] | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(path, _SCHEMA, clock)
        self._seeder = seeder
        # Seeded persons never change (balances live in ``accounts``): cache their records.
        self._persons: dict[tuple[str, str], dict[str, Any] | None] = {}
        if seeder is not None and self.query_one("SELECT 1 AS x FROM persons LIMIT 1") is None:
            with self.transaction():
                seeder(self)

    def reset(self) -> None:
        """Every table emptied (extension tables included), then the seed data loaded again."""
        with self.transaction():
            names = [r["name"] for r in self.query("SELECT name FROM sqlite_master WHERE type='table'")]
            for name in names:
                if not name.startswith("sqlite_"):
                    self.conn.execute(f'DELETE FROM "{name}"')
            self._persons.clear()
            if self._seeder is not None:
                self._seeder(self)

    # ------------------------------------------------------------------ persons and accounts

    def add_person(self, person: Mapping[str, Any], balc: Decimal) -> None:
        """Insert a seeded person (the whole record is kept as JSON in ``data``)."""
        self._persons.clear()
        self.execute(
            "INSERT INTO persons(psn_no, certno, psn_cert_type, card_no, card_sn, insuplc_admdvs, data) "
            "VALUES (?,?,?,?,?,?,?)",
            (
                person["psn_no"],
                person["certno"],
                person["psn_cert_type"],
                person.get("card_no"),
                person.get("card_sn"),
                person["insuplc_admdvs"],
                dumps_text(dict(person)),
            ),
        )
        self.execute("INSERT INTO accounts(psn_no, balc) VALUES (?, ?)", (person["psn_no"], money_text(balc)))

    def _person(self, where: str, value: str) -> dict[str, Any] | None:
        key = (where, value)
        if key not in self._persons:
            row = self.query_one(f"SELECT data FROM persons WHERE {where} = ? ORDER BY psn_no LIMIT 1", (value,))
            self._persons[key] = loads_stored(row["data"]) if row is not None else None
        found = self._persons[key]
        return dict(found) if found is not None else None

    def person(self, psn_no: str) -> dict[str, Any] | None:
        """The seeded record of ``psn_no`` (see :mod:`yibao.sandbox.seed` for its keys)."""
        return self._person("psn_no", psn_no)

    def person_by_certno(self, certno: str) -> dict[str, Any] | None:
        return self._person("certno", certno)

    def person_by_card(self, card_no: str) -> dict[str, Any] | None:
        return self._person("card_no", card_no)

    def persons(self) -> list[dict[str, Any]]:
        """Every seeded person, ordered by ``psn_no``, each with its current ``balc``."""
        rows = self.query("SELECT p.data, a.balc FROM persons p JOIN accounts a USING (psn_no) ORDER BY p.psn_no")
        out = []
        for r in rows:
            d: dict[str, Any] = loads_stored(r["data"])
            d["balc"] = Decimal(r["balc"])
            out.append(d)
        return out

    def balance(self, psn_no: str) -> Decimal:
        """The personal-account balance (0 for an unknown person)."""
        row = self.query_one("SELECT balc FROM accounts WHERE psn_no = ?", (psn_no,))
        return Decimal(row["balc"]) if row else Decimal("0.00")

    def adjust_balance(self, psn_no: str, delta: Decimal) -> Decimal:
        """Add ``delta`` (negative to pay) to the account; returns the new balance."""
        new = self.balance(psn_no) + delta
        self.execute("UPDATE accounts SET balc = ? WHERE psn_no = ?", (money_text(new), psn_no))
        return new
