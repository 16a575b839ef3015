"""``yibao acceptance`` (验收): a region's required-interface list run through the public API.

Each region lists, per institution kind, the interfaces the bureau checks (Dongguan 附件6
一、需实现的接口, with the evidence it wants: 录屏, 截图, 使用日志, 后台验收; Gansu 表1 and 附录1;
Guangdong's and Yunnan's guides), plus conditional groups (``--with``).  The run:

1. drives the business flows through the client's public API, so every call is validated,
   journaled and signed as in production: the settlements with every medium
   (:mod:`.flows`), 追溯码 and 审核 (:mod:`.flows_trace`), 备案, uploads and catalogues
   (:mod:`.flows_filing`), then the region plugins' own flows (``yibao_acceptance_flows``:
   Dongguan's city services and e-prescriptions), then reconciliation and clearing;
2. records every transaction they send through an engine observer (:mod:`.recorder`): the
   request exactly as it went on the wire (masked), the msgid and the reply or error;
3. sends each listed interface no flow reached with an input built from its field table and the
   values the flows produced (:func:`~.synth.synth_input`); 9002 签退 goes last;
4. returns an :class:`~.report.AcceptanceReport`: one result per listed interface, and the
   region's acceptance form where it has one (``yibao_acceptance_form``: Gansu 附录1).

Nothing here knows a province: the lists come from ``profile.institution_kinds`` /
``institution_groups``, the evidence notes, flows and form from the region's hooks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING

import attrs

from ..clock import now
from ..engine import Call
from ..errors import YibaoError
from .flows import SettlementFlows
from .flows_filing import catalogue_flows, filing_flows, upload_flows
from .flows_trace import audit_flows, trace_flows
from .recorder import Recorder
from .report import AcceptanceData, AcceptanceReport, CallRecord, InterfaceResult
from .session import AcceptanceSession

if TYPE_CHECKING:
    from ..client import Client

__all__ = ["interfaces_of", "run_acceptance"]


def interfaces_of(profile: object, kind: str, groups: Sequence[str] = ()) -> list[str]:
    """The kind's list plus its chosen groups' interfaces, in order, each once."""
    kinds: Mapping[str, tuple[str, ...]] = getattr(profile, "institution_kinds", {})
    extra: Mapping[str, Mapping[str, tuple[str, ...]]] = getattr(profile, "institution_groups", {})
    out: list[str] = []
    for infno in [*kinds.get(kind, ()), *(i for g in groups for i in extra.get(kind, {}).get(g, ()))]:
        if infno not in out:
            out.append(infno)
    return out


def _summarise(infno: str, name: str, records: list[CallRecord], asked: str, evidence: str) -> InterfaceResult:
    if not records:
        return InterfaceResult(infno, name, "not_run", 0.0, (), "no flow reached it", asked, evidence)
    failed = [r for r in records if not r.ok]
    return InterfaceResult(
        infno=infno, name=name, status="failed" if failed else "passed",
        seconds=round(sum(r.seconds for r in records), 4), calls=tuple(records),
        error=failed[0].error if failed else "", evidence_asked=asked, evidence=evidence,
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
    warnings = sorted({r.warning for r in records if r.warning})
    if warnings:
        parts.append("centre's warnings: " + " | ".join(warnings))
    return "; ".join(parts)


def _send_rest(client: Client, s: AcceptanceSession, recorder: Recorder, required: Sequence[str]) -> None:
    catalog = client.transactions
    for infno in required:
        if recorder.by_infno(infno) or infno not in catalog or infno == "9002":
            continue
        call = Call(infno, s.synth(infno))
        try:
            client.send(call)
        except YibaoError as exc:
            if not recorder.by_infno(infno):
                recorder.refused(call, exc)  # refused before the wire: the observer never saw it


def run_acceptance(
    client: Client,
    kind: str,
    required: Sequence[str],
    data: AcceptanceData,
    *,
    notes: Mapping[str, str] | None = None,
    groups: Sequence[str] = (),
    today: date | None = None,
    progress: Callable[..., None] | None = None,
) -> AcceptanceReport:
    """Run the ``required`` interfaces of ``kind`` (with ``groups``); see the module docstring.
    ``progress(text, done, total)`` hears each step as it starts (the console's job panel)."""
    notes = notes or {}
    cfg = client.config
    report = AcceptanceReport(
        region=client.profile.code, kind=kind, fixmedins_code=cfg.institution.fixmedins_code,
        gateway=cfg.gateway.url, started_at=now().isoformat(timespec="seconds"), groups=list(groups),
    )  # fmt: skip
    catalog = client.transactions
    recorder = Recorder()
    s = AcceptanceSession(client, kind, required, groups, data, today or now().date())
    s.ctx["stamp"] = f"{now():%H%M%S}"
    client.add_observer(recorder)
    try:
        base = s.base = SettlementFlows(s)
        flows = [trace_flows, audit_flows, filing_flows, upload_flows, catalogue_flows,
                 *client.hooks.acceptance_flows(kind, groups)]
        total = len(flows) + 3

        def step(n: int, label: str, fn: Callable[[], object]) -> None:
            if progress is not None:
                progress(f"{label} ({len(recorder.records)} calls so far)", n, total)
            s.step(label, fn)

        step(0, "flows", base.begin)
        for n, flow in enumerate(flows, 1):
            step(n, getattr(flow, "__name__", "flow"), lambda flow=flow: flow(s))  # type: ignore[misc]
        step(total - 2, "month end", base.end)
        s.restore("ID card")  # the queries sent from the field tables ask about the ID card's settlement
        for infno, exc in s.refused:  # a flow's input the engine refused: the interface failed, visibly
            recorder.refused(Call(infno, {}), exc)
        if progress is not None:
            progress("the interfaces no flow reached", total - 1, total)
        _send_rest(client, s, recorder, required)
        if s.wants("9002"):
            s.step("9002 sign-out", client.sessions.sign_out)
    finally:
        client.remove_observer(recorder)
    report.notes.extend(s.messages)
    report.media = list(s.media)
    report.steps = [{"step": label, "ok": ok} for label, ok in s.steps]
    for infno in required:
        t = catalog.get(infno)
        records = recorder.by_infno(infno)
        asked = notes.get(infno, "")
        result = _summarise(infno, t.name if t else "", records, asked, _evidence(asked, infno, records, s.setl_ids))
        if t is None:
            result = attrs.evolve(result, status="failed", error=f"{infno} is not in the catalogue of this region")
        report.interfaces.append(result)
    report.records = recorder.records
    report.finished_at = now().isoformat(timespec="seconds")
    report.form = client.hooks.acceptance_form(kind, report.to_json())
    return report
