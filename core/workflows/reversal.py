"""Automatic reversal of unknown outcomes: 2601 冲正交易, store-and-forward.

An UNKNOWN outcome of a reversible transaction (2102, 2207, 2304 and the others the profile
lists) is reversed by 2601 with ``psn_no``, ``omsgid`` = its msgid and ``oinfno`` = its infno
(spec_reference §10), after ``reversal.delay_seconds`` so that the 2601 does not overtake a
slow original (reliability.md §0.5).  Each attempt is a new 2601 message with a fresh msgid
and the same ``omsgid``; retries back off (capped, jittered) until acknowledged:

- infcode 0, or "already reversed"          -> REVERSED
- "original not found" (原交易不存在)        -> retried ``not_found_retries`` times, then NEEDS_ATTENTION
- not sent / unknown / any other refusal  -> retried; after ``max_attempts`` NEEDS_ATTENTION

The queue lives in the journal, so it survives restarts; it runs at start-up, before the next
settlement of the same person and on ``yibao journal recover``.
"""

from __future__ import annotations

import contextlib
import random
import re
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import attrs
import structlog

from ..errors import BusinessError, GatewayError, NotSentError, OutcomeUnknownError, StateError, ValidationError
from ..journal import Entry, State

if TYPE_CHECKING:
    from ..client import Client

__all__ = ["RecoverReport", "ReversalQueue"]

log = structlog.get_logger("yibao.reversal")

_ALREADY = re.compile(r"已冲正|已经冲正|已撤销|already reversed|已被冲正")
_NOT_FOUND = re.compile(r"不存在|未找到|not found|无此")


@attrs.define
class RecoverReport:
    reversed: list[str] = attrs.field(factory=list)
    pending: list[str] = attrs.field(factory=list)
    needs_attention: list[str] = attrs.field(factory=list)
    not_sent: list[str] = attrs.field(factory=list)

    @property
    def unresolved(self) -> list[str]:
        return self.pending + self.needs_attention


class ReversalQueue:
    """Drains the journal's reversal queue for one client."""

    BACKOFF_BASE = 2.0
    BACKOFF_CAP = 300.0

    def __init__(self, client: Client) -> None:
        self.client = client

    # ------------------------------------------------------------------ scheduling

    def schedule_new(self, msgid: str) -> None:
        """Queue the first 2601 of a freshly UNKNOWN entry after the configured delay."""
        entry = self.client.journal.get(msgid)
        if entry is None:
            return
        at = self.now() + timedelta(seconds=self.client.config.reversal.delay_seconds)
        self.client.journal.schedule_reversal(msgid, at, 0, None)
        log.warning("outcome_unknown", infno=entry.infno, msgid=msgid,
                    reversible=entry.infno in self.client.profile.reversible, first_reversal_at=at.isoformat())

    def backoff(self, attempts: int) -> float:
        """Capped exponential backoff in seconds, plus jitter (kept apart for tests)."""
        return min(self.BACKOFF_CAP, self.BACKOFF_BASE * (2.0 ** attempts)) + self.jitter()

    def jitter(self) -> float:
        return random.uniform(0, 1.0)

    def now(self) -> datetime:
        """The client's clock as an aware datetime: the journal's times are aware UTC, and
        the injected clock (``datetime.now`` by default) is naive local time."""
        now = self.client.clock()
        return now if now.tzinfo is not None else now.astimezone()

    # ------------------------------------------------------------------ running

    def settle_person_first(self, psn_no: str) -> None:
        """Before a new settlement: resolve this person's due reversals, refuse if any is left."""
        found = [e for e in self.client.journal.unresolved_for_person(psn_no) if e.infno != "2601"]
        if not found:
            return  # the common case: one indexed read, nothing to do
        for entry in found:
            if entry.next_attempt_at is not None and entry.next_attempt_at <= self.now():
                self.reverse_one(entry)
        left = [e for e in self.client.journal.unresolved_for_person(psn_no) if e.infno != "2601"]
        if left:
            e = left[0]
            raise StateError(
                f"person {psn_no[:4]}****: an earlier {e.infno} ({e.msgid}) has an unresolved outcome "
                f"({e.state.value}); it is being reversed with 2601 — settle again once `yibao journal recover` "
                "reports it resolved",
                infno=e.infno, msgid=e.msgid,
            )

    def recover_interrupted(self) -> list[str]:
        """Rows a crashed process left: INTENT was never sent, SENT may have been.

        The bill's idempotency key the crashed process held is settled the same way: freed
        when nothing was sent (the HIS may submit the bill again), otherwise marked as waiting
        for this reversal (the bill settles again once it is REVERSED)."""
        j = self.client.journal
        moved = []
        # A row younger than this may be a live terminal's settlement still on the wire.
        older_than = self.now() - timedelta(seconds=self.client.config.reversal.interrupted_after_seconds)
        for entry in j.interrupted(older_than=older_than):
            if entry.state == State.INTENT:
                j.record_outcome(entry.msgid, State.NOT_SENT, err_msg="process stopped before sending")
                if entry.idem_key:
                    j.release_key(entry.idem_key)
            elif entry.state == State.SENT:
                j.record_outcome(entry.msgid, State.UNKNOWN,
                                 err_msg="process stopped before the outcome was recorded")
                if entry.infno != "2601":
                    self.schedule_new(entry.msgid)
                if entry.idem_key:
                    with contextlib.suppress(StateError):  # already completed: nothing to mark
                        j.complete_key(entry.idem_key, {"unknown_msgid": entry.msgid})
            moved.append(entry.msgid)
        return moved

    def run_due(self, *, now: datetime | None = None) -> RecoverReport:
        """One pass over the due entries."""
        report = RecoverReport()
        now = now or self.now()
        for entry in self.client.journal.claim_due_reversals(now, self._worker_id(), 60):
            if entry.infno == "2601":
                continue
            self.reverse_one(entry, report)
        return report

    def recover(self, *, wait: bool = True, max_wait: float = 120.0) -> RecoverReport:
        """``yibao journal recover``: interrupted rows, then every due reversal until none is pending.

        With ``wait`` it sleeps until queued reversals fall due (at most ``max_wait`` seconds).
        """
        report = RecoverReport(not_sent=[m for m in self.recover_interrupted()
                                         if (e := self.client.journal.get(m)) and e.state == State.NOT_SENT])
        deadline = time.monotonic() + max_wait
        while True:
            one = self.run_due()
            report.reversed += one.reversed
            pending = self._unresolved()
            if not pending or not wait or time.monotonic() > deadline:
                break
            due = [e.next_attempt_at for e in pending if e.state != State.NEEDS_ATTENTION and e.next_attempt_at]
            if not due:
                break
            delay = (min(due) - self.now()).total_seconds()
            if delay > max(0.0, deadline - time.monotonic()):
                break
            time.sleep(max(0.05, delay))
        for e in self._unresolved():
            (report.needs_attention if e.state == State.NEEDS_ATTENTION else report.pending).append(e.msgid)
        return report

    def _unresolved(self) -> list[Entry]:
        rows = self.client.journal.list(state=State.UNKNOWN) + self.client.journal.list(state=State.REVERSING) \
            + self.client.journal.list(state=State.NEEDS_ATTENTION)
        return [e for e in rows if e.infno != "2601"]

    def _worker_id(self) -> str:
        import os
        import socket

        return f"{socket.gethostname()}:{os.getpid()}"

    # ------------------------------------------------------------------ one reversal

    def reverse_one(self, entry: Entry, report: RecoverReport | None = None) -> State:
        """Send one 2601 for ``entry`` and move it according to the answer."""
        from .sending import send_transaction

        j, cfg = self.client.journal, self.client.config.reversal
        if entry.state == State.UNKNOWN:
            entry = j.transition(entry.msgid, [State.UNKNOWN], State.REVERSING)
        elif entry.state == State.NEEDS_ATTENTION:
            entry = j.transition(entry.msgid, [State.NEEDS_ATTENTION], State.REVERSING)
        if entry.infno not in self.client.profile.reversible:
            return self._attention(entry, f"{entry.infno} cannot be reversed with 2601: check at the centre")
        data = {"data": {"psn_no": entry.psn_no or "", "omsgid": entry.msgid, "oinfno": entry.infno}}
        attempts = (entry.attempts or 0) + 1
        try:
            send_transaction(self.client, "2601", data, insuplc_admdvs=entry.insuplc_admdvs or "",
                             omsgid=entry.msgid, oinfno=entry.infno)
        except BusinessError as exc:
            if _ALREADY.search(exc.err_msg):
                return self._done(entry, report, note=exc.err_msg)
            if _NOT_FOUND.search(exc.err_msg) and attempts > cfg.not_found_retries:
                return self._attention(entry, f"2601 answered '{exc.err_msg}' {attempts} times")
            if attempts >= cfg.max_attempts:
                # Any other refusal (e.g. "人员编号与原交易不符") would otherwise be retried for
                # ever: escalate after the same bound as transport failures (reliability.md §1).
                return self._attention(entry, f"2601 refused {attempts} times; last: {exc.err_msg}")
            return self._retry(entry, attempts, exc.err_msg, report)
        except (NotSentError, OutcomeUnknownError, GatewayError) as exc:
            if attempts >= cfg.max_attempts:
                return self._attention(entry, f"2601 failed {attempts} times; last: {exc.message}")
            return self._retry(entry, attempts, exc.message, report)
        except ValidationError as exc:
            return self._attention(entry, f"2601 could not be built: {exc.message}")
        return self._done(entry, report)

    def _done(self, entry: Entry, report: RecoverReport | None, note: str = "") -> State:
        self.client.journal.transition(entry.msgid, [State.REVERSING], State.REVERSED)
        log.warning("reversed", infno=entry.infno, msgid=entry.msgid, note=note)
        if report is not None:
            report.reversed.append(entry.msgid)
        from .sending import send_transaction

        def call(infno: str, data: dict[str, object]) -> object:
            return send_transaction(self.client, infno, data).output

        self.client.pm.hook.yibao_after_reversal(profile=self.client.profile, entry=attrs.asdict(entry), call=call)
        return State.REVERSED

    def _retry(self, entry: Entry, attempts: int, why: str, report: RecoverReport | None) -> State:
        at = self.now() + timedelta(seconds=self.backoff(attempts))
        self.client.journal.schedule_reversal(entry.msgid, at, attempts, why[:500])
        if report is not None:
            report.pending.append(entry.msgid)
        return State.REVERSING

    def _attention(self, entry: Entry, why: str) -> State:
        self.client.journal.transition(entry.msgid, [State.REVERSING], State.NEEDS_ATTENTION, err_msg=why[:2000])
        log.error("reversal_needs_attention", infno=entry.infno, msgid=entry.msgid, reason=why,
                  alert="a person may have been charged without the HIS knowing: resolve by hand")
        return State.NEEDS_ATTENTION
