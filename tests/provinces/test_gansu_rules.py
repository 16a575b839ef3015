"""Gansu against the sandbox: §3.2 1101 by its own rules in identify, §3.1.5 medium + password at every
settlement, and the 附录1 form."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest

from yibao.core import FeeItem, Medium, StateError
from yibao.core.acceptance.rehearsal import ControlApiReader
from yibao.core.client import Client
from yibao.core.plugins import RegionProfile, get_plugin_manager, hookimpl, load_registry
from yibao.provinces.gansu.form import build_form
from yibao.sandbox.rehearsal.pytest_plugin import FakeCentre


class Wire:
    def __init__(self) -> None:
        self.sent: list[tuple[str, Mapping[str, Any]]] = []

    @hookimpl
    def yibao_before_send(self, profile: RegionProfile, infno: str, envelope: Mapping[str, Any]) -> None:
        self.sent.append((infno, envelope["input"]))


def _client(fc: FakeCentre, wire: Wire) -> Client:
    pm = get_plugin_manager()
    pm.register(wire, name="wire")
    return Client(fc.config("620000", fixmedins_code="P62010000001", mdtrtarea_admvs="620100"),
                  registry=load_registry(pm))  # fmt: skip


def _person(fc: FakeCentre, insuplc: str) -> dict[str, Any]:
    return next(p for p in fc.persons() if p["insuplc_admdvs"] == insuplc and p["psn_cert_type"] == "01"
                and p["insuinfo"][0]["psn_insu_stas"] == "1")  # fmt: skip


def test_cross_province_card_goes_as_the_guide_writes_it(fake_centre: FakeCentre) -> None:
    """§3.2: a card from another province: 1101 03 + card_sn + psn_cert_type "1" + certno; a Gansu card: 02."""
    wire = Wire()
    client = _client(fake_centre, wire)
    other = _person(fake_centre, "440100")
    who = client.identify(Medium.ss_card(other["card_no"], other["card_sn"], other["certno"]))
    sent = [inp for infno, inp in wire.sent if infno == "1101"][-1]["data"]
    assert (sent["mdtrt_cert_type"], sent["psn_cert_type"], sent["card_sn"], sent["certno"]) == (
        "03", "1", other["card_sn"], other["certno"])
    assert who.certno == other["certno"]
    local = _person(fake_centre, "620100")
    client.identify(Medium.ss_card(local["card_no"], local["card_sn"], local["certno"]))
    sent = [inp for infno, inp in wire.sent if infno == "1101"][-1]["data"]
    assert (sent["mdtrt_cert_type"], sent["mdtrt_cert_no"]) == ("02", local["certno"])
    client.close()


def _items() -> list[FeeItem]:
    return [FeeItem(feedetl_sn="1", med_list_codg="SBXA01AAA0001", medins_list_codg="H-1", cnt=Decimal("1"),
                    pric=Decimal("10.00"))]  # fmt: skip


def test_every_settlement_reads_the_medium_and_its_password_again(fake_centre: FakeCentre) -> None:
    """§3.1.5: without a reader nothing is sent; with one the card is read and its PIN checked again
    before 2102; a wrong PIN stops the sale before the wire; an e-voucher gives a new token and 1101."""
    wire = Wire()
    client = _client(fake_centre, wire)
    local = _person(fake_centre, "620100")
    reader = ControlApiReader(fake_centre.url, local)
    who = client.identify_by_reader(reader, "ss_card")
    assert reader.reads == ["ss_card", "password:ss_card"]
    with pytest.raises(StateError, match=r"3\.1\.5"):
        client.pharmacy.settle(who, _items(), med_type="41")
    assert "2102" not in [i for i, _ in wire.sent]
    sale = client.pharmacy.settle(who, _items(), med_type="41", reader=reader)
    assert sale.setl_id and reader.reads[2:] == ["ss_card", "password:ss_card"]
    wrong = ControlApiReader(fake_centre.url, local, pin_ok=False)
    with pytest.raises(ValueError, match="密码"):
        client.pharmacy.settle(who, _items(), med_type="41", reader=wrong)
    assert [i for i, _ in wire.sent].count("2102") == 1
    ev_reader = ControlApiReader(fake_centre.url, local)
    ev = client.identify_by_reader(ev_reader, "ecode")
    n1101 = [i for i, _ in wire.sent].count("1101")
    client.pharmacy.settle(ev, _items(), med_type="41", reader=ev_reader)
    assert [i for i, _ in wire.sent].count("1101") == n1101 + 1  # the new single-use token went through 1101
    tokens = [inp["druginfo"]["mdtrt_cert_no"] for i, inp in wire.sent if i == "2102"]
    assert tokens[-1] != ev.medium.mdtrt_cert_no
    client.close()


def _report(status: Mapping[str, str], media: list[str], steps: list[tuple[str, bool]]) -> dict[str, Any]:
    return {"fixmedins_code": "H62010000001", "gateway": "http://x", "media": media,
            "passed": all(v == "passed" for v in status.values()),
            "steps": [{"step": s, "ok": ok} for s, ok in steps],
            "interfaces": [{"infno": i, "status": v} for i, v in status.items()]}  # fmt: skip


def test_form_fills_each_business_and_the_conclusion() -> None:
    """附录1: a failed 门诊 interface makes 门诊业务 不通过 and the conclusion 不通过; "
      "a missing medium keeps it from 完全通过."""
    ok = {i: "passed" for i in ("2201", "2203", "2204", "2206", "2207", "2208", "2205", "2202", "2503", "5301",
                                 "2401", "2301", "2402", "2403", "2303", "2304", "2305", "2405", "2302", "2404",
                                 "1301", "1305", "1306", "1307", "3301", "3302")}  # fmt: skip
    steps = [("outpatient ID card", True), ("门慢 2207", True), ("门特 2207", True), ("inpatient stay", True)]
    media = ["id_card", "ss_card", "ecode"]
    form = build_form("hospital", _report(ok, media, steps))
    assert form["business"] == {"购药": "不适用", "门诊业务": "通过", "门慢业务": "通过", "门特业务": "通过",
                                "住院业务": "通过", "其他": "不通过"}  # "其他" had none of its interfaces
    assert form["catalogue"] == {"药品目录": "通过", "服务项目": "通过", "医用耗材": "通过", "诊断手术": "通过"}
    assert form["institution"]["业务范围"] == ["门诊", "门特门慢", "住院业务"]
    assert form["conclusion"].startswith("基本通过")
    form = build_form("hospital", _report({**ok, "2207": "failed"}, media, steps))
    assert form["business"]["门诊业务"] == "不通过" and form["conclusion"] == "不通过"
    full = build_form("hospital", _report({**ok, "9001": "passed"}, media, steps))
    assert full["conclusion"].startswith("完全通过")
    assert not build_form("hospital", _report({**ok, "9001": "passed"}, media[:2],
                                              steps))["conclusion"].startswith("完全")
    assert build_form("hospital", _report(ok, media, [*steps[:2], ("门特 2207", False), steps[3]]))["business"][
        "门特业务"] == "不通过"
