"""stdout carries only results: the whole stdout of every ``--json`` command parses, also when the
command ran start-up reversals first (contract, "Output and configuration discipline").

Before each command that sends, a 2102 whose answer is lost (sandbox fault ``drop_after_commit``)
leaves an UNKNOWN entry due at once; the command's start-up run reverses it (and says so on
stderr), then the command prints its JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from yibao.core import Client, FeeItem, Medium, OutcomeUnknownError, load_config
from yibao.sandbox.config import SandboxConfig
from yibao.sandbox.server import RunningSandbox, run_in_thread

YIBAO = str(Path(sys.executable).with_name("yibao"))
SECRET_ENV = "YIBAO_JSON_SECRET"


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[RunningSandbox, Path, dict[str, str]]]:
    with run_in_thread(SandboxConfig(state_dir=tmp_path / "sb")) as sb:
        cfg = tmp_path / "yibao.toml"
        cfg.write_text(f'''region = "441900"
[gateway]
url = "{sb.url}"
paasid = "{sb.paasid}"
secret_env = "{SECRET_ENV}"
[institution]
fixmedins_code = "H44190000001"
fixmedins_name = "东莞测试医院"
mdtrtarea_admvs = "441900"
kind = "pharmacy"
[operator]
opter = "0001"
opter_name = "收费员"
[journal]
url = "sqlite:///{tmp_path / 'journal.db'}"
[reversal]
delay_seconds = 0
''', encoding="utf-8")
        env = {**os.environ, SECRET_ENV: sb.secret, "YIBAO_CONFIG": str(cfg)}
        os.environ[SECRET_ENV] = sb.secret
        yield sb, cfg, env


def _lose_one(sb: RunningSandbox, cfg: Path, n: int) -> str:
    """A 2102 whose answer is lost: an UNKNOWN entry, its 2601 due now."""
    persons = httpx.get(f"{sb.url}/_sandbox/persons").json()
    drug = httpx.get(f"{sb.url}/_sandbox/catalog").json()[0]
    httpx.post(f"{sb.url}/_sandbox/faults", json={"infno": "2102", "mode": "drop_after_commit", "times": 1})
    with Client(load_config(cfg)) as client:
        who = client.identify(Medium.id_card(persons[n]["certno"], persons[n]["psn_name"]))
        line = FeeItem(feedetl_sn="1", med_list_codg=drug["med_list_codg"], medins_list_codg="HIS-1",
                       cnt=Decimal("1"), pric=Decimal("5.00"))
        with pytest.raises(OutcomeUnknownError) as info:
            client.pharmacy.settle(who, [line])
    return str(info.value.msgid)


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([YIBAO, *args], capture_output=True, text=True, env=env, timeout=180, check=False)


def _month() -> str:
    from yibao.core.clock import now

    return f"{now():%Y-%m}"


COMMANDS: list[tuple[list[str], bool]] = [
    # (arguments, whether the command sends and therefore runs the start-up reversals first)
    (["call", "1101", "--input", "{}"], True),  # refused locally: exit 2, nothing on stdout
    (["journal", "recover", "--json"], True),
    (["reconcile", "--month", "MONTH", "--json"], True),
    (["clear", "--month", "MONTH", "--json"], True),
    (["catalog", "sync", "--kinds", "1301", "--json"], True),
    (["catalog", "search", "SBX", "--json"], True),
    (["journal", "list", "--json"], False),
    (["plugins", "--json"], False),
    (["schema", "2102", "--json"], False),
]


def test_every_json_command_prints_only_json(setup: tuple[RunningSandbox, Path, dict[str, str]]) -> None:
    """Each command's whole stdout is one JSON document; the start-up reversal is said on stderr."""
    sb, cfg, env = setup
    person = 0
    for args, sends in COMMANDS:
        args = [a.replace("MONTH", _month()) for a in args]
        lost = _lose_one(sb, cfg, person) if sends else None
        person += 1 if sends else 0
        proc = _run(env, *args)
        if args[:2] == ["call", "1101"]:
            assert proc.returncode == 2 and proc.stdout == "", proc.stdout + proc.stderr
        else:
            assert proc.returncode in (0, 1), (args, proc.stdout, proc.stderr)  # 1: reconcile found a difference
            doc: Any = json.loads(proc.stdout)
            assert doc is not None, args
        if lost is not None:
            assert f"reversed 1 earlier unknown outcome(s) with 2601: {lost}" in proc.stderr, (args, proc.stderr)
    ledger = httpx.get(f"{sb.url}/_sandbox/ledger").json()
    assert all(r["state"] != "settled" for r in ledger if r["infno"] == "2102"), "every lost sale was reversed"


def test_demo_json_prints_only_json() -> None:
    """``yibao demo --json``: one JSON document with every step."""
    proc = _run(dict(os.environ), "demo", "--json")
    assert proc.returncode == 0, proc.stderr[-2000:]
    doc = json.loads(proc.stdout)
    assert doc["ok"] is True and len(doc["steps"]) >= 14



def test_a_character_gbk_lacks_through_a_gbk_pipe(setup: tuple[RunningSandbox, Path, dict[str, str]]) -> None:
    """A HIS on a Chinese Windows reads yibao's stdout through a pipe in GBK, which lacks 䓬 (U+44EC) of
    苯二氮䓬, a drug class the sandbox's catalogue carries: the answer is printed as valid JSON with that
    very character, not lost to an encoding error (core/cli/streams.py)."""
    _, _, env = setup
    gbk = {**env, "PYTHONIOENCODING": "gbk"}
    assert _run(env, "catalog", "sync", "--kinds", "1301", "--json").returncode == 0
    proc = subprocess.run([YIBAO, "catalog", "search", "艾司唑仑", "--json"], capture_output=True, env=gbk,
                          timeout=180, check=False)
    err = proc.stderr.decode("gbk", "replace")
    assert proc.returncode == 0, err
    assert b"\\u44ec" in proc.stdout  # written as a JSON escape: GBK has no such character
    found = json.loads(proc.stdout.decode("gbk"))  # strict: GBK bytes and JSON escapes only
    assert "艾司唑仑片(苯二氮䓬类,测试)" in json.dumps(found, ensure_ascii=False)
