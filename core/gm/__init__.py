"""yibao.core.gm: SM2 / SM3 / SM4 and the envelope of the 医保移动支付 and e-prescription centres.

The institution's side of online_settlement.md §3 (Fujian / Xiamen online settlement).  The
simulated centre has its own, independent implementation in ``yibao.sandbox.mobilepay``; the
tests make the two agree.  See ``docs/gm-crypto.md``.
"""

from __future__ import annotations

from .canonical import canonical_json, sign_string
from .envelope import (
    Reply,
    build_notice_reply,
    build_request,
    derive_sm4_key,
    encode_body,
    open_notice,
    open_reply,
)
from .keys import Credentials, KeyLoadError, key_from_env, key_from_file, secret_from_env
from .options import (
    DEFAULT_OPTIONS,
    DecryptionError,
    EnvelopeError,
    EnvelopeOptions,
    PayloadError,
    SignatureError,
    TimestampError,
)
from .sm import (
    DEFAULT_USER_ID,
    sm2_generate_keypair,
    sm2_public_key,
    sm2_sign,
    sm2_verify,
    sm2_z,
    sm3,
    sm4_ecb_decrypt,
    sm4_ecb_encrypt,
)

__all__ = [
    "DEFAULT_OPTIONS",
    "DEFAULT_USER_ID",
    "Credentials",
    "DecryptionError",
    "EnvelopeError",
    "EnvelopeOptions",
    "KeyLoadError",
    "PayloadError",
    "Reply",
    "SignatureError",
    "TimestampError",
    "build_notice_reply",
    "build_request",
    "canonical_json",
    "derive_sm4_key",
    "encode_body",
    "key_from_env",
    "key_from_file",
    "open_notice",
    "open_reply",
    "secret_from_env",
    "sign_string",
    "sm2_generate_keypair",
    "sm2_public_key",
    "sm2_sign",
    "sm2_verify",
    "sm2_z",
    "sm3",
    "sm4_ecb_decrypt",
    "sm4_ecb_encrypt",
]
