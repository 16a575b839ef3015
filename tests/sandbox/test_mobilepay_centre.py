"""The sandbox's online centres over loopback, driven with the centre's own envelope functions
(no client code): credentials per state, the contract's refusal of a bad signature, the
control calls, callback URLs kept to loopback, faults of the main centre on 6202, the
e-invoice vendor's own envelope."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from yibao.sandbox import mobilepay as mp
from yibao.sandbox.codec import dumps_bytes
from yibao.sandbox.config import SandboxConfig
from yibao.sandbox.mobilepay import crypto
from yibao.sandbox.server import RunningSandbox, run_in_thread


@pytest.fixture
def sb(tmp_path: Path) -> Iterator[RunningSandbox]:
    with run_in_thread(SandboxConfig(state_dir=tmp_path / "state", region="350200")) as s:
        yield s


def _creds(sb: RunningSandbox) -> dict[str, str]:
    out: dict[str, str] = httpx.get(f"{sb.url}/_sandbox/mobilepay/credentials", timeout=10).json()
    return out


def _as_institution(creds: dict[str, str], data: Any, *, key: str | None = None) -> bytes:
    """A request signed with the institution's key (the centre's own signer, with the roles swapped)."""
    import time

    fields = {"appId": creds["appId"], "encType": "SM4", "signType": "SM2", "timestamp": str(round(time.time() * 1000)),
              "version": "1.0.0"}
    text = crypto.dump_json(data)
    enc = crypto.sm4_encrypt(crypto.work_key(creds["appId"], creds["appSecret"]), text.encode()).hex().upper()
    private = key or creds["institution_private_key"]
    sign = crypto.sign(private, crypto.public_of(private), mp.envelope.string_to_sign(fields, text, creds["appSecret"]))
    return dumps_bytes({**fields, "encData": enc, "signData": sign})


def _open(creds: dict[str, str], body: bytes) -> tuple[int, str, Any]:
    """A centre reply, checked with the platform's public key (the institution's view)."""
    env = json.loads(body)
    data = None
    if env.get("encData"):
        plain = crypto.sm4_decrypt(crypto.work_key(creds["appId"], creds["appSecret"]), bytes.fromhex(env["encData"]))
        data = crypto.parse_json(plain.decode())
    text = crypto.dump_json(data) if data is not None else None
    assert crypto.verify(creds["platform_public_key"], mp.envelope.string_to_sign(env, text, creds["appSecret"]),
                         env["signData"])
    return int(env["code"]), env["message"], data


def test_credentials_have_the_contracts_shape_and_stay_with_the_state(sb: RunningSandbox, tmp_path: Path) -> None:
    creds = _creds(sb)
    assert set(creds) == {"appId", "appSecret", "platform_public_key", "platform_private_key",
                          "institution_public_key", "institution_private_key"}
    assert len(creds["platform_private_key"]) == 64 and len(creds["platform_public_key"]) == 128
    with run_in_thread(SandboxConfig(state_dir=tmp_path / "state")) as again:
        assert _creds(again) == creds
    with run_in_thread(SandboxConfig(state_dir=tmp_path / "other")) as other:
        assert _creds(other)["appId"] != creds["appId"]


def test_a_request_not_signed_by_the_institution_gets_a_signed_refusal_naming_the_signature(
    sb: RunningSandbox
) -> None:
    creds = _creds(sb)
    stranger, _ = crypto.generate_keypair()
    body = _as_institution(creds, {"payOrdId": "X"}, key=stranger)
    r = httpx.post(f"{sb.url}/org/local/api/hos/query_order_info", content=body, timeout=10)
    code, message, data = _open(creds, r.content)
    assert r.status_code == 200 and code != 0 and "签名" in message and data is None


def test_junk_input_is_refused_naming_the_field_never_a_500(sb: RunningSandbox) -> None:
    creds = _creds(sb)
    r = httpx.post(f"{sb.url}/org/local/api/hos/pay_order", content=_as_institution(creds, {"payOrdId": 5}),
                   timeout=10)
    code, message, _ = _open(creds, r.content)
    assert code == 2001 and "payOrdId" in message
    r = httpx.post(f"{sb.url}/org/local/api/hos/pay_order", content=b"{not json", timeout=10)
    assert r.status_code == 200 and _open(creds, r.content)[0] == 1000


def test_authorisation_codes_are_single_use_and_callbacks_stay_on_loopback(sb: RunningSandbox) -> None:
    creds = _creds(sb)
    person = next(p for p in httpx.get(f"{sb.url}/_sandbox/persons", timeout=10).json()
                  if p["insuplc_admdvs"] == "350200")
    code = httpx.post(f"{sb.url}/_sandbox/mobilepay/authorize", json={"certno": person["certno"]},
                      timeout=10).json()["authCode"]
    ask = _as_institution(creds, {"authCode": code, "orgCodg": "H35020000001"})
    first = _open(creds, httpx.post(f"{sb.url}/channel/api/payAuth/query", content=ask, timeout=10).content)
    assert first[0] == 0 and first[2]["idNo"] == person["certno"] and first[2]["payAuthNo"].startswith("PAN")
    again = _open(creds, httpx.post(f"{sb.url}/channel/api/payAuth/query",
                                    content=_as_institution(creds, {"authCode": code, "orgCodg": "H35020000001"}),
                                    timeout=10).content)
    assert again[0] != 0 and "授权码" in again[1]
    unknown = httpx.post(f"{sb.url}/_sandbox/mobilepay/authorize", json={"certno": "nobody"}, timeout=10)
    assert unknown.status_code == 404
    far = httpx.post(f"{sb.url}/_sandbox/mobilepay/callback", json={"notify_url": "http://192.0.2.1/notify"},
                     timeout=10)
    assert far.status_code == 400 and "loopback" in far.json()["error"]
    near = httpx.post(f"{sb.url}/_sandbox/mobilepay/callback", json={"notify_url": "http://127.0.0.1:9/n"},
                      timeout=10)
    assert near.status_code == 200


def test_faults_of_the_main_centre_apply_to_6202(sb: RunningSandbox) -> None:
    creds = _creds(sb)
    for mode, check in (("error_500", lambda r: r.status_code == 500), ("html_page", lambda r: b"<html" in r.content),
                        ("reject", lambda r: _open(creds, r.content)[0] == 2000)):
        httpx.post(f"{sb.url}/_sandbox/faults", json={"infno": "6202", "mode": mode}, timeout=10).raise_for_status()
        r = httpx.post(f"{sb.url}/org/local/api/hos/pay_order",
                       content=_as_institution(creds, {"payOrdId": "ORD1", "payToken": "T", "orgCodg": "H35020000001",
                                                       "orgBizSer": "B1", "mdtrtId": "M1"}), timeout=10)
        assert check(r), mode
    httpx.post(f"{sb.url}/_sandbox/faults", json={"infno": "6202", "mode": "drop_after_commit"}, timeout=10)
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.post(f"{sb.url}/org/local/api/hos/pay_order",
                   content=_as_institution(creds, {"payOrdId": "ORD1", "payToken": "T", "orgCodg": "H35020000001",
                                                   "orgBizSer": "B1", "mdtrtId": "M1"}), timeout=10)


def test_the_vendor_checks_its_md5_sign(sb: RunningSandbox) -> None:
    creds = httpx.get(f"{sb.url}/_sandbox/einvoice/credentials", timeout=10).json()
    data = base64.b64encode(json.dumps({"billBatchCode": "1", "billNo": "2"}).encode()).decode()
    noise = str(uuid.uuid4())
    text = f"appid={creds['appid']}&data={data}&noise={noise}&key={creds['appKey']}&version=1.0"
    for sign, expected in ((hashlib.md5(text.encode()).hexdigest().upper(), "E2000"), ("0" * 32, "E1001")):
        r = httpx.post(f"{sb.url}/api/medical/getEBillStatesByBillInfo", json={"appid": creds["appid"], "data": data,
                       "noise": noise, "version": "1.0", "sign": sign}, timeout=10).json()
        check = hashlib.md5(f"data={r['data']}&noise={r['noise']}&key={creds['appKey']}".encode()).hexdigest().upper()
        assert r["sign"] == check
        assert json.loads(base64.b64decode(r["data"]))["result"] == expected  # E2000: no such bill, but signed right
