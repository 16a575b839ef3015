"""A big 3202 detail file is read off the event loop and outside the store's lock, streaming.

An outside probe found a 300,000-row file holding every other terminal for 3.4 s and taking
the sandbox to 349 MB.  Here the same size: other terminals' 1101s are answered while it runs
(a generous bound relative to the big job, no tight timing), and the memory the 3202 costs is
a small fraction of the file's.
"""

from __future__ import annotations

import base64
import io
import re
import subprocess
import sys
import threading
import time
import tracemalloc
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import PAASID, SECRET, Centre, dumps, loads

from yibao.sandbox.config import SandboxConfig
from yibao.sandbox.server import run_in_thread

ROWS = 300_000
pytestmark = pytest.mark.slow


class BigFile:
    def __init__(self) -> None:
        lines = []
        total = Decimal(0)
        for i in range(ROWS):
            cents = 100 + (i * 7919) % 99_900
            total += Decimal(cents) / 100
            lines.append(f"S44190026010{i:08d}\tM44190026010{i:08d}\tSB4419{i:010d}\t{cents // 100}.{cents % 100:02d}"
                         f"\t0.00\t0.00\t0\n")  # fmt: skip
        self.text_bytes = sum(len(x) for x in lines)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("detail.txt", "".join(lines).encode())
        self.zip = buf.getvalue()
        self.medfee = total


@pytest.fixture(scope="module")
def big() -> BigFile:
    return BigFile()


def _upload(c: Centre, big: BigFile) -> str:
    reply = c.call("9101", {"fsUploadIn": {"in": base64.b64encode(big.zip).decode(), "filename": "detail.zip",
                                           "fixmedins_code": c.code}})  # fmt: skip
    assert reply["infcode"] == 0, reply["err_msg"]
    return str(reply["output"]["file_qury_no"])


def _3202_input(qury: str, big: BigFile) -> dict[str, Any]:
    return {"data": {"setl_optins": "441900", "file_qury_no": qury, "stmt_begndate": "2026-01-01",
                     "stmt_enddate": "2026-01-31", "medfee_sumamt": big.medfee, "fund_pay_sumamt": Decimal("0"),
                     "cash_payamt": Decimal("0"), "fixmedins_setl_cnt": ROWS, "clr_type": "41",
                     "fixmedins_refd_setl_flag": "0"}}  # fmt: skip


@pytest.fixture
def process(tmp_path: Path) -> Iterator[str]:
    """The sandbox in a process of its own, so that the test's threads do not share its GIL."""
    cmd = [sys.executable, "-m", "yibao.sandbox", "serve", "--port", "0", "--paasid", PAASID, "--secret", SECRET,
           "--state", str(tmp_path / "state"), "--region", "441900"]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        m = re.search(r"url=(http://\S+) ", proc.stdout.readline())
        assert m, "no url printed"
        url = m.group(1)
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url + "/_sandbox/persons", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def test_other_terminals_are_answered_while_a_big_3202_runs(process: str, big: BigFile) -> None:
    c = Centre(url=process)
    qury = _upload(c, big)
    p = c.person(lambda p: p["psn_cert_type"] == "01")
    other = Centre(url=process, code="H44190000002")  # another institution's terminal
    data = {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": p["certno"], "psn_cert_type": "01"}}
    result: dict[str, Any] = {}

    def big_job() -> None:
        result["start"] = time.monotonic()
        result["reply"] = c.call("3202", _3202_input(qury, big))
        result["end"] = time.monotonic()

    job = threading.Thread(target=big_job)
    job.start()
    answered: list[tuple[float, float]] = []  # (sent, latency) of 1101s sent while the job ran
    while job.is_alive():
        sent = time.monotonic()
        reply = other.send(other.envelope("1101", data))
        assert reply["infcode"] == 0, reply["err_msg"]
        answered.append((sent, time.monotonic() - sent))
        time.sleep(0.02)
    job.join()
    assert result["reply"]["infcode"] == 0, result["reply"]["err_msg"]
    duration = result["end"] - result["start"]
    during = [lat for sent, lat in answered if result["start"] + 0.2 < sent and sent + lat < result["end"]]
    # Held behind the big job, a 1101 would wait for most of it; answered alongside, it waits
    # for its own turn only.  The bound is a third of the job: generous, yet far from "held".
    assert len(during) >= 3, (duration, answered)
    assert max(during) < duration / 3, (duration, max(during))
    # the result file is whole: one line per uploaded row, every one 中心无此结算
    info = result["reply"]["output"]["fileinfo"]
    env = c.envelope("9102", {"fsDownloadIn": {"file_qury_no": info["file_qury_no"], "filename": info["filename"],
                                               "fixmedins_code": c.code}})  # fmt: skip
    body = c.post("/fsi/api/fileupload/download", dumps(env), timeout=120).content
    with zipfile.ZipFile(io.BytesIO(body)) as zf, zf.open(zf.namelist()[0]) as f:
        count = sum(1 for line in f if b"\t\xe4\xb8\xad\xe5\xbf\x83\xe6\x97\xa0" in line)  # 中心无
    assert count == ROWS


def test_a_big_3202_costs_a_small_fraction_of_the_file_in_memory(tmp_path: Path, big: BigFile) -> None:
    cfg = SandboxConfig(paasid=PAASID, secret=SECRET, state_dir=tmp_path / "state", region="441900")
    with run_in_thread(cfg) as sb:
        c = Centre(url=sb.url)
        qury = _upload(c, big)
        body = dumps(c.envelope("3202", _3202_input(qury, big)))
        tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            r = c.post("/fsi/api/rsfComIfsService/callService", body, timeout=120)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    reply = loads(r.content)
    assert reply["infcode"] == 0, reply["err_msg"]
    # The whole file as text is ~22 MB and as parsed rows several times that; streamed, the
    # call's Python allocations stay at a few MB whatever the row count.
    assert peak < big.text_bytes / 4, (peak, big.text_bytes)
