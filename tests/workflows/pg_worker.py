"""Run by ``test_pg_concurrency.py`` in a child process: one terminal settling bills through the
real workflow with the journal on PostgreSQL, racing the other terminals.

    python pg_worker.py URL PAASID JOURNAL_URL TERMINAL FIRST COUNT CERTNOS START_AT OUT

Bills ``BILL-FIRST`` .. ``BILL-(FIRST+COUNT-1)`` are settled in order (idempotency key = the
bill), bill ``i`` for person ``CERTNOS[i % n]``.  A refusal "in progress" (another terminal
holds the bill) or "unresolved" (another terminal is settling that person right now) is asked
again until the bill has its result.  OUT receives JSON: the setl_id and msgid per bill, every
(infno, msgid) this process sent, the retries and the errors.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repo root, for tests.workflows

from tests.workflows.support import CountingTransport, config_dict, items
from yibao.core import Medium
from yibao.core.client import Client
from yibao.core.config import parse_config
from yibao.core.errors import StateError, YibaoError
from yibao.core.logging import configure_logging

DRUG = [{"med_list_codg": "SBXA01AAA0001"}]  # a catalogue drug the sandbox prices (seed data)


def main(url: str, paasid: str, journal_url: str, terminal: str, first: str, count: str, certnos: str,
         start_at: str, out: str) -> None:
    configure_logging(level="WARNING")  # as the CLI runs: no info line per message
    transport = CountingTransport()
    cfg = parse_config(config_dict(url, paasid, journal_url, terminal=terminal), source="pg-worker")
    result: dict[str, Any] = {"bills": {}, "sent": transport.sent, "retries": 0, "errors": []}
    with Client(cfg, http_transport=transport) as client:
        people = [client.identify(Medium.id_card(c)) for c in certnos.split(",")]
        client.sessions.current_sign_no()
        time.sleep(max(0.0, float(start_at) - time.time()))  # all terminals start together
        t0 = time.perf_counter()
        for i in range(int(first), int(first) + int(count)):
            person = people[i % len(people)]
            give_up = time.monotonic() + 120  # a livelock shows as an error, not as a hang
            while True:
                try:
                    s = client.pharmacy.settle(person, items(DRUG, i, 1, cnt="1", pric="3.20"),
                                        idem_key=f"BILL-{i}")
                except StateError as exc:
                    if ("in progress" in str(exc) or "unresolved" in str(exc)) and time.monotonic() < give_up:
                        result["retries"] += 1
                        time.sleep(0.002)
                        continue
                    result["errors"].append(f"BILL-{i}: {type(exc).__name__}: {exc}")
                except YibaoError as exc:
                    result["errors"].append(f"BILL-{i}: {type(exc).__name__}: {exc}")
                else:
                    result["bills"][f"BILL-{i}"] = [s.setl_id, s.msgid]
                break
        result["seconds"] = time.perf_counter() - t0
    Path(out).write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:10])
