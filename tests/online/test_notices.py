"""The 6302 / 6204 receiver over loopback: a genuine notice settles the order once; a forged,
altered, stale or replayed one is refused and changes nothing; the centre's own retries (fresh
envelopes) are answered without a second effect; a notice whose money disagrees is flagged."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs
import httpx
import pytest

from yibao.core import Client, gm
from yibao.core.online.flow import Consultation
from yibao.core.online.states import OrderState
from yibao.sandbox import mobilepay as mp
from yibao.sandbox.codec import dumps_bytes

from .conftest import DIAGNOSIS, ITEMS
from .support import Patient, amount


@pytest.fixture
def centre_creds(client: Client) -> mp.MobilePayCredentials:
    creds: mp.MobilePayCredentials = httpx.get(f"{client.config.gateway.url}/_sandbox/mobilepay/credentials",
                                               timeout=10).json()
    return creds


@pytest.fixture
def ordered(client: Client, visit: Callable[[str], Consultation]) -> Consultation:
    v = visit("MO-NOTICE-1")
    v.upload_fees(ITEMS, DIAGNOSIS)
    v.pay()
    return v


def _notice(v: Consultation, **changes: Any) -> dict[str, Any]:
    o = v.order
    assert o.split is not None
    return {"payOrdId": o.pay_ord_id, "callType": "02", "medOrgOrd": o.med_org_ord, "traceTime": "2026-01-01 10:00:00",
            "feeSumamt": o.split.fee_sumamt, "ownpayAmt": o.split.own_pay_amt, "psnAcctPay": o.split.psn_acct_pay,
            "fundPay": o.split.fund_pay, "hiChrgTime": "100000", "hiDocSn": "HD1", "hiRgstSn": o.mdtrt_id,
            "orgName": "测试医疗机构", "setlType": "ALL", "revsToken": "RV1", **changes}


def _post(receiver: str, body: bytes, creds: mp.MobilePayCredentials) -> tuple[int, Any]:
    answer = httpx.post(receiver + "/6302", content=body, timeout=10)
    code, _message, data = mp.open_notice_reply(answer.content, creds)  # our answers are signed, always
    return code, data


def test_a_genuine_notice_settles_once_and_its_replay_is_refused(
    client: Client, receiver: str, ordered: Consultation, centre_creds: mp.MobilePayCredentials
) -> None:
    body = dumps_bytes(mp.build_notice(_notice(ordered), centre_creds))
    assert _post(receiver, body, centre_creds) == (0, {"success": True, "message": "成功"})
    assert ordered.order.state == OrderState.SETTLED and ordered.order.settled_by == "6302"
    code, data = _post(receiver, body, centre_creds)  # the same bytes again
    assert code == 1003 and data["success"] is False
    again = dumps_bytes(mp.build_notice(_notice(ordered), centre_creds))  # the centre's retry: a fresh envelope
    assert _post(receiver, again, centre_creds) == (0, {"success": True, "message": "已处理"})
    assert ordered.order.state == OrderState.SETTLED
    outbox = client.online.his.outbox()
    assert [(r["name"], r["med_org_ord"]) for r in outbox] == [("settlement_confirm", "MO-NOTICE-1")]


def test_a_forged_notice_is_refused_and_changes_nothing(
    client: Client, receiver: str, ordered: Consultation, centre_creds: mp.MobilePayCredentials
) -> None:
    private, public = gm.sm2_generate_keypair()
    forger: mp.MobilePayCredentials = {**centre_creds, "platform_private_key": private,  # type: ignore[typeddict-item]
                                       "platform_public_key": public}
    code, data = _post(receiver, dumps_bytes(mp.build_notice(_notice(ordered), forger)), centre_creds)
    assert code == 1001 and data["success"] is False
    genuine = mp.build_notice(_notice(ordered), centre_creds)
    altered = dict(genuine)
    other = mp.build_notice(_notice(ordered, fundPay=Decimal("0.00"), ownpayAmt=Decimal("40.00")), centre_creds)
    altered["encData"] = other["encData"]
    code, _ = _post(receiver, dumps_bytes(altered), centre_creds)
    assert code == 1001  # another body under the genuine signature
    stale = mp.build_notice(_notice(ordered), centre_creds, now_ms=round((time.time() - 3600) * 1000))
    code, _ = _post(receiver, dumps_bytes(stale), centre_creds)
    assert code == 1002
    unknown = mp.build_notice(_notice(ordered, payOrdId="ORD-NOT-OURS", medOrgOrd="X"), centre_creds)
    code, _ = _post(receiver, dumps_bytes(unknown), centre_creds)
    assert code == 1005
    assert ordered.order.state == OrderState.ORDERED and client.online.his.outbox() == []


def test_a_notice_whose_money_disagrees_is_flagged_not_applied(
    client: Client, receiver: str, ordered: Consultation, centre_creds: mp.MobilePayCredentials
) -> None:
    o = ordered.order
    assert o.split is not None
    wrong = _notice(ordered, fundPay=o.split.fund_pay - Decimal("1.00"),
                    ownpayAmt=o.split.own_pay_amt + Decimal("1.00"))
    code, data = _post(receiver, dumps_bytes(mp.build_notice(wrong, centre_creds)), centre_creds)
    assert code == 0 and data["success"] is False and "人工" in data["message"]
    flagged = ordered.order
    assert flagged.state == OrderState.NEEDS_ATTENTION and flagged.split == o.split and "CONFLICT" in flagged.notes
    assert client.online.his.outbox() == []


def test_the_centre_pushes_6204_then_6302_and_6301_reconciles_to_the_same_outcome(
    client: Client, receiver: str, ordered: Consultation, patient: Patient
) -> None:
    pushes = patient.pay(ordered.order.pay_ord_id)["pushes"]
    assert [(p["kind"], p["delivered"], p["attempts"]) for p in pushes] == [("6204", True, 1), ("6302", True, 1)]
    first = ordered.order
    assert first.state == OrderState.SETTLED and first.split is not None and first.split.adds_up
    redo = httpx.post(f"{client.config.gateway.url}/_sandbox/mobilepay/notify",
                      json={"payOrdId": first.pay_ord_id}, timeout=10).json()["pushes"]
    assert all(p["delivered"] for p in redo)  # the centre asks again: the same answer, no second effect
    applied = client.online.orders.query("MO-NOTICE-1")
    assert (applied.changed, applied.conflict) == (False, False)
    assert attrs.evolve(ordered.order, notes="") == attrs.evolve(first, notes="")  # the stale 6204 changed nothing
    assert first.split.fee_sumamt == amount("40.00")
