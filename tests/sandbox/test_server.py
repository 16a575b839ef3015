"""``run_in_thread`` and ``yibao sandbox serve`` (contract.md, Commands)."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import Centre

from yibao.sandbox.config import SandboxConfig
from yibao.sandbox.server import run_in_thread

# The command group alone, loaded from its file and mounted the way the main CLI mounts it
# (``register(app)``), so this test does not depend on the other command groups.
_CLI = (
    "import typer; from yibao.sandbox.cli import register; "
    "app = typer.Typer(); app.callback()(lambda: None); register(app); app()"
)


def test_run_in_thread_serves_and_stops(tmp_path: Path) -> None:
    with run_in_thread(SandboxConfig(state_dir=tmp_path)) as sb:
        assert sb.url.startswith("http://127.0.0.1:")
        assert httpx.get(sb.url + "/_sandbox/persons").status_code == 200
        url = sb.url
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/_sandbox/persons", timeout=2)


def test_cli_serve_prints_url_and_credentials(tmp_path: Path) -> None:
    cmd = [
        sys.executable,
        "-c",
        _CLI,
        "sandbox",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--paasid",
        "cli-paasid",
        "--secret",
        "cli-secret",
        "--state",
        str(tmp_path / "st"),
        "--region",
        "620000",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        m = re.search(r"url=(http://\S+) paasid=(\S+) secret=(\S+)", first)
        assert m, first
        url, paasid, secret = m.groups()
        assert (paasid, secret) == ("cli-paasid", "cli-secret")
        deadline = time.monotonic() + 15
        while True:
            try:
                httpx.get(url + "/_sandbox/persons", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the server did not come up"
                time.sleep(0.1)
        from conftest import x_tif

        c = Centre(url=url, region="620100")
        r = c.post("/fsi/api/rsfComIfsService/callService", b"{}", x_tif(secret="cli-secret", paasid="cli-paasid"))
        assert r.status_code == 200 and r.json()["infcode"] == -1  # passed the gateway, refused the envelope
        assert (tmp_path / "st" / "sandbox.db").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_cli_rejects_a_bad_region(tmp_path: Path) -> None:
    cmd = [sys.executable, "-c", _CLI, "sandbox", "serve", "--region", "44"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert res.returncode == 2


def test_cli_refuses_a_port_in_use(tmp_path: Path) -> None:
    """Exit 2 naming ``--port``, before any URL is printed (uvicorn's own exit code would be 3)."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        cmd = [sys.executable, "-c", _CLI, "sandbox", "serve", "--port", str(port), "--state", str(tmp_path / "st")]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert res.returncode == 2, res.stdout + res.stderr
    assert f"--port: cannot listen on 127.0.0.1:{port}" in res.stderr and "in use" in res.stderr
    assert "url=" not in res.stdout


def test_connections_on_the_bound_socket_get_tcp_nodelay() -> None:
    """``listen`` gives a socket that says it is TCP, so asyncio sets TCP_NODELAY on what it accepts
    (without it every answer in two writes waits out the client's delayed ACK)."""
    from tests.sockets import nodelay_of_accepted
    from yibao.sandbox.server import listen

    assert nodelay_of_accepted(listen) != 0


@pytest.mark.parametrize(("platform", "options"), [("linux", {"SO_REUSEADDR"}), ("win32", {"SO_EXCLUSIVEADDRUSE"})])
def test_the_port_is_held_exclusively_on_windows(monkeypatch: pytest.MonkeyPatch, platform: str,
                                                 options: set[str]) -> None:
    """A second sandbox on the port is refused on Windows too (SO_REUSEADDR would let it bind)."""
    from tests.sockets import reuse_options
    from yibao.sandbox.server import listen

    assert reuse_options(listen, monkeypatch, platform) == options
