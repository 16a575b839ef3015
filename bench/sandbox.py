"""Throughput of the sandbox over loopback, next to a bare Starlette app on the same stack.

Run by hand (never in CI)::

    python bench/sandbox.py [--threads 8] [--seconds 5]

Each server runs in its own process (uvicorn, 127.0.0.1, a free port) so that the client
threads do not share a GIL with it.  Client: ``--threads`` threads, each with its own keep-alive
``httpx.Client``, signing every request (x-tif, fresh nonce) and using its own institution code
so that msgids stay unique.  Measured:

- 1101 requests per second (ID-card identification of a seeded person);
- 2101 + 2102 pairs per second (pre-settlement and settlement of a three-line basket);

each next to the bare app (parses the JSON, answers a fixed reply) driven by the same clients.
Goal: the sandbox's 1101 rate at least 0.6x the bare app's.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx

PAASID, SECRET = "bench", "bench-secret"
PATH = "/fsi/api/rsfComIfsService/callService"


# ---------------------------------------------------------------------- servers (child processes)


def _bare_app() -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    fixed = json.dumps({"infcode": 0, "err_msg": "", "output": {}}).encode()

    async def call(request: Request) -> Response:
        json.loads(await request.body())
        return Response(fixed, media_type="application/json")

    return Starlette(routes=[Route("/{path:path}", call, methods=["POST"])])


def _serve(kind: str, port: int) -> None:
    import tempfile
    from pathlib import Path

    import uvicorn

    if kind == "bare":
        app = _bare_app()
    else:
        from yibao.sandbox.app import create_app
        from yibao.sandbox.config import SandboxConfig

        app = create_app(SandboxConfig(paasid=PAASID, secret=SECRET, state_dir=Path(tempfile.mkdtemp())))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="off")


def _start(kind: str) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, __file__, "--serve", kind, "--port", str(port)])
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.post(url + "/ping", content=b"{}", timeout=1)
            return proc, url
        except httpx.TransportError:
            if time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"{kind} server did not start") from None
            time.sleep(0.1)


# ---------------------------------------------------------------------- clients


def _headers() -> dict[str, str]:
    ts = str(int(time.time()))
    nonce = uuid.uuid4().hex
    sig = hashlib.sha256((ts + SECRET + nonce + ts).encode()).hexdigest()
    return {
        "x-tif-paasid": PAASID,
        "x-tif-timestamp": ts,
        "x-tif-nonce": nonce,
        "x-tif-signature": sig,
        "content-type": "application/json",
    }


def _mark(obj: object) -> str:
    if isinstance(obj, Decimal):
        return f"@@{obj}@@"
    raise TypeError(type(obj).__name__)


def _dumps(obj: Any) -> bytes:
    """JSON with Decimal amounts as bare numbers of their exact digits (money never goes through float)."""
    return re.sub(r'"@@(-?[0-9.]+)@@"', r"\1", json.dumps(obj, ensure_ascii=False, default=_mark)).encode()


class Client:
    """One thread's client: its own institution, msgid sequence and keep-alive connection."""

    def __init__(self, url: str, n: int) -> None:
        self.url = url
        self.code = f"H4419000{n:04d}"
        self.http = httpx.Client(timeout=30)
        self.seq = itertools.count(1)
        self.sign_no = ""

    def call(self, infno: str, inp: dict[str, Any], **over: str) -> dict[str, Any]:
        env = {
            "infno": infno,
            "msgid": f"{self.code}{time.strftime('%Y%m%d%H%M%S')}{next(self.seq) % 10000:04d}",
            "mdtrtarea_admvs": "441900",
            "insuplc_admdvs": "",
            "recer_sys_code": "YBXT",
            "infver": "V1.0",
            "opter_type": "1",
            "opter": "0001",
            "opter_name": "压测",
            "inf_time": time.strftime("%Y-%m-%d %H:%M:%S"),
            "fixmedins_code": self.code,
            "fixmedins_name": "压测机构",
            "sign_no": self.sign_no,
            "input": inp,
        }
        env.update(over)
        r = self.http.post(self.url + PATH, content=_dumps(env), headers=_headers())
        body: dict[str, Any] = json.loads(r.content)
        return body


def _person(url: str) -> dict[str, Any]:
    persons = httpx.get(url + "/_sandbox/persons").json()
    return next(
        p
        for p in persons
        if p["insuplc_admdvs"] == "441900"
        and p["insutype"] == "310"
        and p["psn_cert_type"] == "01"
        and p["insuinfo"][0]["psn_insu_stas"] == "1"
    )


def _scenarios(p: dict[str, Any]) -> dict[str, Callable[[Client], None]]:
    q1101 = {
        "data": {
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": p["certno"],
            "psn_cert_type": "01",
            "certno": p["certno"],
            "psn_name": p["psn_name"],
        }
    }
    line = {"rxno": "", "rx_circ_flag": "0", "fee_ocur_time": "2024-06-01 10:00:00", "hosp_appr_flag": "1"}
    rows = [
        {
            **line,
            "feedetl_sn": "1",
            "med_list_codg": "SBXA01AAA0001",
            "medins_list_codg": "A1",
            "det_item_fee_sumamt": Decimal("25.00"),
            "cnt": Decimal("2"),
            "pric": Decimal("12.50"),
        },
        {
            **line,
            "feedetl_sn": "2",
            "med_list_codg": "SBXC08CAA0003",
            "medins_list_codg": "A2",
            "det_item_fee_sumamt": Decimal("45.00"),
            "cnt": Decimal("1"),
            "pric": Decimal("45.00"),
        },
    ]
    info = {
        "psn_no": p["psn_no"],
        "mdtrt_cert_type": "02",
        "mdtrt_cert_no": p["certno"],
        "psn_cert_type": "01",
        "certno": p["certno"],
        "begntime": "2024-06-01 10:00:00",
        "medfee_sumamt": Decimal("70.00"),
        "insutype": "310",
        "acct_used_flag": "0",
        "med_type": "41",
    }
    drug = {"druginfo": info, "drugdetail": rows}

    def identify(c: Client) -> None:
        assert c.call("1101", q1101)["infcode"] == 0

    def settle(c: Client) -> None:
        assert c.call("2101", drug, insuplc_admdvs="441900")["infcode"] == 0
        assert c.call("2102", drug, insuplc_admdvs="441900")["infcode"] == 0

    return {"1101": identify, "2101+2102": settle}


def _clients(url: str, threads: int, sign_in: bool) -> list[Client]:
    clients = [Client(url, n) for n in range(threads)]
    if sign_in:
        for c in clients:
            out = c.call("9001", {"signIn": {"opter_no": "0001", "mac": "00", "ip": "127.0.0.1"}})
            c.sign_no = out.get("output", {}).get("signinoutb", {}).get("sign_no", "")
    return clients


def _measure(clients: list[Client], seconds: float, work: Callable[[Client], None]) -> tuple[int, float]:
    """(requests done, elapsed seconds) of the clients' threads doing ``work`` for ``seconds``."""
    counts = [0] * len(clients)
    stop = time.monotonic() + seconds

    def run(i: int) -> None:
        while time.monotonic() < stop:
            work(clients[i])
            counts[i] += 1

    ts = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    start = time.monotonic()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sum(counts), time.monotonic() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=5.0, help="measured time per server and scenario")
    ap.add_argument("--rounds", type=int, default=5, help="alternating sandbox / bare rounds (evens out load changes)")
    ap.add_argument("--serve", choices=["bare", "sandbox"], help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        _serve(args.serve, args.port)
        return
    sandbox, sb_url = _start("sandbox")
    bare, bare_url = _start("bare")
    try:
        scen = _scenarios(_person(sb_url))

        def bare_work(c: Client) -> None:
            c.call("1101", {"data": {}})

        def bare_pair(c: Client) -> None:
            c.call("2101", {})
            c.call("2102", {})

        print(
            f"cores: {os.cpu_count()}  client threads: {args.threads}  seconds per server and scenario: "
            f"{args.seconds} in {args.rounds} alternating rounds"
        )
        results = {}
        for name, work, base in (("1101", scen["1101"], bare_work), ("2101+2102", scen["2101+2102"], bare_pair)):
            sb_clients = _clients(sb_url, args.threads, sign_in=name != "1101")
            bare_clients = _clients(bare_url, args.threads, sign_in=False)
            for c in sb_clients:  # warm-up: connections and first requests outside the clock
                work(c)
            for c in bare_clients:
                base(c)
            done = {"sandbox": [0, 0.0], "bare": [0, 0.0]}
            for _ in range(args.rounds):
                for key, clients, fn in (("sandbox", sb_clients, work), ("bare", bare_clients, base)):
                    n, t = _measure(clients, args.seconds / args.rounds, fn)
                    done[key][0] += n
                    done[key][1] += t
            for c in sb_clients + bare_clients:
                c.http.close()
            rate = done["sandbox"][0] / done["sandbox"][1]
            base_rate = done["bare"][0] / done["bare"][1]
            results[name] = (rate, base_rate)
            print(f"{name:>10}: sandbox {rate:8.1f}/s   bare app {base_rate:8.1f}/s   ratio {rate / base_rate:.2f}")
        ratio = results["1101"][0] / results["1101"][1]
        print(f"goal 1101 >= 0.6x bare: {'met' if ratio >= 0.6 else 'NOT met'} ({ratio:.2f})")
    finally:
        for proc in (sandbox, bare):
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    main()
