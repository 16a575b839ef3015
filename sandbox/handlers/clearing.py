"""The centre's 异地清分: 3260 提取, 3261 确认, 3262 确认回退 (Guangdong guide 004 §7, 表5-表9).

Which settlements are cleared: those of the institution in the settlement month (``trt_year``
/ ``trt_month`` of ``setl_time``) by persons insured elsewhere in the province (the region's
own locality rule), still settled (a cancelled or reversed settlement nets to nothing).

- 3260 pages by ``startrow`` (1-based; at most 100 rows a page, 重点说明 3), ordered by
  settlement time so that ``seqno`` is stable between pages.
- 3261 takes at most 100 ``detail`` rows a call (重点说明 2); each must be a row of that month;
  ``totalrow`` is the number of rows of this call or of the whole month (the guide's wording
  allows both).  ``optins_pay_sumamt`` is what the agency pays the institution: fund plus
  personal account.
- 3262 rolls back one 3261 by its ``inf_refmsgid`` (``otransid``), or every confirmation of the
  period with ``'0'``.

Confirmations live in ``sbx_clearing`` (created here on the store's connection).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from . import CallContext, Refusal, handler

__all__ = ["PAGE", "clearing_rows", "confirm", "extract", "rollback"]

PAGE = 100
_DDL = """
CREATE TABLE IF NOT EXISTS sbx_clearing (
    fixmedins_code TEXT NOT NULL, trt_ym TEXT NOT NULL, batch INTEGER NOT NULL, setl_sn TEXT NOT NULL,
    cnfm_flag TEXT NOT NULL, reply_serial INTEGER, received TEXT NOT NULL, msgid TEXT NOT NULL,
    refmsgid TEXT, rolled_back INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS sbx_clearing_ym ON sbx_clearing(fixmedins_code, trt_ym);
"""


def _schema(store: Any) -> None:
    # One statement at a time through execute(): executescript() would COMMIT the call's open
    # transaction, and a refusal must still roll everything back.
    for stmt in filter(None, (s.strip() for s in _DDL.split(";"))):
        store.execute(stmt)


def _period(inp: Mapping[str, Any]) -> tuple[str, str]:
    data = inp.get("data")
    if not isinstance(data, Mapping):
        raise Refusal("data: 缺少输入节点")
    year, month = str(data.get("trt_year") or ""), str(data.get("trt_month") or "")
    if not (len(year) == 4 and year.isdigit() and len(month) == 2 and month.isdigit() and "01" <= month <= "12"):
        raise Refusal("trt_year/trt_month: 结算年度为4位年份，结算月份格式为MM")
    return year, month


def clearing_rows(ctx: CallContext, year: str, month: str) -> list[dict[str, Any]]:
    """The month's rows as 3260 lists them (表6), numbered from 1."""
    rows = ctx.store.query(
        "SELECT s.*, p.certno, p.insuplc_admdvs FROM settlements s JOIN persons p USING (psn_no) "
        "WHERE s.fixmedins_code = ? AND s.state = 'settled' AND substr(s.setl_time, 1, 7) = ? "
        "ORDER BY s.setl_time, s.setl_id",
        (ctx.fixmedins_code, f"{year}-{month}"),
    )
    out: list[dict[str, Any]] = []
    for r in rows:
        if ctx.rules.classify(r["insuplc_admdvs"], ctx.region) != "province":
            continue
        out.append({
            "seqno": len(out) + 1, "mdtrtarea": ctx.region, "medins_no": ctx.fixmedins_code,
            "certno": r["certno"], "mdtrt_id": r["mdtrt_id"], "mdtrt_setl_time": r["setl_time"],
            "setl_sn": r["setl_id"], "fulamt_advpay_flag": "0", "medfee_sumamt": Decimal(r["medfee_sumamt"]),
            "optins_pay_sumamt": Decimal(r["fund_pay_sumamt"]) + Decimal(r["acct_pay"]),
        })  # fmt: skip
    return out


@handler("3260")
def extract(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    """【3260】 提取异地清分明细, one page of at most 100 rows from ``startrow``."""
    year, month = _period(inp)
    start = inp["data"].get("startrow")
    try:
        first = max(1, int(str(start)))
    except ValueError:
        raise Refusal("startrow: 开始行数必须是数值") from None
    rows = clearing_rows(ctx, year, month)
    return {"data": rows[first - 1 : first - 1 + PAGE]}


def _next_reply_serial() -> int | None:
    # The reply's inf_refmsgid is made after the handler returns; until the dispatcher hands it
    # to handlers, note the next serial of the reply counter (a lower bound of this reply's):
    # a 3262 otransid then maps to the last 3261 batch whose bound is not above its serial.
    from .. import envelope

    counter = getattr(envelope, "_serial", None)
    if not isinstance(counter, itertools.count):
        return None
    text = repr(counter)
    return int(text[text.index("(") + 1 : -1]) if text.startswith("count(") else None


@handler("3261", changes_state=True)
def confirm(ctx: CallContext, inp: Mapping[str, Any]) -> None:
    """【3261】 异地清分结果确认: at most 100 rows a call, each a row of the month."""
    _schema(ctx.store)
    year, month = _period(inp)
    detail = inp.get("detail")
    if not isinstance(detail, list) or not detail:
        raise Refusal("detail: 清分明细不能为空")
    if len(detail) > PAGE:
        raise Refusal(f"detail: 每批次上传明细数量不超过{PAGE}条")
    known = {r["setl_sn"]: r for r in clearing_rows(ctx, year, month)}
    total = inp["data"].get("totalrow")
    if str(total) not in (str(len(detail)), str(len(known))):
        raise Refusal(f"totalrow: 总行数[{total}]与本批明细数或本期清分总数不符")
    batch = ctx.store.next_seq(f"clearing:{ctx.fixmedins_code}")
    serial = _next_reply_serial()
    for row in detail:
        if not isinstance(row, Mapping):
            raise Refusal("detail: 每条明细必须是对象")
        sn = str(row.get("setl_sn") or "")
        if sn not in known:
            raise Refusal(f"setl_sn: 结算流水号[{sn}]不在{year}{month}的清分明细中")
        flag = str(row.get("cnfm_flag") or "")
        if flag not in ("0", "1"):
            raise Refusal("cnfm_flag: 确认标志只能是0或1")
        ctx.store.execute(
            "DELETE FROM sbx_clearing WHERE fixmedins_code = ? AND trt_ym = ? AND setl_sn = ? AND rolled_back = 0",
            (ctx.fixmedins_code, year + month, sn),
        )  # a later confirmation of the same row replaces the earlier one
        ctx.store.execute(
            "INSERT INTO sbx_clearing(fixmedins_code, trt_ym, batch, setl_sn, cnfm_flag, reply_serial, received, "
            "msgid, refmsgid) VALUES (?,?,?,?,?,?,?,?,?)",
            (ctx.fixmedins_code, year + month, batch, sn, flag, serial, ctx.now_text, ctx.msgid,
             getattr(ctx, "inf_refmsgid", None)),
        )  # fmt: skip


def _batch_of(ctx: CallContext, ym: str, otransid: str) -> int | None:
    rows = ctx.store.query(
        "SELECT DISTINCT batch, reply_serial, refmsgid FROM sbx_clearing "
        "WHERE fixmedins_code = ? AND trt_ym = ? AND rolled_back = 0 ORDER BY batch",
        (ctx.fixmedins_code, ym),
    )
    for r in rows:
        if r["refmsgid"] and r["refmsgid"] == otransid:
            return int(r["batch"])
    if len(otransid) != 30 or not otransid[-10:].isdigit():
        return None
    serial = int(otransid[-10:])
    best = None
    for r in rows:
        if r["reply_serial"] is not None and r["reply_serial"] <= serial:
            best = int(r["batch"])
    return best


@handler("3262", changes_state=True)
def rollback(ctx: CallContext, inp: Mapping[str, Any]) -> None:
    """【3262】 异地清分结果确认回退: one 3261 by ``otransid``, or the whole period with '0'."""
    _schema(ctx.store)
    year, month = _period(inp)
    otransid = str(inp["data"].get("otransid") or "")
    if not otransid:
        raise Refusal("otransid: 原交易流水号不能为空")
    ym = year + month
    if otransid == "0":
        n = ctx.store.execute(
            "UPDATE sbx_clearing SET rolled_back = 1 WHERE fixmedins_code = ? AND trt_ym = ? AND rolled_back = 0",
            (ctx.fixmedins_code, ym),
        ).rowcount
        if not n:
            raise Refusal(f"{ym}没有可回退的清分确认")
        return
    batch = _batch_of(ctx, ym, otransid)
    if batch is None:
        raise Refusal(f"otransid: 原交易[{otransid}]不存在或已回退")
    ctx.store.execute(
        "UPDATE sbx_clearing SET rolled_back = 1 WHERE fixmedins_code = ? AND trt_ym = ? AND batch = ?",
        (ctx.fixmedins_code, ym, batch),
    )


def confirmed(ctx_store: Any, fixmedins_code: str, ym: str) -> dict[str, str]:
    """``{setl_sn: cnfm_flag}`` of the live confirmations of a period (for tests and the control API)."""
    _schema(ctx_store)
    rows = ctx_store.query(
        "SELECT setl_sn, cnfm_flag FROM sbx_clearing WHERE fixmedins_code = ? AND trt_ym = ? AND rolled_back = 0",
        (fixmedins_code, ym),
    )
    return {r["setl_sn"]: r["cnfm_flag"] for r in rows}
