"""The JSON of ``data`` and the string that is signed (online_settlement.md §3.2; contract, Fujian).

``data`` is serialised once, canonically, and that text is both what SM4 encrypts and (by
default) what ``data=`` carries in the signed string:

- compact (no spaces), keys sorted at every level, including in objects inside lists;
- object members whose value is ``None`` or ``""`` are dropped, at every level (the spec's
  "空值不参与签名"); list items are kept as they are, in their order (a fee line's place in
  ``feedetailList`` is data, and the sources sort keys, not lists);
- text UTF-8, unescaped (no ``\\uXXXX`` for Chinese);
- amounts are ``Decimal`` and go out as JSON numbers with their exact digits (``12.30`` stays
  ``12.30``), never through ``float``; a ``float`` anywhere is refused.

The signed string: the top-level fields other than ``signData``, ``encData`` and ``extra``,
sorted by name, as ``k=v`` joined by ``&``, then ``&key=`` + appSecret.  Top-level fields that
are ``None`` or ``""`` are left out like empty members of ``data``; a value that is not text is
written as its canonical JSON (``code=0``).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import msgspec

__all__ = ["UNSIGNED_FIELDS", "canonical_json", "loads", "prune", "sign_string"]

UNSIGNED_FIELDS = frozenset({"signData", "encData", "extra"})

# order="sorted" sorts object keys at every level in C; Decimal keeps its exact digits.
_ENCODER = msgspec.json.Encoder(decimal_format="number", order="sorted")
_DECODER = msgspec.json.Decoder(float_hook=Decimal)


def prune(obj: Any) -> Any:
    """A copy of ``obj`` without ``None`` / ``""`` object members; refuses what JSON would blur.

    ``TypeError`` for a ``float`` (amounts are ``Decimal``), a non-text key or a type that is
    not JSON; ``ValueError`` for a NaN or infinite ``Decimal``.
    """
    t = type(obj)
    if t is dict or isinstance(obj, Mapping):
        out: dict[str, Any] = {}
        for k, v in obj.items():
            if not isinstance(k, str):
                raise TypeError(f"object key {k!r} is not text")
            if v is None or (isinstance(v, str) and v == ""):
                continue
            out[k] = prune(v)
        return out
    if t is list or t is tuple:
        return [prune(v) for v in obj]
    if t is str or t is int or t is bool:
        return obj
    if t is Decimal:
        if not obj.is_finite():
            raise ValueError(f"amount {obj} is not a finite number")
        return obj
    if t is float:
        raise TypeError(f"float {obj!r} in a message: amounts must be Decimal")
    if obj is None:  # a list item
        return None
    if isinstance(obj, str | int):  # subclasses (StrEnum, IntEnum): their plain value
        return str.__str__(obj) if isinstance(obj, str) else int(obj)
    raise TypeError(f"{t.__name__} is not JSON: use text, int, bool, Decimal, dict or list")


def canonical_json(data: Any) -> str:
    """The canonical JSON text of ``data`` (see the module docstring)."""
    return _ENCODER.encode(prune(data)).decode("utf-8")


def loads(text: str | bytes) -> Any:
    """JSON with every non-integer number as ``Decimal`` from its own text; ``ValueError`` if not JSON."""
    try:
        return _DECODER.decode(text)
    except msgspec.DecodeError as exc:
        raise ValueError(str(exc)) from None


def sign_string(fields: Mapping[str, Any], app_secret: str) -> str:
    """``k=v&…&key=<appSecret>`` over ``fields`` (which carry ``data`` as its text already)."""
    parts = []
    for name in sorted(fields):
        value = fields[name]
        if name in UNSIGNED_FIELDS or value is None or (isinstance(value, str) and value == ""):
            continue
        parts.append(f"{name}={value if isinstance(value, str) else canonical_json(value)}")
    parts.append(f"key={app_secret}")
    return "&".join(parts)
