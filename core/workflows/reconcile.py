"""The month close: 3201 → 9101 → 3202 → 9102 → diff → 3201 (对账).

National baseline 【3201】/【3202】 (表146-151), 【9101】/【9102】 (表371-373); Guangdong guide 004
§6 (the four steps); Gansu guide 000 §3.10; spec_reference.md §11-§12.

1. The HIS side comes from the journal (:mod:`.recon_groups`): succeeded settlements minus
   reversed ones, cancels as reverse rows, grouped by 险种 × 清算类别 × 结算经办机构 on the
   centre's settlement time.
2. 3201 per group with its net totals and count.
3. Where a group does not balance: the detail file of its ``clr_type`` × ``setl_optins`` (3202
   has no ``insutype``, 表148) is written (:mod:`.recon_files`), zipped, uploaded with 9101,
   compared with 3202, the result downloaded with 9102 and diffed three ways
   (:mod:`.recon_diff`); then 3201 once more for each of those groups.

A group the HIS has no row in is not asked about: 3201 needs a group key, and the centre has
no transaction that lists its groups.  The detail diff of a neighbouring group still names
a stray settlement of the same ``clr_type`` × ``setl_optins``.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from ..catalog.kinds import institution_kind_of
from ..files import FileLimits, UnsafeFileError, download, open_member, upload, workspace, zip_file
from .recon_diff import Difference, Spill
from .recon_files import FileFormatError, write_detail
from .recon_groups import (
    NATIONAL_CLR_TYPE,
    SETTLE_INFNOS,
    GroupKey,
    GroupTotals,
    SettlementEntry,
    his_rows,
    totals_by_group,
)

if TYPE_CHECKING:
    from .context import Context

__all__ = [
    "GroupResult",
    "Period",
    "ReconcileReport",
    "ReconcileService",
    "detail_reconcile",
    "month_bounds",
    "reconcile",
]

Progress = Callable[[str, int], None]
MAX_KEPT_DIFFERENCES = 10_000


def month_bounds(month: str) -> tuple[date, date]:
    """``YYYY-MM`` → (first day, last day); ``ValueError`` on anything else."""
    try:
        year, mon = (int(x) for x in month.split("-"))
        if len(month) != 7:
            raise ValueError
        last = calendar.monthrange(year, mon)[1]
    except (ValueError, calendar.IllegalMonthError):
        raise ValueError(f"month {month!r} is not YYYY-MM") from None
    return date(year, mon, 1), date(year, mon, last)


@attrs.define
class GroupResult:
    """One group: our totals, the first 3201 answer, and the final one."""

    totals: GroupTotals
    stmt_rslt: str = ""
    stmt_rslt_dscr: str = ""
    final_rslt: str = ""
    final_dscr: str = ""
    detail_file: str | None = None

    @property
    def balanced(self) -> bool:
        return (self.final_rslt or self.stmt_rslt) == "0"

    def to_dict(self) -> dict[str, Any]:
        t = self.totals
        return {
            "insutype": t.key.insutype, "clr_type": t.key.clr_type, "setl_optins": t.key.setl_optins,
            "medfee_sumamt": t.medfee_sumamt, "fund_pay_sumamt": t.fund_pay_sumamt, "acct_pay": t.acct_pay,
            "fixmedins_setl_cnt": t.count, "forward_rows": t.forward, "reverse_rows": t.reverse,
            "stmt_rslt": self.stmt_rslt, "stmt_rslt_dscr": self.stmt_rslt_dscr,
            "final_rslt": self.final_rslt or self.stmt_rslt,
            "final_dscr": self.final_dscr or self.stmt_rslt_dscr,
            "balanced": self.balanced, "detail_file": self.detail_file,
        }  # fmt: skip


@attrs.define
class ReconcileReport:
    """What ``yibao reconcile`` prints: every group and every explained difference."""

    begin: date
    end: date
    groups: list[GroupResult] = attrs.field(factory=list)
    differences: list[Difference] = attrs.field(factory=list)
    difference_count: int = 0

    @property
    def balanced(self) -> bool:
        return all(g.balanced for g in self.groups)

    def to_dict(self) -> dict[str, Any]:
        return {
            "begin": self.begin.isoformat(),
            "end": self.end.isoformat(),
            "balanced": self.balanced,
            "groups": [g.to_dict() for g in self.groups],
            "differences": [d.to_dict() for d in self.differences],
            "difference_count": self.difference_count,
        }


class Period:
    """The journal side of one period, read again for each detail file (never held in memory)."""

    def __init__(self, ctx: Context, begin: date, end: date) -> None:
        self.ctx = ctx
        self.begin, self.end = begin, end
        inst = ctx.config.institution
        self.optins = inst.mdtrtarea_admvs
        self.fixmedins_code = inst.fixmedins_code

    def clr_type_of(self, e: SettlementEntry) -> str:
        """The region's 清算类别 when the centre's reply did not carry one (profile, then national)."""
        kind = institution_kind_of(e.infno) or "pharmacy"
        profile = self.ctx.profile
        insuplc = getattr(e, "insuplc_admdvs", None) or self.optins
        locality = profile.classify(insuplc, self.optins)
        return profile.clr_type_for(kind, locality, NATIONAL_CLR_TYPE[kind])

    def original(self, setl_id: str) -> tuple[str | None, str | None, str | None] | None:
        # A cancel's reply may leave out insutype; its settlement's entry has it.
        for e in self.ctx.journal.list(setl_id=setl_id, limit=10):
            if e.infno in SETTLE_INFNOS:
                return e.insutype, e.clr_type, e.clr_optins
        return None

    def rows(self) -> Iterator[tuple[GroupKey, Any, str]]:
        entries = self.ctx.journal.settlements(self.begin, self.end)
        return his_rows(entries, self.clr_type_of, self.optins, self.original)


def accept_region_clr_types(ctx: Context, seen: set[str]) -> None:
    """Let the local validator accept the 清算类别 codes the centre booked under.

    The packaged ``clr_type`` table holds the national codes (and the region's supplement),
    while 3201 must send back the code the centre booked the settlement under
    (spec_reference.md §14: 99xx are local codes).
    """
    codes = {v for kinds in ctx.profile.clr_types.values() for v in kinds.values()} | set(seen)
    ctx.engine.prepare.accept_codes("clr_type", codes)


def _stmt(out: Any) -> tuple[str, str]:
    info = out.get("stmtinfo", out) if isinstance(out, dict) else {}
    if isinstance(info, list):
        info = info[0] if info else {}
    return str(info.get("stmt_rslt", "")), str(info.get("stmt_rslt_dscr") or "")


def _total(ctx: Context, g: GroupTotals, begin: date, end: date) -> tuple[str, str]:
    """【3201】 for one group."""
    out = ctx.call("3201", {"data": {
        "insutype": g.key.insutype, "clr_type": g.key.clr_type, "setl_optins": g.key.setl_optins,
        "stmt_begndate": begin.isoformat(), "stmt_enddate": end.isoformat(),
        "medfee_sumamt": g.medfee_sumamt, "fund_pay_sumamt": g.fund_pay_sumamt, "acct_pay": g.acct_pay,
        "fixmedins_setl_cnt": g.count, "refd_setl_flag": "0", "fixmedins_refd_setl_flag": "0",
    }})  # fmt: skip
    return _stmt(out)


def detail_reconcile(
    ctx: Context, month: Period, clr_type: str, optins: str, work: Path, progress: Progress | None
) -> tuple[str, Iterator[Difference]]:
    """Write, zip and upload the detail file of one clr_type × setl_optins; 3202; 9102; diff."""
    code = month.fixmedins_code
    stem = f"{code}_{clr_type}_{optins}_{month.begin:%Y%m%d}_{month.end:%Y%m%d}"
    spill = Spill(work / "spill", 16, own_msgid_prefix=code)
    try:
        return _detail_files(ctx, month, clr_type, optins, work, progress, spill, stem)
    except BaseException:
        spill.close()
        raise


def _detail_files(
    ctx: Context, month: Period, clr_type: str, optins: str, work: Path, progress: Progress | None,
    spill: Spill, stem: str,
) -> tuple[str, Iterator[Difference]]:  # fmt: skip
    """The steps of :func:`detail_reconcile` once its spill exists."""
    code = month.fixmedins_code
    txt = work / f"{stem}.txt"
    rows = (r for k, r, _ in month.rows() if k.clr_type == clr_type and k.setl_optins == optins)
    count = net = 0

    def tap(setl_id: str, line: bytes) -> None:
        # 3202 fixmedins_setl_cnt is net like 3201's: forward rows +1, reverse rows (flag 1) -1.
        nonlocal count, net
        spill.add(setl_id, line)
        count += 1
        net += -1 if line.endswith(b"\t1\n") else 1
        if progress and count % 50_000 == 0:
            progress("detail rows written", count)

    with open(txt, "wb", buffering=1 << 20) as f:
        n, medfee, fund, acct = write_detail(rows, f, tap)
    zipped = zip_file(txt, work / f"{stem}.zip")
    receipt = upload(ctx.call, zipped.read_bytes(), zipped.name, code, ctx.profile.file_in_encoding)
    out = ctx.call("3202", {"data": {
        "setl_optins": optins, "file_qury_no": receipt.file_qury_no,
        "stmt_begndate": month.begin.isoformat(), "stmt_enddate": month.end.isoformat(),
        "medfee_sumamt": medfee, "fund_pay_sumamt": fund, "cash_payamt": medfee - fund - acct,
        "fixmedins_setl_cnt": net, "clr_type": clr_type, "refd_setl_flag": "0",
        "fixmedins_refd_setl_flag": "0",
    }})  # fmt: skip
    info = out.get("fileinfo", out) if isinstance(out, dict) else {}
    if progress:
        progress("detail rows uploaded", n)
    result = download(ctx.download, str(info["file_qury_no"]), str(info["filename"]), code, work,
                      FileLimits())  # fmt: skip

    def diffs() -> Iterator[Difference]:
        try:
            with open_member(result) as f:
                yield from spill.diff(f)
        except FileFormatError as exc:  # the centre's file, not our bug: a business-side failure
            raise UnsafeFileError(f"3202 result file {result.name}: {exc}", infno="9102") from None
        finally:
            spill.close()

    return receipt.file_qury_no, diffs()


def reconcile(
    ctx: Context, begin: date, end: date, *, progress: Progress | None = None
) -> ReconcileReport:
    """Reconcile ``begin..end`` (whole days, the centre's settlement time) with the centre."""
    month = Period(ctx, begin, end)
    report = ReconcileReport(begin, end)
    groups = totals_by_group(month.rows())
    accept_region_clr_types(ctx, {k.clr_type for k in groups})
    for key, totals in sorted(groups.items()):
        g = GroupResult(totals)
        g.stmt_rslt, g.stmt_rslt_dscr = _total(ctx, totals, begin, end)
        report.groups.append(g)
        if progress:
            progress(f"3201 {key.insutype}/{key.clr_type}/{key.setl_optins}", totals.forward + totals.reverse)
    pending = sorted({(g.totals.key.clr_type, g.totals.key.setl_optins)
                      for g in report.groups if not g.balanced})  # fmt: skip
    for clr_type, optins in pending:
        with workspace("yibao-recon-") as work:
            qury, diffs = detail_reconcile(ctx, month, clr_type, optins, work, progress)
            for d in diffs:
                report.difference_count += 1
                if len(report.differences) < MAX_KEPT_DIFFERENCES:
                    report.differences.append(d)
        for g in report.groups:
            if (g.totals.key.clr_type, g.totals.key.setl_optins) == (clr_type, optins):
                g.detail_file = qury
                g.final_rslt, g.final_dscr = _total(ctx, g.totals, begin, end)
    report.differences.sort(key=lambda d: (d.kind, d.setl_id or "", d.refd_setl_flag))
    return report



class ReconcileService:
    """``client.reconcile``: 3201 / 3202 for a day, a month or any period of whole days."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def period(self, begin: date, end: date, *, progress: Progress | None = None) -> ReconcileReport:
        """Reconcile ``begin..end`` (both included, the centre's settlement days)."""
        return reconcile(self._ctx, begin, end, progress=progress)

    def day(self, day: date | None = None, *, progress: Progress | None = None) -> ReconcileReport:
        """Reconcile one day (today, Beijing time, by default)."""
        d = day or self._ctx.now().date()
        return reconcile(self._ctx, d, d, progress=progress)

    def month(self, month: str, *, progress: Progress | None = None) -> ReconcileReport:
        """Reconcile ``YYYY-MM``."""
        begin, end = month_bounds(month)
        return reconcile(self._ctx, begin, end, progress=progress)

    def detail(self, begin: date, end: date, clr_type: str, setl_optins: str, work: Path,
               progress: Progress | None = None) -> tuple[str, Iterator[Difference]]:
        """9101 / 3202 / 9102 for one clr_type × setl_optins, balanced or not; the uploaded
        file's ``file_qury_no`` and the differences (read them before ``work`` goes)."""
        return detail_reconcile(self._ctx, Period(self._ctx, begin, end), clr_type, setl_optins, work, progress)
