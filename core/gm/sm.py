"""SM3, SM4 and SM2 for the mobile-payment envelope (online_settlement.md §3.2).

- SM3 (GB/T 32905) and SM4 (GB/T 32907) come from ``cryptography`` (OpenSSL, in C).
- SM2 (GB/T 32918) comes from ``gmalg``'s documented core, :class:`gmalg.sm2.SM2Core`, over the
  recommended curve built here with :class:`gmalg.ellipticcurve.ECDLP`, and fed ``cryptography``'s
  SM3: gmalg's own SM3 is pure Python (about 26 ms for 10 KB on the reference machine against
  0.03 ms), and the signed string of a 6201 is several kilobytes.  ``docs/gm-crypto.md`` says why
  gmalg and not gmssl or tongsuopy.

Keys are hex text: a private key is 64 hex digits; a public key is 128 hex digits ``x‖y``
(uncompressed, without the ``04`` prefix; one with the prefix is accepted too).  Signatures are
raw ``r‖s`` (64 bytes); SM3withSM2 hashes ``Z‖M`` with
``Z = SM3(ENTL‖ID‖a‖b‖xG‖yG‖xA‖yA)`` (GB/T 32918.2 §5.5), ``ID`` defaulting to
``1234567812345678`` (GM/T 0009).
"""

from __future__ import annotations

import secrets
from typing import Any

from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from gmalg.ellipticcurve import ECDLP
from gmalg.sm2 import SM2Core

__all__ = [
    "DEFAULT_USER_ID",
    "normalize_private_key",
    "normalize_public_key",
    "sm2_generate_keypair",
    "sm2_public_key",
    "sm2_sign",
    "sm2_verify",
    "sm2_z",
    "sm3",
    "sm4_ecb_decrypt",
    "sm4_ecb_encrypt",
]

DEFAULT_USER_ID = b"1234567812345678"

# The recommended 256-bit curve (GB/T 32918.5 §A.1).
P = 0xFFFFFFFE_FFFFFFFF_FFFFFFFF_FFFFFFFF_FFFFFFFF_00000000_FFFFFFFF_FFFFFFFF
A = 0xFFFFFFFE_FFFFFFFF_FFFFFFFF_FFFFFFFF_FFFFFFFF_00000000_FFFFFFFF_FFFFFFFC
B = 0x28E9FA9E_9D9F5E34_4D5A9E4B_CF6509A7_F39789F5_15AB8F92_DDBCBD41_4D940E93
N = 0xFFFFFFFE_FFFFFFFF_FFFFFFFF_FFFFFFFF_7203DF6B_21C6052B_53BBF409_39D54123
GX = 0x32C4AE2C_1F198119_5F990446_6A39C994_8FE30BBF_F2660BE1_715A4589_334C74C7
GY = 0xBC3736A2_F4F6779C_59BDCEE3_6B692153_D0A9877C_C62A4740_02DF32E5_2139F0A0

_CURVE: Any = ECDLP(P, A, B, (GX, GY), N)
_HEX = frozenset("0123456789abcdefABCDEF")


def sm3(data: bytes) -> bytes:
    """SM3 digest (GB/T 32905), 32 bytes."""
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()


class _SM3:
    """gmalg's hash interface (``reset`` / ``update`` / ``value`` / ``hash_length``) over cryptography's SM3."""

    @classmethod
    def max_msg_length(cls) -> int:
        return (1 << 61) - 1

    @classmethod
    def hash_length(cls) -> int:
        return 32

    def __init__(self) -> None:
        self._h = hashes.Hash(hashes.SM3())

    def reset(self) -> None:
        self._h = hashes.Hash(hashes.SM3())

    def update(self, data: bytes) -> None:
        self._h.update(data)

    def value(self) -> bytes:
        return self._h.copy().finalize()


def _core() -> Any:
    # A core per call: SM2Core keeps one hash object that it resets and feeds, so a shared
    # one would mix the digests of two threads signing at once.  Construction is cheap.
    # The nonce k comes from the OS CSPRNG (secrets), never from `random`.
    return SM2Core(_CURVE, _SM3(), secrets.randbits)


# ---------------------------------------------------------------------------------- keys


def _hex_digits(text: str, what: str, lengths: tuple[int, ...]) -> str:
    text = text.strip()
    if len(text) not in lengths or not _HEX.issuperset(text):
        want = " or ".join(str(n) for n in lengths)
        # the value itself is never part of the message: it may be a secret
        raise ValueError(f"{what}: expected {want} hex digits, got {len(text)} characters")
    return text.lower()


def normalize_private_key(private_key: str) -> str:
    """The private key as 64 lower-case hex digits; ``ValueError`` unless 1 <= d <= n-2 (GB/T 32918.1 §6.1)."""
    d = int(_hex_digits(private_key, "SM2 private key", (64,)), 16)
    if not 1 <= d <= N - 2:
        raise ValueError("SM2 private key: out of range [1, n-2]")
    return f"{d:064x}"


def _point(public_key: str) -> tuple[int, int]:
    text = _hex_digits(public_key, "SM2 public key", (128, 130))
    if len(text) == 130:
        if not text.startswith("04"):
            raise ValueError("SM2 public key: 130 hex digits must start with 04 (uncompressed)")
        text = text[2:]  # a prefix, not str.lstrip("04"): x may itself begin with 0 or 4
    pt = (int(text[:64], 16), int(text[64:], 16))
    # The curve's cofactor is 1, so a point on the curve other than O has order n: no n·P check needed.
    if not (pt[0] < P and pt[1] < P and _CURVE.ec.isvalid(pt)):
        raise ValueError("SM2 public key: not a point of the SM2 curve")
    return pt


def _point_hex(pt: tuple[int, int]) -> str:
    return f"{pt[0]:064x}{pt[1]:064x}"


def normalize_public_key(public_key: str) -> str:
    """The public key as 128 lower-case hex digits ``x‖y``; ``ValueError`` unless it is a curve point."""
    return _point_hex(_point(public_key))


def sm2_public_key(private_key: str) -> str:
    """The public key ``d·G`` of a private key, as 128 hex digits."""
    return _point_hex(_CURVE.kG(int(normalize_private_key(private_key), 16)))


def sm2_generate_keypair() -> tuple[str, str]:
    """A fresh key pair ``(private 64 hex, public 128 hex)``, d uniform in [1, n-2] from the OS CSPRNG."""
    d, pt = _core().generate_keypair()
    return f"{d:064x}", _point_hex(pt)


# ------------------------------------------------------------------------------ signing


def _uid(user_id: bytes | str) -> bytes:
    uid = user_id.encode("utf-8") if isinstance(user_id, str) else bytes(user_id)
    if len(uid) >= 8192:  # ENTL is two bytes of bits (GB/T 32918.2 §5.5)
        raise ValueError("SM2 user ID: longer than 8191 bytes")
    return uid


def sm2_z(public_key: str, user_id: bytes | str = DEFAULT_USER_ID) -> bytes:
    """``Z = SM3(ENTL‖ID‖a‖b‖xG‖yG‖xA‖yA)`` (GB/T 32918.2 §5.5)."""
    return bytes(_core().entity_info(_uid(user_id), _point(public_key)))


def sm2_sign(
    private_key: str, message: bytes, user_id: bytes | str = DEFAULT_USER_ID, *, public_key: str | None = None
) -> bytes:
    """SM3withSM2 signature of ``message`` as raw ``r‖s`` (64 bytes, GB/T 32918.2 §6.1).

    ``public_key``, when given, must be the private key's own: it saves the scalar
    multiplication that deriving it for ``Z`` costs (callers that sign often pass it).
    """
    d = int(normalize_private_key(private_key), 16)
    pt = _point(public_key) if public_key is not None else _CURVE.kG(d)
    r, s = _core().sign(message, d, _uid(user_id), pt)
    return int(r).to_bytes(32, "big") + int(s).to_bytes(32, "big")


def sm2_verify(public_key: str, message: bytes, signature: bytes, user_id: bytes | str = DEFAULT_USER_ID) -> bool:
    """Whether ``signature`` (raw ``r‖s``, 64 bytes) is a valid SM3withSM2 signature (GB/T 32918.2 §7.1).

    A malformed public key raises ``ValueError`` (a configuration error, not a bad signature);
    a signature of the wrong length is simply invalid.
    """
    pt = _point(public_key)
    if len(signature) != 64:
        return False
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    return bool(_core().verify(message, r, s, _uid(user_id), pt))  # checks 1 <= r, s <= n-1 itself


# ---------------------------------------------------------------------------------- SM4


def _sm4(key: bytes) -> Cipher[modes.ECB]:
    if len(key) != 16:
        raise ValueError(f"SM4 key: expected 16 bytes, got {len(key)}")
    return Cipher(algorithms.SM4(key), modes.ECB())


def sm4_ecb_encrypt(key: bytes, data: bytes) -> bytes:
    """SM4-ECB with PKCS#7 padding (a full block of padding when ``data`` fills its last block)."""
    padder = padding.PKCS7(128).padder()
    enc = _sm4(key).encryptor()
    return enc.update(padder.update(data) + padder.finalize()) + enc.finalize()


def sm4_ecb_decrypt(key: bytes, data: bytes) -> bytes:
    """Inverse of :func:`sm4_ecb_encrypt`; ``ValueError`` for a wrong length or bad padding."""
    if not data or len(data) % 16:
        raise ValueError(f"SM4 ciphertext: length {len(data)} is not a positive multiple of 16")
    dec = _sm4(key).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    plain = dec.update(data) + dec.finalize()
    try:
        return unpadder.update(plain) + unpadder.finalize()
    except ValueError:
        raise ValueError("SM4 ciphertext: invalid PKCS#7 padding (wrong key or altered data)") from None
