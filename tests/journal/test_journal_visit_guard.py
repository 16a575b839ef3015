"""One open money message per visit: a second settlement of a visit cannot be journaled
while the first is in flight or unresolved (two terminals, one visit)."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from multiprocessing.queues import Queue
from typing import Any

import pytest
from journal_support import CODE, body, drive

from yibao.core.errors import StateError
from yibao.core.journal import Entry, Journal, State, open_journal
from yibao.core.masking import mask_input

FORK = multiprocessing.get_context("fork")
MakeEntry = Callable[..., Entry]


@pytest.mark.parametrize("state", [State.INTENT, State.SENT, State.UNKNOWN, State.REVERSING, State.NEEDS_ATTENTION])
def test_open_visit_blocks_a_second_settlement(journal: Journal, new_entry: MakeEntry, state: State) -> None:
    """While a settlement of the visit is open, another one for that visit is refused."""
    first = drive(journal, new_entry(mdtrt_id="V1"), state)
    with pytest.raises(StateError, match="V1"):
        new_entry(mdtrt_id="V1")
    assert journal.list(mdtrt_id="V1") == [first]
    new_entry(mdtrt_id="V2")  # other visits are not affected


@pytest.mark.parametrize("state", [State.SUCCEEDED, State.FAILED, State.NOT_SENT, State.REVERSED])
def test_closed_visit_allows_the_next(journal: Journal, new_entry: MakeEntry, state: State) -> None:
    """Once the earlier message is settled, failed, not sent or reversed, the visit may go on."""
    drive(journal, new_entry(mdtrt_id="V1"), state)
    assert new_entry(mdtrt_id="V1").state is State.INTENT


def test_guard_is_for_money_only_and_spares_2601(journal: Journal, new_entry: MakeEntry) -> None:
    """State messages of the visit and the 2601 of its open settlement are not blocked."""
    open_one = drive(journal, new_entry(mdtrt_id="V1"), State.REVERSING)
    new_entry(mdtrt_id="V1", kind="state", infno="2203")
    new_entry(mdtrt_id="V1", infno="2601", omsgid=open_one.msgid, oinfno="2207")


def test_resend_of_not_sent_is_refused_when_another_is_open(journal: Journal, new_entry: MakeEntry) -> None:
    """A NOT_SENT message cannot go again once a newer one of its visit is open."""
    old = drive(journal, new_entry(mdtrt_id="V1"), State.NOT_SENT)
    new_entry(mdtrt_id="V1")
    with pytest.raises(StateError, match="in flight or unresolved"):
        journal.mark_sent(old.msgid)
    assert journal.get(old.msgid) == old


def _settle_visit(url: str, start: Any, out: Queue[str]) -> None:
    with open_journal(url) as j:
        msgid = j.allocate_msgid(CODE, "T01")
        data = body()
        start.wait(30)
        try:
            j.record_intent(
                msgid=msgid, infno="2304", region="440000", fixmedins_code=CODE, opter="0001",
                terminal=f"T-{msgid[-4:]}", input_full=data, input_masked=mask_input(data), kind="money",
                mdtrt_id="V-RACE",
            )  # fmt: skip
        except StateError:
            out.put("refused")
        else:
            out.put("journaled")


def test_two_terminals_one_visit(journal_url: str) -> None:
    """Six terminals settling one visit at the same moment: exactly one is journaled."""
    open_journal(journal_url).close()
    start = FORK.Event()
    out: Queue[str] = FORK.Queue()
    procs = [FORK.Process(target=_settle_visit, args=(journal_url, start, out)) for _ in range(6)]
    for p in procs:
        p.start()
    start.set()
    results = sorted(out.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(30)
    assert results == ["journaled"] + ["refused"] * 5
