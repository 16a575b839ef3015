"""The wire's empty-value rule and Decimal amounts, applied to a transaction's ``input``.

National baseline, 接口报文格式 重点说明 (also the Guangdong guide's notes): "类型为数值的参数，
如果为空，必须传0，其他为空串" -- a numeric field that is empty is sent as ``0``, any other
empty field as ``""``.  :func:`normalize` applies exactly that to the fields the caller *did*
put in (a key present with ``None`` or ``""``): N becomes ``Decimal("0")``, NUM / INT ``0``,
everything else ``""``.  Amounts (N fields) given as ``str`` or ``int`` become ``Decimal``.
Nothing else changes: missing keys stay missing, unknown nodes and fields are copied as they are,
and values that are not valid numbers are left for :func:`~yibao.core.catalog.validate.validate`
to report.  Required-ness is checked on the caller's input *before* normalising.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from .schema import Catalog, Node

__all__ = ["normalize"]

_ZERO = Decimal("0")


def _fix(value: Any, ftype: str) -> Any:
    if value is None or value == "":
        if ftype == "N":
            return _ZERO
        if ftype in ("NUM", "INT"):
            return 0
        return ""
    if ftype == "N" and (type(value) is str or type(value) is int):
        try:
            return Decimal(value.strip() if type(value) is str else value)
        except InvalidOperation:
            return value
    return value


def _row(node: Node, row: Any) -> Any:
    if not isinstance(row, Mapping):
        return row
    out: dict[str, Any] = {}
    for key, value in row.items():
        f = node.field(key)
        if f is not None:
            out[key] = _fix(value, f.type)
            continue
        child = node.child(key)
        out[key] = _value(child, value) if child is not None else value
    return out


def _value(node: Node, value: Any) -> Any:
    if type(value) is list:
        return [_row(node, r) for r in value]
    return _row(node, value)


def normalize(cat: Catalog, infno: str, input: Mapping[str, Any]) -> dict[str, Any]:
    """A new ``input`` dict with empties filled per the wire rule and amounts as ``Decimal``."""
    transaction = cat.get(infno)
    if transaction is None:
        return dict(input)
    out: dict[str, Any] = {}
    root = transaction.input_node("")
    for key, value in input.items():
        node = transaction.input_node(key) if key else None
        if node is not None:
            out[key] = _value(node, value)
        elif root is not None and root.field(key) is not None:
            out[key] = _fix(value, root.field(key).type)  # type: ignore[union-attr]
        else:
            out[key] = value
    return out
