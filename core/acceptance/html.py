"""``report.html`` of ``yibao acceptance`` and of the console's runs: one self-contained page a bureau
reads and prints.

- the summary table: one row per interface with its status, the reason of a failure, the
  evidence asked and given, and a link to its section;
- a section per interface with every call as it went on the wire (masked request, msgid, reply);
- the region's acceptance form (Gansu 附录1) where it has one;
- a CJK font stack (the page is Chinese) and a print stylesheet (A4, no link colours, sections
  kept together, the request / reply text wrapped): the bureau prints it as the screenshot.

Every value is escaped.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping
from typing import Any

from .. import wire

__all__ = ["render_html"]

_CSS = """
body{font-family:"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC",
"WenQuanYi Micro Hei","SimSun",sans-serif;margin:2em;line-height:1.5}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #999;padding:4px 8px;vertical-align:top}
th{background:#eee}.passed .st{color:#070}.failed .st,.error{color:#b00}.not_run .st{color:#a60}
pre{background:#f4f4f4;padding:8px;white-space:pre-wrap;word-break:break-all;font-family:"Noto Sans Mono CJK SC",
"Sarasa Mono SC",monospace;font-size:12px}section{border-top:1px solid #ccc;margin-top:1.5em}
.warn{color:#a60}figure{margin:.5em 0}figure img{max-width:100%;border:1px solid #ccc}
.form td:first-child{font-weight:bold;white-space:nowrap}
@media print{@page{size:A4;margin:15mm}body{margin:0;font-size:11pt}a{color:inherit;text-decoration:none}
section,table.form,tr{page-break-inside:avoid}pre{font-size:9pt;background:none;border:1px solid #ccc}
.noprint{display:none}h2{page-break-before:auto}}
"""


def _pre(obj: Any) -> str:
    return html.escape(wire.dumps(obj, check_floats=False)) if obj is not None else ""


def _form(form: Mapping[str, Any] | None) -> str:
    if not form:
        return ""
    esc = html.escape
    out = [f"<h2>{esc(str(form.get('title', 'acceptance form')))}</h2>"]
    for section in form.get("sections", []):
        out.append(f"<table class=\"form\"><tr><th colspan=\"3\">{esc(str(section.get('name', '')))}</th></tr>")
        for row in section.get("rows", []):
            out.append(f"<tr><td>{esc(str(row.get('item', '')))}</td><td>{esc(str(row.get('result', '')))}</td>"
                       f"<td>{esc(str(row.get('basis', '')))}</td></tr>")  # fmt: skip
        out.append("</table>")
    if form.get("conclusion"):
        out.append(f"<p><b>综合验证结论:</b> {esc(str(form['conclusion']))}</p>")
    return "".join(out)


def _images(names: list[str], images: Mapping[str, bytes]) -> str:
    # 界面截图 embedded as data: URIs, so the one file carries its evidence when it is sent on
    out = [f'<figure><img alt="{html.escape(n)}" src="data:image/png;base64,{base64.b64encode(images[n]).decode()}">'
           f"<figcaption>{html.escape(n)}</figcaption></figure>" for n in names if n in images]
    return f"<h4>界面截图 (console screenshots)</h4>{''.join(out)}" if out else ""


def render_html(report: Any, images: Mapping[str, bytes] | None = None) -> str:
    """The report as one self-contained HTML page (screenshots embedded); every value is escaped."""
    esc = html.escape
    images = images or {}
    rows, details = [], []
    for i in report.interfaces:
        anchor = f"if-{esc(i.infno)}"
        reason = f'<span class="error">{esc(i.error)}</span>' if i.error else ""
        rows.append(
            f'<tr class="{esc(i.status)}"><td><a href="#{anchor}">{esc(i.infno)}</a></td><td>{esc(i.name)}</td>'
            f'<td class="st">{esc(i.status)}</td><td>{reason}</td><td>{i.seconds:.3f}s</td><td>{len(i.calls)}</td>'
            f"<td>{esc(i.evidence_asked)}</td><td>{esc(i.evidence)}</td></tr>"
        )
        calls = []
        for n, c in enumerate(i.calls, 1):
            warn = f'<p class="warn">centre: {esc(c.warning)}</p>' if c.warning else ""
            err = f'<p class="error">{esc(c.error)}</p>' if c.error else ""
            calls.append(f"<h4>call {n}: msgid {esc(c.msgid or '-')} ({esc(c.at)}, {c.seconds:.3f}s)</h4>{err}{warn}"
                         f"<p>request (as sent, masked)</p><pre>{_pre(c.request)}</pre>"
                         f"<p>reply (masked)</p><pre>{_pre(c.reply)}</pre>")  # fmt: skip
        details.append(
            f'<section id="{anchor}"><h3>{esc(i.infno)} {esc(i.name)} — {esc(i.status)}</h3>'
            + (f'<p class="error">{esc(i.error)}</p>' if i.error else "")
            + ("".join(calls) or "<p>no call</p>")
            + _images(getattr(report, "screenshots", {}).get(i.infno, []), images)
            + '<p class="noprint"><a href="#top">↑ summary</a></p></section>'
        )
    summary = report.summary()
    notes = "".join(f"<li>{esc(n)}</li>" for n in report.notes)
    groups = ", ".join(report.groups) or "-"
    media = ", ".join(report.media) or "-"
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>接口验收报告 {esc(report.region)} {esc(report.kind)}</title><style>{_CSS}</style></head><body>"
        f'<h1 id="top">接口验收报告 (acceptance report)</h1><p>region {esc(report.region)} · kind {esc(report.kind)} · '
        f"groups {esc(groups)} · institution {esc(report.fixmedins_code)} · gateway {esc(report.gateway)} · "
        f"{esc(report.started_at)} – {esc(report.finished_at)}</p><p>media read: {esc(media)}</p>"
        f"<p>passed {summary['passed']} · failed {summary['failed']} · not run {summary['not_run']}</p>"
        "<table><tr><th>infno</th><th>name</th><th>status</th><th>reason</th><th>time</th><th>calls</th>"
        f"<th>evidence asked</th><th>evidence</th></tr>{''.join(rows)}</table>"
        f"{_functions(report.functions)}{_form(report.form)}<h2>notes</h2><ul>{notes}</ul>"
        f"<h2>interfaces</h2>{''.join(details)}</body></html>\n"
    )


def _functions(functions: list[dict[str, Any]]) -> str:
    """``--kind internet``: the region's functions (Xiamen's 29) with their interfaces and evidence."""
    if not functions:
        return ""
    esc = html.escape
    rows = "".join(
        f'<tr class="{esc(f["status"])}"><td>{f["number"]}</td><td>{esc(f["module"])}</td><td>{esc(f["name"])}</td>'
        f'<td class="st">{esc(f["status"])}</td><td>{esc(" → ".join(f["interfaces"]))}</td>'
        f'<td>{"yes" if f["verified"] else "no (assumed)"}</td><td>{esc(f["evidence"])}</td></tr>'
        for f in functions)
    return ("<h2>functions</h2><table><tr><th>#</th><th>module</th><th>function</th><th>status</th>"
            f"<th>interfaces</th><th>verified</th><th>evidence</th></tr>{rows}</table>")
