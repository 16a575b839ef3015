"""``yibao reconcile``, ``yibao clear`` and ``yibao catalog``: the month close, 异地清分, catalogues.

Exit codes (shared/contract.md): ``reconcile`` 0 when every group balances, 1 when one does
not (each difference is named); 2 usage / configuration / validation; 3 business error;
4 outcome unknown; 5 gateway refused; 6 not sent.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from .. import wire
from ._common import client_from_ctx, err_console, fail, handle_errors, print_json

__all__ = ["register"]

# Centre text (stmt_rslt_dscr, a 3260 row's reason) is shown as it came: no rich markup.
out_console = Console(highlight=False, soft_wrap=True, markup=False)

DIFF_COLUMNS = (
    "kind", "setl_id", "mdtrt_id", "psn_no", "refd_setl_flag", "msgid", "action", "advice",
    "his_medfee_sumamt", "his_fund_pay_sumamt", "his_acct_pay",
    "centre_medfee_sumamt", "centre_fund_pay_sumamt", "centre_acct_pay", "memo",
)  # fmt: skip


def _progress() -> Any:
    def report(stage: str, n: int) -> None:
        err_console.print(f"{stage}: {n:,}")

    return report


def _write_csv(path: Path, report: Any) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(DIFF_COLUMNS)
        for d in report.differences:
            his = d.his or (None, None, None)
            centre = d.centre or (None, None, None)
            w.writerow([d.kind, d.setl_id, d.mdtrt_id, d.psn_no, d.refd_setl_flag, d.msgid, d.action, d.advice,
                        *(("" if a is None else format(a, "f")) for a in (*his, *centre)), d.memo or ""])  # fmt: skip


def _print_report(report: Any) -> None:
    # Short headers and light borders, so a group fits one line of an 80-column terminal; the
    # centre's words for a group that does not balance go below the table, whole (--json: all).
    t = Table(title=f"对账 {report.begin} .. {report.end}", box=box.SIMPLE_HEAD, pad_edge=False)
    for col, right in (("insutype", False), ("clr_type", False), ("setl_optins", False), ("medfee", True),
                       ("fund", True), ("acct", True), ("n", True), ("3201", False), ("3202", False)):
        t.add_column(col, justify="right" if right else "left", no_wrap=True)
    said = []
    for g in report.groups:
        k, tot = g.totals.key, g.totals
        first = "平" if g.stmt_rslt == "0" else "不平"
        final = "" if not g.final_rslt else ("平" if g.final_rslt == "0" else "不平")
        t.add_row(k.insutype, k.clr_type, k.setl_optins, f"{tot.medfee_sumamt:f}", f"{tot.fund_pay_sumamt:f}",
                  f"{tot.acct_pay:f}", str(tot.count), first, final)  # fmt: skip
        if g.stmt_rslt != "0" and g.stmt_rslt_dscr:
            said.append(f"  {k.insutype}/{k.clr_type}/{k.setl_optins} 3201: {g.stmt_rslt_dscr}")
    out_console.print(t)
    for line in said:
        out_console.print(line, markup=False, overflow="ignore", crop=False)
    if not report.differences:
        out_console.print("every group balances" if report.balanced else "no difference found in the details")
        return
    # One line per difference, never a table: ids must stay whole and greppable at any width.
    out_console.print(f"differences: {report.difference_count}")
    for d in report.differences:
        his = f"{d.his[0]:f}" if d.his else "-"
        centre = f"{d.centre[0]:f}" if d.centre and d.centre[0] is not None else "-"
        out_console.print(
            f"  {d.kind} setl_id={d.setl_id or '-'} mdtrt_id={d.mdtrt_id or '-'} psn_no={d.psn_no or '-'} "
            f"refd_setl_flag={d.refd_setl_flag} msgid={d.msgid or '-'} medfee his={his} centre={centre} "
            f"-> {d.action}: {d.advice}",
            markup=False, overflow="ignore", crop=False,
        )


def reconcile_cmd(
    ctx: typer.Context,
    month: Annotated[str, typer.Option("--month", help="the month to close, YYYY-MM (the centre's settlement time)")],
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
    json_out: Annotated[Path | None, typer.Option("--json-out", help="also write the report as JSON here")] = None,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="write the differences as CSV here")] = None,
) -> None:
    """3201 for every group of the month; 9101 / 3202 / 9102 and a diff where a group does not balance."""
    from ..workflows.reconcile import month_bounds

    try:
        begin, end = month_bounds(month)
    except ValueError as exc:
        fail(str(exc), 2)
    with handle_errors(json_errors=as_json):
        client = client_from_ctx(ctx)
        report = client.reconcile.period(begin, end, progress=_progress())
    if json_out is not None:
        json_out.write_text(wire.dumps(report.to_dict(), check_floats=False) + "\n", encoding="utf-8")
    if csv_out is not None:
        _write_csv(csv_out, report)
    if as_json:
        print_json(report.to_dict())
    else:
        _print_report(report)
    raise typer.Exit(0 if report.balanced else 1)


def _print_clear(cleared: Any) -> None:
    t = Table(title=f"异地清分 {cleared.year}-{cleared.month}: {len(cleared.rows)} rows, {cleared.agreed} agreed")
    # setl_sn whole on 80 columns: 3262 and the bureau ask by it
    t.box, t.pad_edge, t.collapse_padding = box.SIMPLE_HEAD, False, True
    for col, right in (("#", True), ("setl_sn", False), ("setl time", False), ("medfee", True),
                       ("optins", True), ("cnfm", False), ("reason", False)):
        t.add_column(col, justify="right" if right else "left", no_wrap=col != "reason", overflow="fold",
                     min_width=20 if col == "setl_sn" else None)
    for r in cleared.rows:
        t.add_row(str(r.seqno), r.setl_sn, r.mdtrt_setl_time, f"{r.medfee_sumamt:f}", f"{r.optins_pay_sumamt:f}",
                  r.cnfm_flag, r.reason)  # fmt: skip
    out_console.print(t)


def clear_cmd(
    ctx: typer.Context,
    month: Annotated[str, typer.Option("--month", help="settlement month YYYY-MM")],
    do_confirm: Annotated[bool, typer.Option("--confirm", help="send the confirmations (3261)")] = False,
    rollback_id: Annotated[
        str | None, typer.Option("--rollback", help="undo one 3261 (its inf_refmsgid) or all")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
) -> None:
    """异地清分: show what would be confirmed (3260), --confirm it (3261), or --rollback ID|all (3262)."""
    from ..workflows.reconcile import month_bounds

    try:
        month_bounds(month)
    except ValueError as exc:
        fail(str(exc), 2)
    with handle_errors(json_errors=as_json):
        client = client_from_ctx(ctx)
        if rollback_id is not None:
            client.clearing.rollback(month, rollback_id)
            if as_json:
                print_json({"rolled_back": rollback_id})
            else:
                out_console.print(f"rolled back: {rollback_id}")
            raise typer.Exit(0)
        cleared = client.clearing.plan(month, progress=_progress())
        if do_confirm:
            client.clearing.confirm(cleared)
    if as_json:
        print_json(cleared.to_dict())
    else:
        _print_clear(cleared)
        for ref in cleared.confirmations:
            out_console.print(f"confirmed: inf_refmsgid {ref} (yibao clear --month {month} --rollback {ref})")
        if not do_confirm:
            out_console.print("nothing sent: add --confirm to send these verdicts (3261)")


catalog_app = typer.Typer(help="The centre's catalogues: download (1301-1319, 1901) and lookup.", no_args_is_help=True)


@catalog_app.command("sync")
def catalog_sync(
    ctx: typer.Context,
    kinds: Annotated[
        str | None, typer.Option("--kinds", help="comma-separated, e.g. 1301,1312,1901 (default: all)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
) -> None:
    """Download the catalogues incrementally into the journal's database."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    wanted = [k.strip() for k in kinds.split(",") if k.strip()] if kinds else None
    with handle_errors(json_errors=as_json), Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=err_console,
        disable=as_json,
    ) as bar:  # fmt: skip
        client = client_from_ctx(ctx)
        tasks: dict[str, Any] = {}

        def progress(kind: str, done: int, total: int | None) -> None:
            if kind not in tasks:
                tasks[kind] = bar.add_task(kind, total=total)
            bar.update(tasks[kind], completed=done, total=total or done)

        try:
            results = client.catalog.sync(wanted, progress=progress)
        except ValueError as exc:
            fail(str(exc), 2)
    if as_json:
        print_json([r.to_dict() for r in results])
        return
    t = Table(title="catalogue sync")
    for col in ("kind", "rows", "calls", "ver", "updt_time"):
        t.add_column(col)
    for r in results:
        t.add_row(r.kind, str(r.rows), str(r.calls), r.ver or "", r.updt_time or "")
    out_console.print(t)


_KIND_HELP = "only this catalogue (1301 drugs, 1305 services, 1306 materials, 1307 diagnoses, 1308 operations ...)"


@catalog_app.command("search")
def catalog_search(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="part of a code or a name")],
    kind: Annotated[str | None, typer.Option("--kind", help=_KIND_HELP)] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=500, help="at most this many rows")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="print the rows as JSON")] = False,
) -> None:
    """Look up the local catalogue (after `yibao catalog sync`) by code or name."""
    with handle_errors(json_errors=as_json):
        rows = client_from_ctx(ctx).catalog.search(text, limit, kind)
    if as_json:
        print_json(rows)
        return
    t = Table(title=f"catalogue: {text}")
    for col in ("kind", "code", "name", "ver", "vali_flag"):
        t.add_column(col)
    for r in rows:
        t.add_row(*(str(r.get(c) or "") for c in ("kind", "code", "name", "ver", "vali_flag")))
    out_console.print(t)


@catalog_app.command("status")
def catalog_status(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="print the rows as JSON")] = False,
) -> None:
    """The last sync of every catalogue kind: version, updt_time, items, when (nothing is sent)."""
    with handle_errors(json_errors=as_json):
        rows = client_from_ctx(ctx).catalog.status()
    if as_json:
        print_json(rows)
        return
    t = Table(title="catalogues" if rows else "catalogues: never synced (yibao catalog sync)")
    for col in ("kind", "ver", "updt_time", "item_count", "synced_at"):
        t.add_column(col, justify="right" if col == "item_count" else "left")
    for r in rows:
        t.add_row(*("" if r.get(c) is None else str(r[c]) for c in ("kind", "ver", "updt_time", "item_count",
                                                                    "synced_at")))
    out_console.print(t)


def register(app: typer.Typer) -> None:
    """Add ``reconcile``, ``clear`` and the ``catalog`` group to the ``yibao`` command."""
    # Imported here, before any command opens the journal, so the catalogue tables' migration
    # is registered in time (yibao.core.journal.schema.register_migration).
    from ..workflows import catalogue  # noqa: F401

    app.command("reconcile")(reconcile_cmd)
    app.command("clear")(clear_cmd)
    app.add_typer(catalog_app, name="catalog")
