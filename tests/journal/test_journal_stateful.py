"""A hypothesis state machine drives random moves against a real SQLite journal
(reliability.md §2 case 21): the journal always agrees with a model of the table, illegal
moves change nothing, and every UNKNOWN / REVERSING entry is in the reversal queue."""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import hypothesis.strategies as st
from hypothesis import settings
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule
from journal_support import CODE, body

from yibao.core.journal import IllegalTransition, Journal, State, open_journal
from yibao.core.journal.states import FINAL_STATES, IN_FLIGHT_STATES, LEGAL_TRANSITIONS
from yibao.core.masking import mask_input

FAR_FUTURE = datetime.now(UTC) + timedelta(days=3650)


class JournalMachine(RuleBasedStateMachine):
    """Entries move at random; the model is LEGAL_TRANSITIONS itself."""

    entries = Bundle("entries")

    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.mkdtemp(prefix="yibao-journal-")
        self.journal: Journal = open_journal(f"sqlite:///{Path(self.tmp) / 'j.db'}")
        self.model: dict[str, State] = {}

    @initialize(target=entries)
    def first(self) -> str:
        return self._new()

    @rule(target=entries)
    def new(self) -> str:
        return self._new()

    def _new(self) -> str:
        msgid = self.journal.allocate_msgid(CODE, "T01")
        data = body()
        self.journal.record_intent(
            msgid=msgid, infno="2207", region="440000", fixmedins_code=CODE, opter="0001", terminal="T1",
            input_full=data, input_masked=mask_input(data), kind="money",
        )  # fmt: skip
        self.model[msgid] = State.INTENT
        return msgid

    @rule(msgid=entries, target_state=st.sampled_from(list(State)), stale=st.booleans())
    def move(self, msgid: str, target_state: State, stale: bool) -> None:
        current = self.model[msgid]
        # A stale caller names a source state the entry is not in (another process moved it).
        claimed = next((s for s in State if s is not current and target_state in LEGAL_TRANSITIONS[s]), None)
        source = claimed if stale and claimed is not None else current
        if source is current and target_state in LEGAL_TRANSITIONS[current]:
            assert self.journal.transition(msgid, [source], target_state).state is target_state
            self.model[msgid] = target_state
        else:
            try:
                self.journal.transition(msgid, [source], target_state)
            except IllegalTransition as exc:
                assert exc.to_state is target_state
            else:
                raise AssertionError(f"{source}->{target_state} was accepted while the entry was {current}")

    @invariant()
    def journal_agrees_with_the_model(self) -> None:
        for msgid, state in self.model.items():
            entry = self.journal.get(msgid)
            assert entry is not None and entry.state is state

    @invariant()
    def every_open_entry_has_a_pending_action(self) -> None:
        queued = {e.msgid for e in self.journal.due_reversals(FAR_FUTURE, limit=10_000)}
        stuck = {e.msgid for e in self.journal.interrupted()}
        for msgid, state in self.model.items():
            if state in (State.UNKNOWN, State.REVERSING):
                assert msgid in queued
            elif state in IN_FLIGHT_STATES:
                assert msgid in stuck
            else:
                assert msgid not in queued and msgid not in stuck
                assert state in FINAL_STATES or state in (State.NOT_SENT, State.NEEDS_ATTENTION)

    def teardown(self) -> None:
        self.journal.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


JournalMachine.TestCase.settings = settings(max_examples=30, stateful_step_count=25, deadline=None)
TestJournalMachine = JournalMachine.TestCase
