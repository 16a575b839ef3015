"""The reversal queue (due, claimed with leases, scheduled), the ledger stream, crash recovery."""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from multiprocessing.queues import Queue
from typing import Any

import pytest
from journal_support import CODE, body, drive

from yibao.core.journal import Entry, IllegalTransition, Journal, State, open_journal
from yibao.core.masking import mask_input

FORK = multiprocessing.get_context("fork")
MakeEntry = Callable[..., Entry]
NOW = datetime.now(UTC)


def _unknown(journal: Journal, new_entry: MakeEntry, **outcome: Any) -> Entry:
    e = drive(journal, new_entry(), State.SENT)
    return journal.record_outcome(e.msgid, State.UNKNOWN, err_msg="read timeout", **outcome)


def test_due_reversals(journal: Journal, new_entry: MakeEntry) -> None:
    """UNKNOWN/REVERSING rows are due once next_attempt_at has passed; others never are."""
    now_due = _unknown(journal, new_entry)
    later = _unknown(journal, new_entry, next_attempt_at=NOW + timedelta(seconds=15))
    reversing = drive(journal, new_entry(), State.REVERSING)
    drive(journal, new_entry(), State.SUCCEEDED)
    drive(journal, new_entry(), State.NEEDS_ATTENTION)
    rev = drive(journal, new_entry(infno="2601", omsgid=now_due.msgid, oinfno="2207"), State.SENT)
    journal.record_outcome(rev.msgid, State.UNKNOWN)  # a lost 2601 is retried, never reversed
    assert [e.msgid for e in journal.due_reversals(NOW)] == [now_due.msgid, reversing.msgid]
    later_due = journal.due_reversals(NOW + timedelta(seconds=16))
    assert [e.msgid for e in later_due] == [now_due.msgid, later.msgid, reversing.msgid]


def test_claim_leases_rows(journal: Journal, new_entry: MakeEntry) -> None:
    """A claimed row is nobody else's until its lease ends or the worker schedules it."""
    a, b = _unknown(journal, new_entry), _unknown(journal, new_entry)
    got = journal.claim_due_reversals(NOW, "w1", 60)
    assert [e.msgid for e in got] == [a.msgid, b.msgid]
    assert {e.lease_owner for e in got} == {"w1"}
    assert journal.claim_due_reversals(NOW, "w2", 60) == []
    assert journal.due_reversals(NOW) == []
    # w1 died: after the lease, w2 gets the rows.
    assert len(journal.claim_due_reversals(NOW + timedelta(seconds=61), "w2", 60)) == 2


def test_schedule_ends_the_lease(journal: Journal, new_entry: MakeEntry) -> None:
    """Scheduling the next attempt stores it, counts the try and frees the row; fenced by worker."""
    a = _unknown(journal, new_entry)
    journal.claim_due_reversals(NOW, "w1", 60)
    with pytest.raises(IllegalTransition):
        journal.schedule_reversal(a.msgid, NOW + timedelta(seconds=30), 1, "2601 timed out", worker_id="w2")
    e = journal.schedule_reversal(a.msgid, NOW + timedelta(seconds=30), 1, "2601 timed out", worker_id="w1")
    assert (e.attempts, e.last_error, e.lease_owner) == (1, "2601 timed out", None)
    assert journal.claim_due_reversals(NOW + timedelta(seconds=29), "w2", 60) == []
    assert [x.msgid for x in journal.claim_due_reversals(NOW + timedelta(seconds=30), "w2", 60)] == [a.msgid]
    done = drive(journal, new_entry(), State.SUCCEEDED)
    with pytest.raises(IllegalTransition):
        journal.schedule_reversal(done.msgid, NOW, 1, None)


def _drain(url: str, worker: str, start: Any, out: Queue[list[str]]) -> None:
    mine: list[str] = []
    with open_journal(url) as j:
        start.wait(30)
        while batch := j.claim_due_reversals(NOW, worker, 600, limit=3):
            mine += [e.msgid for e in batch]
    out.put(mine)


def test_workers_never_share_a_row(journal_url: str) -> None:
    """Four worker processes draining one queue: every row claimed exactly once."""
    with open_journal(journal_url) as j:
        expected = set()
        for _ in range(60):
            msgid = j.allocate_msgid(CODE, "T01")
            data = body()
            j.record_intent(
                msgid=msgid, infno="2207", region="440000", fixmedins_code=CODE, opter="0001",
                terminal="T1", input_full=data, input_masked=mask_input(data), kind="money",
            )  # fmt: skip
            j.mark_sent(msgid)
            j.record_outcome(msgid, State.UNKNOWN)
            expected.add(msgid)
    start = FORK.Event()
    out: Queue[list[str]] = FORK.Queue()
    procs = [FORK.Process(target=_drain, args=(journal_url, f"w{i}", start, out)) for i in range(4)]
    for p in procs:
        p.start()
    start.set()
    claimed = [m for _ in procs for m in out.get(timeout=120)]
    for p in procs:
        p.join(30)
    assert len(claimed) == len(set(claimed)) == 60
    assert set(claimed) == expected


@pytest.fixture
def ledger(journal: Journal, new_entry: MakeEntry) -> dict[str, Entry]:
    """A small month: settlements, a cancel, a reversal, a failure, rows outside the range."""

    def settled(infno: str, setl_time: str, amount: str) -> Entry:
        e = drive(journal, new_entry(infno=infno), State.SENT)
        return journal.record_outcome(
            e.msgid, State.SUCCEEDED, setl_id=f"S-{e.msgid[-6:]}", setl_time=setl_time,
            medfee_sumamt=Decimal(amount), fund_pay_sumamt=Decimal("0.10"), acct_pay=Decimal("0.20"),
            psn_cash_pay=Decimal(amount) - Decimal("0.30"), clr_type="11", insutype="310",
        )  # fmt: skip

    rows = {
        "first": settled("2207", "2026-11-01 00:00:00", "10.30"),
        "cancel": settled("2208", "2026-11-15 12:00:00", "-10.30"),
        "last": settled("2102", "2026-11-30 23:59:59", "0.30"),
        "before": settled("2207", "2026-10-31 23:59:59", "5.00"),
        "after": settled("2304", "2026-12-01 00:00:00", "5.00"),
        "reversed": drive(journal, new_entry(business_date=date(2026, 11, 20)), State.REVERSED),
        "reversed_out": drive(journal, new_entry(business_date=date(2026, 12, 2)), State.REVERSED),
        "failed": drive(journal, new_entry(business_date=date(2026, 11, 20)), State.FAILED),
        "registration": drive(journal, new_entry(infno="2201"), State.SUCCEEDED),
    }
    return rows


def test_settlements_is_the_month(journal: Journal, ledger: dict[str, Entry]) -> None:
    """SUCCEEDED 2102/2207/2304 and cancels by setl_time, plus REVERSED rows, nothing else."""
    got = list(journal.settlements(date(2026, 11, 1), date(2026, 11, 30)))
    names = {e.msgid: name for name, e in ledger.items()}
    assert [names[e.msgid] for e in got] == ["first", "cancel", "reversed", "last"]
    first = got[0]
    assert first.medfee_sumamt == Decimal("10.30") and first.psn_cash_pay == Decimal("10.00")
    assert sum((e.medfee_sumamt or Decimal(0) for e in got), Decimal(0)) == Decimal("0.30")


def test_settlements_streams(journal: Journal, ledger: dict[str, Entry], new_entry: MakeEntry) -> None:
    """settlements() is a lazy iterator on its own connection: writes go on while it is read."""
    stream = journal.settlements(date(2026, 10, 1), date(2026, 12, 31), batch=2)
    assert isinstance(stream, Iterator) and not isinstance(stream, list)
    first = next(stream)
    assert first.msgid == ledger["before"].msgid
    drive(journal, new_entry(), State.SUCCEEDED)  # the journal is usable mid-stream
    rest = list(stream)
    assert len(rest) == 6


def _crash_after_intent(url: str, ready: Any) -> None:
    with open_journal(url) as j:
        data = body("P-CRASH")
        for step in ("intent", "sent"):
            msgid = j.allocate_msgid(CODE, "T01")
            j.record_intent(
                msgid=msgid, infno="2207", region="440000", fixmedins_code=CODE, opter="0001",
                terminal="T1", input_full=data, input_masked=mask_input(data), kind="money",
                psn_no="P-CRASH", idem_key=step,
            )  # fmt: skip
            if step == "sent":
                j.mark_sent(msgid)
        ready.set()
        signal.pause()  # killed here, as if the power went between send and answer


def test_crash_leaves_interrupted_rows(journal_url: str) -> None:
    """A process killed with SIGKILL after committing leaves rows interrupted() finds."""
    open_journal(journal_url).close()
    ready = FORK.Event()
    child = FORK.Process(target=_crash_after_intent, args=(journal_url, ready))
    child.start()
    assert ready.wait(60)
    assert child.pid is not None
    os.kill(child.pid, signal.SIGKILL)
    child.join(30)
    assert child.exitcode == -signal.SIGKILL
    with open_journal(journal_url) as j:
        left = j.interrupted()
        assert sorted((e.idem_key, e.state) for e in left) == [("intent", State.INTENT), ("sent", State.SENT)]
        assert {e.msgid for e in j.unresolved_for_person("P-CRASH")} == {e.msgid for e in left}
        # the working copy, identity masked as every journal row keeps it (issue 10 #11)
        assert all(e.input_full == mask_input(body("P-CRASH"), diagnoses=True) for e in left)
