"""What the centre reports about an order (6202's answer, a 6301 answer, a pushed 6302 or 6204),
reconciled into one outcome; and what is left to refund.

One order has one outcome whoever tells it first.  A report

- must add up itself: ``feeSumamt`` = ``ownPayAmt`` + ``psnAcctPay`` + ``fundPay``;
- must agree with the split the order already has (6202's, or an earlier report's): the first
  report of the money wins, a later one that says the same is noted as agreeing, and one that
  says otherwise moves the order to ``NEEDS_ATTENTION`` and raises an alert (money is never
  overwritten silently);
- never moves an order back (a stale 6302 after a refund leaves it refunded), except to
  resolve an ``*_UNKNOWN`` state, which only the centre can: after a lost 6202 an ``ordStas`` 0
  says the order was never placed (back to ``UPLOADED``), 1 / 2 that it was (``ORDERED``),
  3-6 that it is paid (``SETTLED``).  A lost 6203 is resolved by sending the same refund again
  (same ``appRefdSn``), never by a report: 6301 does not say which part was refunded.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs
import structlog

from .states import FROM_CATEGORY, OrderState, category, rank
from .store import OnlineStore, utc_now

__all__ = ["Applied", "Refundable", "Report", "Split", "apply_report", "refundable"]

log = structlog.get_logger("yibao.online")

_ZERO = Decimal("0.00")


def _amount(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool | float):
        raise TypeError(f"amount {value!r} is not exact")
    return Decimal(str(value))


@attrs.frozen
class Split:
    """How an order's total is paid: cash (``ownPayAmt``), personal account, fund."""

    fee_sumamt: Decimal
    own_pay_amt: Decimal
    psn_acct_pay: Decimal
    fund_pay: Decimal

    @property
    def adds_up(self) -> bool:
        return self.fee_sumamt == self.own_pay_amt + self.psn_acct_pay + self.fund_pay

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Split | None:
        """From a report (6302 spells the cash part ``ownpayAmt``); ``None`` when it carries none."""
        own = data.get("ownPayAmt", data.get("ownpayAmt"))
        values = [_amount(data.get("feeSumamt")), _amount(own), _amount(data.get("psnAcctPay")),
                  _amount(data.get("fundPay"))]
        if any(v is None for v in values):
            return None
        fee, cash, acct, fund = (v if v is not None else _ZERO for v in values)
        return cls(fee, cash, acct, fund)

    @classmethod
    def of_row(cls, row: Mapping[str, Any]) -> Split | None:
        if row.get("fee_sumamt") is None or row.get("own_pay_amt") is None:
            return None
        return cls(row["fee_sumamt"], row["own_pay_amt"], row["psn_acct_pay"], row["fund_pay"])

    def columns(self) -> dict[str, Decimal]:
        return attrs.asdict(self)


@attrs.frozen
class Report:
    """One report of the centre about an order."""

    source: str  # 6202 | 6301 | 6302 | 6204
    pay_ord_id: str
    ord_stas: str
    split: Split | None
    trace_time: str = ""
    setl_type: str = ""

    @classmethod
    def of(cls, source: str, data: Mapping[str, Any]) -> Report:
        stas = str(data.get("ordStas") or "")
        if not stas and source == "6302" and str(data.get("callType", "")).lstrip("0") == "2":
            stas = "6"  # 6302 表304: callType 02 支付成功回调 (the only one it is sent for)
        if not stas and source == "6204":
            stas = "2"  # 订单信息同步: the order confirmed, not yet paid
        return cls(source=source, pay_ord_id=str(data.get("payOrdId") or ""), ord_stas=stas, split=Split.of(data),
                   trace_time=str(data.get("traceTime") or ""), setl_type=str(data.get("setlType") or ""))


@attrs.frozen
class Applied:
    """What a report did to the order."""

    state: str
    changed: bool
    conflict: bool
    note: str


def _target(current: OrderState, report: Report) -> OrderState | None:
    cat = category(report.ord_stas)
    if cat == "unknown":
        return None
    if current is OrderState.REFUND_UNKNOWN:
        return None  # resolved by the same 6203 again, not by a report
    if current is OrderState.ORDER_UNKNOWN and report.ord_stas == "0":
        return OrderState.UPLOADED  # the 6202 never took effect
    if current is OrderState.CANCEL_UNKNOWN and cat == "pending":
        return OrderState.ORDERED if report.ord_stas in ("1", "2") else OrderState.UPLOADED  # the 6401 did not
    target = FROM_CATEGORY[cat]
    if target is OrderState.REFUND_UNKNOWN:
        return None  # 17 退款中: wait for the outcome
    if current.unknown or rank(target) > rank(current):
        return target
    return None


def apply_report(store: OnlineStore, order: Mapping[str, Any], report: Report) -> Applied:
    """Reconcile ``report`` into ``order`` (its row); one transaction, compare-and-set on the state."""
    current = OrderState(order["state"])
    known = Split.of_row(order)
    split = report.split
    problems: list[str] = []
    if split is not None and not split.adds_up:
        problems.append(f"{report.source} split does not add up: {split}")
    if split is not None and known is not None and split != known:
        problems.append(f"{report.source} split {split} differs from the order's {known}")
    values: dict[str, Any] = {"updated_at": utc_now()}
    if problems:
        note = "; ".join(problems)
        log.error("online_report_conflict", med_org_ord=order["med_org_ord"], source=report.source, problem=note)
        changed = store.update("online_orders", {"med_org_ord": order["med_org_ord"]},
                               {**values, "ord_stas": report.ord_stas or order.get("ord_stas"),
                                "state": OrderState.NEEDS_ATTENTION.value,
                                "notes": _note(order, f"CONFLICT {note}")}, [current.value])
        return Applied(OrderState.NEEDS_ATTENTION.value, changed, True, note)
    target = _target(current, report)
    if split is not None and known is None:
        values.update(split.columns())
    if report.trace_time:
        values["trace_time"] = report.trace_time
    if report.setl_type:
        values["setl_type"] = report.setl_type
    agree = f"{report.source} ordStas {report.ord_stas}" + (" agrees" if known is not None and split else "")
    if target is None:
        if report.ord_stas and not order.get("ord_stas"):
            values["ord_stas"] = report.ord_stas  # a stale report never rewrites the centre's last word
        store.update("online_orders", {"med_org_ord": order["med_org_ord"]},
                     {**values, "notes": _note(order, agree)}, [current.value])
        return Applied(current.value, False, False, agree)
    if target is OrderState.SETTLED and not order.get("settled_by"):
        values["settled_by"] = report.source
    values["ord_stas"] = report.ord_stas
    with store.transaction():
        changed = store.update("online_orders", {"med_org_ord": order["med_org_ord"]},
                               {**values, "state": target.value, "notes": _note(order, agree)}, [current.value])
        if changed and current.unknown:
            _resolve_messages(store, order["med_org_ord"], f"resolved by {report.source} ordStas {report.ord_stas}")
    return Applied(target.value if changed else current.value, changed, False, agree)


def _resolve_messages(store: OnlineStore, med_org_ord: str, why: str) -> None:
    """The order's UNKNOWN money message is known now: RESOLVED, with why."""
    for msg in store.many("online_messages", med_org_ord=med_org_ord, state="UNKNOWN"):
        if msg["interface"] in ("6202", "6401"):
            store.update("online_messages", {"msg_id": msg["msg_id"]},
                         {"state": "RESOLVED", "err_msg": why, "outcome_at": utc_now()}, ["UNKNOWN"])


def _note(order: Mapping[str, Any], text: str) -> str:
    lines = [line for line in str(order.get("notes") or "").splitlines() if line][-20:]
    return "\n".join([*lines, f"{utc_now()[:19]} {text}"])


@attrs.frozen
class Refundable:
    """What may still be refunded of a settled order (completed and in-flight refunds counted)."""

    cash: Decimal
    acct: Decimal
    fund: Decimal

    @property
    def total(self) -> Decimal:
        return self.cash + self.acct + self.fund


def refundable(store: OnlineStore, order: Mapping[str, Any]) -> Refundable:
    """The settled split less every refund done, in flight or unknown (so two refunds racing, or
    one whose answer was lost, can never take more than the settlement)."""
    split = Split.of_row(order)
    if split is None:
        return Refundable(_ZERO, _ZERO, _ZERO)
    cash = split.own_pay_amt - order["refd_cash"]
    acct = split.psn_acct_pay - order["refd_acct"]
    fund = split.fund_pay - order["refd_fund"]
    for msg in store.many("online_messages", med_org_ord=order["med_org_ord"], interface="6203"):
        if msg["state"] in ("INTENT", "SENT", "UNKNOWN"):
            cash -= msg["refd_cash"] or _ZERO
            acct -= msg["refd_acct"] or _ZERO
            fund -= msg["refd_fund"] or _ZERO
    return Refundable(cash, acct, fund)
