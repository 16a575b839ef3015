"""The Java HIS of ``examples/java-his`` (Java 17, ``java.net.http``, no jars) against ``yibao serve``
and the sandbox: it identifies a person, settles a bill with an ``Idempotency-Key``, times out on
its side while the centre is slow, sends the same bill again and gets the replay, then cancels.
The centre's books then hold that one bill, charged once and cancelled."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ..workflows.support import Centre
from .support import TOKENS, RunningService

SOURCE = Path(__file__).resolve().parents[2] / "examples" / "java-his" / "src" / "HisClient.java"


@pytest.fixture(scope="module")
def java_classes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    javac, java = shutil.which("javac"), shutil.which("java")
    if javac is None or java is None:
        pytest.skip("no JDK on this machine (javac / java not on PATH): .ci/run installs default-jdk-headless")
    out = tmp_path_factory.mktemp("java-his")
    subprocess.run([javac, "--release", "17", "-d", str(out), str(SOURCE)], check=True, timeout=120)
    return out


def test_java_his_settles_retries_after_a_timeout_gets_the_replay_and_cancels(
        java_classes: Path, service: RunningService, centre: Centre, persons: list[dict[str, Any]],
        drugs: list[dict[str, Any]]) -> None:
    person = persons[2]
    centre.fault("2102", "delay", seconds=3)  # the centre answers after the HIS's 1 s timeout
    run = subprocess.run(["java", "-cp", str(java_classes), "HisClient", service.url, TOKENS["T01"],
                          person["certno"], drugs[0]["med_list_codg"], "RX-JAVA-0001"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    out = run.stdout.splitlines()
    assert out[0] == f"identify: ok psn_no={person['psn_no']}"
    assert "settle: client-side timeout, sending the same bill again" in out
    assert any(line.startswith("settle: 409 conflict") for line in out)
    settled = next(line for line in out if line.startswith("settle: ok"))
    assert "replayed=true" in settled and "medfee_sumamt=25.00" in settled
    setl_id = settled.split("setl_id=")[1].split()[0]
    assert any(line.startswith("cancel: ok") and "medfee_sumamt=-25.00" in line for line in out)
    rows = [r for r in centre.ledger() if r["psn_no"] == person["psn_no"]]
    assert [(r["infno"], r["setl_id"], r["state"]) for r in rows] == [("2102", setl_id, "cancelled")]
