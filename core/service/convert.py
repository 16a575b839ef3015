"""Between the service's bodies (:mod:`.models`) and the Python API's values (``Identity``,
``FeeItem``, ``Diagnosis``, ``Settlement``), and the small response helpers the routes share."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from litestar.openapi.datastructures import ResponseSpec
from litestar.params import HeaderParameter

from ..clock import SHANGHAI
from ..engine import Settlement
from ..workflows.fees import FeeItem
from ..workflows.identify import Identity, Medium
from ..workflows.outpatient import Diagnosis
from .models import DiagnosisIn, FeeLine, MediumIn, Person, SettlementOut
from .problems import KINDS, PROBLEM_TYPE, Problem, validation

__all__ = ["KEY_HEADER", "diagnoses", "errors", "identity", "items", "medium", "person", "settlement"]

#: the ``Idempotency-Key`` request header, as documented in the OpenAPI document
KEY_HEADER = HeaderParameter(name="Idempotency-Key", required=False, max_length=255,
                       description="the HIS's id of this request (e.g. its bill number): a repeat replays the "
                                   "first response; required for a transaction that moves money")
MONEY_KEY_HEADER = HeaderParameter(name="Idempotency-Key", required=True, min_length=1, max_length=255,
                             description="required: the HIS's id of this bill; a repeat replays the first response "
                                         "and never charges twice")


def errors(*kinds: str) -> dict[int, ResponseSpec]:
    """The problem responses an endpoint may give, for the OpenAPI document."""
    out = {}
    for kind in ("unauthorized", "validation", *kinds):
        status, _, title = KINDS[kind]
        out[status] = ResponseSpec(data_container=Problem, media_type=PROBLEM_TYPE, generate_examples=False,
                                   description=f"{kind}: {title} (application/problem+json)")
    return out


MONEY_ERRORS = ("conflict", "business", "gateway_refused", "not_sent", "outcome_unknown")


def medium(m: MediumIn) -> Medium:
    """The medium of an identify request; 422 when a field its kind needs is missing."""
    need = {"ectoken": ("token",), "id_card": ("certno",), "ss_card": ("card_no", "card_sn"),
            "other_document": ("doc_no",)}[m.kind]
    for name in need:
        if not getattr(m, name):
            raise validation(f"medium.{name} is required for kind {m.kind}", f"medium.{name}", "required")
    if m.kind == "ectoken":
        return Medium.ectoken(m.token)
    if m.kind == "id_card":
        return Medium.id_card(m.certno, m.psn_name)
    if m.kind == "ss_card":
        return Medium.ss_card(m.card_no, m.card_sn, m.certno, m.psn_name)
    return Medium.other_document(m.doc_no, m.psn_name)


def person(who: Identity) -> Person:
    m = who.medium
    return Person(psn_no=who.psn_no, insutype=who.insutype, insuplc_admdvs=who.insuplc_admdvs,
                  mdtrt_cert_type=m.mdtrt_cert_type, mdtrt_cert_no=m.mdtrt_cert_no, card_sn=m.card_sn,
                  psn_name=who.psn_name, certno=who.certno, psn_cert_type=who.psn_cert_type, psn_type=who.psn_type,
                  balc=who.balc, locality=who.locality)


def identity(p: Person) -> Identity:
    """The person a HIS sent back, as the workflows take it (no second 1101)."""
    _amount(p.balc, "person.balc")
    m = Medium(p.mdtrt_cert_type, p.mdtrt_cert_no, card_sn=p.card_sn, psn_cert_type=p.psn_cert_type,
               certno=p.certno, psn_name=p.psn_name)
    return Identity(psn_no=p.psn_no, psn_name=p.psn_name, certno=p.certno, psn_cert_type=p.psn_cert_type,
                    medium=m, insutype=p.insutype, insuplc_admdvs=p.insuplc_admdvs, psn_type=p.psn_type,
                    balc=p.balc, locality=p.locality, insuinfo=())


def _time(text: str | None, field: str) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=SHANGHAI)
    except ValueError:
        raise validation(f"{field} must be yyyy-MM-dd HH:mm:ss", field, "format") from None


_LIMIT = Decimal("1e12")  # 16,2 / 16,4 / 16,6 leave at most 12-14 integer digits
_PLACES = Decimal("1e-8")


def _amount(value: Decimal | None, field: str) -> Decimal | None:
    """An amount fit for arithmetic; the spec catalogue checks its digits later (422 naming it)."""
    if value is not None and (not value.is_finite() or abs(value) >= _LIMIT or value != value.quantize(_PLACES)):
        raise validation(f"{field} {value} is not an amount of at most 12 digits and 8 decimals", field, "range")
    return value


def items(lines: list[FeeLine]) -> list[FeeItem]:
    for n, x in enumerate(lines):
        for name in ("cnt", "pric", "det_item_fee_sumamt"):
            _amount(getattr(x, name), f"items[{n}].{name}")
    return [FeeItem(feedetl_sn=x.feedetl_sn, med_list_codg=x.med_list_codg, medins_list_codg=x.medins_list_codg,
                    cnt=x.cnt, pric=x.pric, fee_ocur_time=_time(x.fee_ocur_time, f"items[{n}].fee_ocur_time"),
                    det_item_fee_sumamt=x.det_item_fee_sumamt, rxno=x.rxno, rx_circ_flag=x.rx_circ_flag,
                    bilg_dept_codg=x.bilg_dept_codg, bilg_dept_name=x.bilg_dept_name, bilg_dr_codg=x.bilg_dr_codg,
                    bilg_dr_name=x.bilg_dr_name, hosp_appr_flag=x.hosp_appr_flag)
            for n, x in enumerate(lines)]


def diagnoses(rows: list[DiagnosisIn]) -> list[Diagnosis]:
    return [Diagnosis(d.diag_code, d.diag_name, d.diag_type, d.diag_dept, d.dise_dor_no, d.dise_dor_name,
                      d.maindiag_flag) for d in rows]


def settlement(s: Settlement) -> dict[str, Any]:
    out = SettlementOut(infno=s.infno, msgid=s.msgid, setl_id=s.setl_id, mdtrt_id=s.mdtrt_id,
                        medfee_sumamt=s.medfee_sumamt, fund_pay_sumamt=s.fund_pay_sumamt, acct_pay=s.acct_pay,
                        psn_cash_pay=s.psn_cash_pay, setlinfo=dict(s.setlinfo),
                        setldetail=[dict(d) for d in s.setldetail], warnings=list(s.warnings))
    return {f: getattr(out, f) for f in out.__struct_fields__}
