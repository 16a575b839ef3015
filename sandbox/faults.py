"""Fault plan of one sandbox instance (``POST /_sandbox/faults``).

Modes (contract.md, "The sandbox's control API"):

==================== =========== ===========================================================
mode                 committed?  what the client sees
==================== =========== ===========================================================
``drop_after_commit`` yes        the connection is closed with no HTTP response at all
``delay``             yes        the normal reply, ``seconds`` late
``truncated_json``    yes        HTTP 200 whose JSON body is cut in the middle
``error_500``         no         HTTP 500 with a plain-text body
``html_page``         no         HTTP 200 with an HTML gateway error page
``reject``            no         ``infcode`` -1 with ``err_msg``
==================== =========== ===========================================================

``times`` counts how many calls of that infno trigger the fault.  The plan lives in memory:
it belongs to the running instance, not to the centre's books, so a restart forgets it.
"""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import attrs

__all__ = ["COMMITTING_MODES", "MODES", "Fault", "FaultPlan"]

MODES = ("drop_after_commit", "delay", "error_500", "html_page", "truncated_json", "reject")
COMMITTING_MODES = frozenset({"drop_after_commit", "delay", "truncated_json"})


@attrs.frozen
class Fault:
    infno: str
    mode: str
    times: int = 1
    seconds: Decimal = Decimal(0)
    err_msg: str = ""

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


class FaultPlan:
    """Armed faults by infno (the last arming of an infno wins)."""

    def __init__(self) -> None:
        self._faults: dict[str, Fault] = {}
        self._lock = threading.Lock()

    @staticmethod
    def parse(body: Any) -> Fault:
        """Validate a control request; ``ValueError`` names the bad key."""
        if not isinstance(body, dict):
            raise ValueError("body must be a JSON object")
        infno = body.get("infno")
        if not isinstance(infno, str) or not infno:
            raise ValueError("infno: required string")
        mode = body.get("mode")
        if mode not in MODES:
            raise ValueError(f"mode: one of {', '.join(MODES)}")
        times = body.get("times", 1)
        if isinstance(times, bool) or not isinstance(times, int) or times < 0:
            raise ValueError("times: a non-negative integer")
        seconds = body.get("seconds", 0)
        if isinstance(seconds, bool) or not isinstance(seconds, int | Decimal) or seconds < 0:
            raise ValueError("seconds: a non-negative number")
        err_msg = body.get("err_msg", "") or ""
        if not isinstance(err_msg, str):
            raise ValueError("err_msg: a string")
        return Fault(infno=infno, mode=mode, times=times, seconds=Decimal(seconds), err_msg=err_msg)

    def arm(self, fault: Fault) -> None:
        with self._lock:
            if fault.times == 0:
                self._faults.pop(fault.infno, None)
            else:
                self._faults[fault.infno] = fault

    def take(self, infno: str) -> Fault | None:
        """The fault for this call of ``infno`` (consuming one of its ``times``), or ``None``."""
        with self._lock:
            fault = self._faults.get(infno)
            if fault is None:
                return None
            if fault.times <= 1:
                del self._faults[infno]
            else:
                self._faults[infno] = attrs.evolve(fault, times=fault.times - 1)
            return fault

    def armed(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.to_dict() for f in self._faults.values()]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
