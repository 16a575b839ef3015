"""The entry state machine: every legal move works, every other one raises and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from journal_support import drive

from yibao.core.errors import StateError
from yibao.core.journal import Entry, IllegalTransition, Journal, State
from yibao.core.journal.states import LEGAL_TRANSITIONS

MakeEntry = Callable[..., Entry]


def test_intent_is_stored_with_both_inputs(journal: Journal, new_entry: MakeEntry) -> None:
    """An INTENT keeps a working copy (identity masked, diagnoses kept: issue 10 #11, no journal
    file holds a full ID number or name) and the display copy (diagnoses removed too)."""
    e = new_entry()
    got = journal.get(e.msgid)
    assert got == e
    assert got.state is State.INTENT
    assert got.input_full["data"]["certno"] == "4301**********1234"
    assert got.input_full["data"]["psn_name"] == "张*"
    assert (got.input_full["data"]["psn_no"], got.input_full["data"]["mdtrt_id"]) == ("P0001", "M1")  # ids kept
    assert got.input_masked["data"]["certno"] == "4301**********1234"
    assert got.input_masked["diseinfo"] == [{}]
    assert got.input_full["diseinfo"] != [{}]  # the working copy keeps the diagnoses
    assert got.created_at.tzinfo is not None and got.sent_at is None


def test_happy_path_sets_times_and_outcome(journal: Journal, new_entry: MakeEntry) -> None:
    """INTENT -> SENT -> SUCCEEDED stamps sent_at and outcome_at and keeps the answer."""
    e = new_entry()
    sent = journal.mark_sent(e.msgid)
    assert sent.state is State.SENT and sent.sent_at is not None
    done = journal.record_outcome(
        e.msgid,
        State.SUCCEEDED,
        output={"setlinfo": {"setl_id": "S1", "medfee_sumamt": Decimal("12.30")}},
        infcode=0,
        inf_refmsgid="R1",
        setl_id="S1",
        medfee_sumamt=Decimal("12.30"),
        setl_time="2026-11-22 10:11:12",
    )
    assert done.state is State.SUCCEEDED
    assert done.setl_id == "S1" and done.infcode == 0 and done.inf_refmsgid == "R1"
    assert done.output == {"setlinfo": {"setl_id": "S1", "medfee_sumamt": Decimal("12.30")}}
    assert done.outcome_at is not None and done.outcome_at >= sent.sent_at
    assert done.setl_time == datetime(2026, 11, 22, 10, 11, 12)


def test_validation_refusal_journals_why(journal: Journal, new_entry: MakeEntry) -> None:
    """A validation refusal goes INTENT -> FAILED with its reason; nothing was sent."""
    e = new_entry()
    failed = journal.record_outcome(e.msgid, State.FAILED, err_msg="2207 mdtrtinfo.med_type: required")
    assert failed.state is State.FAILED and failed.sent_at is None
    assert failed.err_msg == "2207 mdtrtinfo.med_type: required"


def test_not_sent_may_go_again_under_the_same_msgid(journal: Journal, new_entry: MakeEntry) -> None:
    """A proven-not-sent message is re-sent with its own msgid (NOT_SENT -> SENT)."""
    e = new_entry()
    journal.mark_sent(e.msgid)
    journal.record_outcome(e.msgid, State.NOT_SENT, err_msg="connect refused")
    again = journal.mark_sent(e.msgid)
    assert again.state is State.SENT and again.msgid == e.msgid


@pytest.mark.parametrize("source", list(State))
def test_every_pair_follows_the_table(journal: Journal, new_entry: MakeEntry, source: State) -> None:
    """From each state, exactly the moves in LEGAL_TRANSITIONS succeed."""
    for target in State:
        entry = drive(journal, new_entry(), source)
        if target in LEGAL_TRANSITIONS[source]:
            assert journal.transition(entry.msgid, [source], target).state is target
        else:
            with pytest.raises(IllegalTransition):
                journal.transition(entry.msgid, [source], target)
            assert journal.get(entry.msgid) == entry


def test_cas_refuses_a_stale_source_state(journal: Journal, new_entry: MakeEntry) -> None:
    """A move from a state the entry has left raises and names the current state."""
    e = new_entry()
    journal.mark_sent(e.msgid)
    with pytest.raises(IllegalTransition) as info:
        journal.transition(e.msgid, [State.INTENT], State.NOT_SENT)
    assert info.value.current is State.SENT
    assert journal.get(e.msgid).state is State.SENT  # type: ignore[union-attr]


def test_two_racers_one_wins(journal: Journal, new_entry: MakeEntry) -> None:
    """Of two workers moving UNKNOWN -> REVERSING, the second finds the row taken."""
    e = drive(journal, new_entry(), State.UNKNOWN)
    journal.transition(e.msgid, [State.UNKNOWN], State.REVERSING)
    with pytest.raises(IllegalTransition):
        journal.transition(e.msgid, [State.UNKNOWN], State.REVERSING)


def test_succeeded_is_never_cancelled_in_place(journal: Journal, new_entry: MakeEntry) -> None:
    """A cancel is its own entry linked by setl_id; the original stays SUCCEEDED.  The one move out
    of SUCCEEDED is REVERSED, by a 2601 sent by hand (test_reversed_by_hand)."""
    e = drive(journal, new_entry(), State.SUCCEEDED)
    for target in State:
        if target not in (State.SUCCEEDED, State.REVERSED):
            with pytest.raises(IllegalTransition):
                journal.transition(e.msgid, [State.SUCCEEDED], target)
    cancel = new_entry(infno="2208", setl_id="S1")
    assert cancel.setl_id == "S1" and journal.get(e.msgid).state is State.SUCCEEDED  # type: ignore[union-attr]


@pytest.mark.parametrize("start", [State.SUCCEEDED, State.UNKNOWN, State.REVERSING, State.NEEDS_ATTENTION])
def test_reversed_by_hand(journal: Journal, new_entry: MakeEntry, start: State) -> None:
    """A 2601 by hand that the centre accepted: the original is REVERSED and names it; a message
    that never reached the centre (FAILED, NOT_SENT) or a 2601 itself is left alone."""
    e = drive(journal, new_entry(), start)
    done = journal.reversed_by_hand(e.msgid, "H-2601-BY-HAND")
    assert done is not None and (done.state, done.reversed_by) == (State.REVERSED, "H-2601-BY-HAND")
    assert journal.reversed_by_hand(e.msgid, "H-AGAIN") is None  # already reversed: nothing moves
    assert journal.get(e.msgid).reversed_by == "H-2601-BY-HAND"  # type: ignore[union-attr]
    for end in (State.FAILED, State.NOT_SENT):
        other = drive(journal, new_entry(), end)
        assert journal.reversed_by_hand(other.msgid, "H-X") is None
        assert journal.get(other.msgid).state is end  # type: ignore[union-attr]
    assert journal.reversed_by_hand("H-NOT-IN-THIS-JOURNAL", "H-X") is None


def test_outcome_rules(journal: Journal, new_entry: MakeEntry) -> None:
    """record_outcome only writes outcomes, and SUCCEEDED / UNKNOWN only after SENT."""
    e = new_entry()
    with pytest.raises(IllegalTransition):
        journal.record_outcome(e.msgid, State.SUCCEEDED)
    with pytest.raises(IllegalTransition):
        journal.record_outcome(e.msgid, State.UNKNOWN)
    with pytest.raises(IllegalTransition):
        journal.record_outcome(e.msgid, State.REVERSED)
    with pytest.raises(IllegalTransition) as info:
        journal.record_outcome("H44010000001202601010000000001", State.NOT_SENT)
    assert info.value.current is None


def test_a_msgid_is_journaled_once(journal: Journal, new_entry: MakeEntry) -> None:
    """Recording a second INTENT under a used msgid is refused."""
    e = new_entry()
    with pytest.raises(StateError, match="never reused"):
        new_entry(msgid=e.msgid)


def test_reversal_rows_link_to_the_original(journal: Journal, new_entry: MakeEntry) -> None:
    """A 2601 row names its original by omsgid/oinfno; the original records reversed_by."""
    original = drive(journal, new_entry(), State.REVERSING)
    rev = new_entry(infno="2601", omsgid=original.msgid, oinfno="2207")
    assert rev.reversal_of == original.msgid and rev.oinfno == "2207"
    done = journal.transition(original.msgid, [State.REVERSING], State.REVERSED, reversed_by=rev.msgid)
    assert done.reversed_by == rev.msgid and done.lease_owner is None


@pytest.mark.parametrize(
    ("columns", "error"),
    [
        ({"state": "SUCCEEDED"}, TypeError),
        ({"msgid": "x"}, TypeError),
        ({"medfee_sumamt": 0.1}, TypeError),
        ({"medfee_sumamt": Decimal("0.001")}, ValueError),
        ({"medfee_sumamt": Decimal("NaN")}, TypeError),
        ({"setl_time": "yesterday"}, ValueError),
        ({"output": {"amount": 1.5}}, TypeError),
    ],
)
def test_bad_columns_are_refused(
    journal: Journal, new_entry: MakeEntry, columns: dict[str, Any], error: type[Exception]
) -> None:
    """Unknown columns, floats and lost digits are refused and nothing is written."""
    e = new_entry()
    journal.mark_sent(e.msgid)
    with pytest.raises(error):
        journal.record_outcome(e.msgid, State.SUCCEEDED, **columns)
    assert journal.get(e.msgid).state is State.SENT  # type: ignore[union-attr]


def test_list_filters_and_orders(journal: Journal, new_entry: MakeEntry) -> None:
    """list() is newest first and filters by state and infno."""
    a = new_entry()
    b = drive(journal, new_entry(infno="2208"), State.SENT)
    c = new_entry()
    assert [e.msgid for e in journal.list()] == [c.msgid, b.msgid, a.msgid]
    assert [e.msgid for e in journal.list(state=State.INTENT)] == [c.msgid, a.msgid]
    assert [e.msgid for e in journal.list(infno="2208")] == [b.msgid]
    assert [e.msgid for e in journal.list(limit=1)] == [c.msgid]


def test_interrupted_and_unresolved(journal: Journal, new_entry: MakeEntry) -> None:
    """In-flight rows are interrupted candidates; unresolved rows block the person, 2601 rows do not."""
    intent = new_entry(psn_no="PA")
    sent = drive(journal, new_entry(psn_no="PA"), State.SENT)
    unknown = drive(journal, new_entry(psn_no="PA"), State.UNKNOWN)
    drive(journal, new_entry(psn_no="PA"), State.SUCCEEDED)
    drive(journal, new_entry(psn_no="PB"), State.REVERSING)
    new_entry(psn_no="PA", infno="2601", omsgid=unknown.msgid, oinfno="2207")
    assert {e.msgid for e in journal.unresolved_for_person("PA")} == {intent.msgid, sent.msgid, unknown.msgid}
    stuck = {e.msgid for e in journal.interrupted()}
    assert {intent.msgid, sent.msgid} <= stuck
    assert all(journal.get(m).state in (State.INTENT, State.SENT) for m in stuck)  # type: ignore[union-attr]
    assert journal.interrupted(older_than=datetime.now(UTC) - timedelta(hours=1)) == []


def test_to_dict_is_json_ready_and_masked(journal: Journal, new_entry: MakeEntry) -> None:
    """to_dict() leaves the full input out unless asked, and encodes with the wire rules."""
    from yibao.core import wire

    e = drive(journal, new_entry(), State.SENT)
    done = journal.record_outcome(e.msgid, State.SUCCEEDED, medfee_sumamt=Decimal("1.10"))
    shown = done.to_dict()
    assert "input_full" not in shown and shown["state"] == "SUCCEEDED"
    text = wire.dumps(shown)
    assert '"medfee_sumamt":1.10' in text and "430104199001011234" not in text
    assert done.to_dict(full_input=True)["input_full"]["data"]["certno"] == "4301**********1234"


def test_list_by_person_visit_and_key(journal: Journal, new_entry: MakeEntry) -> None:
    """list() finds the entries of a person, a visit or an idempotency key."""
    a = new_entry(psn_no="PX", mdtrt_id="MX", idem_key="BILL-X")
    new_entry(psn_no="PY", mdtrt_id="MY", idem_key="BILL-Y")
    assert [e.msgid for e in journal.list(psn_no="PX")] == [a.msgid]
    assert [e.msgid for e in journal.list(mdtrt_id="MX")] == [a.msgid]
    assert [e.msgid for e in journal.list(idem_key="BILL-X", state=State.INTENT)] == [a.msgid]
    assert journal.list(idem_key="BILL-X", state=State.SENT) == []
