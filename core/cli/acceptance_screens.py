"""界面截图 for ``yibao acceptance``: the console's pages photographed after the run (issue 14).

Dongguan's lists ask for screenshots of the query functions (5201, 5203, 5204), of reconciliation
(3201 / 3202, 9101 / 9102), of clearing (3260-3262) and of 冲正 (2601); other interfaces on its
lists ask for 界面截图 of their own screen.  After the run, the console is started on a loopback
port of this process, on the run's journal, with a one-time user that exists only in memory;
Debian's Chromium, driven by Playwright, signs in and takes:

=====================  ==========================================================
1101, 5201             person lookup (1101 then 5201), personal data masked
5203, 5204             the settlement and fee details of the person's first visit
3201 3202 9101 9102    the month's reconciliation with its differences
3260 3261 3262         the month's 3260 rows as the clearing page shows them
2601                   the unresolved page and the 2601 entry with its original
1901, 1301-1319        the catalogue page (last sync of every kind)
any other 截图 item     the journal page of its message (masked request and reply)
=====================  ==========================================================

Files go to ``OUT/screenshots/``; ``report.json`` names them per interface and ``report.html``
embeds them.  Without Playwright or Chromium the report says so and keeps its text evidence.
"""

from __future__ import annotations

import secrets
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs

from ..clock import now
from ..config import Config

__all__ = ["take_screenshots"]

_QUERIES = ("1101", "5201")
_SETTLEMENT = ("5203", "5204")
_RECONCILE = ("3201", "3202", "9101", "9102")
_CLEARING = ("3260", "3261", "3262")
_CATALOG = ("1901", *(f"13{n:02d}" for n in range(1, 20)))


def _chromium() -> str | None:
    return next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p), None)


@contextmanager
def _console(config: Config, user: str, password: str) -> Iterator[str]:
    """``yibao serve`` with its console on a free loopback port, a user only it knows."""
    import uvicorn

    from ..console.users import hash_password
    from ..service import Service, create_app
    from ..service.auth import Tokens
    from ..service.runner import listen, uvicorn_config

    console = attrs.evolve(config.console, enabled=True, users={user: hash_password(password)})
    cfg = attrs.evolve(config, console=console)
    service = Service(cfg, tokens=Tokens({}), start_leader=False)
    sock = listen("127.0.0.1", 0)  # held from here on: no other process can take the port in between
    port = int(sock.getsockname()[1])
    # no access lines: the pages the browser visits are not the operator's business on this terminal
    server = uvicorn.Server(uvicorn_config(create_app(service, access_log=False), "127.0.0.1", port, grace=2))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started and thread.is_alive():
            thread.join(0.05)
        yield f"http://127.0.0.1:{port}/console/"
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


def _settled(report: Any) -> dict[str, Any]:
    """A settlement of the run (an outpatient or inpatient one first: 5201 lists its visit)."""
    for infnos in (("2207", "2304"), ("2102",)):
        for r in report.records:
            s = r.reply.get("setlinfo") if r.ok and r.infno in infnos and isinstance(r.reply, dict) else None
            if isinstance(s, dict) and s.get("psn_no") and s.get("mdtrt_id") and s.get("setl_id"):
                return s
    return {}


def _wanted(report: Any) -> list[str]:
    return [i.infno for i in report.interfaces if "截图" in i.evidence_asked]


def take_screenshots(config: Config, report: Any, out: Path, persons: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Photograph the console for every interface whose evidence is 界面截图; ``{infno: [file, ...]}``
    (relative to ``out``).  Raises ``RuntimeError`` naming what is missing when it cannot."""
    wanted = _wanted(report)
    if not wanted:
        return {}
    exe = _chromium()
    if exe is None:
        raise RuntimeError("no Chromium on this machine (Debian: apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise RuntimeError("Playwright is not installed (pip install playwright)") from None
    shots_dir = out / "screenshots"
    shots_dir.mkdir(parents=True, exist_ok=True)
    user, password = f"acceptance-{secrets.token_hex(3)}", secrets.token_urlsafe(16)
    taken: dict[str, list[str]] = {}

    with _console(config, user, password) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        page.set_default_timeout(60_000)

        def shot(name: str, infnos: tuple[str, ...] | list[str]) -> None:
            path = shots_dir / f"{name}.png"
            page.screenshot(path=str(path), full_page=True)
            for infno in infnos:
                if infno in wanted:
                    taken.setdefault(infno, []).append(f"screenshots/{path.name}")

        page.goto(base + "login")
        page.fill("input[name=username]", user)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(base)
        done: set[str] = set()
        setl = _settled(report)
        if any(i in wanted for i in (*_QUERIES, *_SETTLEMENT)) and (persons or setl):
            page.goto(base + "person")
            who = next((p for p in persons if p.get("psn_no") == setl.get("psn_no")), persons[0] if persons else {})
            if who.get("certno"):  # 1101 by ID card, then 5201
                page.fill("#lookup input[name=certno]", str(who["certno"]))
                page.fill("#lookup input[name=psn_name]", str(who.get("psn_name", "")))
            else:
                page.fill("#lookup input[name=psn_no]", str(setl["psn_no"]))
            if str(setl.get("med_type", "")) in ("11", "14", "21", "41"):
                page.select_option("#lookup select[name=med_type]", str(setl["med_type"]))
            page.click("#lookup button[type=submit]")
            page.wait_for_load_state()
            shot("person-1101-5201", _QUERIES)
            if setl:
                page.fill("#by-settlement input[name=psn_no]", str(setl["psn_no"]))
                page.fill("#by-settlement input[name=mdtrt_id]", str(setl["mdtrt_id"]))
                page.fill("#by-settlement input[name=setl_id]", str(setl["setl_id"]))
                page.click("#by-settlement button[type=submit]")
                page.wait_for_selector("#fees")
                shot("settlement-5203-5204", _SETTLEMENT)
            done.update((*_QUERIES, *_SETTLEMENT))
        month = now().strftime("%Y-%m")
        if any(i in wanted for i in _RECONCILE):
            page.goto(base + "reconcile")
            page.fill("input[name=month]", month)
            page.click("#reconcile button[type=submit]")
            page.wait_for_selector("#job[data-state=done], #job[data-state=failed]")
            shot("reconcile-3201-3202", _RECONCILE)
            done.update(_RECONCILE)
        if any(i in wanted for i in _CLEARING):
            page.goto(base + "clearing")
            page.fill("#plan input[name=month]", month)
            page.click("#plan button[type=submit]")
            page.wait_for_selector("#job[data-state=done], #job[data-state=failed]")
            if page.get_attribute("#job", "data-state") == "done":
                page.goto(f"{base}clearing?month={month}")
            shot("clearing-3260-3262", _CLEARING)
            done.update(_CLEARING)
        if any(i in wanted for i in _CATALOG):
            page.goto(base + "catalog")
            shot("catalog", [i for i in _CATALOG if i in wanted])
            done.update(_CATALOG)
        if "2601" in wanted:
            page.goto(base + "unresolved")
            shot("unresolved-2601", ("2601",))
        for i in report.interfaces:  # the rest: each one's own message, as the console shows it
            if i.infno in wanted and i.infno not in done and i.msgids:
                page.goto(base + "journal/" + i.msgids[-1])
                if page.locator("pre.json").count():
                    shot(f"entry-{i.infno}", (i.infno,))
        browser.close()
    return taken
