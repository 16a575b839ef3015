"""The acceptance report shows each request exactly as it went on the wire (after fixed values, masked)."""

from __future__ import annotations

import json
from typing import Any

import httpx

from yibao.core.acceptance import interfaces_of, run_acceptance
from yibao.core.acceptance.recorder import mask_report
from yibao.core.acceptance.rehearsal import sandbox_data
from yibao.core.client import Client
from yibao.sandbox.rehearsal.pytest_plugin import FakeCentre


class Capture(httpx.BaseTransport):
    """Passes requests to the sandbox and keeps each envelope by msgid."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.by_msgid: dict[str, dict[str, Any]] = {}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.read())
        self.by_msgid[body["msgid"]] = body
        return self.inner.handle_request(request)


def test_every_recorded_request_is_the_envelope_input_masked(fake_centre: FakeCentre) -> None:
    """Dongguan clinic: each call's request is the masked input of the envelope sent under its msgid;
    the clinic's fixed values (9935, psn_setlway 01) are in what was recorded."""
    capture = Capture()
    client = Client(fake_centre.config("441900", fixmedins_code="H44190000007", kind="clinic"),
                    http_transport=capture)  # fmt: skip
    data = sandbox_data(client, fake_centre.url)
    assert data is not None
    report = run_acceptance(client, "clinic", interfaces_of(client.profile, "clinic"), data)
    assert report.passed, [(i.infno, i.error) for i in report.interfaces if i.status != "passed"]
    checked = 0
    for record in report.records:
        sent = capture.by_msgid.get(record.msgid)
        if sent is None:
            continue  # 9102 downloads have no envelope body echoed here
        assert record.request == mask_report(sent["input"]), record.infno
        checked += 1
    assert checked >= len(report.interfaces)
    settled = next(r for r in report.records if r.infno == "2207")
    assert settled.request["data"]["med_type"] == "9935" and settled.request["data"]["psn_setlway"] == "01"
    assert capture.by_msgid[settled.msgid]["mdtrtarea_admvs"] == "441900"
    client.close()
