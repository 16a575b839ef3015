"""What an acceptance run reports: every call it sent, and one result per required interface.

``report.json`` follows the contract ("Acceptance for every region"): ``region``, ``kind``,
``passed``, ``summary`` (``passed``, ``failed``, ``not_run``) and ``interfaces``, one object per
required interface with ``infno``, ``name``, ``status``, ``error``, ``evidence_asked``,
``evidence`` and ``calls`` (each with ``msgid``, ``request`` exactly as it went on the wire, after
the region's fixed values and masked, and ``reply``), plus ``form`` where the region has an
acceptance form (Gansu 附录1), ``groups`` (``--with``) and ``media`` (the media read).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

__all__ = ["AcceptanceData", "AcceptanceReport", "CallRecord", "InterfaceResult"]


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
    #: the centre's ``err_msg`` / ``warn_msg`` on a success (infcode 0), e.g. a missing 追溯码
    warning: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"msgid": self.msgid, "request": self.request, "reply": self.reply, "ok": self.ok,
                "error": self.error, "warning": self.warning, "at": self.at, "seconds": self.seconds}  # fmt: skip


@attrs.define
class AcceptanceData:
    """What the run needs besides the configuration.

    :param persons: insured persons to settle for (``certno``, ``psn_name``, ``card_no``,
        ``card_sn``, ``insuplc_admdvs``; from the sandbox's ``GET /_sandbox/persons`` or the test
        data the bureau gives).
    :param items: catalogue items to sell (``med_list_codg``, ``list_type``).
    :param ectoken: ``ectoken(certno) -> token`` for e-voucher settlements, ``None`` to skip them.
    :param qrcode: ``qrcode(certno) -> QR content`` for 6101, where the list has it.
    :param reader: ``reader(person) -> MediumReader`` holding that person's media (a card reader
        driver or a simulation), for regions that read media through a reader.
    :param prescription: ``prescription(certno) -> {"hi_rxno", ...}``: an uploaded e-prescription
        from another hospital, for a pharmacy's e-prescription list.
    """

    persons: Sequence[Mapping[str, Any]]
    items: Sequence[Mapping[str, Any]]
    ectoken: Callable[[str], str] | None = None
    qrcode: Callable[[str], str] | None = None
    reader: Callable[[Mapping[str, Any]], Any] | None = None
    prescription: Callable[[str], Mapping[str, Any]] | None = None


@attrs.frozen
class InterfaceResult:
    """One required interface: ``passed``, ``failed`` or ``not_run``; ``calls`` as on the wire."""

    infno: str
    name: str
    status: str
    seconds: float
    calls: tuple[CallRecord, ...]
    error: str
    evidence_asked: str
    evidence: str

    @property
    def msgids(self) -> tuple[str, ...]:
        return tuple(c.msgid for c in self.calls if c.msgid)

    def to_json(self) -> dict[str, Any]:
        return {"infno": self.infno, "name": self.name, "status": self.status, "seconds": self.seconds,
                "error": self.error, "evidence_asked": self.evidence_asked, "evidence": self.evidence,
                "msgids": list(self.msgids), "calls": [c.to_json() for c in self.calls]}  # fmt: skip


@attrs.define
class AcceptanceReport:
    region: str
    kind: str
    fixmedins_code: str
    gateway: str
    started_at: str
    finished_at: str = ""
    groups: list[str] = attrs.field(factory=list)
    interfaces: list[InterfaceResult] = attrs.field(factory=list)
    records: list[CallRecord] = attrs.field(factory=list)
    notes: list[str] = attrs.field(factory=list)
    #: the media the run read (``id_card``, ``ss_card``, ``ecode``, ``other_document``)
    media: list[str] = attrs.field(factory=list)
    #: the flows' steps in order: ``{"step": label, "ok": bool}``
    steps: list[dict[str, Any]] = attrs.field(factory=list)
    form: dict[str, Any] | None = None
    #: ``--kind internet``: the region's functions (Xiamen's 29), each with its interfaces and evidence
    functions: list[dict[str, Any]] = attrs.field(factory=list)
    #: 界面截图: infno -> the console's screenshots of it (paths relative to the report's folder)
    screenshots: dict[str, list[str]] = attrs.field(factory=dict)

    @property
    def passed(self) -> bool:
        return bool(self.interfaces) and all(i.status == "passed" for i in self.interfaces) and all(
            f["status"] == "passed" for f in self.functions)

    def summary(self) -> dict[str, int]:
        return {s: sum(1 for i in self.interfaces if i.status == s) for s in ("passed", "failed", "not_run")}

    def to_json(self) -> dict[str, Any]:
        return {"region": self.region, "kind": self.kind, "groups": list(self.groups), "passed": self.passed,
                "summary": self.summary(), "fixmedins_code": self.fixmedins_code, "gateway": self.gateway,
                "started_at": self.started_at, "finished_at": self.finished_at, "media": list(self.media),
                "steps": list(self.steps), "notes": list(self.notes),
                "interfaces": [{**i.to_json(), "screenshots": list(self.screenshots.get(i.infno, []))}
                               for i in self.interfaces], "form": self.form,
                "functions": list(self.functions)}  # fmt: skip
