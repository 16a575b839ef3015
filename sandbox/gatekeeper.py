"""The x-tif gateway in front of the centre (Gansu guide 000 §2.2-2.3, Guangdong guide 004 §2).

Headers: ``x-tif-paasid`` (the application code), ``x-tif-timestamp`` (unix seconds),
``x-tif-nonce`` (never repeated within ten minutes) and ``x-tif-signature`` = lower-case hex
sha256(timestamp + secretKey + nonce + timestamp).  Refusals are the seed documents' bodies
(their printed ``"errcode "`` key has a stray space; the contract fixes it as ``errcode``):

- ``{"errcode":401,"message":"缺少服务调用的请求头!"}`` a header is missing or empty
- ``{"errcode":401,"message":"非法用户!"}`` unknown paasid
- ``{"errcode":401,"message":"签名时间戳超时!"}`` timestamp more than 30 minutes off (or not a number)
- ``{"errcode":401,"message":"签名不一致!"}`` wrong signature
- ``{"errcode":401,"message":"请求重复(nonce已使用)!"}`` nonce seen in the last 10 minutes

They are answered with HTTP status 401 (the documents give only the body).
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Callable, Mapping

__all__ = [
    "BAD_SIGNATURE",
    "ILLEGAL_USER",
    "MISSING_HEADERS",
    "NONCE_REUSED",
    "TIMESTAMP_EXPIRED",
    "Gatekeeper",
    "NonceStore",
    "sign",
]

MISSING_HEADERS = "缺少服务调用的请求头!"
TIMESTAMP_EXPIRED = "签名时间戳超时!"
ILLEGAL_USER = "非法用户!"
BAD_SIGNATURE = "签名不一致!"
NONCE_REUSED = "请求重复(nonce已使用)!"

_HEADERS = ("x-tif-paasid", "x-tif-timestamp", "x-tif-nonce", "x-tif-signature")


def sign(timestamp: str, secret: str, nonce: str) -> str:
    """The x-tif signature: lower-case hex sha256(timestamp + secret + nonce + timestamp)."""
    return hashlib.sha256(f"{timestamp}{secret}{nonce}{timestamp}".encode()).hexdigest()


class NonceStore:
    """Nonces of the last ``window`` seconds (per paasid), purged as time goes on."""

    def __init__(self, window: float) -> None:
        self.window = window
        self._seen: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()
        self._next_purge = 0.0

    def add(self, paasid: str, nonce: str, now: float) -> bool:
        """Remember ``nonce``; ``False`` when it was already seen within the window."""
        with self._lock:
            if now >= self._next_purge:
                # Purging once a minute keeps the check O(1) without letting the dict grow.
                self._seen = {k: t for k, t in self._seen.items() if now - t < self.window}
                self._next_purge = now + 60
            key = (paasid, nonce)
            seen = self._seen.get(key)
            if seen is not None and now - seen < self.window:
                return False
            self._seen[key] = now
            return True

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()


class Gatekeeper:
    """Checks the four x-tif headers of a request."""

    def __init__(
        self,
        paasid: str,
        secret: str,
        clock: Callable[[], float],
        *,
        timestamp_window: float = 1800,
        nonce_window: float = 600,
    ) -> None:
        self.paasid = paasid
        self._secret = secret
        self._clock = clock
        self.timestamp_window = timestamp_window
        self.nonces = NonceStore(nonce_window)

    def check(self, headers: Mapping[str, str]) -> str | None:
        """``None`` when the request may pass, else the refusal message."""
        values = {h: (headers.get(h) or "").strip() for h in _HEADERS}
        if not all(values.values()):
            return MISSING_HEADERS
        if values["x-tif-paasid"] != self.paasid:
            return ILLEGAL_USER
        now = self._clock()
        try:
            ts = int(values["x-tif-timestamp"])
        except ValueError:
            return TIMESTAMP_EXPIRED
        if abs(now - ts) > self.timestamp_window:
            return TIMESTAMP_EXPIRED
        expected = sign(values["x-tif-timestamp"], self._secret, values["x-tif-nonce"])
        if not hmac.compare_digest(expected, values["x-tif-signature"].lower()):
            return BAD_SIGNATURE
        # Only a correctly signed request consumes its nonce: a forged one must not block it.
        if not self.nonces.add(values["x-tif-paasid"], values["x-tif-nonce"], now):
            return NONCE_REUSED
        return None
