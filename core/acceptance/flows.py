"""The business flows of an acceptance run (:mod:`yibao.core.acceptance.run`).

Each flow drives the client's public API (identify, settle, cancel, reverse, reconcile, clear);
the run's recorder (an engine observer) sees every transaction they send.  A flow step that
fails is noted and the run goes on, so one broken interface does not hide the others.

- Persons: an ID-card settlement for a local person and an e-voucher settlement for a person
  insured elsewhere in the province (the document asks for both; the second also gives 3260
  something to list).
- Pharmacy: 2101/2102 twice, one more 2102 cancelled with 2103, one reversed with 2601.
- Clinic / hospital: outpatient visits (kept, e-voucher, undone, reversed), an inpatient stay
  through 2401..2404 when the list has it.
- Then 3201 (and 9101 / 3202 / 9102 on the first group), and 3260 -> 3261 -> 3262.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..clock import now
from ..engine import Call
from ..errors import YibaoError
from ..files import workspace
from ..workflows.fees import FeeItem
from ..workflows.identify import Medium
from ..workflows.outpatient import Diagnosis, OutpatientVisit

if TYPE_CHECKING:
    from ..client import Client
    from .report import AcceptanceData

__all__ = ["run_flows"]


def _pick_person(client: Client, persons: Sequence[Mapping[str, Any]], locality: str) -> Mapping[str, Any]:
    """A person of ``locality`` (local / province / other) when there is one, else the first."""
    if not persons:
        raise ValueError("no insured person to run the flows with (AcceptanceData.persons is empty)")
    area = client.config.institution.mdtrtarea_admvs
    same = [p for p in persons if client.profile.classify(str(p.get("insuplc_admdvs", "")), area) == locality]
    return (same or list(persons))[0]


def _items(data: AcceptanceData) -> list[FeeItem]:
    out = []
    for n, item in enumerate(data.items[:2] or [{"med_list_codg": "XA01AAA0001"}]):
        code = str(item["med_list_codg"])
        out.append(FeeItem(feedetl_sn=str(n + 1), med_list_codg=code, medins_list_codg=f"HIS-{code}"[:150],
                           cnt=Decimal("1"), pric=Decimal("10.00")))  # fmt: skip
    return out


class _Flows:
    """The business flows of an acceptance run; each step notes its failure and goes on."""

    def __init__(self, client: Client, kind: str, required: set[str], data: AcceptanceData, today: date) -> None:
        self.client, self.kind, self.required, self.data, self.today = client, kind, required, data, today
        cfg = client.config
        self.ctx: dict[str, Any] = {
            "fixmedins_code": cfg.institution.fixmedins_code, "fixmedins_name": cfg.institution.fixmedins_name,
            "begndate": today.isoformat(), "enddate": today.isoformat(), "stmt_begndate": today.isoformat(),
            "stmt_enddate": today.isoformat(), "begntime": f"{today.isoformat()} 00:00:00",
            "endtime": f"{today.isoformat()} 23:59:59", "trt_year": f"{today:%Y}", "trt_month": f"{today:%m}",
            "setl_ym": f"{today:%Y%m}", "startrow": Decimal("1"), "opter": cfg.operator.opter,
            "opter_name": cfg.operator.opter_name,
            "med_type": {"pharmacy": "41", "clinic": "9935"}.get(kind, "11"),
        }  # fmt: skip
        self.setl_ids: dict[str, str] = {}
        self.kept: dict[str, Any] = {}
        self.messages: list[str] = []

    def step(self, label: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except (YibaoError, ValueError, KeyError, TypeError) as exc:
            self.messages.append(f"{label}: {type(exc).__name__}: {exc}")
            return None

    def wants(self, *infnos: str) -> bool:
        return any(i in self.required for i in infnos)

    def identify(self, medium: Any) -> Any:
        identity = self.client.identify(medium)
        self.ctx.update(psn_no=identity.psn_no, certno=identity.certno, psn_name=identity.psn_name,
                        insutype=identity.insutype, insuplc_admdvs=identity.insuplc_admdvs,
                        mdtrt_cert_type=identity.medium.mdtrt_cert_type,
                        mdtrt_cert_no=identity.medium.mdtrt_cert_no, psn_cert_type=identity.psn_cert_type)  # fmt: skip
        return identity

    def keep(self, label: str, settlement: Any) -> Any:
        if settlement is not None and label not in self.kept:
            self.kept[label] = settlement
            self.setl_ids[label] = settlement.setl_id
            self.ctx.update(setl_id=settlement.setl_id, mdtrt_id=settlement.mdtrt_id)
        return settlement

    def restore(self, label: str, identity: Any) -> None:
        """Point the context back at a settlement that stays settled (for the queries)."""
        kept = self.kept.get(label)
        if kept is not None:
            self.ctx.update(setl_id=kept.setl_id, mdtrt_id=kept.mdtrt_id, psn_no=identity.psn_no,
                            certno=identity.certno, psn_name=identity.psn_name)  # fmt: skip

    def run(self) -> None:
        if self.wants("9001"):
            self.step("9001 sign-in", self.client.sessions.sign_in)
        person = _pick_person(self.client, self.data.persons, "local")
        # 异地清分 (3260) lists settlements of persons insured elsewhere in the province.
        remote = _pick_person(self.client, self.data.persons, "province")
        ident = self.step(
            "1101 ID card",
            lambda: self.identify(Medium.id_card(str(person["certno"]), str(person.get("psn_name", "")))),
        )
        if ident is None:
            return
        items = _items(self.data)
        self.ctx.update(med_list_codg=items[0].med_list_codg, medins_list_codg=items[0].medins_list_codg,
                        fixmedins_hilist_id=items[0].medins_list_codg, feedetl_sn=items[0].feedetl_sn)  # fmt: skip
        if self.kind == "pharmacy":
            self.pharmacy(ident, items, remote)
        else:
            self.outpatient(ident, items, remote)
            if self.wants("2401", "2304"):
                self.inpatient(ident, items)
        if self.wants("3201", "3202", "9101", "9102"):
            self.reconcile()
        if self.wants("3260", "3261", "3262"):
            self.clearing()

    def pharmacy(self, ident: Any, items: list[FeeItem], person: Mapping[str, Any]) -> None:
        def settle(who: Any) -> Any:
            return self.client.pharmacy.settle(who, items, acct_used_flag="1")

        self.step("2101/2102 ID card", lambda: self.keep("ID card", settle(ident)))
        if self.data.ectoken is not None:
            token = self.step("e-voucher token", lambda: self.data.ectoken(str(person["certno"])))  # type: ignore[misc]
            if token:
                ev = self.step("1101 e-voucher", lambda: self.identify(Medium.ectoken(token)))
                if ev is not None:
                    self.step("2101/2102 e-voucher", lambda: self.keep("e-voucher", settle(ev)))
        if self.wants("2103"):
            extra = self.step("2102 to cancel", lambda: settle(ident))
            if extra is not None:
                self.step("2103", lambda: self.client.pharmacy.cancel(ident, extra))
        if self.wants("2601"):
            self.reverse(lambda: settle(ident), "2102", ident)
        self.restore("ID card", ident)

    def reverse(self, make: Callable[[], Any], oinfno: str, ident: Any) -> None:
        original = self.step(f"{oinfno} to reverse", make)
        if original is not None:
            data = {"data": {"psn_no": ident.psn_no, "omsgid": original.msgid, "oinfno": oinfno}}
            self.step("2601", lambda: self.client.call("2601", data))

    def outpatient(self, ident: Any, items: list[FeeItem], person: Mapping[str, Any]) -> None:
        diag = [Diagnosis("J00.x00", "急性鼻咽炎")]
        stamp = f"{now():%H%M%S}"
        tokens = self.data.ectoken

        def fresh(who: Any) -> str:
            assert tokens is not None
            return tokens(who.certno)

        def visit(n: int, who: Any, label: str, undo: bool) -> None:
            bch = f"B{stamp}{n}"
            v = self.client.outpatient.register(who, ipt_otp_no=f"MZ{stamp}{n}", med_type=self.ctx["med_type"])
            self.ctx.update(mdtrt_id=v.mdtrt_id, ipt_otp_no=v.ipt_otp_no, chrg_bchno=bch)
            v.upload_visit(diag)
            v.upload_fees(bch, items)
            self.keep(label, v.settle(bch, acct_used_flag="1", ectoken_provider=fresh if tokens else None))
            if undo:
                v.cancel(bch)
                v.revoke_fees(bch)
                v.unregister()

        self.step("outpatient ID card", lambda: visit(1, ident, "ID card", False))
        if tokens is not None:
            token = self.step("e-voucher token", lambda: tokens(str(person["certno"])))
            ev = self.step("1101 e-voucher", lambda: self.identify(Medium.ectoken(token))) if token else None
            if ev is not None:
                self.step("outpatient e-voucher", lambda: visit(2, ev, "e-voucher", False))
        self.step("outpatient undo", lambda: visit(3, ident, "cancelled", True))
        if self.wants("2601"):
            holder: dict[str, OutpatientVisit] = {}

            def settled_visit() -> Any:
                bch = f"B{stamp}4"
                v = self.client.outpatient.register(ident, ipt_otp_no=f"MZ{stamp}4", med_type=self.ctx["med_type"])
                holder["v"] = v
                v.upload_visit(diag)
                v.upload_fees(bch, items)
                return v.settle(bch, acct_used_flag="1")

            self.reverse(settled_visit, "2207", ident)
        self.restore("ID card", ident)

    def inpatient(self, ident: Any, items: list[FeeItem]) -> None:
        diag = [Diagnosis("J18.900", "肺炎")]

        def stay() -> None:
            s = self.client.inpatient.admit(ident, ipt_no=f"ZY{now():%H%M%S}", diagnoses=diag)
            self.ctx.update(mdtrt_id=s.mdtrt_id)
            s.upload_fees(items)
            s.change(diag)
            s.discharge(diag)
            self.keep("inpatient", s.settle())
            s.cancel_settlement()
            s.cancel_discharge()
            s.revoke_fees()
            s.cancel_admission()

        self.step("inpatient stay", stay)

    def reconcile(self) -> None:
        report = self.step("3201", lambda: self.client.reconcile.period(self.today, self.today))
        if report is None or not report.groups or self.client.transactions.get("9101") is None:
            return
        if all(g.detail_file for g in report.groups):
            return  # an unbalanced group already ran 9101 / 3202 / 9102
        key = report.groups[0].totals.key

        def detail() -> None:
            with workspace("yibao-acceptance-") as work:
                _, diffs = self.client.reconcile.detail(self.today, self.today, key.clr_type, key.setl_optins, work)
                self.messages.append(f"3202 detail reconciliation: {sum(1 for _ in diffs)} difference(s)")

        self.step("9101/3202/9102", detail)

    def clearing(self) -> None:
        base = {"trt_year": self.ctx["trt_year"], "trt_month": self.ctx["trt_month"]}
        out = self.step("3260", lambda: self.client.call("3260", {"data": {**base, "startrow": Decimal("1")}}))
        rows = out.get("data", []) if isinstance(out, Mapping) else []
        keys = ("certno", "mdtrt_id", "mdtrt_setl_time", "setl_sn", "medfee_sumamt", "optins_pay_sumamt")
        # cnfm_flag 1: confirmed, cleared in this run (0 would leave the row out of the clearing).
        detail = [{**{k: r.get(k) for k in keys}, "cnfm_flag": "1"} for r in rows if isinstance(r, Mapping)]
        data = {"data": {**base, "totalrow": Decimal(len(detail))}, "detail": detail}
        reply = self.step("3261", lambda: self.client.send(Call("3261", data)))
        otransid = getattr(reply, "inf_refmsgid", "") or "0"
        self.step("3262", lambda: self.client.call("3262", {"data": {**base, "otransid": otransid}}))


def run_flows(
    client: Client, kind: str, required: set[str], data: AcceptanceData, today: date
) -> tuple[dict[str, Any], dict[str, str], list[str]]:
    """Run the flows; returns the context for :func:`synth_input`, the settlement IDs, the notes."""
    flows = _Flows(client, kind, required, data, today)
    flows.step("flows", flows.run)
    return flows.ctx, flows.setl_ids, flows.messages
