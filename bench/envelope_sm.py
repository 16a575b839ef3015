"""Benchmark: the SM4 / SM2 envelope of a 6201 with 20 fee lines, next to the x-tif envelope.

SM (online_settlement.md §3): canonical JSON + SM4-ECB of it + SM3withSM2 over the signed
string (``yibao.core.gm.build_request``) + the JSON body.  x-tif, in the same run, of the same
content: compact JSON encode (``yibao.core.wire``) + one sha256 over timestamp + secret + nonce
+ timestamp, as ``core/gateway.py`` does.  Rounds alternate and each keeps its best, so that a
noisy neighbour on a 2-core machine does not decide the ratio.  Run by hand::

    python bench/envelope_sm.py            # BENCH_ROUNDS=5 BENCH_SECONDS=2 by default
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from yibao.core import gm, wire
from yibao.core.gateway import TifSignatureAuth

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "2"))


def make_6201() -> dict[str, Any]:
    """A 6201 费用明细上传 with 20 fee lines; field names from online_settlement.md §4.1."""
    lines = [{
        "feedetlSn": f"{i + 1:04d}", "mdtrtId": "", "psnNo": "35020000000000000001", "chrgBchno": "CB0001",
        "rxno": f"RX{i:04d}", "rxCircFlag": "0", "feeOcurTime": "2026-11-22 08:00:00",
        "medListCodg": f"XA01AAA{i:07d}", "medinsListCodg": f"YP{i:05d}", "detItemFeeSumamt": Decimal("12.30"),
        "cnt": Decimal("3"), "pric": Decimal("4.10"), "sinDosDscr": "每次1粒", "usedFrquDscr": "每日3次",
        "prdDays": Decimal("7"), "medcWayDscr": "口服", "bilgDeptCodg": "D01", "bilgDeptName": "互联网医院门诊",
        "bilgDrCodg": "D350200000001", "bilgDrName": "李医生", "acordDeptCodg": "D01",
        "acordDeptName": "互联网医院门诊",
        "ordersDrCode": "D350200000001", "ordersDrName": "李医生", "hospApprFlag": "1", "medType": "11",
        "medListName": "阿莫西林胶囊", "medListSpc": "0.25g*24粒",
    } for i in range(20)]
    return {
        "payAuthNo": "AUTH0000000000000001", "orgCodg": "H35020000001", "insuCode": "350200",
        "psnNo": "35020000000000000001", "insutype": "310", "idNo": "350203199001011234", "userName": "张三",
        "idType": "01", "uldLatlnt": "118.03,24.48", "mdtrtCertType": "02", "medOrgOrd": "MO202611220001",
        "chrgBchno": "CB0001", "iptOtpNo": "MZ0001", "begntime": "2026-11-22 08:00:00", "medType": "11",
        "feeType": "01", "psnSetlway": "01", "pubHospRfomFlag": "0", "deptCode": "D01", "deptName": "互联网医院门诊",
        "caty": "A01", "medfeeSumamt": Decimal("246.00"), "atddrNo": "D350200000001", "drName": "李医生",
        "diseinfoList": [{"diagType": "1", "diagSrtNo": "1", "diagCode": "J06.900", "diagName": "急性上呼吸道感染",
                          "diagDept": "互联网医院门诊", "diseDorNo": "D350200000001", "diseDorName": "李医生",
                          "diagTime": "2026-11-22 08:00:00", "valiFlag": "1"}],
        "feedetailList": lines,
    }


def best_rate(fn: Callable[[int], object], seconds: float) -> float:
    """Messages per second over one timed stretch of at least ``seconds``."""
    n, t0 = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - t0) < seconds:
        fn(n)
        n += 1
    return n / elapsed


def main() -> None:
    private, _ = gm.sm2_generate_keypair()
    _, platform = gm.sm2_generate_keypair()
    creds = gm.Credentials("BENCHAPP00000000000000000000001", "bench-secret", private, platform)
    auth = TifSignatureAuth("bench", "bench-secret")
    data = make_6201()
    signed = gm.sign_string({"appId": creds.app_id, "data": gm.canonical_json(data), "encType": "SM4",
                             "signType": "SM2", "timestamp": "1700000000000", "version": "1.0.0"}, creds.app_secret)

    def sm_once(i: int) -> bytes:
        return gm.encode_body(gm.build_request(data, creds))

    def xtif_once(i: int) -> bytes:
        body = wire.dumps_bytes({"infno": "6201", "msgid": f"H35020000001202611220800{i % 10000:04d}00",
                                 "input": {"data": data}})
        auth.headers()
        return body

    def seal_once(i: int) -> bytes:
        key = gm.derive_sm4_key(creds.app_id, creds.app_secret)
        return gm.sm4_ecb_encrypt(key, gm.canonical_json(data).encode())

    def sign_once(i: int) -> bytes:
        return gm.sm2_sign(creds.private_key, signed.encode(), public_key=creds.public_key)

    runs: dict[str, Callable[[int], object]] = {
        "x-tif: JSON + sha256 signature": xtif_once,
        "SM: build + encrypt + sign (all)": sm_once,
        "  of which canonical JSON + SM4": seal_once,
        "  of which SM3withSM2 sign": sign_once,
    }
    for fn in runs.values():  # warm up
        best_rate(fn, 0.2)
    best: dict[str, float] = {}
    for _ in range(ROUNDS):
        for name, fn in runs.items():
            best[name] = max(best.get(name, 0.0), best_rate(fn, SECONDS))
    body = sm_once(0)
    print(f"cores: {os.cpu_count()}  rounds: {ROUNDS} x {SECONDS:g} s, best round each; "
          f"6201 with {len(data['feedetailList'])} fee lines: JSON {len(gm.canonical_json(data).encode())} B, "
          f"signed string {len(signed.encode())} B, SM body {len(body)} B")
    for name, rate in best.items():
        print(f"{name:36s} {rate:10.1f} msg/s  ({1e6 / rate:9.1f} µs/msg)")
    ratio = best["x-tif: JSON + sha256 signature"] / best["SM: build + encrypt + sign (all)"]
    print(f"the SM envelope is {ratio:.0f}x slower than the x-tif one (x-tif / SM messages per second)")


if __name__ == "__main__":
    main()
