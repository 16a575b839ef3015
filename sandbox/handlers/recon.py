"""The centre's reconciliation: 3201 对总账 and 3202 对明细账.

National baseline 【3201】 (表146/147) and 【3202】 (表148-151); Guangdong guide 004 §6;
spec_reference.md §11.  The centre's side of a period is read from the ledger the same way
the client builds its side (``yibao.core.workflows.recon_groups``):

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
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator, Mapping
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from yibao.core.files import FileLimits, UnsafeFileError, open_member
from yibao.core.workflows.recon_files import DetailRow, FileFormatError, ResultRow, read_detail, write_result

from . import CallContext, Refusal, handler

__all__ = ["centre_rows", "detail_account", "total_account"]

D0 = Decimal("0.00")
HIS_LACKS = "医药机构无此结算"
CENTRE_LACKS = "中心无此结算"


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


def centre_rows(
    ctx: CallContext, lo: str, hi: str, clr_type: str, setl_optins: str, insutype: str | None = None
) -> Iterator[tuple[DetailRow, str]]:
    """The centre's (row, msgid) of a period and group, forward rows then reverse rows."""
    where = "fixmedins_code = ? AND clr_type = ? AND clr_optins = ?"
    params: list[Any] = [ctx.fixmedins_code, clr_type, setl_optins]
    if insutype is not None:
        where += " AND insutype = ?"
        params.append(insutype)
    cols = "setl_id, mdtrt_id, psn_no, msgid, medfee_sumamt, fund_pay_sumamt, acct_pay"
    for r in ctx.store.query(
        f"SELECT {cols} FROM settlements WHERE {where} AND state IN ('settled', 'cancelled') "
        "AND setl_time BETWEEN ? AND ? ORDER BY setl_time, setl_id",
        [*params, lo, hi],
    ):
        yield _row(r), r["msgid"]
    for r in ctx.store.query(
        f"SELECT {cols} FROM settlements WHERE {where} AND state = 'cancelled' "
        "AND cancel_time BETWEEN ? AND ? ORDER BY cancel_time, setl_id",
        [*params, lo, hi],
    ):
        yield _row(r).reverse(), r["msgid"]


def _row(r: Mapping[str, Any]) -> DetailRow:
    return DetailRow(r["setl_id"], r["mdtrt_id"], r["psn_no"], Decimal(r["medfee_sumamt"]),
                     Decimal(r["fund_pay_sumamt"]), Decimal(r["acct_pay"]))  # fmt: skip


@handler("3201")
def total_account(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    """【3201】 医药机构费用结算对总账."""
    insutype = _text(inp, "data", "insutype")
    clr_type = _text(inp, "data", "clr_type")
    optins = _text(inp, "data", "setl_optins")
    lo, hi = _bounds(inp)
    theirs = (_amount(inp, "medfee_sumamt"), _amount(inp, "fund_pay_sumamt"), _amount(inp, "acct_pay"))
    cnt = _amount(inp, "fixmedins_setl_cnt")
    medfee = fund = acct = D0
    n = 0
    for row, _ in centre_rows(ctx, lo, hi, clr_type, optins, insutype):
        medfee += row.medfee_sumamt
        fund += row.fund_pay_sumamt
        acct += row.acct_pay
        n += -1 if row.refd_setl_flag == "1" else 1
    balanced = theirs == (medfee, fund, acct) and cnt == n
    dscr = (
        "对账平" if balanced
        else f"对账不平: 中心医疗费总额{medfee} 基金支付{fund} 个人账户{acct} 笔数{n}"
    )  # fmt: skip
    rslt = "0" if balanced else "1"
    return {"stmtinfo": {"setl_optins": optins, "stmt_rslt": rslt, "stmt_rslt_dscr": dscr}}


def _uploaded_rows(ctx: CallContext, qury: str) -> list[DetailRow]:
    row = ctx.store.get_file(qury)
    if row is None or row["kind"] != "upload" or row["fixmedins_code"] != ctx.fixmedins_code:
        raise Refusal(f"file_qury_no: 文件查询号[{qury}]不存在")
    limits = FileLimits(max_member_bytes=256 * 1024 * 1024)
    tmp = Path(ctx.store.path).parent / f".upload-{qury}.zip"
    tmp.write_bytes(bytes(row["data"]))
    try:
        with open_member(tmp, limits) as f:
            return list(read_detail(f))
    except (UnsafeFileError, FileFormatError, zipfile.BadZipFile) as exc:
        raise Refusal(f"file_qury_no: 明细文件无法解析: {exc}") from None
    finally:
        tmp.unlink(missing_ok=True)


@handler("3202")
def detail_account(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    """【3202】 医药机构费用结算对明细账: compare the uploaded file, write the result file."""
    clr_type = _text(inp, "data", "clr_type")
    optins = _text(inp, "data", "setl_optins")
    qury = _text(inp, "data", "file_qury_no")
    lo, hi = _bounds(inp)
    his = _uploaded_rows(ctx, qury)
    # 表148 totals describe the file: refuse a file that does not add up to them.
    medfee = sum((r.medfee_sumamt for r in his), D0)
    net = sum(-1 if r.refd_setl_flag == "1" else 1 for r in his)
    if medfee != _amount(inp, "medfee_sumamt") or net != _amount(inp, "fixmedins_setl_cnt"):
        raise Refusal("medfee_sumamt/fixmedins_setl_cnt: 与明细文件汇总不符")
    mine: dict[tuple[str, str], tuple[DetailRow, str]] = {}
    for row, msgid in centre_rows(ctx, lo, hi, clr_type, optins):
        mine[(row.setl_id, row.refd_setl_flag)] = (row, msgid)
    out: list[ResultRow] = []
    for h in his:
        c = mine.pop((h.setl_id, h.refd_setl_flag), None)
        if c is None:
            known = ctx.store.settlement(ctx.fixmedins_code, h.setl_id)
            out.append(ResultRow(h.psn_no, h.mdtrt_id, h.setl_id, str(known["msgid"]) if known else "", "1",
                                 h.refd_setl_flag,
                                 CENTRE_LACKS, None, None, None))  # fmt: skip
            continue
        row, msgid = c
        same = (h.medfee_sumamt, h.fund_pay_sumamt, h.acct_pay) == (
            row.medfee_sumamt, row.fund_pay_sumamt, row.acct_pay)  # fmt: skip
        out.append(ResultRow(row.psn_no, row.mdtrt_id, row.setl_id, msgid, "0" if same else "1",
                             row.refd_setl_flag, None if same else "金额不符", row.medfee_sumamt,
                             row.fund_pay_sumamt, row.acct_pay))  # fmt: skip
    for row, msgid in mine.values():
        out.append(ResultRow(row.psn_no, row.mdtrt_id, row.setl_id, msgid, "1", row.refd_setl_flag, HIS_LACKS,
                             row.medfee_sumamt, row.fund_pay_sumamt, row.acct_pay))  # fmt: skip
    txt = io.BytesIO()
    write_result(out, txt)
    filename = f"{ctx.fixmedins_code}_{clr_type}_{optins}_{lo[:10].replace('-', '')}_result"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(filename + ".txt", txt.getvalue())
    result_qury = ctx.store.save_file(ctx.fixmedins_code, filename + ".zip", buf.getvalue(),
                                      file_qury_no=ctx.ids.file_qury_no(), kind="result",
                                      created_time=ctx.now_text)  # fmt: skip
    return {
        "fileinfo": {
            "file_qury_no": result_qury,
            "filename": filename + ".zip",
            "dld_endtime": (ctx.now + timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S"),
        }
    }
