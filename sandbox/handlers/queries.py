"""Queries 5201-5206 and 5301-5303 (national baseline 表264-282; spec_reference §13 for 5203/5204).

All read the books of the calling institution (except 5205/5206, which are about the person)
and may carry an empty ``sign_no``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from ..books import node, opt, req, visit
from ..seed import catalog_entry
from . import CallContext, Refusal, handler
from .identity import age_on

__all__: list[str] = []


def _person(ctx: CallContext, psn_no: str) -> dict[str, Any]:
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


def _in_range(value: str | None, begin: str, end: str) -> bool:
    return bool(value) and begin <= str(value) <= end


@handler("5201")
def visits(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    data = node(inp, "data")
    psn_no = req(data, "psn_no")
    begin, end = req(data, "begntime"), req(data, "endtime")
    med_type = opt(data, "med_type")
    mdtrt_id = opt(data, "mdtrt_id")
    person = _person(ctx, psn_no)
    rows = ctx.store.query(
        "SELECT mdtrt_id FROM visits WHERE fixmedins_code = ? AND psn_no = ? ORDER BY begntime, mdtrt_id",
        (ctx.fixmedins_code, psn_no),
    )
    out = []
    for r in rows:
        v = visit(ctx.store, ctx.fixmedins_code, r["mdtrt_id"])
        if v is None or not _in_range(v["begntime"], begin, end) or (mdtrt_id and v["mdtrt_id"] != mdtrt_id):
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


def _settlement(ctx: CallContext, data: Mapping[str, Any]) -> dict[str, Any]:
    setl_id, mdtrt_id, psn_no = req(data, "setl_id"), req(data, "mdtrt_id"), req(data, "psn_no")
    row = ctx.store.settlement(ctx.fixmedins_code, setl_id)
    if row is None or row["mdtrt_id"] != mdtrt_id or row["psn_no"] != psn_no:
        raise Refusal(f"data.setl_id: 结算ID[{setl_id}]不存在")
    return row


@handler("5203")
def settlement_info(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    row = _settlement(ctx, node(inp, "data"))
    info = dict(row["detail"].get("setlinfo", {}))
    for key in ("psn_part_amt", "psn_cash_pay", "hosp_part_amt", "hifdm_pay"):
        info.pop(key, None)
    v = visit(ctx.store, ctx.fixmedins_code, row["mdtrt_id"]) or {}
    info.update(
        {
            "fixmedins_code": ctx.fixmedins_code,
            "fixmedins_name": ctx.fixmedins_name,
            "insu_optins": row["clr_optins"],
            "pay_loc": "2",
            "begndate": str(v.get("begntime") or row["setl_time"])[:10],
            "enddate": row["setl_time"][:10],
            "psn_pay": row["acct_pay"] + row["psn_cash_pay"],
            "cash_payamt": row["psn_cash_pay"],
            "refd_setl_flag": "1" if row["state"] != "settled" else "0",
            "year": row["setl_time"][:4],
            "flxempe_flag": "0",
            "nwb_flag": "0",
            "opter_id": ctx.opter,
            "opter_name": ctx.opter_name,
            "opt_time": row["setl_time"],
        }
    )
    return {"setlinfo": info, "setldetail": row["detail"].get("setldetail", [])}


def _fee_rows(
    ctx: CallContext, lines: Sequence[Mapping[str, Any]], extra: Mapping[str, Any]
) -> list[dict[str, Any]]:
    out = []
    for line in lines:
        cut = line.get("cut", {})
        entry = catalog_entry(str(line.get("med_list_codg", ""))) or {}
        out.append(
            {
                **extra,
                "feedetl_sn": line["feedetl_sn"],
                "rx_drord_no": line.get("rxno") or line.get("drord_no") or "",
                "fee_ocur_time": line.get("fee_ocur_time", ""),
                "cnt": line.get("cnt"),
                "pric": line.get("pric"),
                "det_item_fee_sumamt": line.get("det_item_fee_sumamt"),
                "pric_uplmt_amt": cut.get("pric_uplmt_amt"),
                "selfpay_prop": cut.get("selfpay_prop"),
                "fulamt_ownpay_amt": cut.get("fulamt_ownpay_amt"),
                "overlmt_amt": cut.get("overlmt_amt"),
                "preselfpay_amt": cut.get("preselfpay_amt"),
                "inscp_scp_amt": cut.get("inscp_scp_amt"),
                "chrgitm_lv": cut.get("chrgitm_lv", ""),
                "hilist_code": line.get("med_list_codg", ""),
                "hilist_name": entry.get("med_list_name", ""),
                "list_type": entry.get("list_type", ""),
                "med_list_codg": line.get("med_list_codg", ""),
                "medins_list_codg": line.get("medins_list_codg", ""),
                "medins_list_name": entry.get("med_list_name", ""),
                "med_chrgitm_type": cut.get("med_chrgitm_type", ""),
                "spec": entry.get("spec", ""),
                "dosform_name": entry.get("dosform_name", ""),
                "lmt_used_flag": cut.get("lmt_used_flag", "0"),
                "hosp_appr_flag": line.get("hosp_appr_flag", ""),
                "memo": cut.get("memo", ""),
            }
        )
    return out


@handler("5204")
def fee_details(ctx: CallContext, inp: Mapping[str, Any]) -> list[dict[str, Any]]:
    """5204: ``output`` is a JSON array of rows (no node name)."""
    from ..books import fees

    row = _settlement(ctx, node(inp, "data"))
    lines = fees(
        ctx.store,
        row["mdtrt_id"],
        states=("settled", "cancelled", "reversed", "uploaded"),
        setl_id=row["setl_id"],
    )
    return _fee_rows(
        ctx, lines, {"mdtrt_id": row["mdtrt_id"], "setl_id": row["setl_id"], "med_type": row["med_type"]}
    )


@handler("5205")
def special_disease_drugs(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    from ..books import fees

    data = node(inp, "data")
    psn_no = req(data, "psn_no")
    begin, end = req(data, "begntime"), opt(data, "endtime") or "9999-12-31 23:59:59"
    _person(ctx, psn_no)
    out = []
    for v in ctx.store.query("SELECT * FROM visits WHERE psn_no = ? AND med_type = '14'", (psn_no,)):
        lines = [
            x
            for x in fees(ctx.store, v["mdtrt_id"], states=("settled",))
            if _in_range(x.get("fee_ocur_time"), begin, end)
        ]
        out += _fee_rows(
            ctx,
            lines,
            {"fixmedins_code": v["fixmedins_code"], "fixmedins_name": "", "psn_no": psn_no, "med_type": "14"},
        )
    return {"feedetail": out}


@handler("5206")
def cumulative(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    """5206: this year's pooled-fund payments (Z0000) and deductibles (Q0000) from settlements that stand."""
    data = node(inp, "data")
    psn_no = req(data, "psn_no")
    person = _person(ctx, psn_no)
    year = ctx.now.strftime("%Y")
    cum_ym = opt(data, "cum_ym") or ctx.now.strftime("%Y%m")
    rows = ctx.store.query(
        "SELECT fund_pay_sumamt, detail FROM settlements "
        "WHERE psn_no = ? AND state = 'settled' AND setl_time LIKE ?",
        (psn_no, f"{year}-%"),
    )
    from yibao.core import wire

    fund = sum((Decimal(r["fund_pay_sumamt"]) for r in rows), Decimal("0.00"))
    dedc = sum(
        (Decimal(wire.loads(r["detail"]).get("setlinfo", {}).get("act_pay_dedc", 0) or 0) for r in rows),
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
    person = _person(ctx, req(node(inp, "data"), "psn_no"))
    return {"feedetail": list(person.get("opsp", []))}


@handler("5302")
def designated(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    data = node(inp, "data")
    person = _person(ctx, req(data, "psn_no"))
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
        if v is None or not _in_range(v["begntime"], begin, end):
            continue
        person = _person(ctx, v["psn_no"])
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
