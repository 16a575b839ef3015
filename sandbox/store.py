"""The centre's books: SQLite under ``--state`` (WAL), one connection guarded by a lock.

Every call of the sandbox runs its handler inside :meth:`Store.transaction`; a
:class:`~yibao.sandbox.handlers.Refusal` rolls everything back, so a refused call leaves no
trace (not even its ``msgid``).  Money is stored as exact decimal TEXT and read back as
``Decimal``; times are local (UTC+8) ``yyyy-MM-dd HH:mm:ss`` text so that they compare as
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

import re
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from yibao.core import wire

from .envelope import dumps_text

__all__ = ["MONEY_COLUMNS", "SETTLEMENT_STATES", "Store"]

SETTLEMENT_STATES = ("settled", "cancelled", "reversed")
_CST = timezone(timedelta(hours=8), "CST")  # the centre keeps local (UTC+8) times
MONEY_COLUMNS = ("medfee_sumamt", "fund_pay_sumamt", "acct_pay", "psn_cash_pay", "hosp_part_amt", "balc")

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

_SETTLEMENT_FIELDS = (
    "setl_id",
    "mdtrt_id",
    "psn_no",
    "infno",
    "msgid",
    "fixmedins_code",
    "insutype",
    "clr_type",
    "clr_optins",
    "clr_way",
    "setl_time",
    "med_type",
    "medfee_sumamt",
    "fund_pay_sumamt",
    "acct_pay",
    "psn_cash_pay",
    "hosp_part_amt",
    "balc",
    "state",
    "cancel_setl_id",
    "cancel_msgid",
    "cancel_infno",
    "cancel_time",
    "reversal_msgid",
    "reversed_time",
    "detail",
)


def _money(value: Decimal | int | str) -> str:
    """Exact decimal text of an amount; a float is refused (it would carry binary noise)."""
    if isinstance(value, float):
        raise TypeError("amounts are Decimal, never float")
    return format(Decimal(value), "f")


def _day_bounds(begin: date | datetime | str, end: date | datetime | str) -> tuple[str, str]:
    """``yyyy-MM-dd`` ranges mean 00:00:00 - 23:59:59 (national spec, 重点说明)."""

    def text(v: date | datetime | str, tail: str) -> str:
        if isinstance(v, datetime):
            return v.strftime("%Y-%m-%d %H:%M:%S")
        if isinstance(v, date):
            return v.isoformat() + tail
        return v if len(v) > 10 else v + tail

    return text(begin, " 00:00:00"), text(end, " 23:59:59")


class Store:
    """SQLite access for the sandbox; see the module docstring for the API."""

    def __init__(self, path: Path, seeder: Callable[[Store], None] | None = None) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._depth = 0
        self._seeder = seeder
        # Seeded persons never change (balances live in ``accounts``): cache their records.
        self._persons: dict[tuple[str, str], dict[str, Any] | None] = {}
        self.conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL is durable across a process crash in WAL mode; only an OS crash may lose the tail.
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.executescript(_SCHEMA)
        if seeder is not None and self.query_one("SELECT 1 AS x FROM persons LIMIT 1") is None:
            with self.transaction():
                seeder(self)

    # ------------------------------------------------------------------ generic access

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit; nested use joins the outer transaction."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self.conn
                finally:
                    self._depth -= 1
                return
            self.conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self.conn
            except BaseException:
                self._depth = 0
                self.conn.execute("ROLLBACK")
                raise
            self._depth = 0
            self.conn.execute("COMMIT")

    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> sqlite3.Cursor:
        """Run one statement (inside the current transaction when there is one)."""
        with self._lock:
            return self.conn.execute(sql, params)

    def query(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[dict[str, Any]]:
        """All rows as plain dicts."""
        with self._lock:
            return [dict(r) for r in self.conn.execute(sql, params).fetchall()]

    def query_one(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> dict[str, Any] | None:
        """The first row as a dict, or ``None``."""
        with self._lock:
            row = self.conn.execute(sql, params).fetchone()
        return dict(row) if row is not None else None

    def add_schema(self, ddl: str) -> None:
        """Create extension tables (``CREATE TABLE IF NOT EXISTS ...``); :meth:`reset` empties them too."""
        with self._lock:
            self.conn.executescript(ddl)

    def next_seq(self, name: str) -> int:
        """The next value of counter ``name`` (1, 2, ...); part of the current transaction."""
        with self._lock:
            row = self.conn.execute(
                "INSERT INTO counters(name, value) VALUES (?, 1) "
                "ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value",
                (name,),
            ).fetchone()
        return int(row[0])

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

    def close(self) -> None:
        with self._lock:
            self.conn.close()

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
        self.execute("INSERT INTO accounts(psn_no, balc) VALUES (?, ?)", (person["psn_no"], _money(balc)))

    def _person(self, where: str, value: str) -> dict[str, Any] | None:
        key = (where, value)
        if key not in self._persons:
            row = self.query_one(f"SELECT data FROM persons WHERE {where} = ? ORDER BY psn_no LIMIT 1", (value,))
            self._persons[key] = wire.loads(row["data"]) if row is not None else None
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
        rows = self.query(
            "SELECT p.data, a.balc FROM persons p JOIN accounts a USING (psn_no) ORDER BY p.psn_no"
        )
        out = []
        for r in rows:
            d: dict[str, Any] = wire.loads(r["data"])
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
        self.execute("UPDATE accounts SET balc = ? WHERE psn_no = ?", (_money(new), psn_no))
        return new

    # ------------------------------------------------------------------ settlements (the ledger)

    def create_settlement(
        self,
        *,
        fixmedins_code: str,
        psn_no: str,
        medfee_sumamt: Decimal,
        fund_pay_sumamt: Decimal,
        acct_pay: Decimal,
        psn_cash_pay: Decimal,
        hosp_part_amt: Decimal = Decimal("0.00"),
        insutype: str = "310",
        clr_type: str = "41",
        clr_optins: str = "440100",
        clr_way: str = "1",
        setl_time: str | datetime | None = None,
        infno: str = "2102",
        msgid: str | None = None,
        mdtrt_id: str | None = None,
        setl_id: str | None = None,
        med_type: str | None = None,
        balc: Decimal = Decimal("0.00"),
        state: str = "settled",
        detail: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Insert one ledger row and return it (as :meth:`settlement` would).

        Used by the settlement handlers and by tests that need "a settlement made at the centre
        outside the journal"; missing ids are generated, ``setl_time`` defaults to now (local).
        The money identities are the caller's business here: this is the raw ledger.
        """
        if state not in SETTLEMENT_STATES:
            raise ValueError(f"state {state!r} is not one of {SETTLEMENT_STATES}")
        if isinstance(setl_time, datetime):
            setl_time = setl_time.strftime("%Y-%m-%d %H:%M:%S")
        if setl_time is None:
            setl_time = datetime.now(_CST).strftime("%Y-%m-%d %H:%M:%S")
        with self.transaction():
            if not (setl_id and mdtrt_id and msgid):
                seq = self.next_seq("ledger_outside")
                setl_id = setl_id or f"XS{fixmedins_code[-6:]}{seq:010d}"
                mdtrt_id = mdtrt_id or f"XM{fixmedins_code[-6:]}{seq:010d}"
                stamp = re.sub(r"\D", "", setl_time)[:14]
                msgid = msgid or f"{fixmedins_code}{stamp}{seq % 10000:04d}"
            values = {
                "setl_id": setl_id,
                "mdtrt_id": mdtrt_id,
                "psn_no": psn_no,
                "infno": infno,
                "msgid": msgid,
                "fixmedins_code": fixmedins_code,
                "insutype": insutype,
                "clr_type": clr_type,
                "clr_optins": clr_optins,
                "clr_way": clr_way,
                "setl_time": setl_time,
                "med_type": med_type,
                "medfee_sumamt": _money(medfee_sumamt),
                "fund_pay_sumamt": _money(fund_pay_sumamt),
                "acct_pay": _money(acct_pay),
                "psn_cash_pay": _money(psn_cash_pay),
                "hosp_part_amt": _money(hosp_part_amt),
                "balc": _money(balc),
                "state": state,
                "detail": dumps_text(dict(detail or {})),
            }
            cols = ", ".join(values)
            marks = ", ".join(f":{k}" for k in values)
            self.execute(f"INSERT INTO settlements({cols}) VALUES ({marks})", values)
        # The row as settlement() would read it back, without the round trip.
        out: dict[str, Any] = {name: None for name in _SETTLEMENT_FIELDS}
        out.update(values)
        for col in MONEY_COLUMNS:
            out[col] = Decimal(out[col])
        out["detail"] = dict(detail or {})
        return out

    insert_settlement_row = create_settlement

    @staticmethod
    def _settlement_row(row: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(row)
        for col in MONEY_COLUMNS:
            out[col] = Decimal(out[col])
        out["detail"] = wire.loads(out["detail"]) if out.get("detail") else {}
        return out

    def settlement(self, fixmedins_code: str, setl_id: str) -> dict[str, Any] | None:
        """One ledger row of ``fixmedins_code`` by its ``setl_id`` (amounts as Decimal)."""
        row = self.query_one(
            "SELECT * FROM settlements WHERE fixmedins_code = ? AND setl_id = ?", (fixmedins_code, setl_id)
        )
        return self._settlement_row(row) if row else None

    def settlement_by_msgid(self, fixmedins_code: str, msgid: str) -> dict[str, Any] | None:
        """The ledger row created by the request ``msgid`` (the 2601 ``omsgid`` of a settlement)."""
        row = self.query_one(
            "SELECT * FROM settlements WHERE fixmedins_code = ? AND msgid = ?", (fixmedins_code, msgid)
        )
        return self._settlement_row(row) if row else None

    def settlement_by_cancel_msgid(self, fixmedins_code: str, msgid: str) -> dict[str, Any] | None:
        """The ledger row cancelled by the request ``msgid`` (2103 / 2208 / 2305)."""
        row = self.query_one(
            "SELECT * FROM settlements WHERE fixmedins_code = ? AND cancel_msgid = ?", (fixmedins_code, msgid)
        )
        return self._settlement_row(row) if row else None

    def settlements(
        self,
        fixmedins_code: str,
        begin: date | datetime | str,
        end: date | datetime | str,
        *,
        insutype: str | None = None,
        clr_type: str | None = None,
        clr_optins: str | None = None,
        states: Sequence[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Ledger rows of one institution whose ``setl_time`` lies in [begin, end].

        Dates (``date`` or ``yyyy-MM-dd``) cover whole days.  ``states`` filters on
        ``settled`` / ``cancelled`` / ``reversed`` (all when ``None``).  Ordered by
        ``setl_time`` then ``setl_id``.  A cancelled row also tells when it was cancelled
        (``cancel_time``), which may fall outside [begin, end].
        """
        lo, hi = _day_bounds(begin, end)
        sql = "SELECT * FROM settlements WHERE fixmedins_code = ? AND setl_time BETWEEN ? AND ?"
        params: list[Any] = [fixmedins_code, lo, hi]
        for col, val in (("insutype", insutype), ("clr_type", clr_type), ("clr_optins", clr_optins)):
            if val is not None:
                sql += f" AND {col} = ?"
                params.append(val)
        if states is not None:
            sql += f" AND state IN ({', '.join('?' for _ in states)})"
            params.extend(states)
        sql += " ORDER BY setl_time, setl_id"
        return [self._settlement_row(r) for r in self.query(sql, params)]

    def ledger(self, fixmedins_code: str | None = None) -> list[dict[str, Any]]:
        """Every ledger row (of one institution when given), oldest first."""
        if fixmedins_code is None:
            rows = self.query("SELECT * FROM settlements ORDER BY setl_time, setl_id")
        else:
            rows = self.query(
                "SELECT * FROM settlements WHERE fixmedins_code = ? ORDER BY setl_time, setl_id",
                (fixmedins_code,),
            )
        return [self._settlement_row(r) for r in rows]

    def update_settlement(self, setl_id: str, **fields: Any) -> None:
        """Set columns of one ledger row (amounts may be Decimal)."""
        bad = set(fields) - set(_SETTLEMENT_FIELDS)
        if bad:
            raise ValueError(f"unknown settlement columns: {sorted(bad)}")
        values = {k: (_money(v) if k in MONEY_COLUMNS else v) for k, v in fields.items()}
        sets = ", ".join(f"{k} = :{k}" for k in values)
        values["_id"] = setl_id
        self.execute(f"UPDATE settlements SET {sets} WHERE setl_id = :_id", values)

    # ------------------------------------------------------------------ files (9101 / 9102)

    def save_file(
        self,
        fixmedins_code: str,
        filename: str,
        data: bytes,
        *,
        file_qury_no: str | None = None,
        kind: str = "",
        created_time: str | None = None,
    ) -> str:
        """Keep a file (upload or result); returns its ``file_qury_no``."""
        with self.transaction():
            if file_qury_no is None:
                file_qury_no = f"F{fixmedins_code[-6:]}{self.next_seq('file_qury_no'):012d}"
            self.execute(
                "INSERT OR REPLACE INTO files(file_qury_no, fixmedins_code, filename, kind, data, "
                "created_time) VALUES (?,?,?,?,?,?)",
                (
                    file_qury_no,
                    fixmedins_code,
                    filename,
                    kind,
                    data,
                    created_time or datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
                ),
            )
        return file_qury_no

    def get_file(self, file_qury_no: str) -> dict[str, Any] | None:
        """``{file_qury_no, fixmedins_code, filename, kind, data (bytes), created_time}`` or ``None``."""
        return self.query_one("SELECT * FROM files WHERE file_qury_no = ?", (file_qury_no,))
