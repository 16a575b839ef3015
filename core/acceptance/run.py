"""``yibao acceptance``: run a region's required-interface list for one institution kind.

Dongguan 附件6 lists, per institution kind, the interfaces the bureau checks (一、需实现的接口)
and the evidence it wants for each (录屏 a screen recording with the settlement IDs, 截图 a
screenshot, 使用日志 a usage log, 后台验收 a back-office check by msgid).  The run:

1. drives the business flows through the client's public API (identify, settle, cancel,
   reconcile, clear), so every call is validated, journaled and signed as in production;
2. records every transaction the flows send through an engine observer (:mod:`.recorder`):
   the request exactly as it went on the wire (masked), the msgid and the reply or error;
3. calls each listed interface no flow reached with an input built from the catalogue and the
   values the flows produced (:func:`~.synth.synth_input`);
4. returns an :class:`~.report.AcceptanceReport`: one result per listed interface.

Nothing here knows a province: the list comes from ``profile.institution_kinds`` and the
evidence notes from the ``yibao_acceptance_notes`` hook.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING

import attrs

from ..clock import now
from ..engine import Call
from ..errors import YibaoError
from .flows import run_flows
from .recorder import Recorder
from .report import AcceptanceData, AcceptanceReport, CallRecord, InterfaceResult
from .synth import synth_input

if TYPE_CHECKING:
    from ..client import Client

__all__ = ["run_acceptance"]


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
        gateway=cfg.gateway.url, started_at=now().isoformat(timespec="seconds"),
    )  # fmt: skip
    catalog = client.transactions
    recorder = Recorder()
    client.add_observer(recorder)
    try:
        context, setl_ids, messages = run_flows(client, kind, set(required), data, today or now().date())
        report.notes.extend(messages)
        for infno in required:
            if recorder.by_infno(infno) or infno not in catalog:
                continue
            call = Call(infno, synth_input(catalog, infno, context))
            try:
                client.send(call)
            except YibaoError as exc:
                if not recorder.by_infno(infno):
                    recorder.refused(call, exc)  # refused before the wire: the observer never saw it
    finally:
        client.remove_observer(recorder)
    for infno in required:
        t = catalog.get(infno)
        records = recorder.by_infno(infno)
        asked = notes.get(infno, "")
        result = _summarise(infno, t.name if t else "", records, asked, _evidence(asked, infno, records, setl_ids))
        if t is None:
            result = attrs.evolve(result, status="failed", error=f"{infno} is not in the catalogue of this region")
        report.interfaces.append(result)
    report.records = recorder.records
    report.finished_at = now().isoformat(timespec="seconds")
    return report
