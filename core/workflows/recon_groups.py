"""The HIS side of a reconciliation: journal entries turned into 3201 groups and 3202 rows.

【3201】 重点说明 2 and 【3202】 重点说明 2/6 (national baseline 表146-151; spec_reference.md §11):

- the period is matched against the centre's settlement time (``setl_time``), not ours;
- a group is ``insutype`` × ``clr_type`` × ``setl_optins`` (the settlement's ``clr_optins``);
- succeeded settlements (2102 / 2207 / 2304) are forward rows (``refd_setl_flag`` 0);
- succeeded cancels (2103 / 2208 / 2305) are reverse rows (flag 1, amounts negated) of the
  settlement they cancel, keyed by that settlement's ``setl_id``, at the cancel's time;
- an entry reversed with 2601 never happened, and one whose outcome is still unknown is not
  counted: the detail diff will show it at the centre with our ``msgid`` if it committed.

Totals are net: amounts summed with reverse rows negative, the count is forward rows minus
reverse rows.  The sandbox's 3201 (``yibao.sandbox.handlers.recon``) counts the same way.

The ``clr_type`` is the one the centre returned with the settlement when the journal has it
(the centre books by it); otherwise it comes from the region's ``RegionProfile.clr_types``
(Dongguan: pharmacy 41 local / 9904 elsewhere in the province; clinic 11 / 9903), then the
national default by transaction (:data:`yibao.core.catalog.kinds.NATIONAL_CLR_TYPE`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

import attrs

from ..catalog.kinds import CANCEL_INFNOS, NATIONAL_CLR_TYPE
from ..catalog.kinds import SETTLEMENT_INFNOS as SETTLE_INFNOS
from .recon_files import DetailRow

__all__ = [
    "CANCEL_INFNOS",
    "NATIONAL_CLR_TYPE",
    "SETTLE_INFNOS",
    "GroupKey",
    "GroupTotals",
    "SettlementEntry",
    "cancelled_setl_id",
    "his_rows",
    "totals_by_group",
]

SUCCEEDED = "SUCCEEDED"


class SettlementEntry(Protocol):
    """What the journal gives for one money entry (``Journal.settlements``)."""

    @property
    def msgid(self) -> str: ...
    @property
    def infno(self) -> str: ...
    @property
    def state(self) -> Any: ...
    @property
    def psn_no(self) -> str | None: ...
    @property
    def mdtrt_id(self) -> str | None: ...
    @property
    def setl_id(self) -> str | None: ...
    @property
    def insutype(self) -> str | None: ...
    @property
    def clr_type(self) -> str | None: ...
    @property
    def clr_optins(self) -> str | None: ...
    @property
    def medfee_sumamt(self) -> Decimal | None: ...
    @property
    def fund_pay_sumamt(self) -> Decimal | None: ...
    @property
    def acct_pay(self) -> Decimal | None: ...


class GroupKey(NamedTuple):
    """One 3201 call: 险种 × 清算类别 × 结算经办机构."""

    insutype: str
    clr_type: str
    setl_optins: str


@attrs.define
class GroupTotals:
    """Net totals of one group, as 3201 sends them."""

    key: GroupKey
    medfee_sumamt: Decimal = Decimal("0.00")
    fund_pay_sumamt: Decimal = Decimal("0.00")
    acct_pay: Decimal = Decimal("0.00")
    count: int = 0
    forward: int = 0
    reverse: int = 0

    def add(self, row: DetailRow) -> None:
        self.medfee_sumamt += row.medfee_sumamt
        self.fund_pay_sumamt += row.fund_pay_sumamt
        self.acct_pay += row.acct_pay
        if row.refd_setl_flag == "1":
            self.reverse += 1
            self.count -= 1
        else:
            self.forward += 1
            self.count += 1

    @property
    def cash_payamt(self) -> Decimal:
        """现金支付 for 3202: what neither the fund nor the account paid."""
        return self.medfee_sumamt - self.fund_pay_sumamt - self.acct_pay


ClrTypeOf = Callable[[SettlementEntry], str]
OriginalOf = Callable[[str], "tuple[str | None, str | None, str | None] | None"]


def _state(entry: SettlementEntry) -> str:
    return str(getattr(entry.state, "value", entry.state))


def cancelled_setl_id(entry: SettlementEntry) -> str | None:
    """The ``setl_id`` a cancel names in its input (2103/2208/2305 ``data.setl_id``).

    The cancel's own reply carries a new ``setl_id`` for the reverse record; the 3202 file
    keys the reverse row by the settlement it cancels, so that one is needed.
    """
    inp = getattr(entry, "input_full", None)
    data = inp.get("data") if isinstance(inp, Mapping) else None
    value = data.get("setl_id") if isinstance(data, Mapping) else None
    return value if isinstance(value, str) and value else None


def his_rows(
    entries: Iterable[SettlementEntry],
    clr_type_of: ClrTypeOf,
    default_optins: str,
    original: OriginalOf | None = None,
) -> Iterator[tuple[GroupKey, DetailRow, str]]:
    """Each counted entry as (group, detail row, msgid); others are skipped.

    ``original(setl_id)`` gives the (insutype, clr_type, clr_optins) of a settlement, for a
    cancel whose reply left them out (the centre books the reverse row in the original's group).
    """
    for e in entries:
        if _state(e) != SUCCEEDED:
            continue
        setl_id = e.setl_id
        insutype, clr_type, optins = e.insutype, e.clr_type, e.clr_optins
        if e.infno in CANCEL_INFNOS:
            setl_id = cancelled_setl_id(e) or setl_id
            if setl_id and original is not None and not (insutype and clr_type and optins):
                found = original(setl_id)
                if found is not None:
                    insutype, clr_type, optins = (insutype or found[0], clr_type or found[1],
                                                  optins or found[2])  # fmt: skip
        elif e.infno not in SETTLE_INFNOS:
            continue
        if not setl_id:
            continue
        medfee = abs(e.medfee_sumamt or Decimal(0))
        fund = abs(e.fund_pay_sumamt or Decimal(0))
        acct = abs(e.acct_pay or Decimal(0))
        row = DetailRow(setl_id, e.mdtrt_id or "", e.psn_no or "", medfee, fund, acct, "0")
        if e.infno in CANCEL_INFNOS:
            row = row.reverse()
        key = GroupKey(insutype or "", clr_type or clr_type_of(e), optins or default_optins)
        yield key, row, e.msgid


def totals_by_group(rows: Iterable[tuple[GroupKey, DetailRow, str]]) -> dict[GroupKey, GroupTotals]:
    """Net totals of every group, in first-seen order."""
    groups: dict[GroupKey, GroupTotals] = {}
    for key, row, _ in rows:
        g = groups.get(key)
        if g is None:
            g = groups[key] = GroupTotals(key)
        g.add(row)
    return groups
