"""6203 医保退费 of a settled order (national 【6203】 表299-300; online_settlement.md §4.5): never
more than is left of each part, the parts adding up to the total, ``appRefdSn`` the refund's
identity (a refund whose answer was lost is sent again as itself, same serial, so the centre
answers the first one and nothing is refunded twice).

What is left counts the refunds done, in flight and unknown (:func:`.reconcile.refundable`),
so two terminals racing, or a refund whose answer was lost, can never take more than the
settlement.  ``refStatus`` SUCC records the refund; FAIL restores the order; EXP (异常) leaves
it ``REFUND_UNKNOWN`` for the same 6203 again.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from ..errors import BusinessError, StateError, ValidationError, ValidationIssue
from .reconcile import Refundable, Split, refundable
from .sender import Move, Sender
from .states import OrderState
from .store import OnlineStore, utc_now

if TYPE_CHECKING:
    from .orders import OnlineOrder

__all__ = ["RefundParts", "Refunds", "check_parts"]

_ZERO = Decimal("0.00")
_CENT = Decimal("0.01")


@attrs.frozen
class RefundParts:
    """One refund: its parts (元, two decimals) and ``refdType`` (ALL / CASH / HI)."""

    cash: Decimal = _ZERO
    acct: Decimal = _ZERO
    fund: Decimal = _ZERO
    refd_type: str = "ALL"

    @property
    def total(self) -> Decimal:
        return self.cash + self.acct + self.fund



class Refunds:
    """The refunds of :class:`~.orders.Orders` (a mixin: it needs ``sender``, ``store``, ``row``, ``get``)."""

    sender: Sender
    store: OnlineStore
    org_codg: str

    if TYPE_CHECKING:  # provided by Orders, which the mixin is part of
        def row(self, med_org_ord: str) -> dict[str, Any]: ...

        def get(self, med_org_ord: str) -> OnlineOrder: ...

    def refund(self, med_org_ord: str, parts: RefundParts) -> OnlineOrder:
        """6203 医保退费 of ``parts``; never beyond what is left of each part."""
        row = self.row(med_org_ord)
        if row["state"] not in (OrderState.SETTLED, OrderState.PART_REFUNDED):
            raise StateError(f"order {med_org_ord} is {row['state']}: 6203 needs a settled order", infno="6203")
        check_parts(parts, refundable(self.store, row))
        msg_id = self.sender.new_msgid(self.org_codg)
        p = row["person"]
        data = {"payOrdId": row["pay_ord_id"], "appRefdSn": msg_id, "appRefdTime": _stamp(),
                "totlRefdAmt": parts.total, "psnAcctRefdAmt": parts.acct, "fundRefdAmt": parts.fund,
                "cashRefdAmt": parts.cash, "refdType": parts.refd_type,
                **({"payAuthNo": p["payAuthNo"]} if p.get("payAuthNo") else {"ecToken": p.get("ecToken")})}
        return self._refund(row, parts, data, msg_id=msg_id)

    def _refund(self, row: Mapping[str, Any], parts: RefundParts, data: Mapping[str, Any], *, msg_id: str = "",
                resend: str = "") -> OnlineOrder:
        mo = row["med_org_ord"]
        sources = [OrderState.REFUND_UNKNOWN.value] if resend else [OrderState.SETTLED.value,
                                                                    OrderState.PART_REFUNDED.value]
        move = Move(mo, sources, OrderState.REFUND_UNKNOWN.value, failed="@prev")
        amounts = {"total": parts.total, "cash": parts.cash, "acct": parts.acct, "fund": parts.fund}
        _, reply = self.sender.send("6203", data, move=move, biz_ser=str(data["appRefdSn"]), refund=amounts,
                                    msg_id=msg_id, resend=resend)
        status = str((reply.data or {}).get("refStatus", "")) if isinstance(reply.data, Mapping) else ""
        if status == "SUCC":
            self._refunded(mo, parts)
        elif status == "FAIL":
            self.store.update("online_orders", {"med_org_ord": mo},
                              {"state": OrderState.SETTLED.value if not row["refd_total"] else
                               OrderState.PART_REFUNDED.value, "updated_at": utc_now()},
                              [OrderState.REFUND_UNKNOWN.value])
            raise BusinessError("6203 refStatus FAIL: nothing was refunded", infno="6203")
        # EXP (异常) or no status: the order stays REFUND_UNKNOWN; the same 6203 again resolves it.
        return self.get(mo)

    def _refunded(self, med_org_ord: str, parts: RefundParts) -> None:
        with self.store.transaction():
            row = self.row(med_org_ord)
            done = {"refd_cash": row["refd_cash"] + parts.cash, "refd_acct": row["refd_acct"] + parts.acct,
                    "refd_fund": row["refd_fund"] + parts.fund}
            done["refd_total"] = done["refd_cash"] + done["refd_acct"] + done["refd_fund"]
            split = Split.of_row(row)
            whole = split is not None and done["refd_total"] == split.fee_sumamt
            self.store.update("online_orders", {"med_org_ord": med_org_ord},
                              {**done, "state": (OrderState.REFUNDED if whole else OrderState.PART_REFUNDED).value,
                               "updated_at": utc_now()}, [OrderState.REFUND_UNKNOWN.value])



def check_parts(parts: RefundParts, left: Refundable) -> None:
    """A refund's own rules, before anything is journaled or sent."""
    issues = []
    for name, value in (("cashRefdAmt", parts.cash), ("psnAcctRefdAmt", parts.acct), ("fundRefdAmt", parts.fund)):
        if not isinstance(value, Decimal) or value < 0 or value != value.quantize(_CENT):
            issues.append(ValidationIssue("6203", "data", name, "amount", "a Decimal >= 0 with two decimals"))
    if not issues and parts.total <= 0:
        issues.append(ValidationIssue("6203", "data", "totlRefdAmt", "amount", "the refund is zero"))
    checks = (("cashRefdAmt", parts.cash, left.cash), ("psnAcctRefdAmt", parts.acct, left.acct),
              ("fundRefdAmt", parts.fund, left.fund))
    for name, value, most in checks if not issues else ():
        if value > most:
            issues.append(ValidationIssue("6203", "data", name, "refund",
                                          f"{value} exceeds what is left to refund ({most})"))
    kinds = {"ALL": True, "CASH": not (parts.acct or parts.fund), "HI": not parts.cash}
    if parts.refd_type not in kinds or not kinds[parts.refd_type]:
        issues.append(ValidationIssue("6203", "data", "refdType", "refund",
                                      f"{parts.refd_type!r} does not fit the parts (ALL / CASH / HI)"))
    if issues:
        raise ValidationError(issues, infno="6203")


def _stamp() -> str:
    from ..clock import now

    return now().strftime("%Y%m%d%H%M%S")


