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

import typer

from .. import wire
from ..errors import ConfigurationError
from ._common import client_from_ctx, err_console, handle_errors
from .acceptance_html import render_html

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


def usage_log(records: list[Any]) -> str:
    """使用日志: time, infno, msgid, outcome and seconds per transaction (masked, no amounts of persons)."""
    lines = []
    for r in records:
        outcome = "ok" if r.ok else f"error {r.error}"
        lines.append(f"{r.at}\t{r.infno}\t{r.msgid or '-'}\t{outcome}\t{r.seconds:.3f}s")
    return "\n".join(lines) + ("\n" if lines else "")


def write_report(report: Any, out: Path) -> dict[str, Path]:
    """Write report.json, report.html and usage-log.txt into ``out``; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "report.json", "html": out / "report.html", "log": out / "usage-log.txt"}
    paths["json"].write_text(wire.dumps(report.to_json(), check_floats=False) + "\n", encoding="utf-8")
    paths["html"].write_text(render_html(report), encoding="utf-8")
    paths["log"].write_text(usage_log(report.records), encoding="utf-8")
    return paths


def register(app: typer.Typer) -> None:
    @app.command("acceptance")
    def acceptance(
        ctx: typer.Context,
        kind: Annotated[str, typer.Option("--kind", help="institution kind: pharmacy, clinic or hospital")],
        out: Annotated[Path, typer.Option("--out", help="directory for report.json / report.html")],
        data: Annotated[Path | None, typer.Option("--data", help="JSON test data: persons and items")] = None,
        with_: Annotated[str, typer.Option("--with", help="conditional groups, comma-separated (Dongguan: "
                                                          "chronic, maternity)")] = "",
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
            paths = write_report(report, out)
        summary = report.summary()
        err_console.print(
            f"acceptance {kind}: passed {summary['passed']}, failed {summary['failed']}, "
            f"not run {summary['not_run']} -> {paths['html']}"
        )
        raise typer.Exit(0 if report.passed else 1)
