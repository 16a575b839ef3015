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
_NUMERIC_EMPTY: dict[str, Any] = {"N": _ZERO, "NUM": 0, "INT": 0}


class _Plan:
    """Per node: field code -> catalogue type, nested node name -> its plan (compiled once)."""

    __slots__ = ("children", "types")

    def __init__(self, node: Node) -> None:
        self.types: dict[str, str] = {f.code: f.type for f in node.fields}
        self.children: dict[str, _Plan] = {}
        for child in node.children:
            plan = _Plan(child)
            for name in (child.name, *child.aliases):
                self.children[name] = plan

    def row(self, row: Any) -> Any:
        if not isinstance(row, Mapping):
            return row
        types = self.types
        out: dict[str, Any] = {}
        for key, value in row.items():
            ftype = types.get(key)
            if ftype is not None:
                if value is None or value == "":
                    value = _NUMERIC_EMPTY.get(ftype, "")
                elif ftype == "N" and (type(value) is str or type(value) is int):
                    value = _decimal(value)
            else:
                child = self.children.get(key)
                if child is not None:
                    value = child.value(value)
            out[key] = value
        return out

    def value(self, value: Any) -> Any:
        if type(value) is list:
            return [self.row(r) for r in value]
        return self.row(value)


def _decimal(value: str | int) -> Any:
    try:
        return Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        return value  # not a number: left for validate() to report


def _plans(cat: Catalog, infno: str) -> dict[str, _Plan] | None:
    cache: dict[str, dict[str, _Plan]] = cat._normalizers
    plans = cache.get(infno)
    if plans is None:
        transaction = cat.get(infno)
        if transaction is None:
            return None
        plans = {}
        for node in transaction.input:
            plan = _Plan(node)
            for name in (node.name, *node.aliases):
                plans[name] = plan
        cache[infno] = plans
    return plans


def normalize(cat: Catalog, infno: str, input: Mapping[str, Any]) -> dict[str, Any]:
    """A new ``input`` dict with empties filled per the wire rule and amounts as ``Decimal``."""
    plans = _plans(cat, infno)
    if plans is None:
        return dict(input)
    root = plans.get("")  # 无节点: fields directly under input
    out: dict[str, Any] = {}
    for key, value in input.items():
        plan = plans.get(key) if key else None
        if plan is not None:
            out[key] = plan.value(value)
        elif root is not None and key in root.types:
            out[key] = root.row({key: value})[key]
        else:
            out[key] = value
    return out
