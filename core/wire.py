"""Wire rules of the envelope (Guangdong guide 表2/表3 notes; national baseline 重点说明).

- Node and key names are lower-case (the spec's own camelCase exceptions, e.g. ``signIn``
  and ``fsUploadIn``, are kept as the catalogue spells them).
- Amounts are ``Decimal`` end to end: encoded as JSON numbers with their exact digits,
  never through ``float``; decoded with ``parse_float=Decimal``.
- ``infcode`` is accepted as a number or a string.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

__all__ = ["dumps", "dumps_bytes", "loads", "parse_infcode"]

# The C encoder calls ``_default`` for each Decimal; it returns a marked string that a single
# regex pass turns back into a bare number.  This keeps the fast C path for everything else.
_MARK = "\x00"
_UNMARK = re.compile(r'"\\u0000(-?[0-9]+(?:\.[0-9]+)?)"')


def _default(obj: object) -> object:
    if isinstance(obj, Decimal):
        if not obj.is_finite():
            raise ValueError(f"amount {obj} is not a finite number")
        return _MARK + format(obj, "f")
    if isinstance(obj, bytes | bytearray):
        # 9101 may carry the file as a JSON byte array (the Guangdong guide's sbyte/byte array).
        return list(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def _reject_float(obj: Any) -> None:
    """Floats never carry money: refuse them anywhere in an outgoing message."""
    if isinstance(obj, float):
        raise TypeError(f"float {obj!r} in a message: amounts must be Decimal")
    if isinstance(obj, dict):
        for v in obj.values():
            _reject_float(v)
    elif isinstance(obj, list | tuple):
        for v in obj:
            _reject_float(v)


def dumps(obj: Any, *, check_floats: bool = True) -> str:
    """Encode as compact JSON, UTF-8 characters unescaped, Decimals as exact numbers."""
    if check_floats:
        _reject_float(obj)
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=_default)
    if _MARK in text or "\\u0000" in text:
        text = _UNMARK.sub(r"\1", text)
    return text


def dumps_bytes(obj: Any, *, check_floats: bool = True) -> bytes:
    """:func:`dumps`, encoded as UTF-8."""
    return dumps(obj, check_floats=check_floats).encode("utf-8")


def loads(data: str | bytes) -> Any:
    """Decode JSON with every non-integer number as ``Decimal``."""
    return json.loads(data, parse_float=Decimal)


def parse_infcode(value: object) -> int:
    """``infcode`` as an int, whether it came as ``0``, ``"0"`` or ``"-1"``; unparsable is -1."""
    if isinstance(value, bool):
        return -1
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return -1
    return -1
