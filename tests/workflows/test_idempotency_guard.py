"""Our edge's guards (reliability.md §2 cases 7, 10): the idempotency key of a bill and the
person guard that refuses a new settlement while an earlier outcome is unresolved."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from yibao.core import Identity, Medium, Settlement
from yibao.core.client import Client
from yibao.core.config import parse_config
from yibao.core.errors import OutcomeUnknownError, StateError
from yibao.core.journal import State
from yibao.sandbox.server import RunningSandbox

from .conftest import MakeClient
from .support import Centre, config_dict, items


def test_same_key_same_content_returns_the_stored_result(client: Client, centre: Centre,
                                                         drugs: list[dict[str, Any]],
                                                         who: Callable[[int], Identity]) -> None:
    """A double click (same key, same bill) settles once and answers the stored result without sending."""
    person = who(0)
    first = client.pharmacy.settle(person, items(drugs, 1, 2), acct_used_flag="1", idem_key="BILL-1")
    sent = len(client.journal.list(infno="2102"))
    again = client.pharmacy.settle(person, items(drugs, 1, 2), acct_used_flag="1", idem_key="BILL-1")
    assert again == first
    assert len(client.journal.list(infno="2102")) == sent == 1
    assert [r["setl_id"] for r in centre.ledger()] == [first.setl_id]


def test_same_key_retried_later_returns_the_stored_result(make_client: MakeClient, centre: Centre,
                                                          drugs: list[dict[str, Any]],
                                                          persons: list[dict[str, Any]]) -> None:
    """A HIS retry of the same bill minutes later (new begntime) still gets the stored result."""
    offset = [timedelta(0)]
    client = make_client(clock=lambda: datetime.now() + offset[0])
    person = client.identify(Medium.id_card(persons[0]["certno"]))
    first = client.pharmacy.settle(person, items(drugs, 1, 2), idem_key="BILL-LATER")
    offset[0] = timedelta(minutes=3)
    again = client.pharmacy.settle(person, items(drugs, 1, 2), idem_key="BILL-LATER")
    assert again.setl_id == first.setl_id
    assert len(client.journal.list(infno="2102")) == 1 and len(centre.ledger()) == 1


def test_same_key_other_content_is_refused(client: Client, centre: Centre, drugs: list[dict[str, Any]],
                                           who: Callable[[int], Identity]) -> None:
    """The same key with another bill body is a StateError and sends nothing."""
    person = who(0)
    client.pharmacy.settle(person, items(drugs, 1, 2), idem_key="BILL-2")
    with pytest.raises(StateError, match="other content"):
        client.pharmacy.settle(person, items(drugs, 1, 3), idem_key="BILL-2")
    assert len(centre.ledger()) == 1 and len(client.journal.list(infno="2102")) == 1


def test_concurrent_same_key_settles_once(sandbox: RunningSandbox, journal_url: str, centre: Centre,
                                          drugs: list[dict[str, Any]], persons: list[dict[str, Any]]) -> None:
    """Two terminals submit one bill at once: one settles, the other is told "in progress" or gets that result."""
    p = persons[1]
    centre.fault("2101", "delay", seconds=1)  # the owner of the key holds it a while
    barrier = threading.Barrier(2)
    results: list[Settlement | BaseException] = []

    def run(terminal: str) -> None:
        # One client (one journal connection) per thread, as the journal requires.
        cfg = parse_config(config_dict(sandbox.url, sandbox.paasid, journal_url, terminal=terminal))
        with Client(cfg) as c:
            person = c.identify(Medium.id_card(p["certno"]))
            barrier.wait()
            try:
                results.append(c.pharmacy.settle(person, items(drugs, 1, 2), idem_key="BILL-3"))
            except Exception as exc:  # collected and checked below
                results.append(exc)
            if isinstance(results[-1], StateError):  # the loser asks again once the owner is done
                time.sleep(2)
                results.append(c.pharmacy.settle(person, items(drugs, 1, 2), idem_key="BILL-3"))

    threads = [threading.Thread(target=run, args=(t,)) for t in ("T01", "T02")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    settled = [r for r in results if isinstance(r, Settlement)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(settled) >= 2 and len(results) == 2 + len(refused)
    assert all(isinstance(e, StateError) and "in progress" in str(e) for e in refused), refused
    assert len({s.setl_id for s in settled}) == 1
    assert [r["setl_id"] for r in centre.ledger()] == [settled[0].setl_id]


def test_person_guard_refuses_while_unknown(make_client: MakeClient, centre: Centre, drugs: list[dict[str, Any]],
                                            persons: list[dict[str, Any]]) -> None:
    """With the first 2601 an hour away, a new settlement of that person is refused until reversed; others settle."""
    client = make_client(delay_seconds=3600)
    a = client.identify(Medium.id_card(persons[2]["certno"]))
    b = client.identify(Medium.id_card(persons[3]["certno"]))
    centre.fault("2102", "drop_after_commit")
    with pytest.raises(OutcomeUnknownError) as info:
        client.pharmacy.settle(a, items(drugs, 1, 2), idem_key="BILL-4")
    msgid = str(info.value.msgid)
    sent = len(client.journal.list(infno="2102"))
    with pytest.raises(StateError, match="unresolved"):
        client.pharmacy.settle(a, items(drugs, 1, 1))
    # The same bill again: told it is being reversed, nothing sent.
    with pytest.raises(StateError, match="unknown"):
        client.pharmacy.settle(a, items(drugs, 1, 2), idem_key="BILL-4")
    assert len(client.journal.list(infno="2102")) == sent
    assert client.journal.recover(wait=False).pending == [msgid]  # not due yet
    other = client.pharmacy.settle(b, items(drugs, 1, 1))
    assert other.setl_id
    # An hour later the queue reverses it, and the person may settle the bill again.
    report = client.journal.run_due(now=client.reversals.now() + timedelta(hours=2))
    assert report.reversed == [msgid]
    entry = client.journal.get(msgid)
    assert entry is not None and entry.state == State.REVERSED
    again = client.pharmacy.settle(a, items(drugs, 1, 2), idem_key="BILL-4")
    states = {r["setl_id"]: r["state"] for r in centre.ledger() if r["psn_no"] == a.psn_no}
    assert sorted(states.values()) == ["reversed", "settled"] and states[again.setl_id] == "settled"


def test_key_left_in_progress_after_a_success_is_completed_from_the_journal(
        client: Client, centre: Centre, drugs: list[dict[str, Any]], who: Callable[[int], Identity]) -> None:
    """Killed between the settlement's outcome commit and the key's completion: the retry of the
    bill takes the result from the journal and sends nothing."""
    person = who(0)
    first = client.pharmacy.settle(person, items(drugs, 1, 2), idem_key="BILL-HALF")
    client.engine.journal.database.execute(
        "UPDATE journal_idem_keys SET status = 'in_progress', result = NULL WHERE idem_key = ?", ("BILL-HALF",))
    again = client.pharmacy.settle(person, items(drugs, 1, 2), idem_key="BILL-HALF")
    assert again.setl_id == first.setl_id and again.medfee_sumamt == first.medfee_sumamt
    assert len(client.journal.list(infno="2102")) == 1 and len(centre.ledger()) == 1
    assert client.engine.journal.claim_key("BILL-HALF", "x").status == "conflict"  # completed, with its fingerprint


def test_a_live_holder_elsewhere_keeps_its_key(client: Client, drugs: list[dict[str, Any]],
                                               who: Callable[[int], Identity]) -> None:
    """A claim held by a living process (here: a fresh claim owned by another host) is not taken over."""
    db = client.engine.journal.database
    person = who(0)
    client.pharmacy.settle(person, items(drugs, 1, 2), idem_key="BILL-OWN")  # learn the fingerprint
    db.execute("UPDATE journal_idem_keys SET status = 'in_progress', result = NULL, owner = ? WHERE idem_key = ?",
               ("another-host:1", "BILL-OWN"))
    db.execute("DELETE FROM journal_entries WHERE idem_key = ?", ("BILL-OWN",))
    with pytest.raises(StateError, match="in progress"):
        client.pharmacy.settle(person, items(drugs, 1, 2), idem_key="BILL-OWN")


def test_the_outcome_and_the_key_commit_together(client: Client, drugs: list[dict[str, Any]],
                                                  who: Callable[[int], Identity],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """One commit holds the settlement's SUCCEEDED and the key's completion: a failure inside it
    leaves what a crash before it would (the entry SENT, to be resolved and reversed; the key in
    progress), never a settled entry beside a key that says otherwise."""
    from yibao.core.engine.idempotency import BillKeys

    def killed(self: BillKeys, key: str, reply: Any, msgid: str) -> None:
        raise RuntimeError("killed between the two writes")

    monkeypatch.setattr(BillKeys, "complete", killed)
    with pytest.raises(RuntimeError, match="killed"):
        client.pharmacy.settle(who(0), items(drugs, 1, 2), idem_key="BILL-ONE-COMMIT")
    [entry] = client.journal.list(infno="2102")
    assert entry.state == State.SENT
    row = client.engine.journal.database.fetchone(
        "SELECT status FROM journal_idem_keys WHERE idem_key = ?", ("BILL-ONE-COMMIT",))
    assert row is not None and row["status"] == "in_progress"


def test_a_key_no_longer_ours_does_not_undo_the_settlement(client: Client, drugs: list[dict[str, Any]],
                                                            who: Callable[[int], Identity],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The key released under the request (taken over elsewhere): the caller is told, and the
    settlement's SUCCEEDED is committed all the same (the centre has the money)."""
    from yibao.core.engine.idempotency import BillKeys

    original = BillKeys.complete

    def released_first(self: BillKeys, key: str, reply: Any, msgid: str) -> None:
        self.release(key)
        original(self, key, reply, msgid)

    monkeypatch.setattr(BillKeys, "complete", released_first)
    with pytest.raises(StateError, match="not in progress"):
        client.pharmacy.settle(who(0), items(drugs, 1, 2), idem_key="BILL-TAKEN")
    [entry] = client.journal.list(infno="2102")
    assert entry.state == State.SUCCEEDED
