"""A process killed with SIGKILL in the middle of a 2102 (reliability.md §2 case 5), then a new
process recovers: nothing is forgotten, nothing is charged twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from yibao.core import Medium
from yibao.core.errors import StateError
from yibao.core.journal import State
from yibao.sandbox.server import RunningSandbox

from .conftest import MakeClient
from .killer import BILL
from .support import SECRET_ENV, Centre, items, settled_total

KILLER = Path(__file__).resolve().parent / "killer.py"


def _killed(sb: RunningSandbox, journal_url: str, certno: str, where: str) -> None:
    env = {**os.environ, SECRET_ENV: sb.secret}
    proc = subprocess.run([sys.executable, str(KILLER), sb.url, sb.paasid, journal_url, certno, where],
                          capture_output=True, text=True, env=env, timeout=60, check=False)
    assert proc.returncode == -signal.SIGKILL, proc.stdout + proc.stderr
    assert "settling" in proc.stdout and "not killed" not in proc.stdout


@pytest.mark.parametrize("where", ["intent", "before", "after"])
def test_sigkill_during_settlement_then_recover(where: str, sandbox: RunningSandbox, journal_url: str,
                                               make_client: MakeClient, centre: Centre,
                                               persons: list[dict[str, Any]], drugs: list[dict[str, Any]]) -> None:
    """Killed before the journal commit → nothing journaled or sent, the bill's abandoned claim is
    taken over; killed after the commit (INTENT+SENT, one fsync) before or after the send →
    UNKNOWN → 2601; one charge at most."""
    p = persons[0]
    _killed(sandbox, journal_url, p["certno"], where)
    client = make_client(not_found_retries=1)  # the restarted process, same journal
    rows = client.journal.list(infno="2102")
    if where == "intent":
        # Killed before the intent was committed: nothing reached the journal or the centre.
        # The HIS resubmits the bill: its abandoned claim is taken over, it settles exactly once.
        assert rows == [] and centre.ledger() == []
        report = client.journal.recover(wait=True, max_wait=20)
        assert report.unresolved == [] and client.journal.list(infno="2601") == []
        person = client.identify(Medium.id_card(p["certno"]))
        s = client.pharmacy.settle(person, items(drugs, 1, 2), acct_used_flag="1", idem_key=BILL)
        assert [r["setl_id"] for r in centre.ledger() if r["state"] == "settled"] == [s.setl_id]
        return
    (row,) = rows
    assert row.state == State.SENT
    at_centre = [r for r in centre.ledger() if r["msgid"] == row.msgid]
    assert len(at_centre) == (1 if where == "after" else 0)
    report = client.journal.recover(wait=True, max_wait=20)
    entry = client.journal.get(row.msgid)
    assert entry is not None
    if where == "before":
        # SENT but never left: the centre has nothing, its 2601 answers "not found", a human checks.
        assert entry.state == State.NEEDS_ATTENTION and report.needs_attention == [row.msgid]
    else:
        assert entry.state == State.REVERSED and report.reversed == [row.msgid]
        assert [r["state"] for r in centre.ledger()] == ["reversed"]
    assert row.idem_key == BILL  # the crashed bill's key is known to recovery
    assert settled_total(centre.ledger(), p["psn_no"]) == Decimal("0")
    person = client.identify(Medium.id_card(p["certno"]))
    if where == "before":
        # Unresolved: the HIS resubmitting the bill is told so, and nothing is sent.
        with pytest.raises(StateError, match="unknown"):
            client.pharmacy.settle(person, items(drugs, 1, 2), acct_used_flag="1", idem_key=BILL)
        assert centre.ledger() == []
    else:
        # Resolved: the HIS resubmits the same bill (same key), it goes through once, and the
        # centre holds exactly that one charge.
        s = client.pharmacy.settle(person, items(drugs, 1, 2), acct_used_flag="1", idem_key=BILL)
        settled = [r for r in centre.ledger() if r["state"] == "settled"]
        assert [r["setl_id"] for r in settled] == [s.setl_id]
        assert settled_total(centre.ledger(), p["psn_no"]) == s.medfee_sumamt
