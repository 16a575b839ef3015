"""Wire rules of the envelope (Guangdong guide 表2/表3 notes; national baseline 重点说明).

- Node and key names are lower-case (the spec's own camelCase exceptions, e.g. ``signIn``
  and ``fsUploadIn``, are kept as the catalogue spells them).
- Amounts are ``Decimal`` end to end: encoded as JSON numbers with their exact digits,
  never through ``float`` (msgspec's ``decimal_format="number"``); decoded with
  ``float_hook=Decimal`` (the number's own text, never a float in between).
- ``infcode`` is accepted as a number or a string.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

__all__ = ["dumps", "dumps_bytes", "loads", "parse_infcode"]

# msgspec writes Decimal as a JSON number with its exact digits (``decimal_format="number"``),
# and UTF-8 unescaped, at C speed: the stdlib encoder can only do either through a Python hook
# per value.  Floats are its native type, so refusing them is our own walk over the object.
_ENCODER = msgspec.json.Encoder(decimal_format="number")


def _check(obj: Any) -> None:
    """Refuse floats and non-finite Decimals anywhere in ``obj``."""
    t = type(obj)
    if t is dict or isinstance(obj, dict):
        for v in obj.values():
            _check(v)
    elif t is list or t is tuple or isinstance(obj, list | tuple):
        for v in obj:
            _check(v)
    elif t is float or isinstance(obj, float):
        raise TypeError(f"float {obj!r} in a message: amounts must be Decimal")
    elif t is Decimal and not obj.is_finite():
        raise ValueError(f"amount {obj} is not a finite number")


def dumps_bytes(obj: Any, *, check_floats: bool = True) -> bytes:
    """Compact UTF-8 JSON; Decimals as exact numbers; ``bytes`` as base64 text.

    ``check_floats`` refuses a float (and a NaN / infinite Decimal) anywhere: amounts must be
    Decimal.  Turn it off only where that was already checked (the client's envelopes, whose
    input passed the catalogue's validation) or where no money goes to the centre (CLI display).
    """
    if check_floats:
        _check(obj)
    try:
        return _ENCODER.encode(obj)
    except TypeError as exc:
        raise TypeError(f"not JSON serialisable: {exc}") from None


def dumps(obj: Any, *, check_floats: bool = True) -> str:
    """:func:`dumps_bytes` as text."""
    return dumps_bytes(obj, check_floats=check_floats).decode("utf-8")


_DECODER = msgspec.json.Decoder(float_hook=Decimal)


def loads(data: str | bytes) -> Any:
    """Decode JSON with every non-integer number as ``Decimal`` (built from its exact text).

    Raises ``ValueError`` for text that is not JSON (truncated, HTML...).
    """
    return _DECODER.decode(data)


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
