"""The sandbox's own JSON codec (:mod:`yibao.sandbox.codec`): exact Decimals, depth and size limits."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yibao.sandbox.codec import BodyError, decode_untrusted, dumps_bytes, json_depth, loads_stored


def _decode(data: bytes, max_bytes: int = 1 << 20, max_depth: int = 32) -> object:
    return decode_untrusted(data, max_bytes=max_bytes, max_depth=max_depth)


def test_depth_is_counted_exactly() -> None:
    assert json_depth(b"1", 32) == 0
    assert json_depth(b'{"a":[1,{"b":[]}],"c":"[[[[{{{{"}', 32) == 4
    assert json_depth(b'["\\"[[[", [[]]]', 32) == 3  # an escaped quote does not end the string
    assert _decode(b"[" * 32 + b"]" * 32) is not None
    with pytest.raises(BodyError, match="嵌套层数超过32层"):
        _decode(b"[" * 33 + b"]" * 33)
    with pytest.raises(BodyError, match="嵌套"):
        _decode(b'{"a":' * 100_000 + b"1" + b"}" * 100_000, max_bytes=1 << 22)


def test_size_utf8_and_surrogates() -> None:
    with pytest.raises(BodyError, match="大小限制"):
        _decode(b'"' + b"x" * 100 + b'"', max_bytes=50)
    with pytest.raises(BodyError, match="UTF-8"):
        _decode(b'{"a":"\xc3\x28"}')
    with pytest.raises(BodyError, match="代理字符"):
        _decode(b'{"a":"\\ud800x"}')
    assert _decode(b'{"a":"\\ud83d\\ude00"}') == {"a": "\U0001f600"}
    with pytest.raises(BodyError, match="JSON"):
        _decode(b'{"a":1} trailing')


def test_numbers_are_exact_decimals_both_ways() -> None:
    value = _decode(b'{"a":0.1,"b":12345678901234567890.123456789,"c":7,"d":-0.00}')
    assert value == {"a": Decimal("0.1"), "b": Decimal("12345678901234567890.123456789"), "c": 7,
                     "d": Decimal("-0.00")}  # fmt: skip
    assert dumps_bytes(value) == b'{"a":0.1,"b":12345678901234567890.123456789,"c":7,"d":-0.00}'
    assert dumps_bytes({"名": "测试"}) == '{"名":"测试"}'.encode()


@given(st.decimals(allow_nan=False, allow_infinity=False, places=6))
def test_amounts_round_trip(d: Decimal) -> None:
    assert loads_stored(dumps_bytes({"x": d}))["x"] == d
