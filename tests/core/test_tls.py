"""TLS is verified by default; ``gateway.ca_bundle`` trusts a province's private CA; a bad
certificate fails closed (nothing sent, exit 6) — reliability.md §2 case 28."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
import uvicorn

from yibao.core.client import Client
from yibao.core.config import parse_config
from yibao.core.errors import NotSentError
from yibao.sandbox.app import create_app
from yibao.sandbox.config import SandboxConfig

SECRET_ENV = "YIBAO_TLS_TEST_SECRET"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_sandbox(tmp_path: Path, ca: trustme.CA) -> Iterator[str]:
    """The sandbox over HTTPS on 127.0.0.1 with a certificate of a private CA."""
    cert = ca.issue_cert("127.0.0.1", "localhost")
    key, chain = tmp_path / "key.pem", tmp_path / "chain.pem"
    cert.private_key_pem.write_to_path(str(key))
    cert.cert_chain_pems[0].write_to_path(str(chain))
    cfg = SandboxConfig(state_dir=tmp_path / "sb", paasid="tls", secret="tls-secret")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(cfg), log_level="error", ssl_keyfile=str(key),
                                           ssl_certfile=str(chain)))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    os.environ[SECRET_ENV] = "tls-secret"
    try:
        yield f"https://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def _client(url: str, tmp_path: Path, ca_bundle: str = "") -> Client:
    return Client(parse_config({
        "region": "440000",
        "gateway": {"url": url, "paasid": "tls", "secret_env": SECRET_ENV, "ca_bundle": ca_bundle},
        "institution": {"fixmedins_code": "H44010000001", "fixmedins_name": "x", "mdtrtarea_admvs": "440100"},
        "operator": {"opter": "0001", "opter_name": "x"},
        "journal": {"url": f"sqlite:///{tmp_path / 'j.db'}"},
    }))


def test_private_ca_bundle_is_trusted(tls_sandbox: str, tmp_path: Path, ca: trustme.CA) -> None:
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    with _client(tls_sandbox, tmp_path, str(bundle)) as client:
        out = client.call("9001", {"signIn": {"opter_no": "0001", "mac": "00-00", "ip": "127.0.0.1"}})
    assert out["signinoutb"]["sign_no"]


def test_unknown_certificate_fails_closed(tls_sandbox: str, tmp_path: Path) -> None:
    """Without the CA the handshake fails: nothing is sent, the error is NOT SENT (exit 6)."""
    with _client(tls_sandbox, tmp_path) as client, pytest.raises(NotSentError, match=r"(?i)certificate"):
        client.call("9001", {"signIn": {"opter_no": "0001", "mac": "00-00", "ip": "127.0.0.1"}})
