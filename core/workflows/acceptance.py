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
    from .acceptance_flows import run_flows

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
