"""The request and response bodies of the HIS service, as msgspec structs (the OpenAPI document is
generated from them; contract "``yibao serve``": "their shapes are those of the OpenAPI document").

Amounts are JSON numbers, decoded to ``Decimal`` from their own text and written back with their
exact digits (``yibao.core.wire``); an amount may also be sent as a string ("12.50").  Field names
are the platform's own (``psn_no``, ``mdtrt_id``, ``chrg_bchno``...).  Unknown fields are refused
(422), so a misspelt ``acct_used_flg`` never silently becomes the default.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

import msgspec
from litestar.params import KwargDefinition

__all__ = [
    "DiagnosisIn", "FeeLine", "IdentifyRequest", "IdentifyResponse", "MediumIn", "Money", "OperatorIn", "OptMoney",
    "Person",
    "SettlementOut", "Strict", "TransactionRequest", "TransactionResponse",
]

#: 元 with two decimals: a JSON number (or its text), never a float in between.
Money = Annotated[Decimal, KwargDefinition(schema_extra={"type": "number"}, description="元 (Decimal)")]
#: an amount that may be left out (an ``Annotated`` inside ``X | None`` would have to be hashable)
OptMoney = Annotated[Decimal | None, KwargDefinition(schema_extra={"type": ["number", "null"]}, description="元")]


class Strict(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of every request body: unknown fields are refused."""


class OperatorIn(Strict):
    """经办人 of this request (cashiers change per shift); default: ``[operator]`` of the file."""

    opter: Annotated[str, msgspec.Meta(min_length=1, max_length=30)]
    opter_name: Annotated[str, msgspec.Meta(min_length=1, max_length=50)]
    opter_type: Literal["1", "2", "3"] = "1"


class TransactionRequest(Strict):
    """``POST /v1/transactions/{infno}``: the envelope's ``input`` with its node names."""

    input: dict[str, Any]
    insuplc_admdvs: str | None = None
    operator: OperatorIn | None = None


class TransactionResponse(msgspec.Struct):
    msgid: str
    infno: str
    output: Any


class MediumIn(Strict):
    """What the counter read.  ``kind``: ``ectoken`` (01 e-voucher: ``token``), ``id_card`` (02:
    ``certno``, ``psn_name``), ``ss_card`` (03: ``card_no``, ``card_sn``, optional ``certno``),
    ``other_document`` (03 + psn_cert_type 99: ``doc_no``, ``psn_name``)."""

    kind: Literal["ectoken", "id_card", "ss_card", "other_document"]
    token: str = ""
    certno: str = ""
    psn_name: str = ""
    card_no: str = ""
    card_sn: str = ""
    doc_no: str = ""


class IdentifyRequest(Strict):
    medium: MediumIn
    #: 参保地: needed when the person is insured in several regions
    insuplc_admdvs: str | None = None
    operator: OperatorIn | None = None


class Person(Strict):
    """A person as identified (``POST /v1/identify``); send it back unchanged in later requests."""

    psn_no: Annotated[str, msgspec.Meta(min_length=1, max_length=30)]
    insutype: Annotated[str, msgspec.Meta(max_length=6)]
    insuplc_admdvs: Annotated[str, msgspec.Meta(max_length=6)]
    mdtrt_cert_type: Annotated[str, msgspec.Meta(min_length=1, max_length=3)]
    mdtrt_cert_no: Annotated[str, msgspec.Meta(max_length=600)]
    card_sn: str = ""
    psn_name: str = ""
    certno: str = ""
    psn_cert_type: str = ""
    psn_type: str = ""
    balc: Money = Decimal("0")
    locality: str = ""


class IdentifyResponse(msgspec.Struct):
    person: Person
    insuinfo: list[dict[str, Any]]
    idetinfo: list[dict[str, Any]]


class FeeLine(Strict):
    """One fee line (the rows of 2101/2102 ``drugdetail``, 2204 and 2301 ``feedetail``)."""

    feedetl_sn: Annotated[str, msgspec.Meta(min_length=1, max_length=30)]
    med_list_codg: Annotated[str, msgspec.Meta(min_length=1, max_length=50)]
    medins_list_codg: Annotated[str, msgspec.Meta(min_length=1, max_length=150)]
    cnt: Money
    pric: Money
    det_item_fee_sumamt: OptMoney = None
    #: ``yyyy-MM-dd HH:mm:ss``; default: now
    fee_ocur_time: str | None = None
    rxno: str = ""
    rx_circ_flag: str = "0"
    bilg_dept_codg: str = "A01"
    bilg_dept_name: str = "门诊"
    bilg_dr_codg: str = "D000000000001"
    bilg_dr_name: str = "医师"
    hosp_appr_flag: str = "0"


class DiagnosisIn(Strict):
    diag_code: Annotated[str, msgspec.Meta(min_length=1, max_length=20)]
    diag_name: Annotated[str, msgspec.Meta(min_length=1, max_length=255)]
    diag_type: str = "1"
    diag_dept: str = "内科"
    dise_dor_no: str = "D000000000001"
    dise_dor_name: str = "医师"
    maindiag_flag: str = "1"


class SettlementOut(msgspec.Struct):
    """A settlement or its cancel as the centre answered it (amounts in 元)."""

    infno: str
    msgid: str
    setl_id: str
    mdtrt_id: str
    medfee_sumamt: Money
    fund_pay_sumamt: Money
    acct_pay: Money
    psn_cash_pay: Money
    setlinfo: dict[str, Any]
    setldetail: list[dict[str, Any]]
    #: the region's cashier warnings (Dongguan: the personal account is already debited...)
    warnings: list[str]
