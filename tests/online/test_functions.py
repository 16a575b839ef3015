"""Xiamen's 29 functions (spec 003): each has a row in docs/provinces.md's table, an interface of
the Fujian profile, and is exercised by ``yibao acceptance --kind internet`` against the
sandbox, which reports it passed with the calls that are its evidence."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from yibao.core import load_registry
from yibao.sandbox.config import SandboxConfig
from yibao.sandbox.server import run_in_thread

from .support import SECRET_ENV, hand_over_keys

ROOT = Path(__file__).resolve().parents[2]
XIAMEN = load_registry().resolve("350200")
assert XIAMEN.online is not None
FUNCTIONS = XIAMEN.online.functions
ROW = re.compile(r"^\| (\d{1,2}) \| ([^|]+) \| ([^|]+) \| ([^|]+) \| (yes|no) \|", re.M)


def test_the_table_in_the_docs_is_the_profiles_table() -> None:
    """docs/provinces.md lists the 29 functions with the profile's interfaces and verified flags."""
    rows = ROW.findall((ROOT / "docs" / "provinces.md").read_text("utf-8"))
    documented = [(int(n), name.strip(), iface.strip(), verified == "yes") for n, _m, name, iface, verified in rows]
    profile = [(f.number, f.name, " → ".join(f.interfaces), f.verified) for f in FUNCTIONS]
    assert [f.number for f in FUNCTIONS] == list(range(1, 30))
    assert documented == profile


def test_every_interface_of_a_function_is_an_endpoint_with_a_field_table() -> None:
    from yibao.core import load_catalog

    catalog = load_catalog().with_extra(XIAMEN.extra_transactions)
    assert XIAMEN.online is not None
    for f in FUNCTIONS:
        for interface in f.interfaces:
            assert interface in XIAMEN.online.endpoints, (f.number, interface)
            assert catalog.get(interface) is not None, (f.number, interface)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """``yibao acceptance --kind internet`` run once, as a deployment runs it, against the sandbox."""
    work = tmp_path_factory.mktemp("acceptance")
    monkeypatch = pytest.MonkeyPatch()
    with run_in_thread(SandboxConfig(state_dir=work / "sandbox", region="350200")) as sb:
        online = hand_over_keys(sb.url, work, monkeypatch)
        monkeypatch.setenv(SECRET_ENV, sb.secret)
        cfg = work / "yibao.toml"
        inv = online.pop("invoice")
        lines = ['region = "350200"', "[gateway]", f'url = "{sb.url}"', f'paasid = "{sb.paasid}"',
                 f'secret_env = "{SECRET_ENV}"', "[institution]", 'fixmedins_code = "H35020000001"',
                 'fixmedins_name = "海沧医院(验收)"', 'mdtrtarea_admvs = "350200"', "[operator]", 'opter = "0001"',
                 'opter_name = "验收员"', "[journal]", f'url = "sqlite:///{work / "journal.db"}"', "[reversal]",
                 "delay_seconds = 0", "[online]", *(f"{k} = {json.dumps(v)}" for k, v in online.items()),
                 "[online.invoice]", *(f"{k} = {json.dumps(v)}" for k, v in inv.items())]
        cfg.write_text("\n".join(lines) + "\n", encoding="utf-8")
        out = subprocess.run([str(Path(sys.executable).parent / "yibao"), "--config", str(cfg), "acceptance", "--kind",
                              "internet", "--out", str(work / "report")], capture_output=True, text=True, timeout=300,
                             env=dict(os.environ))
        monkeypatch.undo()
    assert out.returncode == 0, out.stderr + out.stdout
    data: dict[str, Any] = json.loads((work / "report" / "report.json").read_text("utf-8"))
    data["_html"] = (work / "report" / "report.html").read_text("utf-8")
    yield data


def test_the_report_lists_the_29_functions_and_every_interface_passed(report: dict[str, Any]) -> None:
    assert report["passed"] is True and report["kind"] == "internet" and report["region"] == "350200"
    assert [f["number"] for f in report["functions"]] == list(range(1, 30))
    assert report["summary"]["failed"] == report["summary"]["not_run"] == 0
    assert "functions" in report["_html"] and all(len(i["calls"]) >= 1 for i in report["interfaces"])


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f"F{f.number:02d}")
def test_function(function: Any, report: dict[str, Any]) -> None:
    """Each function passed, and its evidence names a successful call of each of its interfaces."""
    row = next(f for f in report["functions"] if f["number"] == function.number)
    assert row["status"] == "passed", row
    assert row["interfaces"] == list(function.interfaces) and row["verified"] == function.verified
    for interface in function.interfaces:
        assert re.search(rf"(^|; ){interface} \S+ ok", row["evidence"]), (interface, row["evidence"])
