"""Dongguan's city services and self-pay uploads for ``yibao acceptance`` (附件6).

- 90100 缴费明细; 90215 转院信息 (after the run's 2501 / 2501A); 90206 慢特病备案 of a disease not filed
  yet, a second one revoked by 90304, 90104 lists them; 90210 定点备案 with a free 排序号, 90211
  moves it to another institution, 90110 lists it (审批备案类接口);
- ``--with maternity``: 90201 生育登记 of a woman, 90101 lists it, 90517 the unemployed spouse of
  an insured man (生育业务);
- 90502 / 90504 月结 of this month; 90306 revokes the 结算清单 the run uploaded (4101A);
- 自费: 4205 门诊就医 + 4201 its fee, 4202 住院就诊 + 4201A two fees, 4207-4209 read back, 4204
  deletes one fee, 4203 closes the stay with the centre's count and total, 4206 deletes the
  outpatient visit.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from yibao.core import AcceptanceSession

__all__ = ["city_flows", "id_number", "selfpay_flows"]

_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_OPSP = (("M04600", "冠心病"), ("M08300", "精神分裂症"), ("M06900", "慢性肾衰竭(透析)"), ("M00500", "恶性肿瘤门诊治疗"))


def id_number(area: str, birth: str, seq: str) -> str:
    """A GB 11643 居民身份证号码 (ISO 7064 MOD 11-2 check character) for synthetic test data."""
    first = f"{area}{birth}{seq}"
    return first + "10X98765432"[sum(int(c) * w for c, w in zip(first, _W, strict=True)) % 11]


def _rows(out: Any, name: str = "data") -> list[Mapping[str, Any]]:
    rows = out.get(name, []) if isinstance(out, Mapping) else []
    return [r for r in rows if isinstance(r, Mapping)] if isinstance(rows, list) else []


def _sn(out: Any) -> str:
    block = out.get("result") if isinstance(out, Mapping) else None
    return str(block.get("trt_dcla_detl_sn", "")) if isinstance(block, Mapping) else ""


def city_flows(s: AcceptanceSession) -> None:
    """The city's services on the run's lists (see the module docstring)."""
    if "psn_no" not in s.ctx:
        return
    psn, d = s.ctx["psn_no"], s.today.isoformat()
    if s.wants("90100"):
        s.step("90100", lambda: s.call("90100", {"data": {"psn_no": psn}}))
    if s.wants("90215"):
        s.step("90215", lambda: s.call("90215", {"data": {"psn_no": psn, "begndate": d, "enddate": d}}))
    if s.wants("90206", "90304"):
        out = s.step("90104", lambda: s.call("90104", {"data": {"psn_no": psn}}))
        taken = {str(r.get("opsp_dise_code")) for r in _rows(out) if r.get("vali_flag") == "1"}
        free = [x for x in _OPSP if x[0] not in taken and x[0] != s.ctx.get("opsp_dise_code")]
        filing = {"psn_no": psn, "insutype": s.ctx.get("insutype", ""), "ide_fixmedins_no": s.ctx["fixmedins_code"],
                  "ide_fixmedins_name": s.ctx["fixmedins_name"], "hosp_ide_date": d, "diag_dr_codg": "D0001",
                  "diag_dr_name": "医师", "begndate": d}  # fmt: skip
        for infno in ("90206", "90304"):
            if s.wants(infno) and free:
                code, name = free.pop(0)
                got = s.step("90206", lambda c=code, n=name: s.call("90206", {"data": {  # type: ignore[misc]
                    **filing, "opsp_dise_code": c, "opsp_dise_name": n}}))
                if infno == "90304" and _sn(got):
                    s.step("90304", lambda got=got: s.call("90304", {"data": {  # type: ignore[misc]
                        "trt_dcla_detl_sn": _sn(got), "psn_no": psn, "memo": "验收撤销"}}))
        if s.wants("90104"):
            s.step("90104", lambda: s.call("90104", {"data": {"psn_no": psn}}))
    if s.wants("90210", "90211", "90110"):
        _designation(s, psn, d)
    if "maternity" in s.groups:
        _maternity(s, d)
    if s.wants("90502", "90504"):
        for infno in ("90502", "90504"):
            if s.wants(infno):
                s.step(infno, lambda infno=infno: s.call(infno, {"data": {"setl_ym": s.ctx["setl_ym"]}}))  # type: ignore[misc]
    lists = s.ctx.get("setl_lists") or []
    if s.wants("90306") and lists:
        last = lists[-1]
        s.step("90306", lambda: s.call("90306", {"data": {**last, "memo": "验收撤销结算清单"}}))


def _designation(s: AcceptanceSession, psn: str, d: str) -> None:
    out = s.step("90110", lambda: s.call("90110", {"data": {"psn_no": psn}}))
    used = {str(r.get("fix_srt_no")) for r in _rows(out) if r.get("vali_flag") == "1"}
    free = [str(n) for n in range(1, 10) if str(n) not in used]
    if not free:
        return
    got = s.step("90210", lambda: s.call("90210", {"data": {"psn_no": psn, "fix_srt_no": free[0],
                                                             "fixmedins_code": s.ctx["fixmedins_code"],
                                                             "fixmedins_name": s.ctx["fixmedins_name"],
                                                             "begndate": d}}))  # fmt: skip
    if s.wants("90211") and _sn(got):
        s.step("90211", lambda: s.call("90211", {"data": {"trt_dcla_detl_sn": _sn(got), "psn_no": psn,
                                                           "fixmedins_code": "H99999999902",
                                                           "fixmedins_name": "测试变更定点医院", "begndate": d,
                                                           "chg_rea": "参保人申请变更"}}))  # fmt: skip
    if s.wants("90110"):
        s.step("90110", lambda: s.call("90110", {"data": {"psn_no": psn}}))


def _maternity(s: AcceptanceSession, d: str) -> None:
    local = s.client.config.institution.mdtrtarea_admvs[:4]

    def pick(gend: str) -> Mapping[str, Any] | None:
        for p in s.data.persons:
            if p.get("gend") == gend and p.get("psn_cert_type") == "01" and str(p.get("insuplc_admdvs", "")).startswith(
                    local) and all(i.get("psn_insu_stas") == "1" for i in p.get("insuinfo", [])):
                return p
        return None

    woman, man = pick("2"), pick("1")
    if woman is not None:
        who = s.step("1101 生育", lambda: s.identify_person("maternity", woman))
        psn = who.psn_no if who is not None else ""
        if psn:
            reg = {"psn_no": psn, "insutype": who.insutype, "matn_type": "7", "geso_val": Decimal(12),
                   "last_mena_date": d, "fixmedins_code": s.ctx["fixmedins_code"],
                   "fixmedins_name": s.ctx["fixmedins_name"], "begndate": d}  # fmt: skip
            s.step("90201", lambda: s.call("90201", {"data": reg}))
            s.step("90101", lambda: s.call("90101", {"data": {"psn_no": psn}}))
    if man is not None and s.wants("90517"):
        who = s.step("1101 生育(配偶)", lambda: s.identify_person("spouse", man))
        if who is not None:
            spouse = {"psn_no": who.psn_no, "spus_name": "测试配偶", "spus_cert_type": "01",
                      "spus_certno": id_number("441900", "19920304", f"99{s.ctx['stamp'][-1]}"),
                      "mrg_regdate": "2020-05-20", "unemp_flag": "1"}  # fmt: skip
            s.step("90517", lambda: s.call("90517", {"data": spouse}))


def selfpay_flows(s: AcceptanceSession) -> None:
    """4201-4209 for one outpatient and one inpatient self-pay visit."""
    if not s.wants("4201", "4201A", "4202", "4205"):
        return
    who = s.identities.get("main")
    if who is None:
        return
    stamp, now = s.ctx["stamp"], f"{s.today.isoformat()} 09:00:00"
    otp, ipt = f"ZFMZ{stamp}", f"ZFZY{stamp}"
    person = {"psn_cert_type": "01", "certno": who.certno, "psn_name": who.psn_name}
    gend = str(who.baseinfo.get("gend") or "1")
    diag = [{"diag_type": "1", "diag_srt_no": Decimal(1), "diag_code": "J00.x00", "diag_name": "急性鼻咽炎",
             "maindiag_flag": "1", "diag_time": now}]  # fmt: skip

    def visit(sn: str, med_type: str) -> dict[str, Any]:
        return {"mdtrt_sn": sn, "ipt_otp_no": sn, "med_type": med_type, **person, "gend": gend, "begntime": now,
                "dept_codg": "A03", "dept_name": "内科"}  # fmt: skip

    def fee(sn: str, n: int, med_type: str) -> dict[str, Any]:
        code = str(s.ctx.get("med_list_codg", ""))
        return {"mdtrt_sn": sn, "ipt_otp_no": sn, "med_type": med_type, "chrg_bchno": f"ZF{n}", "feedetl_sn": f"{n}",
                **person, "fee_ocur_time": now, "cnt": Decimal(2), "pric": Decimal("12.50"),
                "det_item_fee_sumamt": Decimal("25.00"), "med_list_codg": code, "medins_list_codg": f"HIS-{code}",
                "medins_list_name": "院内项目", "med_chrgitm_type": "09", "prodname": "商品",
                "bilg_dept_codg": "A03", "bilg_dept_name": "内科", "bilg_dr_codg": "D0001", "bilg_dr_name": "医师"}

    s.step("4205", lambda: s.call("4205", {"mdtrtinfo": visit(otp, "11"), "diseinfo": diag}))
    s.step("4201", lambda: s.call("4201", {"feedetail": fee(otp, 1, "11")}))
    s.step("4202", lambda: s.call("4202", {"mdtrtinfo": visit(ipt, "21"), "diseinfo": diag}))
    s.step("4201A", lambda: s.call("4201A", {"feedetail": [fee(ipt, 1, "21"), fee(ipt, 2, "21")]}))
    for infno in ("4207", "4208", "4209"):
        s.step(infno, lambda infno=infno: s.call(infno, {"data": {"mdtrt_sn": ipt}}))  # type: ignore[misc]
    s.step("4204", lambda: s.call("4204", {"data": {"mdtrt_sn": ipt, "feedetl_sn": "2"}}))
    s.step("4203", lambda: s.call("4203", {"data": {"mdtrt_sn": ipt, "fee_cnt": Decimal(1),
                                                     "medfee_sumamt": Decimal("25.00")}}))  # fmt: skip
    s.step("4206", lambda: s.call("4206", {"data": {"mdtrt_sn": otp, "memo": "验收删除"}}))
