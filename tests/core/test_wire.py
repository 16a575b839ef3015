"""Wire rules: exact Decimal numbers, no floats, infcode as number or string."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yibao.core import wire


def test_decimal_written_with_exact_digits() -> None:
    """Amounts are JSON numbers with their exact digits, never through float."""
    text = wire.dumps({"medfee_sumamt": Decimal("0.10"), "x": [Decimal("12345678901234.99")], "n": "中文"})
    assert text == '{"medfee_sumamt":0.10,"x":[12345678901234.99],"n":"中文"}'


def test_float_refused() -> None:
    """A float anywhere in an outgoing message is an error."""
    with pytest.raises(TypeError, match="Decimal"):
        wire.dumps({"data": {"medfee_sumamt": 0.1}})


def test_non_finite_refused() -> None:
    with pytest.raises(ValueError):
        wire.dumps({"a": Decimal("NaN")})


@given(st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-10**13, max_value=10**13))
def test_round_trip_is_exact(value: Decimal) -> None:
    """Any two-decimal amount survives dumps/loads unchanged."""
    back = wire.loads(wire.dumps({"v": value}))["v"]
    assert Decimal(back) == value


@pytest.mark.parametrize(("raw", "code"), [(0, 0), ("0", 0), ("-1", -1), (-1, -1), ("x", -1), (None, -1),
                                           (Decimal("0"), 0), (True, -1)])
def test_infcode_number_or_string(raw: object, code: int) -> None:
    assert wire.parse_infcode(raw) == code


def test_bytes_as_base64_and_strings_kept_exactly() -> None:
    """bytes (9101 ``in``) go as base64 text; text with control characters is not altered."""
    assert wire.dumps({"in": b"PK"}) == '{"in":"UEs="}'
    assert wire.loads(wire.dumps({"x": "a\x00b\"\\"}))["x"] == "a\x00b\"\\"


def _nested(depth: int, *, brackets_in_text: int = 0) -> str:
    """JSON nesting objects and lists ``depth`` levels deep; ``brackets_in_text`` extra "{["
    inside a string value (they count toward the cheap pre-count, not toward the depth)."""
    inner = '"' + "{[" * brackets_in_text + '"'
    for level in range(depth):
        inner = f'{{"n":{inner}}}' if level % 2 else f"[{inner}]"
    return inner


@pytest.mark.parametrize("as_bytes", [True, False])
def test_replies_deeper_than_the_limit_are_refused(as_bytes: bool) -> None:
    """A reply may nest at most MAX_DEPTH levels (a hostile one is refused, not walked)."""
    ok, deep = _nested(wire.MAX_DEPTH), _nested(wire.MAX_DEPTH + 1)
    assert wire.loads(ok.encode() if as_bytes else ok) is not None
    with pytest.raises(wire.WireError, match="deeper"):
        wire.loads(deep.encode() if as_bytes else deep)
    with pytest.raises(wire.WireError, match="deeper"):
        wire.loads(_nested(5), max_depth=4)


def test_brackets_inside_text_do_not_make_a_reply_deep() -> None:
    """The pre-count of brackets only decides whether to walk: text full of brackets is shallow."""
    text = _nested(3, brackets_in_text=wire.MAX_DEPTH * 2)
    assert wire.loads(text.encode()) is not None
