"""Request and response bodies of the workflow resources (pharmacy, outpatient visit, inpatient
stay, journal, reconcile, clearing, catalogue); the shared ones are in :mod:`.models`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from .models import DiagnosisIn, FeeLine, Money, OperatorIn, OptMoney, Person, Strict

__all__ = [
    "AdmitRequest",
    "BatchOut",
    "CancelRequest",
    "CatalogSyncRequest",
    "ClearRequest",
    "DiagnosesRequest",
    "DischargeRequest",
    "EntryOut",
    "OutpatientFeesRequest",
    "PharmacySettleRequest",
    "ReconcileRequest",
    "RecoverRequest",
    "RegisterRequest",
    "RevokeRequest",
    "RollbackRequest",
    "SettleRequest",
    "StayFeesRequest",
    "StayOut",
    "StayRequest",
    "VisitOut",
    "VisitRequest",
]

_Batch = Annotated[str, msgspec.Meta(min_length=1, max_length=30)]
_Id = Annotated[str, msgspec.Meta(min_length=1, max_length=30)]


class PharmacySettleRequest(Strict):
    """2101 药店预结算 → 2102 药店结算."""

    person: Person
    items: Annotated[list[FeeLine], msgspec.Meta(min_length=1, max_length=1000)]
    acct_used_flag: str = "0"
    med_type: str = ""
    dise_codg: str = ""
    dise_name: str = ""
    operator: OperatorIn | None = None


class CancelRequest(Strict):
    """2103 / 2208 / 2305: the settlement to undo.

    A visit's or a stay's cancel also takes the context every other step of it carries
    (``ipt_otp_no`` / ``ipt_no``, ``med_type``, ``dept_codg`` / ``dept_name``), so a HIS may send
    each step the same fields; the centre's cancel needs none of them.  ``mdtrt_id``, where the
    path names the visit or stay, must be the path's."""

    person: Person
    setl_id: _Id
    mdtrt_id: str = ""
    operator: OperatorIn | None = None
    ipt_otp_no: str = ""
    ipt_no: str = ""
    med_type: str = ""
    dept_codg: str = ""
    dept_name: str = ""


# ---------------------------------------------------------------------------- outpatient


class RegisterRequest(Strict):
    """2201 门诊挂号."""

    person: Person
    ipt_otp_no: _Id
    med_type: str = "11"
    dept_code: str = "A03"
    dept_name: str = "内科"
    caty: str = "A03"
    atddr_no: str = "D000000000001"
    dr_name: str = "医师"
    operator: OperatorIn | None = None


class VisitOut(msgspec.Struct):
    mdtrt_id: str
    ipt_otp_no: str
    med_type: str
    psn_no: str


class VisitRequest(Strict):
    """Any later step of a visit: the person, and the visit's ``ipt_otp_no`` / ``med_type``."""

    person: Person
    ipt_otp_no: str = ""
    med_type: str = "11"
    operator: OperatorIn | None = None


class DiagnosesRequest(VisitRequest, kw_only=True):
    """2203 门诊就诊信息上传."""

    diagnoses: Annotated[list[DiagnosisIn], msgspec.Meta(min_length=1, max_length=50)]
    main_cond_dscr: str = ""
    dise_codg: str = ""
    dise_name: str = ""


class OutpatientFeesRequest(VisitRequest, kw_only=True):
    """2204 门诊费用明细信息上传: one whole batch."""

    chrg_bchno: _Batch
    items: Annotated[list[FeeLine], msgspec.Meta(min_length=1, max_length=1000)]


class BatchOut(msgspec.Struct):
    """A fee batch as the centre split it (the sums 2207 needs), kept by the service."""

    mdtrt_id: str
    chrg_bchno: str
    medfee_sumamt: Money
    result: list[dict[str, Any]]


class SettleRequest(VisitRequest, kw_only=True):
    """2206 → 2207 (outpatient, ``chrg_bchno`` required) or 2303 → 2304 (inpatient).  ``ectoken``:
    a fresh e-voucher code where the region requires one before settling (Guangdong §5)."""

    chrg_bchno: str = ""
    acct_used_flag: str = "0"
    psn_setlway: str = "01"
    mid_setl_flag: str = "0"
    ectoken: str = ""
    #: inpatient: the stay's ``ipt_no``, departments (as admitted)
    ipt_no: str = ""
    dept_codg: str = "A03"
    dept_name: str = "内科"


class RevokeRequest(VisitRequest, kw_only=True):
    """2205 (``chrg_bchno``) / 2302 (``feedetl_sn``); ``0000``: every unsettled one."""

    chrg_bchno: str = "0000"
    feedetl_sn: str = "0000"
    ipt_no: str = ""


# ---------------------------------------------------------------------------- inpatient


class AdmitRequest(Strict):
    """2401 入院办理."""

    person: Person
    ipt_no: _Id
    diagnoses: Annotated[list[DiagnosisIn], msgspec.Meta(min_length=1, max_length=50)]
    med_type: str = "21"
    dept_codg: str = "A03"
    dept_name: str = "内科"
    bed: str = "01"
    atddr_no: str = "D000000000001"
    chfpdr_name: str = "医师"
    operator: OperatorIn | None = None


class StayOut(msgspec.Struct):
    mdtrt_id: str
    ipt_no: str
    med_type: str
    psn_no: str


class StayRequest(Strict):
    """Any later step of a stay: the person and the stay as admitted."""

    person: Person
    ipt_no: _Id
    med_type: str = "21"
    dept_codg: str = "A03"
    dept_name: str = "内科"
    operator: OperatorIn | None = None


class StayFeesRequest(StayRequest, kw_only=True):
    """2301 住院费用明细上传: one batch of lines (``batch_no`` names it for the service's books)."""

    batch_no: _Batch
    items: Annotated[list[FeeLine], msgspec.Meta(min_length=1, max_length=1000)]


class DischargeRequest(StayRequest, kw_only=True):
    """2402 出院办理."""

    diagnoses: Annotated[list[DiagnosisIn], msgspec.Meta(min_length=1, max_length=50)]
    dscg_way: str = "1"


# ---------------------------------------------------------------------------- books


class EntryOut(msgspec.Struct):
    """A journal entry, personal data masked (``input_masked``; ``output`` masked)."""

    msgid: str
    infno: str
    state: str
    kind: str
    terminal: str
    opter: str
    created_at: str
    updated_at: str
    psn_no: str | None = None
    mdtrt_id: str | None = None
    setl_id: str | None = None
    idem_key: str | None = None
    err_msg: str | None = None
    medfee_sumamt: OptMoney = None
    #: a 2601's original; the 2601 that reversed this entry (by the queue or by hand)
    omsgid: str | None = None
    reversed_by: str | None = None
    #: what happened after the outcome (a resolution by hand and its note)
    notes: str | None = None
    input_masked: dict[str, Any] | None = None
    output: Any = None


class RecoverRequest(Strict):
    """``yibao journal recover``: ``wait`` for queued reversals up to ``max_wait`` seconds."""

    wait: bool = False
    max_wait: Annotated[int, msgspec.Meta(ge=0, le=120)] = 30


class ResolveRequest(Strict):
    """``yibao journal resolve``: what the centre holds for a NEEDS_ATTENTION entry, as someone who
    asked it found (``not_at_centre``: FAILED; ``reversed_at_centre``: REVERSED), and the note
    (what was checked, with whom) kept in the entry."""

    finding: Literal["not_at_centre", "reversed_at_centre"]
    note: Annotated[str, msgspec.Meta(min_length=8, max_length=500)]
    #: who says so (default: ``[operator]`` of the file), kept with the note
    operator: OperatorIn | None = None


class ReconcileRequest(Strict):
    """3201 (and 9101 / 3202 / 9102 where a group does not balance) for a ``month`` or a ``day``."""

    month: Annotated[str, msgspec.Meta(pattern=r"^\d{4}-\d{2}$")] | None = None
    day: Annotated[str, msgspec.Meta(pattern=r"^\d{4}-\d{2}-\d{2}$")] | None = None


class ClearRequest(Strict):
    """3260 (plan); with ``confirm`` also 3261 for every agreed row."""

    confirm: bool = False


class RollbackRequest(Strict):
    """3262: one ``otransid`` or ``all``."""

    otransid: Annotated[str, msgspec.Meta(min_length=1, max_length=50)] = "all"


class CatalogSyncRequest(Strict):
    """1301-1319 / 1901 into the journal's database; ``kinds`` default: every kind."""

    kinds: list[Annotated[str, msgspec.Meta(pattern=r"^\d{4}$")]] | None = None
