"""事前事中 审核: 3101 事前分析, 3102 事中分析, 3103 反馈 (national baseline 【3101】-【3103】).

3101 / 3102 run :mod:`yibao.sandbox.audit_rules` over every encounter's orders and answer the
violations (``result`` with ``jr_id``, ``judge_result_detail_dtos``); each is kept as a record
(kind ``audit``, state ``open``).  3103 feeds back how the institution handled them
(``warn_rslt_id`` = a ``jr_id`` of this institution; ``warn_type`` 1 事前 for a 3101 result,
2 事中 for a 3102 one; ``dspo_way`` 1 继续执行 with a reason, 2 返回修改): the record becomes
``fed_back``; a second feedback is refused.  ``GET /_sandbox/records?kind=audit`` shows them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import records
from ..audit_rules import RULES, check_orders
from ..books import node_rows, opt, req
from . import CallContext, HandlerResult, Refusal, handler

__all__: list[str] = []

_KIND = {"3101": "1", "3102": "2"}  # warn_type of the results each analysis produces


def _analyse(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    out: list[dict[str, Any]] = []
    for d, data in enumerate(node_rows(inp, "data")):
        patients = data.get("patient_dtos")
        if not isinstance(patients, list) or not patients:
            raise Refusal(f"data[{d}].patient_dtos: 必填字段为空(参保人信息集合)")
        for p, patient in enumerate(patients):
            where = f"data[{d}].patient_dtos[{p}]"
            patn_id = req(patient, "patn_id", where)
            gend = opt(patient, "gend")
            encounters = patient.get("fsi_encounter_dtos")
            if not isinstance(encounters, list) or not encounters:
                raise Refusal(f"{where}.fsi_encounter_dtos: 必填字段为空(就诊信息集合)")
            for e, enc in enumerate(encounters):
                mdtrt_id = req(enc, "mdtrt_id", f"{where}.fsi_encounter_dtos[{e}]")
                orders = enc.get("fsi_order_dtos")
                orders = [o for o in orders if isinstance(o, Mapping)] if isinstance(orders, list) else []
                for v in check_orders(orders, gend):
                    jr_id = records.add(ctx, "audit", {"rule_id": v.rule_id, "warn_type": _KIND[ctx.infno],
                                                       "mdtrt_id": mdtrt_id, "vola_cont": v.text},
                                        psn_no=patn_id, ref=mdtrt_id, state="open", prefix="JR")  # fmt: skip
                    out.append({
                        "jr_id": jr_id, "rule_id": v.rule_id, "rule_name": RULES[v.rule_id], "vola_cont": v.text,
                        "patn_id": patn_id, "mdtrt_id": mdtrt_id, "vola_amt": v.amount, "vola_amt_stas": "1",
                        "sev_deg": "2" if v.rule_id in ("R02", "R04") else "1", "vola_evid": v.text,
                        "vola_bhvr_type": "2", "task_id": ctx.msgid,
                        "judge_result_detail_dtos": [
                            {"jrd_id": f"{jr_id}{n + 1:02d}", "patn_id": patn_id, "mdtrt_id": mdtrt_id,
                             "rx_id": str(o.get("rx_id", "")), "vola_item_type": "1", "vola_amt": v.amount}
                            for n, o in enumerate(v.orders)],
                    })  # fmt: skip
    return {"result": out}


@handler("3101", changes_state=False)
def before(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """3101 明细审核事前分析服务: the violations of the orders before they are given."""
    return _analyse(ctx, inp)


@handler("3102", changes_state=False)
def during(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """3102 明细审核事中分析服务: the same rules while the visit is being charged."""
    return _analyse(ctx, inp)


@handler("3103", changes_state=True)
def feedback(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """3103 事前事中服务反馈服务: how each violation was handled."""
    for d, data in enumerate(node_rows(inp, "data")):
        warn_type = req(data, "warn_type", f"data[{d}]")
        if warn_type not in ("1", "2"):
            raise Refusal(f"data[{d}].warn_type: 反馈类型应为1(事前)或2(事中)")
        warns = data.get("warns")
        if not isinstance(warns, list) or not warns:
            raise Refusal(f"data[{d}].warns: 必填字段为空(处理数据集合)")
        for w, warn in enumerate(warns):
            where = f"data[{d}].warns[{w}]"
            jr_id = req(warn, "warn_rslt_id", where)
            way = req(warn, "dspo_way", where)
            if way not in ("1", "2"):
                raise Refusal(f"{where}.dspo_way: 处理方式应为1(继续执行医嘱)或2(返回修改医嘱)")
            if way == "1" and not opt(warn, "dspo_way_rea"):
                raise Refusal(f"{where}.dspo_way_rea: 继续执行医嘱时处理原因必填")
            rec = records.get(ctx, jr_id, ("audit",))
            if rec is None:
                raise Refusal(f"{where}.warn_rslt_id: 违规标识[{jr_id}]不存在")
            if rec["state"] != "open":
                raise Refusal(f"{where}.warn_rslt_id: 违规标识[{jr_id}]已反馈")
            if rec["data"].get("warn_type") != warn_type:
                kind = "事前" if warn_type == "1" else "事中"
                raise Refusal(f"{where}.warn_rslt_id: 违规标识[{jr_id}]不是{kind}结果")
            records.update(ctx, jr_id, state="fed_back", dspo_way=way, dspo_way_rea=opt(warn, "dspo_way_rea"),
                           fed_back_msgid=ctx.msgid, fed_back_time=ctx.now_text)  # fmt: skip
    return None
