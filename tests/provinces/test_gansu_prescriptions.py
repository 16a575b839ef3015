"""Gansu §3.9 external prescriptions against the sandbox: 7201 → 7203 → 7204 → 2102 → 3505, 2103 undoes."""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import httpx

from yibao.core import FeeItem, Medium
from yibao.core.acceptance import synth_input
from yibao.core.acceptance.rehearsal import ControlApiReader
from yibao.core.client import Client
from yibao.core.plugins import RegionProfile, get_plugin_manager, hookimpl, load_registry
from yibao.provinces.gansu import prescriptions
from yibao.sandbox.rehearsal.pytest_plugin import FakeCentre


class Wire:
    """Keeps what left for each infno."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, Mapping[str, Any]]] = []

    @hookimpl
    def yibao_before_send(self, profile: RegionProfile, infno: str, envelope: Mapping[str, Any]) -> None:
        self.sent.append((infno, envelope["input"]))


def test_external_prescription_purchase_and_cancel(fake_centre: FakeCentre) -> None:
    """The flow of §3.9 in order; 2102 carries the prescription number with rx_circ_flag 1; 2103 cancels."""
    wire = Wire()
    pm = get_plugin_manager()
    pm.register(wire, name="wire")
    client = Client(fake_centre.config("620000", fixmedins_code="H62010000001"), registry=load_registry(pm))
    person = fake_centre.persons()[0]
    identity = client.identify(Medium.id_card(person["certno"], person["psn_name"]))
    rx = prescriptions.download(client, prescriptions.scan(client, "QR-CODE-FROM-PATIENT"))
    assert rx.hi_rxno.startswith("RX") and rx.epc_token
    item = fake_centre.items()[0]
    fee = FeeItem(feedetl_sn="1", med_list_codg=item["med_list_codg"], medins_list_codg="H-1", cnt=Decimal("1"),
                  pric=Decimal("9.50"))  # fmt: skip
    code = f"{time.time_ns() % 10**12:012d}00000001"  # the dispensed package's 20-digit 追溯码
    sales = synth_input(client.transactions, "3505", {"med_list_codg": item["med_list_codg"], "rtal_docno": rx.hi_rxno},
                        overrides={"selinfo": {"trdn_flag": "0", "drugtracinfo": [{"drug_trac_codg": code}]}})
    reader = ControlApiReader(fake_centre.url, person)  # §3.1.5: the medium and its password again at 2102
    settled = prescriptions.purchase(
        client, identity, rx, [fee], review={"phar_name": "药师", "rx_chk_stas_codg": "1"}, sales=sales, reader=reader
    )
    assert reader.reads == ["id_card", "password:id_card"]
    order = [i for i, _ in wire.sent]
    assert order.index("7201") < order.index("7203") < order.index("7204") < order.index("2102") < order.index("3505")
    detail = dict(wire.sent)["2102"]["drugdetail"][0]
    assert (detail["rxno"], detail["rx_circ_flag"]) == (rx.hi_rxno, "1")
    prescriptions.cancel_purchase(client, identity, settled)
    ledger = httpx.get(f"{fake_centre.url}/_sandbox/ledger").json()
    assert [r["state"] for r in ledger if r["setl_id"] == settled.setl_id] == ["cancelled"]
    client.close()
