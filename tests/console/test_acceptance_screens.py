"""`yibao acceptance` for Dongguan carries the console's 界面截图 (issue 14): the query functions
(5201, 5203, 5204), reconciliation (3201 / 3202), clearing (3260-3262) and 冲正 (2601), each named in
report.json and embedded in report.html, with no personal data on them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from yibao.sandbox.rehearsal.pytest_plugin import FakeCentre

from ..provinces.test_acceptance_regions import _toml, run
from .conftest import chromium_path


@pytest.fixture(autouse=True)
def _needs_chromium() -> None:
    if chromium_path() is None:
        pytest.skip("no Chromium on this machine (Debian package `chromium`; .ci/run installs it)")


def test_dongguan_hospital_report_carries_the_screenshots_its_list_asks_for(fake_centre: FakeCentre,
                                                                          tmp_path: Path) -> None:
    code, report, out = run(fake_centre, tmp_path, "441900", "hospital", "", "H44190000011", "441900",
                            screenshots=True)
    assert code == 0, report.get("notes")
    by = {i["infno"]: i for i in report["interfaces"]}
    asked = {k for k, i in by.items() if "截图" in i["evidence_asked"]}
    for infno in ("5201", "5203", "5204", "3201", "3202", "3260", "3261", "3262", "2601"):
        if infno in by:
            assert infno in asked, infno
            assert by[infno]["screenshots"], f"{infno} has no screenshot: {report['notes']}"
            assert "界面截图" in by[infno]["evidence"]
    files = {f for i in by.values() for f in i["screenshots"]}
    assert {"screenshots/person-1101-5201.png", "screenshots/reconcile-3201-3202.png",
            "screenshots/clearing-3260-3262.png", "screenshots/unresolved-2601.png"} <= files
    for f in files:
        data = (out / f).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000, f
    html = (out / "report.html").read_text(encoding="utf-8")
    embedded = re.findall(r'<img alt="(screenshots/[^"]+)" src="data:image/png;base64,', html)
    assert len(embedded) == sum(len(i["screenshots"]) for i in by.values()) and set(embedded) == files
    persons: list[dict[str, Any]] = httpx.get(fake_centre.url + "/_sandbox/persons").json()
    assert persons and not [p["certno"] for p in persons if str(p["certno"]) in html]


def test_the_screenshots_console_writes_no_access_lines(fake_centre: FakeCentre, tmp_path: Path) -> None:
    """The console the browser visits is the command's own: its pages are not logged to the terminal,
    and its clean stop is no warning (stderr has the summary and nothing of the embedded server)."""
    from typer.testing import CliRunner

    from yibao.core.cli import app

    toml = _toml(fake_centre, tmp_path, "441900", "pharmacy", "P44190000011", "441900")
    result = CliRunner().invoke(app, ["--config", str(toml), "acceptance", "--kind", "pharmacy",
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "screenshots:" in result.stderr
    assert '"event":"access"' not in result.stderr and "service_stopped" not in result.stderr
