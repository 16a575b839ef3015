"""Fixtures of the workflow tests: a sandbox over real loopback sockets (uvicorn in a thread),
its control API, and clients configured against it with a journal on a real SQLite file."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from yibao.core import Identity, Medium
from yibao.core.client import Client
from yibao.core.config import parse_config
from yibao.core.engine import ReversalQueue
from yibao.sandbox.config import SandboxConfig
from yibao.sandbox.server import RunningSandbox, run_in_thread

from .support import SECRET_ENV, Centre, config_dict

MakeClient = Callable[..., Client]


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSandbox]:
    """A fresh simulated centre on 127.0.0.1 (its own books under ``tmp_path``)."""
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
def make_client(sandbox: RunningSandbox, journal_url: str, monkeypatch: pytest.MonkeyPatch
                ) -> Iterator[MakeClient]:
    """Build clients on the sandbox the way the CLI and the service start one: construct (no I/O
    beyond opening), then the start-up recovery run (``client.recover()``).  Keyword arguments go
    to :func:`config_dict`, ``transport=`` and ``clock=`` to :class:`Client`, ``recover=False``
    skips the start-up run.  Reversal backoff is cut to 50 ms so that retries run now."""
    made: list[Client] = []
    # For every queue of the test, also the one a new Client runs at start-up.
    monkeypatch.setattr(ReversalQueue, "backoff", lambda self, attempts: 0.05)

    def make(*, transport: httpx.BaseTransport | None = None, clock: Any = None, url: str | None = None,
             recover: bool = True, **cfg: Any) -> Client:
        config = parse_config(config_dict(url or sandbox.url, sandbox.paasid, journal_url, **cfg), source="test")
        kwargs: dict[str, Any] = {"http_transport": transport}
        if clock is not None:
            kwargs["clock"] = clock
        client = Client(config, **kwargs)
        made.append(client)
        if recover:
            client.recover()
        return client

    yield make
    for c in made:
        c.close()


@pytest.fixture
def client(make_client: MakeClient) -> Client:
    return make_client()


@pytest.fixture
def persons(centre: Centre) -> list[dict[str, Any]]:
    """Dongguan persons with a resident ID (identified by ``Medium.id_card``) whose insurance is in
    normal status (psn_insu_stas 1): they can settle."""
    return [p for p in centre.local_persons() if p.get("psn_cert_type") == "01"
            and all(str(i.get("psn_insu_stas", "1")) == "1" for i in p.get("insuinfo") or [{}])]


@pytest.fixture
def drugs(centre: Centre) -> list[dict[str, Any]]:
    return centre.drugs()


@pytest.fixture
def who(client: Client, persons: list[dict[str, Any]]) -> Callable[[int], Identity]:
    """Identify the n-th local person by ID number (1101 through the client)."""

    def get(n: int) -> Identity:
        p = persons[n]
        return client.identify(Medium.id_card(p["certno"], p["psn_name"]))

    return get
