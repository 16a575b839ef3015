"""SIGTERM is graceful (issue 11): a money call in flight when the signal comes still gets its answer
and journals its outcome; the process then exits 0 and hands the reversal-queue lease back."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from yibao.core import wire
from yibao.core.journal import State, open_journal
from yibao.sandbox.server import RunningSandbox

from ..workflows.support import Centre
from .conftest import sale
from .support import ServiceProcess, free_port, service_dict, write_config

TOKEN = {"Authorization": "Bearer tok-T01-0123456789abcdef"}


def test_sigterm_lets_the_settlement_in_flight_finish(sandbox: RunningSandbox, centre: Centre, tmp_path: Path,
                                                      journal_url: str, persons: list[dict[str, Any]],
                                                      drugs: list[dict[str, Any]]) -> None:
    cfg = service_dict(sandbox.url, sandbox.paasid, journal_url, kind="pharmacy", port=free_port())
    proc = ServiceProcess(write_config(tmp_path / "yibao.toml", cfg), cfg["service"]["port"], sandbox.secret,
                          tmp_path / "serve.log")
    try:
        p = persons[0]
        r = httpx.post(proc.url + "/v1/identify", headers=TOKEN, timeout=10,
                       json={"medium": {"kind": "id_card", "certno": p["certno"], "psn_name": p["psn_name"]}})
        person = wire.loads(r.content)["person"]
        centre.fault("2102", "delay", seconds=3)
        answer: dict[str, httpx.Response] = {}

        def settle() -> None:
            answer["r"] = httpx.post(proc.url + "/v1/pharmacy/settlements", timeout=30,
                                     content=wire.dumps_bytes(sale(person, drugs)),
                                     headers={**TOKEN, "Idempotency-Key": "RX-SIGTERM-1"})

        t = threading.Thread(target=settle)
        t.start()
        time.sleep(1.0)
        started = time.monotonic()
        rc = proc.stop(signal.SIGTERM, timeout=40)
        t.join(10)
    finally:
        if proc.proc.poll() is None:
            proc.stop(signal.SIGKILL)
    log = (tmp_path / "serve.log").read_text()
    # uvicorn shuts down cleanly, then re-raises the signal it caught: the status is SIGTERM's
    assert rc in (0, -signal.SIGTERM), log
    assert "yibao serve: stopped\n" in log and "in hand" not in log, log  # nothing was left in hand
    assert time.monotonic() - started < 30
    r = answer["r"]
    assert r.status_code == 200, r.text
    s = wire.loads(r.content)
    with open_journal(journal_url) as j:
        entry = j.get(s["msgid"])
        lease = j.database.fetchone("SELECT holder FROM service_leases WHERE name = 'reversals'")
        keys = j.database.fetchall("SELECT state, status_code FROM service_idempotency")
    assert entry is not None and entry.state == State.SUCCEEDED and entry.setl_id == s["setl_id"]
    assert lease is not None and lease["holder"] == ""
    assert keys == [{"state": "done", "status_code": 200}]
    assert [r["state"] for r in centre.ledger()] == ["settled"]
