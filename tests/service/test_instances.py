"""Two ``yibao serve`` processes on one PostgreSQL journal behave as one (contract "``yibao serve``";
reliability.md §2 cases 5, 10, 12): msgids unique, idempotency keys shared, exactly one instance
runs the reversal queue, and when it is SIGKILLed (one settlement of it still waiting for the
centre) the other takes the queue over within 30 s, reverses what the dead one left, and no bill
is lost or charged twice while the HIS keeps resending every bill to whichever instance answers.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from yibao.core import wire
from yibao.core.journal import State, open_journal
from yibao.sandbox.config import SandboxConfig
from yibao.sandbox.server import RunningSandbox, run_in_thread

from ..pg import throwaway_schema
from ..workflows.support import Centre
from .conftest import sale
from .support import ServiceProcess, free_port, service_dict, write_config

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

TOKEN = "tok-T{:02d}-0123456789abcdef"
BILLS_PER_TERMINAL = 3
TERMINALS = 5


@pytest.fixture
def pg_url() -> Iterator[str]:
    with throwaway_schema("yibao_svc") as url:
        yield url


@pytest.fixture
def sb(tmp_path: Path) -> Iterator[RunningSandbox]:
    with run_in_thread(SandboxConfig(state_dir=tmp_path / "sandbox")) as s:
        yield s


def _leader(proc: ServiceProcess) -> bool:
    try:
        text = httpx.get(proc.url + "/metrics", timeout=2).text
    except httpx.HTTPError:
        return False
    return "yibao_service_leader 1.0" in text


class His:
    """One terminal of the HIS: settles its bills, resending each (same key, same body) to
    whichever instance answers until it has the answer, then once more to the other instance."""

    def __init__(self, n: int, urls: list[str], person: dict[str, Any], drugs: list[dict[str, Any]]) -> None:
        self.terminal = f"T{n:02d}"
        self.headers = {"Authorization": "Bearer " + TOKEN.format(n)}
        self.urls = urls[n % 2:] + urls[: n % 2]
        self.person, self.drugs = person, drugs
        self.answers: dict[str, dict[str, Any]] = {}
        self.replays = 0
        self.errors: list[str] = []

    def settle(self, key: str, body: bytes, deadline: float) -> dict[str, Any]:
        i = 0
        while time.monotonic() < deadline:
            url = self.urls[i % 2]
            try:
                r = httpx.post(url + "/v1/pharmacy/settlements", content=body, timeout=15,
                               headers={**self.headers, "Idempotency-Key": key})
            except httpx.HTTPError:
                i += 1  # that instance is gone (or went while we waited): the other one
                time.sleep(0.2)
                continue
            if r.status_code == 200:
                self.replays += r.headers.get("idempotent-replayed") == "true"
                out: dict[str, Any] = wire.loads(r.content)
                return out
            if r.status_code in (409, 504):  # in progress / being resolved: the same bill again later
                time.sleep(0.5)
                continue
            self.errors.append(f"{key}: {r.status_code} {r.text[:200]}")
            return {}
        self.errors.append(f"{key}: no answer before the deadline")
        return {}

    def run(self, deadline: float) -> None:
        for b in range(BILLS_PER_TERMINAL):
            key = f"{self.terminal}-BILL-{b}"
            body = wire.dumps_bytes(sale(self.person, self.drugs, n=1 + b % 2, start=10 * b + 1))
            first = self.settle(key, body, deadline)
            if first:
                self.answers[key] = first
                again = self.settle(key, body, deadline)  # the HIS resends: replayed, never charged again
                if again != first:
                    self.errors.append(f"{key}: the resend answered another settlement")


def test_two_instances_one_killed_lose_nothing_and_charge_nothing_twice(
        sb: RunningSandbox, pg_url: str, tmp_path: Path) -> None:
    centre = Centre(sb.url)
    cfg = service_dict(sb.url, sb.paasid, pg_url, kind="pharmacy", lease=3)
    procs = []
    for name in ("a", "b"):
        cfg["service"]["port"] = free_port()
        path = write_config(tmp_path / f"{name}.toml", cfg)
        procs.append(ServiceProcess(path, cfg["service"]["port"], sb.secret, tmp_path / f"{name}.log"))
    a, b = procs
    try:
        deadline = time.monotonic() + 20
        while not (_leader(a) or _leader(b)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [_leader(a), _leader(b)].count(True) == 1, "exactly one instance runs the reversal queue"
        leader, survivor = (a, b) if _leader(a) else (b, a)

        people = [p for p in centre.local_persons() if p.get("psn_cert_type") == "01"
                  and all(str(i.get("psn_insu_stas", "1")) == "1" for i in p.get("insuinfo") or [{}])]
        drugs = centre.drugs()
        hdr = {"Authorization": "Bearer " + TOKEN.format(1)}
        persons = []
        for p in people[:TERMINALS + 1]:
            r = httpx.post(survivor.url + "/v1/identify", headers=hdr, timeout=10,
                           json={"medium": {"kind": "id_card", "certno": p["certno"], "psn_name": p["psn_name"]}})
            assert r.status_code == 200, r.text
            persons.append(wire.loads(r.content)["person"])

        # The victim: a settlement the leader has sent and the centre committed, its answer 3 s late.
        victim = His(TERMINALS + 1, [leader.url, survivor.url], persons[TERMINALS], drugs)
        victim.urls = [leader.url, survivor.url]
        centre.fault("2102", "delay", seconds=3)
        vbody = wire.dumps_bytes(sale(victim.person, drugs, n=2))
        vthread = threading.Thread(target=lambda: victim.answers.update(
            VICTIM=victim.settle("VICTIM-BILL", vbody, time.monotonic() + 120)))
        vthread.start()
        time.sleep(1.0)

        his = [His(n, [a.url, b.url], persons[n - 1], drugs) for n in range(1, TERMINALS + 1)]
        threads = [threading.Thread(target=h.run, args=(time.monotonic() + 120,)) for h in his]
        for t in threads:
            t.start()
        time.sleep(0.7)
        leader.proc.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        leader.proc.wait(10)
        while not _leader(survivor):
            assert time.monotonic() - killed_at < 30, "no instance took the reversal queue over within 30 s"
            time.sleep(0.2)
        took_over = time.monotonic() - killed_at
        # The operator sees the takeover, and from whom (an ordinary start is only INFO).
        took = [line for line in survivor.log.read_text(errors="replace").splitlines() if "leader_taken_over" in line]
        assert len(took) == 1 and f":{leader.proc.pid}:" in took[0].split("previous=")[1], took
        for t in [*threads, vthread]:
            t.join(150)

        problems = [e for h in [*his, victim] for e in h.errors]
        assert problems == []
        assert took_over < 30
        # Every bill has its answer; the resends were replays (keys shared by both instances).
        assert sum(len(h.answers) for h in his) == TERMINALS * BILLS_PER_TERMINAL
        assert sum(h.replays for h in his) >= TERMINALS * BILLS_PER_TERMINAL
        assert victim.answers["VICTIM"]["setl_id"]

        # The centre: each bill charged exactly once; the victim's first charge reversed.
        ledger = centre.ledger()
        settled = [r for r in ledger if r["state"] == "settled"]
        assert len(settled) == TERMINALS * BILLS_PER_TERMINAL + 1
        answered = {x["setl_id"] for h in [*his, victim] for x in h.answers.values()}
        assert {r["setl_id"] for r in settled} == answered
        victim_rows = [r for r in ledger if r["psn_no"] == victim.person["psn_no"]]
        assert sorted(r["state"] for r in victim_rows) == ["reversed", "settled"]
        for h in his:
            mine = [r for r in settled if r["psn_no"] == h.person["psn_no"]]
            assert sum((Decimal(str(r["medfee_sumamt"])) for r in mine), Decimal("0")) == sum(
                (x["medfee_sumamt"] for x in h.answers.values()), Decimal("0"))

        # The journal: msgids unique (one per envelope the centre saw), nothing left unresolved.
        with open_journal(pg_url) as j:
            entries = j.list(limit=10_000)
            rows = j.database.fetchall("SELECT msgid, COUNT(*) AS n FROM journal_entries GROUP BY msgid"
                                       " HAVING COUNT(*) > 1")
        assert rows == []
        journaled = {e.msgid for e in entries}
        assert {r["msgid"] for r in ledger} <= journaled
        assert [e.msgid for e in entries if e.state in (State.UNKNOWN, State.REVERSING, State.NEEDS_ATTENTION,
                                                        State.SENT, State.INTENT)] == []
        assert len({r["msgid"] for r in ledger}) == len(ledger)
    finally:
        for p in procs:
            p.stop(signal.SIGTERM)
        centre.close()
