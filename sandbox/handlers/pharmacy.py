"""Pharmacy 2101 药店预结算 / 2102 药店结算 / 2103 药店结算撤销 (spec_reference §6).

2101 and 2102 take ``druginfo`` + ``drugdetail``; the centre creates the visit itself (no
``mdtrt_id`` is sent) and 2102 returns ``mdtrt_id`` + ``setl_id``.  2101 commits nothing: its
``mdtrt_id`` is provisional.  2103 cancels a 2102 settlement once and gives the account back.

Trace codes (``drugdetail[].durg_trac_info``, 2102's own spelling): anywhere, a code given must
be well formed and not sold before (refused, :mod:`yibao.sandbox.trace_book`); 2102 sells them
under its ``setl_id`` and 2103 / 2601 put them back in the store.  Where the region demands them
(Dongguan 附件6 "2102 需上传追溯码", ``RegionRules.trace_codes_required``) a line of a 西药中成药
(list_type 101) without one settles with a warning in ``err_msg`` (infcode 0) naming the line,
as centres did while 追溯码 was being phased in; an acceptance report shows the warning with
the interface's evidence.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import trace_book
from ..books import add_fee, create_visit, dec, node, node_rows, person_for, req, set_fees, update_visit
from ..policy import Settlement
from ..seed import catalog_entry
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
    _trace_codes(ctx, rows)
    return info, rows, person, split, s


TRACE_WARNING = "东莞附件6: 2102需上传追溯码"


def _trace_codes(ctx: CallContext, rows: list[Mapping[str, Any]]) -> list[list[str]]:
    """Each line's trace codes, checked; a warning where the region demands them and a drug has none."""
    required = ctx.infno in ctx.rules.trace_codes_required or (
        ctx.infno == "2101" and "2102" in ctx.rules.trace_codes_required)
    out = []
    for i, row in enumerate(rows):
        where = f"drugdetail[{i}]"
        codes = trace_book.codes_of(row, where, child="durg_trac_info")
        entry = catalog_entry(str(row.get("med_list_codg", "")))
        if required and not codes and entry is not None and entry["list_type"] == "101" and not ctx.message:
            ctx.message = f"{where}.durg_trac_info: 未上传追溯码(drug_trac_codg)，{TRACE_WARNING}"
        for code in codes:
            trace_book.sell_check(ctx, code, f"{where}.durg_trac_info")
        out.append(codes)
    return out


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
    for i, (row, cut) in enumerate(zip(rows, split, strict=True)):
        add_fee(ctx, mdtrt_id, person["psn_no"], {**row, "cut": cut}, state="settled", setl_id=setl_id)
        codes = trace_book.codes_of(row, f"drugdetail[{i}]", child="durg_trac_info")
        trace_book.sell(ctx, codes, str(row["med_list_codg"]), f"drugdetail[{i}].durg_trac_info", infno="2102",
                        setl_id=setl_id, mdtrt_sn=mdtrt_id, psn_no=person["psn_no"])
    output = {"setlinfo": block, "setldetail": list(s.setldetail), "detlcutinfo": _cut(split)}
    record(ctx, person, s, block, output)
    return output


@handler("2103", changes_state=True)
def cancel_settlement(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    row, output = cancel(ctx, node(inp, "data"), forward_infno="2102")
    # Cancelling a purchase also removes its details (spec §6 2103).
    set_fees(ctx.store, row["mdtrt_id"], "cancelled", where_state=("settled",), only_setl_id=row["setl_id"])
    update_visit(ctx.store, row["mdtrt_id"], state="cancelled")
    trace_book.release_sale(ctx, row["setl_id"])
    return output
