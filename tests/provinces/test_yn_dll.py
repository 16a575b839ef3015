"""The Yunnan dynamic-library transport against a gcc-built fake with the vendor signature."""

from __future__ import annotations

import ctypes
import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from yibao.core.errors import ConfigurationError
from yibao.core.plugins import get_plugin_manager, load_registry
from yibao.provinces.yunnan.dll import DllTransport


def _post(transport: httpx.BaseTransport, infno: str, msgid: str) -> httpx.Response:
    with httpx.Client(transport=transport) as client:
        envelope = {"infno": infno, "msgid": msgid, "input": {"data": {"psn_name": "云南"}}}
        # Compact, as the engine's wire.dumps writes it.
        body = json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))
        return client.post("http://dll.invalid/fsi/api/rsfComIfsService/callService", content=body.encode())


@pytest.mark.parametrize(
    ("function", "signature", "encoding"),
    [("BUSINESS_HANDLE", "in_out", "utf-8"), ("BUSINESS_HANDLE_LEN", "in_out_len", "utf-8")],
)
def test_envelope_goes_through_the_library(
    build_lib: Callable[[str], Path], function: str, signature: str, encoding: str
) -> None:
    """The envelope JSON reaches the library and its output buffer comes back as the response."""
    lib = build_lib("yn_business")
    transport = DllTransport(str(lib), function=function, signature=signature, encoding=encoding, output_size=8192)
    response = _post(transport, "1101", "H53010000001202601011200000001")
    assert response.status_code == 200
    reply = response.json()
    assert reply["infcode"] == 0
    assert reply["output"]["echo"] == {
        "infno": "1101",
        "msgid": "H53010000001202601011200000001",
        "note": "云南",
    }
    raw = ctypes.CDLL(str(lib))
    buf = ctypes.create_string_buffer(4096)
    raw.FakeLastInput(buf, 4096)
    assert "云南".encode() in buf.value


def test_return_codes_map_to_outcome_classes(build_lib: Callable[[str], Path]) -> None:
    """Could-not-connect -> ConnectError (NOT SENT); other failures -> ReadError (UNKNOWN)."""
    transport = DllTransport(str(build_lib("yn_business")))
    with pytest.raises(httpx.ConnectError, match="连接失败"):
        _post(transport, "2207", "H5301000000120260101120000NCON")
    with pytest.raises(httpx.ReadError, match="rc=-2"):
        _post(transport, "2207", "H5301000000120260101120000FAIL")
    coded = DllTransport(str(build_lib("yn_business")), not_sent_codes=[-2], not_sent_patterns=[])
    with pytest.raises(httpx.ConnectError):
        _post(coded, "2207", "H5301000000120260101120000FAIL")
    # A non-zero code that still carries the centre's JSON reply is the centre's answer.
    answered = _post(transport, "1101", "H5301000000120260101120000BIZE")
    assert answered.json()["infcode"] == -1 and answered.json()["err_msg"] == "人员不存在"


def test_configuration_errors_name_the_key(tmp_path: Path, build_lib: Callable[[str], Path]) -> None:
    """A missing library, unknown function or signature is a configuration error naming its key."""
    with pytest.raises(ConfigurationError) as err:
        DllTransport.from_options({})
    assert err.value.key == "transport.library"
    with pytest.raises(ConfigurationError) as err:
        DllTransport(str(tmp_path / "yhyb.dll"))
    assert err.value.key == "transport.library"
    with pytest.raises(ConfigurationError) as err:
        DllTransport(str(build_lib("yn_business")), function="NOPE")
    assert err.value.key == "transport.function"
    with pytest.raises(ConfigurationError) as err:
        DllTransport(str(build_lib("yn_business")), signature="pascal")
    assert err.value.key == "transport.signature"


def test_hook_returns_the_transport_for_yunnan_only(build_lib: Callable[[str], Path]) -> None:
    """yibao_transport gives the library transport for Yunnan, None for kind=http and other regions."""
    pm = get_plugin_manager()
    reg = load_registry(pm)
    yunnan, guangdong = reg.resolve("530100"), reg.resolve("440100")
    lib = str(build_lib("yn_business"))
    got = pm.hook.yibao_transport(profile=yunnan, options={"library": lib})
    assert isinstance(got, DllTransport)
    assert pm.hook.yibao_transport(profile=yunnan, options={"kind": "http"}) is None
    assert pm.hook.yibao_transport(profile=guangdong, options={"library": lib}) is None
