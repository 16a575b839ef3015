"""Automatic reversal of unknown outcomes: 2601 冲正交易, store-and-forward.

An UNKNOWN outcome of a reversible transaction (2102, 2207, 2304 and the others the profile
lists) is reversed by 2601 with ``psn_no``, ``omsgid`` = its msgid and ``oinfno`` = its infno
(spec_reference §10), after ``reversal.delay_seconds`` so that the 2601 does not overtake a
slow original (reliability.md §0.5).  Each attempt is a new 2601 message with a fresh msgid
and the same ``omsgid``; retries back off (capped, jittered) until acknowledged:

- infcode 0, or "already reversed"          -> REVERSED
- "original not found" (原交易不存在)        -> retried ``not_found_retries`` times, then NEEDS_ATTENTION
- not sent / unknown / any other refusal  -> retried; after ``max_attempts`` NEEDS_ATTENTION

The queue lives in the journal, so it survives restarts; it runs when a client or the service
starts (an explicit :meth:`ReversalQueue.run_due`), before the next settlement of the same
person (:class:`~yibao.core.engine.guards.PersonGuard`) and on ``yibao journal recover``.
"""

from __future__ import annotations

import contextlib
import random
import re
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import attrs
import structlog

from ..catalog.kinds import REVERSAL_INFNO
from ..config import ReversalConfig
from ..errors import BusinessError, GatewayError, NotSentError, OutcomeUnknownError, StateError, ValidationError
from ..journal import Entry, IllegalTransition, Journal, State, owners
from ..plugins import RegionHooks
from .call import Call

__all__ = ["RecoverReport", "ReversalQueue"]

log = structlog.get_logger("yibao.reversal")

_ALREADY = re.compile(r"已冲正|已经冲正|已撤销|already reversed|已被冲正")
_NOT_FOUND = re.compile(r"不存在|未找到|not found|无此")


@attrs.define
class RecoverReport:
    """What a recovery pass did; ``follow_ups`` = msgid -> infnos a plugin sent after its reversal."""

    reversed: list[str] = attrs.field(factory=list)
    pending: list[str] = attrs.field(factory=list)
    needs_attention: list[str] = attrs.field(factory=list)
    not_sent: list[str] = attrs.field(factory=list)
    follow_ups: dict[str, list[str]] = attrs.field(factory=dict)
    #: what the client's start-up run reversed before the command's own pass (the CLI fills it)
    startup: list[str] = attrs.field(factory=list)

    @property
    def unresolved(self) -> list[str]:
        return self.pending + self.needs_attention

    def merge(self, other: RecoverReport) -> None:
        self.reversed += other.reversed
        self.not_sent += other.not_sent
        self.follow_ups.update(other.follow_ups)

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


class ReversalQueue:
    """Drains the journal's reversal queue of one institution."""

    BACKOFF_BASE = 2.0
    BACKOFF_CAP = 300.0

    def __init__(self, journal: Journal, send: Callable[[Call], Any], hooks: RegionHooks,
                 reversible: frozenset[str], policy: ReversalConfig, now: Callable[[], datetime]) -> None:
        self._journal = journal
        self._send = send
        self._hooks = hooks
        self._reversible = reversible
        self._policy = policy
        self.now = now

    def backoff(self, attempts: int) -> float:
        """Capped exponential backoff in seconds, plus jitter (kept apart for tests)."""
        return min(self.BACKOFF_CAP, self.BACKOFF_BASE * (2.0 ** attempts)) + self.jitter()

    def jitter(self) -> float:
        return random.uniform(0, 1.0)

    # ------------------------------------------------------------------ running

    def recover_interrupted(self) -> list[str]:
        """Rows a crashed process left: INTENT was never sent, SENT may have been.

        The bill's idempotency key the crashed process held is settled the same way: freed
        when nothing was sent (the HIS may submit the bill again), otherwise marked as waiting
        for this reversal (the bill settles again once it is REVERSED)."""
        j = self._journal
        moved = []
        # A row younger than this may be a live terminal's settlement still on the wire.
        older_than = self.now() - timedelta(seconds=self._policy.interrupted_after_seconds)
        for entry in j.interrupted(older_than=older_than):
            if entry.state == State.INTENT:
                j.record_outcome(entry.msgid, State.NOT_SENT, err_msg="process stopped before sending")
                if entry.idem_key:
                    j.release_key(entry.idem_key)
            elif entry.state == State.SENT:
                j.record_outcome(entry.msgid, State.UNKNOWN, err_msg="process stopped before the outcome was recorded")
                if entry.infno != REVERSAL_INFNO:
                    j.schedule_reversal(entry.msgid, self.now() + timedelta(seconds=self._policy.delay_seconds), 0,
                                        None)
                if entry.idem_key:
                    with contextlib.suppress(StateError):  # already completed: nothing to mark
                        j.complete_key(entry.idem_key, {"unknown_msgid": entry.msgid})
            moved.append(entry.msgid)
        return moved

    def run_due(self, *, now: datetime | None = None) -> RecoverReport:
        """One pass over the due entries."""
        report = RecoverReport()
        for entry in self._journal.claim_due_reversals(now or self.now(), owners.me(), 60):
            if entry.infno != REVERSAL_INFNO:
                self.reverse_one(entry, report)
        return report

    def recover(self, *, wait: bool = True, max_wait: float | None = None, at_once: bool = False,
                progress: Callable[[str], None] | None = None) -> RecoverReport:
        """``yibao journal recover``: interrupted rows, then every due reversal until none is pending.

        With ``wait`` it sleeps until queued reversals fall due, at most ``max_wait`` seconds in
        all (default ``reversal.recover_max_wait_seconds``, 120); what is still pending then is
        reported, never dropped.  ``at_once`` sends every queued 2601 now, overriding ``reversal.delay_seconds``
        on the operator's word (the delay exists so that a 2601 does not overtake a slow
        original: use it once the original cannot still be on its way); a 2601 that fails then
        is retried on its backoff.
        ``progress`` is told each wait and each reversal, one line each.
        """
        say = progress or (lambda line: None)
        report = RecoverReport(not_sent=[m for m in self.recover_interrupted()
                                         if (e := self._journal.get(m)) and e.state == State.NOT_SENT])
        if max_wait is None:
            max_wait = float(self._policy.recover_max_wait_seconds)
        deadline = time.monotonic() + max_wait
        # ``at_once`` overrides the schedule of the first pass only: a 2601 that then fails is
        # retried on its backoff, not hammered.
        when: datetime | None = self.now() + timedelta(days=3650) if at_once else None
        while True:
            passed = self.run_due(now=when)
            when = None
            for m in passed.reversed:
                say(f"reversed {m} (2601 acknowledged)")
            report.merge(passed)
            pending = self.unresolved()
            if not pending or not wait:
                break
            due = [e.next_attempt_at for e in pending if e.state != State.NEEDS_ATTENTION and e.next_attempt_at]
            if not due:
                break
            delay = (min(due) - self.now()).total_seconds()
            left = deadline - time.monotonic()
            if delay > left:
                say(f"{len(due)} reversal(s) not due within --max-wait ({max_wait:.0f} s): the next in {delay:.0f} s")
                break
            if delay >= 1:
                say(f"waiting {delay:.0f} s for {len(due)} reversal(s) to fall due ({left:.0f} s of --max-wait left)")
            time.sleep(max(0.05, delay))
        for e in self.unresolved():
            (report.needs_attention if e.state == State.NEEDS_ATTENTION else report.pending).append(e.msgid)
        return report

    def unresolved(self) -> list[Entry]:
        """UNKNOWN, REVERSING and NEEDS_ATTENTION entries (2601 rows left out)."""
        rows = self._journal.list(state=State.UNKNOWN) + self._journal.list(state=State.REVERSING) \
            + self._journal.list(state=State.NEEDS_ATTENTION)
        return [e for e in rows if e.infno != REVERSAL_INFNO]

    # ------------------------------------------------------------------ one reversal

    def reverse_one(self, entry: Entry, report: RecoverReport | None = None) -> State:
        """Send one 2601 for ``entry`` and move it according to the answer."""
        j, policy = self._journal, self._policy
        if entry.state in (State.UNKNOWN, State.NEEDS_ATTENTION):
            entry = j.transition(entry.msgid, [entry.state], State.REVERSING)
        if entry.infno not in self._reversible:
            return self._attention(entry, f"{entry.infno} cannot be reversed with 2601: check at the centre")
        data = {"data": {"psn_no": entry.psn_no or "", "omsgid": entry.msgid, "oinfno": entry.infno}}
        attempts = (entry.attempts or 0) + 1
        try:
            sent = self._send(Call(REVERSAL_INFNO, data, insuplc_admdvs=entry.insuplc_admdvs or "",
                                   omsgid=entry.msgid, oinfno=entry.infno))
        except BusinessError as exc:
            if _ALREADY.search(exc.err_msg):
                return self._done(entry, report, note=exc.err_msg)
            if _NOT_FOUND.search(exc.err_msg) and attempts > policy.not_found_retries:
                return self._attention(entry, f"2601 answered '{exc.err_msg}' {attempts} times")
            if attempts >= policy.max_attempts:
                # Any other refusal (e.g. "人员编号与原交易不符") would otherwise be retried for
                # ever: escalate after the same bound as transport failures (reliability.md §1).
                return self._attention(entry, f"2601 refused {attempts} times; last: {exc.err_msg}")
            return self._retry(entry, attempts, exc.err_msg, report)
        except (NotSentError, OutcomeUnknownError, GatewayError) as exc:
            if attempts >= policy.max_attempts:
                return self._attention(entry, f"2601 failed {attempts} times; last: {exc.message}")
            return self._retry(entry, attempts, exc.message, report)
        except ValidationError as exc:
            return self._attention(entry, f"2601 could not be built: {exc.message}")
        return self._done(entry, report, by=getattr(sent, "msgid", None) or None)

    def _done(self, entry: Entry, report: RecoverReport | None, note: str = "", by: str | None = None) -> State:
        try:
            self._journal.transition(entry.msgid, [State.REVERSING], State.REVERSED, reversed_by=by)
        except IllegalTransition:
            # a 2601 sent by hand for the same original got there first (Journal.reversed_by_hand)
            now = self._journal.get(entry.msgid)
            if now is None or now.state is not State.REVERSED:
                raise
            return State.REVERSED
        log.warning("reversed", infno=entry.infno, msgid=entry.msgid, note=note)
        if report is not None:
            report.reversed.append(entry.msgid)
        return self.follow_up(entry, report)

    def follow_up(self, entry: Entry, report: RecoverReport | None = None) -> State:
        """The region's follow-up after ``entry`` was reversed (``yibao_after_reversal``: Yunnan
        2405 + 2301 after a 2304), by this queue or by a 2601 sent by hand."""

        def call(infno: str, data: Mapping[str, Any]) -> Any:
            return self._send(Call(infno, data)).output

        try:
            follow_ups = self._hooks.after_reversal(attrs.asdict(entry), call)
        except Exception as exc:  # the reversal stands; the follow-up is for a person to finish
            log.error("after_reversal_failed", infno=entry.infno, msgid=entry.msgid, error=str(exc)[:300])
            self._journal.note(entry.msgid, f"follow-up after the reversal failed: {str(exc)[:300]}")
            return State.REVERSED
        if follow_ups:
            self._journal.note(entry.msgid, "follow-up sent: " + ", ".join(follow_ups))
            if report is not None:
                report.follow_ups[entry.msgid] = follow_ups
        return State.REVERSED

    def _retry(self, entry: Entry, attempts: int, why: str, report: RecoverReport | None) -> State:
        at = self.now() + timedelta(seconds=self.backoff(attempts))
        self._journal.schedule_reversal(entry.msgid, at, attempts, why[:500])
        if report is not None:
            report.pending.append(entry.msgid)
        return State.REVERSING

    def _attention(self, entry: Entry, why: str) -> State:
        self._journal.transition(entry.msgid, [State.REVERSING], State.NEEDS_ATTENTION, err_msg=why[:2000])
        log.error("reversal_needs_attention", infno=entry.infno, msgid=entry.msgid, reason=why,
                  alert="a person may have been charged without the HIS knowing: resolve by hand")
        return State.NEEDS_ATTENTION

