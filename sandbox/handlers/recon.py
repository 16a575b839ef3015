"""The centre's reconciliation: 3201 对总账 and 3202 对明细账.

National baseline 【3201】 (表146/147) and 【3202】 (表148-151); Guangdong guide 004 §6;
spec_reference.md §11.  The centre's side of a period is read from its ledger:

- a forward row for every settlement (settled or later cancelled) whose ``setl_time`` lies in
  the period, ``refd_setl_flag`` 0;
- a reverse row (flag 1, amounts negated, same ``setl_id``) for every cancel whose
  ``cancel_time`` lies in the period;
- a settlement reversed with 2601 never happened and is left out.

3201 compares the four totals of a group (险种 × 清算类别 × 结算经办机构) and answers
``stmt_rslt`` 0 (平) or 1 (不平) with the centre's figures in ``stmt_rslt_dscr``.  3202 has no
``insutype`` (表148), so it compares the uploaded file with every row of ``clr_type`` ×
``setl_optins`` and writes the result file (表151) of one row per settlement: stmt_rslt 0 or
1, a memo saying why, the original ``msgid`` and the centre's amounts (null where it has none).

Both read in their ``prepare`` step, outside the store's lock, through a read-only connection
of their own (:meth:`~yibao.sandbox.db.Database.reader`).  3202 streams the upload out of its
blob, through the ZIP checks (:mod:`yibao.sandbox.zipsafe`) and the centre's own reader
(:mod:`yibao.sandbox.recon_files`) into a TEMP table, compares in SQL, and writes the result
ZIP to a temporary file: a file of any size costs the same few megabytes, and the other
terminals' calls are answered meanwhile.  Only saving the result takes the lock.
"""

from __future__ import annotations

import io
import sqlite3
import tempfile
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import attrs

from ..db import BlobFile
from ..recon_compare import compare, load_centre
from ..recon_files import DetailFormatError, read_detail
from ..zipsafe import UnsafeZip, open_data_member
from . import CallContext, Refusal, handler

__all__ = ["detail_account", "total_account"]

D0 = Decimal("0.00")


def _text(inp: Mapping[str, Any], node: str, field: str) -> str:
    value = inp.get(node, {}).get(field) if isinstance(inp.get(node), Mapping) else None
    if value is None or value == "":
        raise Refusal(f"{field}: 不能为空")
    return str(value)


def _amount(inp: Mapping[str, Any], field: str) -> Decimal:
    value = inp["data"].get(field)
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise Refusal(f"{field}: 必须是数值")
    try:
        return Decimal(value)
    except ArithmeticError:
        raise Refusal(f"{field}: 必须是数值") from None


def _bounds(inp: Mapping[str, Any]) -> tuple[str, str]:
    begin, end = _text(inp, "data", "stmt_begndate"), _text(inp, "data", "stmt_enddate")
    if len(begin) != 10 or len(end) != 10 or begin > end:
        raise Refusal("stmt_begndate/stmt_enddate: 格式为yyyy-MM-dd且开始日期不晚于结束日期")
    return begin + " 00:00:00", end + " 23:59:59"


# ---------------------------------------------------------------------- 3201


def _total_prepare(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    insutype = _text(inp, "data", "insutype")
    clr_type = _text(inp, "data", "clr_type")
    optins = _text(inp, "data", "setl_optins")
    lo, hi = _bounds(inp)
    theirs = (_amount(inp, "medfee_sumamt"), _amount(inp, "fund_pay_sumamt"), _amount(inp, "acct_pay"))
    cnt = _amount(inp, "fixmedins_setl_cnt")
    medfee = fund = acct = D0
    n = 0
    with ctx.store.reader() as conn:
        conn.execute("BEGIN")  # one snapshot for both passes
        for sign, r in _centre_amounts(conn, ctx.fixmedins_code, clr_type, optins, insutype, lo, hi):
            medfee += sign * Decimal(r[0])
            fund += sign * Decimal(r[1])
            acct += sign * Decimal(r[2])
            n += sign
        conn.execute("COMMIT")
    balanced = theirs == (medfee, fund, acct) and cnt == n
    dscr = (
        "对账平" if balanced
        else f"对账不平: 中心医疗费总额{medfee} 基金支付{fund} 个人账户{acct} 笔数{n}"
    )  # fmt: skip
    return {"stmtinfo": {"setl_optins": optins, "stmt_rslt": "0" if balanced else "1", "stmt_rslt_dscr": dscr}}


def _centre_amounts(
    conn: sqlite3.Connection, code: str, clr_type: str, optins: str, insutype: str, lo: str, hi: str
) -> Iterator[tuple[int, sqlite3.Row]]:
    where = "fixmedins_code = ? AND clr_type = ? AND clr_optins = ? AND insutype = ?"
    params = (code, clr_type, optins, insutype, lo, hi)
    cols = "medfee_sumamt, fund_pay_sumamt, acct_pay"
    sql = f"SELECT {cols} FROM settlements WHERE {where} AND state IN ('settled', 'cancelled') "
    for r in conn.execute(sql + "AND setl_time BETWEEN ? AND ?", params):
        yield 1, r
    sql = f"SELECT {cols} FROM settlements WHERE {where} AND state = 'cancelled' AND cancel_time BETWEEN ? AND ?"
    for r in conn.execute(sql, params):
        yield -1, r


@handler("3201", prepare=_total_prepare)
def total_account(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    """【3201】 医药机构费用结算对总账 (computed in the prepare step)."""
    result: Mapping[str, Any] = ctx.prepared
    return result


# ---------------------------------------------------------------------- 3202


@attrs.define
class _Result:
    """The result ZIP waiting in a temporary directory for the handler to keep it."""

    workdir: tempfile.TemporaryDirectory[str]
    path: Path
    filename: str

    def close(self) -> None:
        self.workdir.cleanup()


def _upload_rowid(conn: sqlite3.Connection, ctx: CallContext, qury: str) -> int:
    row = conn.execute(
        "SELECT rowid, kind, fixmedins_code FROM files WHERE file_qury_no = ?", (qury,)
    ).fetchone()
    if row is None or row["kind"] != "upload" or row["fixmedins_code"] != ctx.fixmedins_code:
        raise Refusal(f"file_qury_no: 文件查询号[{qury}]不存在")
    return int(row["rowid"])


@attrs.define
class _Totals:
    medfee: Decimal = D0
    net: int = 0


def _load_his(conn: sqlite3.Connection, rowid: int) -> tuple[Decimal, int]:
    """Stream the upload into TEMP table ``his``; returns (medfee total, net count)."""
    conn.execute(
        "CREATE TEMP TABLE his (seq INTEGER PRIMARY KEY, setl_id TEXT, mdtrt_id TEXT, psn_no TEXT, "
        "medfee TEXT, fund TEXT, acct TEXT, flag TEXT, dup INTEGER NOT NULL DEFAULT 0)"
    )
    totals = _Totals()

    def rows(member: IO[bytes]) -> Iterator[tuple[Any, ...]]:
        for r in read_detail(member):
            totals.medfee += r.medfee_sumamt
            totals.net += -1 if r.refd_setl_flag == "1" else 1
            yield (r.line, r.setl_id, r.mdtrt_id, r.psn_no, str(r.medfee_sumamt), str(r.fund_pay_sumamt),
                   str(r.acct_pay), r.refd_setl_flag)  # fmt: skip

    try:
        with (
            conn.blobopen("files", "data", rowid, readonly=True) as blob,
            open_data_member(io.BufferedReader(BlobFile(blob), 1 << 16)) as member,
        ):
            conn.executemany(
                "INSERT INTO his(seq, setl_id, mdtrt_id, psn_no, medfee, fund, acct, flag) VALUES (?,?,?,?,?,?,?,?)",
                rows(member),
            )
    except (UnsafeZip, DetailFormatError) as exc:
        raise Refusal(f"file_qury_no: 明细文件无法解析: {exc}") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:  # a damaged archive, found while inflating
        raise Refusal(f"file_qury_no: 明细文件无法解析: 压缩包已损坏({type(exc).__name__})") from None
    conn.execute("CREATE INDEX his_key ON his(setl_id, flag)")
    # Only the first row of a (setl_id, flag) meets the centre's row; a repeat is one it lacks.
    conn.execute("UPDATE his SET dup = 1 WHERE seq NOT IN (SELECT MIN(seq) FROM his GROUP BY setl_id, flag)")
    return totals.medfee, totals.net


def _detail_prepare(ctx: CallContext, inp: Mapping[str, Any]) -> _Result:
    clr_type = _text(inp, "data", "clr_type")
    optins = _text(inp, "data", "setl_optins")
    qury = _text(inp, "data", "file_qury_no")
    lo, hi = _bounds(inp)
    want_medfee, want_cnt = _amount(inp, "medfee_sumamt"), _amount(inp, "fixmedins_setl_cnt")
    filename = f"{ctx.fixmedins_code}_{clr_type}_{optins}_{lo[:10].replace('-', '')}_result"
    workdir = tempfile.TemporaryDirectory(prefix="yibao-sandbox-3202-")
    try:
        result = _Result(workdir, Path(workdir.name) / (filename + ".zip"), filename + ".zip")
        with ctx.store.reader() as conn:
            conn.execute("BEGIN")
            medfee, net = _load_his(conn, _upload_rowid(conn, ctx, qury))
            # 表148 totals describe the file: refuse a file that does not add up to them.
            if medfee != want_medfee or net != want_cnt:
                raise Refusal("medfee_sumamt/fixmedins_setl_cnt: 与明细文件汇总不符")
            load_centre(conn, ctx.fixmedins_code, clr_type, optins, lo, hi)
            with zipfile.ZipFile(result.path, "w", zipfile.ZIP_DEFLATED) as zf, zf.open(
                filename + ".txt", "w", force_zip64=True
            ) as out:
                compare(conn, ctx.fixmedins_code, out)
            conn.execute("ROLLBACK")  # only TEMP tables were written
    except BaseException:
        workdir.cleanup()
        raise
    return result


@handler("3202", prepare=_detail_prepare)
def detail_account(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    """【3202】 医药机构费用结算对明细账: keep the result file the prepare step wrote."""
    result: _Result = ctx.prepared
    with result.path.open("rb") as src:
        qury = ctx.store.save_file_from(ctx.fixmedins_code, result.filename, src, result.path.stat().st_size,
                                        file_qury_no=ctx.ids.file_qury_no(), kind="result",
                                        created_time=ctx.now_text)  # fmt: skip
    return {
        "fileinfo": {
            "file_qury_no": qury,
            "filename": result.filename,
            "dld_endtime": (ctx.now + timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S"),
        }
    }
