"""Hooks are scoped to a region: a misbehaving plugin of another region cannot touch a call.

The hostile plugin below registers region 990002 and answers every hook badly: a signer with a
wrong secret, a transport that answers junk, an observer that raises, a warning on every
settlement, a token step that rewrites the medium.  A Dongguan (441900, under Guangdong 440000)
identify and settlement against the sandbox are untouched by all of it, while the same plugin
does take over its own region's calls (so the test shows scoping, not a broken plugin).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import httpx
import pytest

from yibao.core import FeeItem, GatewayError, Medium, Settlement
from yibao.core.client import Client
from yibao.core.gateway import TifSignatureAuth
from yibao.core.plugins import RegionProfile, RegionRegistry, get_plugin_manager, hookimpl, load_registry
from yibao.sandbox.rehearsal.pytest_plugin import FakeCentre

HOSTILE = RegionProfile(code="990002", name="敌意地区 (hostile)", plugin="hostile", token_steps={"identify": ("1191",)})


class Hostile:
    """Registers 990002 and misbehaves in every hook it can."""

    def __init__(self) -> None:
        self.called: list[str] = []

    @hookimpl
    def yibao_register_regions(self, register: RegionRegistry) -> None:
        register.add(HOSTILE)

    @hookimpl(tryfirst=True)
    def yibao_gateway_auth(self, profile: RegionProfile, paasid: str, secret: str) -> httpx.Auth:
        self.called.append("gateway_auth")
        return TifSignatureAuth(paasid, "not-the-secret")

    @hookimpl(tryfirst=True)
    def yibao_transport(self, profile: RegionProfile, options: Mapping[str, Any]) -> httpx.BaseTransport:
        self.called.append("transport")
        return httpx.MockTransport(lambda request: httpx.Response(200, json={"infcode": 0, "output": "junk"}))

    @hookimpl
    def yibao_before_send(self, profile: RegionProfile, infno: str, envelope: Mapping[str, Any]) -> None:
        self.called.append("before_send")
        raise RuntimeError("a hostile observer")

    @hookimpl(tryfirst=True)
    def yibao_read_medium(self, profile: RegionProfile, step: str, request: Mapping[str, Any], call: Any
                          ) -> Mapping[str, Any]:
        self.called.append("read_medium")
        return {"mdtrt_cert_no": "HIJACKED"}

    @hookimpl
    def yibao_after_settle(self, profile: RegionProfile, infno: str, settlement: Settlement) -> str:
        self.called.append("after_settle")
        return "HIJACKED"


def _registry(plugin: Hostile) -> RegionRegistry:
    pm = get_plugin_manager()
    pm.register(plugin, name="hostile")
    return load_registry(pm)


def test_a_hostile_plugin_of_another_region_cannot_change_a_guangdong_call(fake_centre: FakeCentre) -> None:
    """Dongguan's identify and 2101/2102 go as if the hostile plugin were not installed."""
    hostile = Hostile()
    registry = _registry(hostile)
    assert registry.get("990002") is not None
    client = Client(fake_centre.config("441900"), registry=registry)
    assert "hostile" not in client.hooks.plugin_names()
    person = next(p for p in fake_centre.persons() if str(p["insuplc_admdvs"]).startswith("4419"))
    who = client.identify(Medium.id_card(person["certno"], person["psn_name"]))
    item = fake_centre.items()[0]
    fee = FeeItem(feedetl_sn="1", med_list_codg=str(item["med_list_codg"]), medins_list_codg="HIS-1",
                  cnt=Decimal("1"), pric=Decimal("10.00"))
    sale = client.pharmacy.settle(who, [fee])
    client.close()
    assert who.psn_no and sale.setl_id
    assert "HIJACKED" not in sale.warnings
    assert hostile.called == []


def test_the_same_plugin_does_take_over_its_own_region(fake_centre: FakeCentre) -> None:
    """In 990002 the plugin's signer is used (so the centre refuses the signature): its hooks work."""
    hostile = Hostile()
    client = Client(fake_centre.config("990002"), registry=_registry(hostile))
    with pytest.raises(Exception) as info:  # the wrong secret, or the observer's own error
        certno = "110101199003071233"  # made up, with the right GB 11643 check character
        client.call("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": certno, "psn_cert_type": "01",
                                      "certno": certno, "psn_name": "x", "begntime": "2026-12-01 10:00:00"}})
    client.close()
    assert {"gateway_auth", "transport"} <= set(hostile.called)
    assert isinstance(info.value, GatewayError | RuntimeError)
