"""Idempotency-Key over HTTP (contract "``yibao serve``" → Idempotency; reliability.md §2 case 10):
a resubmitted bill is replayed, not charged; another body or an in-flight key is 409; money
without a key is 422 with nothing sent; keys survive a restart of the service."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx

from yibao.core import wire
from yibao.core.journal import open_journal

from ..workflows.support import Centre, settled_total
from .conftest import StartService, api_client, new_key, sale
from .support import RunningService


def _settle(api: httpx.Client, body: dict[str, Any], key: str | None) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return api.post("/v1/pharmacy/settlements", content=wire.dumps_bytes(body), headers=headers)


def test_resubmitted_bill_is_replayed_not_charged(api: httpx.Client, identify: Callable[[int], dict[str, Any]],
                                                  drugs: list[dict[str, Any]], centre: Centre) -> None:
    """Same key + same body: the first response byte for byte, ``Idempotent-Replayed: true``, one charge."""
    person, key = identify(0), new_key()
    body = sale(person, drugs)
    first = _settle(api, body, key)
    assert first.status_code == 200, first.text
    assert first.json()["medfee_sumamt"] == 50  # 2 lines x 2 x 12.50, exact
    second = _settle(api, body, key)
    assert second.status_code == 200
    assert second.headers["idempotent-replayed"] == "true"
    assert second.content == first.content
    assert "idempotent-replayed" not in first.headers
    rows = [r for r in centre.ledger() if r["psn_no"] == person["psn_no"]]
    assert [r["infno"] for r in rows] == ["2102"]
    assert settled_total(rows, person["psn_no"]) == Decimal("50.00")


def test_same_key_other_body_is_409_and_nothing_sent(api: httpx.Client, identify: Callable[[int], dict[str, Any]],
                                                    drugs: list[dict[str, Any]], centre: Centre) -> None:
    person, key = identify(0), new_key()
    assert _settle(api, sale(person, drugs), key).status_code == 200
    before = len(centre.ledger())
    other = _settle(api, sale(person, drugs, pric="13.00"), key)
    assert other.status_code == 409
    assert other.headers["content-type"] == "application/problem+json"
    p = other.json()
    assert (p["kind"], p["status"], p["exit_code"]) == ("conflict", 409, 2)
    assert len(centre.ledger()) == before


def test_money_without_key_is_422_and_nothing_sent(api: httpx.Client, identify: Callable[[int], dict[str, Any]],
                                                  drugs: list[dict[str, Any]], centre: Centre,
                                                  journal_url: str) -> None:
    person = identify(0)
    r = _settle(api, sale(person, drugs), None)
    assert r.status_code == 422
    p = r.json()
    assert (p["kind"], p["exit_code"]) == ("validation", 2)
    raw = api.post("/v1/transactions/2102", json={"input": {"druginfo": {}, "drugdetail": []}})
    assert raw.status_code == 422 and raw.json()["kind"] == "validation"
    assert "Idempotency-Key" in raw.json()["detail"]
    assert centre.ledger() == []
    with open_journal(journal_url) as j:
        assert [e.infno for e in j.list() if e.kind == "money"] == []


def test_in_flight_key_is_409_then_replayed(api: httpx.Client, identify: Callable[[int], dict[str, Any]],
                                           drugs: list[dict[str, Any]], centre: Centre,
                                           service: RunningService) -> None:
    """While the first request waits for the centre, its key answers 409 with Retry-After; after, the replay."""
    person, key = identify(0), new_key()
    body = sale(person, drugs)
    centre.fault("2102", "delay", seconds=2)
    result: dict[str, httpx.Response] = {}
    t = threading.Thread(target=lambda: result.update(first=_settle(api_client(service.url), body, key)))
    t.start()
    time.sleep(0.8)
    busy = _settle(api, body, key)
    assert busy.status_code == 409, busy.text
    assert busy.json()["kind"] == "conflict" and busy.headers["retry-after"] == "1"
    t.join(30)
    assert result["first"].status_code == 200, result["first"].text
    again = _settle(api, body, key)
    assert again.headers["idempotent-replayed"] == "true" and again.content == result["first"].content
    assert len([r for r in centre.ledger() if r["psn_no"] == person["psn_no"]]) == 1


def test_keys_survive_a_restart(start: StartService, identify: Callable[[int], dict[str, Any]],
                                drugs: list[dict[str, Any]], centre: Centre, service: RunningService) -> None:
    """A new instance on the same journal replays what the old one answered."""
    person, key = identify(0), new_key()
    body = sale(person, drugs)
    first = _settle(api_client(service.url), body, key)
    assert first.status_code == 200
    service.stop()
    later = start()
    again = _settle(api_client(later.url, "T02"), body, key)
    assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    assert len(centre.ledger()) == 1


def test_not_sent_gives_the_key_back(start: StartService, identify: Callable[[int], dict[str, Any]],
                                     drugs: list[dict[str, Any]], journal_url: str) -> None:
    """503 not_sent proves nothing left: the same key may be used again (and then settles once)."""
    person, key = identify(0), new_key()
    down = start(url="http://127.0.0.1:9")  # discard port: connection refused
    r = _settle(api_client(down.url), sale(person, drugs), key)
    assert r.status_code == 503, r.text
    p = r.json()
    assert (p["kind"], p["exit_code"]) == ("not_sent", 6)
    with open_journal(journal_url) as j:
        row = j.database.fetchone("SELECT COUNT(*) AS n FROM service_idempotency WHERE idem_key = ?", (key,))
    assert row is not None and row["n"] == 0


def test_a_bill_reversed_by_hand_is_not_replayed_as_settled(api: httpx.Client, centre: Centre,
                                                            identify: Callable[[int], dict[str, Any]],
                                                            drugs: list[dict[str, Any]]) -> None:
    """A 2601 sent through /v1/transactions/2601 undoes the sale at the centre and in the journal;
    the same bill resent is then 409 naming the reversal (not the stored "settled" answer), and
    nothing is sent."""
    person, key = identify(0), new_key()
    body = sale(person, drugs)
    first = _settle(api, body, key)
    assert first.status_code == 200, first.text
    msgid = first.json()["msgid"]
    undo = api.post("/v1/transactions/2601", headers={"Idempotency-Key": key + "-undo"}, content=wire.dumps_bytes(
        {"input": {"data": {"psn_no": person["psn_no"], "omsgid": msgid, "oinfno": "2102"}}}))
    assert undo.status_code == 200, undo.text
    entry = api.get(f"/v1/journal/{msgid}").json()
    assert (entry["state"], entry["reversed_by"]) == ("REVERSED", undo.json()["msgid"])
    before = len(centre.ledger())
    again = _settle(api, body, key)
    p = again.json()
    assert again.status_code == 409 and p["kind"] == "conflict" and "reversed with 2601" in p["detail"], p
    assert "idempotent-replayed" not in again.headers and len(centre.ledger()) == before
    assert settled_total(centre.ledger(), person["psn_no"]) == Decimal("0")
