"""Outpatient 2201-2208 (spec_reference §7).

State of a visit (``visits.state``): ``registered`` (2201) -> ``cancelled`` (2202).
Fee lines (2204) belong to a charge batch ``chrg_bchno``; a batch is uploaded complete in one
call, several batches per visit, ``feedetl_sn`` unique per visit among live lines.  2206/2207
(pre-)settle exactly one batch; 2208 cancels a 2207 settlement once, putting its lines back to
unsettled; 2205 revokes one unsettled batch (or ``"0000"``: all unsettled lines); settled lines
cannot be revoked; 2202 is refused while a settlement of the visit stands.
"""

from __future__ import annotations

from collections.abc import Mapping
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
)
from ..policy import Settlement
from ..settlement import cancel, check_total, compute, record, setlinfo, split_rows
from . import CallContext, Refusal, handler
from .identity import check_cert

__all__: list[str] = []

_LIVE = ("uploaded", "settled")


def _open_visit(ctx: CallContext, mdtrt_id: str, psn_no: str) -> dict[str, Any]:
    v = require_visit(ctx, mdtrt_id, psn_no, "clinic")
    if v["state"] != "registered":
        raise Refusal(f"就诊ID[{mdtrt_id}]已撤销挂号，不能办理")
    return v


@handler("2201", changes_state=True)
def register(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    data = node(inp, "data")
    psn_no = req(data, "psn_no")
    person = person_for(ctx, psn_no, req(data, "insutype"))
    check_cert(ctx, data, psn_no)
    ipt_otp_no = req(data, "ipt_otp_no")
    mdtrt_id = create_visit(
        ctx,
        psn_no=psn_no,
        kind="clinic",
        insutype=person["insu"]["insutype"],
        state="registered",
        insuplc_admdvs=person["insu"]["insuplc_admdvs"],
        ipt_otp_no=ipt_otp_no,
        begntime=req(data, "begntime"),
        data={"dept_code": opt(data, "dept_code"), "dept_name": opt(data, "dept_name")},
    )
    return {"data": {"mdtrt_id": mdtrt_id, "psn_no": psn_no, "ipt_otp_no": ipt_otp_no, "exp_content": ""}}


@handler("2202", changes_state=True)
def unregister(ctx: CallContext, inp: Mapping[str, Any]) -> None:
    data = node(inp, "data")
    mdtrt_id = req(data, "mdtrt_id")
    v = _open_visit(ctx, mdtrt_id, req(data, "psn_no"))
    if v["ipt_otp_no"] != req(data, "ipt_otp_no"):
        raise Refusal("data.ipt_otp_no: 门诊号与挂号时不符")
    if fees(ctx.store, mdtrt_id, states=("settled",)):
        raise Refusal("该就诊存在未撤销的结算，请先撤销结算(2208)")
    set_fees(ctx.store, mdtrt_id, "revoked", where_state=("uploaded",))
    update_visit(ctx.store, mdtrt_id, state="cancelled")


@handler("2203", changes_state=True)
def visit_info(ctx: CallContext, inp: Mapping[str, Any]) -> None:
    info = node(inp, "mdtrtinfo")
    mdtrt_id = req(info, "mdtrt_id", "mdtrtinfo")
    v = _open_visit(ctx, mdtrt_id, req(info, "psn_no", "mdtrtinfo"))
    diseinfo = node_rows(inp, "diseinfo", allow_empty=True)
    data = dict(v["data"])
    data["mdtrtinfo"] = dict(info)
    data["diseinfo"] = [dict(r) for r in diseinfo]
    update_visit(ctx.store, mdtrt_id, med_type=req(info, "med_type", "mdtrtinfo"), data=data)


@handler("2204", changes_state=True)
def upload_fees(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    rows = node_rows(inp, "feedetail")
    results = []
    by_visit: dict[str, set[str]] = {}
    new_batches: set[tuple[str, str]] = set()
    for i, row in enumerate(rows):
        here = f"feedetail[{i}]"
        mdtrt_id = req(row, "mdtrt_id", here)
        psn_no = req(row, "psn_no", here)
        bchno = req(row, "chrg_bchno", here)
        _open_visit(ctx, mdtrt_id, psn_no)
        if mdtrt_id not in by_visit:
            by_visit[mdtrt_id] = {r["feedetl_sn"] for r in fees(ctx.store, mdtrt_id, states=_LIVE)}
        if (mdtrt_id, bchno) not in new_batches:
            if fees(ctx.store, mdtrt_id, states=_LIVE, chrg_bchno=bchno):
                raise Refusal(f"{here}.chrg_bchno: 收费批次[{bchno}]已上传，同一批次须一次上传完整")
            new_batches.add((mdtrt_id, bchno))
        cut = split_rows([row], "feedetail", seen=by_visit[mdtrt_id])[0]
        add_fee(ctx, mdtrt_id, psn_no, {**row, "cut": cut}, chrg_bchno=bchno)
        results.append(cut)
    return {"result": results}


@handler("2205", changes_state=True)
def revoke_fees(ctx: CallContext, inp: Mapping[str, Any]) -> None:
    data = node(inp, "data")
    mdtrt_id = req(data, "mdtrt_id")
    _open_visit(ctx, mdtrt_id, req(data, "psn_no"))
    bchno = req(data, "chrg_bchno")
    if bchno == "0000":
        set_fees(ctx.store, mdtrt_id, "revoked", where_state=("uploaded",))
        return
    if fees(ctx.store, mdtrt_id, states=("settled",), chrg_bchno=bchno):
        raise Refusal(f"data.chrg_bchno: 收费批次[{bchno}]已结算，不能撤销明细")
    if not set_fees(ctx.store, mdtrt_id, "revoked", where_state=("uploaded",), chrg_bchno=bchno):
        raise Refusal(f"data.chrg_bchno: 收费批次[{bchno}]没有可撤销的明细")


def _prepare(
    ctx: CallContext, inp: Mapping[str, Any]
) -> tuple[Mapping[str, Any], dict[str, Any], str, Settlement]:
    data = node(inp, "data")
    psn_no = req(data, "psn_no")
    mdtrt_id = req(data, "mdtrt_id")
    person = person_for(ctx, psn_no, req(data, "insutype"))
    _open_visit(ctx, mdtrt_id, psn_no)
    check_cert(ctx, data, psn_no)
    bchno = req(data, "chrg_bchno")
    lines = fees(ctx.store, mdtrt_id, chrg_bchno=bchno)
    if not lines:
        settled = fees(ctx.store, mdtrt_id, states=("settled",), chrg_bchno=bchno)
        raise Refusal(
            f"data.chrg_bchno: 收费批次[{bchno}]" + ("已结算" if settled else "没有已上传的费用明细")
        )
    split = [line["cut"] for line in lines]
    check_total(dec(data, "medfee_sumamt"), split)
    s = compute(ctx, person, split, kind="clinic", acct_used_flag=req(data, "acct_used_flag"))
    return data, person, bchno, s


@handler("2206")
def presettle(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    data, person, _bchno, s = _prepare(ctx, inp)
    block = setlinfo(
        ctx,
        person,
        s,
        mdtrt_id=data["mdtrt_id"],
        setl_id=None,
        med_type=req(data, "med_type"),
        kind="clinic",
        mdtrt_cert_type=opt(data, "mdtrt_cert_type"),
    )
    return {"setlinfo": block, "setldetail": list(s.setldetail)}


@handler("2207", changes_state=True)
def settle(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    data, person, bchno, s = _prepare(ctx, inp)
    mdtrt_id = data["mdtrt_id"]
    setl_id = ctx.ids.setl_id()
    block = setlinfo(
        ctx,
        person,
        s,
        mdtrt_id=mdtrt_id,
        setl_id=setl_id,
        med_type=req(data, "med_type"),
        kind="clinic",
        mdtrt_cert_type=opt(data, "mdtrt_cert_type"),
    )
    set_fees(ctx.store, mdtrt_id, "settled", where_state=("uploaded",), setl_id=setl_id, chrg_bchno=bchno)
    output = {"setlinfo": block, "setldetail": list(s.setldetail)}
    record(ctx, person, s, block, output)
    return output


@handler("2208", changes_state=True)
def cancel_settlement(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    row, output = cancel(ctx, node(inp, "data"), forward_infno="2207")
    # The batch is unsettled again: it may be settled anew or revoked with 2205.
    set_fees(ctx.store, row["mdtrt_id"], "uploaded", where_state=("settled",), only_setl_id=row["setl_id"])
    return output
