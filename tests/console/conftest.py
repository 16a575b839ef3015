"""Fixtures of the console tests: the sandbox (Dongguan, a hospital), a Python client that makes the
day's settlements, ``yibao serve`` with its console on the same SQLite journal (a real socket),
a console user, and Debian's Chromium driven by Playwright.

Screenshots go to ``$YIBAO_SCREENSHOT_DIR`` (default ``build/console-screenshots``)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from yibao.core.client import Client
from yibao.core.config import parse_config
from yibao.core.console import Users
from yibao.core.engine import ReversalQueue
from yibao.sandbox.config import SandboxConfig
from yibao.sandbox.server import run_in_thread

from ..reconcile.conftest import PAASID, REGION, SECRET, SECRET_ENV, Centre, config_data
from ..service.support import RunningService, start_service

USER, PASSWORD = "wang.li", "console-pass-2026"
SHOTS = Path(os.environ.get("YIBAO_SCREENSHOT_DIR", "build/console-screenshots"))


def chromium_path() -> str | None:
    """Debian's Chromium (``.ci/run`` installs the package); Playwright launches it by path."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def console_config(url: str, tmp: Path) -> dict[str, Any]:
    d = config_data(url, tmp)
    # Unknown outcomes wait an hour for their 2601, so the page's "reverse now" is what sends it.
    d["reversal"] = {"delay_seconds": 3600, "interrupted_after_seconds": 20}
    d["gateway"]["timeout"] = {"read": "5", "connect": 2, "write": 2, "pool": 2}
    d["service"] = {"host": "127.0.0.1", "port": 8765, "tokens_env": "YIBAO_TEST_SERVICE_TOKENS",
                    "leader_lease_seconds": 3, "shutdown_grace_seconds": 5}
    return d


class Desk:
    """The sandbox, a client making settlements, and the service whose console is under test."""

    def __init__(self, centre: Centre, service: RunningService) -> None:
        self.centre = centre
        self.service = service

    @property
    def url(self) -> str:
        return self.service.url + "/console/"


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    monkeypatch.setenv("YIBAO_CONSOLE_SECRET", "a-test-cookie-key-0123456789abcdef")
    monkeypatch.setattr(ReversalQueue, "backoff", lambda self, attempts: 0.05)
    sandbox = run_in_thread(SandboxConfig(paasid=PAASID, secret=SECRET, state_dir=tmp_path / "sb", region=REGION))
    data = console_config(sandbox.url, tmp_path)
    client = Client(parse_config({k: v for k, v in data.items() if k != "service"}))
    service = start_service(parse_config(data))
    Users(service.service.client.engine.journal.database, {}).add(USER, PASSWORD, "王丽")
    try:
        yield Desk(Centre(sandbox, client, tmp_path), service)
    finally:
        service.stop()
        client.close()
        sandbox.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium per test module: Playwright's sync API keeps an event loop running on this thread
    while it is open, so it must be closed before other modules' tests call ``asyncio.run``."""
    exe = chromium_path()
    if exe is None:
        pytest.skip("no Chromium on this machine (Debian package `chromium`; .ci/run installs it)")
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, headless=True, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, desk: Desk) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    yield pg
    context.close()


def sign_in(page: Any, desk: Desk, user: str = USER, password: str = PASSWORD) -> None:
    page.goto(desk.url)
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def shot(page: Any, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
