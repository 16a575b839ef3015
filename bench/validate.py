"""Benchmark: local validation of a 2102 with 20 drug details, each with a trace code (issue 10).

Validation runs on every call before anything is sent, so it must stay a small part of the
engine's budget (build + validate + sign + encode within 2x of ``json.dumps`` + sha256, see
bench/envelope.py).  Baseline, measured in the same run: the same dict through ``json.dumps``
plus one sha256.  Run by hand: ``python bench/validate.py``; it never runs as a timed test.
"""

from __future__ import annotations

import hashlib
import json
import os
import timeit
from decimal import Decimal
from typing import Any

from yibao.core.catalog import load_catalog, validate

N = int(os.environ.get("BENCH_N", "2000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))


def make_input(rows: int = 20, bill: int = 0) -> dict[str, Any]:
    """Bill ``bill`` of the run: its own time (the validator remembers the texts it found valid,
    so a run of one repeated message would measure only the memo)."""
    at = f"2026-11-22 {8 + bill // 3600 % 12:02d}:{bill // 60 % 60:02d}:{bill % 60:02d}"
    details = [{
        "feedetl_sn": str(i + 1), "rxno": "", "rx_circ_flag": "0", "fee_ocur_time": at,
        "med_list_codg": f"XA01AAA{i:07d}", "medins_list_codg": f"YP{i:05d}", "det_item_fee_sumamt": Decimal("12.30"),
        "cnt": Decimal("3"), "pric": Decimal("4.1"),
        "durg_trac_info": [{"feedetl_sn": str(i + 1), "drug_trac_codg": "8" * 20, "trdn_flag": "0"}],
    } for i in range(rows)]
    return {"druginfo": {"psn_no": "44000000000000000001", "mdtrt_cert_type": "02",
                         "mdtrt_cert_no": "44010219900101123X", "begntime": at,
                         "medfee_sumamt": Decimal("12.30") * rows, "insutype": "310", "acct_used_flag": "1",
                         "med_type": "41"},
            "drugdetail": details}


def main() -> None:
    cat = load_catalog()
    data = make_input()
    issues = validate(cat, "2102", data)
    assert issues == [], issues

    def best(fn: Any) -> float:
        return min(timeit.repeat(fn, number=N, repeat=ROUNDS)) / N

    bills = iter([make_input(bill=b) for b in range(1, N * ROUNDS + 1)])  # a new bill for every call
    checked = best(lambda: validate(cat, "2102", next(bills)))
    baseline = best(lambda: hashlib.sha256(json.dumps(data, default=str).encode()).hexdigest())
    print(f"validate 2102 x20 rows: {checked * 1e6:.1f} us/call")
    print(f"baseline json.dumps + sha256: {baseline * 1e6:.1f} us/call")
    print(f"ratio: {checked / baseline:.2f}x the baseline (budget: well under 2x, see bench/envelope.py)")


if __name__ == "__main__":
    main()
