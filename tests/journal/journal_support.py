"""Helpers shared by the journal tests (a plain module, so tests can import it by name)."""

from __future__ import annotations

from typing import Any

from yibao.core.journal import Entry, Journal, State

CODE = "H44010000001"


def body(psn_no: str = "P0001") -> dict[str, Any]:
    """A small 2207-like input with personal data in it."""
    return {
        "data": {"psn_no": psn_no, "certno": "430104199001011234", "psn_name": "张三", "mdtrt_id": "M1"},
        "diseinfo": [{"diag_code": "J18.900", "diag_name": "肺炎"}],
    }


# How to reach each state from INTENT with legal moves only.
PATHS: dict[State, list[State]] = {
    State.INTENT: [],
    State.SENT: [State.SENT],
    State.SUCCEEDED: [State.SENT, State.SUCCEEDED],
    State.FAILED: [State.FAILED],
    State.NOT_SENT: [State.NOT_SENT],
    State.UNKNOWN: [State.SENT, State.UNKNOWN],
    State.REVERSING: [State.SENT, State.UNKNOWN, State.REVERSING],
    State.REVERSED: [State.SENT, State.UNKNOWN, State.REVERSING, State.REVERSED],
    State.NEEDS_ATTENTION: [State.SENT, State.UNKNOWN, State.REVERSING, State.NEEDS_ATTENTION],
}


def drive(journal: Journal, entry: Entry, target: State) -> Entry:
    """Walk ``entry`` from INTENT to ``target`` along :data:`PATHS`."""
    current = entry
    for step in PATHS[target]:
        current = journal.transition(current.msgid, [current.state], step)
    return current
