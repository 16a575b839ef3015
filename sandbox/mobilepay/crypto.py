"""The simulated centre's own SM2 / SM4 and canonical JSON (online_settlement.md §3.2).

Written apart from the client's ``yibao.core.gm`` on purpose, so that the tests that make the
two agree check something: here SM2 is gmalg's high-level :class:`gmalg.SM2` (with gmalg's own
SM3 for ``Z`` and ``e``; the client feeds OpenSSL's SM3 to gmalg's core), PKCS#7 is
``cryptography``'s padding module, and the JSON is written by hand below with the standard
library (the client uses msgspec).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import gmalg
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

__all__ = [
    "DEFAULT_USER_ID",
    "dump_json",
    "generate_keypair",
    "is_public_key",
    "parse_json",
    "public_of",
    "sign",
    "sm4_decrypt",
    "sm4_encrypt",
    "verify",
    "work_key",
]

DEFAULT_USER_ID = "1234567812345678"  # GM/T 0009, the contract's default


# ------------------------------------------------------------------------------------ SM2


def _sm2(private_hex: str | None, public_hex: str | None, user_id: str) -> Any:
    sk = bytes.fromhex(private_hex) if private_hex else None
    pk = b"\x04" + bytes.fromhex(public_hex[-128:]) if public_hex else None
    return gmalg.SM2(sk=sk, uid=user_id.encode("utf-8"), pk=pk)


def generate_keypair() -> tuple[str, str]:
    """``(private 64 hex, public 128 hex x‖y)``."""
    sk, pk = gmalg.SM2().generate_keypair()
    return bytes(sk).rjust(32, b"\0").hex(), bytes(pk)[1:].hex()


def public_of(private_hex: str) -> str:
    """The public key (128 hex) of a private key."""
    return bytes(gmalg.SM2().generate_pk(bytes.fromhex(private_hex)))[1:].hex()


def is_public_key(public_hex: str) -> bool:
    """Whether ``public_hex`` is 128 hex digits naming a point of the SM2 curve."""
    if len(public_hex) != 128:
        return False
    try:
        return bool(gmalg.SM2().verify_pk(b"\x04" + bytes.fromhex(public_hex)))
    except (ValueError, gmalg.errors.GMError):
        return False


def sign(private_hex: str, public_hex: str, message: str, user_id: str = DEFAULT_USER_ID) -> str:
    """``signData``: Base64 of raw ``r‖s`` of SM3withSM2 over the UTF-8 of ``message``."""
    r, s = _sm2(private_hex, public_hex, user_id).sign(message.encode("utf-8"))
    return base64.b64encode(bytes(r).rjust(32, b"\0") + bytes(s).rjust(32, b"\0")).decode("ascii")


def verify(public_hex: str, message: str, sign_data: str, user_id: str = DEFAULT_USER_ID) -> bool:
    """Whether ``sign_data`` (Base64 of raw ``r‖s``) verifies; malformed input is simply ``False``."""
    try:
        raw = base64.b64decode(sign_data, validate=True)
    except (binascii.Error, ValueError):
        return False
    if len(raw) != 64:
        return False
    return bool(_sm2(None, public_hex, user_id).verify(message.encode("utf-8"), raw[:32], raw[32:]))


# ------------------------------------------------------------------------------------ SM4


def _cipher(key: bytes) -> Cipher[modes.ECB]:
    return Cipher(algorithms.SM4(key), modes.ECB())


def sm4_encrypt(key: bytes, plain: bytes) -> bytes:
    """SM4-ECB, PKCS#7."""
    padder = padding.PKCS7(128).padder()
    enc = _cipher(key).encryptor()
    return enc.update(padder.update(plain) + padder.finalize()) + enc.finalize()


def sm4_decrypt(key: bytes, cipher: bytes) -> bytes:
    """Inverse of :func:`sm4_encrypt`; ``ValueError`` for a bad length or padding."""
    dec = _cipher(key).decryptor()
    plain = dec.update(cipher) + dec.finalize()  # ValueError unless a multiple of 16
    if not plain:
        raise ValueError("empty ciphertext")
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(plain) + unpadder.finalize()


def work_key(app_id: str, app_secret: str) -> bytes:
    """§3.2: first 16 chars of the uppercase hex of SM4(appId[0:16], appSecret), as bytes."""
    return sm4_encrypt(app_id[0:16].encode(), app_secret.encode()).hex().upper()[0:16].encode()


# ----------------------------------------------------------------------------------- JSON


def dump_json(value: Any) -> str:
    """Canonical JSON: compact, keys sorted everywhere, None / "" members dropped, exact Decimals."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a finite amount")
        return str(value)
    if isinstance(value, Mapping):
        if not all(isinstance(k, str) for k in value):
            raise TypeError("object keys must be text")
        items = sorted(((k, v) for k, v in value.items() if v is not None and v != ""), key=lambda kv: kv[0])
        return "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{dump_json(v)}" for k, v in items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(dump_json(v) for v in value) + "]"
    raise TypeError(f"{type(value).__name__} has no place in a message (amounts are Decimal)")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(text: str) -> Any:
    """JSON with exact Decimals; NaN / Infinity refused."""
    return json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
