"""The Java HIS of ``examples/java-his`` (Java 17, ``java.net.http``, no jars) against ``yibao serve``
and the sandbox: it identifies a person, settles a bill with an ``Idempotency-Key``, times out on
its side while the centre is slow, sends the same bill again and gets the replay, then cancels.
The centre's books then hold that one bill, charged once and cancelled.  And the same when the
answer is lost on the way back (the connection reset after the service answered): the HIS's
IOException is a resend under the same key, not a second charge."""

from __future__ import annotations

import shutil
import socket
import struct
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from ..sockets import loopback_server
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


@contextmanager
def answer_lost_once(upstream: str, path: str) -> Iterator[str]:
    """A loopback hop in front of the service: the first POST to ``path`` is forwarded and
    answered by the service, and then the HIS's connection is reset instead of the answer
    reaching it.  Yields the hop's base URL."""
    lost: list[bool] = []
    client = httpx.Client(base_url=upstream, timeout=60)

    def serve(conn: socket.socket) -> None:
        f = conn.makefile("rb")
        with conn:
            while (line := f.readline()):
                method, target, _ = line.decode("latin-1").split(" ", 2)
                headers = {}
                while (h := f.readline().rstrip(b"\r\n")):
                    k, _, v = h.decode("latin-1").partition(":")
                    headers[k.strip().lower()] = v.strip()
                body = f.read(int(headers.get("content-length", "0")))
                keep = {k: v for k, v in headers.items() if k in ("authorization", "content-type", "idempotency-key")}
                r = client.request(method, target, content=body, headers=keep)
                if method == "POST" and target == path and not lost:
                    lost.append(True)
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    return  # closed with a reset: the answer never reaches the HIS
                head = f"HTTP/1.1 {r.status_code} {r.reason_phrase}\r\n" + "".join(
                    f"{k}: {v}\r\n" for k, v in r.headers.items() if k.lower() != "transfer-encoding")
                conn.sendall(head.encode("latin-1") + b"\r\n" + r.content)

    try:
        with loopback_server(serve) as url:
            yield url
    finally:
        client.close()
    assert lost, f"no POST {path} came through the hop"


def test_java_his_resends_the_same_bill_when_its_connection_breaks_and_is_charged_once(
        java_classes: Path, service: RunningService, centre: Centre, persons: list[dict[str, Any]],
        drugs: list[dict[str, Any]]) -> None:
    person = persons[3]
    with answer_lost_once(service.url, "/v1/pharmacy/settlements") as hop:
        run = subprocess.run(["java", "-cp", str(java_classes), "HisClient", hop, TOKENS["T01"],
                              person["certno"], drugs[0]["med_list_codg"], "RX-JAVA-0002"],
                             capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    out = run.stdout.splitlines()
    assert any(line.startswith("settle: ") and "Exception, sending the same bill again" in line for line in out), out
    settled = next(line for line in out if line.startswith("settle: ok"))
    assert "replayed=true" in settled and "medfee_sumamt=25.00" in settled
    assert any(line.startswith("cancel: ok") for line in out)
    rows = [r for r in centre.ledger() if r["psn_no"] == person["psn_no"]]
    assert [(r["infno"], r["state"]) for r in rows] == [("2102", "cancelled")]
