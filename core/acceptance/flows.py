"""The settlement flows of an acceptance run (:mod:`yibao.core.acceptance.run`).

Each flow drives the client's public API; the run's recorder (an engine observer) sees every
transaction they send.  A step that fails is noted and the run goes on.

- Media: an ID card (the main person, local), an e-voucher (a person insured elsewhere in the
  province: 3260 lists them), a social-security card and, where the seed has one, a HK / Macao /
  Taiwan or foreign document (Dongguan 1101: 能正常读取港澳台、非大陆证件).  How a medium is read
  follows the region: through its token steps (Yunnan 1191), through a medium reader
  (``AcceptanceData.reader``: Guangdong's card-reader driver), or typed (the national way); an
  e-voucher goes through 6101 where the list has it (Dongguan).
- Pharmacy: 2101/2102 with trace codes, twice (ID card, e-voucher), one more cancelled with
  2103, one reversed with 2601; a 门诊慢特病 (14) purchase with ``--with chronic``.
- Clinic / hospital: outpatient visits (kept, e-voucher, undone, reversed), an inpatient stay
  2401..2404 when the list has it.
- At the end: 3201 (9101 / 3202 / 9102 on the first group), then 3260 -> 3261 -> 3262.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..clock import now
from ..engine import Call
from ..files import workspace
from ..workflows.fees import FeeItem
from ..workflows.identify import Identity
from ..workflows.outpatient import Diagnosis, OutpatientVisit

if TYPE_CHECKING:
    from .session import AcceptanceSession

__all__ = ["SettlementFlows", "trace_code"]

_SEQ = itertools.count(1)


def trace_code() -> str:
    """A fresh 20-digit 药品追溯码 for a rehearsal sale (time-based, so runs do not repeat)."""
    return f"{time.time_ns() // 1000 % 10**13:013d}{next(_SEQ) % 10**7:07d}"


class SettlementFlows:
    """Identify with every medium, settle, cancel, reverse; reconcile and clear at the end."""

    def __init__(self, s: AcceptanceSession) -> None:
        self.s = s
        self.client = s.client
        self.stamp = f"{now():%H%M%S}"

    # ------------------------------------------------------------------ media

    def _steps(self) -> bool:
        return self.s.reads_by_steps()

    def reader(self, person: Mapping[str, Any]) -> Any:
        return self.s.data.reader(person) if self.s.data.reader is not None else None

    def identify(self, label: str, person: Mapping[str, Any], source: str) -> Identity:
        return self.s.identify_person(label, person, source)

    def media(self) -> Identity | None:
        s = self.s
        main = s.person("local", pred=lambda p: p.get("psn_cert_type") == "01")
        ident = s.step("1101 ID card", lambda: self.identify("main", main, "id_card"))
        remote = s.person("province", pred=lambda p: p.get("psn_cert_type") == "01")
        s.step("1101 e-voucher", lambda: self.identify("e-voucher", remote, "ecode"))
        other = s.person("other", pred=lambda p: p.get("psn_cert_type") == "01" and bool(p.get("card_sn")))
        s.step("1101 social-security card", lambda: self.identify("card", other, "ss_card"))
        doc = [p for p in s.data.persons if p.get("psn_cert_type") == "99"]
        area = self.client.config.institution.mdtrtarea_admvs[:2]
        doc = [p for p in doc if str(p.get("insuplc_admdvs", "")).startswith(area)] or doc
        if doc and not self._steps():
            s.step("1101 HK/Macao/Taiwan document", lambda: self.identify("document", doc[0], "other_document"))
        if ident is None:
            return None
        s.use(ident)
        who: Identity = ident
        return who

    # ------------------------------------------------------------------ items

    def items(self, *, drugs_only: bool = False, traced: bool = True) -> list[FeeItem]:
        pool = [i for i in self.s.data.items if not drugs_only or str(i.get("list_type", "101")) == "101"]
        chosen = (pool or list(self.s.data.items))[:2] or [{"med_list_codg": "XA01AAA0001", "list_type": "101"}]
        out = []
        for n, item in enumerate(chosen):
            code = str(item["med_list_codg"])
            codes = (trace_code(),) if traced and str(item.get("list_type", "101")) == "101" else ()
            out.append(FeeItem(feedetl_sn=str(n + 1), med_list_codg=code, medins_list_codg=f"HIS-{code}"[:150],
                               cnt=Decimal("1"), pric=Decimal("10.00"), trace_codes=codes))  # fmt: skip
        return out

    # ------------------------------------------------------------------ the flows

    def begin(self) -> None:
        s = self.s
        if s.wants("9001"):
            s.step("9001 sign-in", self.client.sessions.sign_in)
        ident = self.media()
        if ident is None:
            return
        first = self.items()[0]
        s.ctx.update(med_list_codg=first.med_list_codg, medins_list_codg=first.medins_list_codg,
                     fixmedins_hilist_id=first.medins_list_codg, feedetl_sn=first.feedetl_sn)  # fmt: skip
        if s.kind == "pharmacy":
            self.pharmacy(ident)
        else:
            self.outpatient(ident)
            if s.wants("2401", "2304"):
                self.inpatient(ident)

    def _evoucher(self) -> Identity | None:
        return self.s.identities.get("e-voucher")

    def pharmacy(self, ident: Identity) -> None:
        s = self.s

        def settle(who: Identity, label: str, **kw: Any) -> Any:
            items = self.items(drugs_only=True)
            kw.setdefault("med_type", s.ctx["med_type"])  # 41 定点药店购药 (the region may fix it too)
            result = self.client.pharmacy.settle(who, items, acct_used_flag="1", reader=self.reader_of(who), **kw)
            s.ctx.setdefault("sales", []).append((label, result, items))
            return result

        s.step("2101/2102 ID card", lambda: s.keep("ID card", settle(ident, "ID card")))
        ev = self._evoucher()
        if ev is not None:
            s.step("2101/2102 e-voucher", lambda: s.keep("e-voucher", settle(ev, "e-voucher")))
        if s.wants("2103"):
            extra = s.step("2102 to cancel", lambda: settle(ident, "cancelled"))
            if extra is not None:
                s.step("2103", lambda: self.client.pharmacy.cancel(ident, extra))
        if s.wants("2601"):
            self.reverse(lambda: settle(ident, "reversed"), "2102", ident)
        if "chronic" in s.groups:
            chronic = self.chronic_person()
            if chronic is not None:
                p, code, name = chronic
                who = s.step("1101 门慢特", lambda: self.identify("chronic", p, "id_card"))
                if who is not None:
                    s.step("2102 门诊慢特病(14)", lambda: s.keep("chronic", settle(
                        who, "chronic", med_type="14", dise_codg=code, dise_name=name)))
        s.restore("ID card")

    def chronic_person(self) -> tuple[Mapping[str, Any], str, str] | None:
        """A local person with a 慢特病 record (seeded ``opsp``), with its disease."""
        for p in self.s.data.persons:
            opsp = p.get("opsp") or []
            if opsp and p.get("psn_cert_type") == "01" and str(p.get("insuplc_admdvs", ""))[:4] == \
                    self.client.config.institution.mdtrtarea_admvs[:4]:
                return p, str(opsp[0]["opsp_dise_code"]), str(opsp[0]["opsp_dise_name"])
        return None

    def reader_of(self, who: Identity) -> Any:
        if self.s.data.reader is None or self._steps():
            return None
        person = next((p for p in self.s.data.persons if p.get("certno") == who.certno), None)
        return self.reader(person) if person is not None else None

    def reverse(self, make: Callable[[], Any], oinfno: str, ident: Identity) -> None:
        original = self.s.step(f"{oinfno} to reverse", make)
        if original is not None:
            data = {"data": {"psn_no": ident.psn_no, "omsgid": original.msgid, "oinfno": oinfno}}
            self.s.step("2601", lambda: self.client.call("2601", data))

    def visit(self, n: int, who: Identity, label: str, *, undo: bool = False, med_type: str = "",
              diag: tuple[Diagnosis, ...] = (Diagnosis("J00.x00", "急性鼻咽炎"),), dise: tuple[str, str] = ("", "")
              ) -> Any:  # fmt: skip
        """One outpatient visit: 2201 -> 2203 -> 2204 -> 2206 / 2207 (undone 2208 -> 2205 -> 2202)."""
        s, bch = self.s, f"B{self.stamp}{n}"
        tokens = s.data.ectoken
        v = self.client.outpatient.register(who, ipt_otp_no=f"MZ{self.stamp}{n}",
                                            med_type=med_type or s.ctx["med_type"])
        s.ctx.update(mdtrt_id=v.mdtrt_id, ipt_otp_no=v.ipt_otp_no, chrg_bchno=bch)
        v.upload_visit(list(diag), dise_codg=dise[0], dise_name=dise[1])
        v.upload_fees(bch, self.items(traced=False))
        result = v.settle(bch, acct_used_flag="1", reader=self.reader_of(who),
                          ectoken_provider=(lambda p: tokens(p.certno)) if tokens else None)  # fmt: skip
        s.keep(label, result)
        s.visits[label] = v
        if undo:
            v.cancel(bch)
            v.revoke_fees(bch)
            v.unregister()
        return result

    def outpatient(self, ident: Identity) -> None:
        s = self.s
        s.step("outpatient ID card", lambda: self.visit(1, ident, "ID card"))
        ev = self._evoucher()
        if ev is not None:
            s.step("outpatient e-voucher", lambda: self.visit(2, ev, "e-voucher"))
        s.step("outpatient undo", lambda: self.visit(3, ident, "cancelled", undo=True))
        if s.wants("2601"):
            holder: dict[str, OutpatientVisit] = {}

            def settled_visit() -> Any:
                bch = f"B{self.stamp}4"
                v = self.client.outpatient.register(ident, ipt_otp_no=f"MZ{self.stamp}4", med_type=s.ctx["med_type"])
                holder["v"] = v
                v.upload_visit([Diagnosis("J00.x00", "急性鼻咽炎")])
                v.upload_fees(bch, self.items(traced=False))
                return v.settle(bch, acct_used_flag="1", reader=self.reader_of(ident))

            self.reverse(settled_visit, "2207", ident)
        s.restore("ID card")

    def inpatient(self, ident: Identity) -> None:
        s = self.s
        diag = [Diagnosis("J18.900", "肺炎")]

        def stay() -> None:
            st = self.client.inpatient.admit(ident, ipt_no=f"ZY{now():%H%M%S}", diagnoses=diag)
            s.ctx.update(mdtrt_id=st.mdtrt_id)
            st.upload_fees(self.items(traced=False))
            st.change(diag)
            st.discharge(diag)
            s.keep("inpatient", st.settle(reader=self.reader_of(ident)))
            s.visits["inpatient"] = st
            st.cancel_settlement()
            st.cancel_discharge()
            st.revoke_fees()
            st.cancel_admission()

        s.step("inpatient stay", stay)
        s.restore("ID card")

    # ------------------------------------------------------------------ month end

    def end(self) -> None:
        s = self.s
        if s.wants("3201", "3202", "9101", "9102"):
            self.reconcile()
        if s.wants("3260", "3261", "3262"):
            self.clearing()

    def reconcile(self) -> None:
        s = self.s
        report = s.step("3201", lambda: self.client.reconcile.period(s.today, s.today))
        if report is None or not report.groups or not s.has("9101"):
            return
        if all(g.detail_file for g in report.groups):
            return  # an unbalanced group already ran 9101 / 3202 / 9102
        key = report.groups[0].totals.key

        def detail() -> None:
            with workspace("yibao-acceptance-") as work:
                _, diffs = self.client.reconcile.detail(s.today, s.today, key.clr_type, key.setl_optins, work)
                s.messages.append(f"3202 detail reconciliation: {sum(1 for _ in diffs)} difference(s)")

        s.step("9101/3202/9102", detail)

    def clearing(self) -> None:
        s = self.s
        base = {"trt_year": s.ctx["trt_year"], "trt_month": s.ctx["trt_month"]}
        out = s.step("3260", lambda: self.client.call("3260", {"data": {**base, "startrow": Decimal("1")}}))
        rows = out.get("data", []) if isinstance(out, Mapping) else []
        keys = ("certno", "mdtrt_id", "mdtrt_setl_time", "setl_sn", "medfee_sumamt", "optins_pay_sumamt")
        # cnfm_flag 1: confirmed, cleared in this run (0 would leave the row out of the clearing).
        detail = [{**{k: r.get(k) for k in keys}, "cnfm_flag": "1"} for r in rows if isinstance(r, Mapping)]
        data = {"data": {**base, "totalrow": Decimal(len(detail))}, "detail": detail}
        reply = s.step("3261", lambda: self.client.send(Call("3261", data)))
        otransid = getattr(reply, "inf_refmsgid", "") or "0"
        s.step("3262", lambda: self.client.call("3262", {"data": {**base, "otransid": otransid}}))
