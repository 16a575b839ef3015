"""x-tif gateway signing and host binding (Gansu guide §2.2, Guangdong guide §2 表格2).

Headers on every HTTP attempt::

    x-tif-paasid     the application code
    x-tif-timestamp  unix seconds
    x-tif-nonce      a fresh random string (the gateway refuses one seen in the last 10 minutes)
    x-tif-signature  lower-case hex sha256(timestamp + secretKey + nonce + timestamp)

A retry is a new HTTP attempt and gets a new nonce and timestamp; the envelope (and its
``msgid``) stays the same.  Host binding ("绑定配置 HOST") maps the gateway's domain to the IP
the bureau gives inside the client, without touching the system's hosts file.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable, Generator, Mapping

import httpx

__all__ = ["HostBindingTransport", "TifSignatureAuth", "tif_signature"]


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
