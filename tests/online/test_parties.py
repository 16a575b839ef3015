"""The other online parties over loopback: the e-prescription centre (7101-7107), the e-invoice
vendor (Base64 + MD5), the local services (data, not code) and the HIS callbacks (a hook with
the platform's retry semantics)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from yibao.core import BusinessError, Client, OutcomeUnknownError, StateError, hookimpl
from yibao.core.online.flow import Consultation
from yibao.core.online.states import OrderState

from .conftest import DIAGNOSIS, ITEMS, PHARMACIST, MakeClient
from .support import Patient


def _person(v: Consultation) -> dict[str, str]:
    return {"mdtrtId": v.visit.mdtrt_id, "psnName": v.identity.psn_name, "psnCertType": "01",
            "certno": v.identity.certno}


def test_a_prescription_is_uploaded_reviewed_dispensed_or_withdrawn(
    client: Client, visit: Callable[[str], Consultation]
) -> None:
    v = visit("MO-RX-1")
    url = client.config.gateway.url
    rx = v.prescribe(ITEMS, DIAGNOSIS, PHARMACIST, b"%PDF-1.4 rx one")
    assert v.review(rx)["rxChkStasCodg"] == "0"  # 待审核
    httpx.post(f"{url}/_sandbox/rx/review", json={"hiRxno": rx.hi_rxno}, timeout=10).raise_for_status()
    assert v.review(rx)["rxChkStasCodg"] == "1"
    detail = client.online.prescriptions.detail(rx.hi_rxno, _person(v))
    assert detail["rxStasCodg"] == "1" and detail["rxDetlList"][0]["medListCodg"] == "SBXA01AAA0001"
    httpx.post(f"{url}/_sandbox/rx/dispense", json={"hiRxno": rx.hi_rxno}, timeout=10).raise_for_status()
    taken = client.online.prescriptions.dispensing(rx.hi_rxno, _person(v))
    assert taken["rxUsedStasCodg"] == "1" and taken["seltdelts"][0]["medListCodg"] == "SBXA01AAA0001"
    with pytest.raises(BusinessError, match="不能撤销"):
        v.withdraw(rx, "已取药后撤销")
    second = v.prescribe(ITEMS, DIAGNOSIS, PHARMACIST, b"%PDF-1.4 rx two", hosp_rxno="RX-MO-RX-1-B")
    assert v.withdraw(second, "处方开错")["rxStasCodg"] == "2"
    states = {m["interface"]: m["state"] for m in client.online.store.many("online_messages", med_org_ord="MO-RX-1")}
    assert states == {"7101": "SUCCEEDED", "7103": "SUCCEEDED"}  # state changes journaled (7102 signs: a query)


def test_an_upload_needs_the_centres_signature_and_a_fresh_trace_code(
    client: Client, visit: Callable[[str], Consultation]
) -> None:
    v = visit("MO-RX-2")
    rx = v.prescribe(ITEMS, DIAGNOSIS, PHARMACIST, b"%PDF")
    fields = {"rxTraceCode": rx.rx_trace_code, "hiRxno": rx.hi_rxno, "mdtrtId": v.visit.mdtrt_id, "patnName": "x",
              "psnCertType": "01", "certno": v.identity.certno, "fixmedinsName": "n", "fixmedinsCode": "H35020000001",
              "drCode": "D1", "prscDrName": "d", "pharDeptName": "p", "pharDeptCode": "P1", "pharCode": "HY1",
              "pharName": "p", "pharChkTime": "2026-01-01 10:00:00"}
    with pytest.raises(BusinessError, match="追溯码"):  # used once already
        client.online.prescriptions.upload(fields, {"rxFile": "JVBERg==", "signDigest": rx.sign_digest})


def test_the_invoice_of_a_settled_order_is_issued_once_and_written_off_once(
    client: Client, receiver: str, patient: Patient, visit: Callable[[str], Consultation]
) -> None:
    v = visit("MO-EB-1")
    with pytest.raises(StateError):
        v.invoice()  # not settled
    v.upload_fees(ITEMS, DIAGNOSIS)
    patient.pay(v.pay().pay_ord_id)
    bill = v.invoice()
    assert v.invoice() == bill  # the second call sends nothing
    assert [m["state"] for m in client.online.store.many("online_messages", med_org_ord="MO-EB-1",
                                                          interface="EB01")] == ["SUCCEEDED"]
    invoices = client.online.invoices
    assert invoices.status(bill)["state"] == "1" and invoices.download(bill).startswith(b"%PDF")
    assert invoices.write_off(bill, reason="退费", operator="收费员")["eScarletBillNo"]
    assert invoices.status(bill)["isScarlet"] == "1"
    with pytest.raises(BusinessError, match="已冲红"):
        invoices.write_off(bill, reason="again", operator="收费员")


def test_a_vendor_answer_whose_md5_does_not_match_is_unknown(
    make_client: MakeClient, monkeypatch: pytest.MonkeyPatch, receiver: str, patient: Patient,
    visit: Callable[[str], Consultation], client: Client
) -> None:
    v = visit("MO-EB-2")
    v.upload_fees(ITEMS, DIAGNOSIS)
    patient.pay(v.pay().pay_ord_id)
    monkeypatch.setenv("YIBAO_TEST_WRONG_EINVOICE_KEY", "0" * 32)
    wrong = make_client({"invoice": {"app_id": client.config.online.invoice.app_id,
                                     "app_key_env": "YIBAO_TEST_WRONG_EINVOICE_KEY"}})
    with pytest.raises(OutcomeUnknownError, match="MD5"):
        wrong.online.invoices.issue("MO-EB-2", payer="x")  # the vendor refused our sign, with its own
    bills = httpx.get(f"{client.config.gateway.url}/_sandbox/einvoice/bills", timeout=10).json()
    assert bills == []


def test_local_services_change_by_data_not_code(
    make_client: MakeClient, tmp_path: Path, client: Client
) -> None:
    doctor = {"drCode": "D350200000009", "drName": "赵医生"}
    assert client.online.local.call("XM01", doctor)["authFlag"] == "1"
    with pytest.raises(Exception, match="drName"):
        client.online.local.call("XM01", {"drCode": "D1"})  # the plugin's assumed table wants drName
    services = tmp_path / "xiamen-local.json"
    services.write_text(json.dumps({"services": {"XM01": {
        "input": [{"code": "drCode", "type": "C", "length": 20, "required": True}],
        "output": [{"code": "authFlag", "type": "C", "length": 3, "required": True}],
        "source": "厦门医保局 文档 (test)"}}}, ensure_ascii=False), encoding="utf-8")
    moved = make_client({"local": {"services_file": str(services)}})
    endpoint = moved.online.online.endpoint("XM01")
    assert endpoint.verified and endpoint.source == "厦门医保局 文档 (test)"
    with pytest.raises(BusinessError, match="drName"):  # our table took it; the (unchanged) sandbox still wants it
        moved.online.local.call("XM01", {"drCode": "D1"})
    services.write_text(json.dumps({"services": {"XM01": {"path": "/nowhere"}}}), encoding="utf-8")
    with pytest.raises(OutcomeUnknownError):
        make_client({"local": {"services_file": str(services)}}).online.local.call("XM01", doctor)


class _His:
    def __init__(self, answers: list[Any]) -> None:
        self.answers = answers
        self.asked: list[tuple[str, Mapping[str, Any]]] = []

    @hookimpl
    def yibao_his_request(self, name: str, payload: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """A HIS that answers from a script."""
        self.asked.append((name, dict(payload)))
        answer = self.answers.pop(0) if self.answers else {"resultCode": "0"}
        if isinstance(answer, Exception):
            raise answer
        return answer  # type: ignore[no-any-return]


def test_hook_yibao_his_request(client: Client, receiver: str, patient: Patient,
                                visit: Callable[[str], Consultation]) -> None:
    """Functions 23-25: 0 taken, -1 refused (no retry), anything else retried; a confirmation is kept."""
    his = _His([{"resultCode": "9"}, RuntimeError("HIS down"), {"resultCode": "0", "prescriptions": [{"rxno": "1"}]},
                {"resultCode": "-1", "resultMsg": "无此处方"}, {"resultCode": "2"}, {"resultCode": "0"}])
    client.hooks.add_plugin(his, "test-his")
    bridge = client.online.his
    bridge.sleep = lambda s: None
    assert bridge.ask("HIS23", {"idNo": "1", "userName": "u"})["prescriptions"] == [{"rxno": "1"}]
    assert [n for n, _ in his.asked] == ["pending_prescriptions"] * 3
    with pytest.raises(BusinessError, match="无此处方"):
        bridge.ask("HIS25", {"medOrgOrd": "X"})
    assert len(his.asked) == 4  # a refusal is not retried
    v = visit("MO-HIS-1")
    v.upload_fees(ITEMS, DIAGNOSIS)
    patient.pay(v.pay().pay_ord_id)  # settled by the notice: 结算结果确认 answered "2", kept
    row = bridge.outbox()[0]
    assert (row["state"], row["attempts"], row["payload"]["medOrgOrd"]) == ("PENDING", 1, "MO-HIS-1")
    client.online.store.update("online_outbox", {"name": "settlement_confirm", "med_org_ord": "MO-HIS-1"},
                               {"next_attempt_at": "2000-01-01T00:00:00"})
    assert client.online.recover()["his"] == {"DONE": 1}
    assert bridge.outbox()[0]["state"] == "DONE" and v.order.state == OrderState.SETTLED
