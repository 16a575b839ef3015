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
