"""The engine: one transaction through its layers (prepare -> guards -> session -> journal ->
transport -> outcome), the reversal queue, and the typed results.  See :mod:`.engine`."""

from __future__ import annotations

from .call import Call, Operator, Prepared, find_field
from .engine import Engine, Observer, Send, Sender
from .idempotency import reversed_since
from .results import Settlement
from .reversal import RecoverReport, ReversalQueue
from .sessions import SessionManager

__all__ = [
    "Call",
    "Engine",
    "Observer",
    "Operator",
    "Prepared",
    "RecoverReport",
    "ReversalQueue",
    "Send",
    "Sender",
    "SessionManager",
    "Settlement",
    "find_field",
    "reversed_since",
]
