"""What a message may carry at all: JSON values, text that is Unicode, bounded nesting.

One iterative walk (a hostile structure cannot exhaust the stack) finds floats, NaN / infinite
``Decimal`` values, text with lone surrogates, keys that are not text, other Python objects and
more than :data:`MAX_DEPTH` levels of nesting (issue 10 #7 and #8).  The compiled node checks of
:mod:`yibao.core.catalog.validate` need no such walk: the catalogue bounds their depth and each
field's check knows its type.  This one covers what has no field table (a region's generic
node, the catalogue's few any-value fields); :mod:`yibao.core.wire` decodes with the same bound.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

__all__ = ["FLOAT", "MAX_DEPTH", "value_problems"]

#: Levels of nesting a message may have (objects and lists); a real envelope has about five.
MAX_DEPTH = 32
FLOAT = ("float", "amounts must be Decimal, not float")
_SCALARS = (str, int, Decimal, bool, type(None))
#: A hostile value is reported by its first problems, not all of them.
_MAX_PROBLEMS = 20


def value_problems(data: Any, max_depth: int = MAX_DEPTH, at: str = "") -> Iterator[tuple[str, str, str]]:
    """``(path, rule, message)`` of each value in ``data`` no message may carry; ``path`` is dotted
    from ``at`` (``drugdetail[3].cnt``), rule ``float``, ``value`` or ``depth``."""
    found = 0
    stack: list[tuple[Any, str, int]] = [(data, at, 1)]
    while stack and found < _MAX_PROBLEMS:
        value, path, depth = stack.pop()
        problem = _problem(value, depth, max_depth)
        if problem is not None:
            found += 1
            yield path, *problem
            continue
        cls = type(value)
        if cls is dict or (cls is not list and isinstance(value, Mapping)):
            for key, item in value.items():
                if type(key) is not str:
                    found += 1
                    yield f"{path}.{str(key)[:40]}", "value", "a key must be text"
                    continue
                stack.append((item, f"{path}.{key}" if path else key, depth + 1))
        elif cls is list or cls is tuple:
            stack.extend((item, f"{path}[{n}]", depth + 1) for n, item in enumerate(value))


def _problem(value: Any, depth: int, max_depth: int) -> tuple[str, str] | None:
    cls = type(value)
    if cls is str:
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return "value", "text with a lone surrogate: not valid Unicode"
        return None
    if cls is dict or cls is list or cls is tuple or isinstance(value, Mapping):
        return ("depth", f"nested deeper than {max_depth}") if depth > max_depth else None
    if cls is float:
        return FLOAT
    if cls is Decimal:
        return None if value.is_finite() else ("value", f"{value} is not a finite amount")
    if not isinstance(value, _SCALARS):
        return "value", f"{cls.__name__} is not a JSON value"
    return None
