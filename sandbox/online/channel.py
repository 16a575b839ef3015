"""The simulated payment channel and the centre's pushes (online_settlement.md §2 steps 1, 7, 8).

- **Authorisation** (function 10): the patient authorises in the channel's app
  (``POST /_sandbox/mobilepay/authorize``, what the face check ends in) and the hospital's page
  receives an ``authCode``; the hospital exchanges it once, within 5 minutes, for ``payAuthNo``
  and the patient's name and ID (``CH10`` at ``{base}/channel/api/payAuth/query``, the
  centre's envelope: an assumption, each real channel has its own API).
- **Cashier** (``POST /_sandbox/mobilepay/cashier``): the patient pays the self-paid part; the
  order goes from 2 结算中 to 6 结算完成 (the account part is charged now), or to 15 结算失败.
- **Pushes**: after payment the centre posts 6204 医保订单信息同步 (when the institution
  registered a ``sync_url``) and 6302 医保结算结果通知 to its ``notify_url``, request-shaped and
  signed by the platform key, a fresh envelope per attempt; it retries (3 attempts, 0.2 s then
  0.4 s apart) until the institution answers a verified ``code`` 0 with ``success`` true.
  Every attempt is kept in ``mp_notices``.  Callback URLs must be loopback unless the sandbox
  has a control token (it must not be made to post anywhere by whoever reaches it).
"""

from __future__ import annotations

import ipaddress
import secrets
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from ..codec import dumps_bytes, dumps_text
from ..mobilepay.credentials import MobilePayCredentials
from ..mobilepay.envelope import Refusal, build_notice, open_notice_reply
from .books import Books, OnlineContext, Refused, money

__all__ = ["AUTH_TTL", "authorize", "cashier", "check_callback_url", "pay_auth_query", "push_notices"]

AUTH_TTL = 300
_ATTEMPTS = 3


def authorize(ctx: OnlineContext, certno: str) -> dict[str, Any]:
    """The patient's authorisation in the channel's app: a single-use ``authCode``."""
    person = ctx.store.person_by_certno(certno)
    if person is None:
        raise Refused("certno: 无此参保人", 404)
    code = "AC" + secrets.token_hex(12).upper()
    pay_auth_no = "PAN" + secrets.token_hex(14).upper()
    ctx.store.execute("INSERT INTO mp_auth (auth_code, pay_auth_no, psn_no, expires) VALUES (?,?,?,?)",
                      (code, pay_auth_no, person["psn_no"], ctx.now_ts + AUTH_TTL))
    return {"authCode": code, "authUrl": f"{ctx.base_url}/_sandbox/mobilepay/auth-page?authCode={code}",
            "expires_in": AUTH_TTL}


def pay_auth_query(ctx: OnlineContext, data: Mapping[str, Any]) -> dict[str, Any]:
    """CH10: an authorisation code, once, for ``payAuthNo`` and who the patient is."""
    row = ctx.store.query_one("SELECT * FROM mp_auth WHERE auth_code = ?", (str(data.get("authCode", "")),))
    if row is None or row["used"] or row["expires"] < ctx.now_ts:
        raise Refused("authCode: 授权码无效、已使用或已过期", 2005)
    ctx.store.execute("UPDATE mp_auth SET used = 1 WHERE auth_code = ?", (row["auth_code"],))
    person = ctx.store.person(row["psn_no"]) or {}
    return {"payAuthNo": row["pay_auth_no"], "authStas": "1", "authNo": "AN" + row["auth_code"][2:],
            "userName": person.get("psn_name", ""), "idNo": person.get("certno", ""),
            "idType": person.get("psn_cert_type", "01"), "insuCode": person.get("insuplc_admdvs", ""),
            "psnNo": row["psn_no"], "relsPayFlag": "0"}


def cashier(ctx: OnlineContext, pay_ord_id: str, paid: bool) -> dict[str, Any]:
    """The patient pays (or the payment fails) at the channel: the order's new state."""
    books = Books(ctx.store)
    order = books.order(pay_ord_id)
    if order["ord_stas"] != "2":
        raise Refused(f"payOrdId: 订单状态为{order['ord_stas']}, 不在待支付", 409)
    acct = money(order["psn_acct_pay"])
    if paid and acct > ctx.store.balance(order["psn_no"]):
        paid = False  # the account was spent elsewhere since 6202
    if not paid:
        books.set_order(pay_ord_id, ctx.now_text, ord_stas="15")
        return {"payOrdId": pay_ord_id, "ordStas": "15"}
    if acct:
        ctx.store.adjust_balance(order["psn_no"], -acct)
    books.set_order(pay_ord_id, ctx.now_text, ord_stas="6", trace_time=ctx.now_text,
                    revs_token="RV" + secrets.token_hex(12).upper())
    return {"payOrdId": pay_ord_id, "ordStas": "6"}


def check_callback_url(url: object, allow_remote: bool) -> str:
    """A callback URL the centre may post to (loopback only, unless a control token guards the sandbox)."""
    if not isinstance(url, str) or not url:
        raise Refused("notify_url: required http(s) URL", 400)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("notify_url: must be an http(s) URL", 400)
    host = parts.hostname
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback and not allow_remote:
        raise Refused("notify_url: only loopback addresses without --control-token", 400)
    return url


def _notice_data(order: Mapping[str, Any]) -> dict[str, Any]:
    """6302 表304 (and ``ordStas``, as the public Hainan callback carries it)."""
    return {
        "payOrdId": order["pay_ord_id"], "callType": "02", "medOrgOrd": order["med_org_ord"],
        "traceTime": order["trace_time"] or "", "feeSumamt": money(order["fee_sumamt"]),
        "ownpayAmt": money(order["own_pay_amt"]), "psnAcctPay": money(order["psn_acct_pay"]),
        "fundPay": money(order["fund_pay"]), "hiChrgTime": (order["trace_time"] or "")[-8:].replace(":", ""),
        "hiDocSn": "HD" + order["pay_ord_id"][3:], "hiRgstSn": order["mdtrt_id"], "orgName": "测试医疗机构",
        "setlType": "ALL", "revsToken": order["revs_token"] or "", "ordStas": order["ord_stas"],
        "extData": {"mdtrtId": order["mdtrt_id"], "orgCodg": order["org_codg"]},
    }  # fmt: skip


def _sync_data(order: Mapping[str, Any]) -> dict[str, Any]:
    """6204 表301."""
    return {"payOrdId": order["pay_ord_id"], "medOrgOrd": order["med_org_ord"],
            "feeSumamt": money(order["fee_sumamt"]), "ownPayAmt": money(order["own_pay_amt"]),
            "psnAcctPay": money(order["psn_acct_pay"]), "fundPay": money(order["fund_pay"]),
            "thdPayType": "WECHAT"}


def _post(ctx: OnlineContext, creds: MobilePayCredentials, kind: str, url: str, data: Mapping[str, Any],
          pay_ord_id: str) -> dict[str, Any]:
    answer: Any = None
    delivered = False
    attempt = 0
    for attempt in range(1, _ATTEMPTS + 1):
        body = dumps_bytes(build_notice(dict(data), creds))  # a fresh timestamp and signature each time
        try:
            response = httpx.post(url, content=body, headers={"Content-Type": "application/json"}, timeout=10)
            code, message, reply = open_notice_reply(response.content, creds)
            answer = {"code": code, "message": message, "data": reply}
            delivered = code == 0 and (kind == "6204" or (isinstance(reply, Mapping) and reply.get("success") is True))
        except (httpx.HTTPError, Refusal, ValueError) as exc:
            answer = {"error": f"{type(exc).__name__}: {exc}"[:300]}
        with ctx.store.transaction():
            ctx.store.execute("INSERT INTO mp_notices (pay_ord_id, kind, url, attempt, delivered, answer, push_time) "
                              "VALUES (?,?,?,?,?,?,?)", (pay_ord_id, kind, url, attempt, int(delivered),
                                                         dumps_text(answer), ctx.now_text))
        if delivered:
            break
        time.sleep(0.2 * 2 ** (attempt - 1))
    return {"kind": kind, "delivered": delivered, "attempts": attempt, "answer": answer}


def push_notices(ctx: OnlineContext, creds: MobilePayCredentials, pay_ord_id: str) -> list[dict[str, Any]]:
    """Post 6204 (if registered) and 6302 for a paid order; call outside the store's transaction."""
    order = Books(ctx.store).order(pay_ord_id)
    hooks = ctx.store.query_one("SELECT * FROM mp_callbacks WHERE org_codg = ?", (order["org_codg"],)) or \
        ctx.store.query_one("SELECT * FROM mp_callbacks WHERE org_codg = '*'")
    if hooks is None:
        return []
    out = []
    if hooks.get("sync_url"):
        out.append(_post(ctx, creds, "6204", hooks["sync_url"], _sync_data(order), pay_ord_id))
    if order["ord_stas"] == "6":
        out.append(_post(ctx, creds, "6302", hooks["notify_url"], _notice_data(order), pay_ord_id))
    return out
