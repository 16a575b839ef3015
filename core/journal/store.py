"""The journal: durable intents and outcomes, the reversal queue, and the HIS-side ledger.

Every state-changing message is recorded as an INTENT (full and masked input) before it is
sent and its outcome after, one commit per step (reliability.md §1 "Write-ahead intent").
A settlement whose answer was lost is UNKNOWN and is reversed by 2601 冲正交易 (national
baseline 【2601】, ``omsgid`` = its msgid, ``oinfno`` = its infno) built from its row; a
money message is never re-sent under a new msgid.  See :mod:`.states` for the machine.

Transitions are compare-and-set (``UPDATE ... WHERE msgid = :msgid AND state IN (...)``): of two
processes racing to move one entry, one wins and the other gets :class:`IllegalTransition`.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, date, datetime
from types import TracebackType
from typing import Any

from .. import wire
from ..clock import business_date as beijing_date
from ..errors import StateError
from ..masking import mask_input, scrub_text
from . import idempotency, ledger, reversals, sessions
from .db import Database, DuplicateRow
from .entry import Entry, encode_columns, entry_from_row, marks, select_entries, state_values
from .idempotency import KeyClaim
from .ledger import SETTLEMENT_INFNOS
from .msgid import MsgidAllocator
from .reversals import REVERSAL_INFNO, REVERSIBLE_STATES
from .sessions import Session
from .states import (
    IN_FLIGHT_STATES,
    LEGAL_TRANSITIONS,
    OUTCOME_STATES,
    UNRESOLVED_STATES,
    IllegalTransition,
    State,
    check_transition,
)

__all__ = ["REVERSAL_INFNO", "SETTLEMENT_INFNOS", "Journal", "open_journal"]


def _visit_busy(infno: str | None, msgid: str, mdtrt_id: object) -> StateError:
    # The open-visit unique index refused it: another money message of this visit is open.
    return StateError(
        f"another money message of visit {mdtrt_id or '(this visit)'} is in flight or unresolved;"
        " resolve it (journal recover) before settling again",
        infno=infno,
        msgid=msgid,
    )


class Journal:
    """The store behind every workflow; open it with :func:`open_journal`.

    One instance holds one connection: use one per thread (or process).  ``clock`` (aware
    UTC "now") and ``msgid_clock`` / ``sleep`` (see :class:`.msgid.MsgidAllocator`) are
    injectable for tests.
    """

    def __init__(
        self,
        db: Database,
        *,
        clock: Callable[[], datetime] | None = None,
        msgid_clock: Callable[[], datetime] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self._db = db
        self._now = clock or (lambda: datetime.now(UTC))
        self._msgids = MsgidAllocator(db, clock=msgid_clock, sleep=sleep)

    @property
    def database(self) -> Database:
        """The journal's database, for components that keep their own tables beside it
        (the catalogue store; see :func:`register_migration`)."""
        return self._db

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._db.dialect

    def durability(self) -> dict[str, str]:
        """The durability settings in force, as the server reports them (see :mod:`.db`)."""
        return self._db.durability()

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- writing entries -----------------------------------------------------------------
    def allocate_msgid(self, fixmedins_code: str, terminal: str) -> str:
        """A msgid never issued before for this institution, from ``terminal``'s part of the
        sequence space (see :mod:`.msgid`)."""
        return self._msgids.allocate(fixmedins_code, terminal)

    def share_msgids(self, other: Journal) -> None:
        """Issue msgids from ``other``'s reserved blocks: journals of one process on one database
        (a service's workers) reserve once for all of them (see :meth:`.MsgidAllocator.share_blocks`)."""
        if other.database.url != self._db.url:
            raise ValueError("msgid blocks are shared only between journals on the same database")
        self._msgids.share_blocks(other._msgids)

    def record_intent(
        self,
        *,
        msgid: str,
        infno: str,
        region: str,
        fixmedins_code: str,
        opter: str,
        terminal: str,
        input_full: Mapping[str, Any],
        input_masked: Mapping[str, Any],
        kind: str,
        psn_no: str | None = None,
        mdtrt_id: str | None = None,
        setl_id: str | None = None,
        chrg_bchno: str | None = None,
        insuplc_admdvs: str | None = None,
        idem_key: str | None = None,
        omsgid: str | None = None,
        oinfno: str | None = None,
        business_date: date | None = None,
        sending: bool = False,
        fetch: bool = True,
    ) -> Entry | None:
        """Commit the INTENT of a message before it is sent; the msgid must be new.

        With ``sending`` the intent is committed already marked SENT (INTENT -> SENT in the
        same transaction, one fsync instead of two) for a caller that sends right away: the
        only window it removes is one in which nothing could happen.  The entry is read back
        and returned unless ``fetch`` is False (the engine, which has no use for it).

        ``input_masked`` is what logs and ``journal show`` display (see :func:`.mask_input`);
        ``input_full`` is the working copy kept for follow-ups and reconciliation (``setl_id``,
        ``mdtrt_id``, the lines): it is stored with identity fields masked too (IDs, names,
        phones, cards, tokens; diagnoses kept), so that no journal file holds a person's full
        ID number or name (issue 10 #11).  Nothing is ever re-sent from it.  For a 2601,
        ``omsgid`` / ``oinfno`` name the original and ``reversal_of`` is set from ``omsgid``.
        """
        if not kind:
            raise ValueError("kind is required (e.g. 'money', 'state')")
        now = self._now()
        row: dict[str, Any] = {
            "msgid": msgid, "infno": infno, "region": region, "fixmedins_code": fixmedins_code,
            "opter": opter, "terminal": terminal, "kind": kind,
            "state": (State.SENT if sending else State.INTENT).value,
            "psn_no": psn_no, "mdtrt_id": mdtrt_id, "setl_id": setl_id, "chrg_bchno": chrg_bchno,
            "insuplc_admdvs": insuplc_admdvs, "idem_key": idem_key, "omsgid": omsgid, "oinfno": oinfno,
            "reversal_of": omsgid if infno == REVERSAL_INFNO else None,
            "input_full": wire.dumps(mask_input(dict(input_full), diagnoses=True)),
            "input_masked": wire.dumps(dict(input_masked)),
            "business_date": business_date or beijing_date(now),
            "created_at": now, "updated_at": now, "attempts": 0,
            **({"sent_at": now} if sending else {}),
        }  # fmt: skip
        sql = (
            f"INSERT INTO journal_entries ({', '.join(row)}) VALUES ({marks(self._db, len(row))})"
            " ON CONFLICT (msgid) DO NOTHING"
        )
        try:
            # One statement: it commits on its own (or joins the caller's transaction).
            if self._db.execute(sql, list(row.values())) != 1:
                raise StateError("msgid is already in the journal; a msgid is never reused", msgid=msgid)
        except DuplicateRow as exc:
            raise _visit_busy(infno, msgid, mdtrt_id) from exc
        return self._require(msgid) if fetch else None

    def mark_sent(self, msgid: str) -> Entry:
        """INTENT (or NOT_SENT, for a re-send under the same msgid) -> SENT, before the bytes go."""
        entry = self._move(msgid, {State.INTENT, State.NOT_SENT}, State.SENT, {})
        assert entry is not None
        return entry

    def record_outcome(
        self,
        msgid: str,
        state: State,
        *,
        output: Any = None,
        err_msg: str | None = None,
        infcode: int | None = None,
        inf_refmsgid: str | None = None,
        fetch: bool = True,
        output_masked: bool = False,
        **columns: Any,
    ) -> Entry | None:
        """Commit what came back: SENT -> SUCCEEDED / FAILED / NOT_SENT / UNKNOWN, or
        INTENT -> NOT_SENT / FAILED (refused before sending).  ``columns`` may set
        ``setl_id``, ``mdtrt_id``, the money columns, ``clr_type``, ``setl_time``,
        ``next_attempt_at`` (first 2601 not before; unset means due at once) ...  The entry is
        returned unless ``fetch`` is False; ``output_masked``: the caller masked ``output`` already
        (the engine's money replies), so it is not walked twice."""
        state = State(state)
        if state not in OUTCOME_STATES:
            raise IllegalTransition(msgid, (), state, reason=f"{state.value} is not an outcome")
        sources = {s for s in (State.INTENT, State.SENT) if state in LEGAL_TRANSITIONS[s]}
        # The centre's reply and words are stored with personal data masked, as the input is.
        extra = {"output": output if output is None or output_masked else mask_input(output, diagnoses=True),
                 "err_msg": None if err_msg is None else scrub_text(err_msg),
                 "infcode": infcode, "inf_refmsgid": inf_refmsgid}
        values = {k: v for k, v in extra.items() if v is not None} | columns
        return self._move(msgid, sources, state, encode_columns(values), fetch=fetch)

    def transition(self, msgid: str, from_states: Iterable[State], to_state: State, **columns: Any) -> Entry:
        """Move ``msgid`` from one of ``from_states`` to ``to_state``, setting ``columns``.

        Raises :class:`IllegalTransition` for a pair the machine forbids (nothing touched) or
        when the entry is in none of ``from_states`` (another process moved it first).
        """
        to_state = State(to_state)
        entry = self._move(msgid, check_transition(msgid, from_states, to_state), to_state, encode_columns(columns))
        assert entry is not None
        return entry

    def _move(self, msgid: str, sources: Iterable[State], to_state: State, values: dict[str, Any], *,
              fetch: bool = True) -> Entry | None:
        sources = check_transition(msgid, sources, to_state)
        now = self._now()
        values = {**values, "state": to_state.value, "updated_at": now}
        if to_state is State.SENT:
            values["sent_at"] = now
        if to_state in OUTCOME_STATES:
            values["outcome_at"] = now
        if to_state not in REVERSIBLE_STATES:
            values |= {"lease_owner": None, "lease_until": None}
        states = state_values(sources)
        p = self._db.p
        sets = ", ".join(f"{name} = {p}" for name in values)
        update = (f"UPDATE journal_entries SET {sets} WHERE msgid = {p} AND state IN ({marks(self._db, len(states))})",
                  [*values.values(), msgid, *states])
        select = f"SELECT * FROM journal_entries WHERE msgid = {p}"
        try:
            if fetch:
                with self._db.transaction():  # the row as this move left it
                    changed = self._db.execute(*update)
                    row = self._db.fetchone(select, (msgid,))
            else:
                # The engine's outcomes: one statement, committed on its own (or joined to the
                # caller's transaction); the row is read only to say why nothing changed.
                changed = self._db.execute(*update)
                row = self._db.fetchone(select, (msgid,)) if changed != 1 else None
        except DuplicateRow as exc:
            raise _visit_busy(None, msgid, values.get("mdtrt_id")) from exc
        if changed != 1:
            raise IllegalTransition(msgid, sources, to_state, None if row is None else State(row["state"]))
        return entry_from_row(row) if row is not None else None

    # -- reading -------------------------------------------------------------------------
    def get(self, msgid: str) -> Entry | None:
        """The entry, or ``None``."""
        row = self._db.fetchone(f"SELECT * FROM journal_entries WHERE msgid = {self._db.p}", (msgid,))
        return None if row is None else entry_from_row(row)

    def _require(self, msgid: str) -> Entry:
        entry = self.get(msgid)
        if entry is None:
            raise StateError("no such journal entry", msgid=msgid)
        return entry

    def _select(self, where: str, params: list[Any], tail: str = "ORDER BY created_at, msgid") -> list[Entry]:
        return select_entries(self._db, where, params, tail)

    def list(
        self,
        *,
        state: State | None = None,
        infno: str | None = None,
        limit: int = 200,
        psn_no: str | None = None,
        mdtrt_id: str | None = None,
        idem_key: str | None = None,
        setl_id: str | None = None,
    ) -> builtins.list[Entry]:
        """Newest first; each given filter must match (``idem_key`` finds what a HIS bill
        number started, e.g. after a crash left its key ``in_progress``; ``setl_id`` the
        settlement a cancel refers to)."""
        where: builtins.list[str] = ["1 = 1"]
        params: builtins.list[Any] = []
        filters = {"infno": infno, "psn_no": psn_no, "mdtrt_id": mdtrt_id, "idem_key": idem_key, "setl_id": setl_id}
        if state is not None:
            filters["state"] = State(state).value
        for column, value in filters.items():
            if value is not None:
                where.append(f"{column} = {self._db.p}")
                params.append(value)
        newest_first = f"ORDER BY created_at DESC, msgid DESC LIMIT {self._db.p}"
        return self._select(" AND ".join(where), [*params, limit], newest_first)

    def unresolved_for_person(self, psn_no: str) -> builtins.list[Entry]:
        """What should stop a new settlement for ``psn_no``: entries UNKNOWN, REVERSING or
        NEEDS_ATTENTION (the centre may hold a settlement the HIS does not know), and entries
        still INTENT / SENT whatever their age (another process is sending for this person
        right now, or a crashed one left it for recovery).  2601 rows are left out: the
        original's own state says whether its reversal is done."""
        states = state_values(UNRESOLVED_STATES | IN_FLIGHT_STATES)
        p = self._db.p
        where = f"psn_no = {p} AND infno <> {p} AND state IN ({marks(self._db, len(states))})"
        return self._select(where, [psn_no, REVERSAL_INFNO, *states])

    def interrupted(self, *, older_than: datetime | None = None) -> builtins.list[Entry]:
        """INTENT / SENT entries: left by a crashed process when nothing is running.  With
        ``older_than``, only those not touched since (so a live process's rows are spared).
        Recovery moves INTENT -> NOT_SENT (nothing left us) and SENT -> UNKNOWN."""
        states = state_values(IN_FLIGHT_STATES)
        where = f"state IN ({marks(self._db, len(states))})"
        params: builtins.list[Any] = [*states]
        if older_than is not None:
            where += f" AND updated_at < {self._db.p}"
            params.append(older_than)
        return self._select(where, params)

    def settlements(
        self, begin: date, end: date, *, infnos: Iterable[str] = SETTLEMENT_INFNOS, batch: int = 500
    ) -> Iterator[Entry]:
        """The HIS-side ledger for reconciliation, streamed (see :func:`.ledger.settlements`)."""
        return ledger.settlements(self._db, begin, end, infnos=infnos, batch=batch)

    # -- the reversal queue (see :mod:`.reversals`) ---------------------------------------
    def due_reversals(self, now: datetime, *, limit: int = 100) -> builtins.list[Entry]:
        """UNKNOWN / REVERSING entries whose next attempt is due and that no worker leases."""
        return reversals.due_reversals(self._db, now, limit)

    def claim_due_reversals(
        self, now: datetime, worker_id: str, lease_seconds: float, *, limit: int = 100
    ) -> builtins.list[Entry]:
        """Lease the due entries to ``worker_id`` for ``lease_seconds``; two workers never
        get the same row (see :func:`.reversals.claim_due_reversals`)."""
        return reversals.claim_due_reversals(self._db, now, worker_id, lease_seconds, limit)

    def schedule_reversal(
        self, msgid: str, at: datetime, attempts: int, last_error: str | None, *, worker_id: str | None = None
    ) -> Entry:
        """Set the next 2601 attempt and end the lease (fenced by ``worker_id`` when given)."""
        return reversals.schedule_reversal(
            self._db, msgid, at, attempts, last_error, worker_id=worker_id, now=self._now()
        )

    # -- sign-in sessions and idempotency keys -------------------------------------------
    def get_session(self, opter: str, terminal: str, business_date: date) -> Session | None:
        """The 9001 session of that operator, terminal and day (see :mod:`.sessions`)."""
        return sessions.get_session(self._db, opter, terminal, business_date)

    def save_session(
        self, opter: str, terminal: str, business_date: date, sign_no: str, signed_in_at: datetime
    ) -> Session:
        """Keep the ``sign_no`` a 9001 returned."""
        return sessions.save_session(self._db, opter, terminal, business_date, sign_no, signed_in_at)

    def mark_signed_out(self, opter: str, terminal: str, business_date: date, at: datetime) -> Session:
        """Record the 9002 of that day."""
        return sessions.mark_signed_out(self._db, opter, terminal, business_date, at)

    def reversed_by_hand(self, omsgid: str, by_msgid: str) -> Entry | None:
        """A 2601 (``by_msgid``) that was not the reversal queue's own named ``omsgid`` and the
        centre accepted it: the original is REVERSED (``reversed_by``), from SUCCEEDED or from
        any unresolved state (the queue then has nothing left to do for it).  None when the
        original is not in this journal or is in no such state (FAILED, NOT_SENT: the centre's
        acceptance then concerns something the journal never had)."""
        entry = self.get(omsgid)
        if entry is None or entry.infno == REVERSAL_INFNO:
            return None
        if entry.state is State.UNKNOWN:
            entry = self._move(omsgid, [State.UNKNOWN], State.REVERSING, {})
            assert entry is not None
        if entry.state not in (State.SUCCEEDED, State.REVERSING, State.NEEDS_ATTENTION):
            return None
        return self._move(omsgid, [entry.state], State.REVERSED, {"reversed_by": by_msgid})

    def note(self, msgid: str, text: str) -> None:
        """Add a line to the entry's ``notes`` (what happened after its outcome)."""
        p = self._db.p
        with self._db.transaction():
            row = self._db.fetchone(f"SELECT notes FROM journal_entries WHERE msgid = {p}", (msgid,))
            if row is None:
                raise StateError("no such journal entry", msgid=msgid)
            notes = "\n".join(filter(None, [row["notes"], f"{self._now().isoformat(timespec='seconds')} {text}"]))
            self._db.execute(f"UPDATE journal_entries SET notes = {p} WHERE msgid = {p}", (notes[-4000:], msgid))

    def claim_key(self, key: str, fingerprint: str) -> KeyClaim:
        """Claim an idempotency key (see :mod:`.idempotency`)."""
        return idempotency.claim_key(self._db, key, fingerprint)

    def complete_key(self, key: str, result: Mapping[str, Any]) -> None:
        """Store the claimed request's result."""
        idempotency.complete_key(self._db, key, result)

    def release_key(self, key: str) -> None:
        """Give the key back after a failure that sent nothing."""
        idempotency.release_key(self._db, key)

    def prune_keys(self, older_than: datetime) -> int:
        """Drop finished keys older than ``older_than``."""
        return idempotency.prune_keys(self._db, older_than)


def open_journal(
    url: str,
    *,
    clock: Callable[[], datetime] | None = None,
    msgid_clock: Callable[[], datetime] | None = None,
    sleep: Callable[[float], None] | None = None,
) -> Journal:
    """Open ``journal.url`` (``sqlite:///file.db`` relative to the cwd, or
    ``postgresql://user@host/db``), check its durability settings and run the migrations."""
    db = Database(url)
    try:
        db.migrate()
    except BaseException:
        db.close()
        raise
    return Journal(db, clock=clock, msgid_clock=msgid_clock, sleep=sleep)
