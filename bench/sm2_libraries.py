"""Benchmark: SM3withSM2 sign and verify per second of the SM2 libraries compared in docs/gm-crypto.md.

One run, the same key and messages for all: a 400-byte string and the signed string of the
6201 of ``bench/envelope_sm.py`` (about 14 KB).  Each library is measured only if installed; the
project itself needs only gmalg (as ``yibao.core.gm`` uses it: gmalg's core fed OpenSSL's SM3).
Every signature is checked against ``yibao.core.gm.sm2_verify`` first, so a library that signs
without the GB/T 32918 ``Z`` (or another user ID) shows up as "does not interoperate"::

    pip install gmssl tongsuopy   # into a scratch environment, not the project's
    python bench/sm2_libraries.py
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import time
from collections.abc import Callable

from yibao.core import gm

SECONDS = float(os.environ.get("BENCH_SECONDS", "1.5"))
UID = b"1234567812345678"

Signer = Callable[[bytes], bytes]  # message -> raw r‖s
Verifier = Callable[[bytes, bytes], bool]


def rate(fn: Callable[[], object]) -> float:
    n, t0 = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - t0) < SECONDS:
        fn()
        n += 1
    return n / elapsed


def candidates(private: str, public: str) -> dict[str, tuple[Signer, Verifier]]:
    found: dict[str, tuple[Signer, Verifier]] = {
        "yibao.core.gm (gmalg core + OpenSSL SM3)": (
            lambda m: gm.sm2_sign(private, m, public_key=public),
            lambda m, rs: gm.sm2_verify(public, m, rs),
        )
    }
    import gmalg

    high = gmalg.SM2(sk=bytes.fromhex(private), uid=UID, pk=bytes.fromhex("04" + public))

    def gmalg_sign(m: bytes) -> bytes:
        r, s = high.sign(m)
        return bytes(r).rjust(32, b"\0") + bytes(s).rjust(32, b"\0")

    found["gmalg.SM2 (its own pure-Python SM3)"] = (gmalg_sign, lambda m, rs: high.verify(m, rs[:32], rs[32:]))
    if importlib.util.find_spec("gmssl"):
        from gmssl import sm2 as gmssl_sm2

        c = gmssl_sm2.CryptSM2(private_key=private, public_key=public)
        c.public_key = public  # past its lstrip("04") bug
        # its default nonce comes from `random`; pass a CSPRNG one as a careful caller must
        found["gmssl (sign_with_sm3)"] = (
            lambda m: bytes.fromhex(c.sign_with_sm3(m, secrets.token_hex(32))),
            lambda m, rs: bool(c.verify_with_sm3(rs.hex(), m)),
        )
    if importlib.util.find_spec("tongsuopy"):
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
        from tongsuopy.crypto import hashes
        from tongsuopy.crypto.asymciphers import ec

        key = ec.derive_private_key(int(private, 16), ec.SM2())
        algo = ec.ECDSA(hashes.SM3())

        def ts_sign(m: bytes) -> bytes:
            r, s = decode_dss_signature(key.sign(m, algo))
            return r.to_bytes(32, "big") + s.to_bytes(32, "big")

        def ts_verify(m: bytes, rs: bytes) -> bool:
            der = encode_dss_signature(int.from_bytes(rs[:32], "big"), int.from_bytes(rs[32:], "big"))
            try:
                key.public_key().verify(der, m, algo)
            except Exception:
                return False
            return True

        found["tongsuopy (default ID only)"] = (ts_sign, ts_verify)
    return found


def main() -> None:
    from envelope_sm import make_6201  # type: ignore[import-not-found]  # bench/ beside this file

    private, public = gm.sm2_generate_keypair()
    data = make_6201()
    long = gm.sign_string({"appId": "BENCHAPP00000000", "data": gm.canonical_json(data), "encType": "SM4",
                           "signType": "SM2", "timestamp": "1700000000000", "version": "1.0.0"}, "s").encode()
    short = long[:400]
    print(f"cores: {os.cpu_count()}  {SECONDS} s per figure; messages of {len(short)} B and {len(long)} B")
    print(f"{'library':44s} {'sign/s':>8s} {'verify/s':>9s} {'sign/s':>8s} {'verify/s':>9s}")
    print(f"{'':44s} {'400 B':>18s} {f'{len(long) // 1000} KB':>18s}")
    for name, (sign, verify) in candidates(private, public).items():
        sig = sign(short)
        if not (gm.sm2_verify(public, short, sig) and verify(short, gm.sm2_sign(private, short))):
            print(f"{name:44s} does not interoperate with GB/T 32918 SM3withSM2 (ID 1234567812345678)")
            continue
        figures = []
        for msg in (short, long):
            sig = sign(msg)
            figures += [rate(lambda f=sign, m=msg: f(m)), rate(lambda f=verify, m=msg, s=sig: f(m, s))]
        print(f"{name:44s} {figures[0]:8.0f} {figures[1]:9.0f} {figures[2]:8.0f} {figures[3]:9.0f}")


if __name__ == "__main__":
    main()
