"""The control API's token (contract.md, "The sandbox, further"), with real processes on 127.0.0.1.

``python -m yibao.sandbox serve``: bound to loopback the control API needs no token; a bind to
any other host needs ``--control-token`` (else exit 2 with a message), and then every control
request needs ``X-Sandbox-Token``.  The non-loopback case binds 0.0.0.0 but connects only to
127.0.0.1.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import typer
from conftest import PAASID, SECRET, Centre, dumps, x_tif
from typer.testing import CliRunner

from yibao.sandbox.app import create_app
from yibao.sandbox.cli import register
from yibao.sandbox.config import SandboxConfig
from yibao.sandbox.server import is_loopback

TOKEN = "tok-0123456789abcdef"


class Served:
    def __init__(self, proc: subprocess.Popen[str], port: int) -> None:
        self.proc = proc
        self.port = port
        self.base = f"http://127.0.0.1:{port}"


def _first_line(proc: subprocess.Popen[str], timeout: float = 30) -> str:
    box: list[str] = []
    reader = threading.Thread(target=lambda: box.append(proc.stdout.readline() if proc.stdout else ""), daemon=True)
    reader.start()
    reader.join(timeout)
    return box[0] if box else ""


def _start(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "yibao.sandbox", "serve", "--port", "0", "--paasid", PAASID, "--secret", SECRET,
           "--state", str(tmp_path / "state"), "--region", "441900", *args]  # fmt: skip
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[object]:
    started: list[subprocess.Popen[str]] = []

    def go(*args: str) -> Served:
        proc = _start(tmp_path, *args)
        started.append(proc)
        line = _first_line(proc)
        m = re.search(r"url=http://[^:]+:(\d+) ", line)
        assert m, (line, proc.poll())
        port = int(m.group(1))
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "the sandbox did not start"
                time.sleep(0.05)
        return Served(proc, port)

    yield go
    for proc in started:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def test_a_non_loopback_bind_without_a_token_is_refused(tmp_path: Path) -> None:
    proc = _start(tmp_path, "--host", "0.0.0.0")
    try:
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 2
    assert "--control-token" in err and "0.0.0.0" in err
    assert "url=" not in out  # nothing was served


def test_a_non_loopback_bind_with_a_token_guards_every_control_call(serve: object) -> None:
    sb: Served = serve("--host", "0.0.0.0", "--control-token", TOKEN)  # type: ignore[operator]
    persons = sb.base + "/_sandbox/persons"
    assert httpx.get(persons).status_code == 401
    assert httpx.get(persons, headers={"X-Sandbox-Token": TOKEN + "x"}).status_code == 401
    assert httpx.get(persons, headers={"X-Sandbox-Token": ""}).status_code == 401
    r = httpx.get(persons, headers={"X-Sandbox-Token": TOKEN})
    assert r.status_code == 200 and r.json()
    assert httpx.post(sb.base + "/_sandbox/reset").status_code == 401
    assert httpx.post(sb.base + "/_sandbox/reset", headers={"X-Sandbox-Token": TOKEN}).status_code == 200
    # The wire keeps its own guard, the x-tif gateway: no control token there.
    data = {"mdtrt_cert_type": "02", "mdtrt_cert_no": r.json()[0]["certno"], "psn_cert_type": "01"}
    env = Centre(url=sb.base).envelope("1101", {"data": data})
    reply = httpx.post(sb.base + "/fsi/api/rsfComIfsService/callService", content=dumps(env),
                       headers={"content-type": "application/json", **x_tif()})  # fmt: skip
    assert reply.status_code == 200 and reply.json()["infcode"] == 0


def test_loopback_needs_no_token(serve: object) -> None:
    sb: Served = serve()  # type: ignore[operator]
    assert httpx.get(sb.base + "/_sandbox/persons").status_code == 200


def test_a_token_given_on_loopback_is_required_too(tmp_path: Path) -> None:
    app = create_app(SandboxConfig(paasid=PAASID, secret=SECRET, state_dir=tmp_path, control_token=TOKEN))
    c = Centre(app=app)
    status, body = c.control("GET", "/_sandbox/ledger")
    assert status == 401 and "X-Sandbox-Token" in body["error"]


def test_is_loopback() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.9.8.7", "::1", "[::1]", "localhost"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "192.0.2.1", "example.org", ""))


def test_register_adds_the_sandbox_group() -> None:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """root"""

    register(app)
    result = CliRunner().invoke(app, ["sandbox", "serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--paasid", "--secret", "--state", "--region", "--control-token"):
        assert option in result.output
