"""Personal data the online component must keep, sealed at rest (issue 10 #11, issue 13).

An online order outlives the process that opened it: 6202, 6301 and 6401 carry the person's
``idNo`` / ``userName`` again, and a lost 6201 or 6203 is sent again as itself.  So the order's
person, its input and the messages' inputs must be kept -- but no journal file may hold a full ID
number or name.  They are sealed with AES-256-GCM under a key derived (HKDF-SHA256) from the
institution's SM2 private key, which lives outside the journal (a key file or a variable,
``[online] private_key_file`` / ``private_key_env``): whoever can read the sealed columns can
already sign as the institution.  The masked copies (``input_masked``) stay readable for
``journal``-style displays.
"""

from __future__ import annotations

import base64
import os
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .. import wire

__all__ = ["PREFIX", "Sealer"]

PREFIX = "sealed:v1:"
_INFO = b"yibao online journal seal v1"


class Sealer:
    """Seals and opens JSON values; text without :data:`PREFIX` is read as plain JSON."""

    def __init__(self, secret: bytes) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret)
        self._aead = AESGCM(key)

    @classmethod
    def from_private_key(cls, private_key_hex: str) -> Sealer:
        return cls(bytes.fromhex(private_key_hex))

    def seal(self, value: Any) -> str:
        nonce = os.urandom(12)
        box = self._aead.encrypt(nonce, wire.dumps_bytes(value, check_floats=False), None)
        return PREFIX + base64.b64encode(nonce + box).decode("ascii")

    def open(self, text: str) -> Any:
        if not text.startswith(PREFIX):
            return wire.loads(text)
        raw = base64.b64decode(text[len(PREFIX):])
        return wire.loads(self._aead.decrypt(raw[:12], raw[12:], None))
