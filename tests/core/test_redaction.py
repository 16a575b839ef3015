"""No ID number, name, secret or signature in any log line, error text or CLI diagnostics.

Runs real commands against the embedded sandbox with INFO logging and scans everything they
print (the reply a user asked ``yibao call`` for is data, not diagnostics, and is not scanned).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import structlog
from structlog.testing import capture_logs

from yibao.core.logging import Redactor, scrub_text
from yibao.sandbox.config import SandboxConfig
from yibao.sandbox.server import run_in_thread

YIBAO = shutil.which("yibao", path=str(Path(sys.executable).parent)) or "yibao"
HEX64 = re.compile(r"\b[0-9a-f]{64}\b")


def _forbidden(persons: list[dict[str, str]], secret: str) -> list[str]:
    words = [secret]
    for p in persons:
        words.append(p["certno"])
        if len(p.get("psn_name", "")) >= 2:
            words.append(p["psn_name"])
    return words


def _scan(text: str, words: list[str]) -> list[str]:
    found = [w for w in words if w and w in text]
    found += HEX64.findall(text)
    return found


def test_redactor_masks_by_key_and_in_free_text() -> None:
    """Keys are masked by their meaning; an ID inside a sentence is masked too."""
    r = Redactor()
    event = r(None, "info", {"event": "x 110101199001011237 y", "certno": "110101199001011237", "psn_name": "测试甲",
                             "x-tif-signature": "a" * 64, "secret": "s", "diag_name": "肺炎",
                             "input": {"data": {"certno": "110101199001011237", "psn_name": "测试乙"}}})
    text = json.dumps(event, ensure_ascii=False)
    assert "110101199001011237" not in text and "测试甲" not in text and "测试乙" not in text
    assert "肺炎" not in text and "a" * 64 not in text
    assert scrub_text("sig " + "b" * 64) == "sig <signature>"


def test_cli_and_logs_carry_no_personal_data(tmp_path: Path) -> None:
    """The demo, journal listings, errors and INFO logs over a full cycle leak nothing."""
    env = {**os.environ, "YIBAO_LOG_LEVEL": "INFO"}
    demo = subprocess.run([YIBAO, "-v", "demo", "--state", str(tmp_path / "demo")], capture_output=True, text=True,
                          env=env, timeout=300, check=False)
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-2000:]
    with run_in_thread(SandboxConfig(state_dir=tmp_path / "sb")) as sb:
        persons = httpx.get(sb.url + "/_sandbox/persons").json()
        words = _forbidden(persons, sb.secret)
        cfg = tmp_path / "yibao.toml"
        cfg.write_text(f'''region = "440000"
[gateway]
url = "{sb.url}"
paasid = "{sb.paasid}"
secret_env = "YB_REDACT_SECRET"
[institution]
fixmedins_code = "H44010000001"
fixmedins_name = "测试医院"
mdtrtarea_admvs = "440100"
[operator]
opter = "0001"
opter_name = "收费员"
[journal]
url = "sqlite:///{tmp_path / 'j.db'}"
''', encoding="utf-8")
        env2 = {**env, "YB_REDACT_SECRET": sb.secret}
        p = persons[0]
        runs = []
        call = [YIBAO, "-v", "--config", str(cfg), "call"]
        one = subprocess.run([*call, "1101", "--input", json.dumps({"data": {
            "mdtrt_cert_type": "02", "mdtrt_cert_no": p["certno"], "psn_cert_type": "01", "certno": p["certno"],
            "psn_name": p["psn_name"]}})], capture_output=True, text=True, env=env2, timeout=60, check=False)
        assert one.returncode == 0, one.stderr
        runs.append(one.stderr)  # stdout is the reply the user asked for
        bad = subprocess.run([*call, "2102", "--input", json.dumps({"druginfo": {
            "psn_no": p["psn_no"], "mdtrt_cert_type": "02", "mdtrt_cert_no": p["certno"], "certno": p["certno"],
            "psn_name": p["psn_name"], "medfee_sumamt": "1.001"}, "drugdetail": []})],
            capture_output=True, text=True, env=env2, timeout=60, check=False)
        assert bad.returncode == 2
        runs += [bad.stdout, bad.stderr]
        for args in (["journal", "list"], ["journal", "list", "--json"]):
            r = subprocess.run([YIBAO, "--config", str(cfg), *args], capture_output=True, text=True, env=env2,
                               timeout=60, check=False)
            runs += [r.stdout, r.stderr]
        rows = json.loads(runs[-2])
        shown = subprocess.run([YIBAO, "--config", str(cfg), "journal", "show", rows[0]["msgid"]],
                               capture_output=True, text=True, env=env2, timeout=60, check=False)
        runs += [shown.stdout, shown.stderr]
    demo_words = _forbidden(json.loads(json.dumps(persons)), "")
    assert _scan(demo.stdout + demo.stderr, demo_words) == []
    assert _scan("\n".join(runs), words) == []


def test_structlog_events_of_a_call_are_redacted(tmp_path: Path) -> None:
    """Events the engine logs during calls carry no ID or name, even before rendering."""
    from yibao.core import Medium
    from yibao.core.client import Client
    from yibao.core.config import parse_config

    with run_in_thread(SandboxConfig(state_dir=tmp_path / "sb")) as sb:
        persons = httpx.get(sb.url + "/_sandbox/persons").json()
        os.environ["YB_REDACT_SECRET2"] = sb.secret
        cfg = parse_config({"region": "440000", "gateway": {"url": sb.url, "paasid": sb.paasid,
                                                            "secret_env": "YB_REDACT_SECRET2"},
                            "institution": {"fixmedins_code": "H44010000001", "fixmedins_name": "x",
                                            "mdtrtarea_admvs": "440100"},
                            "operator": {"opter": "1", "opter_name": "x"},
                            "journal": {"url": f"sqlite:///{tmp_path / 'j.db'}"}})
        # Whatever an earlier test configured, capture every level (the engine logs each call at debug).
        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(0))
        with capture_logs() as logs, Client(cfg) as client:
            for p in persons[:5]:
                client.identify(Medium.id_card(p["certno"], p["psn_name"]), insuplc_admdvs=None) \
                    if len({i["insuplc_admdvs"] for i in p.get("insuinfo", [])}) <= 1 else None
        redactor = Redactor()
        text = json.dumps([redactor(None, "info", dict(e)) for e in logs], ensure_ascii=False, default=str)
        assert logs, "the engine logged nothing to check"
        assert _scan(text, _forbidden(persons, sb.secret)) == []
        structlog.reset_defaults()
