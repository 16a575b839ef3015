"""Identify by card through the Guangdong reader driver, against the sandbox (补充接口文档 读卡部分, §4, §5).

The driver is the province's DLL binding over the gcc-built fake library with the vendor's
signatures, scripted with a sandbox person's card: ``client.card_reader("gd-dll", ...)`` then
``client.identify_by_reader``.  The sandbox-backed simulation (``card_reader("sandbox")``) runs the
same parsing for rehearsal, and gives the e-voucher a new code before 2207 (§5).
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from yibao.core import Diagnosis, FeeItem
from yibao.core.client import Client
from yibao.core.plugins import RegionProfile, get_plugin_manager, hookimpl, load_registry
from yibao.provinces.guangdong.readers import CardReaderError
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
    return Client(fc.config("440000", fixmedins_code="H44010000001", mdtrtarea_admvs="440100", kind="clinic"),
                  registry=load_registry(pm))  # fmt: skip


def _set(lib: ctypes.CDLL, fn: str, code: int, out: str, sign: str = "SIGN") -> None:
    lib.FakeSet.argtypes = [ctypes.c_char_p, ctypes.c_long, ctypes.c_char_p, ctypes.c_char_p]
    lib.FakeSet(fn.encode(), code, out.encode("gbk"), sign.encode("gbk"))


def _person(fc: FakeCentre, insuplc: str) -> dict[str, Any]:
    return next(p for p in fc.persons() if p["insuplc_admdvs"] == insuplc and p["psn_cert_type"] == "01"
                and p["insuinfo"][0]["psn_insu_stas"] == "1")  # fmt: skip


def test_identify_by_card_through_the_dll_driver(fake_centre: FakeCentre, build_lib: Callable[[str], Path]) -> None:
    """ReadCardBas + VerifyPIN, ReadSFZ and GetQRBase of the vendor library each lead to the right 1101."""
    path = build_lib("gd_reader")
    lib = ctypes.CDLL(str(path))
    wire = Wire()
    client = _client(fake_centre, wire)
    reader = client.card_reader("gd-dll", library=str(path), init_url="http://igb.hsa.gdgov.cn/init", user="440100")
    other = _person(fake_centre, "110000")  # a card issued elsewhere: 03 with card_sn (§4.3)
    card = f"1|{other['card_sn'][:6]}|{other['certno']}|{other['card_no']}|{other['card_sn']}|{other['psn_name']}|" \
           "00814E43|3.00|20200101|20300101|T0001||"
    _set(lib, "ReadCardBas", 0, card)
    _set(lib, "VerifyPIN", 0, "")
    who = client.identify_by_reader(reader, "ss_card")
    assert who.certno == other["certno"]
    sent = [inp for i, inp in wire.sent if i == "1101"][-1]["data"]
    assert (sent["mdtrt_cert_type"], sent["mdtrt_cert_no"], sent["card_sn"]) == ("03", other["card_no"],
                                                                                 other["card_sn"])
    local = _person(fake_centre, "440100")  # a Guangdong card: 02 with its 社会保障号码
    _set(lib, "ReadCardBas", 0, f"{local['card_sn'][:6]}|{local['certno']}|{local['card_no']}|{local['card_sn']}|"
                                f"{local['psn_name']}|H|3.00|20200101|20300101|T0001||")  # fmt: skip
    assert client.identify_by_reader(reader, "ss_card").certno == local["certno"]
    assert [inp for i, inp in wire.sent if i == "1101"][-1]["data"]["mdtrt_cert_type"] == "02"
    _set(lib, "VerifyPIN", -2, "密码错误，还可输入5次")
    n = len(wire.sent)
    with pytest.raises(CardReaderError, match="密码错误"):
        client.identify_by_reader(reader, "ss_card")
    assert len(wire.sent) == n  # a wrong PIN sends nothing
    _set(lib, "ReadSFZ", 0, f"{local['certno']}^{local['psn_name']}^男^汉^19900101^地址^公安局^20200101-20400101^QUJD^")
    assert client.identify_by_reader(reader, "id_card").certno == local["certno"]
    _set(lib, "GetQRBase", 0, fake_centre.ectoken(local["certno"]))
    ev = client.identify_by_reader(reader, "ecode")
    assert ev.medium.mdtrt_cert_type == "01" and ev.psn_no
    client.close()


def test_sandbox_reader_refreshes_the_e_voucher_before_2207(fake_centre: FakeCentre) -> None:
    """§5: an e-voucher visit settles with a new code read by the reader (GetQRBase) and a new 1101."""
    wire = Wire()
    client = _client(fake_centre, wire)
    person = _person(fake_centre, "440100")
    reader = client.card_reader("sandbox", url=fake_centre.url, certno=person["certno"])
    who = client.identify_by_reader(reader, "ecode")
    visit = client.outpatient.register(who, ipt_otp_no="MZ0009")
    visit.upload_visit([Diagnosis("J00.x00", "急性鼻咽炎")])
    visit.upload_fees("B1", [FeeItem(feedetl_sn="1", med_list_codg="SB110200001", medins_list_codg="H-1",
                                     cnt=Decimal("1"), pric=Decimal("10.00"))])  # fmt: skip
    visit.settle("B1", reader=reader)
    assert reader.calls.count("GetQRBase") == 2
    tokens = [inp["data"]["mdtrt_cert_no"] for i, inp in wire.sent if i == "1101"]
    assert len(tokens) == 2 and tokens[0] != tokens[1]
    assert [inp for i, inp in wire.sent if i == "2207"][-1]["data"]["mdtrt_cert_no"] == tokens[1]
    card = client.card_reader("sandbox", url=fake_centre.url, certno=person["certno"], pin_ok=False)
    with pytest.raises(CardReaderError, match="密码错误"):
        client.identify_by_reader(card, "ss_card")
    assert card.calls[-2:] == ["ReadCardBas", "VerifyPIN"]
    client.close()
