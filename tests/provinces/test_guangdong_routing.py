"""Guangdong end to end: base + /hsa/hgs/{infno} through a bound host name to the sandbox."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from yibao.core.client import Client
from yibao.provinces.guangdong.profile import ENVIRONMENTS
from yibao.sandbox.rehearsal.pytest_plugin import FakeCentre


class Paths(httpx.BaseTransport):
    """Records each request's host and path, then sends it on."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.seen: list[tuple[str, str]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append((request.headers["host"], request.url.path))
        return self.inner.handle_request(request)


def test_infno_routing_through_a_bound_host(fake_centre: FakeCentre) -> None:
    """1101 goes to <base>/hsa/hgs/1101 with the gateway's host name, bound to loopback."""
    port = fake_centre.url.rsplit(":", 1)[1]
    # The test environment's path prefix, under a reserved .test name bound to 127.0.0.1: the
    # request never looks the name up, and never leaves this machine.
    prefix = ENVIRONMENTS["test"].base_url.split("igb.hsa.gdgov.cn", 1)[1]
    gateway: Mapping[str, Any] = {
        "url": f"http://gd-gateway.test:{port}{prefix}",
        "resolve": {"gd-gateway.test": "127.0.0.1"},
    }
    paths = Paths()
    client = Client(fake_centre.config("440000", gateway=gateway), http_transport=paths)
    person = fake_centre.persons()[0]
    out = client.call("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": person["certno"],
                                        "psn_cert_type": "01", "certno": person["certno"]}})  # fmt: skip
    assert out["baseinfo"]["psn_no"]
    assert paths.seen == [(f"gd-gateway.test:{port}", "/ebus/gdyb_inf/poc/hsa/hgs/1101")]
    client.close()
