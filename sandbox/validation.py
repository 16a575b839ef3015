"""The centre's own check of an ``input`` against the catalogue's field tables.

Written for the sandbox alone (the client validates with code of its own): the catalogue
*data* is shared, the reading of it is not, so a client whose checks are wrong meets a centre
that does not share the mistake.  National baseline 表 参数类型 and 重点说明; contract.md
"Malformed JSON, wrong types, missing or over-long fields → infcode -1 with an err_msg naming
the field".

Rules, per field of a node (``""`` and ``null`` are "empty": only ``required`` looks at them):

- ``required`` (必填): present and not empty;
- C 字符型: text, at most ``length`` characters, no control characters;
- N 数值型: a number (JSON number or numeric text), finite, at most ``scale`` decimals and
  ``length - scale`` integer digits; NUM 数字型: digits only, at most ``length``; INT 整型: an
  integer of at most ``length`` digits;
- D 日期型 ``yyyy-MM-dd`` and DT 日期时间型 ``yyyy-MM-dd HH:mm:ss``: real calendar dates
  (2026-02-31 is refused);
- a dictionary field (代码标识 Y) whose code table is known takes only its codes (the region's
  local codes included, :mod:`yibao.sandbox.regions`);
- shape: a many-rows node is a list of objects, a one-row node an object; an unknown node of
  ``input`` is refused unless the transaction has fields directly under ``input`` (无节点);
  a missing node that has required fields is refused.  Unknown fields inside a node are
  allowed (real clients send extras).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from yibao.core.catalog.schema import Catalog, Field, Node

__all__ = ["Issue", "Validator"]

Check = Callable[[Any], "str | None"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)\Z", re.ASCII)
_DIGITS = re.compile(r"\d+\Z", re.ASCII)
_INTEGER = re.compile(r"[+-]?\d+\Z", re.ASCII)
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})\Z", re.ASCII)
_DATETIME = re.compile(r"(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})\Z", re.ASCII)


class Issue(NamedTuple):
    """One broken rule; ``where`` is the node path (``drugdetail[1]``), ``field`` its field."""

    infno: str
    where: str
    field: str
    message: str

    def __str__(self) -> str:
        path = f"{self.where}.{self.field}" if self.field else (self.where or "input")
        return f"{self.infno} {path.lstrip('.')}: {self.message}"


def _text(length: int | None) -> Check:
    def check(v: Any) -> str | None:
        if type(v) is not str:
            return "类型错误，应为字符型"
        if length is not None and len(v) > length:
            return f"长度{len(v)}超过{length}"
        if _CONTROL.search(v):
            return "含有控制字符"
        return None

    return check


def _number(length: int | None, scale: int | None) -> Check:
    decimals = scale or 0
    whole = None if length is None else length - decimals

    def check(v: Any) -> str | None:
        if isinstance(v, bool) or not isinstance(v, int | Decimal | str):
            return "类型错误，应为数值型"
        if isinstance(v, str) and _NUMBER.match(v) is None:
            return "类型错误，应为数值型"
        try:
            d = v if isinstance(v, Decimal) else Decimal(v)
        except InvalidOperation:
            return "类型错误，应为数值型"
        if not d.is_finite():
            return "不是有限数值"
        exponent = d.as_tuple().exponent
        assert isinstance(exponent, int)
        if -exponent > decimals:
            return f"小数位数超过{decimals}位"
        if whole is not None and d != 0 and d.adjusted() + 1 > whole:
            return f"整数位数超过{whole}位"
        return None

    return check


def _digits(length: int | None) -> Check:
    def check(v: Any) -> str | None:
        text = str(v) if type(v) is int and v >= 0 else v
        if type(text) is not str or _DIGITS.match(text) is None:
            return "类型错误，应为数字型(仅数字)"
        if length is not None and len(text) > length:
            return f"长度{len(text)}超过{length}"
        return None

    return check


def _integer(length: int | None) -> Check:
    def check(v: Any) -> str | None:
        if not (type(v) is int or (type(v) is str and _INTEGER.match(v))):
            return "类型错误，应为整型"
        if length is not None and len(str(v).lstrip("+-")) > length:
            return f"整数位数超过{length}位"
        return None

    return check


def _calendar(pattern: re.Pattern[str], what: str) -> Check:
    def check(v: Any) -> str | None:
        m = pattern.match(v) if type(v) is str else None
        if m is None:
            return f"格式应为{what}"
        parts = [int(g) for g in m.groups()]
        try:
            if len(parts) == 3:
                date(parts[0], parts[1], parts[2])
            else:  # a local wall-clock text: no zone to attach
                datetime(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5])
        except ValueError:
            return f"不是有效的日期({what})"
        return None

    return check


def _any(v: Any) -> str | None:
    return None


def field_check(f: Field, dictionaries: Mapping[str, Mapping[str, str]]) -> Check:
    """The check of one field (values ``None`` and ``""`` never reach it)."""
    base: Check
    if f.type == "C":
        base = _text(f.length)
    elif f.type == "N":
        base = _number(f.length, f.scale)
    elif f.type == "NUM":
        base = _digits(f.length)
    elif f.type == "INT":
        base = _integer(f.length)
    elif f.type == "D":
        base = _calendar(_DATE, "yyyy-MM-dd")
    elif f.type == "DT":
        base = _calendar(_DATETIME, "yyyy-MM-dd HH:mm:ss")
    else:  # 字节数组, BOOL, OBJ: any JSON value
        base = _any
    table = dictionaries.get(f.code) if f.dict else None
    if not table:
        return base
    codes = frozenset(table)

    def coded(v: Any) -> str | None:
        problem = base(v)
        if problem is None and str(v) not in codes:
            shown = f"[{v}]" if isinstance(v, str) and len(v) <= 10 else ""
            return f"代码{shown}不在字典{f.code}中"
        return problem

    return coded


class _NodeRules:
    """A node's compiled field checks, required fields and nested nodes."""

    def __init__(self, node: Node, dictionaries: Mapping[str, Mapping[str, str]]) -> None:
        self.multi = node.multi
        self.checks = {f.code: field_check(f, dictionaries) for f in node.fields}
        self.required = tuple(f.code for f in node.fields if f.required)
        self.children: dict[str, _NodeRules] = {}
        for child in node.children:
            rules = _NodeRules(child, dictionaries)
            for name in (child.name, *child.aliases):
                self.children[name] = rules

    def value(self, infno: str, where: str, value: Any, issues: list[Issue]) -> None:
        if self.multi:
            if type(value) is not list:
                issues.append(Issue(infno, where, "", "节点应为列表(多行)"))
                return
            for i, row in enumerate(value):
                self.row(infno, f"{where}[{i}]", row, issues)
        else:
            self.row(infno, where, value, issues)

    def row(self, infno: str, where: str, row: Any, issues: list[Issue]) -> None:
        if not isinstance(row, dict):
            issues.append(Issue(infno, where, "", "应为JSON对象"))
            return
        for key, v in row.items():
            check = self.checks.get(key)
            if check is None:
                child = self.children.get(key)
                if child is not None and v is not None:
                    child.value(infno, f"{where}.{key}" if where else key, v, issues)
                continue
            if v is None or (type(v) is str and v == ""):
                continue
            problem = check(v)
            if problem is not None:
                issues.append(Issue(infno, where, key, problem))
        for code in self.required:
            v = row.get(code)
            if v is None or (type(v) is str and v == ""):
                issues.append(Issue(infno, where, code, "必填字段为空"))


class _TransactionRules:
    def __init__(self, catalog: Catalog, infno: str) -> None:
        transaction = catalog.get(infno)
        assert transaction is not None
        self.infno = infno
        self.root: _NodeRules | None = None
        self.nodes: dict[str, _NodeRules] = {}
        self.named: list[tuple[str, _NodeRules]] = []
        for node in transaction.input:
            rules = _NodeRules(node, catalog.dictionaries)
            if node.name == "":
                self.root = rules  # 无节点: fields directly under input
                continue
            self.named.append((node.name, rules))
            for name in (node.name, *node.aliases):
                self.nodes[name] = rules

    def __call__(self, inp: Any) -> list[Issue]:
        issues: list[Issue] = []
        if not isinstance(inp, dict):
            return [Issue(self.infno, "input", "", "应为JSON对象")]
        if self.root is not None:
            self.root.row(self.infno, "", {k: v for k, v in inp.items() if k not in self.nodes}, issues)
        for key, value in inp.items():
            rules = self.nodes.get(key)
            if rules is not None:
                rules.value(self.infno, key, value, issues)
            elif self.root is None:
                known = ", ".join(name for name, _ in self.named)
                issues.append(Issue(self.infno, key, "", f"未知节点(本交易的输入节点: {known})"))
        for name, rules in self.named:
            present = any(k in inp for k, r in self.nodes.items() if r is rules)
            if not present and rules.required:
                issues.append(Issue(self.infno, name, "", "节点缺失"))
        return issues


class Validator:
    """Checks inputs against one catalogue; transactions it does not describe pass."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._compiled: dict[str, _TransactionRules] = {}

    def __call__(self, infno: str, inp: Any) -> list[Issue]:
        if infno not in self.catalog:
            return []  # a region's own transaction: its handler checks it
        rules = self._compiled.get(infno)
        if rules is None:
            rules = self._compiled[infno] = _TransactionRules(self.catalog, infno)
        return rules(inp)
