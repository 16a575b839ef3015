"""Person and visit queries 5201, 5202, 5206, 5301-5303 (national baseline 表264-282).

They read the books of the calling institution (5206 is about the person) and may carry an
empty ``sign_no``.  Settlement queries 5203-5205 are in :mod:`.settlement_queries`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..books import node, opt, req, visit
from ..codec import loads_stored
from . import CallContext, Refusal, handler
from .identity import age_on

__all__ = ["in_range", "person_or_refuse"]


def person_or_refuse(ctx: CallContext, psn_no: str) -> dict[str, Any]:
    person = ctx.store.person(psn_no)
    if person is None:
        raise Refusal(f"data.psn_no: 人员编号[{psn_no}]不存在")
    return person


def _visit_row(ctx: CallContext, v: Mapping[str, Any], person: Mapping[str, Any]) -> dict[str, Any]:
    info = v["data"].get("mdtrtinfo", {})
    dscg = v["data"].get("dscginfo", {})
    insu = person["insuinfo"][0]
    return {
        "mdtrt_id": v["mdtrt_id"],
        "psn_no": v["psn_no"],
        "psn_cert_type": person["psn_cert_type"],
        "certno": person["certno"],
        "psn_name": person["psn_name"],
        "gend": person["gend"],
        "naty": person["naty"],
        "brdy": person["brdy"],
        "age": age_on(person["brdy"], ctx.today),
        "insutype": v["insutype"],
        "psn_type": insu["psn_type"],
        "cvlserv_flag": insu["cvlserv_flag"],
        "insu_optins": v["insuplc_admdvs"],
        "begntime": v["begntime"] or "",
        "endtime": v["endtime"] or "",
        "med_type": v["med_type"] or "",
        "ipt_otp_no": v["ipt_otp_no"] or "",
        "dscg_maindiag_code": info.get("dscg_maindiag_code", ""),
        "dscg_maindiag_name": info.get("dscg_maindiag_name", ""),
        "dscg_way": dscg.get("dscg_way", ""),
        "inhosp_stas": "1" if v["state"] == "admitted" else "0",
        "memo": "",
    }


def in_range(value: str | None, begin: str, end: str) -> bool:
    return bool(value) and begin <= str(value) <= end


@handler("5201")
def visits(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    data = node(inp, "data")
    psn_no = req(data, "psn_no")
    begin, end = req(data, "begntime"), req(data, "endtime")
    med_type = opt(data, "med_type")
    mdtrt_id = opt(data, "mdtrt_id")
    person = person_or_refuse(ctx, psn_no)
    rows = ctx.store.query(
        "SELECT mdtrt_id FROM visits WHERE fixmedins_code = ? AND psn_no = ? ORDER BY begntime, mdtrt_id",
        (ctx.fixmedins_code, psn_no),
    )
    out = []
    for r in rows:
        v = visit(ctx.store, ctx.fixmedins_code, r["mdtrt_id"])
        if v is None or not in_range(v["begntime"], begin, end) or (mdtrt_id and v["mdtrt_id"] != mdtrt_id):
            continue
        if med_type and v["med_type"] and v["med_type"] != med_type:
            continue
        out.append(_visit_row(ctx, v, person))
    return {"mdtrtinfo": out}


@handler("5202")
def diagnoses(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    data = node(inp, "data")
    mdtrt_id, psn_no = req(data, "mdtrt_id"), req(data, "psn_no")
    v = visit(ctx.store, ctx.fixmedins_code, mdtrt_id)
    if v is None or v["psn_no"] != psn_no:
        raise Refusal(f"data.mdtrt_id: 就诊ID[{mdtrt_id}]不存在")
    out = []
    for i, d in enumerate(v["data"].get("diseinfo", [])):
        out.append(
            {
                "diag_info_id": f"{mdtrt_id[-20:]}{i + 1:02d}",
                "mdtrt_id": mdtrt_id,
                "psn_no": psn_no,
                "inout_diag_type": "1",
                "diag_type": d.get("diag_type", "1"),
                "maindiag_flag": d.get("maindiag_flag", "0"),
                "diag_srt_no": d.get("diag_srt_no", i + 1),
                "diag_code": d.get("diag_code", ""),
                "diag_name": d.get("diag_name", ""),
                "adm_cond": d.get("adm_cond", ""),
                "diag_dept": d.get("diag_dept", ""),
                "dise_dor_no": d.get("dise_dor_no", ""),
                "dise_dor_name": d.get("dise_dor_name", ""),
                "diag_time": d.get("diag_time", ""),
            }
        )
    return {"diseinfo": out}


@handler("5206")
def cumulative(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    """5206: this year's pooled-fund payments (Z0000) and deductibles (Q0000) from settlements that stand."""
    data = node(inp, "data")
    psn_no = req(data, "psn_no")
    person = person_or_refuse(ctx, psn_no)
    year = ctx.now.strftime("%Y")
    cum_ym = opt(data, "cum_ym") or ctx.now.strftime("%Y%m")
    rows = ctx.store.query(
        "SELECT fund_pay_sumamt, detail FROM settlements WHERE psn_no = ? AND state = 'settled' AND setl_time LIKE ?",
        (psn_no, f"{year}-%"),
    )
    fund = sum((Decimal(r["fund_pay_sumamt"]) for r in rows), Decimal("0.00"))
    dedc = sum(
        (Decimal(loads_stored(r["detail"]).get("setlinfo", {}).get("act_pay_dedc", 0) or 0) for r in rows),
        Decimal("0.00"),
    )
    insutype = person["insuinfo"][0]["insutype"]
    return {
        "cuminfo": [
            {"insutype": insutype, "year": year, "cum_ym": cum_ym, "cum_type_code": "Z0000", "cum": fund},
            {"insutype": insutype, "year": year, "cum_ym": cum_ym, "cum_type_code": "Q0000", "cum": dedc},
        ]
    }


@handler("5301")
def special_disease_records(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    person = person_or_refuse(ctx, req(node(inp, "data"), "psn_no"))
    return {"feedetail": list(person.get("opsp", []))}


@handler("5302")
def designated(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    data = node(inp, "data")
    person = person_or_refuse(ctx, req(data, "psn_no"))
    req(data, "biz_appy_type")
    return {
        "psnfixmedin": [
            {
                "psn_no": person["psn_no"],
                "insutype": person["insuinfo"][0]["insutype"],
                "fix_srt_no": "1",
                "fixmedins_code": ctx.fixmedins_code,
                "fixmedins_name": ctx.fixmedins_name,
                "begndate": "2024-01-01",
                "enddate": "",
            }
        ]
    }


@handler("5303")
def in_hospital(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    data = node(inp, "data")
    psn_no = opt(data, "psn_no")
    begin, end = req(data, "begntime"), req(data, "endtime")
    sql = "SELECT mdtrt_id FROM visits WHERE fixmedins_code = ? AND kind = 'hospital' AND state = 'admitted'"
    params: list[Any] = [ctx.fixmedins_code]
    if psn_no:
        sql += " AND psn_no = ?"
        params.append(psn_no)
    out = []
    for r in ctx.store.query(sql + " ORDER BY begntime", params):
        v = visit(ctx.store, ctx.fixmedins_code, r["mdtrt_id"])
        if v is None or not in_range(v["begntime"], begin, end):
            continue
        person = person_or_refuse(ctx, v["psn_no"])
        out.append(
            {
                "mdtrt_id": v["mdtrt_id"],
                "psn_no": v["psn_no"],
                "psn_cert_type": person["psn_cert_type"],
                "certno": person["certno"],
                "psn_name": person["psn_name"],
                "gend": person["gend"],
                "brdy": person["brdy"],
                "age": age_on(person["brdy"], ctx.today),
                "insutype": v["insutype"],
                "begndate": str(v["begntime"])[:10],
                "med_type": v["med_type"] or "",
                "ipt_otp_no": v["ipt_otp_no"] or "",
                "out_flag": "0" if ctx.rules.classify(v["insuplc_admdvs"], ctx.region) == "local" else "1",
            }
        )
    return {"data": out}
