"""3202's comparison in SQL: the HIS's rows (TEMP ``his``) against the centre's (TEMP ``centre``).

National baseline 【3202】 表151 and 重点说明 2, 7.  Both sides sit in TEMP tables of a read-only
connection (:meth:`yibao.sandbox.db.Database.reader`), so neither is ever held in memory;
amounts stay exact decimal TEXT and are compared as ``Decimal`` one row at a time.

Result rows, in this order:

1. one per HIS row, in file order: matched by (``setl_id``, ``refd_setl_flag``) with the
   centre's row: ``stmt_rslt`` 0, or 1 with memo 金额不符 when an amount differs; unmatched (or
   a repeat of a row already matched): 1 with memo 中心无此结算, the ``msgid`` of that
   ``setl_id`` if the centre knows it from elsewhere, and no centre amounts;
2. one per centre row the file lacks, in ledger order (forward rows by ``setl_time``, then
   reverse rows by ``cancel_time``): 1 with memo 医药机构无此结算 and the centre's amounts.

A reverse row (flag 1) carries the settlement's amounts negated (0 − x: never -0.00).
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from typing import IO

from .recon_files import result_line

__all__ = ["CENTRE_LACKS", "HIS_LACKS", "compare", "load_centre"]

HIS_LACKS = "医药机构无此结算"
CENTRE_LACKS = "中心无此结算"
_BATCH = 2000  # result lines written per write() call
ZERO = Decimal(0)


def load_centre(conn: sqlite3.Connection, code: str, clr_type: str, optins: str, lo: str, hi: str) -> None:
    """The centre's rows of a period and group into TEMP ``centre`` (forward, then reverse)."""
    conn.execute(
        "CREATE TEMP TABLE centre (seq INTEGER PRIMARY KEY, setl_id TEXT, flag TEXT, mdtrt_id TEXT, "
        "psn_no TEXT, msgid TEXT, medfee TEXT, fund TEXT, acct TEXT)"
    )
    cols = "mdtrt_id, psn_no, msgid, medfee_sumamt, fund_pay_sumamt, acct_pay"
    where = "fixmedins_code = ? AND clr_type = ? AND clr_optins = ?"
    insert = "INSERT INTO centre(setl_id, flag, mdtrt_id, psn_no, msgid, medfee, fund, acct) "
    conn.execute(
        insert + f"SELECT setl_id, '0', {cols} FROM settlements WHERE {where} "
        "AND state IN ('settled', 'cancelled') AND setl_time BETWEEN ? AND ? ORDER BY setl_time, setl_id",
        (code, clr_type, optins, lo, hi),
    )
    conn.execute(
        insert + f"SELECT setl_id, '1', {cols} FROM settlements WHERE {where} "
        "AND state = 'cancelled' AND cancel_time BETWEEN ? AND ? ORDER BY cancel_time, setl_id",
        (code, clr_type, optins, lo, hi),
    )
    conn.execute("CREATE INDEX centre_key ON centre(setl_id, flag)")


def _centre_amounts(flag: str, medfee: str, fund: str, acct: str) -> tuple[Decimal, Decimal, Decimal]:
    m, f, a = Decimal(medfee), Decimal(fund), Decimal(acct)
    if flag == "1":
        return ZERO - m, ZERO - f, ZERO - a
    return m, f, a


def compare(conn: sqlite3.Connection, code: str, out: IO[bytes]) -> int:
    """Write the result file's lines to ``out``; returns how many were written."""
    written = 0
    batch: list[bytes] = []

    def emit(line: bytes) -> None:
        nonlocal written
        batch.append(line)
        written += 1
        if len(batch) >= _BATCH:
            out.write(b"".join(batch))
            batch.clear()

    matched = conn.execute(
        "SELECT h.setl_id, h.mdtrt_id, h.psn_no, h.medfee, h.fund, h.acct, h.flag, "
        "c.mdtrt_id AS c_mdtrt, c.psn_no AS c_psn, c.msgid AS c_msgid, c.medfee AS c_medfee, "
        "c.fund AS c_fund, c.acct AS c_acct, c.seq AS c_seq, s.msgid AS known "
        "FROM his h LEFT JOIN centre c ON h.dup = 0 AND c.setl_id = h.setl_id AND c.flag = h.flag "
        "LEFT JOIN settlements s ON s.setl_id = h.setl_id AND s.fixmedins_code = ? ORDER BY h.seq",
        (code,),
    )
    for r in matched:
        if r["c_seq"] is None:
            emit(result_line(r["psn_no"], r["mdtrt_id"], r["setl_id"], r["known"] or "", "1", r["flag"],
                             CENTRE_LACKS, None))  # fmt: skip
            continue
        centre = _centre_amounts(r["flag"], r["c_medfee"], r["c_fund"], r["c_acct"])
        same = (Decimal(r["medfee"]), Decimal(r["fund"]), Decimal(r["acct"])) == centre
        emit(result_line(r["c_psn"], r["c_mdtrt"], r["setl_id"], r["c_msgid"], "0" if same else "1", r["flag"],
                         None if same else "金额不符", centre))  # fmt: skip
    missing = conn.execute(
        "SELECT c.* FROM centre c WHERE NOT EXISTS "
        "(SELECT 1 FROM his h WHERE h.setl_id = c.setl_id AND h.flag = c.flag) ORDER BY c.seq"
    )
    for r in missing:
        centre = _centre_amounts(r["flag"], r["medfee"], r["fund"], r["acct"])
        emit(result_line(r["psn_no"], r["mdtrt_id"], r["setl_id"], r["msgid"], "1", r["flag"], HIS_LACKS, centre))
    if batch:
        out.write(b"".join(batch))
    return written
