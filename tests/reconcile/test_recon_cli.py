"""``yibao reconcile`` / ``clear`` / ``catalog`` as a user runs them, against the sandbox on loopback."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from .conftest import SECRET, SECRET_ENV, Centre, config_toml

YIBAO = shutil.which("yibao", path=str(Path(sys.executable).parent)) or "yibao"
MONTH = datetime.now(timezone(timedelta(hours=8))).strftime("%Y-%m")


def _yibao(centre: Centre, *args: str) -> subprocess.CompletedProcess[str]:
    cfg = config_toml(centre.sandbox.url, centre.tmp)
    env = {**os.environ, SECRET_ENV: SECRET}
    return subprocess.run([YIBAO, "--config", str(cfg), *args], capture_output=True, text=True, env=env,
                          timeout=120, check=False)  # fmt: skip


def test_reconcile_exits_0_then_1_naming_the_stray_settlement(centre: Centre) -> None:
    local = centre.person("4419", 0)
    centre.pharmacy(local)
    s = centre.pharmacy(centre.person("4401", 0))
    centre.cancel(centre.person("4401", 0), s)
    centre.outpatient(centre.person("4419", 1))
    ok = _yibao(centre, "reconcile", "--month", MONTH)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "平" in ok.stdout

    kept = next(r for r in centre.store.ledger() if r["state"] == "settled" and r["infno"] == "2102")
    stray = centre.store.create_settlement(
        fixmedins_code=kept["fixmedins_code"], psn_no=kept["psn_no"], medfee_sumamt=Decimal("8.80"),
        fund_pay_sumamt=Decimal("5.00"), acct_pay=Decimal("0.00"), psn_cash_pay=Decimal("3.80"),
        insutype=kept["insutype"], clr_type=kept["clr_type"], clr_optins=kept["clr_optins"],
    )  # fmt: skip
    out_csv = centre.tmp / "diff.csv"
    bad = _yibao(centre, "reconcile", "--month", MONTH, "--json", "--csv", str(out_csv))
    assert bad.returncode == 1, bad.stderr
    report = json.loads(bad.stdout)
    assert report["balanced"] is False
    assert [(d["kind"], d["setl_id"]) for d in report["differences"]] == [("only_centre", stray["setl_id"])]
    with open(out_csv, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["setl_id"] for r in rows] == [stray["setl_id"]] and rows[0]["centre_medfee_sumamt"] == "8.80"
    text = _yibao(centre, "reconcile", "--month", MONTH)
    assert text.returncode == 1 and stray["setl_id"] in text.stdout
    # the table fits 80 columns (rich's width off a terminal) and the centre's words follow it whole
    table = text.stdout.split("differences:")[0]
    assert max(map(len, table.splitlines())) <= 80, text.stdout
    unbalanced = [g for g in report["groups"] if g["stmt_rslt"] != "0"]
    assert unbalanced and all(f" 3201: {g['stmt_rslt_dscr']}" in table for g in unbalanced), text.stdout
    assert _yibao(centre, "reconcile", "--month", "2026-1").returncode == 2


def test_clear_shows_confirms_and_rolls_back(centre: Centre) -> None:
    elsewhere = centre.person("4401", 0)
    centre.pharmacy(elsewhere)
    centre.pharmacy(elsewhere)
    shown = _yibao(centre, "clear", "--month", MONTH, "--json")
    assert shown.returncode == 0, shown.stderr
    plan = json.loads(shown.stdout)
    assert plan["rows"] == 2 and plan["agreed"] == 2 and plan["confirmations"] == []
    table = _yibao(centre, "clear", "--month", MONTH).stdout  # 80 columns: every setl_sn whole
    assert len(plan["detail"]) == 2 and all(r["setl_sn"] in table for r in plan["detail"]), table
    assert max(map(len, table.splitlines())) <= 80, table
    sent = _yibao(centre, "clear", "--month", MONTH, "--confirm", "--json")
    assert sent.returncode == 0, sent.stderr
    (ref,) = json.loads(sent.stdout)["confirmations"]
    back = _yibao(centre, "clear", "--month", MONTH, "--rollback", ref)
    assert back.returncode == 0, back.stderr
    again = _yibao(centre, "clear", "--month", MONTH, "--rollback", "all")
    assert again.returncode == 3 and "回退" in again.stderr  # nothing left: the centre's err_msg


def test_catalog_sync_and_search(centre: Centre) -> None:
    never = _yibao(centre, "catalog", "status", "--json")
    assert never.returncode == 0 and json.loads(never.stdout) == []
    done = _yibao(centre, "catalog", "sync", "--kinds", "1301,1305", "--json")
    assert done.returncode == 0, done.stderr
    assert {r["kind"]: r["rows"] > 0 for r in json.loads(done.stdout)} == {"1301": True, "1305": True}
    found = _yibao(centre, "catalog", "search", "阿莫西林", "--json")
    assert found.returncode == 0 and json.loads(found.stdout)[0]["code"] == "SBXA01AAA0001"
    assert _yibao(centre, "catalog", "sync", "--kinds", "9999").returncode == 2
    status = {r["kind"]: r for r in json.loads(_yibao(centre, "catalog", "status", "--json").stdout)}
    assert set(status) == {"1301", "1305"} and status["1301"]["item_count"] == json.loads(done.stdout)[0]["rows"]
    assert status["1301"]["ver"] == "SBV2026001" and "1305" in _yibao(centre, "catalog", "status").stdout
    services = _yibao(centre, "catalog", "search", "SB", "--kind", "1305", "--limit", "3", "--json")
    rows = json.loads(services.stdout)
    assert services.returncode == 0 and len(rows) == 3 and {r["kind"] for r in rows} == {"1305"}
    bad = _yibao(centre, "catalog", "search", "SB", "--kind", "9999", "--json")
    err = json.loads(bad.stderr)
    assert bad.returncode == 2 and bad.stdout == "" and err["error"] == "ValidationError"
    assert err["message"].startswith("validation failed: kind: enum: '9999' is no catalogue")
    assert [(i["field"], i["rule"]) for i in err["issues"]] == [("kind", "enum")]
