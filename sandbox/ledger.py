"""The centre's ledger (settlements), on top of :class:`~yibao.sandbox.filestore.FileStore`.

One row per forward settlement (2102, 2207, 2304, or a row made "outside the journal" by a
test).  A cancel (2103 / 2208 / 2305) does not add a row: it sets ``state='cancelled'`` and fills
``cancel_setl_id``, ``cancel_msgid``, ``cancel_infno`` and ``cancel_time`` (the reverse record
happened at ``cancel_time``).  A 2601 reversal sets ``state='reversed'`` with ``reversal_msgid``
and ``reversed_time``.  Money is exact decimal TEXT, read back as ``Decimal``; times are local
(Asia/Shanghai, :mod:`yibao.sandbox.clock`) ``yyyy-MM-dd HH:mm:ss`` text so that they compare as strings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .clock import local_text
from .codec import dumps_text, loads_stored
from .filestore import FileStore

__all__ = ["MONEY_COLUMNS", "SETTLEMENT_STATES", "Ledger", "money_text"]

SETTLEMENT_STATES = ("settled", "cancelled", "reversed")
MONEY_COLUMNS = ("medfee_sumamt", "fund_pay_sumamt", "acct_pay", "psn_cash_pay", "hosp_part_amt", "balc")

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


def money_text(value: Decimal | int | str) -> str:
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


class Ledger(FileStore):
    """Settlement rows (and, inherited, kept files)."""

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
            setl_time = local_text(self.clock())
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
                "medfee_sumamt": money_text(medfee_sumamt),
                "fund_pay_sumamt": money_text(fund_pay_sumamt),
                "acct_pay": money_text(acct_pay),
                "psn_cash_pay": money_text(psn_cash_pay),
                "hosp_part_amt": money_text(hosp_part_amt),
                "balc": money_text(balc),
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
        out["detail"] = loads_stored(out["detail"]) if out.get("detail") else {}
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
        values = {k: (money_text(v) if k in MONEY_COLUMNS else v) for k, v in fields.items()}
        sets = ", ".join(f"{k} = :{k}" for k in values)
        values["_id"] = setl_id
        self.execute(f"UPDATE settlements SET {sets} WHERE setl_id = :_id", values)
