"""Outcome classes, decided in one place (issue 2 "Gateway and transport"; reliability.md §2 case 9)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from yibao.core.config import GatewayConfig
from yibao.core.envelope import Envelope
from yibao.core.errors import BusinessError, GatewayError, NotSentError, OutcomeUnknownError
from yibao.core.gateway import TifSignatureAuth
from yibao.core.transport import Transport, make_http_client


def _envelope(infno: str = "2102") -> Envelope:
    return Envelope(infno=infno, msgid="H44010000001202611220800000001", mdtrtarea_admvs="440100",
                    insuplc_admdvs="", recer_sys_code="YBXT", dev_no="", dev_safe_info="", cainfo="", signtype="",
                    infver="V1.0", opter_type="1", opter="0001", opter_name="x", inf_time="2026-11-22 08:00:00",
                    fixmedins_code="H44010000001", fixmedins_name="x", sign_no="S", input={"data": {}})


def _transport(handler: Callable[[httpx.Request], httpx.Response]) -> Transport:
    gw = GatewayConfig(url="http://gw.test", paasid="p")
    return Transport(make_http_client(gw, TifSignatureAuth("p", "s"), httpx.MockTransport(handler)), gw.url)


def _raise(exc: type[Exception]) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc("boom", request=request)  # type: ignore[call-arg]

    return handler


@pytest.mark.parametrize("exc", [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout])
def test_no_connection_is_not_sent(exc: type[Exception]) -> None:
    with pytest.raises(NotSentError) as info:
        _transport(_raise(exc)).send("/x", _envelope())
    assert info.value.exit_code == 6
    assert info.value.msgid == "H44010000001202611220800000001"


@pytest.mark.parametrize("exc", [httpx.ReadTimeout, httpx.WriteTimeout, httpx.ReadError, httpx.WriteError,
                                 httpx.RemoteProtocolError])
def test_after_bytes_left_is_unknown(exc: type[Exception]) -> None:
    with pytest.raises(OutcomeUnknownError) as info:
        _transport(_raise(exc)).send("/x", _envelope())
    assert info.value.exit_code == 4


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(502, text="bad gateway"),
        httpx.Response(500, json={"infcode": 0}),
        httpx.Response(200, text="<html><body>维护中</body></html>"),
        httpx.Response(200, content=b'{"infcode":0,"output":{"setlinfo":{"setl_id":"S'),
        httpx.Response(200, content=b""),
        httpx.Response(200, json={"output": {}}),
        httpx.Response(200, json=[1, 2]),
    ],
)
def test_unusable_answers_are_unknown(response: httpx.Response) -> None:
    """HTTP 5xx, HTML, truncated or non-JSON bodies: UNKNOWN, never failed."""
    with pytest.raises(OutcomeUnknownError):
        _transport(lambda r: response).send("/x", _envelope())


@pytest.mark.parametrize("key", ["errcode", "errcode "])
def test_gateway_refusal(key: str) -> None:
    """{"errcode":401,"message":...} (also the spec's "errcode " spelling) is a gateway refusal, exit 5."""
    resp = httpx.Response(401, json={key: 401, "message": "签名不一致!"})
    with pytest.raises(GatewayError) as info:
        _transport(lambda r: resp).send("/x", _envelope())
    assert info.value.errcode == 401
    assert "签名不一致" in str(info.value)
    assert info.value.exit_code == 5


def test_business_error_keeps_err_msg() -> None:
    resp = httpx.Response(200, json={"infcode": "-1", "err_msg": "人员不存在", "inf_refmsgid": "R1"})
    with pytest.raises(BusinessError) as info:
        _transport(lambda r: resp).send("/x", _envelope())
    assert info.value.err_msg == "人员不存在"
    assert info.value.inf_refmsgid == "R1"
    assert info.value.exit_code == 3


def test_success_accepts_string_infcode_and_decimal_amounts() -> None:
    from decimal import Decimal

    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=b'{"infcode":"0","output":{"setlinfo":{"acct_pay":10.10}}}')

    reply = _transport(handler).send("/fsi/x", _envelope())
    assert reply.ok
    assert reply.output["setlinfo"]["acct_pay"] == Decimal("10.10")
    assert seen[0].url.path == "/fsi/x"
    assert seen[0].headers["x-tif-paasid"] == "p"


def test_download_returns_bytes_or_raises_on_json_error() -> None:
    import io

    from yibao.core.files import UnsafeFileError

    zip_reply = httpx.Response(200, content=b"PK\x03\x04data", headers={"content-type": "application/octet-stream"})
    sink = io.BytesIO()
    assert _transport(lambda r: zip_reply).download("/d", _envelope("9102"), sink, 1 << 20) == 8
    assert sink.getvalue() == b"PK\x03\x04data"
    err = httpx.Response(200, json={"infcode": -1, "err_msg": "文件不存在"})
    with pytest.raises(BusinessError, match="文件不存在"):
        _transport(lambda r: err).download("/d", _envelope("9102"), io.BytesIO(), 1 << 20)
    # A file over the cap is refused while it streams, never read whole.
    big = httpx.Response(200, content=b"x" * 5000, headers={"content-type": "application/zip"})
    with pytest.raises(UnsafeFileError, match="exceeds the cap"):
        _transport(lambda r: big).download("/d", _envelope("9102"), io.BytesIO(), 1000)


def test_clock_offset_from_date_header_warns_past_five_minutes() -> None:
    """The gateway refuses timestamps 30 minutes off; a Date header 10 minutes off warns early."""
    import email.utils
    import time

    from structlog.testing import capture_logs

    def answer(offset: float) -> Callable[[httpx.Request], httpx.Response]:
        date = email.utils.formatdate(time.time() + offset, usegmt=True)
        return lambda r: httpx.Response(200, json={"infcode": 0, "output": {}}, headers={"Date": date})

    with capture_logs() as logs:
        t = _transport(answer(600))
        t.send("/x", _envelope("1101"))
    assert t.clock_offset is not None and 590 < t.clock_offset < 610
    assert [e["event"] for e in logs] == ["clock_offset"]
    with capture_logs() as logs:
        _transport(answer(30)).send("/x", _envelope("1101"))
    assert logs == []
