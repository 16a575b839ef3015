"""Acceptance flows of 追溯码 / 进销存 (3501-3513) and 事前事中 审核 (3101-3103).

追溯码 (national baseline 【3501】-【3513】; Dongguan 附件6 追溯码上传相关接口, 【后台查验上传数据】):
four new codes are stocked (3501 盘存 with codes, 3501A without), moved (3502; 3502A one code in
and one out), the codes the 2102 sale carried reported by 3505 under its own ``setl_id`` (a
clinic sells a stocked code instead), one more sold by 3505A and given back by 3506, the 2102
sale's code returned by 3506A; 3512 / 3513 then show what the centre holds.

审核 (【3101】-【3103】): an encounter whose orders break rules on purpose (the same item twice,
an item outside the catalogue; 3102 also a quantity over the limit), so that the centre answers
real violations; each one is fed back with 3103 (1 事前 / 2 事中, 返回修改医嘱).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .flows import trace_code

if TYPE_CHECKING:
    from .session import AcceptanceSession

__all__ = ["audit_flows", "trace_flows"]

_TRACE = ("3501", "3501A", "3502", "3502A", "3505", "3505A", "3506", "3506A", "3512", "3513")


def _line(s: AcceptanceSession, codes: list[str], **more: Any) -> dict[str, Any]:
    code = str(s.ctx.get("med_list_codg", ""))
    return {"med_list_codg": code, "fixmedins_hilist_id": f"HIS-{code}"[:30], "fixmedins_hilist_name": "药品",
            "fixmedins_bchno": "B001", "rx_flag": "1", "trdn_flag": "0", "manu_lotnum": "L001",
            "drugtracinfo": [{"drug_trac_codg": c} for c in codes], **more}  # fmt: skip


def trace_flows(s: AcceptanceSession) -> None:
    """See the module docstring."""
    if not s.wants(*_TRACE):
        return
    stock = [trace_code() for _ in range(4)]
    now = f"{s.today.isoformat()} 10:00:00"
    inv = {"invdate": s.today.isoformat(), "inv_cnt": Decimal("3"), "manu_date": "2025-01-01", "expy_end": "2027-12-31",
           "pric": Decimal("10")}  # 3501A prints pric N without a scale: whole 元  # fmt: skip
    if s.wants("3501"):
        s.step("3501", lambda: s.send_synth("3501", {"invinfo": _line(s, stock[:3], **inv)}))
    if s.wants("3501A"):
        s.step("3501A", lambda: s.send_synth("3501A", {"invinfoDetail": [_line(s, [], **inv)]}))
    chg = {"pric": Decimal("10.00"), "cnt": Decimal("1"), "inv_chg_time": now}
    if s.wants("3502"):
        s.step("3502", lambda: s.send_synth("3502", {"invinfo": {**_line(s, []), **chg, "inv_chg_type": "101"}}))
    if s.wants("3502A"):
        rows = [{**_line(s, [stock[3]]), **chg, "inv_chg_type": "101"},
                {**_line(s, [stock[2]]), **chg, "inv_chg_type": "102"}]  # fmt: skip
        s.step("3502A", lambda: s.send_synth("3502A", {"invinfoDetail": rows}))
    sale, sale_codes = _sale(s)
    sel = {"sel_retn_cnt": Decimal("1"), "sel_retn_time": now, "sel_retn_opter_name": s.ctx["opter_name"],
           "prsc_dr_name": "医师", "phar_name": "药师", "phar_prac_cert_no": "YS0001", "manu_date": "2025-01-01",
           "rtal_docno": f"LS{sale['setl_id'][-12:]}", "psn_no": s.ctx.get("psn_no", ""),
           "finl_trns_pric": Decimal("10.00")}  # fmt: skip
    own = {"mdtrt_sn": sale["mdtrt_id"], "setl_id": sale["setl_id"]}
    if s.wants("3505"):
        s.step("3505", lambda: s.send_synth("3505", {"selinfo": _line(s, sale_codes or stock[:1], **sel, **own)}))
    other = {"mdtrt_sn": f"MDT{sale['setl_id'][-12:]}A", "setl_id": ""}
    if s.wants("3505A"):
        s.step("3505A", lambda: s.send_synth("3505A", {"selinfoDetail": [_line(s, [stock[1]], **sel, **other,
                                                                                 drug_prod_barc="6900000000001")]}))
    ret = {k: v for k, v in sel.items() if k in ("sel_retn_cnt", "sel_retn_time", "sel_retn_opter_name", "manu_date")}
    if s.wants("3506"):
        codes = [stock[1]] if s.wants("3505A") else (sale_codes or stock[:1])
        where = other if s.wants("3505A") else own
        s.step("3506", lambda: s.send_synth("3506", {"selinfo": _line(s, codes, **ret, **where)}))
    if s.wants("3506A"):
        back = sale_codes or stock[:1]
        s.step("3506A", lambda: s.send_synth("3506A", {"selinfoDetail": [_line(s, back, **ret, **own)],
                                                        "selinfoErrDetail": []}))  # fmt: skip
    query = {"data": {"fixmedins_code": s.ctx["fixmedins_code"], "begndate": s.today.isoformat(),
                      "enddate": s.today.isoformat(), "med_list_codg": s.ctx.get("med_list_codg", "")}}  # fmt: skip
    for infno in ("3512", "3513"):
        if s.wants(infno):
            s.step(infno, lambda infno=infno: s.call(infno, query))  # type: ignore[misc]


def _sale(s: AcceptanceSession) -> tuple[dict[str, str], list[str]]:
    """The standing sale 3505 reports: the 2102 of the ID card with its codes, else the kept settlement."""
    for label, result, items in s.ctx.get("sales", []):
        if label == "ID card" and result is not None:
            codes = [c for i in items if i.med_list_codg == s.ctx.get("med_list_codg") for c in i.trace_codes]
            return {"mdtrt_id": result.mdtrt_id, "setl_id": result.setl_id}, codes
    kept = s.kept.get("ID card")
    if kept is not None:
        return {"mdtrt_id": kept.mdtrt_id, "setl_id": kept.setl_id}, []
    return {"mdtrt_id": "MDT-NONE", "setl_id": "SETL-NONE"}, []


def _encounter(s: AcceptanceSession, infno: str, orders: list[Mapping[str, Any]]) -> dict[str, Any]:
    who = s.identities.get("main")
    base = dict(who.baseinfo) if who is not None else {}
    mdtrt_id = str(s.ctx.get("mdtrt_id") or "MDT-NONE")
    patient = {"patn_id": s.ctx.get("psn_no", ""), "patn_name": s.ctx.get("psn_name", ""),
               "gend": str(base.get("gend") or "1"), "brdy": str(base.get("brdy") or "1980-01-01"),
               "poolarea": s.ctx.get("insuplc_admdvs", ""), "curr_mdtrt_id": mdtrt_id}  # fmt: skip
    data = s.synth(infno)["data"]
    row = data[0] if isinstance(data, list) else data
    pat = {**(row.get("patient_dtos") or [{}])[0], **patient}
    enc = {**(pat.get("fsi_encounter_dtos") or [{}])[0], "mdtrt_id": mdtrt_id, "medins_id": s.ctx["fixmedins_code"],
           "medins_name": s.ctx["fixmedins_name"], "medins_admdvs": s.client.config.institution.mdtrtarea_admvs,
           "adm_date": s.today.isoformat(), "dscg_date": s.today.isoformat(),
           "insutype": s.ctx.get("insutype", "310")}  # fmt: skip
    enc["fsi_order_dtos"] = [{**(enc.get("fsi_order_dtos") or [{}])[0], **o} for o in orders]
    pat["fsi_encounter_dtos"] = [enc]
    return {"data": [{**row, "trig_scen": "1" if infno == "3101" else "2", "patient_dtos": [pat]}]}


def _order(n: int, code: str, cnt: str = "1") -> dict[str, Any]:
    return {"rx_id": f"RX{n:04d}", "rxno": f"CF{n:04d}", "hilist_code": code, "hosplist_code": f"HIS-{code}"[:20],
            "cnt": Decimal(cnt), "pric": Decimal("10.00"), "sumamt": Decimal(cnt) * Decimal("10.00")}  # fmt: skip


def audit_flows(s: AcceptanceSession) -> None:
    """3101 / 3102 with violations on purpose, each fed back by 3103."""
    code = str(s.ctx.get("med_list_codg", ""))
    results: list[tuple[str, list[str]]] = []
    for infno, orders in (("3101", [_order(1, code), _order(2, code), _order(3, "SB-NOT-IN-CATALOGUE")]),
                          ("3102", [_order(4, code, "50")])):  # fmt: skip
        if not s.wants(infno):
            continue
        out = s.step(infno, lambda infno=infno, orders=orders: s.call(infno, _encounter(s, infno, orders)))  # type: ignore[misc]
        found = out.get("result", []) if isinstance(out, Mapping) else []
        ids = [str(r["jr_id"]) for r in found if isinstance(r, Mapping) and r.get("jr_id")]
        s.messages.append(f"{infno}: {len(ids)} violation(s) found: " + ", ".join(
            str(r.get("rule_name", "")) for r in found if isinstance(r, Mapping)))
        results.append(("1" if infno == "3101" else "2", ids))
    if s.wants("3103"):
        data = [{"warn_type": kind, "warns": [{"warn_rslt_id": i, "dspo_way": "2", "dspo_way_rea": ""} for i in ids]}
                for kind, ids in results if ids]  # fmt: skip
        if data:
            s.step("3103", lambda: s.call("3103", {"data": data}))
