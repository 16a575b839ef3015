"""Stand-ins for Xiamen's local services (spec 003 functions 1-4, 6, 21-22, 28-29), which are
not public: they answer the *assumed* shapes of the Fujian catalogue entries (``verified:
false``) at ``{base}/local/api/xm/<name>`` with the centre's envelope, so the client's
data-driven local-service calls have a real other side.  What they decide is deliberately
simple: a doctor whose code starts with ``D`` is authorised and may prescribe; a face
sign-in completes when ``POST /_sandbox/local/face`` says so; logistics are 运输中 until
``POST /_sandbox/local/logistics`` says 签收; the reports read the centre's orders.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..codec import dumps_text, loads_stored
from .books import Books, OnlineContext, Refused, money

__all__ = ["HANDLERS", "PATHS", "set_state"]

PATHS = {"doctorAuthQuery": "XM01", "doctorFaceSignIn": "XM02", "doctorFaceResult": "XM03",
         "doctorRxRightCheck": "XM04", "consultRecordUpload": "XM06", "logisticsUpload": "XM21",
         "logisticsQuery": "XM22", "orderDetailQuery": "XM28", "settlementDetailQuery": "XM29"}


def _keep(ctx: OnlineContext, prefix: str, data: Mapping[str, Any], state: str) -> str:
    sn = ctx.ids().new(prefix)
    ctx.store.execute("INSERT INTO xm_records (sn, interface, org_codg, state, data, created_time) "
                      "VALUES (?,?,?,?,?,?)",
                      (sn, ctx.interface, str(data.get("orgCodg", "")), state, dumps_text(dict(data)), ctx.now_text))
    return sn


def _record(ctx: OnlineContext, sn: object, interface: str) -> dict[str, Any]:
    row = ctx.store.query_one("SELECT * FROM xm_records WHERE sn = ? AND interface = ?", (str(sn or ""), interface))
    if row is None:
        raise Refused(f"流水号不存在({sn})", 2003)
    return row


def _authorised(data: Mapping[str, Any]) -> bool:
    return str(data.get("drCode", "")).startswith("D")


def doctor_auth(ctx: OnlineContext, data: Mapping[str, Any]) -> dict[str, Any]:
    ok = _authorised(data)
    return {"authFlag": "1" if ok else "0", "drCode": data.get("drCode"), "pracCertNo": "PC" + str(data["drCode"]),
            "authMsg": "已授权医保权限" if ok else "医师未授权医保权限"}


def face_sign_in(ctx: OnlineContext, data: Mapping[str, Any]) -> dict[str, Any]:
    sn = _keep(ctx, "FACE", data, "0")
    return {"faceSn": sn, "faceUrl": f"{ctx.base_url}/_sandbox/local/face-page?faceSn={sn}"}


def face_result(ctx: OnlineContext, data: Mapping[str, Any]) -> dict[str, Any]:
    row = _record(ctx, data.get("faceSn"), "XM02")
    if loads_stored(row["data"]).get("drCode") != data.get("drCode"):
        raise Refused("drCode: 与签到的医师不一致", 2005)
    return {"faceStas": row["state"], "signTime": ctx.now_text if row["state"] == "1" else "",
            "validUntil": ctx.now_text[:10] + " 23:59:59" if row["state"] == "1" else ""}


def rx_right(ctx: OnlineContext, data: Mapping[str, Any]) -> dict[str, Any]:
    ok = _authorised(data)
    return {"rxRightFlag": "1" if ok else "0", "rxRightScope": "西药,中成药" if ok else "",
            "rightMsg": "" if ok else "无处方权"}


def consult_upload(ctx: OnlineContext, data: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(data.get("records"), list) or not data["records"]:
        raise Refused("records: 问诊记录不能为空", 2001)
    return {"uploadSn": _keep(ctx, "CONS", data, "1")}


def logistics_upload(ctx: OnlineContext, data: Mapping[str, Any]) -> dict[str, Any]:
    return {"logisticsSn": _keep(ctx, "LOGI", data, "2")}


def logistics_query(ctx: OnlineContext, data: Mapping[str, Any]) -> dict[str, Any]:
    row = _record(ctx, data.get("logisticsSn"), "XM21")
    traces = [{"time": row["created_time"], "info": "已揽收"}]
    if row["state"] == "3":
        traces.append({"time": ctx.now_text, "info": "已签收"})
    return {"logisticsStas": row["state"], "signTime": ctx.now_text if row["state"] == "3" else "", "traces": traces}


def _orders(ctx: OnlineContext, data: Mapping[str, Any]) -> list[dict[str, Any]]:
    begin, end = str(data.get("begnDate", "")), str(data.get("endDate", "")) + " 23:59:59"
    return [o for o in Books(ctx.store).orders(str(data.get("orgCodg", "")))
            if begin <= o["created_time"] <= end and (not data.get("payOrdId") or o["pay_ord_id"] == data["payOrdId"])]


def _page(rows: list[dict[str, Any]], data: Mapping[str, Any]) -> dict[str, Any]:
    size = int(Decimal(str(data.get("pageSize") or 50)))
    num = max(1, int(Decimal(str(data.get("pageNum") or 1))))
    return {"total": Decimal(len(rows)), "list": rows[(num - 1) * size:num * size]}


def order_report(ctx: OnlineContext, data: Mapping[str, Any]) -> dict[str, Any]:
    rows = [{"medOrgOrd": o["med_org_ord"], "payOrdId": o["pay_ord_id"], "ordStas": o["ord_stas"],
             "feeSumamt": money(o["fee_sumamt"]), "ownPayAmt": money(o["own_pay_amt"]),
             "psnAcctPay": money(o["psn_acct_pay"]), "fundPay": money(o["fund_pay"]),
             "traceTime": o["trace_time"] or ""}
            for o in _orders(ctx, data)]  # fmt: skip
    return _page(rows, data)


def settlement_report(ctx: OnlineContext, data: Mapping[str, Any]) -> dict[str, Any]:
    rows = []
    for o in _orders(ctx, data):
        if o["ord_stas"] in ("0", "1", "2", "12", "15"):
            continue
        for pay_type, fund_type, amount in (("CASH", "", o["own_pay_amt"]), ("HI", "310200", o["psn_acct_pay"]),
                                            ("HI", "310100", o["fund_pay"])):
            if money(amount):
                rows.append({"payOrdId": o["pay_ord_id"], "medOrgOrd": o["med_org_ord"], "payType": pay_type,
                             "fundPayType": fund_type, "payAmt": money(amount), "traceTime": o["trace_time"] or ""})
    return _page(rows, data)


def set_state(ctx: OnlineContext, interface: str, sn: str, state: str) -> dict[str, Any]:
    """Control API: a face sign-in done (XM02 -> 1) or a parcel delivered (XM21 -> 3)."""
    _record(ctx, sn, interface)
    ctx.store.execute("UPDATE xm_records SET state = ? WHERE sn = ?", (state, sn))
    return {"sn": sn, "state": state}


HANDLERS = {"XM01": doctor_auth, "XM02": face_sign_in, "XM03": face_result, "XM04": rx_right, "XM06": consult_upload,
            "XM21": logistics_upload, "XM22": logistics_query, "XM28": order_report, "XM29": settlement_report}
