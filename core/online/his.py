"""The HIS callbacks of Xiamen's 费用对接 (spec 003 functions 23-25), through the
``yibao_his_request`` hook with the platform's retry semantics.

The platform asks the HIS (a plugin of the HIS, registered like any yibao plugin, answers):

- ``pending_prescriptions`` (HIS23 查询待扣费处方信息) and ``prescription_info`` (HIS25
  获取处方信息): asked now, retried while the HIS answers neither success nor refusal;
- ``settlement_confirm`` (HIS24 结算结果确认): once an order is settled, kept in the journal
  (``online_outbox``, one row per order) and delivered until the HIS takes it, across restarts
  (``client.online.recover()`` delivers what is due).

The answer's ``resultCode`` decides, as in the public PreBillCharge contract (online_settlement.md
§2 step 9, [S]): ``"0"`` taken, ``"-1"`` refused (never retried; a refused confirmation is
``REFUSED`` in the outbox and raised as an alert: the money is settled, the HIS must be told by a
person), anything else, no answer or an exception: retried after the region's
:class:`~.profile.RetryPolicy` delay; after its last attempt ``NEEDS_ATTENTION``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from ..errors import BusinessError, StateError
from ..masking import mask_input
from ..plugins import RegionHooks
from .channel import OnlineCall, timed
from .profile import RetryPolicy
from .store import DuplicateRow, OnlineStore, utc_now

__all__ = ["CALLBACKS", "HisBridge"]

log = structlog.get_logger("yibao.online")

#: interface id -> the hook's ``name``
CALLBACKS = {"HIS23": "pending_prescriptions", "HIS24": "settlement_confirm", "HIS25": "prescription_info"}


def _code(answer: Mapping[str, Any] | None) -> str:
    if answer is None:
        return ""
    return str(answer.get("resultCode", "")).strip()


class HisBridge:
    """Asks the HIS through the region's hooks."""

    def __init__(self, hooks: RegionHooks, store: OnlineStore, policy: RetryPolicy,
                 sleep: Callable[[float], None] = time.sleep, tell: Callable[[OnlineCall], None] | None = None) -> None:
        self.tell = tell
        self.hooks = hooks
        self.store = store
        self.policy = policy
        self.sleep = sleep

    def _once(self, name: str, payload: Mapping[str, Any]) -> tuple[str, Mapping[str, Any] | None, str]:
        stopwatch = timed()
        try:
            answer = self.hooks.his_request(name, payload)
        except Exception as exc:  # the HIS's failure is retried, never ours to hide
            code, answer, error = "", None, f"{type(exc).__name__}: {exc}"[:500]
        else:
            code, error = _code(answer), "" if answer is not None else "no HIS handler answered"
        if self.tell is not None:
            interface = next(i for i, n in CALLBACKS.items() if n == name)
            self.tell(OnlineCall(interface, "", mask_input(dict(payload)), mask_input(dict(answer or {})),
                                 code == "0", "" if code == "0" else (error or f"resultCode {code!r}"), stopwatch(),
                                 "his"))
        return code, answer, error

    def ask(self, interface: str, payload: Mapping[str, Any]) -> Mapping[str, Any]:
        """HIS23 / HIS25 now: the HIS's answer, retried per the policy; ``BusinessError`` when it
        refuses (-1), ``StateError`` when it never answers within the policy."""
        name = CALLBACKS[interface]
        last = ""
        for attempt in range(1, self.policy.attempts + 1):
            code, answer, last = self._once(name, payload)
            if code == "0" and answer is not None:
                return answer
            if code == "-1":
                raise BusinessError(str((answer or {}).get("resultMsg") or "HIS refused"), infno=interface)
            last = last or f"resultCode {code!r}"
            if attempt < self.policy.attempts:
                self.sleep(self.policy.delay(attempt))
        raise StateError(f"the HIS did not answer {name} after {self.policy.attempts} attempts: {last}",
                             infno=interface)

    def confirm(self, med_org_ord: str, payload: Mapping[str, Any]) -> str:
        """HIS24: keep the confirmation (once per order) and try to deliver it now; its state."""
        now = utc_now()
        row = self.store.one("online_outbox", name="settlement_confirm", med_org_ord=med_org_ord)
        if row is None:
            try:
                self.store.insert("online_outbox", {
                    "name": "settlement_confirm", "med_org_ord": med_org_ord, "payload": dict(payload),
                    "state": "PENDING", "next_attempt_at": now, "created_at": now, "updated_at": now})
            except DuplicateRow:  # another process kept it first (the primary key): it is there now
                pass
        return self._deliver(med_org_ord)

    def _deliver(self, med_org_ord: str) -> str:
        row = self.store.one("online_outbox", name="settlement_confirm", med_org_ord=med_org_ord)
        if row is None or row["state"] != "PENDING":
            return row["state"] if row else "NONE"
        code, answer, error = self._once("settlement_confirm", row["payload"])
        attempts = int(row["attempts"]) + 1
        if code == "0":
            state = "DONE"
        elif code == "-1":
            state = "REFUSED"
            log.error("his_refused_settlement", med_org_ord=med_org_ord, answer=str(answer)[:200])
        elif attempts >= self.policy.attempts:
            state = "NEEDS_ATTENTION"
            log.error("his_unreachable", med_org_ord=med_org_ord, attempts=attempts, error=error or code)
        else:
            state = "PENDING"
        due = datetime.now(UTC) + timedelta(seconds=self.policy.delay(attempts))
        self.store.update("online_outbox", {"name": "settlement_confirm", "med_org_ord": med_org_ord},
                          {"state": state, "attempts": attempts, "answer": dict(answer) if answer else None,
                           "last_error": error or (None if code == "0" else f"resultCode {code!r}"),
                           "next_attempt_at": due.isoformat(timespec="microseconds"), "updated_at": utc_now()},
                          ["PENDING"])
        return state

    def deliver_due(self) -> dict[str, int]:
        """Every pending confirmation whose next attempt is due: ``{state: count}``."""
        now = utc_now()
        counts: dict[str, int] = {}
        for row in self.store.in_states("online_outbox", ["PENDING"]):
            if row["next_attempt_at"] <= now:
                state = self._deliver(row["med_org_ord"])
                counts[state] = counts.get(state, 0) + 1
        return counts

    def outbox(self) -> list[dict[str, Any]]:
        return self.store.many("online_outbox")
