"""``yibao acceptance``: run a region's required-interface list for one institution kind.

Dongguan 附件6 lists, per institution kind, the interfaces the bureau checks (一、需实现的接口)
and the evidence it wants for each (录屏 a screen recording with the settlement IDs, 截图 a
screenshot, 使用日志 a usage log, 后台验收 a back-office check by msgid).  The run:

1. drives the business flows through the workflows (identify, settle, cancel, reconcile,
   clear) with the configured client, so every call is validated, journaled and signed as in
   production;
2. records every transaction the flows send, through a recorder on the client (timing, masked
   request and reply, error);
3. calls each listed interface no flow reached with an input built from the catalogue and the
   values the flows produced (:func:`synth_input`);
4. returns an :class:`AcceptanceReport`: one :class:`InterfaceResult` per listed interface.

Nothing here knows a province: the list comes from ``profile.institution_kinds`` and the
evidence notes from the ``yibao_acceptance_notes`` hook.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from ..errors import YibaoError
from ..journal.masking import mask_input

if TYPE_CHECKING:
    from ..catalog import Catalog
    from ..client import Client
    from .settle import FeeItem

__all__ = [
    "AcceptanceData",
    "AcceptanceReport",
    "CallRecord",
    "InterfaceResult",
    "Recorder",
    "run_acceptance",
    "synth_input",
]


@attrs.frozen
class CallRecord:
    """One transaction sent during the run (request and reply masked)."""

    infno: str
    ok: bool
    seconds: float  # timing only: never money
    msgid: str
    request: Any
    reply: Any
    error: str = ""
    at: str = ""


@attrs.define
class AcceptanceData:
    """What the run needs besides the configuration.

    :param persons: insured persons to settle for (``certno``, ``psn_name``; from the sandbox's
        ``GET /_sandbox/persons`` or the test data the bureau gives).
    :param items: catalogue items to sell (``med_list_codg``, ``pric``).
    :param ectoken: ``ectoken(certno) -> token`` for the e-voucher settlement, ``None`` to skip it.
    """

    persons: Sequence[Mapping[str, Any]]
    items: Sequence[Mapping[str, Any]]
    ectoken: Callable[[str], str] | None = None


@attrs.frozen
class InterfaceResult:
    """One required interface: ``passed``, ``failed`` or ``not_run``."""

    infno: str
    name: str
    status: str
    seconds: float
    calls: int
    msgids: tuple[str, ...]
    request: Any
    reply: Any
    error: str
    evidence_asked: str
    evidence: str


@attrs.define
class AcceptanceReport:
    region: str
    kind: str
    fixmedins_code: str
    gateway: str
    started_at: str
    finished_at: str = ""
    interfaces: list[InterfaceResult] = attrs.field(factory=list)
    records: list[CallRecord] = attrs.field(factory=list)
    notes: list[str] = attrs.field(factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.interfaces) and all(i.status == "passed" for i in self.interfaces)

    def to_json(self) -> dict[str, Any]:
        d = attrs.asdict(self, recurse=True)
        d["passed"] = self.passed
        d["summary"] = {s: sum(1 for i in self.interfaces if i.status == s) for s in ("passed", "failed", "not_run")}
        return d


class Recorder:
    """Wraps ``client.reply`` and ``client.download`` so every transaction is recorded.

    The workflows call ``client.call`` (which goes through ``reply``) and the session manager
    signs in through the same client, so one patch sees everything.
    """

    def __init__(self, client: Client) -> None:
        self.records: list[CallRecord] = []
        self._client = client
        self._reply = client.reply
        self._download = client.download
        client.reply = self._recorded_reply  # type: ignore[method-assign]
        client.download = self._recorded_download  # type: ignore[method-assign]

    def close(self) -> None:
        self._client.reply = self._reply  # type: ignore[method-assign]
        self._client.download = self._download  # type: ignore[method-assign]

    def _add(self, infno: str, t0: float, request: Any, ok: bool, msgid: str, reply: Any, error: str) -> None:
        self.records.append(CallRecord(
            infno=infno, ok=ok, seconds=round(time.perf_counter() - t0, 4), msgid=msgid,
            request=mask_input(request), reply=mask_input(reply), error=error,
            at=datetime.now().isoformat(timespec="seconds"),
        ))  # fmt: skip

    def _recorded_reply(self, infno: str, data: Mapping[str, Any], **kw: Any) -> Any:
        t0 = time.perf_counter()
        try:
            reply = self._reply(infno, data, **kw)
        except YibaoError as exc:
            self._add(infno, t0, data, False, exc.msgid or "", None, f"{type(exc).__name__}: {exc.message}")
            raise
        self._add(infno, t0, data, True, str(getattr(reply, "msgid", "")), getattr(reply, "output", None), "")
        return reply

    def _recorded_download(self, fs_download_in: Mapping[str, Any]) -> bytes:
        t0 = time.perf_counter()
        try:
            data: bytes = self._download(fs_download_in)
        except YibaoError as exc:
            self._add("9102", t0, fs_download_in, False, exc.msgid or "", None, f"{type(exc).__name__}: {exc}")
            raise
        self._add("9102", t0, fs_download_in, True, "", {"bytes": len(data)}, "")
        return data

    def by_infno(self, infno: str) -> list[CallRecord]:
        return [r for r in self.records if r.infno == infno]


# ---------------------------------------------------------------------------- inputs from the catalogue


def _placeholder(field: Any, now: datetime, dictionaries: Mapping[str, Mapping[str, str]]) -> Any:
    table = dictionaries.get(field.code) if field.dict else None
    if table:
        return next(iter(table))
    kind = field.type
    if kind == "N":
        return Decimal("0")
    if kind == "INT":
        return 1
    if kind == "NUM":
        return "1"
    if kind == "D":
        return now.strftime("%Y-%m-%d")
    if kind == "DT":
        return now.strftime("%Y-%m-%d %H:%M:%S")
    if kind == "OBJ":
        return []
    text = "1"
    return text[: field.length] if field.length else text


def _row(node: Any, context: Mapping[str, Any], now: datetime, dictionaries: Mapping[str, Mapping[str, str]]) -> Any:
    row: dict[str, Any] = {}
    for field in node.fields:
        known = context.get(field.code)
        fits = isinstance(known, str) and (field.length is None or len(known) <= field.length)
        if known is not None and (fits or not isinstance(known, str)):
            row[field.code] = known
        elif field.required:
            row[field.code] = _placeholder(field, now, dictionaries)
    for child in node.children:
        row[child.name] = _row(child, context, now, dictionaries)
    return [row] if node.multi else row


def synth_input(
    catalog: Catalog, infno: str, context: Mapping[str, Any], now: datetime | None = None
) -> dict[str, Any]:
    """An input for ``infno``: known values from ``context``, required fields filled by type.

    Used for the interfaces no flow reaches (queries, uploads the bureau checks in its back
    office).  A field-less root node (a region's generic entry) gets the context's basic keys.
    """
    transaction = catalog.get(infno)
    if transaction is None:
        raise KeyError(infno)
    now = now or datetime.now()
    out: dict[str, Any] = {}
    for node in transaction.input:
        value = _row(node, context, now, catalog.dictionaries)
        if node.name == "":
            if not node.fields:
                value = {k: context[k] for k in ("psn_no", "fixmedins_code") if k in context}
            out.update(value if isinstance(value, dict) else {})
        else:
            out[node.name] = value
    return out


# ---------------------------------------------------------------------------- the flows


def _pick_person(client: Client, persons: Sequence[Mapping[str, Any]], locality: str) -> Mapping[str, Any]:
    """A person of ``locality`` (local / province / other) when there is one, else the first."""
    if not persons:
        raise ValueError("no insured person to run the flows with (AcceptanceData.persons is empty)")
    area = client.config.institution.mdtrtarea_admvs
    same = [p for p in persons if client.profile.classify(str(p.get("insuplc_admdvs", "")), area) == locality]
    return (same or list(persons))[0]


def _items(data: AcceptanceData) -> list[FeeItem]:
    from .settle import FeeItem

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
        from .identify import identify

        identity = identify(self.client, medium)
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
        from .identify import Medium

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
        from .identify import Medium
        from .settle import cancel_pharmacy, settle_pharmacy

        def settle(who: Any) -> Any:
            return settle_pharmacy(self.client, who, items, acct_used_flag="1")

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
                self.step("2103", lambda: cancel_pharmacy(self.client, ident, extra))
        if self.wants("2601"):
            self.reverse(lambda: settle(ident), "2102", ident)
        self.restore("ID card", ident)

    def reverse(self, make: Callable[[], Any], oinfno: str, ident: Any) -> None:
        original = self.step(f"{oinfno} to reverse", make)
        if original is not None:
            data = {"data": {"psn_no": ident.psn_no, "omsgid": original.msgid, "oinfno": oinfno}}
            self.step("2601", lambda: self.client.call("2601", data))

    def outpatient(self, ident: Any, items: list[FeeItem], person: Mapping[str, Any]) -> None:
        from .identify import Medium
        from .outpatient import Diagnosis, OutpatientVisit

        diag = [Diagnosis("J00.x00", "急性鼻咽炎")]
        stamp = f"{datetime.now():%H%M%S}"
        tokens = self.data.ectoken

        def fresh(who: Any) -> str:
            assert tokens is not None
            return tokens(who.certno)

        def visit(n: int, who: Any, label: str, undo: bool) -> None:
            bch = f"B{stamp}{n}"
            v = OutpatientVisit.register(self.client, who, ipt_otp_no=f"MZ{stamp}{n}", med_type=self.ctx["med_type"])
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
                v = OutpatientVisit.register(
                    self.client, ident, ipt_otp_no=f"MZ{stamp}4", med_type=self.ctx["med_type"]
                )
                holder["v"] = v
                v.upload_visit(diag)
                v.upload_fees(bch, items)
                return v.settle(bch, acct_used_flag="1")

            self.reverse(settled_visit, "2207", ident)
        self.restore("ID card", ident)

    def inpatient(self, ident: Any, items: list[FeeItem]) -> None:
        from .inpatient import InpatientStay
        from .outpatient import Diagnosis

        diag = [Diagnosis("J18.900", "肺炎")]

        def stay() -> None:
            s = InpatientStay.admit(self.client, ident, ipt_no=f"ZY{datetime.now():%H%M%S}", diagnoses=diag)
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
        from ..files import workspace
        from .reconcile import _detail, _Month, reconcile

        report = self.step("3201", lambda: reconcile(self.client, self.today, self.today))
        if report is None or not report.groups or self.client.catalog.get("9101") is None:
            return
        if all(g.detail_file for g in report.groups):
            return  # an unbalanced group already ran 9101 / 3202 / 9102
        key = report.groups[0].totals.key

        def detail() -> None:
            with workspace("yibao-acceptance-") as work:
                month = _Month(self.client, self.today, self.today)
                _, diffs = _detail(self.client, month, key.clr_type, key.setl_optins, work, None)
                self.messages.append(f"3202 detail reconciliation: {sum(1 for _ in diffs)} difference(s)")

        self.step("9101/3202/9102", detail)

    def clearing(self) -> None:
        base = {"trt_year": self.ctx["trt_year"], "trt_month": self.ctx["trt_month"]}
        out = self.step("3260", lambda: self.client.call("3260", {"data": {**base, "startrow": Decimal("1")}}))
        rows = out.get("data", []) if isinstance(out, Mapping) else []
        keys = ("certno", "mdtrt_id", "mdtrt_setl_time", "setl_sn", "medfee_sumamt", "optins_pay_sumamt")
        detail = [{k: r.get(k) for k in keys} for r in rows if isinstance(r, Mapping)]
        data = {"data": {**base, "totalrow": Decimal(len(detail))}, "detail": detail}
        reply = self.step("3261", lambda: self.client.reply("3261", data))
        otransid = getattr(reply, "inf_refmsgid", "") or "0"
        self.step("3262", lambda: self.client.call("3262", {"data": {**base, "otransid": otransid}}))


def run_flows(
    client: Client, kind: str, required: set[str], data: AcceptanceData, today: date
) -> tuple[dict[str, Any], dict[str, str], list[str]]:
    """Run the flows; returns the context for :func:`synth_input`, the settlement IDs, the notes."""
    flows = _Flows(client, kind, required, data, today)
    flows.step("flows", flows.run)
    return flows.ctx, flows.setl_ids, flows.messages


# ---------------------------------------------------------------------------- the run


def _summarise(infno: str, name: str, records: list[CallRecord], asked: str, evidence: str) -> InterfaceResult:
    if not records:
        return InterfaceResult(infno, name, "not_run", 0.0, 0, (), None, None, "no flow reached it", asked, evidence)
    failed = [r for r in records if not r.ok]
    shown = failed[0] if failed else records[0]
    return InterfaceResult(
        infno=infno, name=name, status="failed" if failed else "passed",
        seconds=round(sum(r.seconds for r in records), 4), calls=len(records),
        msgids=tuple(r.msgid for r in records if r.msgid), request=shown.request, reply=shown.reply,
        error=shown.error, evidence_asked=asked, evidence=evidence,
    )  # fmt: skip


def _evidence(asked: str, infno: str, records: list[CallRecord], setl_ids: Mapping[str, str]) -> str:
    parts = []
    if "录屏" in asked:
        ids = ", ".join(f"{how}: {sid}" for how, sid in setl_ids.items()) or "none"
        parts.append(f"settlement IDs ({ids}); record the HIS screen while replaying this flow")
    if "截图" in asked:
        parts.append(f"report.html section {infno} shows the masked request and reply (print it as the screenshot)")
    if "日志" in asked:
        parts.append(f"usage-log.txt: {len(records)} line(s) for {infno}")
    if "后台" in asked:
        msgids = ", ".join(r.msgid for r in records if r.msgid) or "none"
        parts.append(f"msgids for the bureau's back-office check: {msgids}")
    return "; ".join(parts)


def run_acceptance(
    client: Client,
    kind: str,
    required: Sequence[str],
    data: AcceptanceData,
    *,
    notes: Mapping[str, str] | None = None,
    today: date | None = None,
) -> AcceptanceReport:
    """Run the ``required`` interfaces of ``kind``; see the module docstring."""
    notes = notes or {}
    cfg = client.config
    report = AcceptanceReport(
        region=client.profile.code, kind=kind, fixmedins_code=cfg.institution.fixmedins_code,
        gateway=cfg.gateway.url, started_at=datetime.now().isoformat(timespec="seconds"),
    )  # fmt: skip
    recorder = Recorder(client)
    try:
        context, setl_ids, messages = run_flows(client, kind, set(required), data, today or client.clock().date())
        report.notes.extend(messages)
        for infno in required:
            if recorder.by_infno(infno) or infno not in client.catalog:
                continue
            try:
                client.call(infno, synth_input(client.catalog, infno, context))
            except YibaoError:
                pass  # recorded as failed by the recorder
    finally:
        recorder.close()
    for infno in required:
        t = client.catalog.get(infno)
        records = recorder.by_infno(infno)
        asked = notes.get(infno, "")
        result = _summarise(infno, t.name if t else "", records, asked, _evidence(asked, infno, records, setl_ids))
        if t is None:
            result = attrs.evolve(result, status="failed", error=f"{infno} is not in the catalogue of this region")
        report.interfaces.append(result)
    report.records = recorder.records
    report.finished_at = datetime.now().isoformat(timespec="seconds")
    return report
