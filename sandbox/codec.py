"""The sandbox's own JSON codec: exact ``Decimal`` numbers, and limits for untrusted bodies.

The centre never shares the client's codec (``yibao.core.wire``): a client that writes an
amount badly must meet a reader that was not written by the same hand.

- Decoding turns every non-integer number into a ``Decimal`` built from its own text
  (msgspec's ``float_hook``), so no float ever stands between the wire and the books.
- Encoding writes each ``Decimal`` as a bare JSON number with exactly its digits (msgspec
  ``decimal_format="number"``), UTF-8 unescaped.
- :func:`decode_untrusted` is the only way a request body is read (wire and control API).  It
  refuses, before any parsing, a body over ``max_bytes`` and one nested deeper than
  ``max_depth``: msgspec itself recurses, and a body ~1,000 levels deep would end in a
  ``RecursionError`` (an HTTP 500) instead of an answer.  Invalid UTF-8 and lone surrogate
  escapes (``"\\ud800"``) are refused with a message that says so.

Limits are chosen in :mod:`yibao.sandbox.config` and documented in ``docs/sandbox.md``.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import msgspec

__all__ = ["BodyError", "decode_untrusted", "dumps_bytes", "dumps_text", "json_depth", "loads_stored"]

_ENCODER = msgspec.json.Encoder(decimal_format="number")
_DECODER = msgspec.json.Decoder(float_hook=Decimal)

# A JSON string, written so that the regex engine loops instead of backtracking
# ("unrolled loop"): a 60 MB Base64 string costs one linear scan.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
# Everything but the four brackets, deleted in one C call by bytes.translate.
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_ONE_KIND = bytes.maketrans(b"{}", b"[]")
_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


class BodyError(ValueError):
    """A request body the centre will not parse; the message names the problem (in Chinese)."""


def json_depth(data: bytes, limit: int) -> int:
    """The nesting depth of JSON text, counted up to ``limit + 1`` (enough to refuse it).

    Strings are removed first (a bracket inside one does not nest), then everything but the
    brackets; each pass of ``replace(b"[]", b"")`` then removes exactly the innermost level,
    because a replacement's result is never rescanned in the same pass.  For malformed text
    the count is approximate, which is harmless: the decoder refuses that text anyway.
    """
    skeleton = _STRING.sub(b"", data).translate(_ONE_KIND, _NOT_BRACKETS)
    depth = 0
    while skeleton and depth <= limit:
        shorter = skeleton.replace(b"[]", b"")
        if len(shorter) == len(skeleton):
            break  # unbalanced: the decoder will say what is wrong
        skeleton = shorter
        depth += 1
    return depth


def _has_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    return False


def decode_untrusted(data: bytes, *, max_bytes: int, max_depth: int) -> Any:
    """Decode a request body or raise :class:`BodyError` (never anything else)."""
    if len(data) > max_bytes:
        raise BodyError(f"报文超过大小限制(最大{max_bytes}字节)")
    if json_depth(data, max_depth) > max_depth:
        raise BodyError(f"报文嵌套层数超过{max_depth}层")
    try:
        value = _DECODER.decode(data)
    except msgspec.DecodeError as exc:
        if "UTF-8" in str(exc):
            raise BodyError("报文不是合法的UTF-8编码") from None
        if _SURROGATE.search(data):
            raise BodyError("报文含有不成对的UTF-16代理字符(\\uD800-\\uDFFF)") from None
        raise BodyError(f"报文不是合法的JSON: {exc}") from None
    except RecursionError:  # json_depth should have caught it; never let it become a 500
        raise BodyError(f"报文嵌套层数超过{max_depth}层") from None
    # msgspec refuses lone surrogates today; the check keeps that promise whatever its version.
    if _SURROGATE.search(data) and _has_lone_surrogate(value):
        raise BodyError("报文含有不成对的UTF-16代理字符(\\uD800-\\uDFFF)")
    return value


def loads_stored(data: str | bytes) -> Any:
    """Decode JSON the centre wrote itself (its books); Decimals as Decimal."""
    return _DECODER.decode(data)


def dumps_bytes(obj: Any) -> bytes:
    """Compact UTF-8 JSON with every ``Decimal`` as a bare number of its exact digits."""
    return _ENCODER.encode(obj)


def dumps_text(obj: Any) -> str:
    """:func:`dumps_bytes` as text (for JSON kept in the store)."""
    return _ENCODER.encode(obj).decode("utf-8")
