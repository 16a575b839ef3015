"""Run by ``test_sigkill.py`` in a child process: one pharmacy settlement with the real Client
against a sandbox URL, killed with SIGKILL at a chosen point of the 2102.

    python killer.py URL PAASID JOURNAL_URL CERTNO WHERE

WHERE is ``intent`` (inside a ``yibao_before_send`` hook: INTENT committed, SENT not yet),
``before`` (an httpx transport wrapper, after SENT is committed and before the bytes leave)
or ``after`` (the wrapper forwarded the request and read the answer, the outcome is not yet
committed).  The secret comes from the environment (``support.SECRET_ENV``).
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repo root, for tests.workflows

from tests.workflows.support import Centre, CountingTransport, config_dict, items
from yibao.core import Medium
from yibao.core.client import Client
from yibao.core.config import parse_config

KILL_INFNO = "2102"
BILL = "BILL-KILLED"  # the HIS bill number: the idempotency key of the settlement


def die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def kill_before_the_journal(client: Client) -> None:
    """Die between the bill's key claim and the settlement's journal commit (INTENT+SENT)."""
    journal = client.engine.journal
    record = journal.record_intent

    def dying(**row: Any) -> Any:
        if row.get("infno") == KILL_INFNO:
            die()
        return record(**row)

    journal.record_intent = dying  # type: ignore[method-assign]


def main(url: str, paasid: str, journal_url: str, certno: str, where: str) -> None:
    transport = CountingTransport(
        before=(lambda infno: die() if infno == KILL_INFNO else None) if where == "before" else None,
        after=(lambda infno: die() if infno == KILL_INFNO else None) if where == "after" else None,
    )
    client = Client(parse_config(config_dict(url, paasid, journal_url), source="killer"), http_transport=transport)
    if where == "intent":
        kill_before_the_journal(client)
    centre = Centre(url)
    person = client.identify(Medium.id_card(certno))
    print("settling", flush=True)
    client.pharmacy.settle(person, items(centre.drugs(), 1, 2), acct_used_flag="1", idem_key=BILL)
    print("not killed", flush=True)  # reaching this line is a failure of the test set-up


if __name__ == "__main__":
    main(*sys.argv[1:6])
