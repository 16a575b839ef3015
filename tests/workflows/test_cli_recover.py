"""The "done when" of issue 4 through the real ``yibao`` command: a 2102 whose answer the
sandbox drops exits 4 and is journaled UNKNOWN, a second 2102 for that person is refused,
``yibao journal recover`` exits 0 with the centre's row reversed; and a reversal the centre
cannot match makes ``recover`` exit non-zero."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from yibao.core import wire
from yibao.sandbox.server import RunningSandbox

from .support import INSTITUTION, SECRET_ENV, Centre, items, settled_total

YIBAO = shutil.which("yibao", path=str(Path(sys.executable).parent)) or "yibao"


def _config(tmp: Path, sb: RunningSandbox, **reversal: int) -> Path:
    rev = "\n".join(f"{k} = {v}" for k, v in {"delay_seconds": 0, "interrupted_after_seconds": 0, **reversal}.items())
    path = tmp / "yibao.toml"
    path.write_text(f'''region = "441900"
[gateway]
url = "{sb.url}"
paasid = "{sb.paasid}"
secret_env = "{SECRET_ENV}"
[institution]
fixmedins_code = "{INSTITUTION}"
fixmedins_name = "东莞测试医院"
mdtrtarea_admvs = "441900"
[operator]
opter = "0001"
opter_name = "收费员"
[journal]
url = "sqlite:///{(tmp / 'cli-journal.db').as_posix()}"
[reversal]
{rev}
''', encoding="utf-8")
    return path


def _run(cfg: Path, sb: RunningSandbox, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, SECRET_ENV: sb.secret}
    return subprocess.run([YIBAO, "--config", str(cfg), *args], capture_output=True, text=True, env=env,
                          timeout=120, check=False)


def _input_2102(person: dict[str, Any], drugs: list[dict[str, Any]]) -> str:
    lines = items(drugs, 1, 2)
    now = datetime.now()
    data = {
        "druginfo": {"psn_no": person["psn_no"], "mdtrt_cert_type": "02", "mdtrt_cert_no": person["certno"],
                     "begntime": now.strftime("%Y-%m-%d %H:%M:%S"),
                     "medfee_sumamt": sum((i.amount for i in lines), Decimal("0")),
                     "insutype": person["insutype"], "acct_used_flag": "0"},
        "drugdetail": [i.row(now) for i in lines],
    }
    return wire.dumps(data)


def _journal(cfg: Path, sb: RunningSandbox) -> list[dict[str, Any]]:
    proc = _run(cfg, sb, "journal", "list", "--json")
    assert proc.returncode == 0, proc.stderr
    return list(json.loads(proc.stdout))


def test_cli_lost_answer_exit_4_then_recover_exit_0(tmp_path: Path, sandbox: RunningSandbox, centre: Centre,
                                                   persons: list[dict[str, Any]],
                                                   drugs: list[dict[str, Any]]) -> None:
    """`yibao call 2102` with the answer dropped exits 4 (UNKNOWN); a second is refused; `journal recover` exits 0."""
    # The first 2601 waits 20 s (reversal.delay_seconds; two command start-ups on a busy
    # machine fit in it): until then the guard refuses the person; once due, the guard itself
    # would reverse it before the next settlement.
    cfg = _config(tmp_path, sandbox, delay_seconds=20)
    person = persons[0]
    centre.fault("2102", "drop_after_commit")
    proc = _run(cfg, sandbox, "call", "2102", "--input", _input_2102(person, drugs), "--insuplc", "441900")
    assert proc.returncode == 4, proc.stderr
    (row,) = [r for r in _journal(cfg, sandbox) if r["infno"] == "2102"]
    assert row["state"] == "UNKNOWN"
    msgid = row["msgid"]
    assert next(r for r in centre.ledger() if r["msgid"] == msgid)["state"] == "settled"
    # While it is unresolved, a second settlement for that person is refused before sending.
    again = _run(cfg, sandbox, "call", "2102", "--input", _input_2102(person, drugs), "--insuplc", "441900")
    assert again.returncode == 2, again.stderr
    assert "unresolved" in again.stderr and person["certno"] not in again.stderr
    assert len(centre.ledger()) == 1
    rec = _run(cfg, sandbox, "journal", "recover")
    assert rec.returncode == 0, rec.stdout + rec.stderr
    assert "reversed: 1" in rec.stdout
    states = {r["msgid"]: r["state"] for r in _journal(cfg, sandbox)}
    assert states[msgid] == "REVERSED"
    ledger = centre.ledger()
    assert [r["state"] for r in ledger] == ["reversed"]
    assert settled_total(ledger, person["psn_no"]) == Decimal("0")
    # Resolved: the person can settle again, exactly once more.
    ok = _run(cfg, sandbox, "call", "2102", "--input", _input_2102(person, drugs), "--insuplc", "441900")
    assert ok.returncode == 0, ok.stderr
    assert sorted(r["state"] for r in centre.ledger()) == ["reversed", "settled"]


def test_cli_recover_exits_non_zero_when_the_centre_never_saw_it(
        tmp_path: Path, sandbox: RunningSandbox, centre: Centre, persons: list[dict[str, Any]],
        drugs: list[dict[str, Any]]) -> None:
    """A 2601 answered "原交易不存在" past not_found_retries leaves NEEDS_ATTENTION: `journal recover` exits 4."""
    cfg = _config(tmp_path, sandbox, not_found_retries=0)
    centre.fault("2102", "error_500")
    proc = _run(cfg, sandbox, "call", "2102", "--input", _input_2102(persons[1], drugs), "--insuplc", "441900")
    assert proc.returncode == 4, proc.stderr
    rec = _run(cfg, sandbox, "journal", "recover")
    assert rec.returncode == 4, rec.stdout + rec.stderr
    assert "NEEDS ATTENTION" in rec.stderr
    states = [r["state"] for r in _journal(cfg, sandbox) if r["infno"] == "2102"]
    assert states == ["NEEDS_ATTENTION"]
    assert centre.ledger() == []


def test_cli_resolve_by_hand_after_the_centre_was_asked_lets_the_person_settle_again(
        tmp_path: Path, sandbox: RunningSandbox, centre: Centre, persons: list[dict[str, Any]],
        drugs: list[dict[str, Any]]) -> None:
    """NEEDS_ATTENTION is no dead end: `yibao journal resolve MSGID --not-at-centre --note ...` once
    the centre has been asked (FAILED, the note kept); the person settles again, charged once."""
    cfg = _config(tmp_path, sandbox, not_found_retries=0)
    person = persons[2]
    centre.fault("2102", "error_500")  # the gateway's 500: nothing reached the books
    assert _run(cfg, sandbox, "call", "2102", "--input", _input_2102(person, drugs), "--insuplc", "441900"
                ).returncode == 4
    assert _run(cfg, sandbox, "journal", "recover").returncode == 4
    (msgid,) = [r["msgid"] for r in _journal(cfg, sandbox) if r["infno"] == "2102"]
    blocked = _run(cfg, sandbox, "call", "2102", "--input", _input_2102(person, drugs), "--insuplc", "441900")
    assert blocked.returncode == 2 and "NEEDS_ATTENTION" in blocked.stderr and "yibao journal resolve" in blocked.stderr

    note = "3202 detail of today has no such msgid; 医保局 confirmed by phone"
    # Refused, nothing changed: no finding or both, a note that says nothing, an unknown msgid.
    for target, args, why in ((msgid, ["--note", note], "exactly one of"),
                              (msgid, ["--not-at-centre", "--reversed-at-centre", "--note", note], "exactly one of"),
                              (msgid, ["--not-at-centre", "--note", "ok"], "note"),
                              ("H44190000001209912310000000", ["--not-at-centre", "--note", note], "no journal entry")):
        r = _run(cfg, sandbox, "journal", "resolve", target, *args, "--json")
        assert r.returncode == 2 and why in r.stdout + r.stderr, (args, r.stdout, r.stderr)
    assert [r["state"] for r in _journal(cfg, sandbox) if r["msgid"] == msgid] == ["NEEDS_ATTENTION"]

    done = _run(cfg, sandbox, "journal", "resolve", msgid, "--not-at-centre", "--note", note, "--json")
    assert done.returncode == 0, done.stderr
    row = json.loads(done.stdout)
    assert row["msgid"] == msgid and row["state"] == "FAILED"
    assert "resolved by hand (not_at_centre) by 0001: " + note in row["notes"]
    again = _run(cfg, sandbox, "journal", "resolve", msgid, "--not-at-centre", "--note", note)
    assert again.returncode == 2 and "not NEEDS_ATTENTION" in again.stderr
    assert _run(cfg, sandbox, "journal", "recover").returncode == 0
    ok = _run(cfg, sandbox, "call", "2102", "--input", _input_2102(person, drugs), "--insuplc", "441900")
    assert ok.returncode == 0, ok.stderr
    assert [r["state"] for r in centre.ledger()] == ["settled"]
