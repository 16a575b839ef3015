"""Sign-in sessions (9001/9002) and idempotency keys at our edge."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from multiprocessing.queues import Queue
from typing import Any

import pytest

from yibao.core.errors import StateError
from yibao.core.journal import Journal, open_journal

FORK = multiprocessing.get_context("fork")
DAY = date(2026, 11, 22)
AT = datetime(2026, 11, 22, 0, 30, tzinfo=UTC)


def test_no_session_before_sign_in(journal: Journal) -> None:
    """Before any 9001 of the day there is no session."""
    assert journal.get_session("0001", "T1", DAY) is None


def test_session_round_trip(journal: Journal) -> None:
    """The sign_no of a 9001 is kept per operator, terminal and day."""
    saved = journal.save_session("0001", "T1", DAY, "SIGN-1", AT)
    assert saved.state == "in" and saved.sign_no == "SIGN-1" and saved.signed_out_at is None
    assert journal.get_session("0001", "T1", DAY) == saved
    assert journal.get_session("0001", "T2", DAY) is None
    assert journal.get_session("0002", "T1", DAY) is None
    assert journal.get_session("0001", "T1", DAY + timedelta(days=1)) is None
    assert saved.signed_in_at == AT


def test_sign_in_again_replaces_the_sign_no(journal: Journal) -> None:
    """A second 9001 the same day keeps the newest sign_no."""
    journal.save_session("0001", "T1", DAY, "SIGN-1", AT)
    again = journal.save_session("0001", "T1", DAY, "SIGN-2", AT + timedelta(hours=1))
    assert again.sign_no == "SIGN-2" and journal.get_session("0001", "T1", DAY) == again


def test_sign_out(journal: Journal) -> None:
    """9002 marks the day's session out; the workflow reads that to refuse a second sign-in."""
    journal.save_session("0001", "T1", DAY, "SIGN-1", AT)
    out = journal.mark_signed_out("0001", "T1", DAY, AT + timedelta(hours=8))
    assert out.state == "out" and out.signed_out_at == AT + timedelta(hours=8)
    assert out.sign_no == "SIGN-1"
    assert journal.get_session("0001", "T1", DAY) == out


def test_sign_out_without_sign_in(journal: Journal) -> None:
    """Signing out a day that had no sign-in is refused."""
    with pytest.raises(StateError, match="no sign-in"):
        journal.mark_signed_out("0001", "T1", DAY, AT)


def test_key_statuses(journal: Journal) -> None:
    """new -> in_progress -> done with the stored result; another body is a conflict."""
    assert journal.claim_key("BILL-1", "fp-a").status == "new"
    assert journal.claim_key("BILL-1", "fp-a").status == "in_progress"
    assert journal.claim_key("BILL-1", "fp-b").status == "conflict"
    result = {"setl_id": "S1", "psn_cash_pay": Decimal("10.10")}
    journal.complete_key("BILL-1", result)
    done = journal.claim_key("BILL-1", "fp-a")
    assert done.status == "done" and done.result == result
    assert isinstance(done.result["psn_cash_pay"], Decimal)
    assert journal.claim_key("BILL-1", "fp-b").status == "conflict"
    with pytest.raises(StateError):
        journal.complete_key("BILL-1", result)


def test_release_lets_the_his_try_again(journal: Journal) -> None:
    """A claim released after a failure that sent nothing can be claimed anew; a done key cannot."""
    journal.claim_key("BILL-2", "fp")
    journal.release_key("BILL-2")
    assert journal.claim_key("BILL-2", "fp").status == "new"
    journal.complete_key("BILL-2", {"ok": True})
    journal.release_key("BILL-2")
    assert journal.claim_key("BILL-2", "fp").status == "done"


def test_prune_keeps_recent_keys(journal: Journal) -> None:
    """Pruning drops finished keys older than the limit and keeps the rest."""
    journal.claim_key("OLD", "fp")
    journal.complete_key("OLD", {})
    journal.claim_key("OPEN", "fp")
    assert journal.prune_keys(datetime.now(UTC) - timedelta(hours=24)) == 0
    assert journal.prune_keys(datetime.now(UTC) + timedelta(seconds=1)) == 1
    assert journal.claim_key("OLD", "fp").status == "new"
    assert journal.claim_key("OPEN", "fp").status == "in_progress"


@pytest.mark.parametrize("key", ["", "k" * 256])
def test_key_length(journal: Journal, key: str) -> None:
    """Keys are 1-255 characters."""
    with pytest.raises(ValueError):
        journal.claim_key(key, "fp")


def _claim(url: str, start: Any, out: Queue[str]) -> None:
    with open_journal(url) as j:
        start.wait(30)
        out.put(j.claim_key("BILL-RACE", "fp").status)


def test_concurrent_claims_one_wins(journal_url: str) -> None:
    """Eight processes claiming one key at once: exactly one gets "new"."""
    open_journal(journal_url).close()
    start = FORK.Event()
    out: Queue[str] = FORK.Queue()
    procs = [FORK.Process(target=_claim, args=(journal_url, start, out)) for _ in range(8)]
    for p in procs:
        p.start()
    start.set()
    statuses = sorted(out.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(30)
    assert statuses == ["in_progress"] * 7 + ["new"]
