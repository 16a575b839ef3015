"""Inpatient 2401-2405 and 2301-2305 (spec_reference §8, §9) with the stay's state machine.

::

    2401 -> admitted --2402--> discharged --2304--> settled
              ^  |  <--2405--      ^  |   <--2305--
              |  2404 (no live fee lines) -> cancelled

- 2301 fee upload and 2302 revoke only while ``admitted`` (no fee upload after discharge);
- 2303 / 2304 only when ``discharged`` (no settlement before discharge);
- the cancel order is enforced: 2305 before 2405 before 2302 / 2404;
- a 2301 refund row (negative ``cnt``) must name a live original in ``init_feedetl_sn``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..books import (
    add_fee,
    create_visit,
    dec,
    fees,
    node,
    node_rows,
    opt,
    person_for,
    req,
    require_visit,
    set_fees,
    update_visit,
    visit,
)
from ..policy import Settlement
from ..settlement import cancel, check_total, compute, record, setlinfo, split_rows
from . import CallContext, Refusal, handler
from .identity import check_cert

__all__: list[str] = []

_STATE_TEXT = {
    "admitted": "在院",
    "discharged": "已出院",
    "settled": "已结算",
    "cancelled": "已撤销入院",
    "reversed": "已冲正",
}


def _stay(ctx: CallContext, mdtrt_id: str, psn_no: str, *allowed: str, doing: str) -> dict[str, Any]:
    v = require_visit(ctx, mdtrt_id, psn_no, "hospital")
    if v["state"] not in allowed:
        raise Refusal(f"就诊ID[{mdtrt_id}]当前状态为{_STATE_TEXT.get(v['state'], v['state'])}，不能{doing}")
    return v


@handler("2401", changes_state=True)
def admit(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    info = node(inp, "mdtrtinfo")
    psn_no = req(info, "psn_no", "mdtrtinfo")
    person = person_for(ctx, psn_no, req(info, "insutype", "mdtrtinfo"))
    check_cert(ctx, info, psn_no)
    open_stay = ctx.store.query_one(
        "SELECT mdtrt_id FROM visits WHERE fixmedins_code = ? AND psn_no = ? AND kind = 'hospital' "
        "AND state IN ('admitted', 'discharged')",
        (ctx.fixmedins_code, psn_no),
    )
    if open_stay is not None:
        raise Refusal(f"人员已有在院记录[{open_stay['mdtrt_id']}]，不能重复办理入院")
    mdtrt_id = create_visit(
        ctx,
        psn_no=psn_no,
        kind="hospital",
        insutype=person["insu"]["insutype"],
        state="admitted",
        insuplc_admdvs=person["insu"]["insuplc_admdvs"],
        med_type=req(info, "med_type", "mdtrtinfo"),
        ipt_otp_no=req(info, "ipt_no", "mdtrtinfo"),
        begntime=req(info, "begntime", "mdtrtinfo"),
        data={
            "mdtrtinfo": dict(info),
            "diseinfo": [dict(r) for r in node_rows(inp, "diseinfo", allow_empty=True)],
        },
    )
    return {"result": {"mdtrt_id": mdtrt_id, "exp_content": ""}}


@handler("2403", changes_state=True)
def change_admission(ctx: CallContext, inp: Mapping[str, Any]) -> None:
    info = node(inp, "adminfo")
    mdtrt_id = req(info, "mdtrt_id", "adminfo")
    v = _stay(ctx, mdtrt_id, req(info, "psn_no", "adminfo"), "admitted", doing="变更入院信息")
    data = dict(v["data"])
    data["mdtrtinfo"] = {**data.get("mdtrtinfo", {}), **info}
    update_visit(ctx.store, mdtrt_id, data=data)


@handler("2402", changes_state=True)
def discharge(ctx: CallContext, inp: Mapping[str, Any]) -> None:
    info = node(inp, "dscginfo")
    mdtrt_id = req(info, "mdtrt_id", "dscginfo")
    v = _stay(ctx, mdtrt_id, req(info, "psn_no", "dscginfo"), "admitted", doing="办理出院")
    data = dict(v["data"])
    data["dscginfo"] = dict(info)
    update_visit(ctx.store, mdtrt_id, state="discharged", endtime=req(info, "endtime", "dscginfo"), data=data)


@handler("2405", changes_state=True)
def undo_discharge(ctx: CallContext, inp: Mapping[str, Any]) -> None:
    data = node(inp, "data")
    mdtrt_id = req(data, "mdtrt_id")
    v = require_visit(ctx, mdtrt_id, req(data, "psn_no"), "hospital")
    if v["state"] == "settled":
        raise Refusal("该住院已结算，请先撤销结算(2305)再撤销出院")
    _stay(ctx, mdtrt_id, v["psn_no"], "discharged", doing="撤销出院")
    update_visit(ctx.store, mdtrt_id, state="admitted", endtime="")


@handler("2404", changes_state=True)
def undo_admission(ctx: CallContext, inp: Mapping[str, Any]) -> None:
    data = node(inp, "data")
    mdtrt_id = req(data, "mdtrt_id")
    v = require_visit(ctx, mdtrt_id, req(data, "psn_no"), "hospital")
    if v["state"] in ("discharged", "settled"):
        raise Refusal("该住院已出院，请先撤销结算(2305)和出院(2405)再撤销入院")
    _stay(ctx, mdtrt_id, v["psn_no"], "admitted", doing="撤销入院")
    if fees(ctx.store, mdtrt_id):
        raise Refusal("该住院存在未撤销的费用明细，请先撤销费用明细(2302)再撤销入院")
    update_visit(ctx.store, mdtrt_id, state="cancelled")


@handler("2301", changes_state=True)
def upload_fees(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    rows = node_rows(inp, "feedetail")
    results = []
    seen: dict[str, set[str]] = {}
    for i, row in enumerate(rows):
        here = f"feedetail[{i}]"
        mdtrt_id = req(row, "mdtrt_id", here)
        psn_no = req(row, "psn_no", here)
        v = require_visit(ctx, mdtrt_id, psn_no, "hospital")
        if v["state"] != "admitted":
            raise Refusal(
                f"{here}.mdtrt_id: 就诊ID[{mdtrt_id}]{_STATE_TEXT.get(v['state'], '')}，不能上传费用明细"
            )
        if mdtrt_id not in seen:
            seen[mdtrt_id] = {r["feedetl_sn"] for r in fees(ctx.store, mdtrt_id)}
        init_sn = opt(row, "init_feedetl_sn")
        if dec(row, "cnt", here) < 0 and (not init_sn or init_sn not in seen[mdtrt_id]):
            raise Refusal(f"{here}.init_feedetl_sn: 退费明细须填写有效的原费用明细流水号")
        cut = split_rows([row], "feedetail", seen=seen[mdtrt_id])[0]
        add_fee(ctx, mdtrt_id, psn_no, {**row, "cut": cut})
        results.append(cut)
    return {"result": results}


@handler("2302", changes_state=True)
def revoke_fees(ctx: CallContext, inp: Mapping[str, Any]) -> None:
    for i, row in enumerate(node_rows(inp, "data")):
        here = f"data[{i}]"
        mdtrt_id = req(row, "mdtrt_id", here)
        v = require_visit(ctx, mdtrt_id, req(row, "psn_no", here), "hospital")
        if v["state"] != "admitted":
            raise Refusal(
                f"就诊ID[{mdtrt_id}]{_STATE_TEXT.get(v['state'], '')}，请先撤销出院(2405)再撤销费用明细"
            )
        sn = req(row, "feedetl_sn", here)
        moved = set_fees(
            ctx.store, mdtrt_id, "revoked", where_state=("uploaded",), feedetl_sn=None if sn == "0000" else sn
        )
        if not moved and sn != "0000":
            raise Refusal(f"{here}.feedetl_sn: 费用明细[{sn}]不存在或已撤销")


def _prepare(
    ctx: CallContext, inp: Mapping[str, Any]
) -> tuple[Mapping[str, Any], dict[str, Any], Settlement]:
    data = node(inp, "data")
    psn_no = req(data, "psn_no")
    mdtrt_id = req(data, "mdtrt_id")
    person = person_for(ctx, psn_no, req(data, "insutype"))
    _stay(ctx, mdtrt_id, psn_no, "discharged", doing="结算(须先办理出院2402)")
    check_cert(ctx, data, psn_no)
    lines = fees(ctx.store, mdtrt_id)
    split = [line["cut"] for line in lines]
    check_total(dec(data, "medfee_sumamt"), split)
    if not split or sum((Decimal(r["det_item_fee_sumamt"]) for r in split), Decimal(0)) <= 0:
        raise Refusal("该住院没有可结算的费用明细")
    s = compute(ctx, person, split, kind="hospital", acct_used_flag=opt(data, "acct_used_flag") or "0")
    return data, person, s


def _med_type(ctx: CallContext, mdtrt_id: str) -> str:
    v = visit(ctx.store, ctx.fixmedins_code, mdtrt_id) or {}
    return str(v.get("med_type") or "21")


@handler("2303")
def presettle(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    data, person, s = _prepare(ctx, inp)
    block = setlinfo(
        ctx,
        person,
        s,
        mdtrt_id=data["mdtrt_id"],
        setl_id=None,
        med_type=_med_type(ctx, data["mdtrt_id"]),
        kind="hospital",
        mdtrt_cert_type=opt(data, "mdtrt_cert_type"),
    )
    return {"setlinfo": block, "setldetail": list(s.setldetail)}


@handler("2304", changes_state=True)
def settle(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    data, person, s = _prepare(ctx, inp)
    mdtrt_id = data["mdtrt_id"]
    setl_id = ctx.ids.setl_id()
    block = setlinfo(
        ctx,
        person,
        s,
        mdtrt_id=mdtrt_id,
        setl_id=setl_id,
        med_type=_med_type(ctx, mdtrt_id),
        kind="hospital",
        mdtrt_cert_type=opt(data, "mdtrt_cert_type"),
    )
    set_fees(ctx.store, mdtrt_id, "settled", where_state=("uploaded",), setl_id=setl_id)
    update_visit(ctx.store, mdtrt_id, state="settled")
    output = {"setlinfo": block, "setldetail": list(s.setldetail)}
    record(ctx, person, s, block, output)
    return output


@handler("2305", changes_state=True)
def cancel_settlement(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    row, output = cancel(ctx, node(inp, "data"), forward_infno="2304")
    set_fees(ctx.store, row["mdtrt_id"], "uploaded", where_state=("settled",), only_setl_id=row["setl_id"])
    update_visit(ctx.store, row["mdtrt_id"], state="discharged")
    return output
