"""The exact string that is signed, and the exact JSON that is encrypted (online_settlement.md §3.2).

Expected values are written out by hand from the contract's rule, not computed: top-level
fields but signData / encData / extra, sorted, ``k=v`` joined by ``&``, then ``&key=`` +
appSecret; ``data`` as compact JSON with keys sorted at every level, null and "" members
dropped, UTF-8 unescaped, amounts with their exact digits.
"""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from yibao.core import gm
from yibao.sandbox import mobilepay as mp
from yibao.sandbox.mobilepay import crypto as centre_crypto

from .conftest import APP_ID, APP_SECRET

DATA: dict[str, Any] = {
    "psnNo": "35020000000000000001",
    "userName": "张三",
    "medfeeSumamt": Decimal("12.30"),
    "insuCode": "",
    "mdtrtId": None,
    "extData": {"zeta": 1, "alpha": {"b": "乙", "a": None}, "flag": True},
    "feedetailList": [
        {"feedetlSn": "2", "cnt": Decimal("1"), "rxno": "", "medListName": "阿莫西林胶囊"},
        {"feedetlSn": "1", "pric": Decimal("12.30"), "codes": [None, "", 3]},
    ],
}

EXPECTED_JSON = (
    '{"extData":{"alpha":{"b":"乙"},"flag":true,"zeta":1},'
    '"feedetailList":[{"cnt":1,"feedetlSn":"2","medListName":"阿莫西林胶囊"},'
    '{"codes":[null,"",3],"feedetlSn":"1","pric":12.30}],'
    '"medfeeSumamt":12.30,"psnNo":"35020000000000000001","userName":"张三"}'
)

EXPECTED_REQUEST_STRING = (
    "appId=TESTAPP0000000000000000000000001"
    '&data={"extData":{"alpha":{"b":"乙"},"flag":true,"zeta":1},'
    '"feedetailList":[{"cnt":1,"feedetlSn":"2","medListName":"阿莫西林胶囊"},'
    '{"codes":[null,"",3],"feedetlSn":"1","pric":12.30}],'
    '"medfeeSumamt":12.30,"psnNo":"35020000000000000001","userName":"张三"}'
    "&encType=SM4&signType=SM2&timestamp=1700000000000&version=1.0.0"
    "&key=TEST-SECRET-not-for-production-0001"
)

EXPECTED_REPLY_STRING = (
    "code=0"
    '&data={"extData":{"alpha":{"b":"乙"},"flag":true,"zeta":1},'
    '"feedetailList":[{"cnt":1,"feedetlSn":"2","medListName":"阿莫西林胶囊"},'
    '{"codes":[null,"",3],"feedetlSn":"1","pric":12.30}],'
    '"medfeeSumamt":12.30,"psnNo":"35020000000000000001","userName":"张三"}'
    "&encType=SM4&message=成功"
    "&key=TEST-SECRET-not-for-production-0001"
)


def _sm4(key: bytes, plain: bytes) -> bytes:
    padder = padding.PKCS7(128).padder()
    enc = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
    return enc.update(padder.update(plain) + padder.finalize()) + enc.finalize()


def test_canonical_json_on_both_sides() -> None:
    assert gm.canonical_json(DATA) == EXPECTED_JSON
    assert centre_crypto.dump_json(DATA) == EXPECTED_JSON


def test_the_request_signs_exactly_the_expected_string(client: gm.Credentials, centre: mp.MobilePayCredentials) -> None:
    req = gm.build_request(DATA, client, now=1_700_000_000.0)
    assert req["timestamp"] == "1700000000000"
    assert set(req) == {"appId", "encType", "signType", "timestamp", "version", "encData", "signData"}
    rs = base64.b64decode(req["signData"])
    assert gm.sm2_verify(centre["institution_public_key"], EXPECTED_REQUEST_STRING.encode("utf-8"), rs)
    assert mp.envelope.string_to_sign(req, EXPECTED_JSON, APP_SECRET) == EXPECTED_REQUEST_STRING
    assert gm.sign_string({**req, "data": EXPECTED_JSON}, APP_SECRET) == EXPECTED_REQUEST_STRING


def test_enc_data_is_sm4_of_the_same_json_under_the_derived_key(client: gm.Credentials) -> None:
    # §3.2, spelt out with the primitive: key = first 16 chars of HEX(SM4(appId[0:16], appSecret))
    derived = _sm4(APP_ID[:16].encode(), APP_SECRET.encode()).hex().upper()[:16].encode()
    assert gm.derive_sm4_key(APP_ID, APP_SECRET) == derived
    assert centre_crypto.work_key(APP_ID, APP_SECRET) == derived
    req = gm.build_request(DATA, client, now=1_700_000_000.0)
    assert req["encData"] == _sm4(derived, EXPECTED_JSON.encode("utf-8")).hex().upper()


def test_the_reply_signs_exactly_the_expected_string(centre: mp.MobilePayCredentials) -> None:
    rep = mp.reply(DATA, centre)
    assert set(rep) == {"code", "message", "encType", "encData", "signData"}
    rs = base64.b64decode(rep["signData"])
    assert gm.sm2_verify(centre["platform_public_key"], EXPECTED_REPLY_STRING.encode("utf-8"), rs)


def test_extra_is_outside_the_signature(client: gm.Credentials, centre: mp.MobilePayCredentials) -> None:
    req = gm.build_request(DATA, client, now=1_700_000_000.0, extra={"trace": "1"})
    rs = base64.b64decode(req["signData"])
    assert gm.sm2_verify(centre["institution_public_key"], EXPECTED_REQUEST_STRING.encode("utf-8"), rs)


@pytest.mark.parametrize(
    "bad", [{"x": 1.5}, {"x": [Decimal("NaN")]}, {"x": Decimal("Infinity")}, {1: "a"}, {"x": b"raw"}]
)
def test_what_json_would_blur_is_refused_on_both_sides(bad: dict[Any, Any], client: gm.Credentials) -> None:
    with pytest.raises((TypeError, ValueError)):
        gm.build_request(bad, client)
    with pytest.raises((TypeError, ValueError)):
        centre_crypto.dump_json(bad)


def test_text_escapes_agree() -> None:
    tricky = {"t": 'q"uote\\back\nline\ttab\x01\x7f\u2028/<>&', "中": "\U0001f600"}
    assert gm.canonical_json(tricky) == centre_crypto.dump_json(tricky)
    assert gm.canonical_json(tricky) == '{"t":"q\\"uote\\\\back\\nline\\ttab\\u0001\x7f\u2028/<>&","中":"\U0001f600"}'
