"""``yibao serve`` as a command (contract "``yibao serve``"): loopback by default, TLS required
anywhere else, refusals of a configuration that could not keep the guarantees (exit 2, naming the
key), and HTTPS with the configured certificate."""

from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import trustme

from yibao.sandbox.server import RunningSandbox

from ..workflows.support import SECRET_ENV
from .support import TOKENS_ENV, free_port, service_dict, tokens_text, wait_healthy, write_config

CLI = [sys.executable, "-c", "from yibao.core.cli import main; main()"]


def _serve(config: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 60
           ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, "--config", str(config), "serve", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


def _env(secret: str, **more: str) -> dict[str, str]:
    return {**os.environ, SECRET_ENV: secret, TOKENS_ENV: tokens_text(), **more}


def _config(tmp_path: Path, sandbox: RunningSandbox, journal_url: str, **service: Any) -> Path:
    d = service_dict(sandbox.url, sandbox.paasid, journal_url, kind="pharmacy", port=free_port())
    d["service"].update(service)
    return write_config(tmp_path / "yibao.toml", d)


def test_a_host_other_than_loopback_needs_tls(sandbox: RunningSandbox, tmp_path: Path, journal_url: str) -> None:
    r = _serve(_config(tmp_path, sandbox, journal_url), "--host", "0.0.0.0", env=_env(sandbox.secret))
    assert r.returncode == 2 and "service.tls_cert" in r.stderr and "not loopback" in r.stderr


def test_no_tokens_or_a_short_recovery_age_refuse_to_start(sandbox: RunningSandbox, tmp_path: Path,
                                                          journal_url: str) -> None:
    config = _config(tmp_path, sandbox, journal_url)
    r = _serve(config, env={**_env(sandbox.secret), TOKENS_ENV: ""})
    assert r.returncode == 2 and "service.tokens_env" in r.stderr
    r = _serve(config, env={**_env(sandbox.secret), TOKENS_ENV: "T01=short"})
    assert r.returncode == 2 and "shorter than 16" in r.stderr
    # the file's own error is named even while the port is taken: configuration first, then the port
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        d = service_dict(sandbox.url, sandbox.paasid, journal_url, interrupted_after_seconds=5,
                         port=taken.getsockname()[1])
        r = _serve(write_config(tmp_path / "short.toml", d), env=_env(sandbox.secret))
        assert r.returncode == 2 and "reversal.interrupted_after_seconds" in r.stderr, r.stderr
        r = _serve(config, "--port", str(taken.getsockname()[1]), env={**_env(sandbox.secret), TOKENS_ENV: ""})
        assert r.returncode == 2 and "service.tokens_env" in r.stderr, r.stderr


def test_a_port_in_use_is_a_configuration_error(sandbox: RunningSandbox, tmp_path: Path, journal_url: str) -> None:
    """Exit 2 naming ``service.port`` (uvicorn's own code would be 3, a business error in the contract);
    the instance takes no lease and starts nothing."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = _serve(_config(tmp_path, sandbox, journal_url), "--port", str(port), env=_env(sandbox.secret))
    assert r.returncode == 2, r.stderr
    assert "service.port" in r.stderr and f"127.0.0.1:{port}" in r.stderr and "in use" in r.stderr
    assert "leader_elected" not in r.stderr and "yibao serve: http" not in r.stderr


def test_https_with_the_configured_certificate(sandbox: RunningSandbox, tmp_path: Path, journal_url: str) -> None:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert.private_key_pem.write_to_path(str(tmp_path / "key.pem"))
    cert.cert_chain_pems[0].write_to_path(str(tmp_path / "cert.pem"))
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    config = _config(tmp_path, sandbox, journal_url, tls_cert=str(tmp_path / "cert.pem"),
                     tls_key=str(tmp_path / "key.pem"))
    port = int(next(line for line in config.read_text().splitlines() if line.startswith("port")).split("=")[1])
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen([*CLI, "--config", str(config), "serve"], env=_env(sandbox.secret), stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        url = f"https://127.0.0.1:{port}"
        https = httpx.Client(verify=ssl.create_default_context(cafile=str(tmp_path / "ca.pem")), timeout=2)
        for _ in range(200):
            try:
                if https.get(url + "/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                assert proc.poll() is None, (tmp_path / "serve.log").read_text()
                time.sleep(0.1)
        assert https.get(url + "/healthz").json() == {"status": "ok"}
        r = https.get(url + "/v1/journal")
        assert r.status_code == 401
        try:
            wait_healthy(f"http://127.0.0.1:{port}", timeout=1)
            plain = True
        except (TimeoutError, RuntimeError):
            plain = False
        assert not plain, "plain HTTP must not be served when TLS is configured"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        log.close()


def test_connections_on_the_bound_socket_get_tcp_nodelay() -> None:
    """The socket bound by :func:`listen` says it is TCP, so asyncio sets TCP_NODELAY on every accepted
    connection: without it a reply in two writes waits out the client's delayed ACK (40 ms a call)."""
    from tests.sockets import nodelay_of_accepted
    from yibao.core.service.runner import listen

    assert nodelay_of_accepted(listen) != 0


@pytest.mark.parametrize(("platform", "options"), [("linux", {"SO_REUSEADDR"}), ("win32", {"SO_EXCLUSIVEADDRUSE"})])
def test_the_port_is_held_exclusively_on_windows(monkeypatch: pytest.MonkeyPatch, platform: str,
                                                 options: set[str]) -> None:
    """POSIX: SO_REUSEADDR (a restart need not wait out TIME_WAIT).  Windows: SO_REUSEADDR would let a
    second instance bind the same port and take some of its connections, so it is never set there."""
    from tests.sockets import reuse_options
    from yibao.core.service.runner import listen

    assert reuse_options(listen, monkeypatch, platform) == options
