"""``yibao schema INFNO [--json]``: a transaction's nodes and fields from the spec catalogue.

Plain output is one rich table per node (code, Chinese name, type, length, dictionary,
required, note); ``--json`` prints::

    {"infno", "name", "kind", "input": [{"node", "caption", "multi", "fields": [
        {"code", "name", "type", "length", "scale", "dict", "required", "note"}]}], "output": [...]}

(nested nodes, 2102 ``durg_trac_info``, appear under their parent as ``"children"``).  An
infno the catalogue does not know prints a message on stderr and exits 2 (shared/contract.md).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..catalog import Node, Transaction, load_catalog

__all__ = ["register", "schema_json"]


def _node_json(node: Node) -> dict[str, Any]:
    out: dict[str, Any] = {
        "node": node.name,
        "caption": node.caption,
        "multi": node.multi,
        "fields": [
            {
                "code": f.code,
                "name": f.name,
                "type": f.type,
                "length": f.length,
                "scale": f.scale,
                "dict": f.dict,
                "required": f.required,
                "note": f.note,
            }
            for f in node.fields
        ],
    }
    if node.children:
        out["children"] = [_node_json(c) for c in node.children]
    return out


def schema_json(t: Transaction) -> dict[str, Any]:
    """The ``--json`` document of one transaction."""
    return {
        "infno": t.infno,
        "name": t.name,
        "kind": t.kind,
        "input": [_node_json(n) for n in t.input],
        "output": [_node_json(n) for n in t.output],
    }


def _length(length: int | None, scale: int | None) -> str:
    if length is None:
        return ""
    return f"{length},{scale}" if scale else str(length)


def _print_node(console: Console, direction: str, node: Node, parent: str = "") -> None:
    rows = "many rows" if node.multi else "one row"
    label = node.name or "(无节点: directly under the envelope's object)"
    title = f"{direction} {parent}{label} - {rows}"
    # Notes carry "[override: ...]": escape every text, or rich would take it for markup.
    caption = escape(node.caption) if node.caption else None
    table = Table(title=escape(title), title_justify="left", caption=caption, caption_justify="left")
    table.add_column("code", no_wrap=True)
    for column in ("名称", "type", "length", "dict", "required"):
        table.add_column(column, no_wrap=True)
    table.add_column("note", overflow="fold", ratio=1)
    for f in node.fields:
        table.add_row(
            escape(f.code), escape(f.name), f.type, _length(f.length, f.scale),
            "Y" if f.dict else "", "Y" if f.required else "", escape(f.note),
        )
    console.print(table)
    for child in node.children:
        _print_node(console, direction, child, f"{parent}{node.name}[].")


def register(app: typer.Typer) -> None:
    """Add the ``schema`` command to ``app``."""

    @app.command("schema")
    def schema(
        infno: Annotated[str, typer.Argument(help="transaction number, e.g. 2102")],
        as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of tables")] = False,
    ) -> None:
        """Input and output nodes and fields of INFNO from the spec catalogue."""
        t = load_catalog().get(infno.strip())
        if t is None:
            typer.echo(f"unknown transaction {infno!r}: not in the spec catalogue", err=True)
            raise typer.Exit(2)
        if as_json:
            typer.echo(json.dumps(schema_json(t), ensure_ascii=False, indent=2))
            return
        console = Console(markup=False)
        console.print(escape(f"【{t.infno}】{t.name}  kind={t.kind}  source={t.source}"))
        if not t.input:
            console.print("input: none")
        for node in t.input:
            _print_node(console, "input", node)
        if not t.output:
            console.print("output: none")
        for node in t.output:
            _print_node(console, "output", node)
