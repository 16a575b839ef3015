"""Inpatient: 2401 入院办理 → 2301 费用明细上传 (batches) → 2403 信息变更 → 2402 出院办理 →
2303 预结算 → 2304 结算; undo 2305 结算撤销 → 2405 出院撤销 → 2302 明细撤销 → 2404 入院撤销
(spec_reference §8-9; Gansu §3.5: no fee upload after discharge, settlement after discharge).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from ..clock import wire_time
from ..engine import Settlement
from .fees import FeeItem, total
from .identify import Identity
from .outpatient import Diagnosis
from .readers import MediumReader
from .settle import EctokenProvider, cancel_bill, fresh_medium, settle_bill, token_fields

if TYPE_CHECKING:
    from .context import Context

__all__ = ["InpatientService", "InpatientStay"]


def _diseinfo(ctx: Context, psn_no: str, diagnoses: Sequence[Diagnosis], mdtrt_id: str = "") -> list[dict[str, Any]]:
    now = wire_time(ctx.now())
    rows = []
    for n, d in enumerate(diagnoses):
        row: dict[str, Any] = {"psn_no": psn_no, "diag_type": d.diag_type, "maindiag_flag": d.maindiag_flag,
                               "diag_srt_no": Decimal(n + 1), "diag_code": d.diag_code, "diag_name": d.diag_name,
                               "diag_dept": d.diag_dept, "dise_dor_no": d.dise_dor_no,
                               "dise_dor_name": d.dise_dor_name, "diag_time": now}
        if mdtrt_id:
            row["mdtrt_id"] = mdtrt_id
        rows.append(row)
    return rows


@attrs.define
class InpatientStay:
    ctx: Context
    identity: Identity
    mdtrt_id: str
    ipt_no: str
    med_type: str
    dept_codg: str
    dept_name: str
    uploaded: Decimal = Decimal("0")
    settlement: Settlement | None = None

    @classmethod
    def admit(cls, ctx: Context, identity: Identity, *, ipt_no: str, diagnoses: Sequence[Diagnosis],
              med_type: str = "21", dept_codg: str = "A03", dept_name: str = "内科", bed: str = "01",
              atddr_no: str = "D000000000001", chfpdr_name: str = "医师") -> InpatientStay:
        """2401 入院办理."""
        main = diagnoses[0]
        data = {
            "mdtrtinfo": {
                "psn_no": identity.psn_no, "insutype": identity.insutype, "begntime": wire_time(ctx.now()),
                **identity.cert_fields(), "med_type": med_type, "ipt_no": ipt_no, "medrcdno": ipt_no,
                "atddr_no": atddr_no, "chfpdr_name": chfpdr_name, "adm_diag_dscr": main.diag_name,
                "adm_dept_codg": dept_codg, "adm_dept_name": dept_name, "adm_bed": bed,
                "dscg_maindiag_code": main.diag_code, "dscg_maindiag_name": main.diag_name,
            },
            "diseinfo": _diseinfo(ctx, identity.psn_no, diagnoses),
        }
        out = ctx.call("2401", data, insuplc_admdvs=identity.insuplc_admdvs)
        mdtrt_id = str((out or {}).get("result", {}).get("mdtrt_id", ""))
        return cls(ctx, identity, mdtrt_id, ipt_no, med_type, dept_codg, dept_name)

    def upload_fees(self, items: Sequence[FeeItem]) -> list[Any]:
        """2301 住院费用明细上传."""
        now = self.ctx.now()
        rows = [i.row(now, prescription=False, mdtrt_id=self.mdtrt_id, psn_no=self.identity.psn_no,
                      med_type=self.med_type, bilg_dept_codg=self.dept_codg, bilg_dept_name=self.dept_name,
                      hosp_appr_flag=i.hosp_appr_flag)
                for i in items]
        out = self.ctx.call("2301", {"feedetail": rows}, insuplc_admdvs=self.identity.insuplc_admdvs)
        self.uploaded += total(items)
        result = out.get("result", []) if isinstance(out, dict) else out
        return list(result) if isinstance(result, list) else []

    def change(self, diagnoses: Sequence[Diagnosis], **adminfo: Any) -> None:
        """2403 住院信息变更 (入院信息变更)."""
        main = diagnoses[0]
        info = {"mdtrt_id": self.mdtrt_id, "psn_no": self.identity.psn_no, "begntime": wire_time(self.ctx.now()),
                "mdtrt_cert_type": self.identity.medium.mdtrt_cert_type,
                "med_type": self.med_type, "ipt_otp_no": self.ipt_no, "medrcdno": self.ipt_no,
                "atddr_no": "D000000000001", "chfpdr_name": "医师", "adm_diag_dscr": main.diag_name,
                "adm_dept_codg": self.dept_codg, "adm_dept_name": self.dept_name, "adm_bed": "01",
                "dscg_maindiag_code": main.diag_code, "dscg_maindiag_name": main.diag_name, **adminfo}
        data = {"adminfo": info, "diseinfo": _diseinfo(self.ctx, self.identity.psn_no, diagnoses, self.mdtrt_id)}
        self.ctx.call("2403", data, insuplc_admdvs=self.identity.insuplc_admdvs)

    def discharge(self, diagnoses: Sequence[Diagnosis], *, dscg_way: str = "1") -> None:
        """2402 出院办理."""
        data = {
            "dscginfo": {"mdtrt_id": self.mdtrt_id, "psn_no": self.identity.psn_no, "insutype": self.identity.insutype,
                         "endtime": wire_time(self.ctx.now()), "dscg_dept_codg": self.dept_codg,
                         "dscg_dept_name": self.dept_name, "dscg_way": dscg_way},
            "diseinfo": _diseinfo(self.ctx, self.identity.psn_no, diagnoses, self.mdtrt_id),
        }
        self.ctx.call("2402", data, insuplc_admdvs=self.identity.insuplc_admdvs)

    def _settle_input(self, identity: Identity, acct_used_flag: str, psn_setlway: str, mid_setl_flag: str
                      ) -> dict[str, Any]:
        return {
            "psn_no": identity.psn_no, **identity.cert_fields(), "medfee_sumamt": self.uploaded,
            "psn_setlway": psn_setlway, "mdtrt_id": self.mdtrt_id, "insutype": identity.insutype,
            "acct_used_flag": acct_used_flag, "mid_setl_flag": mid_setl_flag,
        }

    def pre_settle(self, *, acct_used_flag: str = "0", psn_setlway: str = "01", mid_setl_flag: str = "0",
                   ectoken_provider: EctokenProvider | None = None, reader: MediumReader | None = None) -> Any:
        """2303 住院预结算 alone (what the patient will pay; nothing is booked)."""
        identity = fresh_medium(self.ctx, self.identity, "2304", ectoken_provider, reader)
        data = self._settle_input(identity, acct_used_flag, psn_setlway, mid_setl_flag)
        return self.ctx.call("2303", {"data": data}, insuplc_admdvs=identity.insuplc_admdvs)

    def settle(self, *, acct_used_flag: str = "0", psn_setlway: str = "01", mid_setl_flag: str = "0",
               idem_key: str | None = None, ectoken_provider: EctokenProvider | None = None,
               reader: MediumReader | None = None) -> Settlement:
        """2303 住院预结算 then 2304 住院结算."""
        identity = fresh_medium(self.ctx, self.identity, "2304", ectoken_provider, reader)
        data = self._settle_input(identity, acct_used_flag, psn_setlway, mid_setl_flag)
        data.update(token_fields(self.ctx, identity, "2304"))
        self.settlement = settle_bill(self.ctx, identity, "2304", {"data": data}, pre=("2303", {"data": data}),
                                      idem_key=idem_key)
        return self.settlement

    def cancel_settlement(self) -> Settlement:
        """2305 住院结算撤销."""
        assert self.settlement is not None, "no settlement to cancel"
        data = {"data": {"mdtrt_id": self.mdtrt_id, "setl_id": self.settlement.setl_id,
                         "psn_no": self.identity.psn_no}}
        return cancel_bill(self.ctx, self.identity, "2305", data)

    def _simple(self, infno: str) -> None:
        self.ctx.call(infno, {"data": {"mdtrt_id": self.mdtrt_id, "psn_no": self.identity.psn_no}},
                         insuplc_admdvs=self.identity.insuplc_admdvs)

    def cancel_discharge(self) -> None:
        """2405 出院撤销."""
        self._simple("2405")

    def revoke_fees(self, feedetl_sn: str = "0000") -> None:
        """2302 住院费用明细撤销 (``0000`` = all unsettled lines)."""
        data = {"data": [{"feedetl_sn": feedetl_sn, "mdtrt_id": self.mdtrt_id, "psn_no": self.identity.psn_no}]}
        self.ctx.call("2302", data, insuplc_admdvs=self.identity.insuplc_admdvs)
        if feedetl_sn == "0000":
            self.uploaded = Decimal("0")

    def cancel_admission(self) -> None:
        """2404 入院撤销."""
        self._simple("2404")


class InpatientService:
    """``client.inpatient``: admit (2401); the stay object carries the rest."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def admit(self, identity: Identity, *, ipt_no: str, diagnoses: Sequence[Diagnosis], **details: Any
              ) -> InpatientStay:
        """2401 入院办理; ``details`` takes ``med_type``, ``dept_codg``, ``dept_name``, ``bed``,
        ``atddr_no``, ``chfpdr_name``."""
        return InpatientStay.admit(self._ctx, identity, ipt_no=ipt_no, diagnoses=diagnoses, **details)

    def resume(self, identity: Identity, *, mdtrt_id: str, ipt_no: str, med_type: str = "21",
               dept_codg: str = "A03", dept_name: str = "内科") -> InpatientStay:
        """A stay admitted earlier, to go on with."""
        return InpatientStay(self._ctx, identity, mdtrt_id, ipt_no, med_type, dept_codg, dept_name)
