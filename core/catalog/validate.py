"""Local validation of a transaction's ``input`` against the catalogue, before anything is sent.

Rules (each :class:`~yibao.core.errors.ValidationIssue` names infno, node, row, field and rule):

- ``required``: a field the spec marks 必填 is missing, ``None`` or ``""`` (checked on the
  caller's input, before :func:`~yibao.core.catalog.normalize.normalize` fills empties);
- ``type``: C is a ``str``; N a ``Decimal``, ``int`` or numeric string; NUM digits only; INT an
  integer; D ``yyyy-MM-dd``; DT ``yyyy-MM-dd HH:mm:ss``; no control characters in text;
- ``length``: characters, not bytes (𠮷 counts one); for N, at most ``length - scale`` integer
  digits;
- ``precision``: N at most ``scale`` decimals (amounts 16,2: two);
- ``dictionary``: a dict field whose code table is known takes only its values (tables named
  like the field; unknown tables are not enforced);
- ``shape``: a many-rows node must be a list of objects, a one-row node an object -- a single
  object is not accepted for a list, nor the reverse; an unknown node of ``input`` is an issue
  (unknown fields inside a node are allowed: real clients send extras);
- ``float``: a ``float`` anywhere is refused -- amounts must be ``Decimal``.

Speed: validation runs on every call (the 2102 of a pharmacy carries dozens of rows), so each
transaction is compiled once per catalogue into per-node tables of small check closures with
regexes compiled at import; the per-call work is one dict lookup per key.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from ..errors import ValidationIssue
from .schema import Catalog, Field, Node

__all__ = ["validate"]

Check = Callable[[Any], tuple[str, str] | None]

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NUMERIC = re.compile(r"^[+-]?(\d*)(?:\.(\d*))?\Z", re.ASCII)
_DIGITS = re.compile(r"^\d+\Z", re.ASCII)
_INTEGER = re.compile(r"^[+-]?\d+\Z", re.ASCII)
_DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])\Z", re.ASCII)
_DATETIME = re.compile(
    r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]) ([01]\d|2[0-3]):[0-5]\d:[0-5]\d\Z", re.ASCII
)
_FLOAT = ("float", "amounts must be Decimal, not float")


def _text_check(length: int | None) -> Check:
    def check(v: Any) -> tuple[str, str] | None:
        if type(v) is not str:
            return _FLOAT if type(v) is float else ("type", f"expected text, got {type(v).__name__}")
        if length is not None and len(v) > length:
            return "length", f"{len(v)} characters, at most {length}"
        if _CONTROL.search(v):
            return "type", "contains a control character"
        return None

    return check


def _pattern_check(pattern: re.Pattern[str], what: str) -> Check:
    def check(v: Any) -> tuple[str, str] | None:
        if type(v) is float:
            return _FLOAT
        if v == "":
            return None
        if type(v) is not str or pattern.match(v) is None:
            return "type", f"expected {what}, got {v!r}"[:200]
        return None

    return check


def _digit_counts(v: Any) -> tuple[int, int] | None:
    """(integer digits, decimals) of a Decimal / int / numeric string; ``None`` if not a number."""
    if type(v) is int:
        return len(str(abs(v))), 0
    if isinstance(v, Decimal):
        if not v.is_finite():
            return None
        _sign, digits, exponent = v.as_tuple()
        assert isinstance(exponent, int)
        if exponent >= 0:
            return len(digits) + exponent, 0
        return max(len(digits) + exponent, 0), -exponent
    if type(v) is str:
        m = _NUMERIC.match(v)
        if m is None or not (m.group(1) or m.group(2)):
            return None
        whole = m.group(1).lstrip("0")
        return len(whole), len(m.group(2) or "")
    return None


def _number_check(length: int | None, scale: int | None) -> Check:
    int_limit = None if length is None else length - (scale or 0)
    dec_limit = scale or 0

    def check(v: Any) -> tuple[str, str] | None:
        if type(v) is float:
            return _FLOAT
        if type(v) is str and v == "":
            return None
        counts = _digit_counts(v)
        if counts is None:
            if isinstance(v, Decimal):
                return "type", f"{v} is not a finite number"
            return "type", f"expected a number (Decimal, int or numeric text), got {type(v).__name__}"
        if counts[1] > dec_limit:
            return "precision", f"{counts[1]} decimals, at most {dec_limit}"
        if int_limit is not None and counts[0] > int_limit:
            return "length", f"{counts[0]} integer digits, at most {int_limit}"
        return None

    return check


def _digits_check(length: int | None) -> Check:
    def check(v: Any) -> tuple[str, str] | None:
        if type(v) is float:
            return _FLOAT
        if v == "":
            return None
        text = str(v) if type(v) is int and v >= 0 else v
        if type(text) is not str or _DIGITS.match(text) is None:
            return "type", "expected digits only"
        if length is not None and len(text) > length:
            return "length", f"{len(text)} digits, at most {length}"
        return None

    return check


def _int_check(length: int | None) -> Check:
    def check(v: Any) -> tuple[str, str] | None:
        if type(v) is float:
            return _FLOAT
        if v == "":
            return None
        if type(v) is int or (type(v) is str and _INTEGER.match(v)):
            if length is not None and len(str(v).lstrip("+-")) > length:
                return "length", f"more than {length} digits"
            return None
        return "type", f"expected an integer, got {type(v).__name__}"

    return check


def _any_check(v: Any) -> tuple[str, str] | None:
    return _FLOAT if _has_float(v) else None


def _has_float(v: Any) -> bool:
    if type(v) is float:
        return True
    if isinstance(v, Mapping):
        return any(_has_float(x) for x in v.values())
    if isinstance(v, list | tuple):
        return any(_has_float(x) for x in v)
    return False


def _field_check(f: Field, dictionaries: Mapping[str, Mapping[str, str]]) -> Check:
    if f.type == "N":
        base = _number_check(f.length, f.scale)
    elif f.type == "NUM":
        base = _digits_check(f.length)
    elif f.type == "INT":
        base = _int_check(f.length)
    elif f.type == "D":
        base = _pattern_check(_DATE, "a date yyyy-MM-dd")
    elif f.type == "DT":
        base = _pattern_check(_DATETIME, "a date-time yyyy-MM-dd HH:mm:ss")
    elif f.type == "C":
        base = _text_check(f.length)
    else:  # bytes, BOOL, OBJ: any JSON value, floats still refused
        base = _any_check
    table = dictionaries.get(f.code) if f.dict else None
    if not table:
        return base
    allowed = frozenset(table)

    def check(v: Any) -> tuple[str, str] | None:
        problem = base(v)
        if problem is None and v != "" and str(v) not in allowed:
            return "dictionary", f"{v!r} is not a code of {f.code}"[:200]
        return problem

    return check


class _NodeCheck:
    """Compiled checks of one node: field table, required codes, nested nodes."""

    __slots__ = ("checks", "children", "multi", "name", "numbers", "patterns", "required", "texts")

    def __init__(self, node: Node, dictionaries: Mapping[str, Mapping[str, str]]) -> None:
        self.name = node.name
        self.multi = node.multi
        self.checks: dict[str, Check] = {f.code: _field_check(f, dictionaries) for f in node.fields}
        # Fast paths for the common valid cases, so that most values cost no function call:
        # text fields -> (max length, allowed codes or None); N fields -> (scale, integer digits).
        self.texts: dict[str, tuple[int, frozenset[str] | None]] = {}
        self.numbers: dict[str, tuple[int, int]] = {}
        # D / DT / NUM written as text: one regex match (NUM's length is in its pattern).
        self.patterns: dict[str, re.Pattern[str]] = {}
        for f in node.fields:
            if f.dict and dictionaries.get(f.code) and f.type != "C":
                continue  # a coded number or date: always the full check (with its dictionary)
            if f.type == "D":
                self.patterns[f.code] = _DATE
            elif f.type == "DT":
                self.patterns[f.code] = _DATETIME
            elif f.type == "NUM":
                digits = rf"\d{{1,{f.length}}}\Z" if f.length else r"\d+\Z"
                self.patterns[f.code] = re.compile(digits, re.ASCII)
            elif f.type == "N":
                scale = f.scale or 0
                self.numbers[f.code] = (scale, (f.length - scale) if f.length is not None else 1 << 30)
        for f in node.fields:
            if f.type == "C":
                table = dictionaries.get(f.code) if f.dict else None
                self.texts[f.code] = (f.length or 1 << 30, frozenset(table) if table else None)
        self.required: tuple[str, ...] = tuple(f.code for f in node.fields if f.required)
        self.children: dict[str, _NodeCheck] = {}
        for child in node.children:
            compiled = _NodeCheck(child, dictionaries)
            for name in (child.name, *child.aliases):
                self.children[name] = compiled

    def value(self, infno: str, where: str, value: Any, issues: list[ValidationIssue]) -> None:
        """Check the node's value: a list of rows or one row, per ``multi``."""
        if self.multi:
            if type(value) is not list:
                issues.append(ValidationIssue(infno, where, "", "shape", "many rows: expected a list"))
                return
            for index, row in enumerate(value):
                self.row(infno, where, row, index, issues)
        else:
            self.row(infno, where, value, None, issues)

    def row(self, infno: str, where: str, row: Any, index: int | None, issues: list[ValidationIssue]) -> None:
        if type(row) is not dict and not isinstance(row, Mapping):
            what = "each row must be an object" if index is not None else "one row: expected an object"
            issues.append(ValidationIssue(infno, where, "", "shape", what, index))
            return
        checks = self.checks
        texts = self.texts
        numbers = self.numbers
        patterns = self.patterns
        control = _CONTROL.search
        for key, v in row.items():
            cls = type(v)
            if cls is str:
                spec = texts.get(key)
                if spec is not None:
                    if len(v) <= spec[0] and (spec[1] is None or not v or v in spec[1]) and not control(v):
                        continue
                else:
                    pattern = patterns.get(key)
                    if pattern is not None and pattern.match(v) is not None:
                        continue
            elif cls is Decimal:
                limits = numbers.get(key)
                if limits is not None:
                    # str() is several times cheaper than as_tuple().  Plain notation only (no
                    # "E"), finite only (NaN / Infinity end in a letter); else the full check.
                    text = str(v)
                    if "E" not in text and text[-1] <= "9":
                        dot = text.find(".")
                        decimals = len(text) - dot - 1 if dot >= 0 else 0
                        if decimals <= limits[0] and v.adjusted() < limits[1]:
                            continue
            check = checks.get(key)
            if check is None:
                child = self.children.get(key)
                if child is not None:
                    path = f"{where}[{index}].{key}" if index is not None else f"{where}.{key}"
                    child.value(infno, path, v, issues)
                elif _has_float(v):
                    issues.append(ValidationIssue(infno, where, key, *_FLOAT, index))
                continue
            if v is None:
                continue
            # Each check treats "" as empty (required-ness is checked below).
            problem = check(v)
            if problem is not None:
                issues.append(ValidationIssue(infno, where, key, problem[0], problem[1], index))
        get = row.get
        for code in self.required:
            v = get(code)
            # ``not v`` first: a non-empty value never reaches the slower comparisons.
            if not v and (v is None or v == ""):
                issues.append(ValidationIssue(infno, where, code, "required", "required, empty", index))


class _TransactionCheck:
    __slots__ = ("infno", "nodes", "root")

    def __init__(self, catalog: Catalog, infno: str) -> None:
        transaction = catalog.get(infno)
        if transaction is None:
            raise KeyError(infno)
        self.infno = infno
        self.nodes: dict[str, _NodeCheck] = {}
        self.root: _NodeCheck | None = None
        for node in transaction.input:
            compiled = _NodeCheck(node, catalog.dictionaries)
            if node.name == "":
                self.root = compiled  # 无节点: the fields sit directly under input
            for name in (node.name, *node.aliases):
                self.nodes[name] = compiled

    def __call__(self, data: Any) -> list[ValidationIssue]:
        infno = self.infno
        issues: list[ValidationIssue] = []
        if not isinstance(data, Mapping):
            issues.append(ValidationIssue(infno, "", "", "shape", "input must be an object"))
            return issues
        nodes = self.nodes
        root = self.root
        if root is not None:
            rest = {k: v for k, v in data.items() if k not in nodes or k == ""}
            root.value(infno, "", rest if not root.multi else data.get("", []), issues)
        for key, value in data.items():
            node = nodes.get(key)
            if node is None or node is root:
                if root is None:
                    issues.append(ValidationIssue(infno, key, "", "shape", f"unknown node '{key}'"))
                continue
            node.value(infno, key, value, issues)
        seen = {nodes[k] for k in data if k in nodes}
        for name, node in nodes.items():
            if node not in seen and node is not root and node.required and name == node.name:
                issues.append(ValidationIssue(infno, name, "", "required", "node is missing"))
        return issues


def _compiled(catalog: Catalog, infno: str) -> _TransactionCheck:
    cache: dict[str, _TransactionCheck] = catalog._validators
    found = cache.get(infno)
    if found is None:
        found = cache[infno] = _TransactionCheck(catalog, infno)
    return found


def validate(cat: Catalog, infno: str, input: Mapping[str, Any]) -> list[ValidationIssue]:
    """Issues of ``input`` (the envelope's ``input`` object) for ``infno``; empty when valid.

    An infno the catalogue does not know is one issue (rule ``shape``, node ``""``).
    """
    if infno not in cat:
        return [ValidationIssue(infno, "", "", "shape", f"transaction {infno} is not in the catalogue")]
    return _compiled(cat, infno)(input)
