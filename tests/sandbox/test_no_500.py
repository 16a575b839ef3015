"""Bad input never causes an HTTP 500: random inputs for every transaction this module serves,
and hostile bodies (deep nesting, huge bodies, invalid UTF-8, lone surrogates) on the wire and
on the control API."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import httpx
import pytest
from conftest import CALL_PATH, Centre, dumps, loads
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

INFNOS = [
    "1101",
    "2001",
    "9001",
    "9002",
    "2101",
    "2102",
    "2103",
    "2201",
    "2202",
    "2203",
    "2204",
    "2205",
    "2206",
    "2207",
    "2208",
    "2301",
    "2302",
    "2303",
    "2304",
    "2305",
    "2401",
    "2402",
    "2403",
    "2404",
    "2405",
    "2601",
    "5201",
    "5202",
    "5203",
    "5204",
    "5205",
    "5206",
    "5301",
    "5302",
    "5303",
]
NODES = ["data", "druginfo", "drugdetail", "feedetail", "mdtrtinfo", "diseinfo", "dscginfo", "adminfo", "signIn"]
FIELDS = [
    "psn_no",
    "mdtrt_id",
    "setl_id",
    "feedetl_sn",
    "chrg_bchno",
    "cnt",
    "pric",
    "det_item_fee_sumamt",
    "medfee_sumamt",
    "mdtrt_cert_type",
    "mdtrt_cert_no",
    "card_sn",
    "insutype",
    "acct_used_flag",
    "omsgid",
    "oinfno",
    "med_list_codg",
    "begntime",
    "endtime",
    "opter_no",
    "psn_cert_type",
    "certno",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.text(max_size=40),
    st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=Decimal("-1e9"), max_value=Decimal("1e9")),
    st.sampled_from(["", "null", "0000", "01", "02", "03", "99", "310", "2024-01-01 00:00:00", "SB44190000000007"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(FIELDS), inner, max_size=6),
    max_leaves=12,
)
inputs = st.dictionaries(
    st.sampled_from(NODES),
    st.one_of(
        st.dictionaries(st.sampled_from(FIELDS), values, max_size=8),
        st.lists(st.dictionaries(st.sampled_from(FIELDS), values, max_size=8), max_size=3),
        values,
    ),
    max_size=3,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(infno=st.sampled_from(INFNOS), inp=inputs, validate=st.booleans())
def test_random_inputs_get_an_envelope(centre: Centre, infno: str, inp: dict[str, Any], validate: bool) -> None:
    # Half the time the catalogue check is bypassed, so the handlers themselves meet the garbage.
    centre.app.state.sandbox.dispatcher.config = centre.app.state.sandbox.dispatcher.config.__class__(
        **{**_fields(centre), "validate": validate}
    )
    if not centre.sign_no:
        centre.sign_in()
    r = centre.post(CALL_PATH, dumps(centre.envelope(infno, inp)))
    assert r.status_code == 200, r.text
    body = loads(r.content)
    assert body["infcode"] in (0, -1)
    if body["infcode"] == -1:
        assert body["err_msg"]
        # A handler that meets garbage must refuse it naming the field, not crash.
        assert not body["err_msg"].startswith("中心处理异常"), (infno, inp, body["err_msg"])


def _fields(centre: Centre) -> dict[str, Any]:
    import attrs

    return attrs.asdict(centre.app.state.sandbox.config, recurse=False)


# ---------------------------------------------------------------------------- hostile bodies
# Each is refused with infcode -1 (wire) or a 4xx JSON error (control API), never an HTTP 500.


def _deep(n: int, open_: bytes = b"[", close: bytes = b"]") -> bytes:
    return open_ * n + close * n


def _envelope_with(centre: Centre, raw_input: bytes) -> bytes:
    head = dumps(centre.envelope("1101", {}))
    assert head.endswith(b'"input":{}}')
    return head[: -len(b"{}}")] + raw_input + b"}"


def _hostile_wire(centre: Centre) -> list[tuple[str, bytes, str]]:
    ok_input = b'{"data":{"mdtrt_cert_type":"02","mdtrt_cert_no":"x","psn_cert_type":"01"}}'
    return [
        ("1,000 deep", _envelope_with(centre, _deep(1000)), "嵌套"),
        ("100,000 deep", _deep(100_000), "嵌套"),
        ("deep objects", _envelope_with(centre, b'{"a":' * 40 + b"1" + b"}" * 40), "嵌套"),
        ("33 deep", _envelope_with(centre, _deep(32)), "嵌套"),  # the envelope's object + 32 = 33 levels
        ("32 deep", _envelope_with(centre, _deep(31)), "input: 类型错误"),  # within the limit: the envelope check
        ("9 MiB", _envelope_with(centre, b'{"data":{"psn_no":"' + b"x" * (9 << 20) + b'"}}'), "大小"),
        ("invalid UTF-8", _envelope_with(centre, b'{"data":{"psn_no":"\xff\xfe"}}'), "UTF-8"),
        ("lone high surrogate", _envelope_with(centre, b'{"data":{"psn_no":"\\ud800"}}'), "代理"),
        ("lone low surrogate", _envelope_with(centre, b'{"data":{"psn_no":"a\\udc00b"}}'), "代理"),
        ("NUL", _envelope_with(centre, b'{"data":{"psn_no":"\\u0000"}}'), "非法字符"),
        ("truncated", _envelope_with(centre, ok_input)[:-7], "JSON"),
        ("not an object", b"[1,2,3]", "JSON对象"),
        ("empty", b"", "JSON"),
    ]


@pytest.mark.parametrize("index", range(13))
def test_hostile_wire_bodies_get_an_envelope(centre: Centre, index: int) -> None:
    name, body, words = _hostile_wire(centre)[index]
    r = centre.post(CALL_PATH, body)
    assert r.status_code == 200, (name, r.status_code)
    reply = loads(r.content)
    assert reply["infcode"] == -1 and words in reply["err_msg"], (name, reply["err_msg"])


def test_a_surrogate_pair_is_text_not_an_error(centre: Centre) -> None:
    p = centre.person(lambda p: p["psn_cert_type"] == "01")
    data = b'{"data":{"mdtrt_cert_type":"02","mdtrt_cert_no":"' + p["certno"].encode() + b'","psn_cert_type":"01",' \
           b'"psn_name":"\\ud83d\\ude00"}}'  # fmt: skip
    reply = loads(centre.post(CALL_PATH, _envelope_with(centre, data)).content)
    assert reply["infcode"] == -1 and "psn_name" in reply["err_msg"]  # a name mismatch, not a body error


def test_hostile_bodies_over_a_socket(live_centre: Centre) -> None:
    for name, body, words in _hostile_wire(live_centre)[:5]:
        r = live_centre.post("/1101" if name == "9 MiB" else CALL_PATH, body, timeout=60)
        assert r.status_code == 200, (name, r.status_code)
        reply = loads(r.content)
        assert reply["infcode"] == -1 and words in reply["err_msg"], (name, reply["err_msg"])


_CONTROL_BODIES = [
    (_deep(1000), 400),
    (b'{"certno":' + _deep(40) + b"}", 400),
    (b'{"certno":"' + b"1" * 70_000 + b'"}', 413),
    (b'{"certno":"\xff"}', 400),
    (b'{"certno":"\\ud800"}', 400),
    (b'{"certno":"\\udfff\\ud800"}', 400),
    (b'{"certno":', 400),
    (b"\x00\x01\x02", 400),
]


@pytest.mark.parametrize(("body", "status"), _CONTROL_BODIES)
def test_hostile_control_bodies_get_a_4xx(centre: Centre, body: bytes, status: int) -> None:
    for path in ("/_sandbox/ectoken", "/_sandbox/faults"):
        r = _control_raw(centre, path, body)
        assert r.status_code == status, (path, body[:20], r.status_code, r.text[:200])
        assert "error" in r.json()


def test_hostile_control_bodies_over_a_socket(live_centre: Centre) -> None:
    for body, status in _CONTROL_BODIES:
        r = httpx.post(f"{live_centre.url}/_sandbox/faults", content=body, timeout=30)
        assert r.status_code == status, (body[:20], r.status_code)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=200) | st.text(max_size=80).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_random_control_bodies_never_500(centre: Centre, body: bytes) -> None:
    for path in ("/_sandbox/ectoken", "/_sandbox/faults"):
        assert _control_raw(centre, path, body).status_code < 500


def _control_raw(centre: Centre, path: str, body: bytes) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=centre.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as c:
            return await c.post(path, content=body)

    return asyncio.run(go())
