"""Property: for any JSON-like ``data`` (Decimals, text incl. Chinese, nesting) the client and the
centre round-trip it both ways and write the same canonical JSON (online_settlement.md §3.2).

What comes back is ``data`` without its ``None`` / ``""`` object members: the canonical form
drops them before encrypting (the contract's rule), and nothing else changes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yibao.core import gm
from yibao.sandbox import mobilepay as mp
from yibao.sandbox.mobilepay import crypto as centre_crypto

_KEYS = st.text(alphabet=st.sampled_from("abcXYZ_09医保结算费用张"), min_size=1, max_size=8) | st.text(max_size=6)
_TEXT = st.text(max_size=20) | st.sampled_from(["张三", "阿莫西林胶囊 0.25g*24粒", "", "厦门市海沧医院"])
_AMOUNTS = st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-10**9, max_value=10**9)
_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | _AMOUNTS
    | st.decimals(allow_nan=False, allow_infinity=False)
    | _TEXT
)
_JSON = st.recursive(
    _LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=5),
    max_leaves=25,
)
_DATA = st.dictionaries(_KEYS, _JSON, max_size=8)

_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _without_empties(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_empties(v) for k, v in value.items() if v is not None and v != ""}
    if isinstance(value, list):
        return [_without_empties(v) for v in value]
    return value


def _same(a: Any, b: Any) -> bool:
    """Equal, and Decimals keep their digits (12.30 is not 12.3 on the wire)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Decimal) and not isinstance(b, bool) and a == a.to_integral_value() and isinstance(b, int):
        return a == b and "." not in str(a) and "E" not in str(a)  # "5" comes back as the int 5
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return isinstance(a, Decimal) and isinstance(b, Decimal) and str(a) == str(b)
    return type(a) is type(b) and a == b


@_SETTINGS
@given(data=_DATA)
def test_client_to_centre_round_trip(
    data: dict[str, Any], client: gm.Credentials, centre: mp.MobilePayCredentials
) -> None:
    req = gm.build_request(data, client)
    assert _same(_without_empties(data), mp.open_request(req, centre))


@_SETTINGS
@given(data=_DATA)
def test_centre_to_client_round_trip(
    data: dict[str, Any], client: gm.Credentials, centre: mp.MobilePayCredentials
) -> None:
    opened = gm.open_reply(mp.reply(data, centre), client)
    assert opened.code == 0 and _same(_without_empties(data), opened.data)


@settings(max_examples=300, deadline=None)
@given(data=_JSON)
def test_both_sides_write_the_same_canonical_json(data: Any) -> None:
    assert gm.canonical_json(data) == centre_crypto.dump_json(_without_empties(data))
