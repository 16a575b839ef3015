"""6203 refunds never exceed the settlement and their parts add up: checked before anything is
journaled or sent, counting refunds done, in flight and unknown; the centre checks the same."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest

from yibao.core import Client, OutcomeUnknownError, ValidationError
from yibao.core.online.flow import Consultation
from yibao.core.online.orders import RefundParts
from yibao.core.online.states import OrderState

from .conftest import DIAGNOSIS, ITEMS
from .support import Patient, amount, arm, centre_order

D = Decimal


@pytest.fixture
def settled(client: Client, receiver: str, patient: Patient, visit: Callable[[str], Consultation]) -> Consultation:
    v = visit("MO-REFUND-1")
    v.upload_fees(ITEMS, DIAGNOSIS, acct_used_flag="0")  # cash and fund only: partial cash refunds possible
    order = v.pay(acct_used_flag="0")
    patient.pay(order.pay_ord_id)
    assert v.order.state == OrderState.SETTLED
    return v


def _sent(client: Client) -> int:
    return len(client.online.store.many("online_messages", med_org_ord="MO-REFUND-1", interface="6203"))


def test_partial_refunds_add_up_to_the_settlement_and_no_further(client: Client, settled: Consultation) -> None:
    split = settled.order.split
    assert split is not None and split.own_pay_amt > D("1.00") and split.psn_acct_pay == 0
    orders = client.online.orders
    first = orders.refund("MO-REFUND-1", RefundParts(cash=D("1.00"), refd_type="CASH"))
    assert first.state == OrderState.PART_REFUNDED and first.refunded.cash == D("1.00")
    with pytest.raises(ValidationError, match="exceeds what is left"):
        orders.refund("MO-REFUND-1", RefundParts(cash=split.own_pay_amt, refd_type="CASH"))
    assert _sent(client) == 1  # refused before any journal row or byte
    rest = orders.refund("MO-REFUND-1", RefundParts(cash=split.own_pay_amt - D("1.00"), fund=split.fund_pay))
    assert rest.state == OrderState.REFUNDED and rest.refunded.total == split.fee_sumamt
    with pytest.raises(Exception, match="needs a settled order"):
        orders.refund("MO-REFUND-1", RefundParts(cash=D("0.01"), refd_type="CASH"))
    centre = centre_order(client.config.gateway.url, rest.pay_ord_id)
    assert centre["ord_stas"] == "7"
    assert amount(centre["refd_cash"]) + amount(centre["refd_fund"]) == split.fee_sumamt


@pytest.mark.parametrize("parts", [
    RefundParts(cash=D("1.005"), refd_type="CASH"),      # more than two decimals
    RefundParts(cash=D("-1.00"), fund=D("2.00")),        # a negative part
    RefundParts(fund=D("1.00"), refd_type="CASH"),       # CASH with a fund part
    RefundParts(cash=D("1.00"), refd_type="HI"),         # HI with a cash part
    RefundParts(refd_type="ALL"),                        # nothing
])
def test_a_refund_whose_parts_do_not_fit_is_refused_before_sending(
    client: Client, settled: Consultation, parts: RefundParts
) -> None:
    with pytest.raises(ValidationError):
        client.online.orders.refund("MO-REFUND-1", parts)
    assert _sent(client) == 0 and settled.order.state == OrderState.SETTLED


def test_an_unknown_refund_counts_against_what_is_left(client: Client, settled: Consultation) -> None:
    split = settled.order.split
    assert split is not None
    arm(client.config.gateway.url, "6203", "drop_after_commit")
    with pytest.raises(OutcomeUnknownError):
        client.online.orders.refund("MO-REFUND-1", RefundParts(cash=split.own_pay_amt, refd_type="CASH"))
    with pytest.raises(Exception, match="REFUND_UNKNOWN"):
        client.online.orders.refund("MO-REFUND-1", RefundParts(fund=split.fund_pay, refd_type="HI"))
    from yibao.core.online.reconcile import refundable

    left = refundable(client.online.store, client.online.orders.row("MO-REFUND-1"))
    assert left.cash == 0 and left.fund == split.fund_pay  # the unknown cash refund is reserved


def test_the_centre_refuses_what_the_client_would_not_send(client: Client, settled: Consultation) -> None:
    """The sandbox checks on its own (a client with a bug meets a centre without it)."""
    from yibao.core import gm

    order = client.online.orders.row("MO-REFUND-1")
    creds = httpx.get(f"{client.config.gateway.url}/_sandbox/mobilepay/credentials", timeout=10).json()
    mine = gm.Credentials(creds["appId"], creds["appSecret"], creds["institution_private_key"],
                          creds["platform_public_key"])
    too_much = {"payOrdId": order["pay_ord_id"], "appRefdSn": "R-OVER-1", "appRefdTime": "20260101100000",
                "totlRefdAmt": order["fee_sumamt"] + D("1.00"), "cashRefdAmt": order["own_pay_amt"] + D("1.00"),
                "fundRefdAmt": order["fund_pay"], "psnAcctRefdAmt": D("0.00"), "refdType": "ALL",
                "payAuthNo": order["person"]["payAuthNo"]}
    body = gm.encode_body(gm.build_request(too_much, mine))
    reply = gm.open_reply(httpx.post(f"{client.config.gateway.url}/org/local/api/hos/refund_Order", content=body,
                                     timeout=10).content, mine)
    assert reply.code != 0 and "超过" in reply.message
    parts = dict(too_much, appRefdSn="R-SUM-1", totlRefdAmt=D("5.00"), cashRefdAmt=D("1.00"), fundRefdAmt=D("0.00"))
    reply = gm.open_reply(httpx.post(f"{client.config.gateway.url}/org/local/api/hos/refund_Order",
                                     content=gm.encode_body(gm.build_request(parts, mine)), timeout=10).content, mine)
    assert reply.code != 0 and "之和" in reply.message
