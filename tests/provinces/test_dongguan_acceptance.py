"""Dongguan against the sandbox: fixed values on the wire (acceptance runs: test_acceptance_regions.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from yibao.core import wire
from yibao.core.client import Client
from yibao.core.config import parse_config
from yibao.sandbox.config import SandboxConfig
from yibao.sandbox.server import RunningSandbox, run_in_thread

CODE = "H44190000001"


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[RunningSandbox]:
    sb = run_in_thread(SandboxConfig(region="441900", state_dir=tmp_path / "sandbox"))
    try:
        yield sb
    finally:
        sb.stop()


def _config(sb: RunningSandbox, tmp_path: Path, kind: str = "pharmacy") -> dict[str, Any]:
    return {
        "region": "441900",
        "gateway": {"url": sb.url, "paasid": sb.paasid, "secret_env": "YIBAO_TEST_SECRET"},
        "institution": {
            "fixmedins_code": CODE,
            "fixmedins_name": "测试药店",
            "mdtrtarea_admvs": "441900",
            "kind": kind,
        },
        "operator": {"opter": "0001", "opter_name": "收费员"},
        "journal": {"url": f"sqlite:///{tmp_path / 'journal.db'}"},
        "reversal": {"delay_seconds": 0},
    }


class Capture(httpx.BaseTransport):
    """Passes requests to the sandbox and keeps their bodies."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.bodies: list[dict[str, Any]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(json.loads(request.read()))
        return self.inner.handle_request(request)


def test_2102_without_med_type_sends_41_and_441900(
    sandbox: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a Dongguan configuration, 2102 without med_type goes out with 41 and mdtrtarea_admvs 441900."""
    monkeypatch.setenv("YIBAO_TEST_SECRET", sandbox.secret)
    capture = Capture()
    client = Client(parse_config(_config(sandbox, tmp_path)), http_transport=capture)
    person = httpx.get(f"{sandbox.url}/_sandbox/persons").json()[0]
    item = httpx.get(f"{sandbox.url}/_sandbox/catalog").json()[0]
    info = client.call("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": person["certno"],
                                         "psn_cert_type": "01", "certno": person["certno"]}})  # fmt: skip
    druginfo = {
        "psn_no": info["baseinfo"]["psn_no"], "mdtrt_cert_type": "02", "mdtrt_cert_no": person["certno"],
        "psn_cert_type": "01", "certno": person["certno"], "psn_type": "11", "psn_name": person["psn_name"],
        "begntime": "2026-01-02 10:00:00", "medfee_sumamt": Decimal("10.00"), "insutype": person["insutype"],
        "acct_used_flag": "0",
    }  # fmt: skip
    detail = [{"feedetl_sn": "1", "rx_circ_flag": "0", "fee_ocur_time": "2026-01-02 10:00:00",
               "med_list_codg": item["med_list_codg"], "medins_list_codg": "HIS-1",
               "det_item_fee_sumamt": Decimal("10.00"), "cnt": Decimal("1"), "pric": Decimal("10.00")}]  # fmt: skip
    out = client.call("2102", {"druginfo": druginfo, "drugdetail": detail}, insuplc_admdvs=person["insuplc_admdvs"])
    sent = [b for b in capture.bodies if b["infno"] == "2102"][-1]
    assert sent["input"]["druginfo"]["med_type"] == "41"
    assert sent["mdtrtarea_admvs"] == "441900"
    assert out["setlinfo"]["med_type"] == "41"
    client.close()


def _toml(cfg: dict[str, Any]) -> str:
    lines = [f'region = "{cfg["region"]}"']
    for table in ("gateway", "institution", "operator", "journal", "reversal"):
        lines.append(f"[{table}]")
        for k, v in cfg[table].items():
            lines.append(f"{k} = {v}" if isinstance(v, int) else f'{k} = "{v}"')
    return "\n".join(lines) + "\n"


def test_report_html_is_escaped() -> None:
    """Values reach report.html escaped: a name with markup cannot inject it."""
    from yibao.core.acceptance import AcceptanceReport, CallRecord, InterfaceResult
    from yibao.core.acceptance.html import render_html

    report = AcceptanceReport(region="441900", kind="pharmacy", fixmedins_code=CODE, gateway="http://127.0.0.1",
                              started_at="t0", finished_at="t1")  # fmt: skip
    call = CallRecord("1101", False, 0.5, "m1", {"x": "<b>"}, None, "err <i>")
    report.interfaces.append(InterfaceResult("1101", "<script>alert(1)</script>", "failed", 0.5, (call,), "err <i>",
                                             "截图", "ev"))  # fmt: skip
    page = render_html(report)
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "<b>" not in page and "err &lt;i&gt;" in page


def test_yibao_call_2102_fills_dongguan_values(
    sandbox: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`yibao call 2102` without med_type: the centre books med_type 41 under Dongguan's rules."""
    from typer.testing import CliRunner

    from yibao.core.cli import app

    monkeypatch.setenv("YIBAO_TEST_SECRET", sandbox.secret)
    toml = tmp_path / "yibao.toml"
    toml.write_text(_toml(_config(sandbox, tmp_path)), encoding="utf-8")
    person = httpx.get(f"{sandbox.url}/_sandbox/persons").json()[0]
    item = httpx.get(f"{sandbox.url}/_sandbox/catalog").json()[0]
    runner = CliRunner()
    q = {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": person["certno"], "psn_cert_type": "01",
                  "certno": person["certno"]}}  # fmt: skip
    got = runner.invoke(app, ["--config", str(toml), "call", "1101", "--input", json.dumps(q)])
    assert got.exit_code == 0, got.output
    psn_no = json.loads(got.stdout)["baseinfo"]["psn_no"]
    payload = {
        "druginfo": {"psn_no": psn_no, "mdtrt_cert_type": "02", "mdtrt_cert_no": person["certno"],
                     "psn_cert_type": "01", "certno": person["certno"], "psn_type": "11",
                     "psn_name": person["psn_name"], "begntime": "2026-01-02 10:00:00",
                     "medfee_sumamt": Decimal("10.00"), "insutype": person["insutype"], "acct_used_flag": "0"},
        "drugdetail": [{"feedetl_sn": "1", "rx_circ_flag": "0", "fee_ocur_time": "2026-01-02 10:00:00",
                        "med_list_codg": item["med_list_codg"], "medins_list_codg": "HIS-1",
                        "det_item_fee_sumamt": Decimal("10.00"), "cnt": Decimal("1"), "pric": Decimal("10.00")}],
    }  # fmt: skip
    # Amounts go out as exact JSON numbers (wire.dumps), and the CLI reads them back as Decimal.
    result = runner.invoke(
        app,
        ["--config", str(toml), "call", "2102", "--insuplc", person["insuplc_admdvs"], "--input", wire.dumps(payload)],
    )
    assert result.exit_code == 0, result.output
    setlinfo = json.loads(result.stdout)["setlinfo"]
    assert setlinfo["med_type"] == "41"
    ledger = httpx.get(f"{sandbox.url}/_sandbox/ledger").json()
    assert [row["setl_id"] for row in ledger] == [setlinfo["setl_id"]]
