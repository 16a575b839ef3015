"""The simulated online centres' books: extension tables of the sandbox's store, and the context
a handler of the 医保移动支付 / e-prescription / e-invoice / local-service side is given.

Tables (``Store.add_schema``; ``POST /_sandbox/reset`` empties them with the rest):

- ``mp_orders``: one row per 6201 order, keyed by ``payOrdId``; one ``medOrgOrd`` per
  institution.  ``ord_stas`` follows the national 表605 dictionary (0 已保存 → 2 结算中 → 6 结算完成
  → 7-11 refunds, 12 已撤销).  Money as exact decimal text.
- ``mp_refunds``: one row per 6203, keyed by institution and ``appRefdSn`` (the refund's
  identity: the same serial again answers the first refund, never a second one).
- ``mp_auth``: the channel's authorisation codes and the ``payAuthNo`` each became.
- ``mp_callbacks``: where the centre pushes 6302 / 6204 for an institution.
- ``mp_notices``: every push attempt and the institution's answer.
- ``rx_prescriptions``, ``eb_bills``, ``xm_records``: the other parties (their modules).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from ..clock import local, local_text
from ..codec import dumps_text, loads_stored
from ..ids import IdGenerator
from ..mobilepay.credentials import MobilePayCredentials
from ..store import Store

__all__ = ["SCHEMA", "Books", "OnlineContext", "Refused", "fingerprint", "money"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS mp_orders (
    pay_ord_id TEXT PRIMARY KEY, pay_token TEXT NOT NULL, org_codg TEXT NOT NULL, med_org_ord TEXT NOT NULL,
    psn_no TEXT NOT NULL, id_no TEXT NOT NULL, user_name TEXT NOT NULL, mdtrt_id TEXT NOT NULL,
    chrg_bchno TEXT NOT NULL, ord_stas TEXT NOT NULL, fingerprint TEXT NOT NULL, data TEXT NOT NULL,
    pay_auth_no TEXT, org_biz_ser TEXT, acct_used_flag TEXT NOT NULL DEFAULT '0',
    fee_sumamt TEXT NOT NULL, own_pay_amt TEXT NOT NULL DEFAULT '0.00', psn_acct_pay TEXT NOT NULL DEFAULT '0.00',
    fund_pay TEXT NOT NULL DEFAULT '0.00', refd_cash TEXT NOT NULL DEFAULT '0.00',
    refd_acct TEXT NOT NULL DEFAULT '0.00', refd_fund TEXT NOT NULL DEFAULT '0.00', trace_time TEXT,
    revs_token TEXT, created_time TEXT NOT NULL, updated_time TEXT NOT NULL,
    UNIQUE (org_codg, med_org_ord));
CREATE TABLE IF NOT EXISTS mp_refunds (
    org_codg TEXT NOT NULL, app_refd_sn TEXT NOT NULL, pay_ord_id TEXT NOT NULL, fingerprint TEXT NOT NULL,
    totl TEXT NOT NULL, cash TEXT NOT NULL, acct TEXT NOT NULL, fund TEXT NOT NULL, refd_type TEXT NOT NULL,
    reply TEXT NOT NULL, refd_time TEXT NOT NULL, PRIMARY KEY (org_codg, app_refd_sn));
CREATE TABLE IF NOT EXISTS mp_auth (
    auth_code TEXT PRIMARY KEY, pay_auth_no TEXT NOT NULL UNIQUE, psn_no TEXT NOT NULL, expires REAL NOT NULL,
    used INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS mp_callbacks (org_codg TEXT PRIMARY KEY, notify_url TEXT NOT NULL, sync_url TEXT);
CREATE TABLE IF NOT EXISTS mp_notices (
    pay_ord_id TEXT NOT NULL, kind TEXT NOT NULL, url TEXT NOT NULL, attempt INTEGER NOT NULL,
    delivered INTEGER NOT NULL, answer TEXT, push_time TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rx_prescriptions (
    hi_rxno TEXT PRIMARY KEY, org_codg TEXT NOT NULL, hosp_rxno TEXT NOT NULL, rx_trace_code TEXT NOT NULL,
    mdtrt_id TEXT NOT NULL, psn_no TEXT NOT NULL, certno TEXT NOT NULL, state TEXT NOT NULL,
    chk_stas TEXT NOT NULL DEFAULT '0', chk_opnn TEXT, chk_time TEXT, setl_time TEXT, data TEXT NOT NULL,
    created_time TEXT NOT NULL, UNIQUE (org_codg, hosp_rxno));
CREATE TABLE IF NOT EXISTS rx_signatures (
    sign_digest TEXT PRIMARY KEY, org_codg TEXT NOT NULL, sign_time TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS eb_bills (
    bill_no TEXT PRIMARY KEY, bill_batch_code TEXT NOT NULL, random TEXT NOT NULL, bus_no TEXT NOT NULL UNIQUE,
    total_amt TEXT NOT NULL, state TEXT NOT NULL, scarlet_no TEXT, data TEXT NOT NULL, created_time TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS xm_records (
    sn TEXT PRIMARY KEY, interface TEXT NOT NULL, org_codg TEXT NOT NULL, state TEXT NOT NULL, data TEXT NOT NULL,
    created_time TEXT NOT NULL);
"""

_CENT = Decimal("0.01")


class Refused(Exception):
    """A business refusal of the online centre: ``code`` (non-zero) and ``message``; the
    transaction is rolled back and the signed reply carries both."""

    def __init__(self, message: str, code: int = 2002) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def money(value: object) -> Decimal:
    """An amount from the wire or the books, exactly (never through float)."""
    if isinstance(value, bool) or isinstance(value, float):
        raise Refused(f"金额 {value!r} 不是精确数值", 2001)
    try:
        return Decimal(str(value)).quantize(_CENT) if value not in (None, "") else Decimal("0.00")
    except ArithmeticError:
        raise Refused(f"金额 {value!r} 不是数值", 2001) from None


def fingerprint(data: Mapping[str, Any]) -> str:
    """The content of a request, to tell a repetition of it from another request with the same key."""
    return hashlib.sha256(dumps_text(dict(data)).encode("utf-8")).hexdigest()


@attrs.define
class OnlineContext:
    """What one online call is served with."""

    store: Store
    creds: MobilePayCredentials
    interface: str
    now_ts: float
    base_url: str
    allow_remote_callbacks: bool = False

    @property
    def now(self) -> datetime:
        return local(self.now_ts)

    @property
    def now_text(self) -> str:
        return local_text(self.now_ts)

    @property
    def stamp(self) -> str:
        """yyyyMMddHHmmss (the mobile-payment centre's compact times)."""
        return self.now.strftime("%Y%m%d%H%M%S")

    def ids(self) -> IdGenerator:
        return IdGenerator(self.store, "350000", self.now)


class Books:
    """Small helpers over the online tables."""

    def __init__(self, store: Store) -> None:
        self.store = store  # the tables exist: the centre adds SCHEMA once, at start

    def order(self, pay_ord_id: object) -> dict[str, Any]:
        row = self.store.query_one("SELECT * FROM mp_orders WHERE pay_ord_id = ?", (str(pay_ord_id or ""),))
        if row is None:
            raise Refused(f"payOrdId: 订单不存在({pay_ord_id})", 2003)
        return row

    def orders(self, org_codg: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM mp_orders" + (" WHERE org_codg = ?" if org_codg else "") + " ORDER BY created_time"
        rows = self.store.query(sql, (org_codg,) if org_codg else ())
        for r in rows:
            r["data"] = loads_stored(r["data"])
        return rows

    def set_order(self, pay_ord_id: str, now_text: str, **values: Any) -> None:
        sets = ", ".join(f"{k} = ?" for k in values)
        self.store.execute(f"UPDATE mp_orders SET {sets}, updated_time = ? WHERE pay_ord_id = ?",
                           (*(str(v) if isinstance(v, Decimal) else v for v in values.values()), now_text, pay_ord_id))
