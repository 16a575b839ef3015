"""x-tif gateway signing and host binding (Gansu guide §2.2, Guangdong guide §2 表格2).

Headers on every HTTP attempt::

    x-tif-paasid     the application code
    x-tif-timestamp  unix seconds
    x-tif-nonce      a fresh random string (the gateway refuses one seen in the last 10 minutes)
    x-tif-signature  lower-case hex sha256(timestamp + secretKey + nonce + timestamp)

A retry is a new HTTP attempt and gets a new nonce and timestamp; the envelope (and its
``msgid``) stays the same.  Host binding ("绑定配置 HOST") maps the gateway's domain to the IP
the bureau gives inside the client, without touching the system's hosts file.

:class:`TifVerifier` is the other direction, for the institution's own receivers (Gansu §3.8:
the centre calls the institution): the gateway's checks and refusal texts (§2.3) in one place.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable, Generator, Mapping

import httpx

__all__ = [
    "BAD_SIGNATURE",
    "ILLEGAL_USER",
    "MISSING_HEADERS",
    "NONCE_REUSED",
    "TIMESTAMP_EXPIRED",
    "HostBindingTransport",
    "TifSignatureAuth",
    "TifVerifier",
    "tif_signature",
]

#: The gateway's refusal texts (Gansu guide §2.3 / Guangdong guide §2), as ``message`` of
#: ``{"errcode": 401, "message": ...}``.
MISSING_HEADERS = "缺少服务调用的请求头!"
TIMESTAMP_EXPIRED = "签名时间戳超时!"
ILLEGAL_USER = "非法用户!"
BAD_SIGNATURE = "签名不一致!"
NONCE_REUSED = "请求重复(nonce已使用)!"
TIMESTAMP_WINDOW = 30 * 60  # §2.3 签名时间戳超时: 30 minutes either way
NONCE_WINDOW = 10 * 60  # §2.2 x-tif-nonce: 十分钟内不能重复
_HEADERS = ("x-tif-paasid", "x-tif-timestamp", "x-tif-nonce", "x-tif-signature")


def tif_signature(timestamp: str, secret: str, nonce: str) -> str:
    """sha256(timestamp + secretKey + nonce + timestamp) as lower-case hex."""
    return hashlib.sha256((timestamp + secret + nonce + timestamp).encode("utf-8")).hexdigest()


class TifSignatureAuth(httpx.Auth):
    """Adds the four x-tif headers; clock and nonce are injectable for known-answer tests."""

    def __init__(
        self,
        paasid: str,
        secret: str,
        *,
        clock: Callable[[], float] = time.time,
        nonce: Callable[[], str] = lambda: secrets.token_hex(16),
    ) -> None:
        self._paasid = paasid
        self._secret = secret
        self._clock = clock
        self._nonce = nonce

    def __repr__(self) -> str:  # never show the secret
        return f"TifSignatureAuth(paasid={self._paasid!r}, secret=***)"

    def headers(self) -> dict[str, str]:
        """A fresh set of x-tif headers."""
        ts = str(int(self._clock()))
        nonce = self._nonce()
        return {
            "x-tif-paasid": self._paasid,
            "x-tif-timestamp": ts,
            "x-tif-nonce": nonce,
            "x-tif-signature": tif_signature(ts, self._secret, nonce),
        }

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers.update(self.headers())
        yield request


class TifVerifier:
    """The gateway's x-tif check for a receiver: ``None`` when a request may pass, else the
    refusal text.  Checks in the gateway's order: headers present, timestamp within 30 minutes,
    known paasid, signature, nonce unused in the last 10 minutes (only a correctly signed
    request consumes its nonce, so a forged one cannot block the real one)."""

    def __init__(self, keys: Mapping[str, str], clock: Callable[[], float] = time.time) -> None:
        self._keys = dict(keys)
        self._clock = clock
        self._nonces: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def check(self, headers: Mapping[str, str]) -> str | None:
        values = [(headers.get(n) or "").strip() for n in _HEADERS]
        if not all(values):
            return MISSING_HEADERS
        paasid, ts, nonce, signature = values
        now = self._clock()
        try:
            skew = abs(now - int(ts))
        except ValueError:
            return TIMESTAMP_EXPIRED
        if skew > TIMESTAMP_WINDOW:
            return TIMESTAMP_EXPIRED
        secret = self._keys.get(paasid)
        if secret is None:
            return ILLEGAL_USER
        if not hmac.compare_digest(tif_signature(ts, secret, nonce), signature.lower()):
            return BAD_SIGNATURE
        with self._lock:
            self._nonces = {k: t for k, t in self._nonces.items() if now - t < NONCE_WINDOW}
            if (paasid, nonce) in self._nonces:
                return NONCE_REUSED
            self._nonces[(paasid, nonce)] = now
        return None


class HostBindingTransport(httpx.BaseTransport):
    """Sends requests for a bound host to its IP, keeping ``Host`` and TLS SNI as the domain.

    ``resolve = {"igb.hsa.gdgov.cn": "10.x.x.x"}`` in production; ``"127.0.0.1"`` in a test.
    """

    def __init__(self, inner: httpx.BaseTransport, resolve: Mapping[str, str]) -> None:
        self._inner = inner
        self._resolve = dict(resolve)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        ip = self._resolve.get(host)
        if ip is not None:
            request.headers["Host"] = request.url.netloc.decode("ascii")
            request.extensions = {**request.extensions, "sni_hostname": host}
            request.url = request.url.copy_with(host=ip)
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()
