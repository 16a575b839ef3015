"""``yibao schema INFNO [--json]``: a transaction's nodes and fields from the spec catalogue.

Plain output is one rich table per node (code, Chinese name, type, length, dictionary,
required, note); ``--json`` prints::

    {"infno", "name", "kind", "input": [{"node", "caption", "multi", "fields": [
        {"code", "name", "type", "length", "scale", "dict", "required", "note"}]}], "output": [...]}

(nested nodes, 2102 ``durg_trac_info``, appear under their parent as ``"children"``).  An
infno the catalogue does not know prints a message on stderr and exits 2 (shared/contract.md).

The catalogue is the region's: the national baseline plus the region's own transactions
(Dongguan's CFY* and 90xxx, Yunnan's 1191 / 1192, Gansu's 2021 meanings) and local codes, for
``--region CODE`` or, without it, the configured region (``--config`` / ``$YIBAO_CONFIG`` /
``./yibao.toml`` when one exists); the national baseline alone when there is neither.  The JSON
then also carries ``region``, ``verified`` and ``source``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from ..catalog import Catalog, Node, Transaction, load_catalog

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


def schema_json(t: Transaction, region: str = "") -> dict[str, Any]:
    """The ``--json`` document of one transaction."""
    return {
        "infno": t.infno,
        "name": t.name,
        "kind": t.kind,
        "region": region,
        "verified": t.verified,
        "source": t.source,
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
    # Notes carry "[override: ...]": the console prints with markup off, so they stay as written
    # (an escape() here would print its backslash).
    caption = node.caption or None
    # Light borders and short headers: on an 80-column terminal the note keeps about 20 columns
    # instead of 5 (a 30-line column of two characters a line); `--json` has every field whole.
    table = Table(title=title, title_justify="left", caption=caption, caption_justify="left",
                  box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("code", no_wrap=True)
    table.add_column("名称", overflow="fold", max_width=16)
    for column in ("type", "len", "dict", "req"):
        table.add_column(column, no_wrap=True)
    table.add_column("note", overflow="fold", ratio=1, min_width=16)
    for f in node.fields:
        table.add_row(
            f.code, f.name, f.type, _length(f.length, f.scale),
            "Y" if f.dict else "", "Y" if f.required else "", f.note,
        )
    console.print(table)
    for child in node.children:
        _print_node(console, direction, child, f"{parent}{node.name}[].")


def _configured_region(ctx: typer.Context) -> str:
    """The configuration's ``region`` when a configuration file exists, else ``""``."""
    path = getattr(ctx.find_root().obj, "config_path", None) or os.environ.get("YIBAO_CONFIG") or "yibao.toml"
    if not Path(path).exists():
        return ""
    from ..config import load_config

    return load_config(path).region


def _catalogue(region: str) -> Catalog:
    """The national catalogue with ``region``'s own transactions and codes (exit 2 for an unknown region)."""
    if not region:
        return load_catalog()
    from ..errors import ConfigurationError
    from ..plugins import load_registry

    try:
        profile = load_registry().resolve(region)
    except ConfigurationError as exc:
        typer.echo(f"--region: {exc}", err=True)
        raise typer.Exit(2) from None
    return load_catalog().with_extra(profile.extra_transactions, profile.dictionaries)


def register(app: typer.Typer) -> None:
    """Add the ``schema`` command to ``app``."""

    @app.command("schema")
    def schema(
        ctx: typer.Context,
        infno: Annotated[str, typer.Argument(help="transaction number, e.g. 2102")],
        as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of tables")] = False,
        region: Annotated[str, typer.Option("--region",
                                            help="the region's catalogue (default: the configured one)")] = "",
    ) -> None:
        """Input and output nodes and fields of INFNO from the region's spec catalogue."""
        code = region or _configured_region(ctx)
        catalog = _catalogue(code)
        t = catalog.get(infno.strip())
        if t is None:
            where = f"region {code}" if code else "the national baseline"
            typer.echo(f"unknown transaction {infno!r}: not in the spec catalogue of {where}", err=True)
            raise typer.Exit(2)
        if as_json:
            typer.echo(json.dumps(schema_json(t, code), ensure_ascii=False, indent=2))
            return
        console = Console(markup=False)
        console.print(f"【{t.infno}】{t.name}  kind={t.kind}  region={code or 'national'}  "
                      f"verified={t.verified}  source={t.source}")
        if not t.input:
            console.print("input: none")
        for node in t.input:
            _print_node(console, "input", node)
        if not t.output:
            console.print("output: none")
        for node in t.output:
            _print_node(console, "output", node)
