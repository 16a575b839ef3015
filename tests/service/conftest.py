"""Fixtures of the service tests: a sandbox on loopback, ``yibao serve`` in a thread on a real
socket (its journal a real SQLite file), an HTTP client holding a terminal's token, and a person
identified through the service."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from yibao.core import wire
from yibao.core.engine import ReversalQueue
from yibao.sandbox.config import SandboxConfig
from yibao.sandbox.server import RunningSandbox, run_in_thread

from ..workflows.support import SECRET_ENV, Centre
from .support import TOKENS, RunningService, service_config, start_service

StartService = Callable[..., RunningService]


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSandbox]:
    with run_in_thread(SandboxConfig(state_dir=tmp_path / "sandbox")) as sb:
        monkeypatch.setenv(SECRET_ENV, sb.secret)
        yield sb


@pytest.fixture
def centre(sandbox: RunningSandbox) -> Iterator[Centre]:
    c = Centre(sandbox.url)
    yield c
    c.close()


@pytest.fixture
def journal_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'journal.db'}"


@pytest.fixture
def start(sandbox: RunningSandbox, journal_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[StartService]:
    """Start services on the sandbox (keyword arguments go to the configuration); stopped after."""
    monkeypatch.setattr(ReversalQueue, "backoff", lambda self, attempts: 0.05)
    running: list[RunningService] = []

    def make(**cfg: Any) -> RunningService:
        cfg.setdefault("kind", "pharmacy")
        svc = start_service(service_config(cfg.pop("url", sandbox.url), sandbox.paasid,
                                           cfg.pop("journal", journal_url), **cfg))
        running.append(svc)
        return svc

    yield make
    for s in running:
        s.stop()


@pytest.fixture
def service(start: StartService) -> RunningService:
    return start()


def api_client(url: str, terminal: str = "T01") -> httpx.Client:
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKENS[terminal]}"}, timeout=30)


@pytest.fixture
def api(service: RunningService) -> Iterator[httpx.Client]:
    with api_client(service.url) as c:
        yield c


@pytest.fixture
def persons(centre: Centre) -> list[dict[str, Any]]:
    return [p for p in centre.local_persons() if p.get("psn_cert_type") == "01"
            and all(str(i.get("psn_insu_stas", "1")) == "1" for i in p.get("insuinfo") or [{}])]


@pytest.fixture
def drugs(centre: Centre) -> list[dict[str, Any]]:
    return centre.drugs()


@pytest.fixture
def identify(api: httpx.Client, persons: list[dict[str, Any]]) -> Callable[[int], dict[str, Any]]:
    """POST /v1/identify of the n-th local person by ID card; the ``person`` to send back."""

    def get(n: int) -> dict[str, Any]:
        p = persons[n]
        r = api.post("/v1/identify", json={"medium": {"kind": "id_card", "certno": p["certno"],
                                                      "psn_name": p["psn_name"]}})
        assert r.status_code == 200, r.text
        person: dict[str, Any] = wire.loads(r.content)["person"]  # amounts as Decimal, never float
        return person

    return get


def sale(person: dict[str, Any], drugs: list[dict[str, Any]], *, n: int = 2, start: int = 1,
         pric: str = "12.50") -> dict[str, Any]:
    """The body of a pharmacy sale of ``n`` lines."""
    return {"person": person, "items": [
        {"feedetl_sn": str(start + i), "med_list_codg": d["med_list_codg"], "medins_list_codg": f"HIS{start + i:05d}",
         "cnt": 2, "pric": pric} for i, d in enumerate(drugs[:n])]}


def new_key() -> str:
    return f"RX-{uuid.uuid4().hex[:12]}"
