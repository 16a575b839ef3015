"""The HTTP surface of ``yibao serve`` (contract "``yibao serve``"): tokens, the seven outcomes as
problem+json with their statuses and exit codes, the terminal and operator on every journal row,
health, readiness, the documents, metrics and the access line."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest

from yibao.core import wire
from yibao.core.journal import State, open_journal

from ..workflows.support import Centre
from .conftest import StartService, api_client, new_key, sale
from .support import TOKENS, RunningService

PROBLEM_FIELDS = {"type", "title", "status", "detail", "kind", "exit_code", "msgid", "err_msg", "issues"}


def _problem(r: httpx.Response, kind: str, status: int, exit_code: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    p: dict[str, Any] = r.json()
    assert PROBLEM_FIELDS <= set(p)
    assert (p["kind"], p["status"], p["exit_code"]) == (kind, status, exit_code)
    return p


def test_health_openapi_and_docs_need_no_token(service: RunningService) -> None:
    assert httpx.get(service.url + "/healthz").json() == {"status": "ok"}
    doc = httpx.get(service.url + "/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    for path in ("/v1/transactions/{infno}", "/v1/identify", "/v1/pharmacy/settlements",
                 "/v1/outpatient/visits/{mdtrt_id}/settlement", "/v1/inpatient/stays/{mdtrt_id}/settlement",
                 "/v1/journal", "/v1/journal/{msgid}", "/v1/journal/recover", "/v1/journal/{msgid}/reverse",
                 "/v1/journal/{msgid}/resolve", "/v1/reconcile", "/v1/clearing/{month}", "/v1/catalog/sync",
                 "/v1/catalog/search"):
        assert path in doc["paths"], path
    settle = doc["paths"]["/v1/pharmacy/settlements"]["post"]
    assert {"401", "409", "422", "424", "502", "503", "504"} <= set(settle["responses"])
    assert any(p["name"] == "Idempotency-Key" and p["required"] for p in settle["parameters"])
    page = httpx.get(service.url + "/docs")
    assert page.status_code == 200 and "/v1/pharmacy/settlements" in page.text and "<script" not in page.text


def test_v1_without_or_with_a_wrong_token_is_401(service: RunningService) -> None:
    body = {"medium": {"kind": "id_card", "certno": "x"}}
    _problem(httpx.post(service.url + "/v1/identify", json=body), "unauthorized", 401, 2)
    r = httpx.post(service.url + "/v1/identify", json=body, headers={"Authorization": "Bearer nope-nope-nope-nope"})
    assert _problem(r, "unauthorized", 401, 2)["detail"] == "unknown bearer token"
    r = httpx.get(service.url + "/v1/journal", headers={"Authorization": "Basic " + TOKENS["T01"]})
    _problem(r, "unauthorized", 401, 2)
    # the guard runs before the body is read: a junk body without a token is still 401
    _problem(httpx.post(service.url + "/v1/pharmacy/settlements", content=b"{junk"), "unauthorized", 401, 2)


def test_unknown_path_and_bad_body_are_problems(api: httpx.Client) -> None:
    _problem(api.get("/v1/nothing-here"), "not_found", 404, 2)
    p = _problem(api.post("/v1/identify", content=b"{not json"), "validation", 422, 2)
    assert p["issues"]
    p = _problem(api.post("/v1/identify", json={"medium": {"kind": "id_card"}, "extra": 1}), "validation", 422, 2)
    _problem(api.post("/v1/identify", json={"medium": {"kind": "id_card"}}), "validation", 422, 2)
    r = api.post("/v1/transactions/1101", json={"input": {"data": {"mdtrt_cert_type": "02"}}})
    p = _problem(r, "validation", 422, 2)
    assert p["issues"] and all({"field", "rule", "message"} <= set(i) for i in p["issues"])


def test_a_bad_or_missing_query_parameter_is_named_and_its_query_not_echoed(api: httpx.Client) -> None:
    """The issue names the parameter (not "body"); the query string stays out of the answer."""
    p = _problem(api.get("/v1/catalog/search", params={"q": "RX-SECRET-BILL"}), "validation", 422, 2)
    assert [(i["field"], i["rule"]) for i in p["issues"]] == [("text", "required")]
    assert "RX-SECRET-BILL" not in json.dumps(p) and "/v1/catalog/search" in p["detail"]
    p = _problem(api.get("/v1/journal", params={"limit": "abc", "idem_key": "RX-SECRET-BILL"}), "validation", 422, 2)
    assert [(i["field"], i["rule"]) for i in p["issues"]] == [("limit", "shape")]
    assert "RX-SECRET-BILL" not in json.dumps(p)
    p = _problem(api.get("/v1/catalog/search", params={"text": "SB", "kind": "1101"}), "validation", 422, 2)
    assert [i["field"] for i in p["issues"]] == ["kind"]



def test_an_unknown_or_a_missing_body_field_is_named(api: httpx.Client,
                                                     identify: Callable[[int], dict[str, Any]]) -> None:
    """msgspec names the struct ("Object contains unknown field `x`"); the issue names the field."""
    p = _problem(api.post("/v1/identify", json={"medium": {"kind": "id_card"}, "certno_typo": "1"}),
                 "validation", 422, 2)
    assert [i["field"] for i in p["issues"]] == ["certno_typo"]
    line = {"feedetl_sn": "1", "medins_list_codg": "HIS-1", "cnt": 1, "pric": "1.00"}
    body = wire.dumps_bytes({"person": identify(0), "items": [line]})
    p = _problem(api.post("/v1/pharmacy/settlements", content=body, headers={"Idempotency-Key": new_key()}),
                 "validation", 422, 2)
    assert [i["field"] for i in p["issues"]] == ["items[0].med_list_codg"]


def test_transaction_1101_and_terminal_and_operator_on_the_journal_row(
        service: RunningService, persons: list[dict[str, Any]], journal_url: str) -> None:
    """The token decides the terminal; the operator of the request is the journal row's and the envelope's."""
    p = persons[0]
    with api_client(service.url, "T02") as api:
        r = api.post("/v1/transactions/1101", json={"input": {"data": {
            "mdtrt_cert_type": "02", "mdtrt_cert_no": p["certno"], "psn_cert_type": "01", "certno": p["certno"],
            "psn_name": p["psn_name"]}}})
        assert r.status_code == 200, r.text
        out = r.json()
        assert set(out) == {"msgid", "infno", "output"} and out["infno"] == "1101"
        assert out["output"]["baseinfo"]["psn_no"]
        # 2201 changes state: journaled, with T02 and the shift's cashier
        who = wire.loads(api.post("/v1/identify", json={"medium": {"kind": "id_card", "certno": p["certno"],
                                                                   "psn_name": p["psn_name"]}}).content)["person"]
        reg = api.post("/v1/outpatient/visits", content=wire.dumps_bytes({
            "person": who, "ipt_otp_no": "MZ0001", "operator": {"opter": "0777", "opter_name": "夜班收费员"}}),
            headers={"Idempotency-Key": new_key()})
        assert reg.status_code == 200, reg.text
    with open_journal(journal_url) as j:
        rows = [e for e in j.list() if e.infno in ("2201", "9001")]
    assert rows and {(e.terminal, e.opter) for e in rows} == {("T02", "0777")}


def test_lost_answer_is_504_journaled_unknown_and_reversed(
        api: httpx.Client, identify: Callable[[int], dict[str, Any]], drugs: list[dict[str, Any]], centre: Centre,
        journal_url: str) -> None:
    """drop_after_commit: the centre charged, the answer was lost → 504 outcome_unknown (exit 4), the
    entry UNKNOWN and reversed by 2601 (the lease holder's queue); a replay gives the same 504."""
    person, key = identify(0), new_key()
    body = wire.dumps_bytes(sale(person, drugs))
    centre.fault("2102", "drop_after_commit")
    r = api.post("/v1/pharmacy/settlements", content=body, headers={"Idempotency-Key": key})
    p = _problem(r, "outcome_unknown", 504, 4)
    assert p["msgid"]
    again = api.post("/v1/pharmacy/settlements", content=body, headers={"Idempotency-Key": key})
    assert again.status_code == 504 and again.content == r.content and again.headers["idempotent-replayed"] == "true"
    rec = api.post("/v1/journal/recover", json={"wait": True, "max_wait": 20})
    assert rec.status_code == 200, rec.text
    assert rec.json()["unresolved"] == []
    entry = api.get(f"/v1/journal/{p['msgid']}").json()
    assert entry["state"] == State.REVERSED.value and entry["terminal"] == "T01"
    assert [r["state"] for r in centre.ledger() if r["psn_no"] == person["psn_no"]] == ["reversed"]
    reversal = api.get(f"/v1/journal/{entry['reversed_by']}").json()  # the 2601 that did it, and its original
    assert (reversal["infno"], reversal["state"], reversal["omsgid"]) == ("2601", "SUCCEEDED", p["msgid"])


def test_needs_attention_is_resolved_by_hand_and_the_person_settles_again(
        start: StartService, persons: list[dict[str, Any]], drugs: list[dict[str, Any]], centre: Centre) -> None:
    """A 2102 the centre never saw (the gateway's 500), whose 2601 meets "original not found":
    NEEDS_ATTENTION, the person refused (409); ``POST /v1/journal/{msgid}/resolve`` with what the
    centre was found to hold and a note → FAILED, the note and the cashier kept; the next bill settles."""
    svc = start(not_found_retries=0)
    with api_client(svc.url) as api:
        who = api.post("/v1/identify", json={"medium": {"kind": "id_card", "certno": persons[5]["certno"]}})
        person = wire.loads(who.content)["person"]  # amounts as Decimal, as the HIS sends them back
        body = wire.dumps_bytes(sale(person, drugs))
        centre.fault("2102", "error_500")
        msgid = _problem(api.post("/v1/pharmacy/settlements", content=body, headers={"Idempotency-Key": new_key()}),
                         "outcome_unknown", 504, 4)["msgid"]
        assert api.post("/v1/journal/recover", json={"wait": True, "max_wait": 20}).json()["needs_attention"] == [msgid]
        _problem(api.post("/v1/pharmacy/settlements", content=body, headers={"Idempotency-Key": new_key()}),
                 "conflict", 409, 2)
        url = f"/v1/journal/{msgid}/resolve"
        note = "3202 detail of today has no such msgid; 医保局 confirmed"
        _problem(api.post(url, json={"finding": "not_at_centre", "note": "        "}), "validation", 422, 2)
        _problem(api.post(url, json={"finding": "settled", "note": note}), "validation", 422, 2)
        _problem(api.post("/v1/journal/H44190000001209912310000000/resolve", json={"finding": "not_at_centre",
                                                                                 "note": note}), "not_found", 404, 2)
        r = api.post(url, json={"finding": "not_at_centre", "note": note,
                                "operator": {"opter": "0777", "opter_name": "医保办", "opter_type": "1"}})
        assert r.status_code == 200, r.text
        entry = r.json()
        assert entry["state"] == "FAILED" and entry["notes"].endswith(f"(not_at_centre) by 0777: {note}")
        _problem(api.post(url, json={"finding": "not_at_centre", "note": note}), "conflict", 409, 2)  # done already
        ok = api.post("/v1/pharmacy/settlements", content=body, headers={"Idempotency-Key": new_key()})
        assert ok.status_code == 200, ok.text
    assert [r["state"] for r in centre.ledger() if r["psn_no"] == person["psn_no"]] == ["settled"]


def test_business_error_is_424_with_the_centres_words(api: httpx.Client, identify: Callable[[int], dict[str, Any]],
                                                      drugs: list[dict[str, Any]], centre: Centre) -> None:
    person = identify(0)
    centre.fault("2102", "reject", err_msg="余额不足[测试]")
    r = api.post("/v1/pharmacy/settlements", content=wire.dumps_bytes(sale(person, drugs)),
                 headers={"Idempotency-Key": new_key()})
    p = _problem(r, "business", 424, 3)
    assert p["err_msg"] == "余额不足[测试]" and p["msgid"]


def test_gateway_refusal_is_502(start: StartService, identify: Callable[[int], dict[str, Any]],
                                drugs: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    from ..workflows.support import SECRET_ENV

    monkeypatch.setenv(SECRET_ENV, "a-wrong-secret")
    wrong = start()
    person = identify(0)
    r = api_client(wrong.url).post("/v1/pharmacy/settlements", content=wire.dumps_bytes(sale(person, drugs)),
                                   headers={"Idempotency-Key": new_key()})
    p = _problem(r, "gateway_refused", 502, 5)
    assert "签名" in (p["err_msg"] or "")


def test_cancel_after_settle(api: httpx.Client, identify: Callable[[int], dict[str, Any]],
                             drugs: list[dict[str, Any]], centre: Centre) -> None:
    person = identify(1)
    s = wire.loads(api.post("/v1/pharmacy/settlements", content=wire.dumps_bytes(sale(person, drugs, n=3)),
                            headers={"Idempotency-Key": new_key()}).content)
    assert s["medfee_sumamt"] == Decimal("75.00") and s["fund_pay_sumamt"] + s["acct_pay"] + s["psn_cash_pay"] == 75
    c = api.post(f"/v1/pharmacy/settlements/{s['setl_id']}/cancel", headers={"Idempotency-Key": new_key()},
                 content=wire.dumps_bytes({"person": person, "setl_id": s["setl_id"], "mdtrt_id": s["mdtrt_id"]}))
    assert c.status_code == 200, c.text
    assert wire.loads(c.content)["medfee_sumamt"] == Decimal("-75.00")
    states = {r["setl_id"]: r["state"] for r in centre.ledger()}
    assert states[s["setl_id"]] == "cancelled"


def test_metrics_and_one_access_line_per_request(api: httpx.Client, identify: Callable[[int], dict[str, Any]],
                                                 drugs: list[dict[str, Any]], service: RunningService,
                                                 persons: list[dict[str, Any]], capfd: pytest.CaptureFixture[str]
                                                 ) -> None:
    person = identify(0)
    capfd.readouterr()
    key = new_key()
    body = wire.dumps_bytes(sale(person, drugs))
    api.post("/v1/pharmacy/settlements", content=body, headers={"Idempotency-Key": key})
    api.post("/v1/pharmacy/settlements", content=body, headers={"Idempotency-Key": key})
    text = httpx.get(service.url + "/metrics").text
    err = ""
    for _ in range(200):  # the line is written once the response has gone out: wait (up to 10 s) for it
        err += capfd.readouterr().err
        if '"route":"/metrics"' in err:
            break
        time.sleep(0.05)
    lines = [json.loads(x) for x in err.splitlines() if x.startswith('{"event":"access"')]
    settle = [x for x in lines if x["route"] == "/v1/pharmacy/settlements"]
    assert len(settle) == 2 and len([x for x in lines if x["route"] == "/metrics"]) == 1
    assert settle[0]["outcome"] == "ok" and settle[0]["msgid"] and settle[0]["infno"] == "2102"
    assert settle[0]["terminal"] == "T01" and isinstance(settle[0]["duration_ms"], float)
    assert settle[1]["replayed"] is True and settle[1]["msgid"] == settle[0]["msgid"]
    for secret in (persons[0]["certno"], persons[0]["psn_name"], TOKENS["T01"], key):
        assert secret not in err
    assert 'yibao_calls_total{infno="2102",outcome="ok"} 1.0' in text
    assert 'yibao_call_duration_seconds_count{infno="2102"} 1.0' in text
    assert "yibao_idempotent_replays_total 1.0" in text
    assert 'yibao_unresolved_outcomes{state="UNKNOWN"} 0.0' in text
    assert "yibao_reversal_queue_depth 0.0" in text and "yibao_service_leader 1.0" in text


def test_readyz(service: RunningService, start: StartService) -> None:
    r = httpx.get(service.url + "/readyz")
    assert r.status_code == 200 and r.json()["journal"] == "ok" and r.json()["gateway"] == "ok"
    down = start(url="http://127.0.0.1:9")
    _problem(httpx.get(down.url + "/readyz"), "not_sent", 503, 6)
