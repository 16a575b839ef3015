"""Dongguan's city services (附件6): 90100 缴费明细, 90201 / 90101 生育登记, 90206 / 90304 / 90104
慢特病备案, 90210 / 90211 / 90110 定点备案, 90215 转院查询, 90517 未就业配偶, 90502 / 90504 月结.

No public document gives their tables; the centre's copy is in ``data/regions.json`` (441900,
``verified: false``, the same tables as the client's ``dongguan_tables``).  The behaviour:

- 90100: the person's contributions of the last 12 months, computed from the seed (employees
  310 monthly on a 5000.00 base: 单位 8% 400.00, 个人 2% 100.00; residents 390 once a year in
  January 380.00; nothing after a suspension or before ``psn_insu_date``);
- 90201 生育登记: a woman (``gend`` 2) insured under ``insutype``, one active registration;
  90101 lists them; 90517 未就业配偶: a valid ID number (GB 11643 for type 01), one per insured;
- 90206 / 90210 file 慢特病 / 定点 records of the national kinds (``opsp``, ``fix``), so 5301 /
  5302 show them too; 90304 revokes a 90206 (or 2503) filing; 90211 changes an active 定点 filing
  (the old one ``changed``, a new one active); 90104 / 90110 list them;
- 90215: the person's 转院 filings (2501 / 2501A) made between two dates;
- 90502 / 90504: the month's ledger of this institution, by 清算类别 (and 险种 for 90502).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from .. import records
from ..books import node, opt, req
from ..idcard import valid_resident_id
from . import CallContext, HandlerResult, Refusal, handler
from .filings import check_opsp, check_person_insutype
from .queries import person_or_refuse

__all__: list[str] = []

_EMP = (Decimal("400.00"), Decimal("100.00"))
_RES = Decimal("380.00")


def _months(today: date, n: int = 12) -> list[str]:
    y, m = today.year, today.month
    out = []
    for _ in range(n):
        out.append(f"{y:04d}{m:02d}")
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return list(reversed(out))


@handler("90100")
def contributions(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """90100 人员近一年缴费明细查询."""
    data = node(inp, "data")
    person = person_or_refuse(ctx, req(data, "psn_no"))
    begin, end = opt(data, "begndate").replace("-", "")[:6], opt(data, "enddate").replace("-", "")[:6]
    out = []
    for insu in person["insuinfo"]:
        start = str(insu.get("psn_insu_date", "")).replace("-", "")[:6]
        stop = str(insu.get("paus_insu_date") or "").replace("-", "")[:6]
        for ym in _months(ctx.now.date()):
            if ym < start or (stop and ym >= stop) or (begin and ym < begin) or (end and ym > end):
                continue
            employee = insu["insutype"].startswith("31")
            if not employee and not ym.endswith("01"):
                continue
            emp, own = _EMP if employee else (Decimal("0.00"), _RES)
            out.append({"psn_no": person["psn_no"], "insutype": insu["insutype"], "accrym": ym,
                        "emp_name": insu.get("emp_name", ""), "emp_clct_amt": emp, "psn_clct_amt": own,
                        "clct_time": f"{ym[:4]}-{ym[4:]}-15"})  # fmt: skip
    return {"data": out}


def _filed(r: Mapping[str, Any]) -> dict[str, Any]:
    return {"trt_dcla_detl_sn": r["sn"], "vali_flag": "1" if r["state"] == "active" else "0", "state": r["state"]}


@handler("90201", changes_state=True)
def maternity(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """90201 生育登记."""
    data = node(inp, "data")
    person = check_person_insutype(ctx, data)
    if person["gend"] != "2":
        raise Refusal("data.psn_no: 生育登记的参保人须为女性")
    weeks = int(Decimal(str(data.get("geso_val") or 0)))
    if not 1 <= weeks <= 45:
        raise Refusal("data.geso_val: 孕周数应在1-45之间")
    if records.find(ctx, ("matn",), psn_no=person["psn_no"], states=("active",)):
        raise Refusal("data.psn_no: 人员已有有效的生育登记")
    sn = records.add(ctx, "matn", dict(data), psn_no=person["psn_no"], prefix="SY")
    return {"result": {"trt_dcla_detl_sn": sn}}


@handler("90101")
def maternity_records(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """90101 生育登记查询."""
    person = person_or_refuse(ctx, req(node(inp, "data"), "psn_no"))
    out = []
    for r in records.find(ctx, ("matn",), psn_no=person["psn_no"]):
        d = r["data"]
        out.append({**_filed(r), "psn_no": person["psn_no"], "matn_type": d.get("matn_type", ""),
                    "geso_val": d.get("geso_val"), "last_mena_date": d.get("last_mena_date", ""),
                    "fixmedins_code": d.get("fixmedins_code", ""), "begndate": d.get("begndate", ""),
                    "enddate": d.get("enddate", "")})  # fmt: skip
    return {"data": out}


@handler("90517", changes_state=True)
def spouse(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """90517 未就业配偶信息上传 (for the maternity benefit of an insured man's unemployed spouse)."""
    data = node(inp, "data")
    person = person_or_refuse(ctx, req(data, "psn_no"))
    certno = req(data, "spus_certno")
    if req(data, "spus_cert_type") == "01" and not valid_resident_id(certno):
        raise Refusal("data.spus_certno: 居民身份证号码无效(GB 11643)")
    if certno == person["certno"]:
        raise Refusal("data.spus_certno: 配偶证件号码不能是参保人本人的")
    if req(data, "unemp_flag") != "1":
        raise Refusal("data.unemp_flag: 仅未就业配偶(1)可登记")
    if records.find(ctx, ("spouse",), psn_no=person["psn_no"], states=("active",)):
        raise Refusal("data.psn_no: 参保人已登记未就业配偶")
    sn = records.add(ctx, "spouse", dict(data), psn_no=person["psn_no"], prefix="PO")
    return {"result": {"trt_dcla_detl_sn": sn}}


@handler("90206", changes_state=True)
def city_opsp(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """90206 慢特病备案(东莞): a 慢特病 filing like 2503's."""
    data = node(inp, "data")
    person = check_person_insutype(ctx, data)
    check_opsp(ctx, data, person["psn_no"])
    sn = records.add(ctx, "opsp", {**data, "dcla_souc": "01"}, psn_no=person["psn_no"], prefix="MT")
    return {"result": {"trt_dcla_detl_sn": sn}}


@handler("90304", changes_state=True)
def city_opsp_undo(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """90304 撤销慢特病备案."""
    data = node(inp, "data")
    sn = req(data, "trt_dcla_detl_sn")
    records.need(ctx, sn, ("opsp",), "data.trt_dcla_detl_sn", psn_no=req(data, "psn_no"))
    records.update(ctx, sn, state="revoked", revoked_time=ctx.now_text, memo=req(data, "memo"))
    return None


@handler("90104")
def city_opsp_records(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """90104 门慢门特登记查询(东莞): the person's 慢特病 filings, revoked ones with vali_flag 0."""
    person = person_or_refuse(ctx, req(node(inp, "data"), "psn_no"))
    out = [{"trt_dcla_detl_sn": "", "vali_flag": "1", "dcla_souc": "02", **o} for o in person.get("opsp", [])]
    for r in records.find(ctx, ("opsp",), psn_no=person["psn_no"]):
        d = r["data"]
        out.append({**_filed(r), "opsp_dise_code": d.get("opsp_dise_code", ""),
                    "opsp_dise_name": d.get("opsp_dise_name", ""),
                    "ide_fixmedins_no": d.get("ide_fixmedins_no", ""), "begndate": d.get("begndate", ""),
                    "enddate": d.get("enddate", ""), "dcla_souc": "01"})  # fmt: skip
    return {"data": out}


@handler("90210", changes_state=True)
def city_fix(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """90210 人员定点备案(东莞): a 定点 filing (业务申请类型 03 就医定点医疗机构登记)."""
    data = node(inp, "data")
    person = person_or_refuse(ctx, req(data, "psn_no"))
    srt = req(data, "fix_srt_no")
    for r in records.find(ctx, ("fix",), psn_no=person["psn_no"], states=("active",)):
        if r["data"].get("fix_srt_no") == srt and str(r["data"].get("biz_appy_type") or "03") == "03":
            raise Refusal(f"data.fix_srt_no: 人员已有排序号[{srt}]的有效定点备案[{r['sn']}]，请用90211变更")
    sn = records.add(ctx, "fix", {**data, "biz_appy_type": "03"}, psn_no=person["psn_no"], prefix="DD")
    return {"result": {"trt_dcla_detl_sn": sn}}


@handler("90211", changes_state=True)
def city_fix_change(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """90211 人员定点备案变更: the old filing is ``changed``, the new institution's is active."""
    data = node(inp, "data")
    psn_no = req(data, "psn_no")
    old = records.need(ctx, req(data, "trt_dcla_detl_sn"), ("fix",), "data.trt_dcla_detl_sn", psn_no=psn_no)
    if old["data"].get("fixmedins_code") == req(data, "fixmedins_code"):
        raise Refusal("data.fixmedins_code: 变更后的定点机构与原定点机构相同")
    records.update(ctx, old["sn"], state="changed", changed_time=ctx.now_text, chg_rea=req(data, "chg_rea"))
    new = {**old["data"], **{k: v for k, v in data.items() if k != "trt_dcla_detl_sn"}, "chg_from": old["sn"]}
    sn = records.add(ctx, "fix", new, psn_no=psn_no, prefix="DD")
    return {"result": {"trt_dcla_detl_sn": sn}}


@handler("90110")
def city_fix_records(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """90110 人员定点信息查询(东莞)."""
    person = person_or_refuse(ctx, req(node(inp, "data"), "psn_no"))
    out = []
    for r in records.find(ctx, ("fix",), psn_no=person["psn_no"]):
        d = r["data"]
        out.append({**_filed(r), "psn_no": person["psn_no"], "fix_srt_no": d.get("fix_srt_no", ""),
                    "fixmedins_code": d.get("fixmedins_code", ""), "fixmedins_name": d.get("fixmedins_name", ""),
                    "begndate": d.get("begndate", ""), "enddate": d.get("enddate", "")})  # fmt: skip
    return {"data": out}


@handler("90215")
def city_referrals(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """90215 转院信息查询(东莞): the 2501 / 2501A filings made between ``begndate`` and ``enddate``."""
    data = node(inp, "data")
    person = person_or_refuse(ctx, req(data, "psn_no"))
    begin, end = req(data, "begndate"), req(data, "enddate")
    if end < begin:
        raise Refusal("data.enddate: 结束日期早于开始日期")
    out = []
    for r in records.find(ctx, ("refl",), psn_no=person["psn_no"]):
        if not begin <= r["created"][:10] <= end:
            continue
        d = r["data"]
        out.append({**_filed(r), "psn_no": person["psn_no"], "reflin_medins_no": d.get("reflin_medins_no", ""),
                    "reflin_medins_name": d.get("reflin_medins_name", ""), "refl_type": d.get("refl_type", ""),
                    "refl_date": d.get("refl_date", ""), "begndate": d.get("begndate") or d.get("refl_date", ""),
                    "enddate": d.get("enddate", "")})  # fmt: skip
    return {"data": out}


def _month_rows(ctx: CallContext, data: Mapping[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    ym = req(data, "setl_ym")
    if len(ym) != 6 or not ym.isdigit() or not 1 <= int(ym[4:]) <= 12:
        raise Refusal("data.setl_ym: 结算年月格式应为yyyyMM")
    prefix = f"{ym[:4]}-{ym[4:]}"
    rows = [r for r in ctx.store.ledger(ctx.fixmedins_code) if str(r["setl_time"]).startswith(prefix)
            and r["state"] in ("settled", "cancelled")]  # fmt: skip
    return ym, rows


def _sums(rows: list[dict[str, Any]]) -> dict[str, Any]:
    live = [r for r in rows if r["state"] == "settled"]
    zero = Decimal("0.00")
    return {"setl_cnt": Decimal(len(live)), "medfee_sumamt": sum((r["medfee_sumamt"] for r in live), zero),
            "fund_pay_sumamt": sum((r["fund_pay_sumamt"] for r in live), zero),
            "acct_pay": sum((r["acct_pay"] for r in live), zero),
            "psn_cash_pay": sum((r["psn_cash_pay"] for r in live), zero)}  # fmt: skip


@handler("90502")
def month_counts(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """90502 月结对数查询: the month's settlements that stand, by 清算类别 and 险种; cancels counted apart."""
    data = node(inp, "data")
    ym, rows = _month_rows(ctx, data)
    keys = sorted({(r["clr_type"], r["insutype"]) for r in rows})
    out = []
    for clr, insutype in keys:
        if (opt(data, "clr_type") and clr != opt(data, "clr_type")) or (opt(data, "insutype") and insutype != opt(data,
                                                                                                                  "insutype")):
            continue
        group = [r for r in rows if (r["clr_type"], r["insutype"]) == (clr, insutype)]
        out.append({"setl_ym": ym, "clr_type": clr, "insutype": insutype, **_sums(group),
                    "refd_setl_cnt": Decimal(sum(1 for r in group if r["state"] == "cancelled"))})  # fmt: skip
    return {"data": out}


@handler("90504")
def month_info(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """90504 月结信息查询(东莞): the month's totals of this institution by 清算类别 (清算状态 0: not cleared)."""
    ym, rows = _month_rows(ctx, node(inp, "data"))
    out = []
    for clr in sorted({r["clr_type"] for r in rows}):
        group = [r for r in rows if r["clr_type"] == clr]
        out.append({"fixmedins_code": ctx.fixmedins_code, "setl_ym": ym, "clr_type": clr, **_sums(group),
                    "clr_stas": "0"})
    return {"data": out}
