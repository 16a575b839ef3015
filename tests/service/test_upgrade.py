"""Connections as a HIS holds them.  A request asking to upgrade to HTTP/2 (``Upgrade: h2c``,
what Java's ``java.net.http`` sends on every plain-text request by default) is served as HTTP/1.1
with its body, on the same connection, and leaves no warning in the operator's log
(:class:`yibao.core.service.runner.UpgradeNoise`); an idle connection stays open past uvicorn's
default 5 s (:data:`yibao.core.service.runner.KEEP_ALIVE_SECONDS`)."""

from __future__ import annotations

import logging
import socket
import time
from typing import Any

import pytest

from yibao.core import wire

from .support import TOKENS, RunningService

H2C = (b"Connection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAEAAEAAAAIAAAABAAMAAABkAAQBAAAAAAUAAEAA\r\n"
       b"Upgrade: h2c\r\n")


def _post(sock: socket.socket, path: str, body: bytes, extra: bytes = b"", *, split: bool = False) -> None:
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKENS['T01']}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n").encode() + extra + b"\r\n"
    if split:  # headers and body in two segments, as a client writing them separately does
        sock.sendall(head)
        sock.sendall(body)
    else:
        sock.sendall(head + body)


def _answer(f: Any) -> tuple[int, dict[str, str], bytes]:
    status = int(f.readline().split()[1])
    headers = {}
    while (line := f.readline().rstrip(b"\r\n")):
        k, _, v = line.decode("latin-1").partition(":")
        headers[k.strip().lower()] = v.strip()
    return status, headers, f.read(int(headers["content-length"]))


@pytest.mark.parametrize("split", [False, True], ids=["one-segment", "split"])
def test_h2c_upgrade_is_served_as_http11_with_its_body_and_no_warning(
        service: RunningService, persons: list[dict[str, Any]], caplog: pytest.LogCaptureFixture, split: bool) -> None:
    body = wire.dumps_bytes({"medium": {"kind": "id_card", "certno": persons[0]["certno"]}})
    with caplog.at_level(logging.WARNING, logger="uvicorn.error"), \
            socket.create_connection(("127.0.0.1", service.port), timeout=30) as sock:
        f = sock.makefile("rb")
        _post(sock, "/v1/identify", body, H2C, split=split)
        status, headers, answer = _answer(f)
        assert status == 200, answer  # not 101, and the body was read: the person was identified
        assert wire.loads(answer)["person"]["certno"] == persons[0]["certno"]
        _post(sock, "/v1/identify", b"{}")  # the connection is still HTTP/1.1
        status, headers, answer = _answer(f)
        assert status == 422 and headers["content-type"] == "application/problem+json"
    assert not [r for r in caplog.records if r.name == "uvicorn.error"], caplog.text


def test_an_idle_connection_is_kept_past_uvicorns_five_seconds(service: RunningService,
                                                                persons: list[dict[str, Any]]) -> None:
    """A HIS pool reusing a connection idle 6 s finds it open (``KEEP_ALIVE_SECONDS``)."""
    body = wire.dumps_bytes({"medium": {"kind": "id_card", "certno": persons[0]["certno"]}})
    with socket.create_connection(("127.0.0.1", service.port), timeout=30) as sock:
        f = sock.makefile("rb")
        _post(sock, "/v1/identify", body)
        assert _answer(f)[0] == 200
        time.sleep(6)
        _post(sock, "/v1/identify", body)
        assert _answer(f)[0] == 200
