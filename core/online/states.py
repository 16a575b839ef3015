"""The online order's state machine and the centre's ``ordStas`` dictionary.

``ordStas`` (online_settlement.md §4.6, [C]): 0 已保存 · 1 预结算完成 · 2 待支付 · 3 自费完成 ·
4 医保支付完成 · 5 院内结算完成 · 6 结算完成 · 7 已退款 · 8 医保全部退款 · 9 仅自费全部退款 ·
10 仅自费部分退款 · 11 医保全退自费部分退 · 12 已撤销 · 13 医保已撤销 · 14 异常 · 15 结算失败 ·
16 医保结算失败自费冲正失败 · 17 退款中.  :func:`category` groups them by what the institution may
do next: an order that is ``pending`` is undone by 6401, one that is ``paid`` by 6203.

The local states of an order (``online_orders.state``)::

    NEW ──6201──> UPLOADED ──6202──> ORDERED ──(patient pays; 6302 / 6301)──> SETTLED ──6203──> REFUNDED
      │             │  └──6401──> CANCELLED        └──6401──> CANCELLED          └─ part ──> PART_REFUNDED
      └ lost ─> UPLOAD_UNKNOWN   └ lost ─> ORDER_UNKNOWN ──6301──> (what the centre says)
                                    6203 lost ─> REFUND_UNKNOWN, 6401 lost ─> CANCEL_UNKNOWN

An ``*_UNKNOWN`` state is left only by what the centre says (6301, a pushed 6302, a repeated
6203 with the same ``appRefdSn``); nothing is undone blindly.  ``FAILED`` (the centre reports
14-16) and ``NEEDS_ATTENTION`` (reports that disagree) wait for a person.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

__all__ = ["MONEY_INTERFACES", "ORD_STAS", "Category", "OrderState", "category", "rank"]

ORD_STAS: dict[str, str] = {
    "0": "已保存", "1": "预结算完成", "2": "待支付", "3": "自费完成", "4": "医保支付完成", "5": "院内结算完成",
    "6": "结算完成", "7": "已退款", "8": "医保全部退款", "9": "仅自费全部退款", "10": "仅自费部分退款",
    "11": "医保全退自费部分退", "12": "已撤销", "13": "医保已撤销", "14": "异常", "15": "结算失败",
    "16": "医保结算失败自费冲正失败", "17": "退款中",
}  # fmt: skip

Category = Literal["pending", "paid", "refunding", "refunded", "part_refunded", "cancelled", "failed", "unknown"]

_CATEGORIES: dict[str, Category] = {
    **dict.fromkeys(("0", "1", "2"), "pending"),
    **dict.fromkeys(("3", "4", "5", "6"), "paid"),
    **dict.fromkeys(("7", "8", "9"), "refunded"),
    **dict.fromkeys(("10", "11"), "part_refunded"),
    **dict.fromkeys(("12", "13"), "cancelled"),
    **dict.fromkeys(("14", "15", "16"), "failed"),
    "17": "refunding",
}

#: the messages that move money or undo an order: one of them open per order at a time
MONEY_INTERFACES = frozenset({"6202", "6203", "6401"})


def category(ord_stas: object) -> Category:
    """What an ``ordStas`` means for the institution (``unknown`` for a code not in the dictionary)."""
    return _CATEGORIES.get(str(ord_stas).strip(), "unknown")


class OrderState(StrEnum):
    NEW = "NEW"
    UPLOAD_UNKNOWN = "UPLOAD_UNKNOWN"
    UPLOADED = "UPLOADED"
    ORDER_UNKNOWN = "ORDER_UNKNOWN"
    ORDERED = "ORDERED"
    SETTLED = "SETTLED"
    REFUND_UNKNOWN = "REFUND_UNKNOWN"
    PART_REFUNDED = "PART_REFUNDED"
    REFUNDED = "REFUNDED"
    CANCEL_UNKNOWN = "CANCEL_UNKNOWN"
    CANCELLED = "CANCELLED"
    FAILED = "FAILED"
    NEEDS_ATTENTION = "NEEDS_ATTENTION"

    @property
    def unknown(self) -> bool:
        """An outcome the centre has not told us yet."""
        return self.value.endswith("_UNKNOWN")

    @property
    def final(self) -> bool:
        return self in (OrderState.REFUNDED, OrderState.CANCELLED)


#: how far an order has come: a report never moves an order back (a stale 6302 after a
#: refund leaves it refunded)
_RANK = {
    OrderState.NEW: 0, OrderState.UPLOAD_UNKNOWN: 1, OrderState.UPLOADED: 2, OrderState.ORDER_UNKNOWN: 3,
    OrderState.ORDERED: 4, OrderState.SETTLED: 5, OrderState.REFUND_UNKNOWN: 6, OrderState.PART_REFUNDED: 7,
    OrderState.REFUNDED: 8, OrderState.CANCEL_UNKNOWN: 5, OrderState.CANCELLED: 8, OrderState.FAILED: 8,
    OrderState.NEEDS_ATTENTION: 9,
}  # fmt: skip


def rank(state: OrderState | str) -> int:
    return _RANK[OrderState(state)]


#: the local state a report of each category puts an order in
FROM_CATEGORY: dict[Category, OrderState] = {
    "pending": OrderState.ORDERED,
    "paid": OrderState.SETTLED,
    "refunding": OrderState.REFUND_UNKNOWN,
    "refunded": OrderState.REFUNDED,
    "part_refunded": OrderState.PART_REFUNDED,
    "cancelled": OrderState.CANCELLED,
    "failed": OrderState.FAILED,
}
