"""``yibao call`` as a user runs it: the real command against a signature-checking server on
loopback, one test per exit code of the contract."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from .sigserver import PAASID, SECRET, Script, free_closed_port, sig_server

YIBAO = shutil.which("yibao", path=str(Path(sys.executable).parent)) or "yibao"

PHARMACY_2102 = {
    "druginfo": {"psn_no": "P001", "mdtrt_cert_type": "02", "mdtrt_cert_no": "110101199001011237",
                 "begntime": "2026-11-22 08:00:00", "medfee_sumamt": 12.30, "insutype": "310",
                 "acct_used_flag": "0", "med_type": "41"},
    "drugdetail": [{"feedetl_sn": "1", "rx_circ_flag": "0", "fee_ocur_time": "2026-11-22 08:00:00",
                    "med_list_codg": "XA01", "medins_list_codg": "YP1", "det_item_fee_sumamt": 12.30,
                    "cnt": 1, "pric": 12.30}],
}

#: A 1101 by ID number (a made-up number with the right GB 11643 check character).
Q1101 = '{"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "110101199001011237", "psn_cert_type": "01"}}'


def write_config(tmp: Path, url: str) -> Path:
    cfg = tmp / "yibao.toml"
    cfg.write_text(
        f'''region = "000000"
[gateway]
url = "{url}"
paasid = "{PAASID}"
secret_env = "YIBAO_TEST_SECRET"
[gateway.timeout]
read = 2
[institution]
fixmedins_code = "H11010000001"
fixmedins_name = "测试医院"
mdtrtarea_admvs = "110000"
[operator]
opter = "0001"
opter_name = "收费员"
[journal]
url = "sqlite:///{tmp / 'journal.db'}"
[reversal]
delay_seconds = 0
''', encoding="utf-8")
    return cfg


def run(cfg: Path, *args: str, secret: str = SECRET, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "YIBAO_TEST_SECRET": secret, **(env or {})}
    return subprocess.run([YIBAO, "--config", str(cfg), *args], capture_output=True, text=True, env=env,
                          timeout=60, check=False)


@pytest.fixture
def server() -> Iterator[tuple[str, Script]]:
    with sig_server() as s:
        yield s


def test_1101_succeeds_with_a_correct_envelope(tmp_path: Path, server: tuple[str, Script]) -> None:
    """Exit 0; stdout is the reply's output; the envelope has the 18 fields and a valid msgid."""
    url, script = server
    cfg = write_config(tmp_path, url)
    data = {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "110101199001011237", "psn_cert_type": "01"}}
    proc = run(cfg, "call", "1101", "--input", json.dumps(data))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["baseinfo"]["psn_no"] == "P001"
    env = script.requests[-1]
    assert len(env) == 18 and env["infno"] == "1101" and env["input"] == data
    assert re.fullmatch(r"H11010000001\d{14}\d{4}", env["msgid"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", env["inf_time"])
    assert env["fixmedins_code"] == "H11010000001" and env["opter"] == "0001"


def test_business_error_exits_3_with_err_msg(tmp_path: Path, server: tuple[str, Script]) -> None:
    url, script = server
    script.modes["1101"] = "business"
    proc = run(write_config(tmp_path, url), "call", "1101", "--input",
               '{"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "110101199001011237", "psn_cert_type": "01"}}')
    assert proc.returncode == 3
    assert "余额不足" in proc.stderr


def test_wrong_secret_is_a_gateway_refusal_exit_5(tmp_path: Path, server: tuple[str, Script]) -> None:
    url, _ = server
    proc = run(write_config(tmp_path, url), "call", "1101", "--input",
               Q1101, secret="wrong")
    assert proc.returncode == 5
    assert "签名不一致" in proc.stderr


def test_no_connection_exits_6(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, f"http://127.0.0.1:{free_closed_port()}")
    proc = run(cfg, "call", "1101", "--input", Q1101)
    assert proc.returncode == 6, proc.stderr


@pytest.mark.parametrize("mode", ["drop", "html", "error_500"])
def test_lost_answer_of_a_settlement_exits_4_and_is_journaled_unknown(
        tmp_path: Path, server: tuple[str, Script], mode: str) -> None:
    """2102 whose answer is lost: exit 4, the journal holds it UNKNOWN (sign-in 9001 went first)."""
    url, script = server
    script.modes["2102"] = mode
    cfg = write_config(tmp_path, url)
    proc = run(cfg, "call", "2102", "--input", json.dumps(PHARMACY_2102))
    assert proc.returncode == 4, proc.stderr
    assert [r["infno"] for r in script.requests] == ["9001", "2102"]
    assert script.requests[-1]["sign_no"] == "SIGN0001"
    listing = run(cfg, "journal", "list", "--json")
    rows = json.loads(listing.stdout)
    assert [(r["infno"], r["state"]) for r in rows] == [("2102", "UNKNOWN")]
    # the table: the msgid whole even in 80 columns (journal show and 2601 take it), Beijing time
    created = datetime.fromisoformat(rows[0]["created_at"]).astimezone(timezone(timedelta(hours=8)))
    for columns, wide in (("80", False), ("140", True)):
        table = run(cfg, "journal", "list", env={"COLUMNS": columns}).stdout
        assert rows[0]["msgid"] in table and created.strftime("%m-%d %H:%M:%S") in table, table
        assert ("psn_no" in table) is wide and max(map(len, table.splitlines())) <= int(columns)


def test_validation_error_exits_2_and_sends_nothing(tmp_path: Path, server: tuple[str, Script]) -> None:
    """A missing required field and an over-precise amount: exit 2, named, nothing on the wire, journaled why."""
    url, script = server
    bad = json.loads(json.dumps(PHARMACY_2102))
    del bad["druginfo"]["psn_no"]
    bad["drugdetail"][0]["det_item_fee_sumamt"] = 12.301
    cfg = write_config(tmp_path, url)
    proc = run(cfg, "call", "2102", "--input", json.dumps(bad))
    assert proc.returncode == 2
    assert "psn_no" in proc.stderr and "det_item_fee_sumamt" in proc.stderr
    assert script.requests == []
    rows = json.loads(run(cfg, "journal", "list", "--json").stdout)
    assert [(r["infno"], r["state"]) for r in rows] == [("2102", "FAILED")]
    shown = json.loads(run(cfg, "journal", "show", rows[0]["msgid"]).stdout)
    assert "not sent" in shown["err_msg"]


def test_configuration_error_exits_2_naming_the_key(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text('region = "44"\n', encoding="utf-8")
    proc = run(cfg, "call", "1101", "--input", "{}")
    assert proc.returncode == 2
    assert "region" in proc.stderr


def test_input_from_file_and_bad_json(tmp_path: Path, server: tuple[str, Script]) -> None:
    url, _ = server
    cfg = write_config(tmp_path, url)
    f = tmp_path / "in.json"
    f.write_text(Q1101, encoding="utf-8")
    assert run(cfg, "call", "1101", "--input", f"@{f}").returncode == 0
    proc = run(cfg, "call", "1101", "--input", "{not json")
    assert proc.returncode == 2 and "JSON" in proc.stderr
