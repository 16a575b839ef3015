"""The HIS-side ledger: what the journal says was settled, for reconciliation.

Reconciliation (3201 对总账, 3202 明细对账; national baseline 【3201】/【3202】) compares the
centre's totals per clearing type and insurance type with ours.  Ours are the journal's
settlements (2102 药店, 2207 门诊, 2304 住院) and cancels (2103, 2208, 2305) that SUCCEEDED,
grouped by the centre's own settlement day (``setl_time``), plus the REVERSED ones so a
report can show that a lost-answer sale was undone (reliability.md §2 case 23).  A REVERSED
entry usually has no ``setl_time`` (its answer was lost), so it is placed by its business
day.  Rows are streamed from their own connection: a month can be large.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, timedelta

from ..catalog.kinds import SETTLEMENT_AND_CANCEL_INFNOS
from .db import Database
from .entry import Entry, entry_from_row, marks
from .states import State

__all__ = ["SETTLEMENT_INFNOS", "settlements"]

#: Settlements (2102 药店, 2207 门诊, 2304 住院) and their cancels (2103, 2208, 2305).
SETTLEMENT_INFNOS = SETTLEMENT_AND_CANCEL_INFNOS


def settlements(
    db: Database, begin: date, end: date, *, infnos: Iterable[str] = SETTLEMENT_INFNOS, batch: int = 500
) -> Iterator[Entry]:
    """SUCCEEDED and REVERSED entries of ``infnos`` whose day is in ``begin..end`` (both
    included), in day order; the query runs when iteration starts."""
    codes = list(infnos)
    lo, hi = f"{begin.isoformat()} 00:00:00", f"{(end + timedelta(days=1)).isoformat()} 00:00:00"
    p = db.p
    sql = (
        f"SELECT * FROM journal_entries WHERE infno IN ({marks(db, len(codes))})"
        f" AND state IN ({p}, {p}) AND ((setl_time >= {p} AND setl_time < {p})"
        f" OR (setl_time IS NULL AND business_date >= {p} AND business_date <= {p}))"
        " ORDER BY COALESCE(setl_time, business_date), msgid"
    )
    params = [*codes, State.SUCCEEDED.value, State.REVERSED.value, lo, hi, begin, end]
    for row in db.stream(sql, params, batch):
        yield entry_from_row(row)
