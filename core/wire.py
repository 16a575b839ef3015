"""Wire rules of the envelope (Guangdong guide 表2/表3 notes; national baseline 重点说明).

- Node and key names are lower-case (the spec's own camelCase exceptions, e.g. ``signIn``
  and ``fsUploadIn``, are kept as the catalogue spells them).
- Amounts are ``Decimal`` end to end: encoded as JSON numbers with their exact digits,
  never through ``float``; decoded with ``parse_float=Decimal``.
- ``infcode`` is accepted as a number or a string.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

__all__ = ["dumps", "dumps_bytes", "loads", "parse_infcode"]

# One Python walk turns each Decimal into a marked string (and refuses floats); the C encoder
# does the rest; two plain replaces turn the marks back into bare numbers.  The mark is NUL,
# which the encoder always escapes as \u0000 and which no legitimate field contains (the walk
# refuses strings that carry it).
_MARK = "\x00"
_OPEN = '"\\u0000'
_CLOSE = '\\u0000"'


def _prepare(obj: Any, check_floats: bool) -> Any:
    t = type(obj)
    if t is str:
        if _MARK in obj:
            raise ValueError("a string in a message contains a NUL character")
        return obj
    if t is dict:
        return {k: _prepare(v, check_floats) for k, v in obj.items()}
    if t is list or t is tuple:
        return [_prepare(v, check_floats) for v in obj]
    if t is Decimal:
        if not obj.is_finite():
            raise ValueError(f"amount {obj} is not a finite number")
        return _MARK + format(obj, "f") + _MARK
    if t is float or isinstance(obj, float):
        if check_floats:
            raise TypeError(f"float {obj!r} in a message: amounts must be Decimal")
        return obj
    if isinstance(obj, bytes | bytearray):
        # 9101 may carry the file as a JSON byte array (the Guangdong guide's sbyte/byte array).
        return list(obj)
    if isinstance(obj, dict):
        return {k: _prepare(v, check_floats) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_prepare(v, check_floats) for v in obj]
    if isinstance(obj, Decimal):
        return _prepare(Decimal(obj), check_floats)
    return obj


def dumps(obj: Any, *, check_floats: bool = True) -> str:
    """Encode as compact JSON, UTF-8 characters unescaped, Decimals as exact numbers.

    ``check_floats`` refuses a float anywhere (amounts must be Decimal); turn it off only for
    output that carries no money to the centre (CLI display of a reply).
    """
    text = json.dumps(_prepare(obj, check_floats), ensure_ascii=False, separators=(",", ":"))
    if _OPEN in text:
        text = text.replace(_OPEN, "").replace(_CLOSE, "")
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
