"""A 6202 / 6203 / 6201 whose answer was lost ends in one consistent outcome, the centre's:
never cleaned up blindly (6301 first, then 6401 or 6203 as the state demands), a refund sent
again only as itself (same appRefdSn), never twice."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from yibao.core import Client, OutcomeUnknownError, StateError
from yibao.core.online.flow import Consultation
from yibao.core.online.states import OrderState

from .conftest import DIAGNOSIS, ITEMS, MakeClient
from .support import Patient, amount, arm, centre_order


def _messages(client: Client, mo: str, interface: str) -> list[str]:
    return [m["state"] for m in client.online.store.many("online_messages", med_org_ord=mo, interface=interface)]


def _uploaded(visit: Callable[[str], Consultation], mo: str) -> Consultation:
    v = visit(mo)
    v.upload_fees(ITEMS, DIAGNOSIS)
    return v


def test_lost_6202_unpaid_is_resolved_by_6301_then_revoked_by_6401(
    client: Client, visit: Callable[[str], Consultation]
) -> None:
    v = _uploaded(visit, "MO-LOST-1")
    url = client.config.gateway.url
    arm(url, "6202", "drop_after_commit")
    with pytest.raises(OutcomeUnknownError):
        v.pay()
    order = v.order
    assert order.state == OrderState.ORDER_UNKNOWN and _messages(client, "MO-LOST-1", "6202") == ["UNKNOWN"]
    assert centre_order(url, order.pay_ord_id)["ord_stas"] == "2"  # the centre did place it
    with pytest.raises(StateError):
        v.pay()  # never a second 6202 while the first is unknown
    undone = v.cancel()  # resolves (6301: ordered), asks 6301 again, then 6401
    assert undone.state == OrderState.CANCELLED
    assert _messages(client, "MO-LOST-1", "6202") == ["RESOLVED"]
    assert _messages(client, "MO-LOST-1", "6401") == ["SUCCEEDED"]
    assert centre_order(url, order.pay_ord_id)["ord_stas"] == "12"
    unregistered = client.journal.list(infno="2202")  # then 医保挂号冲销 of the visit (function 12)
    assert [(e.state.value, e.mdtrt_id) for e in unregistered] == [("SUCCEEDED", v.visit.mdtrt_id)]


def test_lost_6202_paid_meanwhile_is_settled_by_the_notice_and_refunded_by_6203(
    client: Client, receiver: str, patient: Patient, visit: Callable[[str], Consultation]
) -> None:
    v = _uploaded(visit, "MO-LOST-2")
    url = client.config.gateway.url
    arm(url, "6202", "drop_after_commit")
    with pytest.raises(OutcomeUnknownError):
        v.pay()
    pay_ord_id = v.order.pay_ord_id
    patient.pay(pay_ord_id)  # the patient paid although our answer was lost: 6302 arrives
    settled = v.order
    assert settled.state == OrderState.SETTLED and settled.settled_by == "6302"
    assert settled.split is not None and settled.split.fee_sumamt == amount("40.00")
    assert client.online.recover()["unresolved"] == []
    assert not client.online.orders.query("MO-LOST-2").conflict  # 6301 says the same
    undone = v.cancel()
    assert undone.state == OrderState.REFUNDED and undone.refunded.total == amount("40.00")
    centre = centre_order(url, pay_ord_id)
    assert centre["ord_stas"] == "7" and amount(centre["refd_cash"]) + amount(centre["refd_acct"]) + \
        amount(centre["refd_fund"]) == amount("40.00")


def test_6202_refused_by_a_500_is_not_placed_and_may_be_ordered_again(
    client: Client, visit: Callable[[str], Consultation]
) -> None:
    v = _uploaded(visit, "MO-LOST-3")
    arm(client.config.gateway.url, "6202", "error_500")  # nothing committed, but we cannot know that
    with pytest.raises(OutcomeUnknownError):
        v.pay()
    assert v.order.state == OrderState.ORDER_UNKNOWN
    report = client.online.recover()
    assert report["resolved"] == [{"medOrgOrd": "MO-LOST-3", "state": "UPLOADED", "ordStas": "0"}]
    assert v.pay().state == OrderState.ORDERED  # the centre said 0: a new 6202 is a new decision


def test_lost_6203_is_sent_again_as_itself_and_refunds_once(
    client: Client, receiver: str, patient: Patient, visit: Callable[[str], Consultation]
) -> None:
    v = _uploaded(visit, "MO-LOST-4")
    order = v.pay()
    patient.pay(order.pay_ord_id)
    url = client.config.gateway.url
    arm(url, "6203", "drop_after_commit")
    with pytest.raises(OutcomeUnknownError):
        v.cancel()
    assert v.order.state == OrderState.REFUND_UNKNOWN
    done = v.cancel()  # the unknown refund is resolved first: the same 6203 (same appRefdSn) again
    refunds = client.online.store.many("online_messages", med_org_ord="MO-LOST-4", interface="6203")
    assert [r["state"] for r in refunds] == ["SUCCEEDED"] and refunds[0]["attempts"] == 2
    assert done.state == OrderState.REFUNDED and done.refunded.total == amount("40.00")
    centre = centre_order(url, order.pay_ord_id)
    assert centre["ord_stas"] == "7" and amount(centre["refd_cash"]) == done.refunded.cash


def test_a_reply_that_does_not_verify_is_unknown_and_the_same_6201_resolves_it(
    make_client: MakeClient, sandbox: object, online_table: dict[str, object],
    visit: Callable[[str], Consultation], monkeypatch: pytest.MonkeyPatch, client: Client
) -> None:
    from yibao.core import gm

    v = visit("MO-LOST-5")
    _, stranger = gm.sm2_generate_keypair()
    monkeypatch.setenv("YIBAO_TEST_WRONG_PLATFORM_KEY", stranger)
    wrong = make_client({"platform_key_env": "YIBAO_TEST_WRONG_PLATFORM_KEY"})
    v.service = wrong.online  # the same consultation, sent by a client that trusts another key
    with pytest.raises(OutcomeUnknownError, match="does not open"):
        v.upload_fees(ITEMS, DIAGNOSIS)
    assert wrong.online.orders.get("MO-LOST-5").state == OrderState.UPLOAD_UNKNOWN
    report = client.online.recover()  # the right key: the same 6201 again, the centre's same order
    assert report["resolved"][0]["state"] == "UPLOADED"
    order = client.online.orders.get("MO-LOST-5")
    assert centre_order(client.config.gateway.url, order.pay_ord_id)["med_org_ord"] == "MO-LOST-5"
