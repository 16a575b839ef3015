"""Options the sources leave open, the envelope's errors, timestamps and signature encodings.

online_settlement.md §3.1-§3.2 mark several choices [?]; the contract's Fujian paragraph fixes
the defaults, which are the defaults of :class:`EnvelopeOptions`.  ``docs/gm-crypto.md`` lists
what each alternative is for.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, timedelta, timezone
from typing import ClassVar, Literal

import attrs
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from .sm import DEFAULT_USER_ID

__all__ = [
    "DEFAULT_OPTIONS",
    "DecryptionError",
    "EnvelopeError",
    "EnvelopeOptions",
    "PayloadError",
    "SignatureError",
    "TimestampError",
    "check_timestamp",
    "decode_signature",
    "encode_signature",
    "format_timestamp",
]

SignedData = Literal["plaintext", "ciphertext"]
SignatureEncoding = Literal["raw-base64", "der-base64", "raw-hex"]
TimestampFormat = Literal["millis", "seconds", "yyyyMMddHHmmss"]

# yyyyMMddHHmmss stamps are Beijing time, whatever the host's zone.
_CST = timezone(timedelta(hours=8))


class EnvelopeError(ValueError):
    """An envelope was refused; ``part`` names what failed and starts the message."""

    part: ClassVar[str] = "envelope"

    def __init__(self, detail: str) -> None:
        super().__init__(f"{self.part}: {detail}")
        self.detail = detail


class SignatureError(EnvelopeError):
    """``signData`` is missing, malformed or does not verify with the sender's public key."""

    part = "signature"


class TimestampError(EnvelopeError):
    """``timestamp`` is missing, unreadable or further from the local clock than allowed."""

    part = "timestamp"


class DecryptionError(EnvelopeError):
    """``encData`` is not hex or does not decrypt (wrong key, altered or truncated)."""

    part = "decryption"


class PayloadError(EnvelopeError):
    """The decrypted ``data`` is not UTF-8 JSON."""

    part = "JSON"


@attrs.frozen
class EnvelopeOptions:
    """The envelope's open choices, with the contract's defaults (Fujian / Xiamen).

    :param user_id: SM2 user ID for ``Z``; GM/T 0009's default ``1234567812345678``.
    :param user_id_is_app_secret: use the appSecret's bytes as the user ID instead (what the
        EasyGmUtils-based ports do).
    :param signed_data: what ``data=`` is in the signed string: the canonical plaintext JSON
        (the specs) or the ``encData`` hex (the Chongqing e-Rx helper).
    :param signature_encoding: ``signData`` as Base64 of raw ``r‖s`` (the specs), Base64 of
        DER, or hex of raw ``r‖s``.
    :param timestamp_format: milliseconds since the epoch (e-Rx code), seconds, or
        ``yyyyMMddHHmmss`` Beijing time (a CSDN spec copy).
    :param version: the ``version`` field ("2.0.1" in the CSDN copy).
    :param max_clock_skew: seconds a received ``timestamp`` may differ from the local clock.
    """

    user_id: str = attrs.field(default=DEFAULT_USER_ID.decode("ascii"))
    user_id_is_app_secret: bool = False
    signed_data: SignedData = attrs.field(
        default="plaintext", validator=attrs.validators.in_(("plaintext", "ciphertext"))
    )
    signature_encoding: SignatureEncoding = attrs.field(
        default="raw-base64", validator=attrs.validators.in_(("raw-base64", "der-base64", "raw-hex"))
    )
    timestamp_format: TimestampFormat = attrs.field(
        default="millis", validator=attrs.validators.in_(("millis", "seconds", "yyyyMMddHHmmss"))
    )
    version: str = "1.0.0"
    max_clock_skew: float = attrs.field(default=600.0, validator=attrs.validators.ge(0))

    def uid(self, app_secret: str) -> bytes:
        """The SM2 user ID bytes for an application."""
        return (app_secret if self.user_id_is_app_secret else self.user_id).encode("utf-8")


DEFAULT_OPTIONS = EnvelopeOptions()


def format_timestamp(now: float, fmt: TimestampFormat) -> str:
    """``now`` (unix seconds) as the envelope's ``timestamp`` text."""
    if fmt == "millis":
        return str(round(now * 1000))
    if fmt == "seconds":
        return str(int(now))
    return datetime.fromtimestamp(now, _CST).strftime("%Y%m%d%H%M%S")


def _parse_timestamp(text: str, fmt: TimestampFormat) -> float:
    if fmt == "yyyyMMddHHmmss":
        if len(text) != 14 or not (text.isascii() and text.isdigit()):
            raise ValueError
        return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=_CST).timestamp()
    if not (text.isascii() and text.isdigit()):  # refuses "-1", "1e3", " 1" and non-ASCII digits
        raise ValueError
    return int(text) / 1000 if fmt == "millis" else int(text)


def check_timestamp(value: object, options: EnvelopeOptions, now: float) -> None:
    """``TimestampError`` unless ``value`` is a timestamp within ``max_clock_skew`` of ``now``."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise TimestampError(f"missing or not text ({type(value).__name__})")
    try:
        sent = _parse_timestamp(str(value), options.timestamp_format)
    except (ValueError, OverflowError):
        raise TimestampError(f"{str(value)[:40]!r} is not a {options.timestamp_format} timestamp") from None
    off = sent - now
    if abs(off) > options.max_clock_skew:
        raise TimestampError(
            f"{abs(off):.0f} s {'ahead of' if off > 0 else 'behind'} the local clock "
            f"(accepted: {options.max_clock_skew:.0f} s)"
        )


def encode_signature(rs: bytes, encoding: SignatureEncoding) -> str:
    """Raw ``r‖s`` as ``signData`` text."""
    if encoding == "raw-hex":
        return rs.hex().upper()
    if encoding == "der-base64":
        rs = encode_dss_signature(int.from_bytes(rs[:32], "big"), int.from_bytes(rs[32:], "big"))
    return base64.b64encode(rs).decode("ascii")


def decode_signature(text: object, encoding: SignatureEncoding) -> bytes:
    """``signData`` text back to raw ``r‖s``; ``SignatureError`` when it is missing or malformed."""
    if not isinstance(text, str) or not text:
        raise SignatureError("no signData")
    try:
        if encoding == "raw-hex":
            raw = bytes.fromhex(text)
        else:
            raw = base64.b64decode(text, validate=True)
            if encoding == "der-base64":
                r, s = decode_dss_signature(raw)
                if not (0 < r < 1 << 256 and 0 < s < 1 << 256):
                    raise ValueError
                raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    except (ValueError, binascii.Error):
        raise SignatureError(f"signData is not {encoding}") from None
    if len(raw) != 64:
        raise SignatureError(f"signData holds {len(raw)} bytes, not the 64 of r‖s")
    return raw
