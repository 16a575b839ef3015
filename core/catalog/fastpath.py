"""A generated predicate per row shape: "this row is valid and already in its wire form".

:class:`~yibao.core.catalog.validate._NodeCheck` walks a row key by key, one dict lookup and a
few tests per value.  The rows of one message nearly always share one shape (a 2102's 20
``drugdetail`` rows have the same keys in the same order), so for each shape seen (the tuple of
its keys) a node compiles, once, a function that unpacks ``row.values()`` and tests every value
inline: the same conditions as the walk's fast paths, nothing looser.  Dates, times and amounts
are the costly ones (a regex, a calendar, a Decimal's digits); since a bill's rows repeat their
time and its prices repeat from bill to bill, each field remembers the texts it has found valid
(``str(v)`` determines a Decimal exactly, so an amount is remembered by its text), a bounded set
that starts afresh when full.

The predicate is only ever a shortcut to ``True``: it says True only when the walk would find no
issue *and* change nothing (no empty to fill, no amount given as text, no unknown key, every
required field present and truthy, the 居民身份证 numbers right, each row of a nested node such as
``durg_trac_info`` passing its own shape's test).  Anything else (a value the fast conditions do
not cover, a ``0`` in a required field) makes it say False, and the row takes the full walk,
which reports or normalises as it always did.  So the rules stay in one place (``validate.py``,
``checks.py`` and ``idcard.py``, whose ``decimal_ok`` and ``bad_ids`` both use); this module only
restates their common valid case.  ``tests/catalog/test_validate_fast.py`` holds the two to the
same answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from .checks import Check, decimal_ok, real_date
from .idcard import bad_ids

__all__ = ["RowShapes"]

Predicate = Callable[[dict[str, Any]], bool]
#: shapes compiled per node at most (a caller cycling through key orders gets the walk, not memory)
MAX_SHAPES = 64
#: valid texts remembered per field (dates, times, amounts) before the memo starts afresh
MAX_SEEN = 4096


class RowShapes:
    """The predicates of one node, by row shape; built from the node's compiled tables."""

    __slots__ = ("_amounts", "_checks", "_children", "_dates", "_ids", "_nonneg", "_numbers", "_patterns",
                 "_required", "_seen", "_texts", "shapes")

    def __init__(self, *, checks: Mapping[str, Check], texts: Mapping[str, tuple[int, frozenset[str] | None]],
                 numbers: Mapping[str, tuple[int, int]], patterns: Mapping[str, Any], dates: frozenset[str],
                 amounts: frozenset[str], required: tuple[str, ...], ids: tuple[bool, bool], nonneg: bool,
                 children: Mapping[str, tuple[RowShapes, bool]]) -> None:
        self._checks = checks
        #: nested node name -> (its shapes, many rows?): 2102 drugdetail -> durg_trac_info
        self._children = children
        self._texts = texts
        self._numbers = numbers
        self._patterns = patterns
        self._dates = dates
        self._amounts = amounts
        self._required = frozenset(required)
        self._ids = ids
        self._nonneg = nonneg
        #: key tuple -> its predicate, or None: that shape always takes the walk
        self.shapes: dict[tuple[Any, ...], Predicate | None] = {}
        #: field -> texts already found valid (a 2102's rows repeat their times and prices)
        self._seen: dict[str, tuple[set[str], Callable[[str], bool]]] = {}

    def _memo(self, key: str, test: Callable[[str], bool]) -> tuple[set[str], Callable[[str], bool]]:
        """The field's set of texts known valid, and the function that tests and remembers one."""
        found = self._seen.get(key)
        if found is not None:
            return found
        seen: set[str] = set()

        def learn(text: str) -> bool:
            ok = test(text)
            if ok:
                if len(seen) >= MAX_SEEN:
                    seen.clear()  # a new generation: the times of this hour, not of last month
                seen.add(text)
            return ok

        found = self._seen[key] = (seen, learn)
        return found

    def get(self, keys: tuple[Any, ...]) -> Predicate | None:
        """The predicate for rows with exactly these keys in this order (compiled on first sight)."""
        try:
            return self.shapes[keys]
        except KeyError:
            pass
        predicate = self._compile(keys)
        if len(self.shapes) < MAX_SHAPES:
            self.shapes[keys] = predicate
        return predicate

    def _compile(self, keys: tuple[Any, ...]) -> Predicate | None:
        if not keys or not self._required <= set(keys):
            return None  # a required field is missing: the walk names it
        names: dict[str, Any] = {"Decimal": Decimal, "bad_ids": bad_ids}
        terms: list[str] = []
        for i, key in enumerate(keys):
            term = self._term(key, f"v{i}", f"k{i}", names)
            if term is None:
                return None  # an unknown key, a field with no inline test
            terms.append(term)
            if key in self._required:
                terms.append(f"v{i}")  # present and truthy; a 0 or "" takes the walk
        if self._ids[0] or self._ids[1]:
            terms.append(f"not bad_ids(row, {self._ids[0]}, {self._ids[1]})")
        unpack = ", ".join(f"v{i}" for i in range(len(keys)))
        source = f"def predicate(row):\n    {unpack}, = row.values()\n    return ({' and '.join(terms)})\n"
        namespace: dict[str, Any] = {}
        # The source holds only generated names (v0, k0_len, ...); keys and constants travel in
        # ``names``, so no caller's text is ever compiled.
        exec(compile(source, "<yibao row shape>", "exec"), names, namespace)
        predicate: Predicate = namespace["predicate"]
        return predicate

    def _term(self, key: Any, v: str, k: str, names: dict[str, Any]) -> str | None:
        """The inline test of one value, with its constants bound under names starting with ``k``."""
        if type(key) is not str:
            return None
        if key not in self._checks:
            child = self._children.get(key)
            if child is None:
                return None
            names[f"{k}_rows"] = _rows_test(*child)
            return f"{k}_rows({v})"
        text = self._texts.get(key)
        if text is not None:
            names[f"{k}_len"], names[f"{k}_codes"] = text
            codes = f" and (not {v} or {v} in {k}_codes)" if text[1] is not None else ""
            return f"(type({v}) is str and len({v}) <= {k}_len{codes} and {v}.isprintable())"
        pattern = self._patterns.get(key)
        if pattern is not None:
            dated = key in self._dates

            def dated_ok(value: str) -> bool:
                return pattern.match(value) is not None and (not dated or real_date(value))

            names[f"{k}_seen"], names[f"{k}_learn"] = self._memo(key, dated_ok)
            return f"(type({v}) is str and ({v} in {k}_seen or {k}_learn({v})))"
        limits = self._numbers.get(key)
        if limits is not None:
            scale, int_digits, nonneg = limits[0], limits[1], self._nonneg

            def amount_ok(text: str) -> bool:  # str(v) determines v, so the text can be memoised
                return decimal_ok(Decimal(text), scale, int_digits, nonneg)

            names[f"{k}_seen"], names[f"{k}_learn"] = self._memo(key, amount_ok)
            t = f"{v}_t"
            return f"(type({v}) is Decimal and (({t} := str({v})) in {k}_seen or {k}_learn({t})))"
        # Any other field (a coded number, INT, BOOL, OBJ): its full check, on a value that the
        # walk would keep as it is (not empty, not an amount given as text or int).
        names[f"{k}_check"] = self._checks[key]
        kept = f" and type({v}) is not str and type({v}) is not int" if key in self._amounts else ""
        return f"({v} is not None and {v} != \"\"{kept} and {k}_check({v}) is None)"


def _rows_test(shapes: RowShapes, multi: bool) -> Callable[[Any], bool]:
    """A nested node's value passes when each of its rows passes its own shape's predicate (the
    walk then keeps the list as it is, so the parent row is unchanged too)."""

    def one(row: Any) -> bool:
        if type(row) is not dict:
            return False
        predicate = shapes.get(tuple(row))
        return predicate is not None and predicate(row)

    def rows(value: Any) -> bool:
        if multi:
            return type(value) is list and all(one(row) for row in value)
        return one(value)

    return rows
