"""``yibao journal list | show | recover | resolve``."""

from __future__ import annotations

from typing import Annotated, Any

import attrs
import typer
from rich.console import Console
from rich.table import Table

from ..errors import StateError
from ._common import client_from_ctx, config_from_ctx, handle_errors, note, print_json, startup_reversals

__all__ = ["register"]


def _row(entry: Any, *, full: bool = False) -> dict[str, Any]:
    d = attrs.asdict(entry)
    d.pop("input_full", None)  # personal data stays in the journal; show the masked copy
    if not full:
        for k in ("input_masked", "output"):
            d.pop(k, None)
    else:
        from ..masking import mask_input

        if d.get("output") is not None:
            d["output"] = mask_input(d["output"])
    for k, v in list(d.items()):
        if hasattr(v, "isoformat"):
            d[k] = v.isoformat()
        elif hasattr(v, "value") and not isinstance(v, str | int):
            d[k] = v.value
    d["state"] = str(entry.state)
    return d


def _table(rows: list[dict[str, Any]]) -> None:
    """The entries as a table.  The msgid is whole (``journal show`` and 2601 take it, so it is never
    cut to fit); ``psn_no`` (masked) and ``setl_id`` are shown where the terminal is wide enough
    (``--json`` has every field); the time is Beijing time, like the wire's."""
    from datetime import datetime

    from rich import box

    from ..clock import in_shanghai

    console = Console(markup=False)
    wide = console.width >= 110
    table = Table(box=box.SIMPLE_HEAD, title=f"journal: {len(rows)} entries, newest first")
    table.add_column("msgid", no_wrap=True, min_width=30)
    table.add_column("infno", no_wrap=True)
    table.add_column("state", no_wrap=True)
    if wide:
        table.add_column("psn_no", no_wrap=True)
        table.add_column("setl_id", no_wrap=True)
    table.add_column("medfee", justify="right", no_wrap=True)
    table.add_column("created", no_wrap=True)
    for r in rows:
        psn = r.get("psn_no") or ""
        at = r.get("created_at")
        created = in_shanghai(datetime.fromisoformat(at)).strftime("%m-%d %H:%M:%S") if at else ""
        extra = [(psn[:4] + "****") if psn else "", r.get("setl_id") or ""] if wide else []
        table.add_row(r["msgid"], r["infno"], r["state"], *extra, str(r.get("medfee_sumamt") or ""), created)
    console.print(table)


def register(app: typer.Typer) -> None:
    journal = typer.Typer(help="The durable journal of state-changing messages.", no_args_is_help=True)
    app.add_typer(journal, name="journal")

    @journal.command("list")
    def list_(
        ctx: typer.Context,
        state: Annotated[str | None, typer.Option("--state", help="only entries in this state, e.g. UNKNOWN")] = None,
        infno: Annotated[str | None, typer.Option("--infno")] = None,
        limit: Annotated[int, typer.Option("--limit")] = 200,
        json_: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Journal entries, newest first."""
        from ..journal import State, open_journal

        with handle_errors(json_errors=json_):
            cfg = config_from_ctx(ctx)
            try:
                st = State(state.upper()) if state else None
            except ValueError:
                raise StateError(f"--state must be one of {', '.join(s.value for s in State)}") from None
            with open_journal(cfg.journal.url) as j:
                rows = [_row(e) for e in j.list(state=st, infno=infno, limit=limit)]
        if json_:
            print_json(rows)
            return
        _table(rows)

    @journal.command("show")
    def show(ctx: typer.Context, msgid: str) -> None:
        """One entry with its masked input and reply."""
        from ..journal import open_journal

        with handle_errors():
            cfg = config_from_ctx(ctx)
            with open_journal(cfg.journal.url) as j:
                entry = j.get(msgid)
            if entry is None:
                raise StateError(f"no journal entry with msgid {msgid}")
            print_json(_row(entry, full=True))

    @journal.command("recover")
    def recover(
        ctx: typer.Context,
        no_wait: Annotated[bool, typer.Option("--no-wait", help="do not wait for reversals not yet due")] = False,
        now: Annotated[bool, typer.Option(
            "--now", help="send every queued 2601 at once, overriding reversal.delay_seconds (on your word that "
            "the original cannot still be on its way)")] = False,
        max_wait: Annotated[float | None, typer.Option(
            "--max-wait", min=0, help="wait at most this many seconds for queued reversals to fall due "
            "(default: reversal.recover_max_wait_seconds, 120)")] = None,
        json_: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Resolve every UNKNOWN outcome (2601 and its retries); exit 0 when none is left unresolved.

        Waits for queued reversals to fall due, at most --max-wait seconds (default 120,
        reversal.recover_max_wait_seconds), saying on stderr what it waits for; what is still
        pending then is listed (exit 4): run it again, or with --now.  The report lists the
        reversals the start-up run made too."""
        with handle_errors(json_errors=json_):
            client = client_from_ctx(ctx)
            report = client.journal.recover(wait=not no_wait, max_wait=max_wait, at_once=now, progress=note)
            report.startup = startup_reversals(ctx)
        if json_:
            print_json(report.to_dict())
        else:
            typer.echo(f"reversed: {len(report.reversed)}  pending: {len(report.pending)}  "
                       f"needs attention: {len(report.needs_attention)}  marked not sent: {len(report.not_sent)}"
                       + (f"  reversed at start-up: {len(report.startup)}" if report.startup else ""))
            for m in report.startup:
                typer.echo(f"reversed at start-up: {m}")
            for m in report.reversed:
                typer.echo(f"reversed: {m}")
            for m in report.pending:
                typer.echo(f"PENDING {m}: its 2601 is queued; run `yibao journal recover` again (or --now)", err=True)
            for m in report.needs_attention:
                typer.echo(f"NEEDS ATTENTION {m}: see `yibao journal show {m}`", err=True)
        if report.unresolved:
            raise typer.Exit(4)

    @journal.command("resolve")
    def resolve(
        ctx: typer.Context,
        msgid: str,
        not_at_centre: Annotated[bool, typer.Option(
            "--not-at-centre", help="the centre holds nothing for MSGID (checked: the day's 3202 detail, the "
            "bureau): FAILED")] = False,
        reversed_at_centre: Annotated[bool, typer.Option(
            "--reversed-at-centre", help="the bureau reversed it on its side: REVERSED")] = False,
        note_: Annotated[str, typer.Option("--note", help="what was checked and with whom (kept in the entry)")] = "",
        json_: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Settle a NEEDS_ATTENTION entry by what the centre says of it; nothing is sent.

        The reversal queue stops at NEEDS_ATTENTION when the centre answers "original not found"
        again and again, and the person is refused new settlements meanwhile.  Once the centre
        has been asked, say what it holds: --not-at-centre (FAILED) or --reversed-at-centre
        (REVERSED), with --note.  Exit 2, nothing changed, for any other state or no note."""
        from ..journal import open_journal
        from ..journal.by_hand import resolve_by_hand

        with handle_errors(json_errors=json_):
            if not_at_centre == reversed_at_centre:
                raise StateError("say what the centre holds: exactly one of --not-at-centre, --reversed-at-centre",
                                 msgid=msgid)
            cfg = config_from_ctx(ctx)
            finding = "not_at_centre" if not_at_centre else "reversed_at_centre"
            with open_journal(cfg.journal.url) as j:
                entry = resolve_by_hand(j, msgid, finding, note_, opter=cfg.operator.opter)
        if json_:
            print_json(_row(entry))
        else:
            typer.echo(f"resolved: {entry.msgid} ({entry.infno}) is {entry.state}; its person may settle again")
