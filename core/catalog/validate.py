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
- ``float``: a ``float`` anywhere is refused -- amounts must be ``Decimal``;
- ``date``: a D / DT value must be a day of the calendar (2026-02-31 is not);
- ``unknown``: a field its node's table does not have is refused, naming it.  A region declares
  its documented extras in its own catalogue (``RegionProfile.extra_transactions``: its table of
  a transaction replaces the national one; ``catalog/overrides.py`` for single fields); a node
  without a field table (a region's generic envelope) takes any JSON value; what a centre sends
  us (a pushed notice) is checked with ``incoming=True``, extra fields tolerated;
- ``sign``: in a transaction that charges (:data:`~yibao.core.catalog.kinds.CHARGES`), an amount
  or count is never negative: refunds have transactions of their own;
- ``id``: a 居民身份证 number (``certno`` with ``psn_cert_type`` 01, ``mdtrt_cert_no`` with
  ``mdtrt_cert_type`` 02) must have a real birth date and the right GB 11643 check character;
- ``total``: 2101 / 2102 ``medfee_sumamt`` equals the sum of the detail lines
  (:data:`~yibao.core.catalog.kinds.TOTALS`);
- ``value`` / ``depth``: before anything else, the whole input is walked once (iteratively):
  only JSON values (objects with text keys, lists, text, integers, finite ``Decimal``, ``None``,
  booleans), text without lone surrogates, at most :data:`~yibao.core.catalog.values.MAX_DEPTH` levels deep.

Speed: validation runs on every call (the 2102 of a pharmacy carries dozens of rows), so each
transaction is compiled once per catalogue into per-node tables of small check closures with
regexes compiled at import; the per-call work is one dict lookup per key.  The engine checks and
normalises in the same walk (:func:`check_and_normalize`): for a valid value the wire form is
the value itself, so one pass over the rows does both jobs of :func:`validate` and
:func:`~yibao.core.catalog.normalize.normalize`, with the same results.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from operator import itemgetter
from typing import Any

from ..errors import ValidationIssue
from .checks import DATE, DATETIME, Check, decimal_ok, field_check, real_date
from .fastpath import RowShapes
from .idcard import bad_ids
from .kinds import CHARGES, TOTALS
from .schema import Catalog, Node
from .values import MAX_DEPTH, value_problems

__all__ = ["check_and_normalize", "validate"]

_ZERO = Decimal("0")
#: 重点说明: an empty numeric field goes as 0, any other empty field as "" (see .normalize).
_EMPTY_AS: dict[str, Any] = {"N": _ZERO, "NUM": 0, "INT": 0}
_NOT_AN_ID = "not a 居民身份证 number: wrong GB 11643 check character, birth date or length"


class _NodeCheck:
    """Compiled checks of one node: field table, required codes, nested nodes."""

    __slots__ = ("amounts", "checks", "children", "dates", "empties", "ids", "multi", "name", "nonneg", "numbers",
                 "open", "patterns", "required", "required_values", "shapes", "texts")
    shapes: RowShapes

    def __init__(self, node: Node, dictionaries: Mapping[str, Mapping[str, str]], charges: bool = False,
                 lenient: bool = False) -> None:
        self.name = node.name
        self.multi = node.multi
        #: a node without a field table (a region's generic envelope) takes any field; so does
        #: every node of what a centre sends us (``lenient``: its extra fields are its business)
        self.open = lenient or not node.fields
        #: amounts and counts of a charge are never negative
        self.nonneg = charges
        codes = {f.code for f in node.fields}
        self.ids = ("certno" in codes and "psn_cert_type" in codes,
                    "mdtrt_cert_no" in codes and "mdtrt_cert_type" in codes)
        self.checks: dict[str, Check] = {f.code: field_check(f, dictionaries) for f in node.fields}
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
                self.patterns[f.code] = DATE
            elif f.type == "DT":
                self.patterns[f.code] = DATETIME
            elif f.type == "NUM":
                digits = rf"\d{{1,{f.length}}}\Z" if f.length else r"\d+\Z"
                self.patterns[f.code] = re.compile(digits, re.ASCII)
            elif f.type == "N":
                scale = f.scale or 0
                self.numbers[f.code] = (scale, (f.length - scale) if f.length is not None else 1 << 30)
        self.dates: frozenset[str] = frozenset(f.code for f in node.fields if f.type in ("D", "DT"))
        for f in node.fields:
            if f.type == "C":
                table = dictionaries.get(f.code) if f.dict else None
                self.texts[f.code] = (f.length or 1 << 30, frozenset(table) if table else None)
        self.required: tuple[str, ...] = tuple(f.code for f in node.fields if f.required)
        #: row -> the required fields' values (KeyError when one is missing); None: none required
        self.required_values: Callable[[Any], tuple[Any, ...]] | None = None
        if len(self.required) > 1:
            self.required_values = itemgetter(*self.required)
        elif self.required:
            only = self.required[0]
            self.required_values = lambda row: (row[only],)
        #: field code -> the value an empty one is sent as (0 for numbers, "" otherwise)
        self.empties: dict[str, Any] = {f.code: _EMPTY_AS.get(f.type, "") for f in node.fields}
        #: N fields: a str / int amount is sent as Decimal
        self.amounts: frozenset[str] = frozenset(f.code for f in node.fields if f.type == "N")
        self.children: dict[str, _NodeCheck] = {}
        for child in node.children:
            compiled = _NodeCheck(child, dictionaries, charges, lenient)
            for name in (child.name, *child.aliases):
                self.children[name] = compiled
        #: per row shape, a generated "valid and already wire form" test (see .fastpath)
        self.shapes = RowShapes(checks=self.checks, texts=self.texts, numbers=self.numbers, patterns=self.patterns,
                                dates=self.dates, amounts=self.amounts, required=self.required, ids=self.ids,
                                nonneg=self.nonneg,
                                children={name: (c.shapes, c.multi) for name, c in self.children.items()})

    def value(self, infno: str, where: str, value: Any, issues: list[ValidationIssue]) -> Any:
        """Check the node's value (a list of rows or one row, per ``multi``); its wire form."""
        if self.multi:
            if type(value) is not list:
                issues.append(ValidationIssue(infno, where, "", "shape", "many rows: expected a list"))
                return value
            rows = [self.row(infno, where, row, index, issues) for index, row in enumerate(value)]
            # the same list when no row changed: the parent row need not be copied either
            return value if all(a is b for a, b in zip(rows, value, strict=True)) else rows
        return self.row(infno, where, value, None, issues)

    def row(self, infno: str, where: str, row: Any, index: int | None, issues: list[ValidationIssue]) -> Any:
        """Check one row; its wire form (empties filled, amounts as Decimal, children likewise)."""
        if type(row) is not dict and not isinstance(row, Mapping):
            what = "each row must be an object" if index is not None else "one row: expected an object"
            issues.append(ValidationIssue(infno, where, "", "shape", what, index))
            return row
        if type(row) is dict:  # the common case in one generated test; anything else, the walk
            fast = self.shapes.get(tuple(row))
            if fast is not None and fast(row):
                return row
        checks = self.checks
        texts = self.texts
        numbers = self.numbers
        patterns = self.patterns
        dates = self.dates
        nonneg = self.nonneg
        # The wire form is the row itself until a value must change (an empty filled, an amount
        # given as text, a child node): then one C-speed copy, so the caller's dict is never touched.
        out: Any = row if type(row) is dict else dict(row)
        for key, v in row.items():
            cls = type(v)
            if cls is str:
                spec = texts.get(key)
                if spec is not None:
                    # isprintable() is False for control characters (and for a few harmless ones,
                    # e.g. U+3000, which then take the full check with its exact regex).
                    if len(v) <= spec[0] and (spec[1] is None or not v or v in spec[1]) and v.isprintable():
                        continue
                else:
                    pattern = patterns.get(key)
                    if pattern is not None and pattern.match(v) is not None and (key not in dates or real_date(v)):
                        continue
            elif cls is Decimal:
                limits = numbers.get(key)
                if limits is not None and decimal_ok(v, limits[0], limits[1], nonneg):
                    continue
            check = checks.get(key)
            if check is None:
                child = self.children.get(key)
                if child is not None:
                    path = f"{where}[{index}].{key}" if index is not None else f"{where}.{key}"
                    wired = child.value(infno, path, v, issues)
                    if wired is not v:
                        if out is row:  # (a non-dict Mapping row was copied already)
                            out = dict(row)
                        out[key] = wired
                elif not self.open:
                    name = str(key)[:40]
                    issues.append(ValidationIssue(infno, where, name, "unknown",
                                                  f"'{name}' is not a field of this node", index))
                elif type(key) is not str:
                    issues.append(ValidationIssue(infno, where, str(key)[:40], "value", "a key must be text", index))
                else:  # a generic node takes any field, but only JSON values, depth-bounded
                    path = f"{where}[{index}].{key}" if index is not None else f"{where}.{key}"
                    issues += value_issues(infno, v, MAX_DEPTH - 2, path)
                continue
            if v is None or v == "":
                if out is row:
                    out = dict(row)
                out[key] = self.empties[key]  # the wire's empty rule (重点说明)
                continue
            # Each check treats "" as empty (required-ness is checked below).
            problem = check(v)
            if problem is not None:
                issues.append(ValidationIssue(infno, where, key, problem[0], problem[1], index))
                continue
            if key in self.amounts and (cls is str or cls is int):
                if out is row:
                    out = dict(row)
                out[key] = Decimal(v.strip() if cls is str else v)
            if nonneg and key in numbers and out[key] < 0:
                issues.append(ValidationIssue(infno, where, key, "sign",
                                              "negative: a charge's amounts and counts are never below 0 "
                                              "(refunds have their own transactions)", index))
        get = row.get
        if self.ids[0] or self.ids[1]:
            for code in bad_ids(row, *self.ids):
                issues.append(ValidationIssue(infno, where, code, "id", _NOT_AN_ID, index))
        present = self.required_values
        try:
            # One C-speed pass: every required field there and truthy (a 0 amount is falsy and
            # takes the loop below, which tells "" and None from 0).
            complete = present is not None and all(present(row))
        except KeyError:
            complete = False
        if not complete:
            for code in self.required:
                v = get(code)
                if not v and (v is None or v == ""):
                    issues.append(ValidationIssue(infno, where, code, "required", "required, empty", index))
        return out


class _TransactionCheck:
    __slots__ = ("infno", "nodes", "root", "total")

    def __init__(self, catalog: Catalog, infno: str, lenient: bool = False) -> None:
        transaction = catalog.get(infno)
        if transaction is None:
            raise KeyError(infno)
        self.infno = infno
        self.nodes: dict[str, _NodeCheck] = {}
        self.root: _NodeCheck | None = None
        self.total = TOTALS.get(infno)
        for node in transaction.input:
            compiled = _NodeCheck(node, catalog.dictionaries, infno in CHARGES, lenient)
            if node.name == "":
                self.root = compiled  # 无节点: the fields sit directly under input
            for name in (node.name, *node.aliases):
                self.nodes[name] = compiled

    def __call__(self, data: Any) -> tuple[list[ValidationIssue], dict[str, Any]]:
        """The issues of ``data`` and its wire form (meaningful only when there are none)."""
        infno = self.infno
        issues: list[ValidationIssue] = []
        if not isinstance(data, Mapping):
            issues.append(ValidationIssue(infno, "", "", "shape", "input must be an object"))
            return issues, {}
        nodes = self.nodes
        root = self.root
        wired: Any = {}
        if root is not None:
            rest = {k: v for k, v in data.items() if k not in nodes or k == ""}
            wired = root.value(infno, "", rest if not root.multi else data.get("", []), issues)
        flat = wired if root is not None and not root.multi and isinstance(wired, dict) else {}
        out: dict[str, Any] = {}
        for key, value in data.items():  # the caller's key order, kept (the bill's fingerprint hashes it)
            node = nodes.get(key)
            if node is None or node is root:
                if root is None:
                    issues.append(ValidationIssue(infno, key, "", "shape", f"unknown node '{key}'"))
                out[key] = flat.get(key, value) if key else value
                continue
            out[key] = node.value(infno, key, value, issues)
        seen = {nodes[k] for k in data if k in nodes}
        for name, node in nodes.items():
            if node not in seen and node is not root and node.required and name == node.name:
                issues.append(ValidationIssue(infno, name, "", "required", "node is missing"))
        if self.total is not None and not issues:
            issues += _total_issues(infno, out, *self.total)
        return issues, out


def _total_issues(infno: str, data: Mapping[str, Any], node: str, field: str, details: str, line: str
                  ) -> list[ValidationIssue]:
    """``node.field`` equals the sum of ``details[].line`` when both are there."""
    head, rows = data.get(node), data.get(details)
    if type(head) is not dict or type(rows) is not list or not rows:
        return []
    total = head.get(field)
    try:  # the rows are valid dicts by now (the walk ran first); amounts are Decimal after it
        amounts = [r[line] for r in rows]
        lines = sum(amounts, _ZERO)
    except (KeyError, TypeError):
        return []
    if type(total) is not Decimal or type(lines) is not Decimal or total == lines:
        return []
    return [ValidationIssue(infno, node, field, "total", f"{total} is not the sum of the {len(amounts)} "
                            f"{details} lines' {line} ({lines})")]


def value_issues(infno: str, data: Any, max_depth: int = MAX_DEPTH, at: str = "") -> list[ValidationIssue]:
    """:func:`~yibao.core.catalog.values.value_problems` as issues naming node, row and field."""
    return [_at(infno, path, rule, message) for path, rule, message in value_problems(data, max_depth, at)]


def _at(infno: str, path: str, rule: str, message: str) -> ValidationIssue:
    """The issue at a dotted path: ``drugdetail[3].cnt`` is node ``drugdetail``, row 3, field ``cnt``."""
    node, _, field = path.rpartition(".")
    head, bracket, tail = node.rpartition("[")
    if bracket and tail.endswith("]") and tail[:-1].isdigit():
        return ValidationIssue(infno, head, field, rule, message, int(tail[:-1]))
    return ValidationIssue(infno, node or "input", field, rule, message)


def _compiled(catalog: Catalog, infno: str, lenient: bool = False) -> _TransactionCheck:
    cache: dict[str, _TransactionCheck] = catalog._validators
    key = f"{infno}\0lenient" if lenient else infno
    found = cache.get(key)
    if found is None:
        found = cache[key] = _TransactionCheck(catalog, infno, lenient)
    return found


def validate(cat: Catalog, infno: str, input: Mapping[str, Any], *, incoming: bool = False) -> list[ValidationIssue]:
    """Issues of ``input`` (the envelope's ``input`` object) for ``infno``; empty when valid.

    An infno the catalogue does not know is one issue (rule ``shape``, node ``""``).
    ``incoming``: the data comes from a centre (a pushed notice), not from us: fields its
    table lacks are tolerated (rule ``unknown`` is for what we send).
    """
    if incoming:
        if infno not in cat:
            return [ValidationIssue(infno, "", "", "shape", f"transaction {infno} is not in the catalogue")]
        return _compiled(cat, infno, lenient=True)(input)[0]
    return check_and_normalize(cat, infno, input)[0]


def check_and_normalize(cat: Catalog, infno: str, input: Mapping[str, Any]
                        ) -> tuple[list[ValidationIssue], dict[str, Any]]:
    """The issues of ``input`` and, in the same walk, its wire form (what
    :func:`~yibao.core.catalog.normalize.normalize` gives); use the wire form only when there
    are no issues."""
    if infno not in cat:
        return [ValidationIssue(infno, "", "", "shape", f"transaction {infno} is not in the catalogue")], {}
    return _compiled(cat, infno)(input)
