"""Outcome classification as a property (issue 10; reliability.md §2 case 9): every answer maps to
exactly one of SUCCEEDED / FAILED / REFUSED / UNKNOWN, and nothing that could have committed maps
to FAILED or REFUSED.  Only two answers prove the centre committed nothing: the gateway's own
401-class refusal (below 500), and the centre's envelope with an integer infcode other than 0."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from yibao.core.errors import BusinessError, GatewayError, OutcomeUnknownError
from yibao.core.transport import classify

statuses = st.sampled_from([200, 201, 204, 301, 400, 401, 403, 404, 429, 500, 502, 503, 504])
infcodes = st.one_of(st.integers(-3, 3), st.sampled_from(["0", "-1", " 0 ", "", "ok", "0.0", "1e0"]), st.none(),
                     st.booleans(), st.just(Decimal("0")), st.just(1.5))
errcodes = st.one_of(st.sampled_from([401, "401", 403, 500, 504, "504", 429, 0]), st.none())
json_bodies = st.fixed_dictionaries({}, optional={
    "infcode": infcodes, "errcode": errcodes, "errcode ": errcodes, "message": st.text(max_size=8),
    "err_msg": st.text(max_size=8), "output": st.one_of(st.none(), st.dictionaries(st.text(max_size=3), st.integers()))
})


def _encode(d: dict[str, Any]) -> bytes:
    return json.dumps(d, default=str, ensure_ascii=False).encode()


bodies = st.one_of(json_bodies.map(_encode), st.sampled_from([b"", b"<html>502 Bad Gateway</html>", b'{"infcode": 0',
                                                              b"\xff\xfe not utf-8", b"[" * 2000 + b"]" * 2000]))


def _outcome(status: int, body: bytes) -> str:
    try:
        classify(status, body, "2102", "H44190000001202612020000000100")
    except GatewayError:
        return "REFUSED"
    except BusinessError:
        return "FAILED"
    except OutcomeUnknownError:
        return "UNKNOWN"
    return "SUCCEEDED"


def _proves_nothing_committed(status: int, body: bytes) -> str | None:
    """The only two answers that prove nothing was committed, and which one."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or status >= 500:
        return None
    if "infcode" not in data:
        codes = [data[k] for k in ("errcode", "errcode ") if k in data]
        return "REFUSED" if codes and all(str(c) in ("401", "403") for c in codes) else None
    infcode = data["infcode"]
    if type(infcode) is int or (isinstance(infcode, str) and infcode.strip().lstrip("-").isdigit()):
        return "FAILED" if int(infcode) != 0 else None
    return None


@settings(max_examples=1500, deadline=None)
@given(statuses, bodies)
def test_every_answer_has_one_outcome_and_doubt_is_unknown(status: int, body: bytes) -> None:
    """FAILED / REFUSED exactly when the answer proves nothing was committed; success only for
    infcode 0 on a 2xx; everything else UNKNOWN."""
    outcome = _outcome(status, body)
    proof = _proves_nothing_committed(status, body)
    if outcome in ("FAILED", "REFUSED"):
        assert proof == outcome, (status, body[:200])
    elif outcome == "SUCCEEDED":
        assert 200 <= status < 300 and json.loads(body)["infcode"] in (0, "0", " 0 ")
    else:
        assert outcome == "UNKNOWN" and proof is None, (status, body[:200])


def test_the_cases_of_the_probe() -> None:
    """The answers the outside probe found misclassified are all UNKNOWN now."""
    cases = [
        (502, b'{"errcode":502,"message":"Bad Gateway"}'),
        (504, b'{"errcode":504,"message":"Gateway Time-out"}'),
        (200, b'{"errcode":500,"message":"internal"}'),
        (200, b'{"infcode":null,"output":{}}'),
        (200, b'{"infcode":"","output":{}}'),
        (200, b'{"infcode":"ok","output":{}}'),
        (200, b'{"infcode":false,"output":{}}'),
    ]
    assert [_outcome(s, b) for s, b in cases] == ["UNKNOWN"] * len(cases)
    assert _outcome(401, "{\"errcode\":401,\"message\":\"签名不一致!\"}".encode()) == "REFUSED"
    assert _outcome(200, b'{"errcode ":401,"message":"x"}') == "REFUSED"  # the seed documents' stray space
    assert _outcome(502, b'{"errcode":401,"message":"x"}') == "UNKNOWN"  # a 5xx proves nothing
