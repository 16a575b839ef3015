"""The engine: one transaction through its layers, the way httpx stacks send -> auth -> single request.

::

    send(call)
      prepare     fixed values, validate, normalise          (:mod:`.prepare`)   fails: nothing sent, refusal journaled
      guards      bill key claimed, person unresolved         (:mod:`.idempotency`, :mod:`.guards`)
      session     sign_no of the operator and terminal        (:mod:`.sessions`)
      journal     msgid, INTENT+SENT in one commit            (yibao.core.journal)  -- before any byte leaves
      transport   sign, post, classify the answer             (yibao.core.transport)
      outcome     SUCCEEDED / FAILED / NOT_SENT / UNKNOWN committed; UNKNOWN queued for 2601

The session comes before the journal: a sign-in (9001) is itself a message, and a row must not
be marked SENT while its bytes wait for another exchange.  No layer holds a reference back to a
client object; the engine's collaborators are given to it.  Observers (:class:`Observer`) see
each envelope before it leaves and each answer after it came back; the acceptance run records
what really went on the wire through one.

No message that changes state is ever re-sent under a new msgid: the only second send is the
replay of the *same* msgid after the centre refused the sign-in (it committed nothing).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import IO, Any, Protocol

import attrs
import structlog

from ..catalog.kinds import CANCEL_INFNOS, SETTLEMENT_INFNOS
from ..clock import Clock, in_shanghai
from ..envelope import Envelope, EnvelopeFactory, Reply
from ..errors import (
    BusinessError,
    GatewayError,
    NotSentError,
    OutcomeUnknownError,
    StateError,
    ValidationError,
    YibaoError,
)
from ..journal import Entry, Journal, State
from ..masking import mask_input, names_in, scrub_text
from ..plugins import RegionHooks, RegionProfile
from ..transport import Transport
from .call import Call, Operator, Prepared
from .guards import PersonGuard
from .idempotency import BillKeys, derived_key, fingerprint
from .interrupts import Interrupted
from .journaling import hand_reversal_of, journal_refusal, write_intent
from .persons import Persons
from .prepare import Preparer
from .results import Settlement, ledger_columns
from .sessions import SessionManager, Who, is_invalid_sign_in

__all__ = ["Engine", "Observer", "Send", "Sender"]

log = structlog.get_logger("yibao.engine")

_SESSION_INFNOS = frozenset({"9001", "9002"})


class Observer(Protocol):
    """Sees each envelope before it leaves and what came back (a reply or the error)."""

    def before_send(self, envelope: Envelope) -> None: ...

    def after_reply(self, envelope: Envelope, reply: Reply | None, error: YibaoError | None) -> None: ...


@attrs.frozen
class Sender:
    """Who sends: the institution's code, and the default operator and terminal."""

    fixmedins_code: str
    operator: Operator
    terminal: str


class Engine:
    """Sends transactions for one institution in one region."""

    def __init__(
        self,
        *,
        profile: RegionProfile,
        hooks: RegionHooks,
        prepare: Preparer,
        journal: Journal,
        transport: Transport,
        envelopes: EnvelopeFactory,
        sessions: SessionManager,
        who: Sender,
        clock: Clock,
        reversal_delay: int,
        path_override: str = "",
    ) -> None:
        self.profile = profile
        self.hooks = hooks
        self.prepare = prepare
        self.journal = journal
        self.transport = transport
        self.envelopes = envelopes
        self.sessions = sessions
        self.who = who
        self.clock = clock
        self.persons = Persons()
        self.keys = BillKeys(journal)
        self.person_guard = PersonGuard(journal, self.now)
        self.reversal_delay = reversal_delay
        self.path_override = path_override
        self.observers: list[Observer] = []
        #: called with the original a 2601 sent by hand reversed (the client runs the region's follow-up)
        self.after_hand_reversal: Callable[[Entry], Any] | None = None
        #: the last message an interrupt (Ctrl-C, SIGTERM) caught on the wire, for the CLI to report
        self.interrupted: Interrupted | None = None
        # A bound logger: structlog's module-level proxy binds anew on every call, even for a
        # filtered-out debug line; this one's debug is a no-op unless debug logging is on.
        self._log = structlog.get_logger("yibao.engine").bind(region=profile.code)
        sessions.bind(self.send)

    # ------------------------------------------------------------------ helpers

    def now(self) -> datetime:
        """The clock as an aware datetime (a naive test clock is Beijing time)."""
        return in_shanghai(self.clock())

    def path_for(self, infno: str) -> str:
        if self.path_override and infno not in ("9101", "9102"):
            return self.path_override
        return self.profile.routing.path_for(infno)

    def _who(self, call: Call) -> Who:
        return call.operator or self.who.operator, call.terminal or self.who.terminal

    def _sign_no(self, prepared: Prepared, who: Who) -> str:
        if prepared.journaled or prepared.infno == "9002":
            return self.sessions.current(who)
        return self.sessions.known(who)

    # ------------------------------------------------------------------ the pipeline

    def send(self, call: Call, *, first: Call | None = None) -> Reply:
        """Send one transaction; the successful :class:`Reply` (``msgid`` set), or an error
        of its outcome class (:mod:`yibao.core.errors`).

        ``first`` is the bill's pre-settlement (2101 / 2206 / 2303): sent after the bill's key
        is claimed and the person checked, so a replayed bill sends nothing at all."""
        try:
            prepared = self.prepare(call)
        except ValidationError as exc:
            journal_refusal(self.journal, self.prepare.catalog, call, exc, self._refusal_where(call))
            raise
        key: str | None = None
        wanted = call.idem_key or (derived_key(call.infno, prepared.input) if call.derive_key else None)
        if prepared.kind == "money" and wanted:
            key, stored = self.keys.claim(wanted, fingerprint(call.infno, prepared.input))
            if stored is not None:
                log.info("replayed", infno=call.infno, msgid=stored.msgid)
                return self._finish(prepared, stored)
        try:
            self.person_guard.check(prepared)
            if first is not None:
                self.send(first)
            who = self._who(call)
            sign_no = self._sign_no(prepared, who)
            msgid = self.journal.allocate_msgid(self.who.fixmedins_code, who[1])
            envelope = self._envelope(prepared, msgid, sign_no, who)
            if prepared.journaled:
                write_intent(self.journal, prepared, envelope, who, self.profile.code, key)
        except BaseException:
            if key:
                self.keys.release(key)
            raise
        return self._exchange(prepared, envelope, who, key)

    def _envelope(self, prepared: Prepared, msgid: str, sign_no: str, who: Who) -> Envelope:
        call = prepared.call
        insuplc = call.insuplc_admdvs if call.insuplc_admdvs is not None else \
            self.persons.insuplc_for(prepared.psn_no, _text(prepared.input, "insuplc_admdvs"))
        op = who[0]
        operator = None if op is self.who.operator else (op.opter, op.opter_name, op.opter_type)
        return self.envelopes.build(infno=call.infno, msgid=msgid, input=prepared.input, now=self.now(),
                                    insuplc_admdvs=insuplc, sign_no=sign_no, operator=operator)

    def _exchange(self, prepared: Prepared, envelope: Envelope, who: Who, key: str | None) -> Reply:
        j, journaled, msgid = self.journal, prepared.journaled, envelope.msgid
        for attempt in (1, 2):
            self._before(envelope)
            try:
                reply = self.transport.send(self.path_for(envelope.infno), envelope)
                if prepared.kind == "money" and reply.output is not None:
                    # A money reply is answered as the journal keeps it -- the names and ID numbers
                    # the centre echoes masked -- so that a replay of the bill is the same answer
                    # (and no journal file holds them; issue 10 #11).  1101 is answered in full.
                    reply = attrs.evolve(reply, output=mask_input(reply.output, diagnoses=True))
                if envelope.infno in SETTLEMENT_INFNOS:
                    reply = attrs.evolve(reply, settlement=_identifiable(envelope.infno, msgid, reply))
            except BusinessError as exc:
                if attempt == 1 and journaled and envelope.infno not in _SESSION_INFNOS \
                        and is_invalid_sign_in(exc.err_msg):
                    # The centre refused the sign-in and committed nothing: sign in once more and
                    # replay the SAME msgid once (never a new msgid for a state-changing message).
                    j.record_outcome(msgid, State.NOT_SENT, err_msg=f"sign-in refused: {exc.err_msg}")
                    log.warning("sign_in_invalid", infno=envelope.infno, msgid=msgid)
                    envelope = attrs.evolve(envelope, sign_no=self.sessions.refresh(who))
                    j.transition(msgid, [State.NOT_SENT], State.SENT)
                    continue
                exc.scrub(self._scrubber(prepared))  # the centre's words may name the patient
                self._failed(prepared, envelope, exc, key, State.FAILED, exc.err_msg,
                             infcode=exc.infcode, inf_refmsgid=exc.inf_refmsgid or None)
                raise
            except GatewayError as exc:
                self._failed(prepared, envelope, exc, key, State.FAILED, exc.message)
                raise
            except NotSentError as exc:
                self._failed(prepared, envelope, exc, key, State.NOT_SENT, exc.message)
                raise
            except OutcomeUnknownError as exc:
                self._unknown(prepared, envelope, key, exc.message)
                self._after(envelope, None, exc)
                raise
            except BaseException as exc:
                # Ctrl-C, SIGTERM, a bug: the bytes may have left, so the centre may have committed.
                at = self._unknown(prepared, envelope, key, "interrupted while the request was on the wire")
                self.interrupted = Interrupted(envelope.infno, msgid, at, envelope.infno in self.profile.reversible)
                exc.add_note(self.interrupted.explain())
                raise
            return self._succeeded(prepared, envelope, reply, key)
        raise AssertionError("unreachable")  # pragma: no cover

    # ------------------------------------------------------------------ outcomes

    def _scrubber(self, prepared: Prepared) -> Callable[[str], str]:
        """Masks personal data in the centre's text: IDs, phones, cards and the names of the
        persons this message is about (from its input, or what 1101 said of its ``psn_no``)."""
        names = names_in(prepared.input)
        known = self.persons.name_of(prepared.psn_no)
        if known:
            names.add(known)
        return lambda text: scrub_text(text, names)

    def _succeeded(self, prepared: Prepared, envelope: Envelope, reply: Reply, key: str | None) -> Reply:
        msgid = envelope.msgid
        if envelope.infno == "1101":
            self.persons.learn_from_1101(reply.output)
        if reply.warn_msg:
            reply = attrs.evolve(reply, warn_msg=self._scrubber(prepared)(reply.warn_msg))
        settlement = reply.settlement or self._settlement(envelope.infno, msgid, reply.output)
        unfinished: StateError | None = None
        undone = hand_reversal_of(prepared.call) if prepared.journaled else None
        # The outcome and the bill's key commit together (one fsync, and no moment at which the
        # journal says SUCCEEDED while the key is still in progress).  A key that is no longer
        # ours must not undo the outcome: it is reported after the commit, as before.  A 2601
        # by hand that the centre accepted undoes its original in the same commit.
        with self._together(prepared.journaled + bool(key) + bool(undone)):
            if prepared.journaled:
                self.journal.record_outcome(msgid, State.SUCCEEDED, output=reply.output, infcode=reply.infcode,
                                            inf_refmsgid=reply.inf_refmsgid or None, fetch=False,
                                            output_masked=prepared.kind == "money",
                                            **(ledger_columns(settlement) if settlement else {}))
            moved = self.journal.reversed_by_hand(undone[0], msgid) if undone else None
            if key:
                try:
                    self.keys.complete(key, reply, msgid)
                except StateError as exc:
                    unfinished = exc
        if moved is not None and self.after_hand_reversal is not None:
            self.after_hand_reversal(moved)  # the region's follow-up, as after the queue's own 2601
        if unfinished is not None:
            raise unfinished
        result = self._warned(attrs.evolve(reply, settlement=settlement)) if settlement is not None else reply
        self._log.debug("sent", infno=envelope.infno, msgid=msgid, outcome="ok")
        self._after(envelope, result, None)
        return result

    def _together(self, writes: int) -> AbstractContextManager[None]:
        """One journal transaction for the ``writes`` an outcome makes (its row, its key, its
        first 2601), when there is more than one: a single statement commits on its own, and a
        query with no key writes nothing."""
        return self.journal.database.transaction() if writes > 1 else contextlib.nullcontext()

    def _finish(self, prepared: Prepared, stored: Reply) -> Reply:
        """A replayed reply gets its settlement and the region's warnings like a live one."""
        settlement = self._settlement(prepared.infno, stored.msgid, stored.output)
        return self._warned(attrs.evolve(stored, settlement=settlement))

    @staticmethod
    def _settlement(infno: str, msgid: str, output: Any) -> Settlement | None:
        if infno in SETTLEMENT_INFNOS or infno in CANCEL_INFNOS:
            return Settlement.from_output(infno, msgid, output)
        return None

    def _warned(self, reply: Reply) -> Reply:
        s = reply.settlement
        if s is None:
            return reply
        try:
            warnings = self.hooks.after_settle(s.infno, s)
        except Exception as exc:  # the money is settled: a plugin's failure must not hide that
            log.error("after_settle_failed", infno=s.infno, msgid=s.msgid, error=type(exc).__name__)
            return reply
        return attrs.evolve(reply, settlement=s.with_warnings(warnings))

    def _failed(self, prepared: Prepared, envelope: Envelope, exc: YibaoError, key: str | None, state: State,
                why: str, **columns: Any) -> None:
        with self._together(prepared.journaled + bool(key)):  # the outcome and the key's release: one commit
            if prepared.journaled:
                self.journal.record_outcome(envelope.msgid, state, err_msg=why, **columns)
            if key:
                self.keys.release(key)
        self._after(envelope, None, exc)

    def _unknown(self, prepared: Prepared, envelope: Envelope, key: str | None, why: str) -> datetime | None:
        """Journal UNKNOWN and schedule the 2601; when it falls due (``None``: not journaled)."""
        msgid = envelope.msgid
        at = None
        # UNKNOWN, its first 2601 and the key's "outcome unknown" commit together: a crash can
        # leave no UNKNOWN row without its reversal scheduled.
        with self._together(2 * prepared.journaled + bool(key)):
            if prepared.journaled:
                self.journal.record_outcome(msgid, State.UNKNOWN, err_msg=why)
                at = self.now() + timedelta(seconds=self.reversal_delay)
                self.journal.schedule_reversal(msgid, at, 0, None)
            if key:
                self.keys.unknown(key, msgid)
        if at is not None:
            log.warning("outcome_unknown", infno=envelope.infno, msgid=msgid, first_reversal_at=at.isoformat(),
                        reversible=envelope.infno in self.profile.reversible)
        return at

    # ------------------------------------------------------------------ observers

    def _before(self, envelope: Envelope) -> None:
        if self.hooks.observes_envelopes:
            self.hooks.before_send(envelope.infno, envelope.to_dict())
        for observer in self.observers:
            observer.before_send(envelope)

    def _after(self, envelope: Envelope, reply: Reply | None, error: YibaoError | None) -> None:
        for observer in self.observers:
            observer.after_reply(envelope, reply, error)

    def _refusal_where(self, call: Call) -> dict[str, str]:
        op, terminal = self._who(call)
        return {"region": self.profile.code, "fixmedins_code": self.who.fixmedins_code, "opter": op.opter,
                "terminal": terminal}

    # ------------------------------------------------------------------ files

    def download(self, call: Call, sink: IO[bytes], max_bytes: int) -> int:
        """9102 文件下载: the file streams into ``sink`` (at most ``max_bytes``); the bytes
        written (a JSON answer is an error of its class)."""
        prepared = self.prepare(call)
        who = self._who(call)
        msgid = self.journal.allocate_msgid(self.who.fixmedins_code, who[1])
        envelope = self._envelope(prepared, msgid, self.sessions.known(who), who)
        self._before(envelope)
        try:
            written = self.transport.download(self.path_for("9102"), envelope, sink, max_bytes)
        except YibaoError as exc:
            self._after(envelope, None, exc)
            raise
        self._after(envelope, Reply(infcode=0, msgid=msgid, output={"bytes": written}), None)
        return written


def _text(data: Any, key: str) -> str | None:
    from .call import text_field

    return text_field(data, key) if isinstance(data, dict) else None


Send = Callable[[Call], Reply]


def _identifiable(infno: str, msgid: str, reply: Reply) -> Settlement:
    """A settlement answered infcode 0 must say which settlement it made: without a readable
    ``setlinfo.setl_id`` (and amounts) it cannot be cancelled or reconciled, so it is UNKNOWN
    and reversed like a lost answer (reliability.md §2 case 9: missing ``output``)."""
    try:
        settlement = Settlement.from_output(infno, msgid, reply.output)
    except Exception as exc:  # cattrs: an amount that is not a number, a field of the wrong shape
        raise OutcomeUnknownError(f"infcode 0 with an unreadable setlinfo ({type(exc).__name__})",
                                  infno=infno, msgid=msgid) from None
    if not settlement.setl_id:
        raise OutcomeUnknownError("infcode 0 without setlinfo.setl_id: the settlement cannot be identified",
                                  infno=infno, msgid=msgid)
    return settlement
