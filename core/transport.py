"""Send one envelope and decide its outcome class, in one place (reliability.md §1, §2 case 9).

=============================================  ==========================  ====
what happened                                  outcome                     exit
=============================================  ==========================  ====
connection refused, connect / pool timeout     NOT SENT (NotSentError)     6
bytes left, then read/write timeout, reset,    UNKNOWN                     4
HTTP 5xx, HTML, truncated or non-JSON body     (OutcomeUnknownError)
gateway ``{"errcode": ..., "message": ...}``   refused (GatewayError)      5
``infcode`` != 0                               business error              3
=============================================  ==========================  ====

Nothing here re-sends a message: a retry of a state-changing message is a decision for the
journal and the reversal queue, never for the transport.
"""

from __future__ import annotations

import email.utils
import ssl
import time
from collections.abc import Mapping
from typing import Any

import httpx
import structlog

from . import wire
from .config import GatewayConfig
from .envelope import Envelope, Reply
from .errors import BusinessError, GatewayError, NotSentError, OutcomeUnknownError
from .gateway import HostBindingTransport

__all__ = ["Transport", "classify_response", "make_http_client"]

log = structlog.get_logger("yibao.transport")

_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)
CLOCK_WARN_SECONDS = 300


def make_http_client(
    gateway: GatewayConfig, auth: httpx.Auth, transport: httpx.BaseTransport | None = None
) -> httpx.Client:
    """A keep-alive client with explicit timeouts, TLS verified (or the province's CA bundle)."""
    t = gateway.timeout
    # Verified by default; a province's private CA replaces the default trust store.
    verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=gateway.ca_bundle) if gateway.ca_bundle else True
    inner = transport or httpx.HTTPTransport(verify=verify)
    if gateway.resolve:
        inner = HostBindingTransport(inner, gateway.resolve)
    return httpx.Client(
        auth=auth,
        transport=inner,
        timeout=httpx.Timeout(connect=float(t.connect), read=float(t.read), write=float(t.write),
                              pool=float(t.pool)),
        headers={"Content-Type": "application/json;charset=utf-8"},
    )


def _gateway_refusal(data: Mapping[str, Any]) -> tuple[Any, str] | None:
    if "infcode" in data:
        return None  # the common case: an envelope reply
    # The seed documents print the key as "errcode " with a stray space; accept both.
    keys = {k.strip(): v for k, v in data.items() if isinstance(k, str)}
    if "errcode" in keys and "infcode" not in keys:
        return keys["errcode"], str(keys.get("message", ""))
    return None


def classify_response(response: httpx.Response, envelope: Envelope) -> Reply:
    """Turn an HTTP response into a :class:`Reply` or raise the error of its outcome class."""
    infno, msgid = envelope.infno, envelope.msgid
    body = response.content
    data: Any = None
    try:
        data = wire.loads(body) if body else None
    except ValueError:
        data = None
    if isinstance(data, dict):
        refusal = _gateway_refusal(data)
        if refusal is not None:
            raise GatewayError(refusal[0], refusal[1], infno=infno, msgid=msgid)
    if response.status_code >= 500:
        raise OutcomeUnknownError(f"HTTP {response.status_code} from the gateway", infno=infno, msgid=msgid)
    if not isinstance(data, dict) or "infcode" not in data:
        kind = "an HTML page" if body.lstrip()[:1] == b"<" else "no usable JSON reply"
        raise OutcomeUnknownError(
            f"HTTP {response.status_code} with {kind} ({len(body)} bytes)", infno=infno, msgid=msgid
        )
    reply = Reply.from_json(data, msgid=msgid)
    if not reply.ok:
        raise BusinessError(
            reply.err_msg or "centre answered infcode != 0 without err_msg",
            infcode=reply.infcode, infno=infno, msgid=msgid, inf_refmsgid=reply.inf_refmsgid,
        )
    return reply


class Transport:
    """Posts envelopes to ``base_url + path`` through one keep-alive client."""

    def __init__(self, client: httpx.Client, base_url: str) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.clock_offset: float | None = None
        self._last_date = ""
        self._last_server = 0.0

    def close(self) -> None:
        self.client.close()

    def _post(self, path: str, envelope: Envelope) -> httpx.Response:
        try:
            response = self.client.post(self.base_url + path, content=envelope.encode())
        except _NOT_SENT as exc:
            raise NotSentError(f"not sent: {type(exc).__name__}: {exc}", infno=envelope.infno,
                               msgid=envelope.msgid) from None
        except httpx.HTTPError as exc:
            raise OutcomeUnknownError(
                f"no usable answer: {type(exc).__name__}: {exc}", infno=envelope.infno, msgid=envelope.msgid
            ) from None
        self._check_clock(response)
        return response

    def send(self, path: str, envelope: Envelope) -> Reply:
        """Send and classify; returns the successful :class:`Reply`."""
        return classify_response(self._post(path, envelope), envelope)

    def download(self, path: str, envelope: Envelope) -> bytes:
        """9102: a file comes back as a byte stream; an error as a JSON reply."""
        response = self._post(path, envelope)
        ctype = response.headers.get("content-type", "")
        if "json" in ctype or response.status_code >= 400:
            classify_response(response, envelope)
            raise OutcomeUnknownError("9102 answered JSON without an error", infno="9102", msgid=envelope.msgid)
        return response.content

    def _check_clock(self, response: httpx.Response) -> None:
        # The gateway refuses timestamps 30 minutes off; warn well before that.
        date = response.headers.get("date")
        if not date:
            return
        if date != self._last_date:  # the header changes once a second: parse it once
            try:
                self._last_server = email.utils.parsedate_to_datetime(date).timestamp()
            except (TypeError, ValueError):
                return
            self._last_date = date
        self.clock_offset = self._last_server - time.time()
        if abs(self.clock_offset) > CLOCK_WARN_SECONDS:
            log.warning("clock_offset", offset_seconds=round(self.clock_offset),
                        hint="the gateway refuses timestamps more than 30 minutes off")
