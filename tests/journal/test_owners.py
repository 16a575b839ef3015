"""Whether the holder of a journal row still runs (core/journal/owners.py): a process of this
host is asked of the operating system through psutil, never with ``os.kill`` (on Windows that
terminates the process asked about)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from yibao.core.journal import open_journal, owners
from yibao.core.journal.idempotency import KeyClaim
from yibao.core.service.store import Instances

HOST = socket.gethostname()


@pytest.fixture
def child() -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait(10)


def _reaped_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(30)
    return proc.pid


def test_a_running_process_is_not_gone_and_a_finished_one_is(child: subprocess.Popen[bytes]) -> None:
    assert owners.holder_gone(HOST, child.pid) is False
    child.kill()
    child.wait(10)
    assert owners.holder_gone(HOST, child.pid) is True


def test_another_hosts_process_and_this_process_are_never_called_gone() -> None:
    dead = _reaped_pid()
    assert owners.holder_gone(HOST + "-elsewhere", dead) is False  # only its lease can tell
    assert owners.holder_gone(HOST, os.getpid()) is False
    assert owners.holder_gone(HOST, 0) is False
    assert owners.me() == f"{HOST}:{os.getpid()}"


@pytest.fixture
def no_os_kill(monkeypatch: pytest.MonkeyPatch) -> dict[int, bool]:
    """``os.kill`` fails the test if called; psutil's answer is scripted (pid -> exists)."""
    answers: dict[int, bool] = {}

    def kill(pid: int, sig: int) -> None:
        raise AssertionError(f"os.kill({pid}, {sig}): on Windows this terminates the process")

    monkeypatch.setattr(os, "kill", kill)
    monkeypatch.setattr(psutil, "pid_exists", lambda pid: answers[pid])
    return answers


def test_a_bill_keys_holder_is_asked_of_psutil(no_os_kill: dict[int, bool]) -> None:
    no_os_kill.update({4242: False, 4343: True})
    claim: Any = KeyClaim(key="RX-1", status="in_progress", owner=f"{HOST}:4242")
    assert claim.owner_is_dead is True
    claim = KeyClaim(key="RX-1", status="in_progress", owner=f"{HOST}:4343")
    assert claim.owner_is_dead is False


def test_a_service_instance_is_asked_of_psutil(tmp_path: Path, no_os_kill: dict[int, bool]) -> None:
    with open_journal(f"sqlite:///{tmp_path / 'j.db'}") as journal:
        db = journal.database
        here, other = Instances(db, ttl=30), Instances(db, ttl=30)
        here.register()
        other.register()  # its heartbeat is fresh: only the process check can call it dead
        db.execute(f"UPDATE service_instances SET pid = 4242 WHERE instance_id = {db.p}", (other.instance_id,))
        no_os_kill[4242] = False
        assert here.is_alive(other.instance_id) is False
        no_os_kill[4242] = True
        assert here.is_alive(other.instance_id) is True
