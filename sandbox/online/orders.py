"""The simulated 医保移动支付 centre's orders: 6201, 6202, 6203, 6301, 6401 (national baseline
【6201】-【6401】; online_settlement.md §4).

- 6201 费用明细上传 keeps the order (``ordStas`` 0) and answers ``payOrdId`` / ``payToken``, the
  ``mdtrtId`` (a 2201 visit of the same person, or a new one) and the cashier's address.  The
  same ``medOrgOrd`` with the same content answers the same order again (a client resolving a
  lost answer); with other content it is refused.
- 6202 支付下单 splits the fee lines with the sandbox's policy calculator (outpatient rules,
  ``docs/sandbox.md``), reserves nothing yet and leaves the order 2 结算中 until the patient
  pays at the channel (:mod:`.channel`).  ``orgBizSer`` is unique per institution; the same
  order ordered again with its own serial answers the same split.
- 6203 医保退费: only a paid order; ``totlRefdAmt`` = cash + account + fund exactly, no part
  beyond what is left of it, the 医保 parts only whole; ``appRefdSn`` is the refund's identity.
- 6301 answers the order as it stands (states 0-2 without the settlement's fields).
- 6401 undoes an order that is not paid (12 已撤销); a paid order is refused (退费 is 6203).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..codec import dumps_text, loads_stored
from ..policy import amount_matches, settle, split_line
from ..rules import RegionRules, rules_for
from ..seed import catalog_entry
from .books import Books, OnlineContext, Refused, fingerprint, money

__all__ = ["HANDLERS", "order_view"]

_PAID = ("3", "4", "5", "6", "8", "9", "10", "11")  # paid and not wholly refunded (7)
ZERO = Decimal("0.00")


def _person(ctx: OnlineContext, data: Mapping[str, Any]) -> dict[str, Any]:
    person = ctx.store.person(str(data.get("psnNo", "")))
    if person is None:
        raise Refused("psnNo: 人员不存在", 2004)
    if data.get("idNo") and data["idNo"] != person["certno"]:
        raise Refused("idNo: 与人员信息不一致", 2004)
    if data.get("userName") and data["userName"] != person["psn_name"]:
        raise Refused("userName: 与人员信息不一致", 2004)
    return person


def _authorised(ctx: OnlineContext, data: Mapping[str, Any], psn_no: str) -> str:
    """The ``payAuthNo`` (or e-voucher token) must be the patient's own."""
    auth = data.get("payAuthNo")
    if auth:
        row = ctx.store.query_one("SELECT psn_no FROM mp_auth WHERE pay_auth_no = ?", (auth,))
        if row is None or row["psn_no"] != psn_no:
            raise Refused("payAuthNo: 支付授权码无效或不属于该参保人", 2005)
        return str(auth)
    token = data.get("ecToken")
    if token:
        row = ctx.store.query_one("SELECT psn_no FROM ectokens WHERE ectoken = ?", (token,))
        if row is None or row["psn_no"] != psn_no:
            raise Refused("ecToken: 电子凭证令牌无效", 2005)
        return ""
    raise Refused("payAuthNo: payAuthNo与ecToken不能同时为空", 2001)


def uld_fee_info(ctx: OnlineContext, data: Mapping[str, Any]) -> dict[str, Any]:
    """6201 费用明细上传."""
    person = _person(ctx, data)
    auth = _authorised(ctx, data, person["psn_no"])
    org, mo = str(data["orgCodg"]), str(data["medOrgOrd"])
    lines = data.get("feedetailList") or []
    total = ZERO
    for n, line in enumerate(lines):
        amount = money(line.get("detItemFeeSumamt"))
        if not amount_matches(money(line.get("cnt")), Decimal(str(line.get("pric"))), amount):
            raise Refused(f"feedetailList[{n}].detItemFeeSumamt: 不等于数量×单价", 2001)
        total += amount
    if money(data.get("medfeeSumamt")) != total:
        raise Refused(f"medfeeSumamt: {data.get('medfeeSumamt')} 不等于明细合计 {total}", 2001)
    print_ = fingerprint(data)
    known = ctx.store.query_one("SELECT * FROM mp_orders WHERE org_codg = ? AND med_org_ord = ?", (org, mo))
    if known is not None:
        if known["fingerprint"] != print_ or known["ord_stas"] == "12":
            raise Refused(f"medOrgOrd: 医疗机构订单号已存在({mo})", 2006)
        return _uploaded(ctx, known)
    mdtrt_id = str(data.get("mdtrtId") or "")
    if mdtrt_id:
        visit = ctx.store.query_one("SELECT psn_no FROM visits WHERE mdtrt_id = ?", (mdtrt_id,))
        if visit is None or visit["psn_no"] != person["psn_no"]:
            raise Refused("mdtrtId: 就诊ID不存在或不属于该参保人", 2004)
    else:
        mdtrt_id = ctx.ids().mdtrt_id()
    row = {
        "pay_ord_id": ctx.ids().new("ORD"), "pay_token": "PT" + secrets.token_hex(15).upper(), "org_codg": org,
        "med_org_ord": mo, "psn_no": person["psn_no"], "id_no": person["certno"], "user_name": person["psn_name"],
        "mdtrt_id": mdtrt_id, "chrg_bchno": str(data["chrgBchno"]), "ord_stas": "0", "fingerprint": print_,
        "data": dumps_text(dict(data)), "pay_auth_no": auth or None,
        "acct_used_flag": str(data.get("acctUsedFlag", "0")),
        "fee_sumamt": str(total), "created_time": ctx.now_text, "updated_time": ctx.now_text,
    }  # fmt: skip
    ctx.store.execute(f"INSERT INTO mp_orders ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
                      tuple(row.values()))
    return _uploaded(ctx, row)


def _uploaded(ctx: OnlineContext, row: Mapping[str, Any]) -> dict[str, Any]:
    cashier = f"{ctx.base_url}/_sandbox/mobilepay/cashier?payOrdId={row['pay_ord_id']}"
    return {"payOrdId": row["pay_ord_id"], "payToken": row["pay_token"], "cashierUrl": cashier,
            "extData": {"mdtrtId": row["mdtrt_id"], "medOrgOrd": row["med_org_ord"]}}


def _split(ctx: OnlineContext, order: Mapping[str, Any], acct_used_flag: str) -> dict[str, Decimal]:
    data = loads_stored(order["data"])
    rules: RegionRules = rules_for("350200")
    rows = [split_line({"feedetl_sn": ln.get("feedetlSn"), "det_item_fee_sumamt": money(ln.get("detItemFeeSumamt")),
                        "cnt": money(ln.get("cnt")), "pric": Decimal(str(ln.get("pric"))),
                        "hosp_appr_flag": ln.get("hospApprFlag", "")}, catalog_entry(str(ln.get("medListCodg", ""))))
            for ln in data.get("feedetailList") or []]  # fmt: skip
    person = ctx.store.person(order["psn_no"]) or {}
    insu = (person.get("insuinfo") or [{}])[0]
    result = settle(
        rows, params=rules.policy, kind="clinic", level=RegionRules.institution_level(order["org_codg"]),
        insutype=str(data.get("insutype") or insu.get("insutype", "390")), psn_type=str(insu.get("psn_type", "")),
        cvlserv_flag=str(insu.get("cvlserv_flag", "0")),
        idet_types=[str(i.get("psn_idet_type")) for i in person.get("idetinfo") or []],
        locality=rules.classify(str(person.get("insuplc_admdvs", "")), "350200"), acct_used_flag=acct_used_flag,
        balance=ctx.store.balance(order["psn_no"]),
    )  # fmt: skip
    return {"feeSumamt": result.medfee_sumamt, "ownPayAmt": result.psn_cash_pay, "psnAcctPay": result.acct_pay,
            "fundPay": result.fund_pay_sumamt}


def pay_order(ctx: OnlineContext, data: Mapping[str, Any]) -> dict[str, Any]:
    """6202 支付下单."""
    books = Books(ctx.store)
    order = books.order(data.get("payOrdId"))
    if data.get("payToken") != order["pay_token"]:
        raise Refused("payToken: 与费用上传返回的不一致", 2005)
    if order["org_codg"] != data.get("orgCodg"):
        raise Refused("orgCodg: 不是该订单的机构", 2005)
    if data.get("mdtrtId") and data["mdtrtId"] != order["mdtrt_id"]:
        raise Refused("mdtrtId: 与费用上传返回的不一致", 2005)
    biz = str(data["orgBizSer"])
    used = ctx.store.query_one("SELECT pay_ord_id FROM mp_orders WHERE org_codg = ? AND org_biz_ser = ?",
                               (order["org_codg"], biz))
    if used is not None and used["pay_ord_id"] != order["pay_ord_id"]:
        raise Refused("orgBizSer: 业务流水号已使用", 2006)
    if order["ord_stas"] != "0":
        if order["org_biz_ser"] == biz:  # this very request again: the same answer
            return order_view(order, full=True)
        raise Refused(f"payOrdId: 订单状态为{order['ord_stas']}, 不能再次下单", 2007)
    _authorised(ctx, {"payAuthNo": data.get("payAuthNo"), "ecToken": None}, order["psn_no"])
    flag = str(data.get("acctUsedFlag") or order["acct_used_flag"])
    split = _split(ctx, order, flag)
    books.set_order(order["pay_ord_id"], ctx.now_text, ord_stas="2", org_biz_ser=biz, acct_used_flag=flag,
                    fee_sumamt=split["feeSumamt"], own_pay_amt=split["ownPayAmt"],
                    psn_acct_pay=split["psnAcctPay"], fund_pay=split["fundPay"])
    return order_view(books.order(order["pay_ord_id"]), full=True)


def order_view(order: Mapping[str, Any], *, full: bool) -> dict[str, Any]:
    """The order as 6202 / 6301 / 6302 carry it (the 6302 spelling ``ownpayAmt`` is the notice's)."""
    out: dict[str, Any] = {"payOrdId": order["pay_ord_id"], "ordStas": order["ord_stas"],
                           "medOrgOrd": order["med_org_ord"], "payToken": order["pay_token"]}
    if full and order["ord_stas"] != "0":
        out.update(feeSumamt=money(order["fee_sumamt"]), ownPayAmt=money(order["own_pay_amt"]),
                   psnAcctPay=money(order["psn_acct_pay"]), fundPay=money(order["fund_pay"]))
    return out


def query_order_info(ctx: OnlineContext, data: Mapping[str, Any]) -> dict[str, Any]:
    """6301 医保订单结算结果查询."""
    order = Books(ctx.store).order(data.get("payOrdId"))
    if data.get("payToken") != order["pay_token"] or data.get("orgCodg") != order["org_codg"]:
        raise Refused("payToken: 与费用上传时不一致", 2005)
    if data.get("idNo") != order["id_no"]:
        raise Refused("idNo: 与订单的参保人不一致", 2005)
    out = order_view(order, full=order["ord_stas"] not in ("0", "1", "2") or order["org_biz_ser"] is not None)
    if order["ord_stas"] not in ("0", "1", "2"):
        out.update(callType="02", traceTime=order["trace_time"] or "", orgCodg=order["org_codg"],
                   orgName="测试医疗机构", setlType="ALL", revsToken=order["revs_token"] or "",
                   extData={"refdCash": money(order["refd_cash"]), "refdAcct": money(order["refd_acct"]),
                            "refdFund": money(order["refd_fund"]), "mdtrtId": order["mdtrt_id"]})
    return out


def revoke_order(ctx: OnlineContext, data: Mapping[str, Any]) -> dict[str, Any]:
    """6401 费用明细上传撤销 (only what is not paid)."""
    books = Books(ctx.store)
    order = books.order(data.get("payOrdId"))
    if data.get("payToken") != order["pay_token"] or data.get("idNo") != order["id_no"]:
        raise Refused("payToken: 与费用上传时不一致", 2005)
    if order["ord_stas"] == "12":
        raise Refused("payOrdId: 订单已撤销", 2008)
    if order["ord_stas"] not in ("0", "1", "2"):
        raise Refused(f"payOrdId: 订单状态为{order['ord_stas']}(已支付), 请使用6203退费", 2007)
    books.set_order(order["pay_ord_id"], ctx.now_text, ord_stas="12")
    return {"success": True}


def _refund_state(order: Mapping[str, Any], cash: Decimal, acct: Decimal, fund: Decimal) -> str:
    left_cash = money(order["own_pay_amt"]) - cash
    hi_all = money(order["psn_acct_pay"]) + money(order["fund_pay"])
    hi_done = acct + fund
    if left_cash == 0 and hi_done == hi_all:
        return "7"
    if hi_done == hi_all and hi_all > 0:
        return "11" if cash > 0 else "8"
    return "9" if left_cash == 0 else "10"


def refund_order(ctx: OnlineContext, data: Mapping[str, Any]) -> dict[str, Any]:
    """6203 医保退费."""
    books = Books(ctx.store)
    order = books.order(data.get("payOrdId"))
    org = order["org_codg"]
    sn = str(data["appRefdSn"])
    known = ctx.store.query_one("SELECT * FROM mp_refunds WHERE org_codg = ? AND app_refd_sn = ?", (org, sn))
    keyed = {k: data.get(k) for k in ("payOrdId", "totlRefdAmt", "cashRefdAmt", "psnAcctRefdAmt", "fundRefdAmt",
                                      "refdType")}
    if known is not None:
        if known["fingerprint"] != fingerprint(keyed):
            raise Refused("appRefdSn: 应用退款流水号已用于另一笔退款", 2006)
        reply: dict[str, Any] = loads_stored(known["reply"])
        return reply  # the same refund again: its first answer, nothing refunded twice
    if order["ord_stas"] not in _PAID:
        raise Refused(f"payOrdId: 订单状态为{order['ord_stas']}, 不能退费", 2007)
    total, cash = money(data.get("totlRefdAmt")), money(data.get("cashRefdAmt"))
    acct, fund = money(data.get("psnAcctRefdAmt")), money(data.get("fundRefdAmt"))
    if min(total, cash, acct, fund) < 0 or total <= 0 or total != cash + acct + fund:
        raise Refused("totlRefdAmt: 须等于现金、个人账户与基金退费之和", 2001)
    kind = data.get("refdType")
    if kind not in ("ALL", "CASH", "HI") or (kind == "CASH" and acct + fund) or (kind == "HI" and cash):
        raise Refused("refdType: 须为ALL/CASH/HI且与各部分金额一致", 2001)
    done_cash, done_acct, done_fund = money(order["refd_cash"]), money(order["refd_acct"]), money(order["refd_fund"])
    if (cash > money(order["own_pay_amt"]) - done_cash or acct > money(order["psn_acct_pay"]) - done_acct
            or fund > money(order["fund_pay"]) - done_fund):
        raise Refused("totlRefdAmt: 退费金额超过原结算剩余可退金额", 2009)
    if (acct or fund) and (acct != money(order["psn_acct_pay"]) or fund != money(order["fund_pay"])):
        raise Refused("fundRefdAmt: 医保部分(基金及个人账户)须全额退回", 2009)
    done = (done_cash + cash, done_acct + acct, done_fund + fund)
    books.set_order(order["pay_ord_id"], ctx.now_text, refd_cash=done[0], refd_acct=done[1], refd_fund=done[2],
                    ord_stas=_refund_state(order, *done))
    if acct:
        ctx.store.adjust_balance(order["psn_no"], acct)
    reply = {"refdSn": ctx.ids().new("RF"), "hiFefdSn": ctx.ids().new("HF") if acct + fund else "",
             "hiTrnsDate": ctx.stamp[:8], "hiTrnsTime": ctx.stamp[8:], "refStatus": "SUCC"}
    ctx.store.execute(
        "INSERT INTO mp_refunds (org_codg, app_refd_sn, pay_ord_id, fingerprint, totl, cash, acct, fund, refd_type, "
        "reply, refd_time) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (org, sn, order["pay_ord_id"], fingerprint(keyed), str(total), str(cash), str(acct), str(fund), kind,
         dumps_text(reply), ctx.now_text),
    )
    return reply


HANDLERS = {"6201": uld_fee_info, "6202": pay_order, "6203": refund_order, "6301": query_order_info,
            "6401": revoke_order}
