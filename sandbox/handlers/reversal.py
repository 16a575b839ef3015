"""2601 冲正交易 (spec_reference §10; reliability.md cases 1-4).

Input ``data``: ``psn_no``, ``omsgid`` (the original request's msgid), ``oinfno``.

- 2102 / 2207 / 2304: the settlement made by ``omsgid`` is undone (state ``reversed``, the
  account payment comes back).  Its fee lines: 2102 gone with the purchase; 2207 unsettled
  again; 2304 void, the stay back to ``discharged`` (Yunnan §1.11.6: the HIS then calls 2405
  and uploads 2301 again with new ``feedetl_sn``);
- 2103 / 2208 / 2305: the cancel made by ``omsgid`` is undone (the settlement stands again and
  the account pays again);
- 2401: the admission is void (refused once a settlement of the stay stands);
- a second 2601 for the same original: infcode 0, err_msg "原交易已冲正" (harmless);
- an unknown original: refused with "原交易不存在";
- ``reversal_delay`` (config): the centre refuses to reverse what it committed less than that
  many seconds ago ("原交易处理中"), like a real centre still busy with the original.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .. import trace_book
from ..books import fees, node, req, set_fees, update_visit, visit
from . import CallContext, Refusal, handler

__all__: list[str] = []

_SETTLEMENTS = ("2102", "2207", "2304")
_CANCELS = {"2103": "2102", "2208": "2207", "2305": "2304"}


def _check_delay(ctx: CallContext, omsgid: str) -> None:
    if ctx.config.reversal_delay <= 0:
        return
    row = ctx.store.query_one(
        "SELECT call_time FROM calls WHERE fixmedins_code = ? AND msgid = ?", (ctx.fixmedins_code, omsgid)
    )
    if row is None:
        return
    made = datetime.strptime(row["call_time"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=ctx.now.tzinfo)
    if (ctx.now - made).total_seconds() < ctx.config.reversal_delay:
        raise Refusal("原交易处理中，请稍后再冲正")


def _reverse_settlement(ctx: CallContext, omsgid: str, oinfno: str, psn_no: str) -> None:
    row = ctx.store.settlement_by_msgid(ctx.fixmedins_code, omsgid)
    if row is None or row["infno"] != oinfno:
        raise Refusal(f"原交易不存在(omsgid={omsgid}, oinfno={oinfno})")
    if row["psn_no"] != psn_no:
        raise Refusal("data.psn_no: 人员编号与原交易不符")
    if row["state"] == "cancelled":
        raise Refusal("原交易已撤销(结算撤销)，不能冲正")
    if row["acct_pay"]:
        ctx.store.adjust_balance(psn_no, row["acct_pay"])
    ctx.store.update_settlement(
        row["setl_id"], state="reversed", reversal_msgid=ctx.msgid, reversed_time=ctx.now_text
    )
    mdtrt_id = row["mdtrt_id"]
    if oinfno == "2102":
        set_fees(ctx.store, mdtrt_id, "reversed", where_state=("settled",), only_setl_id=row["setl_id"])
        update_visit(ctx.store, mdtrt_id, state="reversed")
        trace_book.release_sale(ctx, row["setl_id"])
    elif oinfno == "2207":
        set_fees(ctx.store, mdtrt_id, "uploaded", where_state=("settled",), only_setl_id=row["setl_id"])
    else:
        set_fees(ctx.store, mdtrt_id, "reversed", where_state=("settled",), only_setl_id=row["setl_id"])
        update_visit(ctx.store, mdtrt_id, state="discharged")


def _reverse_cancel(ctx: CallContext, omsgid: str, oinfno: str, psn_no: str) -> None:
    row = ctx.store.settlement_by_cancel_msgid(ctx.fixmedins_code, omsgid)
    if row is None or row["cancel_infno"] != oinfno or row["state"] != "cancelled":
        raise Refusal(f"原交易不存在(omsgid={omsgid}, oinfno={oinfno})")
    if row["psn_no"] != psn_no:
        raise Refusal("data.psn_no: 人员编号与原交易不符")
    if row["acct_pay"]:
        if ctx.store.balance(psn_no) < row["acct_pay"]:
            raise Refusal("个人账户余额不足，不能冲正该撤销交易")
        ctx.store.adjust_balance(psn_no, -row["acct_pay"])
    ctx.store.update_settlement(
        row["setl_id"],
        state="settled",
        cancel_setl_id=None,
        cancel_msgid=None,
        cancel_infno=None,
        cancel_time=None,
    )
    mdtrt_id = row["mdtrt_id"]
    from_state = "cancelled" if oinfno == "2103" else "uploaded"
    set_fees(
        ctx.store,
        mdtrt_id,
        "settled",
        where_state=(from_state,),
        setl_id=row["setl_id"],
        only_setl_id=row["setl_id"] if oinfno == "2103" else None,
    )
    if oinfno in ("2103", "2305"):
        update_visit(ctx.store, mdtrt_id, state="settled")


def _reverse_admission(ctx: CallContext, omsgid: str, psn_no: str) -> None:
    row = ctx.store.query_one(
        "SELECT mdtrt_id FROM visits WHERE fixmedins_code = ? AND created_msgid = ? AND kind = 'hospital'",
        (ctx.fixmedins_code, omsgid),
    )
    v = visit(ctx.store, ctx.fixmedins_code, row["mdtrt_id"]) if row else None
    if v is None:
        raise Refusal(f"原交易不存在(omsgid={omsgid}, oinfno=2401)")
    if v["psn_no"] != psn_no:
        raise Refusal("data.psn_no: 人员编号与原交易不符")
    if v["state"] == "settled" or fees(ctx.store, v["mdtrt_id"], states=("settled",)):
        raise Refusal("该住院已结算，不能冲正入院办理")
    set_fees(ctx.store, v["mdtrt_id"], "reversed", where_state=("uploaded",))
    update_visit(ctx.store, v["mdtrt_id"], state="reversed")


@handler("2601", changes_state=True)
def reverse(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    data = node(inp, "data")
    psn_no = req(data, "psn_no")
    omsgid = req(data, "omsgid")
    oinfno = req(data, "oinfno")
    done = ctx.store.query_one(
        "SELECT oinfno FROM reversals WHERE fixmedins_code = ? AND omsgid = ?", (ctx.fixmedins_code, omsgid)
    )
    if done is not None:
        ctx.message = "原交易已冲正"
        return {}
    _check_delay(ctx, omsgid)
    if oinfno in _SETTLEMENTS:
        _reverse_settlement(ctx, omsgid, oinfno, psn_no)
    elif oinfno in _CANCELS:
        _reverse_cancel(ctx, omsgid, oinfno, psn_no)
    elif oinfno == "2401":
        _reverse_admission(ctx, omsgid, psn_no)
    else:
        raise Refusal(f"data.oinfno: 交易[{oinfno}]不支持冲正")
    ctx.store.execute(
        "INSERT INTO reversals(fixmedins_code, omsgid, oinfno, msgid, reversed_time) VALUES (?,?,?,?,?)",
        (ctx.fixmedins_code, omsgid, oinfno, ctx.msgid, ctx.now_text),
    )
    return {}
