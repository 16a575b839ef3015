"""One HTTP exchange with an online party, and the outcome class of what came back.

=================================================  =========================  ====
what happened                                      outcome                    exit
=================================================  =========================  ====
connection refused, connect / pool timeout         NOT SENT (NotSentError)    6
bytes left, then read/write timeout, reset         UNKNOWN                    4
HTTP 5xx, a body that is not an envelope, a reply  (OutcomeUnknownError)
that does not decrypt or whose signature does
not verify with the platform key
a verified reply with ``code`` != 0                refused (BusinessError)    3
=================================================  =========================  ====

A reply that fails verification after the request left proves nothing about what the centre
did: it may be a forged or damaged answer to a committed request, so it is UNKNOWN, never a
failure (docs/money-safety.md).  Nothing here re-sends: that is the journal's decision.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import attrs
import httpx
import structlog

from .. import gm
from ..config import GatewayConfig
from ..errors import BusinessError, NotSentError, OutcomeUnknownError
from ..transport import centre_timeout, centre_transport
from .schemes import EnvelopeScheme

__all__ = ["Channel", "OnlineCall", "http_client"]

log = structlog.get_logger("yibao.online")

_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


@attrs.frozen
class OnlineCall:
    """One exchange as an observer sees it (masked; the acceptance report's evidence)."""

    interface: str
    msg_id: str
    request: Any
    reply: Any
    ok: bool
    error: str
    seconds: float
    party: str = ""


Observer = Callable[[OnlineCall], None]


def http_client(gateway: GatewayConfig, transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """A keep-alive client with the gateway's timeouts, TLS rules and idle-connection limit."""
    return httpx.Client(transport=transport or centre_transport(gateway), timeout=centre_timeout(gateway),
                        headers={"Content-Type": "application/json;charset=utf-8"})


class Channel:
    """Posts sealed bodies to ``base_url + path`` of one party and opens the replies."""

    def __init__(self, party: str, base_url: str, scheme: EnvelopeScheme, client: httpx.Client) -> None:
        self.party = party
        self.base_url = base_url.rstrip("/")
        self.scheme = scheme
        self.client = client

    def exchange(self, path: str, data: Any, *, interface: str, msg_id: str = "") -> gm.Reply:
        """Seal ``data``, post it, open the reply: the verified :class:`~yibao.core.gm.Reply`
        with ``code`` 0, or the error of its outcome class (table in the module docstring)."""
        body = self.scheme.seal(data)
        url = self.base_url + path
        try:
            response = self.client.post(url, content=body)
        except _NOT_SENT as exc:
            raise NotSentError(f"not sent: {type(exc).__name__}: {exc}", infno=interface, msgid=msg_id) from None
        except httpx.HTTPError as exc:
            raise OutcomeUnknownError(f"no usable answer: {type(exc).__name__}: {exc}", infno=interface,
                                      msgid=msg_id) from None
        return self.classify(response, interface=interface, msg_id=msg_id)

    def classify(self, response: httpx.Response, *, interface: str, msg_id: str = "") -> gm.Reply:
        """The reply of ``response``, or the error of its outcome class."""
        if response.status_code >= 500:
            raise OutcomeUnknownError(f"HTTP {response.status_code} from the {self.party} centre", infno=interface,
                                      msgid=msg_id)
        try:
            reply = self.scheme.open_reply(response.content)
        except gm.EnvelopeError as exc:
            # Verification failed after the request left: the centre may have committed it.
            log.warning("online_reply_does_not_open", interface=interface, status=response.status_code,
                        problem=exc.part)
            raise OutcomeUnknownError(f"HTTP {response.status_code}: the reply does not open ({exc})",
                                      infno=interface, msgid=msg_id) from None
        if not reply.ok:
            raise BusinessError(reply.message or f"the {self.party} centre answered code {reply.code}",
                                infcode=reply.code, infno=interface, msgid=msg_id)
        return reply

    def get(self, url: str, *, interface: str) -> bytes:
        """A plain GET of a URL the party handed out (an e-invoice's picture / PDF address)."""
        try:
            response = self.client.get(url)
        except _NOT_SENT as exc:
            raise NotSentError(f"not sent: {type(exc).__name__}: {exc}", infno=interface) from None
        except httpx.HTTPError as exc:
            raise OutcomeUnknownError(f"no usable answer: {type(exc).__name__}: {exc}", infno=interface) from None
        if response.status_code != 200:
            raise BusinessError(f"HTTP {response.status_code} for {url}", infcode=response.status_code,
                                infno=interface)
        return response.content

    def close(self) -> None:
        self.client.close()


def timed() -> Callable[[], float]:
    """A stopwatch: call the result for the seconds since."""
    t0 = time.perf_counter()
    return lambda: round(time.perf_counter() - t0, 4)
