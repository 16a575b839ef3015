"""Fixtures for the sandbox tests: raw, signed requests built here from the spec.

Nothing of the client (yibao.core.client / transport / gateway) is used, and nothing of the
sandbox's own signing: the x-tif signature is computed here from the Gansu guide's formula
sha256(timestamp + secretKey + nonce + timestamp), so a bug on either side cannot hide.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from yibao.sandbox.app import create_app
from yibao.sandbox.config import SandboxConfig
from yibao.sandbox.seed import CATALOG
from yibao.sandbox.server import RunningSandbox, run_in_thread

PAASID = "test-paasid"
SECRET = "test-secret-0123456789"
INSTITUTION = "H44190000001"  # a Dongguan-looking code: 12 characters
CALL_PATH = "/fsi/api/rsfComIfsService/callService"
SPECS = Path(__file__).resolve().parents[2] / ".." / "shared" / "specs"

_seq = itertools.count(1)


def x_tif(
    secret: str = SECRET, paasid: str = PAASID, ts: int | None = None, nonce: str | None = None
) -> dict[str, str]:
    ts_text = str(int(time.time()) if ts is None else ts)
    nonce = nonce or uuid.uuid4().hex
    sig = hashlib.sha256((ts_text + secret + nonce + ts_text).encode()).hexdigest()
    return {"x-tif-paasid": paasid, "x-tif-timestamp": ts_text, "x-tif-nonce": nonce, "x-tif-signature": sig}


def new_msgid(code: str = INSTITUTION) -> str:
    return f"{code}{time.strftime('%Y%m%d%H%M%S')}{next(_seq) % 10000:04d}"


def _mark(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return f"@@D:{obj}@@"
    if isinstance(obj, float):
        raise TypeError("no floats in test messages: amounts are Decimal")
    if isinstance(obj, dict):
        return {k: _mark(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_mark(v) for v in obj]
    return obj


def dumps(obj: Any) -> bytes:
    """JSON with Decimals written as bare numbers with their exact digits (independent of yibao.core.wire)."""
    text = json.dumps(_mark(obj), ensure_ascii=False, separators=(",", ":"))
    return re.sub(r'"@@D:(-?[0-9.]+)@@"', r"\1", text).encode()


def loads(data: bytes) -> Any:
    return json.loads(data, parse_float=Decimal)


class Centre:
    """Talks to a sandbox in-process (ASGITransport) or over a socket (base URL)."""

    def __init__(
        self,
        *,
        app: Any = None,
        url: str | None = None,
        code: str = INSTITUTION,
        region: str = "441900",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app = app
        self.clock = clock
        self.url = url
        self.code = code
        self.region = region
        self.sign_no = ""
        self.opter = "0001"

    # -- raw HTTP
    def post(
        self, path: str, content: bytes, headers: dict[str, str] | None = None, timeout: float = 10
    ) -> httpx.Response:
        hdrs = {
            "content-type": "application/json",
            **(headers if headers is not None else x_tif(ts=int(self.clock()))),
        }
        if self.url is not None:
            return httpx.post(self.url + path, content=content, headers=hdrs, timeout=timeout)

        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as c:
                return await c.post(path, content=content, headers=hdrs)

        return asyncio.run(go())

    def control(self, method: str, path: str, body: Any = None) -> Any:
        if self.url is not None:
            r = httpx.request(method, self.url + path, content=dumps(body) if body is not None else None)
        else:

            async def go() -> httpx.Response:
                transport = httpx.ASGITransport(app=self.app)
                async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as c:
                    return await c.request(method, path, content=dumps(body) if body is not None else None)

            r = asyncio.run(go())
        return r.status_code, loads(r.content)

    # -- envelopes
    def envelope(self, infno: str, inp: dict[str, Any], **over: Any) -> dict[str, Any]:
        env = {
            "infno": infno,
            "msgid": new_msgid(self.code),
            "mdtrtarea_admvs": self.region,
            "insuplc_admdvs": "",
            "recer_sys_code": "YBXT",
            "dev_no": "",
            "dev_safe_info": "",
            "cainfo": "",
            "signtype": "",
            "infver": "V1.0",
            "opter_type": "1",
            "opter": self.opter,
            "opter_name": "测试经办",
            "inf_time": time.strftime("%Y-%m-%d %H:%M:%S"),
            "fixmedins_code": self.code,
            "fixmedins_name": "测试药店",
            "sign_no": self.sign_no,
            "input": inp,
        }
        env.update(over)
        return env

    def send(self, env: dict[str, Any], path: str = CALL_PATH) -> dict[str, Any]:
        r = self.post(path, dumps(env))
        assert r.status_code == 200, r.text
        out: dict[str, Any] = loads(r.content)
        return out

    def call(self, infno: str, inp: dict[str, Any], path: str = CALL_PATH, **over: Any) -> dict[str, Any]:
        return self.send(self.envelope(infno, inp, **over), path)

    def ok(self, infno: str, inp: dict[str, Any], **over: Any) -> Any:
        reply = self.call(infno, inp, **over)
        assert reply["infcode"] == 0, reply["err_msg"]
        return reply["output"]

    def sign_in(self) -> str:
        out = self.ok("9001", {"signIn": {"opter_no": self.opter, "mac": "00-00-00-00-00-00", "ip": "127.0.0.1"}})
        self.sign_no = out["signinoutb"]["sign_no"]
        return self.sign_no

    def persons(self) -> list[dict[str, Any]]:
        status, body = self.control("GET", "/_sandbox/persons")
        assert status == 200
        return list(body)

    def person(self, pred: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        return next(p for p in self.persons() if pred(p))


@pytest.fixture
def config(tmp_path: Path) -> SandboxConfig:
    return SandboxConfig(paasid=PAASID, secret=SECRET, state_dir=tmp_path / "state", region="441900")


@pytest.fixture
def centre(config: SandboxConfig) -> Centre:
    return Centre(app=create_app(config))


@pytest.fixture
def live(config: SandboxConfig) -> Iterator[RunningSandbox]:
    with run_in_thread(config) as sb:
        yield sb


@pytest.fixture
def live_centre(live: RunningSandbox) -> Centre:
    return Centre(url=live.url)


_TRACE = itertools.count(1)


def trace_code() -> str:
    """A fresh 20-digit drug trace code (药品追溯码), unique in this test run."""
    return f"{time.time_ns() % 10**12:012d}{next(_TRACE):08d}"


def drug_line(sn: str, code: str, cnt: str, pric: str, **extra: Any) -> dict[str, Any]:
    """A drugdetail / feedetail row with det_item_fee_sumamt = cnt x pric; a 西药中成药 line carries a
    fresh trace code (``durg_trac_info``: Dongguan's 2102 demands one, 附件6)."""
    amount = (Decimal(cnt) * Decimal(pric)).quantize(Decimal("0.01"))
    row = {
        "feedetl_sn": sn,
        "rxno": "",
        "rx_circ_flag": "0",
        "fee_ocur_time": time.strftime("%Y-%m-%d %H:%M:%S"),
        "med_list_codg": code,
        "medins_list_codg": "HIS-" + code,
        "det_item_fee_sumamt": amount,
        "cnt": Decimal(cnt),
        "pric": Decimal(pric),
        "hosp_appr_flag": "1",
        "bilg_dept_codg": "A01",
        "bilg_dept_name": "内科",
        "bilg_dr_codg": "D0001",
        "bilg_dr_name": "测试医生",
    }
    entry = CATALOG.get(code)
    if entry is not None and entry["list_type"] == "101":
        row["durg_trac_info"] = [{"feedetl_sn": sn, "drug_trac_codg": trace_code(), "trdn_flag": "0"}]
    row.update(extra)
    return row
