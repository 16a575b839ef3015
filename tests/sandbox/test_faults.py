"""Every fault mode of ``POST /_sandbox/faults``, over real sockets (uvicorn on 127.0.0.1)."""

from __future__ import annotations

import socket
import time
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from conftest import CALL_PATH, Centre, dumps, loads, new_msgid, x_tif
from flows import basket, person, pharmacy_input

from yibao.sandbox.app import ConnectionDropped
from yibao.sandbox.server import RunningSandbox


def _arm(c: Centre, **fault: Any) -> None:
    status, body = c.control("POST", "/_sandbox/faults", fault)
    assert status == 200, body


def _raw_post(url: str, body: bytes, timeout: float = 5) -> bytes:
    """POST with a bare socket and return every byte the server sent before closing."""
    parts = urlsplit(url)
    head = [
        f"POST {CALL_PATH} HTTP/1.1",
        f"Host: {parts.hostname}:{parts.port}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        "Connection: close",
    ]
    head += [f"{k}: {v}" for k, v in x_tif().items()]
    with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=timeout) as s:
        s.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        received = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return received
            received += chunk


def _purchase(c: Centre) -> tuple[dict[str, Any], dict[str, Any]]:
    p = person(c, min_balc=Decimal("100"))
    return p, c.envelope("2102", pharmacy_input(p, basket()), insuplc_admdvs=p["insuplc_admdvs"])


def _ledger(c: Centre) -> list[dict[str, Any]]:
    return list(c.control("GET", "/_sandbox/ledger")[1])


@pytest.fixture
def c(live_centre: Centre) -> Centre:
    live_centre.sign_in()
    return live_centre


def test_drop_after_commit_sends_no_response_but_commits(c: Centre, live: RunningSandbox) -> None:
    _arm(c, infno="2102", mode="drop_after_commit", times=1)
    p, env = _purchase(c)
    assert _raw_post(live.url, dumps(env)) == b""  # not one byte of an HTTP response
    ledger = _ledger(c)
    assert [(r["msgid"], r["state"]) for r in ledger] == [(env["msgid"], "settled")]
    assert c.person(lambda q: q["psn_no"] == p["psn_no"])["balc"] == p["balc"] - ledger[0]["acct_pay"]
    # times=1: the next call is answered normally.
    _p, env2 = _purchase(c)
    assert c.send(env2)["infcode"] == 0


def test_drop_after_commit_seen_by_httpx(c: Centre) -> None:
    _arm(c, infno="2102", mode="drop_after_commit")
    _p, env = _purchase(c)
    with pytest.raises(httpx.RemoteProtocolError):
        c.send(env)


def test_delay_commits_and_answers_late(c: Centre) -> None:
    _arm(c, infno="2102", mode="delay", seconds=Decimal("1.2"))
    _p, env = _purchase(c)
    start = time.monotonic()
    reply = c.send(env)
    assert time.monotonic() - start >= 1.1
    assert reply["infcode"] == 0
    with pytest.raises(httpx.ReadTimeout):
        _arm(c, infno="2102", mode="delay", seconds=2)
        _p, env2 = _purchase(c)
        c.post(CALL_PATH, dumps(env2), timeout=0.5)
    time.sleep(2)
    assert {r["msgid"] for r in _ledger(c)} == {env["msgid"], env2["msgid"]}  # committed despite the timeout


def test_error_500_commits_nothing(c: Centre) -> None:
    _arm(c, infno="2102", mode="error_500")
    _p, env = _purchase(c)
    r = c.post(CALL_PATH, dumps(env))
    assert r.status_code == 500
    assert _ledger(c) == []


def test_html_page(c: Centre) -> None:
    _arm(c, infno="2102", mode="html_page")
    _p, env = _purchase(c)
    r = c.post(CALL_PATH, dumps(env))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.content.lstrip().startswith(b"<html")
    assert _ledger(c) == []


def test_truncated_json_commits(c: Centre) -> None:
    _arm(c, infno="2102", mode="truncated_json")
    _p, env = _purchase(c)
    r = c.post(CALL_PATH, dumps(env))
    assert r.status_code == 200
    with pytest.raises(ValueError):
        loads(r.content)
    assert [r["msgid"] for r in _ledger(c)] == [env["msgid"]]


def test_reject_commits_nothing(c: Centre) -> None:
    _arm(c, infno="2102", mode="reject", err_msg="模拟：医保中心繁忙")
    p, env = _purchase(c)
    reply = c.send(env)
    assert reply["infcode"] == -1 and reply["err_msg"] == "模拟：医保中心繁忙"
    assert _ledger(c) == []
    assert c.person(lambda q: q["psn_no"] == p["psn_no"])["balc"] == p["balc"]
    assert c.send({**env, "msgid": new_msgid(c.code)})["infcode"] == 0


def test_times_counts_calls_of_that_infno(c: Centre) -> None:
    _arm(c, infno="2102", mode="reject", times=2)
    p = person(c)
    data = {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": p["certno"], "psn_cert_type": "01"}}
    assert c.call("1101", data)["infcode"] == 0  # another infno does not use it up
    results = []
    for _ in range(3):
        _p, env = _purchase(c)
        results.append(c.send(env)["infcode"])
    assert results == [-1, -1, 0]


def test_bad_fault_requests(c: Centre) -> None:
    assert c.control("POST", "/_sandbox/faults", {"infno": "2102", "mode": "explode"})[0] == 400
    assert c.control("POST", "/_sandbox/faults", {"mode": "reject"})[0] == 400
    assert c.control("POST", "/_sandbox/faults", {"infno": "2102", "mode": "delay", "seconds": -1})[0] == 400


def test_faults_are_per_instance(c: Centre, centre: Centre) -> None:
    _arm(c, infno="2102", mode="reject")
    centre.sign_in()
    _p, env = _purchase(centre)
    assert centre.send(env)["infcode"] == 0


def test_drop_in_process_raises(centre: Centre) -> None:
    centre.sign_in()
    _arm(centre, infno="2102", mode="drop_after_commit")
    _p, env = _purchase(centre)
    with pytest.raises(ConnectionDropped):
        centre.send(env)
    assert [r["state"] for r in _ledger(centre)] == ["settled"]


def test_reset_goes_back_to_the_seed(c: Centre) -> None:
    p, env = _purchase(c)
    assert c.send(env)["infcode"] == 0
    _arm(c, infno="2102", mode="reject")
    assert c.control("POST", "/_sandbox/reset")[0] == 200
    assert _ledger(c) == []
    assert c.person(lambda q: q["psn_no"] == p["psn_no"])["balc"] == p["balc"]
    c.sign_in()
    _p, env2 = _purchase(c)
    assert c.send(env2)["infcode"] == 0  # the fault was disarmed too
