"""``yibao acceptance --kind KIND --out DIR``: run a kind's required interfaces and write the report.

Writes ``DIR/report.json`` (machine-readable), ``DIR/report.html`` (for the bureau: every
interface with its status, timing, masked request and reply, and the evidence asked / given)
and ``DIR/usage-log.txt`` (the 使用日志: one masked line per transaction).  Exit 0 when every
interface passed, 1 when one did not, 2 for a usage or configuration error.

The persons and items to settle come from ``--data FILE`` (JSON ``{"persons": [...], "items":
[...]}``, the test data the bureau gives) or, against the sandbox, from its control API.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

from .. import wire
from ..errors import ConfigurationError
from ._common import client_from_ctx, err_console, handle_errors

__all__ = ["register", "render_html", "usage_log", "write_report"]


def _sandbox_data(url: str) -> Any:
    """Persons, items and an e-voucher source from a sandbox's control API (loopback only)."""
    import httpx

    from ..acceptance import AcceptanceData

    try:
        persons = httpx.get(f"{url}/_sandbox/persons", timeout=10).json()
        items = httpx.get(f"{url}/_sandbox/catalog", timeout=10).json()
    except (httpx.HTTPError, ValueError):
        return None
    if not isinstance(persons, list) or not isinstance(items, list):
        return None

    def ectoken(certno: str) -> str:
        r = httpx.post(f"{url}/_sandbox/ectoken", json={"certno": certno}, timeout=10)
        return str(r.json()["ectoken"])

    return AcceptanceData(persons=persons, items=items, ectoken=ectoken)


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


def _pre(obj: Any) -> str:
    return html.escape(wire.dumps(obj, check_floats=False)) if obj is not None else ""


def render_html(report: Any) -> str:
    """The report as one self-contained HTML page; every value is escaped."""
    esc = html.escape
    rows = []
    for i in report.interfaces:
        rows.append(
            f'<tr class="{esc(i.status)}"><td>{esc(i.infno)}</td><td>{esc(i.name)}</td><td>{esc(i.status)}</td>'
            f"<td>{i.seconds:.3f}s</td><td>{i.calls}</td><td>{esc(i.evidence_asked)}</td><td>{esc(i.evidence)}</td></tr>"
        )
    details = []
    for i in report.interfaces:
        details.append(
            f'<section id="{esc(i.infno)}"><h3>{esc(i.infno)} {esc(i.name)} — {esc(i.status)}</h3>'
            f"<p>msgid: {esc(', '.join(i.msgids) or '-')}</p>"
            + (f'<p class="error">{esc(i.error)}</p>' if i.error else "")
            + f"<h4>request (masked)</h4><pre>{_pre(i.request)}</pre>"
            f"<h4>reply (masked)</h4><pre>{_pre(i.reply)}</pre></section>"
        )
    summary = report.to_json()["summary"]
    notes = "".join(f"<li>{esc(n)}</li>" for n in report.notes)
    functions = "".join(
        f'<tr class="{esc(f["status"])}"><td>{f["number"]}</td><td>{esc(f["module"])}</td><td>{esc(f["name"])}</td>'
        f'<td>{esc(f["status"])}</td><td>{esc(" → ".join(f["interfaces"]))}</td>'
        f'<td>{"yes" if f["verified"] else "no (assumed)"}</td><td>{esc(f["evidence"])}</td></tr>'
        for f in report.functions)
    if functions:
        functions = ("<h2>functions</h2><table><tr><th>#</th><th>module</th><th>function</th><th>status</th>"
                     f"<th>interfaces</th><th>verified</th><th>evidence</th></tr>{functions}</table>")
    return (
        '<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8">'
        f"<title>接口验收报告 {esc(report.region)} {esc(report.kind)}</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #999;padding:4px 8px;vertical-align:top}.passed td:nth-child(3){color:#070}"
        ".failed td:nth-child(3),.error{color:#b00}.not_run td:nth-child(3){color:#a60}"
        "pre{background:#f4f4f4;padding:8px;white-space:pre-wrap;word-break:break-all}</style></head><body>"
        f"<h1>接口验收报告 (acceptance report)</h1><p>region {esc(report.region)} · kind {esc(report.kind)} · "
        f"institution {esc(report.fixmedins_code)} · gateway {esc(report.gateway)} · "
        f"{esc(report.started_at)} – {esc(report.finished_at)}</p>"
        f"<p>passed {summary['passed']} · failed {summary['failed']} · not run {summary['not_run']}</p>"
        "<table><tr><th>infno</th><th>name</th><th>status</th><th>time</th><th>calls</th>"
        f"<th>evidence asked</th><th>evidence</th></tr>{''.join(rows)}</table>"
        f"{functions}<h2>notes</h2><ul>{notes}</ul><h2>interfaces</h2>{''.join(details)}</body></html>\n"
    )


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
    ) -> None:
        """Run the region's required-interface list for KIND and write the acceptance report."""
        from ..acceptance import run_acceptance

        with handle_errors():
            client = client_from_ctx(ctx)
            kinds: Mapping[str, tuple[str, ...]] = client.profile.institution_kinds
            if kind not in kinds:
                known = ", ".join(sorted(kinds)) or "none"
                raise ConfigurationError(
                    "--kind", f"region {client.profile.code} has no kind {kind!r} (known: {known})"
                )
            base = client.config.gateway.url.rstrip("/")
            test_data = _file_data(data) if data else _sandbox_data(base)
            if test_data is None:
                raise ConfigurationError("--data", "this gateway is not a sandbox: give the bureau's test data")
            if kind == "internet":
                from ..acceptance.internet import run_internet

                report = run_internet(client, list(test_data.persons), None if data else _rehearsal(base))
            else:
                notes = client.hooks.acceptance_notes(kind)
                report = run_acceptance(client, kind, kinds[kind], test_data, notes=notes)
            paths = write_report(report, out)
        summary = report.to_json()["summary"]
        err_console.print(
            f"acceptance {kind}: passed {summary['passed']}, failed {summary['failed']}, "
            f"not run {summary['not_run']} -> {paths['html']}"
        )
        raise typer.Exit(0 if report.passed else 1)
