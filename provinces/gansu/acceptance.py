"""Gansu's acceptance flows and 附录1 form (接入指引 §3, 附录1 两定接口联调及目录验证表).

Flows: the businesses 附录1 checks beyond the national flows of the run:

- 门慢 and 门特 (医疗类别 14 门诊慢特病, §3.4 "如果是慢特病购药，需要传入慢特病病种信息"): a clinic or
  hospital files a 门特 disease (2503; the run's national flows filed a 门慢 one) and settles one
  outpatient visit with each disease; a pharmacy sells once under 14 to a person with a 慢特病
  record (§3.3: 药店结算适用于药店购药、门诊慢特病两类医疗类别).

The form is :mod:`.form`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from yibao.core import AcceptanceSession, Diagnosis

__all__ = ["MENTE", "chronic_flows"]

#: 门特 (门诊特殊病) diseases a run may file: the specially-treated ones of the sandbox's 1309 subset.
MENTE = (("M00500", "恶性肿瘤门诊治疗"), ("M06900", "慢性肾衰竭(透析)"))


def _filed(s: AcceptanceSession) -> set[str]:
    out = s.call("5301", {"data": {"psn_no": s.ctx["psn_no"]}})
    rows = out.get("feedetail", []) if isinstance(out, Mapping) else []
    return {str(r.get("opsp_dise_code")) for r in rows if isinstance(r, Mapping)}


def chronic_flows(s: AcceptanceSession) -> None:
    """门慢 / 门特 settlements (see the module docstring)."""
    base: Any = s.base
    who = s.identities.get("main")
    if base is None or who is None:
        return
    if s.kind == "pharmacy":
        found = base.chronic_person()
        if found is None:
            return
        person, code, name = found
        buyer = s.step("1101 门慢", lambda: s.identify_person("chronic", person))
        if buyer is not None:
            s.step("门慢 2102", lambda: s.keep("门慢", s.client.pharmacy.settle(
                buyer, base.items(drugs_only=True), med_type="14", dise_codg=code, dise_name=name,
                reader=base.reader_of(buyer))))
        return
    slow = (str(s.ctx["opsp_dise_code"]), str(s.ctx.get("opsp_dise_name", ""))) if s.ctx.get("opsp_dise_code") else None
    if slow is not None:
        s.step("门慢 2207", lambda: base.visit(5, who, "门慢", med_type="14", dise=slow,
                                               diag=(Diagnosis("I25.103", slow[1]),)))
    taken = s.step("5301", lambda: _filed(s)) or set()
    special = next((d for d in MENTE if d[0] in taken), None)  # filed by an earlier run: settle with it
    if special is None:
        special = MENTE[0]
        filing = {"psn_no": who.psn_no, "insutype": who.insutype, "opsp_dise_code": special[0],
                  "opsp_dise_name": special[1], "insu_optins": who.insuplc_admdvs,
                  "ide_fixmedins_no": s.ctx["fixmedins_code"], "ide_fixmedins_name": s.ctx["fixmedins_name"],
                  "hosp_ide_date": s.today.isoformat(), "diag_dr_codg": "D0001", "diag_dr_name": "医师",
                  "begndate": s.today.isoformat()}  # fmt: skip
        if s.step("2503 门特", lambda: s.call("2503", {"data": filing})) is None:
            return
    s.step("门特 2207", lambda: base.visit(6, who, "门特", med_type="14", dise=special,
                                           diag=(Diagnosis("C34.900", special[1]),)))
