"""Request and response bodies of the internet hospital's resources (:mod:`.routes_online`): the
patient's authorisation, the consultation, and the online order (6201-6401, the e-invoice).

Names follow the service's other bodies (snake_case, the platform's own where it has one);
amounts are ``Money`` (JSON numbers with their exact digits, or their text).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

import msgspec

from .models import Money, OperatorIn, Person, Strict

__all__ = [
    "AuthorizationOut", "AuthorizationRequest", "BillOut", "ConsultationOut", "ConsultationRequest", "DiagnosisRef",
    "DoctorIn", "InvoiceRequest", "OnlineCancelOut", "OnlineCancelRequest", "OnlineFeesRequest", "OnlineItemIn",
    "OrderOut", "PartsOut", "PayAuthIn", "PaymentRequest", "RefundRequest", "ResolveRequest", "SplitOut",
]

_Code = Annotated[str, msgspec.Meta(min_length=1, max_length=30)]
_Name = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
_Flag = Literal["0", "1"]


class PayAuthIn(Strict):
    """The patient's online authorisation as ``POST /v1/online/authorizations`` answered it."""

    pay_auth_no: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    auth_no: Annotated[str, msgspec.Meta(max_length=100)] = ""


class DoctorIn(Strict):
    """The consulting doctor (国家医保医师代码 ``dr_code``) and the department."""

    dr_code: _Code
    dr_name: Annotated[str, msgspec.Meta(min_length=1, max_length=50)]
    dept_code: _Code = "A03"
    dept_name: _Name = "互联网医院门诊"
    caty: _Code = "A03"
    cert_type: Annotated[str, msgspec.Meta(min_length=1, max_length=6)] = "01"
    cert_no: Annotated[str, msgspec.Meta(max_length=50)] = ""
    profttl_codg: Annotated[str, msgspec.Meta(max_length=6)] = "233"
    profttl_name: Annotated[str, msgspec.Meta(max_length=50)] = "主治医师"


class AuthorizationRequest(Strict):
    """CH10: the authorisation code the channel's app handed the patient, exchanged once."""

    auth_code: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    operator: OperatorIn | None = None


class AuthorizationOut(msgspec.Struct):
    """``payAuthNo`` and who authorised (name and ID number masked, as every stored answer)."""

    pay_auth_no: str
    auth_no: str
    user_name: str
    id_no: str
    id_type: str
    insu_code: str
    psn_no: str


class ConsultationRequest(Strict):
    """2201 医保挂号 of an internet-hospital consultation; ``med_org_ord`` is the HIS's order number
    (医疗机构订单号) every later step names in its path."""

    person: Person
    auth: PayAuthIn
    doctor: DoctorIn
    med_org_ord: Annotated[str, msgspec.Meta(pattern=r"^[0-9A-Za-z_.-]{1,40}$")]
    ipt_otp_no: Annotated[str, msgspec.Meta(max_length=30)] = ""
    operator: OperatorIn | None = None


class ConsultationOut(msgspec.Struct):
    med_org_ord: str
    mdtrt_id: str
    ipt_otp_no: str
    chrg_bchno: str
    psn_no: str
    msgid: str


class DiagnosisRef(Strict):
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=20)]
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=255)]


class OnlineItemIn(Strict):
    """One fee line of the consultation: a drug, or a service such as the consultation fee."""

    med_list_codg: Annotated[str, msgspec.Meta(min_length=1, max_length=50)]
    medins_list_codg: Annotated[str, msgspec.Meta(min_length=1, max_length=150)]
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    cnt: Money
    pric: Money
    drug: bool = True
    hosp_appr_flag: _Flag = "1"


class OnlineFeesRequest(Strict):
    """6201 费用明细上传 of the consultation (its ``mdtrt_id`` / ``ipt_otp_no`` as registered)."""

    person: Person
    auth: PayAuthIn
    doctor: DoctorIn
    mdtrt_id: _Code
    ipt_otp_no: _Code
    items: Annotated[list[OnlineItemIn], msgspec.Meta(min_length=1, max_length=1000)]
    diagnosis: DiagnosisRef
    acct_used_flag: _Flag = "1"
    #: the e-prescription centre's ``hiRxno`` of the drugs (7103), when prescribed
    hi_rxno: Annotated[str, msgspec.Meta(max_length=40)] = ""
    operator: OperatorIn | None = None


class PaymentRequest(Strict):
    """6202 支付下单 of the uploaded order."""

    acct_used_flag: _Flag = "1"
    operator: OperatorIn | None = None


class ResolveRequest(Strict):
    operator: OperatorIn | None = None


class OnlineCancelRequest(Strict):
    """Undo the order (6401 / 6203 by ``ordStas``), then, with ``unregister``, 2202 of its visit
    (``person`` and the visit's ``ipt_otp_no`` needed for that)."""

    unregister: bool = True
    person: Person | None = None
    ipt_otp_no: Annotated[str, msgspec.Meta(max_length=30)] = ""
    operator: OperatorIn | None = None


class RefundRequest(Strict):
    """6203 医保退费 of parts of the settlement (元, two decimals); ``refd_type`` ALL / CASH / HI."""

    cash: Money = Decimal("0.00")
    acct: Money = Decimal("0.00")
    fund: Money = Decimal("0.00")
    refd_type: Literal["ALL", "CASH", "HI"] = "ALL"
    operator: OperatorIn | None = None


class InvoiceRequest(Strict):
    """EB01 开具电子票据 of the settled order; ``payer`` is the name printed on the bill."""

    payer: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    cash_channel: Annotated[str, msgspec.Meta(pattern=r"^\d{2}$")] = "05"
    operator: OperatorIn | None = None


class SplitOut(msgspec.Struct):
    """How the total is paid: cash (``own_pay_amt``), personal account, fund."""

    fee_sumamt: Money
    own_pay_amt: Money
    psn_acct_pay: Money
    fund_pay: Money


class PartsOut(msgspec.Struct):
    cash: Money
    acct: Money
    fund: Money
    total: Money


class OrderOut(msgspec.Struct):
    """An online order as the journal knows it.  ``state``: NEW, UPLOADED, ORDERED, SETTLED,
    PART_REFUNDED, REFUNDED, CANCELLED, FAILED, NEEDS_ATTENTION, or ``*_UNKNOWN`` (a lost answer:
    ``POST .../resolve``); ``ord_stas`` the centre's last word (``ord_stas_name`` its meaning)."""

    med_org_ord: str
    state: str
    ord_stas: str
    ord_stas_name: str
    pay_ord_id: str
    mdtrt_id: str
    split: SplitOut | None
    refunded: PartsOut
    #: what may still be refunded (refunds done, in flight and unknown counted)
    refundable: PartsOut
    settled_by: str
    trace_time: str
    cashier_url: str
    notes: str
    #: the online message this request sent last (``orgBizSer`` / ``appRefdSn`` of 6202 / 6203)
    msgid: str | None = None


class OnlineCancelOut(msgspec.Struct):
    order: OrderOut
    #: the msgid of the 2202 that cancelled the registration, when one was sent
    unregistered: str | None = None


class BillOut(msgspec.Struct):
    """An issued e-invoice; ``status`` is the vendor's EB03 answer when asked for (``?status=true``)."""

    med_org_ord: str
    bill_batch_code: str
    bill_no: str
    random: str
    picture_url: str
    total_amt: Money
    status: dict[str, Any] | None = None
