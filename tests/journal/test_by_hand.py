"""NEEDS_ATTENTION settled by hand (``yibao.core.journal.by_hand``), on SQLite and PostgreSQL: the
finding decides the state, the note is kept, the person is free again; any other state, finding
or an empty note is refused and changes nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from journal_support import drive

from yibao.core.errors import StateError
from yibao.core.journal import Entry, Journal, State
from yibao.core.journal.by_hand import resolve_by_hand

MakeEntry = Callable[..., Entry]
NOTE = "3202 detail of 2026-12-08 has no such msgid (医保局, by phone)"


@pytest.mark.parametrize(("finding", "state"), [("not_at_centre", State.FAILED),
                                                ("reversed_at_centre", State.REVERSED)])
def test_finding_decides_the_state_and_frees_the_person(journal: Journal, new_entry: MakeEntry, finding: str,
                                                        state: State) -> None:
    e = drive(journal, new_entry(psn_no="P0042"), State.NEEDS_ATTENTION)
    assert [u.msgid for u in journal.unresolved_for_person("P0042")] == [e.msgid]
    done = resolve_by_hand(journal, e.msgid, finding, f"  {NOTE}\n", opter="0007")
    assert done.state is state
    assert done.notes is not None and done.notes.endswith(f"resolved by hand ({finding}) by 0007: {NOTE}")
    assert journal.unresolved_for_person("P0042") == []


@pytest.mark.parametrize("state", [State.UNKNOWN, State.REVERSING, State.SUCCEEDED, State.FAILED, State.REVERSED])
def test_other_states_are_refused_unchanged(journal: Journal, new_entry: MakeEntry, state: State) -> None:
    e = drive(journal, new_entry(), state)
    with pytest.raises(StateError, match="not NEEDS_ATTENTION") as info:
        resolve_by_hand(journal, e.msgid, "not_at_centre", NOTE, opter="0007")
    if state in (State.UNKNOWN, State.REVERSING):
        assert "journal recover" in str(info.value)  # still the queue's to resolve
    after = journal.get(e.msgid)
    assert after is not None and after.state is state and not after.notes


@pytest.mark.parametrize(("finding", "note", "rule"), [("settled", NOTE, "finding must be one of"),
                                                       ("not_at_centre", "  ok  ", "at least 8 characters")])
def test_bad_finding_or_note_is_refused_unchanged(journal: Journal, new_entry: MakeEntry, finding: str, note: str,
                                                  rule: str) -> None:
    e = drive(journal, new_entry(), State.NEEDS_ATTENTION)
    with pytest.raises(StateError, match=rule):
        resolve_by_hand(journal, e.msgid, finding, note, opter="0007")
    after = journal.get(e.msgid)
    assert after is not None and after.state is State.NEEDS_ATTENTION and not after.notes


def test_unknown_msgid(journal: Journal) -> None:
    with pytest.raises(StateError, match="no journal entry"):
        resolve_by_hand(journal, "H44190000001209912310000000", "not_at_centre", NOTE, opter="0007")
