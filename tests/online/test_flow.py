"""The internet-hospital cycle against the sandbox over loopback: consultation, payment at the
channel, the 6302 notice at the receiver and 6301 agreeing, the e-invoice, and the undoing by
ordStas (6401 before payment, 6203 after, then 2202)."""

from __future__ import annotations

from collections.abc import Callable

from yibao.core import Client
from yibao.core.online.flow import Consultation
from yibao.core.online.states import OrderState

from .conftest import DIAGNOSIS, ITEMS, PHARMACIST
from .support import Patient, amount, centre_order


def test_a_paid_consultation_is_settled_by_the_notice_and_6301_agrees(
    client: Client, receiver: str, patient: Patient, visit: Callable[[str], Consultation]
) -> None:
    v = visit("MO-FLOW-1")
    rx = v.prescribe(ITEMS, DIAGNOSIS, PHARMACIST, b"%PDF-1.4 rx")
    assert rx.hi_rxno and rx.rx_stas_codg == "1"
    uploaded = v.upload_fees(ITEMS, DIAGNOSIS)
    assert uploaded.state == OrderState.UPLOADED and uploaded.pay_ord_id and uploaded.cashier_url
    ordered = v.pay()
    assert ordered.state == OrderState.ORDERED and ordered.split is not None and ordered.split.adds_up
    assert ordered.split.fee_sumamt == amount("40.00")
    pushed = patient.pay(ordered.pay_ord_id)
    assert [p["delivered"] for p in pushed["pushes"]] == [True, True]
    settled = client.online.orders.get("MO-FLOW-1")
    assert settled.state == OrderState.SETTLED and settled.settled_by == "6302"
    applied = client.online.orders.query("MO-FLOW-1")
    assert not applied.conflict and not applied.changed and client.online.orders.get("MO-FLOW-1").split == ordered.split
    centre = centre_order(client.config.gateway.url, ordered.pay_ord_id)
    assert centre["ord_stas"] == "6"
    bill = v.invoice()
    assert bill.total_amt == amount("40.00") and client.online.invoices.download(bill).startswith(b"%PDF")
    undone = v.cancel()
    assert undone.state == OrderState.REFUNDED and undone.refunded.total == amount("40.00")
    assert centre_order(client.config.gateway.url, ordered.pay_ord_id)["ord_stas"] == "7"
