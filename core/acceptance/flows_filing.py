"""Acceptance flows of 备案 (2501-2506, 5301 / 5302 / 5304), 结算清单 / 病案首页 (4101, 4103, 4401),
目录 (1301-1319, 1901, 3301 / 3302, 1201) and the closing 9002 (national baseline; Gansu 附录1
目录验证; Dongguan 附件6 审批备案类接口).

Filings pick what is not filed yet (a 慢特病 the person has no active filing of, a free 定点排序号),
so a run can be repeated against the same centre.  A filing made to be revoked is a second one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .session import AcceptanceSession

__all__ = ["catalogue_flows", "filing_flows", "upload_flows"]

#: 门诊慢特病 diseases a run may file (codes of the sandbox's 1309 subset; a real run uses the bureau's)
OPSP = (("M04600", "冠心病"), ("M08300", "精神分裂症"), ("M00500", "恶性肿瘤门诊治疗"), ("M06900", "慢性肾衰竭(透析)"))
CATALOGUE = ("1301", "1302", "1303", "1304", "1305", "1306", "1307", "1308", "1309", "1310", "1311", "1312",
             "1313", "1314", "1315", "1316", "1317", "1318", "1319", "1901")  # fmt: skip


def _rows(out: Any, name: str) -> list[Mapping[str, Any]]:
    rows = out.get(name, []) if isinstance(out, Mapping) else []
    return [r for r in rows if isinstance(r, Mapping)] if isinstance(rows, list) else []


def free_diseases(s: AcceptanceSession) -> list[tuple[str, str]]:
    """The diseases of :data:`OPSP` the main person has no active 慢特病 record of (5301)."""
    out = s.step("5301", lambda: s.call("5301", {"data": {"psn_no": s.ctx["psn_no"]}}))
    taken = {str(r.get("opsp_dise_code")) for r in _rows(out, "feedetail")}
    return [d for d in OPSP if d[0] not in taken]


def _refl(s: AcceptanceSession) -> dict[str, Any]:
    return {"psn_no": s.ctx["psn_no"], "insutype": s.ctx.get("insutype", ""), "diag_code": "J18.900",
            "diag_name": "肺炎", "reflin_medins_no": "H99999999901", "reflin_medins_name": "测试转入医院",
            "mdtrtarea_admdvs": s.client.config.institution.mdtrtarea_admvs, "refl_type": "1",
            "refl_date": s.today.isoformat(), "refl_rea": "病情需要", "refl_opnn": "同意转院",
            "begndate": s.today.isoformat(), "enddate": s.today.isoformat(), "hosp_agre_refl_flag": "1"}  # fmt: skip


def _opsp(s: AcceptanceSession, code: str, name: str) -> dict[str, Any]:
    d = s.today.isoformat()
    return {"psn_no": s.ctx["psn_no"], "insutype": s.ctx.get("insutype", ""), "opsp_dise_code": code,
            "opsp_dise_name": name, "insu_optins": s.ctx.get("insuplc_admdvs",
                                                             ""), "ide_fixmedins_no": s.ctx["fixmedins_code"],
            "ide_fixmedins_name": s.ctx["fixmedins_name"], "hosp_ide_date": d, "diag_dr_codg": "D0001",
            "diag_dr_name": "医师", "begndate": d}  # fmt: skip


def filing_flows(s: AcceptanceSession) -> None:
    """2501 / 2501A (2502 revokes one), 5304; 2503 (2504 revokes a second), 5301; 2505 (2506), 5302."""
    if "psn_no" not in s.ctx:
        return
    sns: list[str] = []
    for infno in ("2501", "2501A"):
        if s.wants(infno):
            out = s.step(infno, lambda infno=infno: s.call(infno, {"refmedin": _refl(s)}))  # type: ignore[misc]
            sn = (out or {}).get("result", {}).get("trt_dcla_detl_sn") if isinstance(out, Mapping) else None
            sns += [str(sn)] if sn else []
    if s.wants("2502") and sns:
        s.step("2502", lambda: s.call("2502", {"data": {"trt_dcla_detl_sn": sns[-1], "psn_no": s.ctx["psn_no"],
                                                         "memo": "验收撤销"}}))  # fmt: skip
    if s.wants("5304"):
        s.step("5304", lambda: s.call("5304", {"data": {"psn_no": s.ctx["psn_no"], "begntime": s.ctx["begntime"]}}))
    if s.wants("2503", "2504"):
        free = free_diseases(s)
        if s.wants("2503") and free:
            code, name = free.pop(0)
            s.step("2503", lambda: s.call("2503", {"data": _opsp(s, code, name)}))
            s.ctx["opsp_dise_code"], s.ctx["opsp_dise_name"] = code, name
        if s.wants("2504") and free:
            code, name = free.pop(0)
            out = s.step("2503 to revoke", lambda: s.call("2503", {"data": _opsp(s, code, name)}))
            sn = (out or {}).get("result", {}).get("trt_dcla_detl_sn") if isinstance(out, Mapping) else None
            if sn:
                s.step("2504", lambda: s.call("2504", {"data": {"trt_dcla_detl_sn": sn, "psn_no": s.ctx["psn_no"],
                                                                 "memo": "验收撤销"}}))  # fmt: skip
    if s.wants("2505", "2506", "5302"):
        _designation(s)


def _designation(s: AcceptanceSession) -> None:
    query = {"data": {"psn_no": s.ctx["psn_no"], "biz_appy_type": "03"}}
    out = s.step("5302", lambda: s.call("5302", query))
    used = {str(r.get("fix_srt_no")) for r in _rows(out, "psnfixmedin")}
    free = [str(n) for n in range(1, 10) if str(n) not in used]

    def file(srt: str) -> Any:
        data = {"psn_no": s.ctx["psn_no"], "biz_appy_type": "03", "begndate": s.today.isoformat(), "fix_srt_no": srt,
                "fixmedins_code": s.ctx["fixmedins_code"], "fixmedins_name": s.ctx["fixmedins_name"]}  # fmt: skip
        return s.call("2505", {"data": data})

    if s.wants("2505") and free:
        s.step("2505", lambda: file(free.pop(0)))
        s.step("5302", lambda: s.call("5302", query))
    if s.wants("2506") and free:
        out2 = s.step("2505 to revoke", lambda: file(free.pop(0)))
        sn = (out2 or {}).get("result", {}).get("trt_dcla_detl_sn") if isinstance(out2, Mapping) else None
        if sn:
            s.step("2506", lambda: s.call("2506", {"data": {"trt_dcla_detl_sn": sn, "psn_no": s.ctx["psn_no"],
                                                             "memo": "验收撤销"}}))  # fmt: skip


def upload_flows(s: AcceptanceSession) -> None:
    """4101 / 4101A for standing settlements, 4103 reads one back; 4401 for the stay."""
    standing = [(label, k) for label, k in s.kept.items() if label in ("ID card", "e-voucher", "chronic")]
    for infno in ("4101", "4101A"):
        if not s.wants(infno) or not standing or not s.has(infno):
            continue
        label, kept = standing.pop(0)
        who = s.identities["main" if label == "ID card" else label]
        info = {"psn_no": who.psn_no, "mdtrt_id": kept.mdtrt_id, "setl_id": kept.setl_id, "ntly": "CHN",
                "patn_rlts": "01", "coner_name": who.psn_name, "coner_addr": "测试地址", "coner_tel": "13800000000",
                "dscg_caty": "A03"}  # fmt: skip
        out = s.step(infno, lambda infno=infno, info=info: s.send_synth(infno, {"setlinfo": info}))  # type: ignore[misc]
        list_id = (out or {}).get("data", {}).get("setl_list_id") if isinstance(out, Mapping) else None
        if list_id:
            s.ctx.setdefault("setl_lists", []).append({"psn_no": who.psn_no, "setl_id": kept.setl_id,
                                                        "setl_list_id": list_id})  # fmt: skip
    lists = s.ctx.get("setl_lists") or []
    if s.wants("4103") and lists:
        s.step("4103", lambda: s.call("4103", {"data": {"psn_no": lists[0]["psn_no"], "setl_id": lists[0]["setl_id"]}}))
    stay = s.visits.get("inpatient")
    if s.wants("4401") and stay is not None:
        base = {"mdtrt_sn": stay.mdtrt_id, "mdtrt_id": stay.mdtrt_id, "psn_no": s.ctx["psn_no"],
                "medcasno": f"BA{stay.mdtrt_id[-10:]}", "psn_name": s.ctx["psn_name"]}  # fmt: skip
        more = {n: {"mdtrt_sn": stay.mdtrt_id} for n in ("diseinfo", "oprninfo", "icuinfo")}
        s.step("4401", lambda: s.send_synth("4401", {"baseinfo": base, **more}))


def catalogue_flows(s: AcceptanceSession) -> None:
    """1301-1319 and 1901 synced into the journal's database; 3301 two mappings, 3302 one undone; 1201."""
    kinds = [k for k in CATALOGUE if s.wants(k) and k != "1317"]
    if kinds:
        s.step("catalogue sync", lambda: s.client.catalog.sync(kinds, dict_types=["clr_type", "med_type"]))
    stamp = s.ctx.get("stamp", "")
    code = str(s.ctx.get("med_list_codg", ""))
    d = s.today.isoformat()

    def mapping(n: int) -> dict[str, Any]:
        return {"fixmedins_hilist_id": f"HIS{stamp}{n}{code}"[:30], "fixmedins_hilist_name": "院内药品",
                "list_type": "101",
                "med_list_codg": code, "begndate": d, "enddate": "2099-12-31"}  # fmt: skip

    if s.wants("3301"):
        s.step("3301", lambda: s.call("3301", {"data": mapping(1)}))
    if s.wants("3302"):
        second = mapping(2)
        if s.step("3301 to revoke", lambda: s.call("3301", {"data": second})) is not None or not s.wants("3301"):
            keys = ("fixmedins_hilist_id", "list_type", "med_list_codg")
            s.step("3302", lambda: s.call("3302", {"fixmedins_code": s.ctx["fixmedins_code"],
                                                   **{k: second[k] for k in keys}}))  # fmt: skip
    if s.wants("1317"):
        s.step("1317", lambda: s.client.catalog.sync(["1317"]))
    if s.wants("1201"):
        kind = "2" if s.kind == "pharmacy" else "1"
        s.step("1201", lambda: s.call("1201", {"medinsinfo": {"fixmedins_type": kind,
                                                              "fixmedins_code": s.ctx["fixmedins_code"]}}))  # fmt: skip
