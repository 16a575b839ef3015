"""Inputs for the interfaces no flow reaches, built from the catalogue's field tables."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from ..catalog import Catalog
from ..catalog.schema import Node
from ..clock import now as now_in_shanghai
from ..clock import wire_date, wire_time

__all__ = ["synth_input"]


def _placeholder(field: Any, now: datetime, dictionaries: Mapping[str, Mapping[str, str]]) -> Any:
    table = dictionaries.get(field.code) if field.dict else None
    if table:
        return next(iter(table))
    kind = field.type
    if kind == "N":
        return Decimal("0")
    if kind == "INT":
        return 1
    if kind == "NUM":
        return "1"
    if kind == "D":
        return wire_date(now)
    if kind == "DT":
        return wire_time(now)
    if kind == "OBJ":
        return []
    text = "1"
    return text[: field.length] if field.length else text


def _row(node: Any, context: Mapping[str, Any], now: datetime, dictionaries: Mapping[str, Mapping[str, str]]) -> Any:
    row: dict[str, Any] = {}
    for field in node.fields:
        known = context.get(field.code)
        fits = isinstance(known, str) and (field.length is None or len(known) <= field.length)
        if known is not None and (fits or not isinstance(known, str)):
            row[field.code] = known
        elif field.required:
            row[field.code] = _placeholder(field, now, dictionaries)
    for child in node.children:
        row[child.name] = _row(child, context, now, dictionaries)
    return [row] if node.multi else row


def _apply(value: Any, patch: Mapping[str, Any]) -> Any:
    if isinstance(value, list):
        return [{**r, **patch} if isinstance(r, dict) else r for r in value]
    return {**value, **patch} if isinstance(value, dict) else value


def synth_input(
    catalog: Catalog, infno: str, context: Mapping[str, Any], now: datetime | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """An input for ``infno``: known values from ``context``, required fields filled by type.

    Used for the interfaces no flow builds by hand (queries, uploads the bureau checks in its
    back office) and by the flows as the base of an input.  ``overrides`` is ``{node: {field:
    value}}`` (``""`` for fields directly under ``input``; applied to every row of a many-rows
    node; a node given as a list replaces the node).
    """
    transaction = catalog.get(infno)
    if transaction is None:
        raise KeyError(infno)
    now = now or now_in_shanghai()
    out: dict[str, Any] = {}
    for node in transaction.input:
        value = _row(node, context, now, catalog.dictionaries)
        if node.name == "":
            if not node.fields:
                value = {k: context[k] for k in ("psn_no", "fixmedins_code") if k in context}
            out.update(value if isinstance(value, dict) else {})
        else:
            out[node.name] = value
    for name, patch in (overrides or {}).items():
        if name == "":
            out.update(patch)
        elif isinstance(patch, list):
            out[name] = patch
        else:
            out[name] = _apply(out.get(name, {}), patch)
    # A flow's line may serve a family of interfaces (3501 / 3501A / 3502 ...): what a node's
    # table does not have is left out, as validation would refuse it (issue 10 #6).
    nodes = {n.name: n for n in transaction.input}
    for name, value in list(out.items()):
        if name and name in nodes:
            out[name] = _trim(nodes[name], value)
    root = nodes.get("")
    if root is not None and root.fields:
        known = {f.code for f in root.fields} | set(nodes)
        out = {k: v for k, v in out.items() if k in known}
    return out


def _trim(node: Node, value: Any) -> Any:
    """``value`` (a row or rows of ``node``) with only the fields and child nodes the table has."""
    if isinstance(value, list):
        return [_trim(node, v) for v in value]
    if not isinstance(value, Mapping) or not node.fields:
        return value
    children = {name: c for c in node.children for name in (c.name, *c.aliases)}
    codes = {f.code for f in node.fields}
    return {k: (_trim(children[k], v) if k in children else v) for k, v in value.items() if k in codes or k in children}


