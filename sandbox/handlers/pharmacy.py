"""Pharmacy 2101 药店预结算 / 2102 药店结算 / 2103 药店结算撤销 (spec_reference §6).

2101 and 2102 take ``druginfo`` + ``drugdetail``; the centre creates the visit itself (no
``mdtrt_id`` is sent) and 2102 returns ``mdtrt_id`` + ``setl_id``.  2101 commits nothing: its
``mdtrt_id`` is provisional.  2103 cancels a 2102 settlement once and gives the account back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..books import add_fee, create_visit, dec, node, node_rows, person_for, req, set_fees, update_visit
from ..policy import Settlement
from ..settlement import cancel, check_total, compute, record, setlinfo, split_rows
from . import CallContext, handler
from .identity import check_cert

__all__: list[str] = []


def _prepare(
    ctx: CallContext, inp: Mapping[str, Any]
) -> tuple[Mapping[str, Any], list[Mapping[str, Any]], dict[str, Any], list[dict[str, Any]], Settlement]:
    info = node(inp, "druginfo")
    rows = node_rows(inp, "drugdetail")
    psn_no = req(info, "psn_no", "druginfo")
    insutype = req(info, "insutype", "druginfo")
    req(info, "med_type", "druginfo")
    acct = req(info, "acct_used_flag", "druginfo")
    person = person_for(ctx, psn_no, insutype)
    check_cert(ctx, info, psn_no)
    split = split_rows(rows, "drugdetail")
    check_total(dec(info, "medfee_sumamt", "druginfo"), split, "druginfo")
    s = compute(ctx, person, split, kind="pharmacy", acct_used_flag=acct)
    return info, rows, person, split, s


def _cut(split: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # detlcutinfo is the §2.3 row without lmt_used_flag.
    return [{k: v for k, v in r.items() if k != "lmt_used_flag"} for r in split]


@handler("2101")
def presettle(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    info, _rows, person, split, s = _prepare(ctx, inp)
    block = setlinfo(
        ctx,
        person,
        s,
        mdtrt_id=ctx.ids.provisional("M"),
        setl_id=None,
        med_type=info["med_type"],
        kind="pharmacy",
        mdtrt_cert_type=str(info.get("mdtrt_cert_type", "")),
    )
    return {"setlinfo": block, "setldetail": list(s.setldetail), "detlcutinfo": _cut(split)}


@handler("2102", changes_state=True)
def settle(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    info, rows, person, split, s = _prepare(ctx, inp)
    mdtrt_id = create_visit(
        ctx,
        psn_no=person["psn_no"],
        kind="pharmacy",
        insutype=person["insu"]["insutype"],
        state="settled",
        insuplc_admdvs=person["insu"]["insuplc_admdvs"],
        med_type=info["med_type"],
        begntime=str(info.get("begntime", "")),
    )
    setl_id = ctx.ids.setl_id()
    block = setlinfo(
        ctx,
        person,
        s,
        mdtrt_id=mdtrt_id,
        setl_id=setl_id,
        med_type=info["med_type"],
        kind="pharmacy",
        mdtrt_cert_type=str(info.get("mdtrt_cert_type", "")),
    )
    for row, cut in zip(rows, split, strict=True):
        add_fee(ctx, mdtrt_id, person["psn_no"], {**row, "cut": cut}, state="settled", setl_id=setl_id)
    output = {"setlinfo": block, "setldetail": list(s.setldetail), "detlcutinfo": _cut(split)}
    record(ctx, person, s, block, output)
    return output


@handler("2103", changes_state=True)
def cancel_settlement(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    row, output = cancel(ctx, node(inp, "data"), forward_infno="2102")
    # Cancelling a purchase also removes its details (spec §6 2103).
    set_fees(ctx.store, row["mdtrt_id"], "cancelled", where_state=("settled",), only_setl_id=row["setl_id"])
    update_visit(ctx.store, row["mdtrt_id"], state="cancelled")
    return output
