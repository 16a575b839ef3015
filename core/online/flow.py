"""The internet-hospital consultation as a workflow (online_settlement.md §2; Xiamen spec 003).

::

    visit = client.online.consultation(identity, auth, doctor, med_org_ord="MO0001")   # 2201 (11)
    visit.check_doctor()                              # XM01 身份 / XM04 处方权 / XM02 人脸签到 (1, 2, 4)
    visit.remind(items, diagnosis)                    # 3101 事前提醒 (5)
    visit.record([{"time": ..., "role": "doctor", "content": ...}])     # XM06 问诊过程 (6)
    rx = visit.prescribe(items, diagnosis, pharmacist, pdf)             # 7101 → 7102 → 7103 (7)
    visit.upload_fees(items, diagnosis)               # 6201 (14; its cashierUrl: 13)
    visit.pay()                                       # 6202 (16)
    ...                                               # the patient pays at the channel
    visit.wait()                                      # 6302 at the receiver, or 6301 polls (18, 19)
    visit.cancel()                                    # 6401 / 6203 by ordStas, then 2202 (12, 15, 17)

The consultation holds only keys (``medOrgOrd``, the visit's ``mdtrt_id``): every step reads and
writes the journal, so a service can rebuild it per request (:meth:`Consultation.resume`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

import attrs

from ..clock import wire_time
from ..workflows.outpatient import OutpatientVisit
from .orders import OnlineOrder
from .prescriptions import Prescription
from .states import OrderState

if TYPE_CHECKING:
    from ..workflows.identify import Identity
    from .einvoice import Bill
    from .service import OnlineService, PayAuth

__all__ = ["Consultation", "Doctor", "Pharmacist", "RxItem"]

_CENT = Decimal("0.01")
_DONE = (OrderState.SETTLED, OrderState.FAILED, OrderState.NEEDS_ATTENTION, OrderState.CANCELLED,
         OrderState.REFUNDED)


@attrs.frozen
class Doctor:
    """The prescribing doctor (国家医保医师代码 ``dr_code``) and the department."""

    dr_code: str
    dr_name: str
    dept_code: str = "A03"
    dept_name: str = "互联网医院门诊"
    caty: str = "A03"
    cert_type: str = "01"
    cert_no: str = ""
    profttl_codg: str = "233"
    profttl_name: str = "主治医师"


@attrs.frozen
class Pharmacist:
    """The hospital's pharmacist who reviewed the prescription (7103's 审方药师)."""

    phar_code: str
    phar_name: str
    dept_code: str = "B01"
    dept_name: str = "药剂科"
    profttl_codg: str = ""


@attrs.frozen
class RxItem:
    """One prescribed item (a drug, or a service such as the consultation fee)."""

    med_list_codg: str
    name: str
    cnt: Decimal
    pric: Decimal
    medins_list_codg: str
    dosform: str = "胶囊剂"
    spec: str = "0.25g*24粒"
    drug: bool = True
    days: Decimal = Decimal("3")
    sin_doscnt: Decimal = Decimal("1")
    sin_dosunt: str = "粒"
    frequency: tuple[str, str] = ("tid", "每日三次")
    way: tuple[str, str] = ("1", "口服")
    dosunt: str = "盒"
    hosp_appr_flag: str = "1"

    @property
    def amount(self) -> Decimal:
        return (self.cnt * self.pric).quantize(_CENT, rounding=ROUND_HALF_UP)


class Consultation:
    """One consultation of one patient: the keys and the steps (module docstring)."""

    def __init__(self, service: OnlineService, identity: Identity, auth: PayAuth, doctor: Doctor, *,
                 med_org_ord: str, visit: OutpatientVisit, chrg_bchno: str) -> None:
        self.service, self.identity, self.auth, self.doctor = service, identity, auth, doctor
        self.med_org_ord, self.visit, self.chrg_bchno = med_org_ord, visit, chrg_bchno
        self.prescriptions: list[Prescription] = []

    @classmethod
    def start(cls, service: OnlineService, identity: Identity, auth: PayAuth, doctor: Doctor, *, med_org_ord: str,
              ipt_otp_no: str = "") -> Consultation:
        """2201 医保挂号 of the patient with the doctor (function 11)."""
        visit = OutpatientVisit.register(service.ctx, identity, ipt_otp_no=ipt_otp_no or f"HL{med_org_ord}"[:30],
                                         med_type="11", dept_code=doctor.dept_code, dept_name=doctor.dept_name,
                                         caty=doctor.caty, atddr_no=doctor.dr_code, dr_name=doctor.dr_name)
        return cls(service, identity, auth, doctor, med_org_ord=med_org_ord, visit=visit,
                   chrg_bchno=f"CB{med_org_ord}"[:30])

    @classmethod
    def resume(cls, service: OnlineService, identity: Identity, auth: PayAuth, doctor: Doctor, *, med_org_ord: str,
               mdtrt_id: str, ipt_otp_no: str) -> Consultation:
        visit = OutpatientVisit(service.ctx, identity, mdtrt_id, ipt_otp_no, "11")
        return cls(service, identity, auth, doctor, med_org_ord=med_org_ord, visit=visit,
                   chrg_bchno=f"CB{med_org_ord}"[:30])

    @property
    def order(self) -> OnlineOrder:
        return self.service.orders.get(self.med_org_ord)

    def _now(self) -> str:
        return wire_time(self.service.ctx.now())

    def _doctor(self) -> dict[str, str]:
        d = self.doctor
        return {"drCode": d.dr_code, "drName": d.dr_name, "drCertType": d.cert_type, "drCertno": d.cert_no}

    # ------------------------------------------------------------------ doctor and consultation
    def check_doctor(self) -> dict[str, Mapping[str, Any]]:
        """XM01 医师身份验证, XM04 处方权校验, XM02 医师人脸签到 (functions 1, 4, 2)."""
        local = self.service.local
        return {"auth": local.call("XM01", self._doctor()), "rx_right": local.call("XM04", self._doctor()),
                "face": local.call("XM02", self._doctor())}

    def face_result(self, face_sn: str) -> Mapping[str, Any]:
        """XM03 获取医师人脸签到数据 (function 3)."""
        return self.service.local.call("XM03", {"faceSn": face_sn, "drCode": self.doctor.dr_code})

    def remind(self, items: Sequence[RxItem], diagnosis: tuple[str, str]) -> Any:
        """3101 明细审核事前分析 before prescribing (function 5): the rules the items would break."""
        me, dr, svc = self.identity, self.doctor, self.service
        today = self._now()[:10]
        dept = {"codg": dr.dept_code, "name": dr.dept_name}
        orders = [{
            "rx_id": f"{self.med_org_ord}-{n + 1}", "rxno": f"RX{n + 1:04d}", "long_drord_flag": "0",
            "hilist_type": "11" if i.drug else "21", "chrg_type": "1", "drord_bhvr": "0",
            "hilist_code": i.med_list_codg,
            "hilist_name": i.name, "hilist_lv": "1", "hilist_pric": i.pric, "hosplist_code": i.medins_list_codg,
            "hosplist_name": i.name, "cnt": i.cnt, "pric": i.pric, "sumamt": i.amount, "ownpay_amt": Decimal("0.00"),
            "selfpay_amt": Decimal("0.00"), "spec": i.spec, "spec_unt": i.dosunt, "drord_begn_date": today,
            "drord_dept_codg": dept["codg"], "drord_dept_name": dept["name"],
            "drord_dr_codg": dr.dr_code, "drord_dr_name": dr.dr_name, "drord_dr_profttl": dr.profttl_codg,
            "curr_drord_flag": "1"} for n, i in enumerate(items)]
        encounter = {
            "mdtrt_id": self.visit.mdtrt_id, "medins_id": svc.org_codg, "medins_name": svc.prescriptions.name,
            "medins_admdvs": svc.profile.code, "medins_type": "A1", "medins_lv": "1", "adm_date": today,
            "dscg_date": today, "dscg_main_dise_codg": diagnosis[0], "dscg_main_dise_name": diagnosis[1],
            "dr_codg": dr.dr_code, "adm_dept_codg": dept["codg"], "adm_dept_name": dept["name"],
            "dscg_dept_codg": dept["codg"], "dscg_dept_name": dept["name"], "med_mdtrt_type": "1", "med_type": "11",
            "matn_stas": "0", "medfee_sumamt": sum((i.amount for i in items), Decimal("0.00")),
            "ownpay_amt": Decimal("0.00"), "selfpay_amt": Decimal("0.00"), "setl_totlnum": Decimal("0"),
            "insutype": me.insutype, "reim_flag": "2", "out_setl_flag": "0",
            "fsi_diagnose_dtos": [{"dise_id": "1", "inout_dise_type": "1", "maindise_flag": "1", "dias_srt_no": "1",
                                   "dise_codg": diagnosis[0], "dise_name": diagnosis[1], "dise_date": today}],
            "fsi_order_dtos": orders, "fsi_operation_dtos": []}  # fmt: skip
        patient = {"patn_id": me.psn_no, "patn_name": me.psn_name, "gend": str(me.baseinfo.get("gend") or "9"),
                   "brdy": str(me.baseinfo.get("brdy") or "1970-01-01"), "poolarea": me.insuplc_admdvs,
                   "curr_mdtrt_id": self.visit.mdtrt_id, "fsi_encounter_dtos": [encounter]}
        return svc.ctx.call("3101", {"data": [{"trig_scen": "1", "patient_dtos": [patient]}]},
                            insuplc_admdvs=me.insuplc_admdvs)

    def record(self, records: Sequence[Mapping[str, Any]], *, consult_type: str = "1", minutes: int = 10) -> Any:
        """XM06 问诊过程数据上传 (function 6)."""
        now = self.service.ctx.now()
        return self.service.local.call("XM06", {
            "mdtrtId": self.visit.mdtrt_id, "psnNo": self.identity.psn_no, "drCode": self.doctor.dr_code,
            "consultType": consult_type, "begntime": wire_time(now - timedelta(minutes=minutes)),
            "endtime": wire_time(now), "records": [dict(r) for r in records]}, order=self.med_org_ord)

    # ------------------------------------------------------------------ prescription
    def prescribe(self, items: Sequence[RxItem], diagnosis: tuple[str, str], pharmacist: Pharmacist, rx_file: bytes,
                  *, hosp_rxno: str = "") -> Prescription:
        """7101 上传预核验 → 7102 医保电子签名 → 7103 上传 (function 7)."""
        now, me, dr = self._now(), self.identity, self.doctor
        drugs = [i for i in items if i.drug]
        end = wire_time(self.service.ctx.now() + timedelta(days=3))
        check = {
            "mdtrtCertType": "01", "mdtrtCertNo": self.auth.pay_auth_no, "ecToken": self.auth.pay_auth_no,
            "authNo": self.auth.auth_no, "insuPlcNo": me.insuplc_admdvs,
            "hospRxno": hosp_rxno or f"RX{self.med_org_ord}",
            "rxTypeCode": "1", "prscTime": now, "rxDrugCnt": Decimal(len(drugs)), "valiDays": Decimal("3"),
            "valiEndTime": end, "rxCotnFlag": "0",
            "rxdrugdetail": [{
                "medListCodg": i.med_list_codg, "fixmedinsHilistId": i.medins_list_codg, "rxItemTypeCode": "11",
                "drugGenname": i.name, "drugDosform": i.dosform, "drugSpec": i.spec, "medcWayCodg": i.way[0],
                "medcWayDscr": i.way[1], "medcBegntime": now, "medcEndtime": end, "medcDays": i.days,
                "sinDosunt": i.sin_dosunt, "sinDoscnt": i.sin_doscnt, "usedFrquCodg": i.frequency[0],
                "usedFrquName": i.frequency[1], "drugDosunt": i.dosunt, "drugCnt": i.cnt, "drugPric": i.pric,
                "drugSumamt": i.amount, "hospApprFlag": i.hosp_appr_flag} for i in drugs],
            "mdtrtinfo": {
                "fixmedinsName": self.service.prescriptions.name, "fixmedinsCode": self.service.org_codg,
                "mdtrtId": self.visit.mdtrt_id, "medType": "11", "iptOtpNo": self.visit.ipt_otp_no, "psnNo": me.psn_no,
                "patnName": me.psn_name, "psnCertType": me.psn_cert_type or "01", "certno": me.certno,
                "patnAge": Decimal(str(me.baseinfo.get("age") or 0)), "gend": str(me.baseinfo.get("gend") or "9"),
                "prscDeptName": dr.dept_name, "prscDeptCode": dr.dept_code, "drCode": dr.dr_code,
                "prscDrName": dr.dr_name, "drProfttlCodg": dr.profttl_codg, "drProfttlName": dr.profttl_name,
                "drDeptCode": dr.dept_code, "drDeptName": dr.dept_name, "mdtrtTime": now, "spDiseFlag": "0",
                "maindiagCode": diagnosis[0], "maindiagName": diagnosis[1]},
            "diseinfo": [{"diagType": "1", "maindiagFlag": "1", "diagSrtNo": Decimal("1"), "diagCode": diagnosis[0],
                          "diagName": diagnosis[1], "diagDept": dr.dept_name, "diagDrNo": dr.dr_code,
                          "diagDrName": dr.dr_name, "diagTime": now}],
        }  # fmt: skip
        phar = {"pharDeptName": pharmacist.dept_name, "pharDeptCode": pharmacist.dept_code,
                "pharProfttlCodg": pharmacist.profttl_codg, "pharCode": pharmacist.phar_code,
                "pharName": pharmacist.phar_name, "pharChkTime": now}
        rx = self.service.prescriptions.prescribe(check, phar, rx_file, order=self.med_org_ord)
        self.prescriptions.append(rx)
        return rx

    def _rx_person(self) -> dict[str, str]:
        me = self.identity
        return {"mdtrtId": self.visit.mdtrt_id, "psnName": me.psn_name, "psnCertType": me.psn_cert_type or "01",
                "certno": me.certno}

    def review(self, rx: Prescription) -> Mapping[str, Any]:
        """7106 药师审方结果 (function 20)."""
        return self.service.prescriptions.review(rx.hi_rxno, self._rx_person())

    def withdraw(self, rx: Prescription, reason: str) -> Mapping[str, Any]:
        """7104 开方上传取消 (function 8)."""
        dr = self.doctor
        return self.service.prescriptions.undo(rx.hi_rxno, {"drCode": dr.dr_code, "undoDrName": dr.dr_name,
                                                            "undoDrCertType": dr.cert_type,
                                                            "undoDrCertno": dr.cert_no or "-"}, reason, self._now())

    # ------------------------------------------------------------------ money
    def upload_fees(self, items: Sequence[RxItem], diagnosis: tuple[str, str], *, acct_used_flag: str = "1"
                    ) -> OnlineOrder:
        """6201 费用明细上传 of the consultation's items (function 14)."""
        now, me, dr = self._now(), self.identity, self.doctor
        rxno = self.prescriptions[-1].hi_rxno if self.prescriptions else ""
        lines = [{
            "feedetlSn": f"{n + 1:04d}", "mdtrtId": self.visit.mdtrt_id, "psnNo": me.psn_no,
            "chrgBchno": self.chrg_bchno,
            "rxno": rxno if i.drug else "", "rxCircFlag": "0", "feeOcurTime": now, "medListCodg": i.med_list_codg,
            "medinsListCodg": i.medins_list_codg, "medListName": i.name, "detItemFeeSumamt": i.amount, "cnt": i.cnt,
            "pric": i.pric, "bilgDeptCodg": dr.dept_code, "bilgDeptName": dr.dept_name, "bilgDrCodg": dr.dr_code,
            "bilgDrName": dr.dr_name, "hospApprFlag": i.hosp_appr_flag, "medType": "11"} for n, i in enumerate(items)]
        data = {
            "psnNo": me.psn_no, "insutype": me.insutype, "begntime": now, "idNo": me.certno, "userName": me.psn_name,
            "idType": me.psn_cert_type or "01", "payAuthNo": self.auth.pay_auth_no, "insuCode": me.insuplc_admdvs,
            "iptOtpNo": self.visit.ipt_otp_no, "atddrNo": dr.dr_code, "drName": dr.dr_name, "deptCode": dr.dept_code,
            "deptName": dr.dept_name, "caty": dr.caty, "mdtrtId": self.visit.mdtrt_id,
            "medfeeSumamt": sum((i.amount for i in items), Decimal("0.00")), "acctUsedFlag": acct_used_flag,
            "chrgBchno": self.chrg_bchno, "diseName": diagnosis[1], "mdtrtCertType": "01",
            "diseinfoList": [{"diagType": "1", "diagSrtNo": Decimal("1"), "diagCode": diagnosis[0],
                              "diagName": diagnosis[1], "diagDept": dr.dept_name, "diseDorNo": dr.dr_code,
                              "diseDorName": dr.dr_name, "diagTime": now, "valiFlag": "1"}],
            "feedetailList": lines,
        }  # fmt: skip
        return self.service.orders.upload(self.med_org_ord, data)

    def pay(self, *, acct_used_flag: str = "1") -> OnlineOrder:
        """6202 支付下单: the split (function 16); the patient then pays at ``order.cashier_url`` (13)."""
        return self.service.orders.pay(self.med_org_ord, acct_used_flag=acct_used_flag)

    def wait(self, *, timeout: float = 30.0, poll: float | None = None) -> OnlineOrder:
        """Until the order is settled (or failed): a 6302 at the receiver, else 6301 every ``poll``
        seconds (``[online] poll_seconds``) (functions 18, 19)."""
        every = self.service.settings.poll_seconds if poll is None else poll
        deadline = time.monotonic() + timeout
        last_poll = time.monotonic()
        while True:
            order = self.order
            if OrderState(order.state) in _DONE or time.monotonic() >= deadline:
                return order
            if time.monotonic() - last_poll >= every:
                self.service.orders.query(self.med_org_ord)
                last_poll = time.monotonic()
            time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))

    def invoice(self) -> Bill:
        """EB01 开具电子票据 of the settled order (function 26)."""
        return self.service.invoices.issue(self.med_org_ord, payer=self.identity.psn_name)

    def cancel(self, *, unregister: bool = True) -> OnlineOrder:
        """Undo: 6401 before payment, 6203 after (the centre's ``ordStas`` decides), then 2202 医保挂号冲销
        (functions 12, 15, 17); a lost answer is resolved first, never undone blindly."""
        order = self.service.orders.cancel(self.med_org_ord)
        if unregister and OrderState(order.state).final:
            self.visit.unregister()
        return order
