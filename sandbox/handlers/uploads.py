"""结算清单 and 病案首页: 4101 / 4101A 上传, 90306 撤销 (Dongguan), 4103 查询, 4401 住院病案首页
(national baseline 【4101】【4103】【4401】; Dongguan 附件6 月结对账 / 住院业务).

- 4101 / 4101A: ``setlinfo`` names a settlement of this institution that stands (``settled``),
  of the same person and visit; one active list per settlement (a second upload is refused
  until 90306 revokes the first).  The answer is ``setl_list_id`` (9 characters, 表 输出).
  Every ``payinfo`` row's fund must be a known 基金支付类型 and their sum must not exceed the
  settlement's fund payment.
- 90306: revokes the active list named by ``setl_id`` and ``setl_list_id``.
- 4103: the active list of a settlement, with the ledger's amounts.
- 4401: a 病案首页 of a hospital stay: ``baseinfo.mdtrt_id`` (when given) must be a stay of this
  institution and person; one per ``mdtrt_sn`` (a new upload replaces the old one).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from .. import records
from ..books import dec, node, node_rows, opt, req, visit
from . import CallContext, HandlerResult, Refusal, handler

__all__: list[str] = []


def _settlement(ctx: CallContext, data: Mapping[str, Any], where: str) -> dict[str, Any]:
    setl_id, psn_no = req(data, "setl_id", where), req(data, "psn_no", where)
    row = ctx.store.settlement(ctx.fixmedins_code, setl_id)
    if row is None:
        raise Refusal(f"{where}.setl_id: 结算ID[{setl_id}]不存在")
    if row["psn_no"] != psn_no:
        raise Refusal(f"{where}.psn_no: 与结算[{setl_id}]的人员不符")
    if row["state"] != "settled":
        raise Refusal(f"{where}.setl_id: 结算[{setl_id}]状态为{row['state']}，不能上传结算清单")
    return row


def _upload(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    info = node(inp, "setlinfo")
    row = _settlement(ctx, info, "setlinfo")
    if req(info, "mdtrt_id", "setlinfo") != row["mdtrt_id"]:
        raise Refusal("setlinfo.mdtrt_id: 与结算的就诊ID不符")
    if records.find(ctx, ("setl_list",), ref=row["setl_id"], states=("active",)):
        raise Refusal(f"setlinfo.setl_id: 结算[{row['setl_id']}]已上传结算清单，请先撤销(90306)")
    paid = Decimal("0")
    for i, p in enumerate(node_rows(inp, "payinfo", allow_empty=True) if "payinfo" in inp else []):
        paid += dec(p, "fund_payamt", f"payinfo[{i}]")
    if paid > row["fund_pay_sumamt"]:
        raise Refusal(f"payinfo.fund_payamt: 基金支付合计{format(paid, 'f')}超过结算的基金支付{row['fund_pay_sumamt']}")
    n = ctx.store.next_seq("setl_list")
    sn = f"Q{n:08d}"  # 表 输出 setl_list_id C9
    records.add(ctx, "setl_list", {**info, "infno": ctx.infno}, psn_no=row["psn_no"], ref=row["setl_id"], sn=sn)
    return {"data": {"setl_list_id": sn}}


@handler("4101", changes_state=True)
def upload(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """4101 医疗保障基金结算清单信息上传."""
    return _upload(ctx, inp)


@handler("4101A", changes_state=True)
def upload_a(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """4101A 医疗保障基金结算清单信息上传A (Dongguan; the national 4101 table)."""
    return _upload(ctx, inp)


@handler("90306", changes_state=True)
def revoke(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """90306 撤销结算清单信息 (Dongguan)."""
    data = node(inp, "data")
    setl_id = req(data, "setl_id")
    rec = records.need(ctx, req(data, "setl_list_id"), ("setl_list",), "data.setl_list_id", psn_no=req(data, "psn_no"))
    if rec["ref"] != setl_id:
        raise Refusal(f"data.setl_id: 结算清单[{rec['sn']}]不属于结算[{setl_id}]")
    records.update(ctx, rec["sn"], state="revoked", revoked_time=ctx.now_text, memo=opt(data, "memo"))
    return None


@handler("4103")
def query(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """4103 医疗保障基金结算清单信息查询: the settlement's active list."""
    data = node(inp, "data")
    setl_id, psn_no = req(data, "setl_id"), req(data, "psn_no")
    found = records.find(ctx, ("setl_list",), psn_no=psn_no, ref=setl_id, states=("active",))
    if not found:
        raise Refusal(f"data.setl_id: 结算[{setl_id}]没有已上传的结算清单")
    rec = found[-1]
    row = ctx.store.settlement(ctx.fixmedins_code, setl_id)
    person = ctx.store.person(psn_no) or {}
    info = rec["data"]
    return {
        "setlinfo": {"setl_id": setl_id, "setl_list_sn": rec["sn"], "psn_no": psn_no, "mdtrt_id": info.get("mdtrt_id",
                                                                                                           ""),
                     "fixmedins_code": ctx.fixmedins_code, "fixmedins_name": ctx.fixmedins_name,
                     "medcasno": info.get("medcasno", ""), "psn_name": person.get("psn_name", ""),
                     "gend": person.get("gend", ""), "brdy": person.get("brdy", ""), "certno": person.get("certno", ""),
                     "insutype": row["insutype"] if row else "", "medfee_sumamt": row["medfee_sumamt"] if row else None,
                     "fund_pay_sumamt": row["fund_pay_sumamt"] if row else None, "upld_time": rec["created"]},
        "payinfo": [{"setl_id": setl_id, "psn_no": psn_no, "fund_pay_type": p.get("fund_pay_type", ""),
                     "fund_payamt": p.get("fund_payamt")} for p in (inp.get("payinfo") or [])],
    }  # fmt: skip


@handler("4401", changes_state=True)
def medical_record(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """4401 住院病案首页信息: one per 就医流水号; the stay must be this institution's."""
    base = node(inp, "baseinfo")
    mdtrt_sn = req(base, "mdtrt_sn", "baseinfo")
    req(base, "medcasno", "baseinfo")
    mdtrt_id = opt(base, "mdtrt_id")
    if mdtrt_id:
        v = visit(ctx.store, ctx.fixmedins_code, mdtrt_id)
        if v is None or v["kind"] != "hospital":
            raise Refusal(f"baseinfo.mdtrt_id: 住院就诊ID[{mdtrt_id}]不存在")
        if opt(base, "psn_no") and v["psn_no"] != opt(base, "psn_no"):
            raise Refusal("baseinfo.psn_no: 与住院就诊的人员不符")
    for name in ("diseinfo", "oprninfo", "icuinfo"):
        part = inp.get(name)
        for i, r in enumerate(part if isinstance(part, list) else [part] if isinstance(part, dict) else []):
            if isinstance(r, Mapping) and opt(r, "mdtrt_sn") and opt(r, "mdtrt_sn") != mdtrt_sn:
                raise Refusal(f"{name}[{i}].mdtrt_sn: 与baseinfo.mdtrt_sn不符")
    for old in records.find(ctx, ("medcas",), ref=mdtrt_sn, states=("active",)):
        records.update(ctx, old["sn"], state="replaced")
    records.add(ctx, "medcas", dict(inp), psn_no=opt(base, "psn_no"), ref=mdtrt_sn, prefix="BA")
    return None
