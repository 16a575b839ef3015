"""Yunnan §1.7 签到签退流程说明, as checks the HIS (or the session manager) applies before a call.

1. After 9002 签退 the same operator cannot sign in again the same day.
2. Before each transaction, compare the business cycle's sign-in time with today: when the day
   has changed, sign out and sign in again, so that one ``sign_no`` never spans two days (the
   3201 totals of a cycle stay within one day).
3. When the centre already has a sign-in the HIS did not record, 9001 may simply be called again:
   it answers the current ``sign_no``.
"""

from __future__ import annotations

from datetime import date, datetime

from yibao.core import StateError

__all__ = ["check_sign_in_allowed", "needs_new_cycle"]


def check_sign_in_allowed(opter: str, signed_out_on: date | None, today: date) -> None:
    """Rule 1: refuse a 9001 for ``opter`` who already signed out today.

    :raises StateError: nothing is sent; the operator must wait for the next day.
    """
    if signed_out_on == today:
        raise StateError(f"operator {opter} signed out (9002) today and may not sign in again until tomorrow",
                         infno="9001")  # fmt: skip


def needs_new_cycle(signed_in_at: datetime | None, now: datetime) -> bool:
    """Rule 2 (and 3): ``True`` when there is no cycle or it began on an earlier day."""
    return signed_in_at is None or signed_in_at.date() != now.date()
