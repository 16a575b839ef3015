"""备案 and their queries: 2501 / 2501A 转院备案, 2502 撤销; 2503 慢特病备案, 2504 撤销; 2505 定点备案,
2506 撤销; 5301 慢特病备案查询, 5302 定点信息查询, 5304 转院信息查询 (national baseline 【2501】-【2506】,
【5301】【5302】【5304】; Dongguan 附件6 审批备案类接口).

Each filing is a record (:mod:`yibao.sandbox.records`): kind ``refl`` (转院), ``opsp`` (慢特病) or
``fix`` (定点), state ``active`` until revoked (``revoked``).  The centre checks the person (known,
insured under ``insutype``), the codes (慢特病 病种 from :data:`OPSP_DISEASES`), and duplicates:
one active 慢特病 filing per disease, one active 定点 filing per 业务申请类型 and 定点排序号.  A
revocation must name an active filing of the same person.  The queries answer from the filings
(and the person's seeded 慢特病 records for 5301).  Dongguan's own 90206 / 90210 filings
(:mod:`.dongguan_city`) are of the same kinds, so 5301 / 5302 show them too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import records
from ..books import node, opt, req
from . import CallContext, HandlerResult, Refusal, handler
from .queries import person_or_refuse

__all__ = ["OPSP_DISEASES", "check_opsp", "check_person_insutype"]

#: 门诊慢特病 病种 the sandbox knows (1309 门诊慢特病种目录, synthetic subset).
OPSP_DISEASES: Mapping[str, str] = {
    "M00500": "恶性肿瘤门诊治疗", "M01600": "慢性阻塞性肺疾病", "M03900": "高血压", "M04600": "冠心病",
    "M06900": "慢性肾衰竭(透析)", "M07800": "糖尿病", "M08300": "精神分裂症",
}  # fmt: skip


def check_person_insutype(ctx: CallContext, data: Mapping[str, Any], where: str = "data") -> dict[str, Any]:
    person = person_or_refuse(ctx, req(data, "psn_no", where))
    insutype = opt(data, "insutype")
    if insutype and insutype not in {r["insutype"] for r in person["insuinfo"]}:
        raise Refusal(f"{where}.insutype: 人员未参加险种[{insutype}]")
    return person


def check_opsp(ctx: CallContext, data: Mapping[str, Any], psn_no: str) -> str:
    code = req(data, "opsp_dise_code")
    if code not in OPSP_DISEASES:
        raise Refusal(f"data.opsp_dise_code: 门慢门特病种[{code}]不在病种目录中")
    for r in records.find(ctx, ("opsp",), psn_no=psn_no, states=("active",)):
        if r["data"].get("opsp_dise_code") == code:
            raise Refusal(f"data.opsp_dise_code: 人员已有病种[{code}]的有效备案[{r['sn']}]")
    return code


def _revoke(ctx: CallContext, inp: Mapping[str, Any], kind: str) -> HandlerResult:
    data = node(inp, "data")
    psn_no = req(data, "psn_no")
    sn = req(data, "trt_dcla_detl_sn")
    records.need(ctx, sn, (kind,), "data.trt_dcla_detl_sn", psn_no=psn_no)
    records.update(ctx, sn, state="revoked", revoked_time=ctx.now_text, memo=opt(data, "memo"))
    return None


def _referral(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    data = node(inp, "refmedin")
    person = check_person_insutype(ctx, data, "refmedin")
    target = req(data, "reflin_medins_no", "refmedin")
    if target == ctx.fixmedins_code:
        raise Refusal("refmedin.reflin_medins_no: 不能转往本机构")
    if req(data, "refl_type", "refmedin") not in ("1", "2", "3"):
        raise Refusal("refmedin.refl_type: 转院类型应为1/2/3")
    begin, end = opt(data, "begndate"), opt(data, "enddate")
    if begin and end and end < begin:
        raise Refusal("refmedin.enddate: 结束日期早于开始日期")
    sn = records.add(ctx, "refl", dict(data), psn_no=person["psn_no"], prefix="ZY")
    return {"result": {"trt_dcla_detl_sn": sn}}


@handler("2501", changes_state=True)
def referral(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """2501 转院备案."""
    return _referral(ctx, inp)


@handler("2501A", changes_state=True)
def referral_a(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """2501A 转院备案A (the national 2501 table; no public table of its own)."""
    return _referral(ctx, inp)


@handler("2502", changes_state=True)
def referral_undo(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """2502 转院备案撤销."""
    return _revoke(ctx, inp, "refl")


@handler("2503", changes_state=True)
def opsp_filing(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """2503 人员慢特病备案 (附件6 writes it 2502)."""
    data = node(inp, "data")
    person = check_person_insutype(ctx, data)
    check_opsp(ctx, data, person["psn_no"])
    sn = records.add(ctx, "opsp", dict(data), psn_no=person["psn_no"], prefix="MT")
    return {"result": {"trt_dcla_detl_sn": sn}}


@handler("2504", changes_state=True)
def opsp_undo(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """2504 人员慢特病备案撤销."""
    return _revoke(ctx, inp, "opsp")


@handler("2505", changes_state=True)
def fix_filing(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """2505 人员定点备案: one active filing per 业务申请类型 and 定点排序号."""
    data = node(inp, "data")
    person = check_person_insutype(ctx, data)
    kind, srt = req(data, "biz_appy_type"), req(data, "fix_srt_no")
    for r in records.find(ctx, ("fix",), psn_no=person["psn_no"], states=("active",)):
        if r["data"].get("biz_appy_type") == kind and r["data"].get("fix_srt_no") == srt:
            raise Refusal(f"data.fix_srt_no: 人员已有业务类型[{kind}]排序号[{srt}]的有效定点备案[{r['sn']}]")
    sn = records.add(ctx, "fix", dict(data), psn_no=person["psn_no"], prefix="DD")
    return {"result": {"trt_dcla_detl_sn": sn}}


@handler("2506", changes_state=True)
def fix_undo(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """2506 人员定点备案撤销."""
    return _revoke(ctx, inp, "fix")


@handler("5301")
def opsp_records(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """5301 人员慢特病备案查询: the seeded records and the active filings (2503, 90206)."""
    person = person_or_refuse(ctx, req(node(inp, "data"), "psn_no"))
    rows = [dict(r) for r in person.get("opsp", [])]
    for r in records.find(ctx, ("opsp",), psn_no=person["psn_no"], states=("active",)):
        d = r["data"]
        rows.append({"opsp_dise_code": d.get("opsp_dise_code", ""), "opsp_dise_name": d.get("opsp_dise_name", ""),
                     "begndate": d.get("begndate", ""), "enddate": d.get("enddate", "")})  # fmt: skip
    return {"feedetail": rows}


@handler("5302")
def fix_records(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """5302 人员定点信息查询: the active 定点 filings of ``biz_appy_type`` (2505, 90210 as 03)."""
    data = node(inp, "data")
    person = person_or_refuse(ctx, req(data, "psn_no"))
    kind = req(data, "biz_appy_type")
    out = []
    for r in records.find(ctx, ("fix",), psn_no=person["psn_no"], states=("active",)):
        d = r["data"]
        if str(d.get("biz_appy_type") or "03") != kind:
            continue
        out.append({"psn_no": person["psn_no"], "insutype": person["insuinfo"][0]["insutype"],
                    "fix_srt_no": d.get("fix_srt_no", "1"), "fixmedins_code": d.get("fixmedins_code", ""),
                    "fixmedins_name": d.get("fixmedins_name", ""), "begndate": d.get("begndate", ""),
                    "enddate": d.get("enddate", ""), "trt_dcla_detl_sn": r["sn"]})  # fmt: skip
    return {"psnfixmedin": out}


@handler("5304")
def referral_records(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """5304 转院信息查询: the active 转院 filings made from ``begntime`` (to ``endtime``)."""
    data = node(inp, "data")
    person = person_or_refuse(ctx, req(data, "psn_no"))
    begin, end = req(data, "begntime"), opt(data, "endtime") or "9999-12-31 23:59:59"
    out = []
    for r in records.find(ctx, ("refl",), psn_no=person["psn_no"], states=("active",)):
        if not begin <= r["created"] <= end:
            continue
        d = r["data"]
        out.append({"insutype": d.get("insutype") or person["insuinfo"][0]["insutype"], "dcla_souc": "01",
                    "psn_no": person["psn_no"], "psn_cert_type": person["psn_cert_type"], "certno": person["certno"],
                    "psn_name": person["psn_name"], "gend": person["gend"], "brdy": person["brdy"],
                    "diag_code": d.get("diag_code", ""), "diag_name": d.get("diag_name", ""),
                    "reflin_medins_no": d.get("reflin_medins_no", ""),
                    "reflin_medins_name": d.get("reflin_medins_name", ""), "refl_date": d.get("refl_date", ""),
                    "refl_rea": d.get("refl_rea", ""), "begndate": d.get("begndate") or d.get("refl_date", ""),
                    "enddate": d.get("enddate", ""), "hosp_agre_refl_flag": d.get("hosp_agre_refl_flag") or "1",
                    "out_flag": "0", "opt_time": r["created"], "trt_dcla_detl_sn": r["sn"]})  # fmt: skip
    return {"refmedin": out}
