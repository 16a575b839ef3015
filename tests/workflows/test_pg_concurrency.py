"""Four processes settling at once with the journal on PostgreSQL (issue 4; reliability.md §2
cases 10-12): no duplicate msgid, no lost journal row, no bill settled twice.

Terminals T1 and T2 settle bills 0..N-1 in the same order at the same moment, T3 and T4 bills
N..2N-1: each bill is raced by two processes (a double submit from two terminals) and each
process settles N bills.  The journal lives in a throw-away schema (``search_path``) of the
``test`` database, dropped afterwards.

Two sizes: N = 50 in every run, and the issue's N = 500 (about a minute alone on a 2-core
machine, much longer while other suites run) only with ``YIBAO_SLOW=1``, so that a plain
``pytest tests`` of the whole team does not start 4 x 500 settlements each time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from yibao.core.journal import State, open_journal
from yibao.sandbox.config import SandboxConfig
from yibao.sandbox.server import RunningSandbox, run_in_thread

from ..pg import throwaway_schema
from .support import INSTITUTION, SECRET_ENV, Centre

WORKER = Path(__file__).resolve().parent / "pg_worker.py"


@pytest.fixture
def pg_journal_url() -> Iterator[str]:
    with throwaway_schema("yibao_wf") as url:
        yield url


@pytest.fixture
def quiet_sandbox(tmp_path: Path) -> Iterator[RunningSandbox]:
    with run_in_thread(SandboxConfig(state_dir=tmp_path / "sandbox")) as sb:
        yield sb


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.parametrize("bills", [500])
def test_four_processes_settle_at_once_on_postgresql(bills: int, tmp_path: Path, pg_journal_url: str,
                                                     quiet_sandbox: RunningSandbox) -> None:
    """4 × N settlements at once: every bill settled once, msgids unique, the journal matches the centre row for row."""
    BILLS = bills
    sb = quiet_sandbox
    centre = Centre(sb.url)
    local = [p for p in centre.local_persons() if p.get("psn_cert_type") == "01"
             and all(str(i.get("psn_insu_stas", "1")) == "1" for i in p.get("insuinfo") or [{}])]
    assert len(local) >= 6, "the sandbox seeds too few Dongguan persons for two pools"
    pools = [",".join(p["certno"] for p in local[:3]), ",".join(p["certno"] for p in local[3:6])]
    env = {**os.environ, SECRET_ENV: sb.secret}
    start_at = time.time() + 8  # time for the four to start, sign in and identify
    plan = [("T01", 0, pools[0]), ("T02", 0, pools[0]), ("T03", BILLS, pools[1]), ("T04", BILLS, pools[1])]
    t0 = time.perf_counter()
    # Each worker writes to a file of its own: a pipe read one worker after the other would fill
    # up and stop a worker that holds a bill, and its partner would wait for it for ever.
    logs = [(tmp_path / f"{term}.log").open("w", encoding="utf-8") for term, _, _ in plan]
    procs = [subprocess.Popen([sys.executable, str(WORKER), sb.url, sb.paasid, pg_journal_url, term, str(first),
                               str(BILLS), certnos, str(start_at), str(tmp_path / f"{term}.json")],
                              env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
             for (term, first, certnos), log in zip(plan, logs, strict=True)]
    try:
        for p in procs:
            p.wait(timeout=1200)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        for log in logs:
            log.close()
    outputs = [(tmp_path / f"{term}.log").read_text(encoding="utf-8")[-3000:] for term, _, _ in plan]
    elapsed = time.perf_counter() - t0
    assert [p.returncode for p in procs] == [0, 0, 0, 0], outputs
    results: list[dict[str, Any]] = [json.loads((tmp_path / f"{t}.json").read_text()) for t, _, _ in plan]
    print(f"\n4 x {BILLS} settlements on PostgreSQL: {elapsed:.1f} s in all; per process "
          + ", ".join(f"{r['seconds']:.1f} s ({r['retries']} retries)" for r in results))
    assert [r["errors"] for r in results] == [[], [], [], []]
    # Every bill has its result, and both terminals of a bill got the same settlement.
    for a, b in ((results[0], results[1]), (results[2], results[3])):
        assert len(a["bills"]) == len(b["bills"]) == BILLS
        assert a["bills"] == b["bills"]
    by_bill = {**results[0]["bills"], **results[2]["bills"]}
    assert len(by_bill) == 2 * BILLS
    # No msgid was ever sent twice, by any process.
    sent = [msgid for r in results for _, msgid in r["sent"]]
    assert len(sent) == len(set(sent))
    # The centre holds exactly one settlement per bill, each the one the HIS was told of.
    ledger = [r for r in centre.ledger() if r["infno"] == "2102"]
    assert len(ledger) == 2 * BILLS and {r["state"] for r in ledger} == {"settled"}
    assert sorted((r["setl_id"], r["msgid"]) for r in ledger) == sorted(tuple(v) for v in by_bill.values())
    # The journal lost no row: one SUCCEEDED 2102 per centre settlement, with its setl_id.
    with open_journal(pg_journal_url) as j:
        rows = j.list(infno="2102", limit=10 * BILLS)
        assert len(rows) == 2 * BILLS and {e.state for e in rows} == {State.SUCCEEDED}
        assert {(e.setl_id, e.msgid) for e in rows} == {(r["setl_id"], r["msgid"]) for r in ledger}
        assert all(e.fixmedins_code == INSTITUTION for e in rows)
    centre.close()
