"""What an acceptance run reports: every call it sent, and one result per required interface.

``report.json`` follows the contract ("Acceptance for every region"): ``region``, ``kind``,
``passed``, ``summary`` (``passed``, ``failed``, ``not_run``) and ``interfaces``.
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
    #: ``--kind internet``: the region's functions (Xiamen's 29), each with its interfaces and evidence
    functions: list[dict[str, Any]] = attrs.field(factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.interfaces) and all(i.status == "passed" for i in self.interfaces) and all(
            f["status"] == "passed" for f in self.functions)

    def to_json(self) -> dict[str, Any]:
        d = attrs.asdict(self, recurse=True)
        d["passed"] = self.passed
        d["summary"] = {s: sum(1 for i in self.interfaces if i.status == s) for s in ("passed", "failed", "not_run")}
        return d


