"""Settlement queries 5203 结算信息查询, 5204 费用明细查询, 5205 人员慢特病用药记录查询.

National baseline 表268-274; spec_reference §13 for the 5203 extras and 5204's bare-list
``output``.  They read the calling institution's books (5205: the person's 慢特病 lines
anywhere) and may carry an empty ``sign_no``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..books import fees, node, opt, req, visit
from ..seed import catalog_entry
from . import CallContext, Refusal, handler
from .queries import in_range, person_or_refuse

__all__: list[str] = []


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


def _fee_rows(ctx: CallContext, lines: Sequence[Mapping[str, Any]], extra: Mapping[str, Any]) -> list[dict[str, Any]]:
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
    row = _settlement(ctx, node(inp, "data"))
    lines = fees(
        ctx.store,
        row["mdtrt_id"],
        states=("settled", "cancelled", "reversed", "uploaded"),
        setl_id=row["setl_id"],
    )
    return _fee_rows(ctx, lines, {"mdtrt_id": row["mdtrt_id"], "setl_id": row["setl_id"], "med_type": row["med_type"]})


@handler("5205")
def special_disease_drugs(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    data = node(inp, "data")
    psn_no = req(data, "psn_no")
    begin, end = req(data, "begntime"), opt(data, "endtime") or "9999-12-31 23:59:59"
    person_or_refuse(ctx, psn_no)
    out = []
    for v in ctx.store.query("SELECT * FROM visits WHERE psn_no = ? AND med_type = '14'", (psn_no,)):
        lines = [
            x
            for x in fees(ctx.store, v["mdtrt_id"], states=("settled",))
            if in_range(x.get("fee_ocur_time"), begin, end)
        ]
        out += _fee_rows(
            ctx,
            lines,
            {"fixmedins_code": v["fixmedins_code"], "fixmedins_name": "", "psn_no": psn_no, "med_type": "14"},
        )
    return {"feedetail": out}
