"""SM2 keys, signatures and the key loaders of yibao.core.gm (online_settlement.md §3.2)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from yibao.core import gm
from yibao.core.gm import sm
from yibao.core.gm.options import decode_signature, encode_signature


def test_sign_verify_round_trip_with_generated_keys() -> None:
    private, public = gm.sm2_generate_keypair()
    assert len(private) == 64 and len(public) == 128
    assert gm.sm2_public_key(private) == public
    msg = "appId=A&data={\"名\":\"张三\"}&key=s".encode()
    sig = gm.sm2_sign(private, msg)
    assert len(sig) == 64
    assert gm.sm2_verify(public, msg, sig)
    assert gm.sm2_verify("04" + public.upper(), msg, sig)  # with the prefix, any case
    assert not gm.sm2_verify(public, msg + b" ", sig)
    assert not gm.sm2_verify(public, msg, sig, user_id=b"another")
    assert not gm.sm2_verify(public, msg, sig[:63])
    _, other_public = gm.sm2_generate_keypair()
    assert not gm.sm2_verify(other_public, msg, sig)


def test_signatures_are_randomised() -> None:
    private, public = gm.sm2_generate_keypair()
    a, b = gm.sm2_sign(private, b"m"), gm.sm2_sign(private, b"m")
    assert a != b and gm.sm2_verify(public, b"m", a) and gm.sm2_verify(public, b"m", b)


def test_user_id_is_part_of_z() -> None:
    _, public = gm.sm2_generate_keypair()
    assert gm.sm2_z(public, "1234567812345678") == gm.sm2_z(public)
    assert gm.sm2_z(public, "appSecret") != gm.sm2_z(public)


def test_prefix_04_is_removed_as_a_prefix_only() -> None:
    # gmssl's lstrip("04") ate every leading 0 and 4 of x; find a key whose x starts with them
    for _ in range(400):
        private, public = gm.sm2_generate_keypair()
        if public[0] in "04":
            break
    else:  # pragma: no cover - 1 - (14/16)^400 ~ 1
        pytest.skip("no key with x starting 0 or 4 in 400 tries")
    assert sm.normalize_public_key("04" + public) == public
    assert gm.sm2_verify("04" + public, b"m", gm.sm2_sign(private, b"m"))


@pytest.mark.parametrize(
    "bad",
    ["", "00" * 32, "ff" * 32, "12" * 31, "zz" * 32, "0" * 64],
)
def test_malformed_private_keys_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="SM2 private key"):
        sm.normalize_private_key(bad)


def test_malformed_public_keys_are_refused() -> None:
    _, public = gm.sm2_generate_keypair()
    off_curve = public[:-1] + ("0" if public[-1] != "0" else "1")
    for bad in ("", public[:-2], "05" + public, off_curve, "g" + public[1:]):
        with pytest.raises(ValueError, match="SM2 public key"):
            sm.normalize_public_key(bad)


def test_messages_never_contain_the_key() -> None:
    private, _ = gm.sm2_generate_keypair()
    with pytest.raises(ValueError) as info:
        sm.normalize_private_key(private + "0")
    assert private not in str(info.value) and "65 characters" in str(info.value)


@pytest.mark.parametrize("encoding", ["raw-base64", "der-base64", "raw-hex"])
def test_signature_encodings_round_trip(encoding: str) -> None:
    private, _ = gm.sm2_generate_keypair()
    rs = gm.sm2_sign(private, b"m")
    text = encode_signature(rs, encoding)  # type: ignore[arg-type]
    assert decode_signature(text, encoding) == rs  # type: ignore[arg-type]
    with pytest.raises(gm.SignatureError):
        decode_signature(text[:-4] + "!!!!", encoding)  # type: ignore[arg-type]


def test_sm4_rejects_bad_lengths_and_padding() -> None:
    key = b"K" * 16
    with pytest.raises(ValueError, match="16 bytes"):
        gm.sm4_ecb_encrypt(b"short", b"x")
    with pytest.raises(ValueError, match="multiple of 16"):
        gm.sm4_ecb_decrypt(key, b"x" * 15)
    with pytest.raises(ValueError, match="padding"):
        gm.sm4_ecb_decrypt(b"L" * 16, gm.sm4_ecb_encrypt(key, b"hello"))
    assert gm.sm4_ecb_decrypt(key, gm.sm4_ecb_encrypt(key, b"")) == b""


# ----------------------------------------------------------------------------- loaders


def test_key_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    private, public = gm.sm2_generate_keypair()
    monkeypatch.setenv("YIBAO_TEST_SM2_PRIVATE", f"  {private.upper()}\n")
    monkeypatch.setenv("YIBAO_TEST_SM2_PUBLIC", "04" + public)
    assert gm.key_from_env("YIBAO_TEST_SM2_PRIVATE", kind="private") == private
    assert gm.key_from_env("YIBAO_TEST_SM2_PUBLIC", kind="public") == public
    assert gm.key_from_env("YIBAO_TEST_SM2_PUBLIC") == public
    with pytest.raises(gm.KeyLoadError, match="environment variable YIBAO_TEST_SM2_PUBLIC: SM2 private key"):
        gm.key_from_env("YIBAO_TEST_SM2_PUBLIC", kind="private")
    monkeypatch.delenv("YIBAO_TEST_SM2_NONE", raising=False)
    with pytest.raises(gm.KeyLoadError, match="YIBAO_TEST_SM2_NONE: not set"):
        gm.key_from_env("YIBAO_TEST_SM2_NONE")
    monkeypatch.setenv("YIBAO_TEST_SM2_EMPTY", " ")
    with pytest.raises(gm.KeyLoadError, match="YIBAO_TEST_SM2_EMPTY: empty"):
        gm.key_from_env("YIBAO_TEST_SM2_EMPTY")
    monkeypatch.setenv("YIBAO_TEST_SM2_BAD", private[:-1] + "x")
    with pytest.raises(gm.KeyLoadError) as info:
        gm.key_from_env("YIBAO_TEST_SM2_BAD", kind="private")
    assert "YIBAO_TEST_SM2_BAD" in str(info.value) and private[:-1] not in str(info.value)


def test_key_from_file(tmp_path: Path) -> None:
    private, _ = gm.sm2_generate_keypair()
    path = tmp_path / "institution.key"
    path.write_text(private + "\n")
    assert gm.key_from_file(path, kind="private") == private
    with pytest.raises(gm.KeyLoadError, match=re.escape(f"key file {tmp_path / 'missing.key'}: no such file")):
        gm.key_from_file(tmp_path / "missing.key")
    (tmp_path / "empty.key").write_text("\n")
    with pytest.raises(gm.KeyLoadError, match=r"empty\.key: empty"):
        gm.key_from_file(tmp_path / "empty.key")
    (tmp_path / "bin.key").write_bytes(b"\xff\xfe")
    with pytest.raises(gm.KeyLoadError, match=r"bin\.key: not hex text"):
        gm.key_from_file(tmp_path / "bin.key")
    (tmp_path / "short.key").write_text(private[:40])
    with pytest.raises(gm.KeyLoadError) as info:
        gm.key_from_file(tmp_path / "short.key", kind="private")
    assert "short.key" in str(info.value) and private[:40] not in str(info.value)


def test_secret_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YIBAO_TEST_APPSECRET", "s3cret")
    assert gm.secret_from_env("YIBAO_TEST_APPSECRET") == "s3cret"
    monkeypatch.setenv("YIBAO_TEST_APPSECRET", "")
    with pytest.raises(gm.KeyLoadError, match="YIBAO_TEST_APPSECRET"):
        gm.secret_from_env("YIBAO_TEST_APPSECRET")


def test_credentials_check_and_hide_their_secrets() -> None:
    private, public = gm.sm2_generate_keypair()
    _, peer = gm.sm2_generate_keypair()
    creds = gm.Credentials(app_id="A" * 16, app_secret="the-secret", private_key=private.upper(), peer_public_key=peer)
    assert creds.public_key == public and creds.private_key == private
    assert "the-secret" not in repr(creds) and private not in repr(creds)
    with pytest.raises(ValueError, match="appId"):
        gm.Credentials(app_id="short", app_secret="s", private_key=private, peer_public_key=peer)
    with pytest.raises(ValueError, match="appId"):
        gm.Credentials(app_id="医保" * 8, app_secret="s", private_key=private, peer_public_key=peer)
    with pytest.raises(ValueError, match="app_secret"):
        gm.Credentials(app_id="A" * 16, app_secret="", private_key=private, peer_public_key=peer)
    with pytest.raises(ValueError, match="SM2 public key"):
        gm.Credentials(app_id="A" * 16, app_secret="s", private_key=private, peer_public_key=private)
