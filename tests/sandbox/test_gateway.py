"""The x-tif gateway and the envelope checks (contract.md "The sandbox on the wire")."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from conftest import CALL_PATH, INSTITUTION, PAASID, SECRET, SPECS, Centre, dumps, loads, new_msgid, x_tif

from yibao.sandbox.app import create_app
from yibao.sandbox.config import SandboxConfig


def _gateway(reply_body: bytes) -> dict[str, object]:
    body: dict[str, object] = json.loads(reply_body)
    assert set(body) == {"errcode", "message"}
    return body


def test_seed_documents_list_the_four_messages() -> None:
    if not SPECS.is_dir():
        pytest.skip("shared/specs is not next to the repository")
    text = next(SPECS.glob("000_*.txt")).read_text(encoding="utf-8")
    for msg in ("缺少服务调用的请求头!", "签名时间戳超时!", "非法用户!", "签名不一致!"):
        assert msg in text


@pytest.mark.parametrize("missing", ["x-tif-paasid", "x-tif-timestamp", "x-tif-nonce", "x-tif-signature"])
def test_missing_header(centre: Centre, missing: str) -> None:
    headers = x_tif()
    del headers[missing]
    r = centre.post(CALL_PATH, dumps(centre.envelope("1101", {})), headers)
    assert r.status_code == 401
    assert _gateway(r.content) == {"errcode": 401, "message": "缺少服务调用的请求头!"}


def test_unknown_paasid(centre: Centre) -> None:
    r = centre.post(CALL_PATH, b"{}", x_tif(paasid="someone-else"))
    assert _gateway(r.content) == {"errcode": 401, "message": "非法用户!"}


def test_wrong_signature(centre: Centre) -> None:
    r = centre.post(CALL_PATH, b"{}", x_tif(secret="not-the-secret"))
    assert _gateway(r.content) == {"errcode": 401, "message": "签名不一致!"}


@pytest.mark.parametrize("offset", [31 * 60, -31 * 60])
def test_timestamp_outside_30_minutes(centre: Centre, offset: int) -> None:
    r = centre.post(CALL_PATH, b"{}", x_tif(ts=int(time.time()) + offset))
    assert _gateway(r.content) == {"errcode": 401, "message": "签名时间戳超时!"}


def test_timestamp_inside_30_minutes_passes_the_gateway(centre: Centre) -> None:
    r = centre.post(CALL_PATH, dumps(centre.envelope("1101", {})), x_tif(ts=int(time.time()) - 29 * 60))
    assert r.status_code == 200 and "infcode" in loads(r.content)


def test_nonce_replay_refused_for_ten_minutes(tmp_path: Path) -> None:
    now = [1_800_000_000.0]
    cfg = SandboxConfig(paasid=PAASID, secret=SECRET, state_dir=tmp_path, clock=lambda: now[0])
    c = Centre(app=create_app(cfg))
    headers = x_tif(ts=int(now[0]), nonce="fixed-nonce-1")
    assert c.post(CALL_PATH, b"{}", headers).status_code == 200
    second = c.post(CALL_PATH, b"{}", headers)
    assert second.status_code == 401 and _gateway(second.content)["errcode"] == 401
    now[0] += 9 * 60  # still inside ten minutes, timestamp still fresh
    assert c.post(CALL_PATH, b"{}", x_tif(ts=int(now[0]), nonce="fixed-nonce-1")).status_code == 401
    now[0] += 61 + 60  # more than ten minutes after the first use
    assert c.post(CALL_PATH, b"{}", x_tif(ts=int(now[0]), nonce="fixed-nonce-1")).status_code == 200


def test_forged_request_does_not_burn_a_nonce(centre: Centre) -> None:
    ts = int(time.time())
    bad = x_tif(secret="wrong", ts=ts, nonce="n-forged")
    assert centre.post(CALL_PATH, b"{}", bad).status_code == 401
    assert centre.post(CALL_PATH, b"{}", x_tif(ts=ts, nonce="n-forged")).status_code == 200


def test_upper_case_signature_accepted(centre: Centre) -> None:
    headers = x_tif()
    headers["x-tif-signature"] = headers["x-tif-signature"].upper()
    assert centre.post(CALL_PATH, b"{}", headers).status_code == 200


# ---------------------------------------------------------------- envelope


def _err(centre: Centre, content: bytes, path: str = CALL_PATH) -> str:
    r = centre.post(path, content)
    assert r.status_code == 200
    body = loads(r.content)
    assert body["infcode"] == -1
    return str(body["err_msg"])


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe", b"[1,2]", b"", b"null"])
def test_malformed_body_is_an_infcode_not_a_500(centre: Centre, content: bytes) -> None:
    assert _err(centre, content)


@pytest.mark.parametrize("field", ["infno", "msgid", "mdtrtarea_admvs", "opter", "fixmedins_code", "inf_time", "input"])
def test_missing_envelope_field_is_named(centre: Centre, field: str) -> None:
    env = centre.envelope("1101", {"data": {}})
    del env[field]
    assert field in _err(centre, dumps(env))


def test_wrong_type_and_overlong_fields_are_named(centre: Centre) -> None:
    env = centre.envelope("1101", {"data": {}}, opter=12)
    assert "opter" in _err(centre, dumps(env))
    env = centre.envelope("1101", {"data": {}}, opter_name="名" * 51)
    assert "opter_name" in _err(centre, dumps(env))
    env = centre.envelope("1101", {"data": {}}, input="data")
    assert "input" in _err(centre, dumps(env))


@pytest.mark.parametrize(
    "msgid",
    [
        "X" * 30,
        INSTITUTION + "2024130112000" + "00001",  # month 13
        "H99999999999" + "20240101120000" + "0001",  # another institution's prefix
        INSTITUTION + "20240101120000" + "001",  # 29 characters
    ],
)
def test_msgid_shape(centre: Centre, msgid: str) -> None:
    assert "msgid" in _err(centre, dumps(centre.envelope("1101", {"data": {}}, msgid=msgid)))


def test_msgid_unique_per_institution(centre: Centre) -> None:
    p = centre.persons()[0]
    data = {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": p["certno"], "psn_cert_type": "01"}}
    if p["psn_cert_type"] != "01":
        pytest.skip("first person is not an ID-card holder")
    msgid = new_msgid()
    assert centre.call("1101", data, msgid=msgid)["infcode"] == 0
    again = centre.call("1101", data, msgid=msgid)
    assert again["infcode"] == -1 and "msgid" in again["err_msg"]
    other = Centre(app=centre.app, code="H44190000002")
    assert other.call("1101", data, msgid="H44190000002" + msgid[12:])["infcode"] == 0


def test_unknown_extra_envelope_fields_are_ignored(centre: Centre) -> None:
    p = next(p for p in centre.persons() if p["psn_cert_type"] == "01")
    data = {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": p["certno"], "psn_cert_type": "01"}}
    reply = centre.call("1101", data, enc_type="SM4", expContent="", sign_no="null", dev_no="null")
    assert reply["infcode"] == 0, reply["err_msg"]


def test_unknown_infno_refused(centre: Centre) -> None:
    assert "9999" in _err(centre, dumps(centre.envelope("9999", {})))


def test_reply_envelope_shape(centre: Centre) -> None:
    reply = centre.call("9999", {})
    assert reply["inf_refmsgid"].startswith("441900") and len(reply["inf_refmsgid"]) == 30
    assert len(reply["refmsg_time"]) == 17 and len(reply["respond_time"]) == 17
    for key in ("warn_msg", "cainfo", "signtype", "output"):
        assert key in reply


# ---------------------------------------------------------------- routing


def test_routes_by_last_segment(centre: Centre) -> None:
    p = next(p for p in centre.persons() if p["psn_cert_type"] == "01")
    data = {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": p["certno"], "psn_cert_type": "01"}}
    for path in ("/1101", "/ebus/gdyb_inf/poc/hsa/hgs/1101", "/620000001/hsa-api/1101", "/base" + CALL_PATH):
        assert centre.send(centre.envelope("1101", data), path)["infcode"] == 0, path
    assert "1101" in _err(centre, dumps(centre.envelope("1101", data)), "/ebus/hsa/hgs/2102")


def test_file_endpoints_route_to_9101_and_9102(centre: Centre) -> None:
    env = centre.envelope("1101", {"data": {}})
    assert "9101" in _err(centre, dumps(env), "/fsi/api/fileupload/upload")
    assert "9102" in _err(centre, dumps(env), "/fsi/api/fileupload/download")
