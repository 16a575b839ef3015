"""``GET /docs``: the OpenAPI document as one self-contained HTML page.

Hospital networks are often closed: the usual viewers (Swagger UI, ReDoc, Scalar) load their
scripts from a CDN, so the page is rendered here, from the same document ``/openapi.json``
serves, with no script and nothing fetched.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

__all__ = ["render_docs"]

_STYLE = """body{font:15px/1.5 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#222}
h2{border-bottom:1px solid #ccc;margin-top:2.5rem}.op{margin:1.2rem 0;padding:.6rem 1rem;border-left:4px solid #2a6}
.m{font-weight:700;font-family:monospace;margin-right:.6rem}.p{font-family:monospace}
pre{background:#f6f6f6;padding:.6rem;overflow:auto;font-size:13px}table{border-collapse:collapse}
td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}"""


def _ref(schema: Any) -> str:
    if not isinstance(schema, dict):
        return ""
    if "$ref" in schema:
        name = str(schema["$ref"]).rsplit("/", 1)[-1]
        return f'<a href="#schema-{escape(name)}">{escape(name)}</a>'
    if schema.get("type") == "array":
        return f"array of {_ref(schema.get('items'))}"
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return " | ".join(_ref(s) for s in schema[key])
    return escape(str(schema.get("type", "object")))


def _operation(method: str, path: str, op: dict[str, Any]) -> str:
    out = [f'<div class="op"><span class="m">{method.upper()}</span><span class="p">{escape(path)}</span>',
           f"<p><b>{escape(op.get('summary', ''))}</b></p>"]
    if op.get("description"):
        out.append(f"<p>{escape(op['description'])}</p>")
    params = op.get("parameters") or []
    if params:
        out.append("<table><tr><th>parameter</th><th>in</th><th>required</th><th>description</th></tr>")
        for p in params:
            out.append(f"<tr><td>{escape(p.get('name', ''))}</td><td>{escape(p.get('in', ''))}</td>"
                       f"<td>{'yes' if p.get('required') else ''}</td><td>{escape(p.get('description', ''))}</td></tr>")
        out.append("</table>")
    body = ((op.get("requestBody") or {}).get("content") or {}).get("application/json")
    if body:
        out.append(f"<p>body: {_ref(body.get('schema'))}</p>")
    rows = []
    for status, resp in sorted((op.get("responses") or {}).items()):
        content = resp.get("content") or {}
        media = next(iter(content), "")
        schema = _ref(content[media].get("schema")) if media else ""
        rows.append(f"<tr><td>{escape(status)}</td><td>{escape(media)}</td><td>{schema}</td>"
                    f"<td>{escape(resp.get('description', ''))}</td></tr>")
    head = "<table><tr><th>status</th><th>type</th><th>schema</th><th>meaning</th></tr>"
    out.append(head + "".join(rows) + "</table>")
    out.append("</div>")
    return "\n".join(out)


def render_docs(document: dict[str, Any]) -> str:
    """The page for an OpenAPI document (a dict)."""
    info = document.get("info", {})
    parts = ["<!doctype html><html lang='en'><head><meta charset='utf-8'>",
             f"<title>{escape(info.get('title', 'API'))}</title><style>{_STYLE}</style></head><body>",
             f"<h1>{escape(info.get('title', ''))} <small>{escape(str(info.get('version', '')))}</small></h1>",
             f"<p>{escape(info.get('description', ''))}</p>",
             "<p>Machine-readable: <a href='/openapi.json'>/openapi.json</a>. Every <code>/v1/</code> request "
             "carries <code>Authorization: Bearer TOKEN</code>; state-changing ones take an "
             "<code>Idempotency-Key</code> (required where money moves).</p>"]
    by_tag: dict[str, list[str]] = {}
    for path, item in sorted((document.get("paths") or {}).items()):
        for method, op in item.items():
            if isinstance(op, dict) and method in ("get", "post", "put", "delete", "patch"):
                tag = (op.get("tags") or ["other"])[0]
                by_tag.setdefault(tag, []).append(_operation(method, path, op))
    for tag, ops in by_tag.items():
        parts.append(f"<h2>{escape(tag)}</h2>")
        parts.extend(ops)
    parts.append("<h2>Schemas</h2>")
    for name, schema in sorted(((document.get("components") or {}).get("schemas") or {}).items()):
        text = json.dumps(schema, ensure_ascii=False, indent=1, default=str)  # Decimal defaults
        parts.append(f"<h3 id='schema-{escape(name)}'>{escape(name)}</h3><pre>{escape(text)}</pre>")
    parts.append("</body></html>")
    return "\n".join(parts)
