"""Benchmark: yibao against bare HTTP posts of the same bytes, over loopback (issue 4).

Run by hand, never in CI: ``python bench/settle.py`` (``BENCH_N`` sets the rounds).

The sandbox runs in a child process (uvicorn, no access log) so that its work does not share
this process's interpreter.  Two legs, bare and yibao calls taken in turn (best of three rounds):

(a) 1101 人员信息获取: ``client.call`` (prepare, validate, msgid from the journal, envelope,
    x-tif signature, classification) versus a keep-alive ``httpx.Client`` posting the same
    envelope bytes with the same x-tif signing (:class:`TifSignatureAuth`); the bare side's
    envelope is built, untimed, right before its post (see :func:`paired`).  Goal: ratio
    yibao / bare >= 0.9.
(b) 2101 药店预结算 + 2102 药店结算: ``client.pharmacy.settle`` with the durable SQLite journal
    (WAL, synchronous=FULL: an fsync per commit; INTENT+SENT and the outcome of the 2102 are two
    commits) versus the bare posts of the same two envelopes.  Goal: ratio >= 0.66.  The two
    commits bound the ratio at ``bare / (bare + 2 × commit)``: printed from the fsync time and the
    bare pair measured in the same run.

Printed: both ratios, the absolute rates, the bound of (b) and the machine's core count.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from yibao.core import (
    Call,
    Client,
    FeeItem,
    Identity,
    Medium,
    TifSignatureAuth,
    configure_logging,
    parse_config,
    wire_time,
)

N = int(os.environ.get("BENCH_N", "300"))
ROUNDS = 3
PAASID = "bench"
SECRET = "bench-secret-not-for-production"
SECRET_ENV = "YIBAO_BENCH_SECRET"
CODE = "H44190000001"

SERVER = """
import sys, uvicorn
from pathlib import Path
from yibao.sandbox.app import create_app
from yibao.sandbox.config import SandboxConfig
cfg = SandboxConfig(paasid=sys.argv[2], secret=sys.argv[3], state_dir=Path(sys.argv[4]), region="441900")
uvicorn.run(create_app(cfg), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning",
            access_log=False, lifespan="off")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_sandbox(state: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port), PAASID, SECRET, str(state)])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the sandbox did not start")


def bare_client() -> httpx.Client:
    return httpx.Client(auth=TifSignatureAuth(PAASID, SECRET), timeout=30,
                        headers={"Content-Type": "application/json;charset=utf-8"})


def paired(n: int, bare: Callable[[int], object], yibao: Callable[[int], object],
           setup: Callable[[int], object] | None = None) -> tuple[float, float]:
    """Rates (per second) of ``bare`` and ``yibao``, called in turn one after the other, so that
    a busy machine slows both alike; each side's slowest 5 % are left out (scheduler stalls).
    ``setup(i)`` runs, untimed, right before ``bare(i)``: it builds the bare side's envelopes of
    that moment (msgid and times), so both sides send the centre the same bytes *as of the moment
    they are sent* -- envelopes built ahead carry stale times that the centre handles faster,
    which would favour the bare side."""
    tb: list[float] = []
    ty: list[float] = []
    for i in range(n):
        if setup is not None:
            setup(i)
        t0 = time.perf_counter()
        bare(i)
        t1 = time.perf_counter()
        yibao(i)
        t2 = time.perf_counter()
        tb.append(t1 - t0)
        ty.append(t2 - t1)
    keep = max(1, int(n * 0.95))
    return keep / sum(sorted(tb)[:keep]), keep / sum(sorted(ty)[:keep])


class JustInTime:
    """The bare side's envelope of one transaction, built right before it is posted (:func:`paired`)."""

    def __init__(self, client: Client, infno: str, data: dict[str, Any], insuplc: str, sign_no: str = "",
                 terminal: str = "T02") -> None:
        self.engine, self.infno, self.insuplc, self.sign_no = client.engine, infno, insuplc, sign_no
        self.terminal = terminal  # the bare side's own msgid range
        self.input = client.engine.prepare(Call(infno, data)).input
        self.body = b""

    def __call__(self, i: int) -> None:
        e = self.engine
        msgid = e.journal.allocate_msgid(CODE, self.terminal)
        self.body = e.envelopes.build(infno=self.infno, msgid=msgid, input=self.input, now=e.now(),
                                      insuplc_admdvs=self.insuplc, sign_no=self.sign_no).encode()


def post_all(http: httpx.Client, url: str, bodies: JustInTime) -> Callable[[int], None]:
    def one(i: int) -> None:
        r = http.post(url, content=bodies.body)
        if r.status_code != 200 or b'"infcode":0' not in r.content:
            raise RuntimeError(f"bare post refused: {r.status_code} {r.content[:200]!r}")
    return one


def durable_commit_ms(path: Path, n: int = 100) -> float:
    """Milliseconds per journal step (INTENT, SENT, outcome: one fsynced commit each) on this disk."""
    from yibao.core.journal import State, open_journal
    from yibao.core.masking import mask_input

    body = {"druginfo": {"psn_no": "P1"}}
    with open_journal(f"sqlite:///{path}") as j:
        t0 = time.perf_counter()
        for _ in range(n):
            m = j.allocate_msgid(CODE, "T01")
            j.record_intent(msgid=m, infno="2102", region="441900", fixmedins_code=CODE, opter="0001",
                            terminal="T01", input_full=body, input_masked=mask_input(body), kind="money")
            j.mark_sent(m)
            j.record_outcome(m, State.SUCCEEDED, output={})
        return (time.perf_counter() - t0) / n / 3 * 1000


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="yibao-bench-") as tmp:
        work = Path(tmp)
        proc, url = start_sandbox(work / "sandbox")
        try:
            run(url, work)
        finally:
            proc.terminate()
            proc.wait(10)


def run(url: str, work: Path) -> None:
    # As the CLI runs: warnings and errors logged (redacted), the per-message info lines not.
    configure_logging(level="WARNING")
    os.environ[SECRET_ENV] = SECRET
    cfg = parse_config({
        "region": "441900",
        "gateway": {"url": url, "paasid": PAASID, "secret_env": SECRET_ENV},
        "institution": {"fixmedins_code": CODE, "fixmedins_name": "基准测试药店", "mdtrtarea_admvs": "441900",
                        "kind": "pharmacy"},
        "operator": {"opter": "0001", "opter_name": "基准"},
        "journal": {"url": f"sqlite:///{work / 'journal.db'}"},
        "reversal": {"delay_seconds": 0},
    }, source="bench")
    control = httpx.Client(base_url=url, timeout=10)
    persons = [p for p in control.get("/_sandbox/persons").json()
               if str(p.get("insuplc_admdvs", "")).startswith("4419") and p.get("psn_cert_type") == "01"]
    drug = next(c for c in control.get("/_sandbox/catalog").json() if c.get("chrgitm_lv") == "01")
    control.close()
    with Client(cfg) as client, bare_client() as http:
        path = url + client.engine.path_for("1101")
        person: Identity = client.identify(Medium.id_card(persons[0]["certno"]))
        sign_no = client.sessions.current_sign_no()
        q = {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": person.certno, "psn_cert_type": "01",
                      "certno": person.certno, "psn_name": "", "card_sn": "", "begntime": "2026-11-22 08:00:00"}}
        for _ in range(20):  # warm both paths: connections, catalogue caches
            client.call("1101", q)
        yb1, bare1 = [], []
        for _ in range(ROUNDS):
            # the same bytes yibao sends: a query carries the day's sign_no once there is one
            bodies = JustInTime(client, "1101", q, person.insuplc_admdvs, sign_no)
            b, y = paired(N, post_all(http, path, bodies),
                          lambda i: client.call("1101", q, insuplc_admdvs=person.insuplc_admdvs), setup=bodies)
            bare1.append(b)
            yb1.append(y)

        line = [FeeItem(feedetl_sn="1", med_list_codg=drug["med_list_codg"], medins_list_codg="HIS00001",
                        cnt=Decimal("1"), pric=Decimal("3.20"))]
        now = client.engine.now()
        data = {"druginfo": {"psn_no": person.psn_no, **person.cert_fields(),
                             "begntime": wire_time(now), "medfee_sumamt": sum(i.amount for i in line),
                             "insutype": person.insutype, "acct_used_flag": "0", "med_type": "",
                             "dise_codg": "", "dise_name": ""},
                "drugdetail": [i.row(now) for i in line]}
        n2 = max(1, N // 2)
        yb2, bare2 = [], []
        for _ in range(ROUNDS):
            pre = JustInTime(client, "2101", data, person.insuplc_admdvs, sign_no)
            fin = JustInTime(client, "2102", data, person.insuplc_admdvs, sign_no)
            post_pre = post_all(http, path.replace("1101", "2101"), pre)
            post_fin = post_all(http, path.replace("1101", "2102"), fin)

            def build(i: int, pre: JustInTime = pre, fin: JustInTime = fin) -> None:
                pre(i)
                fin(i)

            def pair(i: int, post_pre: Callable[[int], None] = post_pre,
                     post_fin: Callable[[int], None] = post_fin) -> None:
                post_pre(i)
                post_fin(i)

            b, y = paired(n2, pair, lambda i: client.pharmacy.settle(person, line), setup=build)
            bare2.append(b)
            yb2.append(y)

    commit_ms = durable_commit_ms(work / "scratch.db")
    r1, r2 = max(yb1) / max(bare1), max(yb2) / max(bare2)
    pair_ms = 1000 / max(bare2)
    bound = pair_ms / (pair_ms + 2 * commit_ms)
    print(f"cores: {os.cpu_count()}  (sandbox in its own process, loopback; best of {ROUNDS} rounds)")
    print(f"(a) 1101       yibao {max(yb1):8.1f}/s  bare {max(bare1):8.1f}/s  ratio {r1:.2f}  (goal >= 0.9)")
    print(f"(b) 2101+2102  yibao {max(yb2):8.1f}/s  bare {max(bare2):8.1f}/s  ratio {r2:.2f}  (goal >= 0.66)"
          "  [settlements per second, durable SQLite journal]")
    print(f"    bound of (b): 2 fsynced commits per settlement (INTENT+SENT, outcome) of {commit_ms:.2f} ms each "
          f"on this disk, the bare pair {pair_ms:.2f} ms: at most {bound:.2f}x")


if __name__ == "__main__":
    main()
