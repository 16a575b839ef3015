"""The internet hospital through ``yibao serve`` (``/v1/online/...``, routes_online.py), against the
sandbox playing Xiamen's centres, over real sockets: authorisation → consultation → 6201 → 6202 →
the patient pays at the channel → 6302 at the service's own receiver → SETTLED → e-invoice; money
requests under Idempotency-Keys (replayed, never sent twice; refused without one); a lost 6202
resolved by 6301 into one outcome; a forged notice refused; a refund beyond the settlement
refused before anything leaves; and a region without online settlement answering 404."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from yibao.core import ConfigurationError, gm, wire
from yibao.core.config import parse_config
from yibao.core.service import Service, create_app
from yibao.core.service.auth import load_tokens
from yibao.sandbox import mobilepay as mp
from yibao.sandbox.codec import dumps_bytes
from yibao.sandbox.config import SandboxConfig
from yibao.sandbox.server import RunningSandbox, run_in_thread

from ..online.support import ORG, SECRET_ENV, amount, arm, centre_order, hand_over_keys
from .conftest import api_client
from .support import TOKENS_ENV, RunningService, start_service, tokens_text
from .test_schemathesis import fuzz

DOCTOR = {"dr_code": "D350200000001", "dr_name": "李医生"}
ITEMS = [
    {"med_list_codg": "SB110200001", "medins_list_codg": "HIS-ZC01", "name": "普通门诊诊查费(测试)", "cnt": 1,
     "pric": "15.00", "drug": False},
    {"med_list_codg": "SBXA01AAA0001", "medins_list_codg": "HIS-YP01", "name": "阿莫西林胶囊(测试)", "cnt": 2,
     "pric": "12.50"},
]
DIAGNOSIS = {"code": "J06.900", "name": "急性上呼吸道感染"}
NOTIFY = "/yibao/online/notify"


@pytest.fixture
def xm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSandbox]:
    with run_in_thread(SandboxConfig(state_dir=tmp_path / "sandbox", region="350200")) as sb:
        monkeypatch.setenv(SECRET_ENV, sb.secret)
        yield sb


def _config(xm: RunningSandbox, tmp_path: Path, online: dict[str, Any] | None) -> Any:
    return parse_config({
        "region": "350200",
        "gateway": {"url": xm.url, "paasid": xm.paasid, "secret_env": SECRET_ENV,
                    "timeout": {"connect": 2, "write": 2, "pool": 2, "read": 5}},
        "institution": {"fixmedins_code": ORG, "fixmedins_name": "海沧医院(测试)", "mdtrtarea_admvs": "350200",
                        "kind": "hospital"},
        "operator": {"opter": "0001", "opter_name": "测试员"},
        "journal": {"url": f"sqlite:///{tmp_path / 'journal.db'}"},
        "reversal": {"delay_seconds": 0, "interrupted_after_seconds": 20},
        **({"online": online} if online is not None else {}),
        "service": {"host": "127.0.0.1", "tokens_env": TOKENS_ENV, "leader_lease_seconds": 3},
    }, source="test")


@pytest.fixture
def served(xm: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningService]:
    """``yibao serve`` for Xiamen 350200 with ``[online]``, its receiver registered with the centre."""
    svc = start_service(_config(xm, tmp_path, hand_over_keys(xm.url, tmp_path, monkeypatch)))
    httpx.post(f"{xm.url}/_sandbox/mobilepay/callback", json={"notify_url": f"{svc.url}{NOTIFY}/6302",
               "sync_url": f"{svc.url}{NOTIFY}/6204"}, timeout=10).raise_for_status()
    yield svc
    svc.stop()


@pytest.fixture
def api(served: RunningService) -> Iterator[httpx.Client]:
    with api_client(served.url) as c:
        yield c


def _key() -> str:
    return f"MO-{uuid.uuid4().hex[:12]}"


def _post(api: httpx.Client, path: str, body: Any, key: str | None = None) -> httpx.Response:
    """POST with the amounts' exact digits (the person carries Decimal ``balc``)."""
    headers = {"Content-Type": "application/json", **({"Idempotency-Key": key} if key else {})}
    return api.post(path, content=wire.dumps_bytes(body, check_floats=False), headers=headers)


def _ok(r: httpx.Response) -> Any:
    assert r.status_code == 200, r.text
    return wire.loads(r.content)  # amounts as Decimal


class Visit:
    """One consultation through the service: the HIS's side of the steps."""

    def __init__(self, api: httpx.Client, xm: RunningSandbox) -> None:
        self.api, self.xm = api, xm
        persons = httpx.get(f"{xm.url}/_sandbox/persons", timeout=10).json()
        self.certno = next(p["certno"] for p in persons if p["insuplc_admdvs"] == "350200" and p["insutype"] == "310")
        name = next(p["psn_name"] for p in persons if p["certno"] == self.certno)
        self.person = _ok(api.post("/v1/identify", json={"medium": {"kind": "id_card", "certno": self.certno,
                                                                    "psn_name": name}}))["person"]
        self.mo = _key()

    def start(self) -> dict[str, Any]:
        code = httpx.post(f"{self.xm.url}/_sandbox/mobilepay/authorize", json={"certno": self.certno},
                          timeout=10).json()["authCode"]
        auth = _ok(self.api.post("/v1/online/authorizations", json={"auth_code": code}))
        assert auth["pay_auth_no"] and self.certno not in str(auth)  # masked, as every stored answer
        self.auth = {"pay_auth_no": auth["pay_auth_no"], "auth_no": auth["auth_no"]}
        self.consult = _ok(_post(self.api, "/v1/online/consultations", {
            "person": self.person, "auth": self.auth, "doctor": DOCTOR, "med_org_ord": self.mo}))
        assert self.consult["mdtrt_id"] and self.consult["med_org_ord"] == self.mo
        order = _ok(_post(self.api, f"/v1/online/orders/{self.mo}/fees", {
            "person": self.person, "auth": self.auth, "doctor": DOCTOR, "mdtrt_id": self.consult["mdtrt_id"],
            "ipt_otp_no": self.consult["ipt_otp_no"], "items": ITEMS, "diagnosis": DIAGNOSIS}))
        assert order["state"] == "UPLOADED" and order["pay_ord_id"] and order["cashier_url"]
        return dict(order)

    def pay(self, key: str | None, **body: Any) -> httpx.Response:
        return self.api.post(f"/v1/online/orders/{self.mo}/payment", json=body,
                             headers={"Idempotency-Key": key} if key else {})

    def order(self, **params: Any) -> dict[str, Any]:
        return dict(_ok(self.api.get(f"/v1/online/orders/{self.mo}", params=params)))


@pytest.fixture
def visit(api: httpx.Client, xm: RunningSandbox) -> Visit:
    return Visit(api, xm)


def _cashier(xm: RunningSandbox, pay_ord_id: str) -> dict[str, Any]:
    r = httpx.post(f"{xm.url}/_sandbox/mobilepay/cashier", json={"payOrdId": pay_ord_id, "paid": True,
                                                                  "notify": True}, timeout=30)
    r.raise_for_status()
    return dict(r.json())


def _6202s(served: RunningService, mo: str) -> list[str]:
    store = served.service.client.online.store
    return [m["state"] for m in store.many("online_messages", med_org_ord=mo, interface="6202")]


def test_a_paid_consultation_end_to_end(visit: Visit, api: httpx.Client, xm: RunningSandbox,
                                        served: RunningService) -> None:
    uploaded = visit.start()
    key = f"PAY-{visit.mo}"
    first = visit.pay(key)
    ordered = _ok(first)
    assert ordered["state"] == "ORDERED" and ordered["msgid"] and ordered["split"]["fee_sumamt"] == amount("40.00")
    split = ordered["split"]
    assert split["fee_sumamt"] == split["own_pay_amt"] + split["psn_acct_pay"] + split["fund_pay"]
    again = visit.pay(key)  # the answer was lost at the HIS: the same request, the same key
    assert again.status_code == 200 and again.headers.get("Idempotent-Replayed") == "true"
    assert again.content == first.content and _6202s(served, visit.mo) == ["SUCCEEDED"]
    pushes = _cashier(xm, uploaded["pay_ord_id"])["pushes"]  # the patient pays; 6204 and 6302 come to us
    assert [(p["kind"], p["delivered"]) for p in pushes] == [("6204", True), ("6302", True)]
    settled = visit.order()
    assert settled["state"] == "SETTLED" and settled["settled_by"] == "6302" and settled["ord_stas"] == "6"
    assert settled["refundable"]["total"] == amount("40.00") and settled["split"] == split
    assert visit.order(refresh="true")["state"] == "SETTLED"  # 6301 agrees
    bill = _ok(api.post(f"/v1/online/orders/{visit.mo}/invoice", json={"payer": "患者"}))
    assert bill["total_amt"] == amount("40.00") and bill["bill_no"]
    shown = _ok(api.get(f"/v1/online/orders/{visit.mo}/invoice", params={"status": "true"}))
    assert shown["bill_no"] == bill["bill_no"] and shown["status"]
    undo = _ok(_post(api, f"/v1/online/orders/{visit.mo}/cancel", {"person": visit.person}, f"UNDO-{visit.mo}"))
    assert undo["order"]["state"] == "REFUNDED" and undo["order"]["refunded"]["total"] == amount("40.00")
    assert undo["unregistered"] and centre_order(xm.url, uploaded["pay_ord_id"])["ord_stas"] == "7"
    entries = _ok(api.get("/v1/journal", params={"infno": "2202"}))
    assert [(e["state"], e["mdtrt_id"]) for e in entries] == [("SUCCEEDED", visit.consult["mdtrt_id"])]


def test_money_without_a_key_is_refused_and_nothing_is_sent(visit: Visit, served: RunningService,
                                                             xm: RunningSandbox) -> None:
    uploaded = visit.start()
    r = visit.pay(None)
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert (body["kind"], body["exit_code"]) == ("validation", 2) and "Idempotency-Key" in body["detail"]
    assert _6202s(served, visit.mo) == [] and centre_order(xm.url, uploaded["pay_ord_id"])["ord_stas"] == "0"
    assert visit.order()["state"] == "UPLOADED"


def test_a_lost_6202_is_504_then_resolved_into_one_outcome(visit: Visit, served: RunningService,
                                                           xm: RunningSandbox, api: httpx.Client) -> None:
    uploaded = visit.start()
    arm(xm.url, "6202", "drop_after_commit")
    key = f"PAY-{visit.mo}"
    lost = visit.pay(key)
    assert lost.status_code == 504 and lost.json()["kind"] == "outcome_unknown" and lost.json()["msgid"]
    assert visit.order()["state"] == "ORDER_UNKNOWN" and _6202s(served, visit.mo) == ["UNKNOWN"]
    assert centre_order(xm.url, uploaded["pay_ord_id"])["ord_stas"] == "2"  # the centre did place it
    replay = visit.pay(key)
    assert replay.status_code == 504 and replay.headers.get("Idempotent-Replayed") == "true"
    other = visit.pay(f"{key}-2")  # a new key: still never a second 6202 while the first is unknown
    assert other.status_code == 409 and other.json()["kind"] == "conflict"
    resolved = _ok(api.post(f"/v1/online/orders/{visit.mo}/resolve"))
    assert resolved["state"] == "ORDERED" and resolved["ord_stas"] == "2"
    assert _6202s(served, visit.mo) == ["RESOLVED"]
    _cashier(xm, uploaded["pay_ord_id"])  # the patient pays the order placed by the lost 6202
    settled = _ok(api.post(f"/v1/online/orders/{visit.mo}/resolve"))
    assert settled["state"] == "SETTLED" and settled["split"]["fee_sumamt"] == amount("40.00")
    assert _ok(visit.pay(f"{key}-3"))["state"] == "SETTLED" and _6202s(served, visit.mo) == ["RESOLVED"]


def test_a_forged_notice_is_refused_by_the_mounted_receiver(visit: Visit, served: RunningService,
                                                             xm: RunningSandbox) -> None:
    uploaded = visit.start()
    ordered = _ok(visit.pay(f"PAY-{visit.mo}"))
    creds: mp.MobilePayCredentials = httpx.get(f"{xm.url}/_sandbox/mobilepay/credentials", timeout=10).json()
    private, public = gm.sm2_generate_keypair()
    forger: mp.MobilePayCredentials = {**creds, "platform_private_key": private,  # type: ignore[typeddict-item]
                                       "platform_public_key": public}
    s = ordered["split"]
    notice = {"payOrdId": uploaded["pay_ord_id"], "callType": "02", "medOrgOrd": visit.mo,
              "traceTime": "2026-01-01 10:00:00", "feeSumamt": s["fee_sumamt"], "ownpayAmt": s["own_pay_amt"],
              "psnAcctPay": s["psn_acct_pay"], "fundPay": s["fund_pay"], "hiChrgTime": "100000", "hiDocSn": "HD1",
              "hiRgstSn": ordered["mdtrt_id"], "orgName": "测试医疗机构", "setlType": "ALL", "revsToken": "RV1"}
    answer = httpx.post(f"{served.url}{NOTIFY}/6302", content=dumps_bytes(mp.build_notice(notice, forger)),
                        timeout=10)
    assert answer.status_code == 200
    code, _message, data = mp.open_notice_reply(answer.content, creds)  # our refusal is signed too
    assert code == 1001 and data["success"] is False
    assert visit.order()["state"] == "ORDERED"
    genuine = httpx.post(f"{served.url}{NOTIFY}", content=dumps_bytes(mp.build_notice(notice, creds)), timeout=10)
    assert mp.open_notice_reply(genuine.content, creds)[0] == 0 and visit.order()["state"] == "SETTLED"


def test_a_refund_beyond_the_settlement_is_refused_before_anything_is_sent(
    visit: Visit, served: RunningService, xm: RunningSandbox, api: httpx.Client
) -> None:
    uploaded = visit.start()
    assert _ok(visit.pay(f"PAY-{visit.mo}", acct_used_flag="0"))["state"] == "ORDERED"  # cash, not the account
    _cashier(xm, uploaded["pay_ord_id"])
    cash = visit.order()["split"]["own_pay_amt"]
    assert cash > 1
    url = f"/v1/online/orders/{visit.mo}/refunds"
    r = api.post(url, json={"cash": str(cash + Decimal("0.01")), "refd_type": "CASH"},
                 headers={"Idempotency-Key": f"RF-{visit.mo}"})
    assert r.status_code == 422 and r.json()["kind"] == "validation"
    assert [(i["field"], i["rule"]) for i in r.json()["issues"]] == [("cashRefdAmt", "refund")]
    assert served.service.client.online.store.many("online_messages", med_org_ord=visit.mo, interface="6203") == []
    assert amount(centre_order(xm.url, uploaded["pay_ord_id"])["refd_cash"]) == 0
    one = {"cash": "1.00", "refd_type": "CASH"}
    no_key = api.post(url, json=one)
    assert no_key.status_code == 422 and "Idempotency-Key" in no_key.json()["detail"]
    done = _ok(api.post(url, json=one, headers={"Idempotency-Key": f"RF-{visit.mo}"}))  # the 422 gave the key back
    assert done["state"] == "PART_REFUNDED" and done["refundable"]["cash"] == cash - 1
    assert done["refunded"] == {"cash": amount("1.00"), "acct": 0, "fund": 0, "total": amount("1.00")}
    assert amount(centre_order(xm.url, uploaded["pay_ord_id"])["refd_cash"]) == amount("1.00")
    over = api.post(url, json={"cash": str(cash), "refd_type": "CASH"},  # 1.00 of it is gone already
                    headers={"Idempotency-Key": f"RF2-{visit.mo}"})
    assert over.status_code == 422 and [i["field"] for i in over.json()["issues"]] == ["cashRefdAmt"]
    assert len(served.service.client.online.store.many("online_messages", med_org_ord=visit.mo,
                                                       interface="6203")) == 1


def test_an_order_that_does_not_exist_is_404(api: httpx.Client) -> None:
    r = api.get("/v1/online/orders/NO-SUCH-ORDER")
    assert r.status_code == 404 and r.json()["kind"] == "not_found" and "NO-SUCH-ORDER" in r.json()["detail"]
    r = api.post("/v1/online/orders/NO-SUCH-ORDER/payment", json={}, headers={"Idempotency-Key": "K-404"})
    assert r.status_code == 404


def test_the_openapi_document_types_the_online_resources(served: RunningService) -> None:
    doc = httpx.get(f"{served.url}/openapi.json", timeout=10).json()
    paths = doc["paths"]
    assert {"/v1/online/authorizations", "/v1/online/consultations", "/v1/online/orders/{med_org_ord}",
            "/v1/online/orders/{med_org_ord}/payment", "/v1/online/orders/{med_org_ord}/refunds"} <= set(paths)
    pay = paths["/v1/online/orders/{med_org_ord}/payment"]["post"]
    assert pay["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("PaymentRequest")
    assert pay["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("OrderOut")
    key = next(p for p in pay["parameters"] if p["name"] == "Idempotency-Key")
    assert key["in"] == "header" and key["required"] is True
    assert not any(p.startswith(NOTIFY) for p in paths)  # the centre's receiver is not the HIS's API


def test_a_region_without_online_settlement_answers_404(start: Any) -> None:
    svc = start()  # Dongguan 441900
    with api_client(svc.url) as api:
        for method, path in (("POST", "/v1/online/orders/MO1/payment"), ("GET", "/v1/online/orders/MO1"),
                             ("POST", "/v1/online/authorizations")):
            r = api.request(method, path, json={}, headers={"Idempotency-Key": "K1"})
            assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
            assert r.json()["kind"] == "not_found" and "441900 has no online settlement" in r.json()["detail"]
        assert httpx.post(f"{svc.url}{NOTIFY}", content=b"{}", timeout=10).status_code == 404
        doc = httpx.get(f"{svc.url}/openapi.json", timeout=10).json()
        assert not any(p.startswith("/v1/online") for p in doc["paths"])
    anonymous = httpx.get(f"{svc.url}/v1/online/orders/MO1", timeout=10)
    assert anonymous.status_code == 401


def test_the_online_operations_keep_their_own_document(served: RunningService) -> None:
    """schemathesis over every ``/v1/online`` operation of the Xiamen service (the module-wide run
    in test_schemathesis.py serves Dongguan, which has none): generated requests, valid and invalid,
    never get a 500 and every answer matches its documented status and schema."""
    seen, failures = fuzz(served.url, "/v1/online")
    assert seen == 10
    assert failures == [], "\n\n".join(failures)


def test_online_settlement_not_configured_is_404_and_a_missing_key_stops_the_start(
    xm: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with start_service(_config(xm, tmp_path, None)) as svc, api_client(svc.url) as api:
        r = api.get("/v1/online/orders/MO1")
        assert r.status_code == 404 and "[online] app_id" in r.json()["detail"]
    online = hand_over_keys(xm.url, tmp_path, monkeypatch)
    cfg = _config(xm, tmp_path, {**online, "private_key_file": str(tmp_path / "no-such.key")})
    service = Service(cfg, tokens=load_tokens(cfg.service, {TOKENS_ENV: tokens_text()}))
    try:
        with pytest.raises(ConfigurationError) as caught:
            create_app(service)
        assert caught.value.exit_code == 2 and "private_key" in str(caught.value)
    finally:
        service.stop()


def test_a_lost_invoice_answer_is_not_resolved_and_never_issues_twice(
    visit: Visit, xm: RunningSandbox, api: httpx.Client
) -> None:
    uploaded = visit.start()
    visit.pay(f"PAY-{visit.mo}")
    _cashier(xm, uploaded["pay_ord_id"])
    arm(xm.url, "EB01", "drop_after_commit")
    url = f"/v1/online/orders/{visit.mo}/invoice"
    lost = api.post(url, json={"payer": "患者"})
    assert lost.status_code == 504 and lost.json()["kind"] == "outcome_unknown"
    assert api.get(url).status_code == 404  # the bill's numbers were in the lost answer
    again = api.post(url, json={"payer": "患者"})
    assert again.status_code == 424 and again.json()["kind"] == "business"  # the vendor: this busNo has a bill
    bills = httpx.get(f"{xm.url}/_sandbox/einvoice/bills", timeout=10).json()
    assert len([b for b in bills if visit.mo in str(b)]) == 1


def test_cancel_before_payment_is_6401_then_2202_once(visit: Visit, xm: RunningSandbox, api: httpx.Client,
                                                      served: RunningService) -> None:
    uploaded = visit.start()
    assert _ok(visit.pay(f"PAY-{visit.mo}"))["state"] == "ORDERED"
    url = f"/v1/online/orders/{visit.mo}/cancel"
    assert api.post(url, json={}, headers={"Idempotency-Key": f"UNDO-{visit.mo}"}).status_code == 422  # no person
    first = _ok(_post(api, url, {"person": visit.person}, f"UNDO-{visit.mo}"))
    assert first["order"]["state"] == "CANCELLED" and first["order"]["refunded"]["total"] == 0
    assert centre_order(xm.url, uploaded["pay_ord_id"])["ord_stas"] == "12"
    again = _ok(_post(api, url, {"person": visit.person}, f"UNDO2-{visit.mo}"))  # another key: nothing new is sent
    assert again["unregistered"] == first["unregistered"] and again["order"]["state"] == "CANCELLED"
    entries = _ok(api.get("/v1/journal", params={"infno": "2202"}))
    assert [(e["state"], e["msgid"]) for e in entries] == [("SUCCEEDED", first["unregistered"])]
    store = served.service.client.online.store
    assert [m["state"] for m in store.many("online_messages", med_org_ord=visit.mo, interface="6401")] == ["SUCCEEDED"]
