"""What a transaction does to the centre's books, and the money rules: one table for each.

A transaction's ``kind`` drives journaling and reversal:

- ``money``: settlements, their undo and the reversal 2601 -- 2102, 2103, 2207, 2208, 2304, 2305,
  2601.  These are journaled and, when the outcome is unknown, reversed with 2601.
- ``session``: 9001 签到 / 9002 签退.
- ``file``: 9101 文件上传 / 9102 文件下载.
- ``query``: nothing changes at the centre -- every 1xxx (incl. 100001), 2001, every 5xxx, the
  pre-settlements 2101 / 2206 / 2303 (they compute, nothing is booked), 3201 / 3202 (they
  compare books, they do not change them), 3260 (extracts the 清分 list), and any other
  transaction whose name says 查询 / 下载 / 获取 / 试算.
- ``state``: everything else changes state without moving money itself: registrations, uploads,
  2201-2205, 2301/2302, 2401-2405, 35xx, 4xxx, 3261 / 3262 ...

``changes_state`` is ``kind in ("money", "state")``.

The settlement table (:data:`SETTLEMENTS`: 2102 药店结算, 2207 门诊结算, 2304 住院结算 with their
pre-settlement and their cancel, national baseline 【2101】-【2305】) is the only place that names
them; the journal, the reversal queue, reconciliation and clearing read it from here.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

__all__ = [
    "CANCELS",
    "CANCEL_INFNOS",
    "CHARGES",
    "KINDS",
    "MONEY_COLUMNS",
    "NATIONAL_CLR_TYPE",
    "REVERSAL_INFNO",
    "REVERSIBLE",
    "SETTLEMENTS",
    "SETTLEMENT_AND_CANCEL_INFNOS",
    "SETTLEMENT_INFNOS",
    "TOTALS",
    "SettlementRule",
    "changes_state",
    "institution_kind_of",
    "kind_of",
]

KINDS = ("query", "state", "money", "file", "session")


@attrs.frozen
class SettlementRule:
    """A settlement transaction, the institution kind that sends it, its 预结算 and its 撤销."""

    infno: str
    institution_kind: str  # pharmacy | clinic | hospital
    pre: str
    cancel: str


#: 2102 药店结算 (after 2101), 2207 门诊结算 (after 2206), 2304 住院结算 (after 2303).
SETTLEMENTS: Mapping[str, SettlementRule] = {
    "2102": SettlementRule("2102", "pharmacy", pre="2101", cancel="2103"),
    "2207": SettlementRule("2207", "clinic", pre="2206", cancel="2208"),
    "2304": SettlementRule("2304", "hospital", pre="2303", cancel="2305"),
}
#: cancel infno -> the settlement it undoes (2103 -> 2102, 2208 -> 2207, 2305 -> 2304).
CANCELS: Mapping[str, str] = {rule.cancel: rule.infno for rule in SETTLEMENTS.values()}
SETTLEMENT_INFNOS = frozenset(SETTLEMENTS)
CANCEL_INFNOS = frozenset(CANCELS)
#: in the baseline's order (2102, 2103, 2207, 2208, 2304, 2305): what the ledger and 3201 read.
SETTLEMENT_AND_CANCEL_INFNOS = tuple(i for rule in SETTLEMENTS.values() for i in (rule.infno, rule.cancel))
#: 【2601】 冲正交易: ``omsgid`` = the original's msgid, ``oinfno`` = its infno.
REVERSAL_INFNO = "2601"
#: What an unknown outcome is reversed for by default (a region profile may say otherwise):
#: settlements, cancels and 2401 入院办理 (the baseline's 2601 lists it among the reversible ones).
REVERSIBLE = frozenset({*SETTLEMENT_INFNOS, *CANCEL_INFNOS, "2401"})
#: 元, two decimals: the amounts of a settlement reply's ``setlinfo`` the journal keeps.
MONEY_COLUMNS = ("medfee_sumamt", "fund_pay_sumamt", "acct_pay", "psn_cash_pay")
#: Transactions that charge: outpatient fee upload, pre-settlements and settlements.  Their
#: amounts and counts are never negative: a refund is a transaction of its own (2103 / 2208 /
#: 2305, 2205 / 2302), never a charge with a minus sign.  2301 is not one of them: its table 91
#: says 退单时数量填写负数 (a returned line goes with a negative ``cnt``), and the 异地 2166 /
#: 2167 fee lines carry negative 退药 rows the same way.
CHARGES = frozenset({"2204", *(i for rule in SETTLEMENTS.values() for i in (rule.pre, rule.infno))})
#: A transaction whose total must equal the sum of its detail lines (both in the same message):
#: infno -> (total node, total field, detail node, detail field).
TOTALS: Mapping[str, tuple[str, str, str, str]] = {
    "2101": ("druginfo", "medfee_sumamt", "drugdetail", "det_item_fee_sumamt"),
    "2102": ("druginfo", "medfee_sumamt", "drugdetail", "det_item_fee_sumamt"),
}
#: The national default 清算类别 by institution kind (41 药店购药, 11 普通门诊, 21 住院).
NATIONAL_CLR_TYPE: Mapping[str, str] = {"pharmacy": "41", "clinic": "11", "hospital": "21"}

_MONEY = frozenset({*SETTLEMENT_INFNOS, *CANCEL_INFNOS, REVERSAL_INFNO})
_SESSION = frozenset({"9001", "9002"})
_FILE = frozenset({"9101", "9102"})
_QUERY = frozenset({"2001", "3201", "3202", "3260", *(rule.pre for rule in SETTLEMENTS.values())})
_QUERY_WORDS = ("查询", "下载", "获取", "试算")


def kind_of(infno: str, name: str = "") -> str:
    """The kind of ``infno`` (rule in the module docstring); ``name`` is its Chinese name."""
    if infno in _MONEY:
        return "money"
    if infno in _SESSION:
        return "session"
    if infno in _FILE:
        return "file"
    if infno in _QUERY or infno[:1] in ("1", "5"):
        return "query"
    if any(word in name for word in _QUERY_WORDS):
        return "query"
    return "state"


def changes_state(kind: str) -> bool:
    """Money and state transactions change the centre's state (and are journaled)."""
    return kind in ("money", "state")


def institution_kind_of(infno: str) -> str | None:
    """``pharmacy`` / ``clinic`` / ``hospital`` for a settlement or cancel, else ``None``."""
    rule = SETTLEMENTS.get(CANCELS.get(infno, infno))
    return rule.institution_kind if rule else None
