"""Client (yibao.core.gm) against simulated centre (yibao.sandbox.mobilepay): two implementations
of online_settlement.md §3 that must agree, and refuse the same bad envelopes."""

from __future__ import annotations

import base64
import json
import time
from decimal import Decimal
from typing import Any

import pytest

from yibao.core import gm
from yibao.sandbox import mobilepay as mp
from yibao.sandbox.mobilepay import crypto as centre_crypto

from .conftest import APP_SECRET

# A 6201 费用明细上传 in miniature (field names: online_settlement.md §4.1)
DATA: dict[str, Any] = {
    "payAuthNo": "AUTH0001",
    "orgCodg": "H35020000001",
    "psnNo": "35020000000000000001",
    "userName": "张三",
    "medfeeSumamt": Decimal("12.30"),
    "mdtrtId": None,
    "insuCode": "",
    "feedetailList": [{"feedetlSn": "1", "detItemFeeSumamt": Decimal("12.30"), "cnt": Decimal("1.0000")}],
}
OPENED = {k: v for k, v in DATA.items() if v not in (None, "")}
NOW = 1_700_000_000.0
NOW_MS = 1_700_000_000_000


def _other_client(client: gm.Credentials) -> gm.Credentials:
    private, _ = gm.sm2_generate_keypair()
    return gm.Credentials(client.app_id, client.app_secret, private, client.peer_public_key)


def _refusal(body: dict[str, Any] | bytes, centre: mp.MobilePayCredentials) -> mp.Refusal:
    with pytest.raises(mp.Refusal) as info:
        mp.open_request(body, centre, now_ms=NOW_MS)
    return info.value


# ----------------------------------------------------------------------------- agreeing


def test_client_request_is_verified_and_decrypted_by_the_centre(
    client: gm.Credentials, centre: mp.MobilePayCredentials
) -> None:
    req = gm.build_request(DATA, client, now=NOW)
    assert mp.open_request(req, centre, now_ms=NOW_MS) == OPENED
    assert mp.open_request(json.loads(gm.encode_body(req)), centre, now_ms=NOW_MS) == OPENED
    assert mp.open_request(gm.encode_body(req), centre, now_ms=NOW_MS) == OPENED


def test_centre_reply_is_verified_and_decrypted_by_the_client(
    client: gm.Credentials, centre: mp.MobilePayCredentials
) -> None:
    answer = {"payOrdId": "ORD0001", "payToken": "TOK", "extData": {"mdtrtId": "M1"}, "feeSumamt": Decimal("12.30")}
    rep = mp.reply(answer, centre)
    opened = gm.open_reply(json.dumps(rep, ensure_ascii=False).encode(), client)
    assert opened == gm.Reply(code=0, message="成功", data=answer) and opened.ok


def test_handle_runs_the_business_and_signs_its_answer(client: gm.Credentials, centre: mp.MobilePayCredentials) -> None:
    seen: list[Any] = []

    def business(data: Any) -> Any:
        seen.append(data)
        return {"payOrdId": "ORD0002"}

    rep = mp.handle(gm.build_request(DATA, client, now=NOW), centre, business, now_ms=NOW_MS)
    assert seen == [OPENED]
    assert gm.open_reply(rep, client).data == {"payOrdId": "ORD0002"}


def test_pushed_notice_and_its_reply_both_ways(client: gm.Credentials, centre: mp.MobilePayCredentials) -> None:
    notice = {"payOrdId": "ORD0001", "ordStas": "6", "feeSumamt": Decimal("12.30"), "fundPay": Decimal("10.00")}
    pushed = mp.build_notice(notice, centre, now_ms=NOW_MS)
    assert gm.open_notice(gm.encode_body(pushed), client, now=NOW) == notice
    assert mp.open_notice_reply(gm.encode_body(gm.build_notice_reply(None, client)), centre) == (0, "成功", None)
    answer = gm.build_notice_reply({"resultCode": "0"}, client, code=0, message="ok")
    assert mp.open_notice_reply(answer, centre) == (0, "ok", {"resultCode": "0"})


def test_an_unencrypted_notice_is_accepted_when_its_signature_holds(
    client: gm.Credentials, centre: mp.MobilePayCredentials
) -> None:
    # §3.3: whether 6302 is encrypted is open; a plain one carries data in the clear
    fields = {"appId": client.app_id, "encType": "plain", "signType": "SM2", "timestamp": str(NOW_MS),
              "version": "1.0.0"}
    text = '{"ordStas":"6","payOrdId":"ORD0001"}'
    signed = mp.envelope.string_to_sign(fields, text, APP_SECRET)
    sig = centre_crypto.sign(centre["platform_private_key"], centre["platform_public_key"], signed)
    assert gm.open_notice({**fields, "data": text, "signData": sig}, client, now=NOW) == {
        "ordStas": "6", "payOrdId": "ORD0001"}
    with pytest.raises(gm.SignatureError):
        gm.open_notice({**fields, "data": text.replace("6", "7"), "signData": sig}, client, now=NOW)


# ------------------------------------------------------------------------------ refusing


def test_tampered_enc_data_is_refused(client: gm.Credentials, centre: mp.MobilePayCredentials) -> None:
    req = gm.build_request(DATA, client, now=NOW)
    enc = req["encData"]
    truncated = {**req, "encData": enc[:-2]}
    first_block = {**req, "encData": ("0" if enc[0] != "0" else "1") + enc[1:]}
    other_data = {**req, "encData": gm.build_request({"psnNo": "X"}, client, now=NOW)["encData"]}
    assert _refusal(truncated, centre).code == 1003
    assert _refusal(first_block, centre).code == 1004  # decrypts, but to bytes that are not JSON
    assert _refusal(other_data, centre).code == 1001  # valid JSON, not what was signed
    rep = mp.reply({"payOrdId": "ORD0001"}, centre)
    with pytest.raises(gm.DecryptionError, match=r"^decryption: "):
        gm.open_reply({**rep, "encData": rep["encData"][:-2]}, client)
    with pytest.raises(gm.DecryptionError):
        gm.open_reply({**rep, "encData": "XYZ"}, client)
    with pytest.raises(gm.PayloadError, match=r"^JSON: "):
        gm.open_reply({**rep, "encData": ("0" if rep["encData"][0] != "0" else "1") + rep["encData"][1:]}, client)
    with pytest.raises(gm.SignatureError, match=r"^signature: "):
        gm.open_reply({**rep, "encData": mp.reply({"payOrdId": "ORD0002"}, centre)["encData"]}, client)


def test_tampered_sign_data_is_refused(client: gm.Credentials, centre: mp.MobilePayCredentials) -> None:
    req = gm.build_request(DATA, client, now=NOW)
    raw = bytearray(base64.b64decode(req["signData"]))
    raw[5] ^= 1
    refusal = _refusal({**req, "signData": base64.b64encode(raw).decode()}, centre)
    assert refusal.code == 1001 and "签名" in refusal.message
    assert _refusal({**req, "signData": "not base64!"}, centre).code == 1001
    missing = _refusal({k: v for k, v in req.items() if k != "signData"}, centre)
    assert missing.code == 1001 and "签名" in missing.message
    rep = mp.reply({"payOrdId": "ORD0001"}, centre)
    raw = bytearray(base64.b64decode(rep["signData"]))
    raw[40] ^= 1
    with pytest.raises(gm.SignatureError):
        gm.open_reply({**rep, "signData": base64.b64encode(raw).decode()}, client)
    with pytest.raises(gm.SignatureError, match="no signData"):
        gm.open_reply({k: v for k, v in rep.items() if k != "signData"}, client)


def test_a_signed_field_changed_is_refused(client: gm.Credentials, centre: mp.MobilePayCredentials) -> None:
    req = gm.build_request(DATA, client, now=NOW)
    assert _refusal({**req, "timestamp": str(NOW_MS + 1)}, centre).code == 1001
    rep = mp.reply(None, centre, code=0, message="成功")
    with pytest.raises(gm.SignatureError):
        gm.open_reply({**rep, "code": 1}, client)


def test_wrong_key_is_refused(client: gm.Credentials, centre: mp.MobilePayCredentials) -> None:
    intruder = _other_client(client)
    refusal = _refusal(gm.build_request(DATA, intruder, now=NOW), centre)
    assert refusal.code == 1001 and "签名" in refusal.message
    # a reply signed by anyone but the platform
    fake_platform: mp.MobilePayCredentials = {**centre, "platform_private_key": intruder.private_key,
                                              "platform_public_key": intruder.public_key}
    with pytest.raises(gm.SignatureError, match="platform public key"):
        gm.open_reply(mp.reply({"payOrdId": "ORD0001"}, fake_platform), client)
    # another appSecret: another work key, so the ciphertext does not even decrypt
    wrong_secret = gm.Credentials(client.app_id, "another-secret", client.private_key, client.peer_public_key)
    assert _refusal(gm.build_request(DATA, wrong_secret, now=NOW), centre).code in (1003, 1004)


def test_the_refusal_is_itself_a_signed_reply(client: gm.Credentials, centre: mp.MobilePayCredentials) -> None:
    bad = gm.build_request(DATA, _other_client(client), now=NOW)
    rep = mp.handle(bad, centre, lambda data: data, now_ms=NOW_MS)
    opened = gm.open_reply(rep, client)
    assert opened.code == 1001 and "签名" in opened.message and opened.data is None and not opened.ok


@pytest.mark.parametrize("offset_s", [-601, 601, -3600])
def test_stale_or_future_timestamp_is_refused(
    offset_s: int, client: gm.Credentials, centre: mp.MobilePayCredentials
) -> None:
    refusal = _refusal(gm.build_request(DATA, client, now=NOW + offset_s), centre)
    assert refusal.code == 1002 and "时间戳" in refusal.message
    pushed = mp.build_notice({"ordStas": "6"}, centre, now_ms=NOW_MS + offset_s * 1000)
    with pytest.raises(gm.TimestampError, match=r"^timestamp: .*accepted: 600 s"):
        gm.open_notice(pushed, client, now=NOW)


def test_timestamp_within_ten_minutes_is_accepted(client: gm.Credentials, centre: mp.MobilePayCredentials) -> None:
    assert mp.open_request(gm.build_request(DATA, client, now=NOW - 599), centre, now_ms=NOW_MS) == OPENED
    assert mp.open_request(gm.build_request(DATA, client), centre) == OPENED  # the real clock
    assert gm.open_notice(mp.build_notice({"a": "1"}, centre, now_ms=NOW_MS + 599_000), client, now=NOW) == {"a": "1"}


def test_a_reply_carrying_a_stale_timestamp_is_refused(client: gm.Credentials, centre: mp.MobilePayCredentials) -> None:
    rep = {**mp.reply({"a": "1"}, centre), "timestamp": str(round((time.time() - 3600) * 1000))}
    with pytest.raises(gm.TimestampError):
        gm.open_reply(rep, client)


def test_envelope_shape_errors(client: gm.Credentials, centre: mp.MobilePayCredentials) -> None:
    req = gm.build_request(DATA, client, now=NOW)
    for name in ("appId", "timestamp", "version", "encType"):
        assert _refusal({k: v for k, v in req.items() if k != name}, centre).code == 1000
    assert _refusal({**req, "appId": "SOMEONEELSE00000"}, centre).code == 1005
    assert _refusal({**req, "version": "2.0.1"}, centre).code == 1000
    assert _refusal(b"<html>", centre).code == 1000
    assert _refusal(b"[1]", centre).code == 1000
    with pytest.raises(gm.EnvelopeError, match=r"^envelope: body is not JSON"):
        gm.open_reply(b"<html>502</html>", client)
    with pytest.raises(gm.EnvelopeError, match=r"^envelope: code"):
        gm.open_reply({"message": "x"}, client)
    with pytest.raises(gm.EnvelopeError, match="appId"):
        gm.open_notice({**mp.build_notice({"a": "1"}, centre), "appId": "X" * 16}, client)


# ------------------------------------------------------------------------------- options


@pytest.mark.parametrize(
    ("client_options", "centre_options"),
    [
        (gm.EnvelopeOptions(user_id_is_app_secret=True), mp.CentreOptions(user_id_is_app_secret=True)),
        (gm.EnvelopeOptions(signed_data="ciphertext"), mp.CentreOptions(signed_data="ciphertext")),
        (gm.EnvelopeOptions(user_id="HOSPITAL"), mp.CentreOptions(user_id="HOSPITAL")),
    ],
)
def test_options_agree_when_both_sides_choose_the_same(
    client_options: gm.EnvelopeOptions,
    centre_options: mp.CentreOptions,
    client: gm.Credentials,
    centre: mp.MobilePayCredentials,
) -> None:
    req = gm.build_request(DATA, client, options=client_options, now=NOW)
    assert mp.open_request(req, centre, options=centre_options, now_ms=NOW_MS) == OPENED
    assert _refusal(req, centre).code == 1001  # the defaults do not verify it
    rep = mp.reply({"a": "1"}, centre, options=centre_options)
    assert gm.open_reply(rep, client, options=client_options).data == {"a": "1"}
    with pytest.raises(gm.SignatureError):
        gm.open_reply(rep, client)


@pytest.mark.parametrize(
    "options",
    [
        gm.EnvelopeOptions(signature_encoding="der-base64"),
        gm.EnvelopeOptions(signature_encoding="raw-hex"),
        gm.EnvelopeOptions(timestamp_format="seconds", version="2.0.1"),
        gm.EnvelopeOptions(timestamp_format="yyyyMMddHHmmss", max_clock_skew=60),
    ],
)
def test_client_only_options_round_trip(options: gm.EnvelopeOptions, centre: mp.MobilePayCredentials) -> None:
    """The centre speaks only the defaults; the other choices are checked signer → verifier on the client."""
    app = centre["appId"]
    signer = gm.Credentials(app, APP_SECRET, centre["institution_private_key"], centre["platform_public_key"])
    verifier = gm.Credentials(app, APP_SECRET, centre["platform_private_key"], centre["institution_public_key"])
    now = time.time()
    req = gm.build_request(DATA, signer, options=options, now=now)
    assert req["version"] == options.version
    assert gm.open_notice(req, verifier, options=options, now=now + 30) == OPENED
    with pytest.raises(gm.TimestampError):
        gm.open_notice(req, verifier, options=options, now=now + options.max_clock_skew + 5)
    if options.signature_encoding != "raw-base64":
        with pytest.raises(gm.SignatureError):
            gm.open_notice(req, verifier, now=now)
