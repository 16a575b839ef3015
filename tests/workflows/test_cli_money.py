"""``yibao call`` and ``yibao journal recover`` with money on the line (issue 10 #2, #4, #5, #8,
#12), through the real command against the sandbox over loopback.

- the same 2102 run twice charges once (a derived bill key); the same ``--idempotency-key``
  with another bill is refused (exit 2);
- Ctrl-C or SIGTERM while a settlement is on the wire: journaled UNKNOWN, its 2601 scheduled,
  the cashier told what happened and what to do, exit 4;
- ``journal recover`` says what it waits for, stops at ``--max-wait``, ``--now`` sends at once,
  and its report lists what the start-up run reversed;
- ``--input`` that is not UTF-8 or nested 2,000 deep is exit 2 naming ``--input``;
- the centre's words are printed verbatim (``参数[psn_no]错误``, ``[/]``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from yibao.core import wire
from yibao.sandbox.server import RunningSandbox

from .support import SECRET_ENV, Centre
from .test_cli_recover import YIBAO, _config, _input_2102, _journal, _run


def _file(tmp: Path, name: str, text: str) -> str:
    """The HIS's input as a file (under ``his-input``: what the HIS hands over, see tests/pii_scan.py)."""
    path = tmp / "his-input" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return f"@{path}"


def test_the_same_2102_twice_charges_once(tmp_path: Path, sandbox: RunningSandbox, centre: Centre,
                                          persons: list[dict[str, Any]], drugs: list[dict[str, Any]]) -> None:
    cfg = _config(tmp_path, sandbox)
    bill = _file(tmp_path, "bill.json", _input_2102(persons[0], drugs))
    first = _run(cfg, sandbox, "call", "2102", "--input", bill, "--insuplc", "441900")
    assert first.returncode == 0, first.stderr
    again = _run(cfg, sandbox, "call", "2102", "--input", bill, "--insuplc", "441900")
    assert again.returncode == 0, again.stderr
    assert "replayed" in again.stderr
    assert json.loads(again.stdout)["setlinfo"]["setl_id"] == json.loads(first.stdout)["setlinfo"]["setl_id"]
    assert len(centre.ledger()) == 1
    assert len([r for r in _journal(cfg, sandbox) if r["infno"] == "2102"]) == 1


def test_one_key_two_bills_is_refused(tmp_path: Path, sandbox: RunningSandbox, centre: Centre,
                                      persons: list[dict[str, Any]], drugs: list[dict[str, Any]]) -> None:
    cfg = _config(tmp_path, sandbox)
    one = _file(tmp_path, "one.json", _input_2102(persons[0], drugs[:1]))
    two = _file(tmp_path, "two.json", _input_2102(persons[0], drugs[1:3]))
    ok = _run(cfg, sandbox, "call", "2102", "--input", one, "--insuplc", "441900", "--idempotency-key", "RX-1")
    assert ok.returncode == 0, ok.stderr
    other = _run(cfg, sandbox, "call", "2102", "--input", two, "--insuplc", "441900", "--idempotency-key", "RX-1")
    assert other.returncode == 2, other.stderr
    assert "RX-1" in other.stderr and "nothing sent" in other.stderr
    assert len(centre.ledger()) == 1
    # Another key is another bill: it is charged.
    new = _run(cfg, sandbox, "call", "2102", "--input", two, "--insuplc", "441900", "--idempotency-key", "RX-2")
    assert new.returncode == 0, new.stderr
    assert len(centre.ledger()) == 2


def _wait_for(pred: Callable[[], bool], seconds: float = 30) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_an_interrupt_on_the_wire_is_unknown_and_scheduled(tmp_path: Path, sandbox: RunningSandbox, centre: Centre,
                                                           persons: list[dict[str, Any]],
                                                           drugs: list[dict[str, Any]], signum: int) -> None:
    cfg = _config(tmp_path, sandbox, delay_seconds=300)
    centre.fault("2102", "delay", seconds=30)  # commits, then answers 30 s late
    env = {**os.environ, SECRET_ENV: sandbox.secret}
    proc = subprocess.Popen([YIBAO, "--config", str(cfg), "call", "2102", "--input", _input_2102(persons[0], drugs),
                             "--insuplc", "441900"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        _wait_for(lambda: len(centre.ledger()) == 1)  # the centre committed; the answer is on its way
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 4, err
    assert "interrupted while 2102" in err and "2601" in err and "journal show" in err
    assert "Traceback" not in err and out == ""
    (row,) = [r for r in _journal(cfg, sandbox) if r["infno"] == "2102"]
    assert row["state"] == "UNKNOWN" and row["msgid"] in err
    assert row["next_attempt_at"]  # scheduled, not forgotten
    # --now overrides the 300 s delay on the operator's word: reversed at the centre.
    rec = _run(cfg, sandbox, "journal", "recover", "--now", "--json")
    assert rec.returncode == 0, rec.stdout + rec.stderr
    assert json.loads(rec.stdout)["reversed"] == [row["msgid"]]
    assert [r["state"] for r in centre.ledger()] == ["reversed"]


def test_recover_says_what_it_waits_for_and_stops_at_max_wait(
        tmp_path: Path, sandbox: RunningSandbox, centre: Centre, persons: list[dict[str, Any]],
        drugs: list[dict[str, Any]]) -> None:
    cfg = _config(tmp_path, sandbox, delay_seconds=12)  # two command start-ups fit well within it
    centre.fault("2102", "drop_after_commit")
    lost = _run(cfg, sandbox, "call", "2102", "--input", _input_2102(persons[0], drugs), "--insuplc", "441900")
    assert lost.returncode == 4, lost.stderr
    short = _run(cfg, sandbox, "journal", "recover", "--max-wait", "0", "--json")
    assert short.returncode == 4, short.stderr
    report = json.loads(short.stdout)
    assert report["reversed"] == [] and len(report["pending"]) == 1
    assert "--max-wait" in short.stderr
    waited = _run(cfg, sandbox, "journal", "recover", "--max-wait", "30")
    assert waited.returncode == 0, waited.stdout + waited.stderr
    assert "waiting" in waited.stderr and "reversed: 1" in waited.stdout
    assert [r["state"] for r in centre.ledger()] == ["reversed"]


def test_recover_lists_the_start_up_reversals(tmp_path: Path, sandbox: RunningSandbox, centre: Centre,
                                              persons: list[dict[str, Any]], drugs: list[dict[str, Any]]) -> None:
    cfg = _config(tmp_path, sandbox, delay_seconds=0)
    centre.fault("2102", "drop_after_commit")
    lost = _run(cfg, sandbox, "call", "2102", "--input", _input_2102(persons[0], drugs), "--insuplc", "441900")
    assert lost.returncode == 4, lost.stderr
    (row,) = [r for r in _journal(cfg, sandbox) if r["infno"] == "2102"]
    rec = _run(cfg, sandbox, "journal", "recover", "--json")
    assert rec.returncode == 0, rec.stderr
    report = json.loads(rec.stdout)
    assert report["startup"] == [row["msgid"]] and report["reversed"] == []
    assert [r["state"] for r in centre.ledger()] == ["reversed"]


def test_input_that_is_not_utf8_or_too_deep_is_exit_2(tmp_path: Path, sandbox: RunningSandbox) -> None:
    cfg = _config(tmp_path, sandbox)
    latin = tmp_path / "gbk.json"
    latin.write_bytes('{"data": {"psn_name": "张三"}}'.encode("gbk"))
    proc = _run(cfg, sandbox, "call", "1101", "--input", f"@{latin}")
    assert proc.returncode == 2 and "--input" in proc.stderr and "UTF-8" in proc.stderr, proc.stderr
    deep = "[" * 2000 + "]" * 2000
    proc = _run(cfg, sandbox, "call", "1101", "--input", deep)
    assert proc.returncode == 2 and "--input" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


def test_the_centres_words_are_printed_verbatim(tmp_path: Path, sandbox: RunningSandbox, centre: Centre,
                                                persons: list[dict[str, Any]], drugs: list[dict[str, Any]]) -> None:
    cfg = _config(tmp_path, sandbox)
    words = "参数[psn_no]错误 [/] [bold]不是标记[/bold]"
    centre.fault("2102", "reject", err_msg=words)
    proc = _run(cfg, sandbox, "call", "2102", "--input", _input_2102(persons[0], drugs), "--insuplc", "441900")
    assert proc.returncode == 3, proc.stderr
    assert words in proc.stderr and "Traceback" not in proc.stderr
    (row,) = [r for r in _journal(cfg, sandbox) if r["infno"] == "2102"]
    shown = _run(cfg, sandbox, "journal", "show", row["msgid"])
    assert shown.returncode == 0 and words in wire.loads(shown.stdout)["err_msg"]
