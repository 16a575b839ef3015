"""Outpatient: 2201 挂号 → 2203 就诊信息上传 → 2204 费用明细上传 (per fee batch) → 2206 预结算 →
2207 结算; undo 2208 结算撤销 → 2205 明细撤销 → 2202 挂号撤销 (spec_reference §7; Gansu §3.4).

One registration may settle several fee batches (``chrg_bchno``); ``feedetl_sn`` is unique
within the visit.  2207's four amount inputs come from the 2204 split results of the batch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from ..clock import wire_time
from ..engine import Settlement
from .fees import FeeItem, total
from .identify import Identity
from .readers import MediumReader
from .settle import EctokenProvider, cancel_bill, fresh_medium, settle_bill, token_fields

if TYPE_CHECKING:
    from .context import Context

__all__ = ["Diagnosis", "OutpatientService", "OutpatientVisit"]

_SPLIT_SUMS = ("fulamt_ownpay_amt", "overlmt_amt", "preselfpay_amt", "inscp_scp_amt")
#: 2207's inputs from the 2204 split, which 2206 does not take
_SPLIT_INPUTS = ("fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt")


@attrs.frozen
class Diagnosis:
    diag_code: str
    diag_name: str
    diag_type: str = "1"
    diag_dept: str = "内科"
    dise_dor_no: str = "D000000000001"
    dise_dor_name: str = "医师"
    maindiag_flag: str = "1"


@attrs.define
class OutpatientVisit:
    """One registration and its fee batches."""

    ctx: Context
    identity: Identity
    mdtrt_id: str
    ipt_otp_no: str
    med_type: str
    batches: dict[str, dict[str, Decimal]] = attrs.field(factory=dict)
    settlements: dict[str, Settlement] = attrs.field(factory=dict)

    @classmethod
    def register(cls, ctx: Context, identity: Identity, *, ipt_otp_no: str, med_type: str = "11",
                 dept_code: str = "A03", dept_name: str = "内科", caty: str = "A03",
                 atddr_no: str = "D000000000001", dr_name: str = "医师") -> OutpatientVisit:
        """2201 门诊挂号."""
        data = {"data": {
            "psn_no": identity.psn_no, "insutype": identity.insutype, "begntime": wire_time(ctx.now()),
            **identity.cert_fields(), "ipt_otp_no": ipt_otp_no, "atddr_no": atddr_no, "dr_name": dr_name,
            "dept_code": dept_code, "dept_name": dept_name, "caty": caty,
        }}
        out = ctx.call("2201", data, insuplc_admdvs=identity.insuplc_admdvs)
        mdtrt_id = str((out or {}).get("data", {}).get("mdtrt_id", ""))
        return cls(ctx, identity, mdtrt_id, ipt_otp_no, med_type)

    def upload_visit(self, diagnoses: Sequence[Diagnosis], *, main_cond_dscr: str = "",
                     dise_codg: str = "", dise_name: str = "") -> None:
        """2203 门诊就诊信息上传 (one med_type per visit; diagnoses as diseinfo)."""
        now = wire_time(self.ctx.now())
        data = {
            "mdtrtinfo": {"mdtrt_id": self.mdtrt_id, "psn_no": self.identity.psn_no, "med_type": self.med_type,
                          "begntime": now, "main_cond_dscr": main_cond_dscr, "dise_codg": dise_codg,
                          "dise_name": dise_name},
            "diseinfo": [{"diag_type": d.diag_type, "diag_srt_no": Decimal(n + 1), "diag_code": d.diag_code,
                          "diag_name": d.diag_name, "diag_dept": d.diag_dept, "dise_dor_no": d.dise_dor_no,
                          "dise_dor_name": d.dise_dor_name, "diag_time": now, "vali_flag": "1"}
                         for n, d in enumerate(diagnoses)],
        }
        self.ctx.call("2203", data, insuplc_admdvs=self.identity.insuplc_admdvs)

    def upload_fees(self, chrg_bchno: str, items: Sequence[FeeItem]) -> list[Mapping[str, Any]]:
        """2204 门诊费用明细信息上传: one whole batch; returns the split results."""
        now = self.ctx.now()
        rows = [i.row(now, mdtrt_id=self.mdtrt_id, psn_no=self.identity.psn_no, chrg_bchno=chrg_bchno,
                      bilg_dept_codg=i.bilg_dept_codg, bilg_dept_name=i.bilg_dept_name,
                      hosp_appr_flag=i.hosp_appr_flag) for i in items]
        out = self.ctx.call("2204", {"feedetail": rows}, insuplc_admdvs=self.identity.insuplc_admdvs)
        result = out.get("result", []) if isinstance(out, Mapping) else (out or [])
        sums = {k: Decimal("0") for k in _SPLIT_SUMS}
        for r in result if isinstance(result, list) else []:
            for k in _SPLIT_SUMS:
                sums[k] += Decimal(str(r.get(k) or 0))
        sums["medfee_sumamt"] = total(items)
        self.batches[chrg_bchno] = sums
        return list(result) if isinstance(result, list) else []

    def _settle_input(self, identity: Identity, chrg_bchno: str, acct_used_flag: str,
                      psn_setlway: str) -> dict[str, Any]:
        sums = self.batches[chrg_bchno]
        return {
            "psn_no": identity.psn_no, **identity.cert_fields(), "med_type": self.med_type,
            "medfee_sumamt": sums["medfee_sumamt"], "psn_setlway": psn_setlway, "mdtrt_id": self.mdtrt_id,
            "chrg_bchno": chrg_bchno, "insutype": identity.insutype, "acct_used_flag": acct_used_flag,
            "fulamt_ownpay_amt": sums["fulamt_ownpay_amt"], "overlmt_selfpay": sums["overlmt_amt"],
            "preselfpay_amt": sums["preselfpay_amt"], "inscp_scp_amt": sums["inscp_scp_amt"],
        }

    def pre_settle(self, chrg_bchno: str, *, acct_used_flag: str = "0", psn_setlway: str = "01",
                   ectoken_provider: EctokenProvider | None = None) -> Any:
        """2206 门诊预结算 of one batch alone (what the patient will pay; nothing is booked)."""
        identity = fresh_medium(self.ctx, self.identity, "2207", ectoken_provider)
        data = self._settle_input(identity, chrg_bchno, acct_used_flag, psn_setlway)
        pre = {k: v for k, v in data.items() if k not in _SPLIT_INPUTS}
        return self.ctx.call("2206", {"data": pre}, insuplc_admdvs=identity.insuplc_admdvs)

    def settle(self, chrg_bchno: str, *, acct_used_flag: str = "0", psn_setlway: str = "01",
               idem_key: str | None = None, ectoken_provider: EctokenProvider | None = None,
               reader: MediumReader | None = None) -> Settlement:
        """2206 门诊预结算 then 2207 门诊结算 of one batch (the single-use token fields of the
        region's steps are not part of the bill's identity: see the engine's fingerprint)."""
        identity = fresh_medium(self.ctx, self.identity, "2207", ectoken_provider, reader)
        data = self._settle_input(identity, chrg_bchno, acct_used_flag, psn_setlway)
        data.update(token_fields(self.ctx, identity, "2207"))
        pre = {k: v for k, v in data.items() if k not in _SPLIT_INPUTS}
        result = settle_bill(self.ctx, identity, "2207", {"data": data}, pre=("2206", {"data": pre}),
                             idem_key=idem_key)
        self.settlements[chrg_bchno] = result
        return result

    def cancel(self, chrg_bchno: str) -> Settlement:
        """2208 门诊结算撤销 of one batch's settlement."""
        s = self.settlements[chrg_bchno]
        data = {"data": {"setl_id": s.setl_id, "mdtrt_id": self.mdtrt_id, "psn_no": self.identity.psn_no}}
        return cancel_bill(self.ctx, self.identity, "2208", data)

    def revoke_fees(self, chrg_bchno: str = "0000") -> None:
        """2205 门诊费用明细信息撤销 (``0000`` = every unsettled batch of the visit)."""
        data = {"data": {"mdtrt_id": self.mdtrt_id, "chrg_bchno": chrg_bchno, "psn_no": self.identity.psn_no}}
        self.ctx.call("2205", data, insuplc_admdvs=self.identity.insuplc_admdvs)

    def unregister(self) -> None:
        """2202 门诊挂号撤销."""
        data = {"data": {"psn_no": self.identity.psn_no, "mdtrt_id": self.mdtrt_id, "ipt_otp_no": self.ipt_otp_no}}
        self.ctx.call("2202", data, insuplc_admdvs=self.identity.insuplc_admdvs)


class OutpatientService:
    """``client.outpatient``: start a visit (2201); the visit object carries the rest."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def register(self, identity: Identity, *, ipt_otp_no: str, med_type: str = "11", **dept: Any) -> OutpatientVisit:
        """2201 门诊挂号; ``dept`` takes ``dept_code``, ``dept_name``, ``caty``, ``atddr_no``, ``dr_name``."""
        return OutpatientVisit.register(self._ctx, identity, ipt_otp_no=ipt_otp_no, med_type=med_type, **dept)

    def resume(self, identity: Identity, *, mdtrt_id: str, ipt_otp_no: str, med_type: str = "11") -> OutpatientVisit:
        """A visit registered earlier (by another process or an earlier run), to go on with."""
        return OutpatientVisit(self._ctx, identity, mdtrt_id, ipt_otp_no, med_type)
