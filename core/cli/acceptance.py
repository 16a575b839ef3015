"""``yibao acceptance --kind KIND --out DIR``: run a kind's required interfaces and write the report.

Writes ``DIR/report.json`` (machine-readable, contract "Acceptance for every region"),
``DIR/report.html`` (for the bureau, :mod:`.acceptance_html`: every interface with its status
and reason, every call as sent, the evidence asked / given, the region's form) and
``DIR/usage-log.txt`` (the 使用日志: one masked line per transaction).  ``--with GROUP,...``
adds a kind's conditional groups (``profile.institution_groups``).  Exit 0 when every
interface passed, 1 when one did not, 2 for a usage or configuration error (an unknown kind
or group).

The persons and items to settle come from ``--data FILE`` (JSON ``{"persons": [...], "items":
[...]}``, the test data the bureau gives) or, against the sandbox, from its control API
(:mod:`yibao.core.acceptance.rehearsal`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import attrs
import typer

from .. import wire
from ..acceptance.html import render_html
from ..acceptance.output import usage_log, write_report
from ..errors import ConfigurationError
from ._common import client_from_ctx, err_console, handle_errors

__all__ = ["register", "render_html", "usage_log", "write_report"]


def _rehearsal(url: str) -> Any:
    """The sandbox's control calls for the people of an internet-hospital cycle (loopback only)."""
    import httpx

    from ..acceptance.internet import Rehearsal

    def post(path: str, body: dict[str, Any]) -> Any:
        r = httpx.post(f"{url}/_sandbox/{path}", json=body, timeout=30)
        r.raise_for_status()
        return r.json()

    def auth(certno: str) -> str:
        return str(post("mobilepay/authorize", {"certno": certno})["authCode"])

    return Rehearsal(
        authorize=auth, pay=lambda o: post("mobilepay/cashier", {"payOrdId": o}),
        review=lambda rx: post("rx/review", {"hiRxno": rx}), face=lambda sn: post("local/face", {"faceSn": sn}),
        deliver=lambda sn: post("local/logistics", {"logisticsSn": sn}),
        register_callback=lambda u: post("mobilepay/callback", {"notify_url": u + "/6302", "sync_url": u + "/6204"}),
    )


def _file_data(path: Path) -> Any:
    from ..acceptance import AcceptanceData

    try:
        raw = wire.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError("--data", f"cannot read {path}: {exc}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("persons"), list):
        raise ConfigurationError("--data", 'expected {"persons": [...], "items": [...]}')
    return AcceptanceData(persons=raw["persons"], items=list(raw.get("items") or []))


def _screens(config: Any, report: Any, out: Path, persons: list[Any]) -> None:
    """The console's 界面截图 into the report; a note (not a failure) when they cannot be taken."""
    from .acceptance_screens import take_screenshots

    try:
        report.screenshots = take_screenshots(config, report, out, persons)
    except Exception as exc:  # evidence, not the run: the report says what is missing
        report.notes.append(f"界面截图 not taken: {type(exc).__name__}: {exc}")
        err_console.print(f"screenshots not taken: {exc}")
        return
    for n, i in enumerate(report.interfaces):
        files = report.screenshots.get(i.infno)
        if files:
            report.interfaces[n] = attrs.evolve(i, evidence="; ".join(
                [p for p in (i.evidence, "界面截图: " + ", ".join(files)) if p]))
    err_console.print(f"screenshots: {sum(map(len, report.screenshots.values()))} for "
                      f"{len(report.screenshots)} interfaces in {out / 'screenshots'}")


def register(app: typer.Typer) -> None:
    @app.command("acceptance")
    def acceptance(
        ctx: typer.Context,
        kind: Annotated[str, typer.Option("--kind", help="institution kind: pharmacy, clinic or hospital")],
        out: Annotated[Path, typer.Option("--out", help="directory for report.json / report.html")],
        data: Annotated[Path | None, typer.Option("--data", help="JSON test data: persons and items")] = None,
        with_: Annotated[str, typer.Option("--with", help="conditional groups, comma-separated (Dongguan: "
                                                          "chronic, maternity)")] = "",
        screenshots: Annotated[bool, typer.Option("--screenshots/--no-screenshots",
                                                  help="photograph the console for the 界面截图 items "
                                                       "(needs Chromium and Playwright)")] = True,
    ) -> None:
        """Run the region's required-interface list for KIND (and --with groups) and write the report."""
        from ..acceptance import interfaces_of, run_acceptance
        from ..acceptance.rehearsal import sandbox_data

        with handle_errors():
            client = client_from_ctx(ctx)
            kinds: Mapping[str, tuple[str, ...]] = client.profile.institution_kinds
            if kind not in kinds:
                known = ", ".join(sorted(kinds)) or "none"
                raise ConfigurationError(
                    "--kind", f"region {client.profile.code} has no kind {kind!r} (known: {known})"
                )
            offered = client.profile.institution_groups.get(kind, {})
            groups = [g.strip() for g in with_.split(",") if g.strip()]
            unknown = [g for g in groups if g not in offered]
            if unknown:
                known = ", ".join(sorted(offered)) or "none"
                raise ConfigurationError("--with", f"kind {kind!r} of region {client.profile.code} has no group "
                                                   f"{', '.join(unknown)} (known: {known})")  # fmt: skip
            test_data = _file_data(data) if data else sandbox_data(client, client.config.gateway.url)
            if test_data is None:
                raise ConfigurationError("--data", "this gateway is not a sandbox: give the bureau's test data")
            if kind == "internet":
                from ..acceptance.internet import run_internet

                base = client.config.gateway.url.rstrip("/")
                report = run_internet(client, list(test_data.persons), None if data else _rehearsal(base))
            else:
                notes = client.hooks.acceptance_notes(kind)
                required = interfaces_of(client.profile, kind, groups)
                report = run_acceptance(client, kind, required, test_data, notes=notes, groups=groups)
                if screenshots:
                    _screens(client.config, report, out, list(test_data.persons))
            paths = write_report(report, out)
        summary = report.summary()
        err_console.print(
            f"acceptance {kind}: passed {summary['passed']}, failed {summary['failed']}, "
            f"not run {summary['not_run']} -> {paths['html']}"
        )
        raise typer.Exit(0 if report.passed else 1)
