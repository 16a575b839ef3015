"""The SM4 / SM2 envelope of the 医保移动支付 and e-prescription centres (online_settlement.md §3).

Request (§3.1)::

    {"appId", "encType": "SM4", "signType": "SM2", "timestamp", "version", "encData", "signData"[, "extra"]}

Reply: ``{"code", "message", "encType", "encData", "signData"}``, ``code`` 0 on success.

- ``encData`` (§3.2): uppercase hex of SM4-ECB/PKCS#7 of the canonical JSON of ``data``
  (:mod:`.canonical`) under the derived key: the first 16 characters of the uppercase hex of
  SM4-ECB/PKCS#7(key = ``appId[0:16]``, plaintext = ``appSecret``), as 16 ASCII bytes.
- ``signData`` (§3.2): SM3withSM2 over :func:`.canonical.sign_string` of the fields, with
  ``data`` = its canonical JSON; Base64 of raw ``r‖s`` by default (:class:`.EnvelopeOptions`).

The institution signs requests and the replies to pushed notices (6302 结算结果通知, §3.3)
with its own key, and verifies replies and notices with the platform's public key.  Opening
checks, in order: the envelope's shape, the timestamp (when one is carried; a notice must carry
one), decryption, JSON, then the signature; each failure raises the :class:`.EnvelopeError` that
names it.  A notice may also come unencrypted, with ``data`` in the clear (§3.3 leaves it open):
its signature is checked all the same.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import Any

import attrs
import msgspec

from .canonical import UNSIGNED_FIELDS, canonical_json, loads, sign_string
from .keys import Credentials
from .options import (
    DEFAULT_OPTIONS,
    DecryptionError,
    EnvelopeError,
    EnvelopeOptions,
    PayloadError,
    SignatureError,
    check_timestamp,
    decode_signature,
    encode_signature,
    format_timestamp,
)
from .sm import sm2_sign, sm2_verify, sm4_ecb_decrypt, sm4_ecb_encrypt

__all__ = [
    "Reply",
    "build_notice_reply",
    "build_request",
    "derive_sm4_key",
    "encode_body",
    "open_notice",
    "open_reply",
]

ENC_TYPE = "SM4"
SIGN_TYPE = "SM2"
_INT = re.compile(r"-?[0-9]+")


@attrs.frozen
class Reply:
    """An opened, verified reply: the centre's ``code`` and ``message``, and the decrypted ``data``."""

    code: int
    message: str
    data: Any

    @property
    def ok(self) -> bool:
        return self.code == 0


def derive_sm4_key(app_id: str, app_secret: str) -> bytes:
    """The 16-byte SM4 key of §3.2, derived from ``appId`` and ``appSecret``."""
    outer = sm4_ecb_encrypt(app_id[:16].encode("ascii"), app_secret.encode("utf-8"))
    return outer.hex().upper()[:16].encode("ascii")


def encode_body(envelope: Mapping[str, Any]) -> bytes:
    """An envelope as the compact UTF-8 JSON body of the HTTP POST."""
    return msgspec.json.encode(envelope)


# -------------------------------------------------------------------------------- sealing


def _seal(data: Any, creds: Credentials) -> tuple[str | None, str]:
    if data is None:
        return None, ""
    text = canonical_json(data)
    enc = sm4_ecb_encrypt(derive_sm4_key(creds.app_id, creds.app_secret), text.encode("utf-8"))
    return text, enc.hex().upper()


def _signature(fields: dict[str, Any], text: str | None, enc: str, creds: Credentials, opts: EnvelopeOptions) -> str:
    signed = {**fields, "data": enc if opts.signed_data == "ciphertext" else text}
    message = sign_string(signed, creds.app_secret).encode("utf-8")
    rs = sm2_sign(creds.private_key, message, opts.uid(creds.app_secret), public_key=creds.public_key)
    return encode_signature(rs, opts.signature_encoding)


def build_request(
    data: Any,
    creds: Credentials,
    *,
    options: EnvelopeOptions = DEFAULT_OPTIONS,
    now: float | None = None,
    extra: Any = None,
) -> dict[str, Any]:
    """A signed, encrypted request envelope carrying ``data`` (a 6201 … 6401 input, §4)."""
    fields: dict[str, Any] = {
        "appId": creds.app_id,
        "encType": ENC_TYPE,
        "signType": SIGN_TYPE,
        "timestamp": format_timestamp(time.time() if now is None else now, options.timestamp_format),
        "version": options.version,
    }
    text, enc = _seal(data, creds)
    envelope = {**fields, "encData": enc, "signData": _signature(fields, text, enc, creds, options)}
    if extra is not None:
        envelope["extra"] = extra  # outside the signature (§3.2)
    return envelope


def build_notice_reply(
    data: Any,
    creds: Credentials,
    *,
    code: int = 0,
    message: str = "成功",
    options: EnvelopeOptions = DEFAULT_OPTIONS,
) -> dict[str, Any]:
    """The institution's signed reply to a pushed notice (6302, §3.3); ``data`` may be ``None``."""
    fields: dict[str, Any] = {"code": code, "message": message, "encType": ENC_TYPE}
    text, enc = _seal(data, creds)
    return {**fields, "encData": enc, "signData": _signature(fields, text, enc, creds, options)}


# -------------------------------------------------------------------------------- opening


def _as_envelope(body: bytes | str | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(body, Mapping):
        env = dict(body)
    else:
        try:
            env = loads(body)
        except ValueError as exc:
            raise EnvelopeError(f"body is not JSON ({exc})") from None
        if not isinstance(env, dict):
            raise EnvelopeError(f"body is a JSON {type(env).__name__}, not an object")
    return env


def _decrypt(enc: object, creds: Credentials) -> Any:
    if not isinstance(enc, str):
        raise DecryptionError(f"encData is a {type(enc).__name__}, not hex text")
    try:
        cipher = bytes.fromhex(enc)
    except ValueError:
        raise DecryptionError("encData is not hex") from None
    try:
        plain = sm4_ecb_decrypt(derive_sm4_key(creds.app_id, creds.app_secret), cipher)
    except ValueError as exc:
        raise DecryptionError(str(exc)) from None
    try:
        return loads(plain.decode("utf-8"))
    except UnicodeDecodeError:
        raise PayloadError("decrypted data is not UTF-8") from None
    except ValueError as exc:
        raise PayloadError(f"decrypted data is not JSON ({exc})") from None


def _open(env: dict[str, Any], creds: Credentials, opts: EnvelopeOptions) -> Any:
    """Decrypt and verify; returns ``data`` (``None`` when the envelope carries none)."""
    if env.get("signType", SIGN_TYPE) != SIGN_TYPE:
        raise EnvelopeError(f"signType {env.get('signType')!r} is not {SIGN_TYPE}")
    rs = decode_signature(env.get("signData"), opts.signature_encoding)
    enc = env.get("encData")
    fields = {k: v for k, v in env.items() if k not in UNSIGNED_FIELDS}
    if enc not in (None, ""):
        if env.get("encType") != ENC_TYPE:
            raise EnvelopeError(f"encType {env.get('encType')!r} is not {ENC_TYPE}")
        data = None if opts.signed_data == "ciphertext" else _decrypt(enc, creds)
        fields["data"] = enc if opts.signed_data == "ciphertext" else canonical_json(data)
    else:  # unencrypted: data in the clear, as object or as its JSON text
        data = fields.get("data")
        if isinstance(data, str) and data:
            try:
                data = loads(data)
            except ValueError as exc:
                raise PayloadError(f"data is not JSON ({exc})") from None
        fields["data"] = None if data is None else canonical_json(data)
    message = sign_string(fields, creds.app_secret).encode("utf-8")
    if not sm2_verify(creds.peer_public_key, message, rs, opts.uid(creds.app_secret)):
        raise SignatureError("SM2 signature does not verify with the platform public key")
    if opts.signed_data == "ciphertext" and enc not in (None, ""):
        data = _decrypt(enc, creds)  # only now: the signature covers the ciphertext
    return data


def open_reply(
    body: bytes | str | Mapping[str, Any],
    creds: Credentials,
    *,
    options: EnvelopeOptions = DEFAULT_OPTIONS,
    now: float | None = None,
) -> Reply:
    """Verify and decrypt the centre's reply to one of our requests.

    Raises an :class:`.EnvelopeError` subclass naming what failed.  A reply with a non-zero
    ``code`` that verifies is returned, not raised: the centre's refusal is the caller's to read.
    """
    env = _as_envelope(body)
    code = env.get("code")
    if isinstance(code, str) and _INT.fullmatch(code):
        code = int(code)  # some centres send "0"
    if not isinstance(code, int) or isinstance(code, bool):
        raise EnvelopeError(f"code {code!r} is not a number")
    if "timestamp" in env:
        check_timestamp(env["timestamp"], options, time.time() if now is None else now)
    data = _open(env, creds, options)
    message = env.get("message")
    return Reply(code=code, message=message if isinstance(message, str) else "", data=data)


def open_notice(
    body: bytes | str | Mapping[str, Any],
    creds: Credentials,
    *,
    options: EnvelopeOptions = DEFAULT_OPTIONS,
    now: float | None = None,
) -> Any:
    """Verify and decrypt a notice the platform pushed to us (6302, §3.3); returns its ``data``.

    The notice is request-shaped: it must name our ``appId`` and carry a timestamp within the
    accepted skew.
    """
    env = _as_envelope(body)
    if env.get("appId") != creds.app_id:
        raise EnvelopeError("appId does not name this application")
    check_timestamp(env.get("timestamp"), options, time.time() if now is None else now)
    return _open(env, creds, options)
