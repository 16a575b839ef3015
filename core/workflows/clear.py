"""异地清分: 3260 提取 → compare with the journal → 3261 确认 → (3262 回退).

Guangdong guide 004 §7 and its field tables 表5-表9 (``004_623e0e444b3b734e.txt``):

- 3260 returns at most 100 rows a call (重点说明 3): it is paged by ``startrow`` (1-based)
  until a page comes back short;
- every row is compared with the journal: the settlement (``setl_sn`` = our ``setl_id``) must
  be one we settled and did not cancel, with the same ``medfee_sumamt`` and the same
  ``optins_pay_sumamt`` (what the agency pays us: fund plus personal account);
- 3261 sends at most 100 ``detail`` rows a call (重点说明 2) with ``totalrow`` = the rows of
  that call, ``cnfm_flag`` 1 where our books agree and 0 where they do not (the reason stays in
  our report: 表8 has no field for it);
- 3262 rolls back one 3261 by its reply's ``inf_refmsgid`` (``otransid``), or every
  confirmation of the period with ``'0'`` (004 §7 item 3).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from ..catalog.kinds import CANCEL_INFNOS, SETTLEMENT_INFNOS
from ..engine import Call
from ..masking import mask_id
from .recon_groups import cancelled_setl_id
from .reconcile import month_bounds

if TYPE_CHECKING:
    from .context import Context

__all__ = ["ClearPlan", "ClearRow", "ClearingService", "confirm", "fetch_rows", "plan", "rollback"]

PAGE = 100
Progress = Callable[[str, int], None]


@attrs.frozen
class ClearRow:
    """One 3260 row (表6) and our verdict on it."""

    seqno: int
    certno: str
    mdtrt_id: str
    mdtrt_setl_time: str
    setl_sn: str
    medfee_sumamt: Decimal
    optins_pay_sumamt: Decimal
    cnfm_flag: str = "1"
    reason: str = ""

    def detail(self) -> dict[str, Any]:
        """The 3261 ``detail`` row (表8)."""
        return {"certno": self.certno, "mdtrt_id": self.mdtrt_id, "mdtrt_setl_time": self.mdtrt_setl_time,
                "setl_sn": self.setl_sn, "medfee_sumamt": self.medfee_sumamt,
                "optins_pay_sumamt": self.optins_pay_sumamt, "cnfm_flag": self.cnfm_flag}  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        # certno is a full ID number: shown masked, never whole, outside the 3261 message itself.
        return {"seqno": self.seqno, "certno": mask_id(self.certno), "mdtrt_id": self.mdtrt_id, "setl_sn": self.setl_sn,
                "mdtrt_setl_time": self.mdtrt_setl_time, "medfee_sumamt": self.medfee_sumamt,
                "optins_pay_sumamt": self.optins_pay_sumamt, "cnfm_flag": self.cnfm_flag,
                "reason": self.reason}  # fmt: skip


@attrs.define
class ClearPlan:
    """The month's rows with our verdicts, and what confirming them sent."""

    year: str
    month: str
    rows: list[ClearRow] = attrs.field(factory=list)
    pages: int = 0
    confirmations: list[str] = attrs.field(factory=list)  # inf_refmsgid of each 3261

    @property
    def agreed(self) -> int:
        return sum(1 for r in self.rows if r.cnfm_flag == "1")

    def to_dict(self) -> dict[str, Any]:
        return {"trt_year": self.year, "trt_month": self.month, "pages": self.pages, "rows": len(self.rows),
                "agreed": self.agreed, "disagreed": len(self.rows) - self.agreed,
                "detail": [r.to_dict() for r in self.rows], "confirmations": list(self.confirmations)}  # fmt: skip


def _period(month: str) -> tuple[str, str]:
    begin, _ = month_bounds(month)
    return f"{begin.year:04d}", f"{begin.month:02d}"


def fetch_rows(ctx: Context, year: str, month: str, progress: Progress | None = None) -> Iterator[dict[str, Any]]:
    """【3260】 every row of the month, page by page (``startrow`` 1, 101, 201, ...)."""
    start = 1
    while True:
        out = ctx.call("3260", {"data": {"trt_year": year, "trt_month": month, "startrow": start}})
        page = out.get("data", []) if isinstance(out, dict) else out
        page = page if isinstance(page, list) else [page] if page else []
        yield from page
        if progress:
            progress("3260 rows", start - 1 + len(page))
        if len(page) < PAGE:
            return
        start += len(page)


def _our_books(ctx: Context, year: str, month: str) -> dict[str, tuple[Decimal, Decimal] | None]:
    """``setl_id`` → (medfee, fund + account) of our settlements of the month; ``None`` if cancelled."""
    begin, end = month_bounds(f"{year}-{month}")
    books: dict[str, tuple[Decimal, Decimal] | None] = {}
    cancelled: set[str] = set()
    for e in ctx.journal.settlements(begin, end):
        if str(getattr(e.state, "value", e.state)) != "SUCCEEDED":
            continue
        if e.infno in CANCEL_INFNOS:
            cancelled.add(cancelled_setl_id(e) or e.setl_id or "")
        elif e.infno in SETTLEMENT_INFNOS and e.setl_id:
            paid = (e.fund_pay_sumamt or Decimal(0)) + (e.acct_pay or Decimal(0))
            books[e.setl_id] = (e.medfee_sumamt or Decimal(0), paid)
    for setl_id in cancelled:
        if setl_id in books:
            books[setl_id] = None
    return books


def _verdict(raw: dict[str, Any], books: dict[str, tuple[Decimal, Decimal] | None]) -> ClearRow:
    medfee = Decimal(str(raw.get("medfee_sumamt", "0")))
    paid = Decimal(str(raw.get("optins_pay_sumamt", "0")))
    sn = str(raw.get("setl_sn", ""))
    reason = ""
    ours = books.get(sn)
    if sn not in books:
        reason = "not in our books: no such settlement in the journal for this month"
    elif ours is None:
        reason = "cancelled in our books"
    else:
        if ours[0] != medfee:
            reason = f"medfee_sumamt differs: ours {ours[0]}, centre {medfee}"
        elif ours[1] != paid:
            reason = f"optins_pay_sumamt differs: ours {ours[1]}, centre {paid}"
    return ClearRow(int(str(raw.get("seqno", 0))), str(raw.get("certno", "")), str(raw.get("mdtrt_id", "")),
                    str(raw.get("mdtrt_setl_time", "")), sn, medfee, paid, "0" if reason else "1",
                    reason)  # fmt: skip


def plan(ctx: Context, month: str, progress: Progress | None = None) -> ClearPlan:
    """3260 for ``YYYY-MM`` and our verdict on every row; nothing is confirmed."""
    year, mon = _period(month)
    books = _our_books(ctx, year, mon)
    result = ClearPlan(year, mon)
    for raw in fetch_rows(ctx, year, mon, progress):
        result.rows.append(_verdict(raw, books))
    result.pages = len(result.rows) // PAGE + 1
    return result


def confirm(ctx: Context, cleared: ClearPlan, progress: Progress | None = None) -> list[str]:
    """【3261】 in batches of at most 100; returns each batch's ``inf_refmsgid`` (the 3262 otransid)."""
    for i in range(0, len(cleared.rows), PAGE):
        batch = cleared.rows[i : i + PAGE]
        reply = ctx.send(Call("3261", {
            "data": {"trt_year": cleared.year, "trt_month": cleared.month, "totalrow": len(batch)},
            "detail": [r.detail() for r in batch],
        }))  # fmt: skip
        cleared.confirmations.append(str(reply.inf_refmsgid or ""))
        if progress:
            progress("3261 rows confirmed", i + len(batch))
    return cleared.confirmations


def rollback(ctx: Context, month: str, otransid: str) -> None:
    """【3262】 undo one 3261 (its ``inf_refmsgid``) or, with ``all`` / ``0``, the whole month."""
    year, mon = _period(month)
    target = "0" if otransid in ("all", "0") else otransid
    ctx.call("3262", {"data": {"trt_year": year, "trt_month": mon, "otransid": target}})


class ClearingService:
    """``client.clearing``: 异地清分 of a month (the region must have 3260-3262, as Guangdong does)."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def plan(self, month: str, *, progress: Progress | None = None) -> ClearPlan:
        """3260, page by page, and our verdict on every row; nothing is confirmed."""
        return plan(self._ctx, month, progress)

    def confirm(self, cleared: ClearPlan, *, progress: Progress | None = None) -> list[str]:
        """3261 in batches of 100; each batch's ``inf_refmsgid``."""
        return confirm(self._ctx, cleared, progress)

    def rollback(self, month: str, otransid: str = "all") -> None:
        """3262: undo one 3261 by its ``inf_refmsgid``, or the whole month."""
        rollback(self._ctx, month, otransid)
