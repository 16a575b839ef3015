"""Idle keep-alive connections are given up before the centre closes them (``gateway.timeout.keepalive``).

A server that closes an idle connection just as the client reuses it resets a request whose
bytes have left: an UNKNOWN outcome (reversed by 2601) for a message the centre never read.  The
centre here is a real loopback HTTP/1.1 server that, like a busy one, drops a connection idle past
its own timeout the moment the next request arrives on it, without an answer."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest

from yibao.core.config import GatewayConfig, TimeoutConfig, parse_config
from yibao.core.errors import ConfigurationError, OutcomeUnknownError
from yibao.core.gateway import TifSignatureAuth
from yibao.core.transport import Transport, make_http_client

from ..sockets import loopback_server
from .test_transport import _envelope

ANSWER = b'{"infcode":0,"output":{}}'


@contextmanager
def centre(idle_timeout: float) -> Iterator[tuple[str, list[int]]]:
    """A loopback centre; yields its URL and the number of requests answered per connection."""
    answered: list[int] = []
    lock = threading.Lock()

    def connection(conn: socket.socket) -> None:
        with lock:
            index = len(answered)
            answered.append(0)
        last = time.monotonic()
        buf = b""
        with conn:
            while True:
                while b"\r\n\r\n" not in buf:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buf += chunk
                if time.monotonic() - last > idle_timeout:
                    return  # its idle timer fired as the request came in: closed, unread
                head, _, buf = buf.partition(b"\r\n\r\n")
                length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:"))
                while len(buf) < length:
                    buf += conn.recv(65536)
                buf = buf[length:]
                answered[index] += 1  # before the answer leaves: counted once the client has it
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                             + str(len(ANSWER)).encode() + b"\r\n\r\n" + ANSWER)
                last = time.monotonic()

    with loopback_server(connection) as url:
        yield url, answered


def _transport(url: str, keepalive: str) -> Transport:
    gw = GatewayConfig(url=url, paasid="p", timeout=TimeoutConfig(keepalive=Decimal(keepalive)))
    return Transport(make_http_client(gw, TifSignatureAuth("p", "s")), gw.url)


def test_connection_idle_past_keepalive_is_not_reused() -> None:
    with centre(idle_timeout=0.5) as (url, answered):
        t = _transport(url, "0.2")
        t.send("/x", _envelope())
        t.send("/x", _envelope())  # at once: the same connection
        time.sleep(0.7)  # past the centre's idle timeout
        t.send("/x", _envelope())  # a new connection, answered
        assert answered == [2, 1]


def test_zero_opens_a_connection_per_request() -> None:
    with centre(idle_timeout=0.5) as (url, answered):
        t = _transport(url, "0")
        t.send("/x", _envelope())
        t.send("/x", _envelope())
        assert answered == [1, 1]


def test_keeping_it_longer_than_the_centre_makes_the_outcome_unknown() -> None:
    """What the setting prevents: the same centre, a client keeping connections 5 s."""
    with centre(idle_timeout=0.5) as (url, answered):
        t = _transport(url, "5")
        t.send("/x", _envelope())
        time.sleep(0.7)
        with pytest.raises(OutcomeUnknownError):
            t.send("/x", _envelope())
        assert answered == [1]


def test_default_and_rule() -> None:
    assert TimeoutConfig().keepalive == 2
    base = {"region": "441900", "gateway": {"url": "http://127.0.0.1:1", "paasid": "p"},
            "institution": {"fixmedins_code": "H44190000001", "fixmedins_name": "x", "mdtrtarea_admvs": "441900"},
            "operator": {"opter": "1", "opter_name": "x"}}
    never = parse_config({**base, "gateway": {**base["gateway"], "timeout": {"keepalive": 0}}})
    assert never.gateway.timeout.keepalive == 0  # 0: a connection per request
    with pytest.raises(ConfigurationError) as info:
        parse_config({**base, "gateway": {**base["gateway"], "timeout": {"keepalive": -1}}})
    assert "gateway.timeout.keepalive" in str(info.value) and "0 or more" in str(info.value)
