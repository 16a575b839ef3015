"""Wire rules of the envelope (Guangdong guide 表2/表3 notes; national baseline 重点说明).

- Node and key names are lower-case (the spec's own camelCase exceptions, e.g. ``signIn``
  and ``fsUploadIn``, are kept as the catalogue spells them).
- Amounts are ``Decimal`` end to end: encoded as JSON numbers with their exact digits,
  never through ``float`` (msgspec's ``decimal_format="number"``); decoded with
  ``float_hook=Decimal`` (the number's own text, never a float in between).
- ``infcode`` is accepted as a number or a numeric string; anything else is no ``infcode``.
- Decoding has limits: :data:`MAX_DEPTH` levels of nesting (a real envelope is about five) and
  the caller's size cap; text past them, and text that is not JSON, is a :class:`WireError`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from .catalog.values import MAX_DEPTH

__all__ = ["MAX_DEPTH", "WireError", "check_depth", "dumps", "dumps_bytes", "infcode_of", "loads", "parse_infcode"]



class WireError(ValueError):
    """Text that is not a JSON message within the limits (not JSON, too deep, too large)."""

# msgspec writes Decimal as a JSON number with its exact digits (``decimal_format="number"``),
# and UTF-8 unescaped, at C speed: the stdlib encoder can only do either through a Python hook
# per value.  Floats are its native type, so refusing them is our own walk over the object.
_ENCODER = msgspec.json.Encoder(decimal_format="number")


_PLAIN = frozenset({str, int, bool, type(None)})


def _check(obj: Any) -> None:
    """Refuse floats and non-finite Decimals anywhere in ``obj``.  Plain scalars are skipped in
    the loops themselves: one set lookup each instead of a call (the journal encodes every
    message it keeps)."""
    t = type(obj)
    if t is dict or isinstance(obj, dict):
        for v in obj.values():
            if type(v) not in _PLAIN:
                _check(v)
    elif t is list or t is tuple or isinstance(obj, list | tuple):
        for v in obj:
            if type(v) not in _PLAIN:
                _check(v)
    elif t is Decimal:
        if not obj.is_finite():
            raise ValueError(f"amount {obj} is not a finite number")
    elif t is float or isinstance(obj, float):
        raise TypeError(f"float {obj!r} in a message: amounts must be Decimal")


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


def loads(data: str | bytes, *, max_depth: int | None = MAX_DEPTH, max_bytes: int | None = None) -> Any:
    """Decode JSON with every non-integer number as ``Decimal`` (built from its exact text).

    Raises :class:`WireError` (a ``ValueError``) for text that is not JSON (truncated, HTML,
    invalid UTF-8), longer than ``max_bytes`` or nested deeper than ``max_depth``.
    """
    if max_bytes is not None and len(data) > max_bytes:
        raise WireError(f"message of {len(data)} bytes is larger than the {max_bytes}-byte cap")
    try:
        value = _DECODER.decode(data)
    except RecursionError:
        raise WireError(f"message nested deeper than {max_depth or 'the decoder'} levels") from None
    except (msgspec.DecodeError, UnicodeDecodeError, ValueError) as exc:
        raise WireError(f"not JSON: {exc}") from None
    # A text with fewer opening brackets than levels allowed cannot nest that deep (brackets in
    # strings only add to the count): two C-speed counts spare most replies the walk.
    if max_depth is not None and _brackets(data) >= max_depth:
        check_depth(value, max_depth)
    return value


def _brackets(data: str | bytes) -> int:
    if isinstance(data, bytes):
        return data.count(b"{") + data.count(b"[")
    return data.count("{") + data.count("[")


def check_depth(value: Any, max_depth: int = MAX_DEPTH) -> None:
    """Raise :class:`WireError` when ``value`` nests dicts / lists deeper than ``max_depth``
    (iterative: a hostile structure cannot exhaust the stack here)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if type(node) is dict:
            children: Any = node.values()
        elif type(node) is list or type(node) is tuple:
            children = node
        else:
            continue
        if depth > max_depth:
            raise WireError(f"message nested deeper than {max_depth} levels")
        for child in children:
            if type(child) is dict or type(child) is list or type(child) is tuple:
                stack.append((child, depth + 1))


def infcode_of(value: object) -> int | None:
    """``infcode`` as an int when it is one: ``0``, ``"0"``, ``-1``, ``"-1"``, an integral Decimal;
    ``None`` for anything else (``null``, ``""``, ``"ok"``, ``false``, ``1.5``)."""
    if type(value) is int:
        return value
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text and (text.isdigit() or (text[0] == "-" and text[1:].isdigit())) and text.isascii():
            return int(text)
    return None


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
