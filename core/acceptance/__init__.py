"""``yibao acceptance`` (验收): a region's required-interface list run through the public API,
with the evidence the bureau asks for.  See :mod:`.run`."""

from __future__ import annotations

from .recorder import Recorder
from .report import AcceptanceData, AcceptanceReport, CallRecord, InterfaceResult
from .run import interfaces_of, run_acceptance
from .session import AcceptanceSession
from .synth import synth_input

__all__ = [
    "AcceptanceData",
    "AcceptanceReport",
    "AcceptanceSession",
    "CallRecord",
    "InterfaceResult",
    "Recorder",
    "interfaces_of",
    "run_acceptance",
    "synth_input",
]
