"""Send one envelope and decide its outcome class, in one place (reliability.md §1, §2 case 9).

The rule: **anything that does not prove the centre committed nothing is UNKNOWN**.  Only two
answers prove it: the gateway's own refusal before the business layer, and the centre's own
envelope with an ``infcode`` other than 0.

=================================================  ==========================  ====
what happened                                      outcome                     exit
=================================================  ==========================  ====
connection refused, connect / pool timeout         NOT SENT (NotSentError)     6
bytes left, then read/write timeout, reset         UNKNOWN                     4
HTTP 5xx, whatever the body (a gateway's JSON      UNKNOWN (OutcomeUnknownError)
``{"errcode": 504, ...}`` included)
a 2xx / 4xx that is no envelope reply: HTML,       UNKNOWN
truncated, too deep or too large JSON, an
``errcode`` other than 401 / 403, no ``infcode``,
an ``infcode`` that is no integer (``null``,
``""``, ``"ok"``, ``false``)
the gateway's 401-class refusal before the         refused (GatewayError)      5
business layer: ``{"errcode": 401, "message":
...}`` (signature, timestamp, nonce, paasid), on a
status below 500
an envelope with an integer ``infcode`` != 0       business error              3
an envelope with ``infcode`` 0 on a 2xx            success
=================================================  ==========================  ====

Nothing here re-sends a message: a retry of a state-changing message is a decision for the
journal and the reversal queue, never for the transport.
"""

from __future__ import annotations

import email.utils
import ssl
import time
from collections.abc import Callable, Mapping
from typing import IO, Any

import httpx
import structlog

from . import wire
from .config import GatewayConfig
from .envelope import Envelope, Reply
from .errors import BusinessError, GatewayError, NotSentError, OutcomeUnknownError
from .files import UnsafeFileError
from .gateway import HostBindingTransport

__all__ = ["MAX_REPLY_BYTES", "REFUSAL_CODES", "Transport", "centre_timeout", "centre_transport", "classify",
           "classify_response", "make_http_client"]

log = structlog.get_logger("yibao.transport")

_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)
CLOCK_WARN_SECONDS = 300


def centre_transport(gateway: GatewayConfig) -> httpx.HTTPTransport:
    """The connection pool every client of a centre uses: TLS verified by default (a province's
    private CA bundle replacing the default trust store), and idle connections given up after
    ``timeout.keepalive`` seconds.  httpx keeps them 5 s, as long as many servers (uvicorn,
    Apache) do: a request sent just as the server closes such a connection meets a reset after
    its bytes left, an UNKNOWN outcome for a message the centre never read."""
    verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=gateway.ca_bundle) if gateway.ca_bundle else True
    return httpx.HTTPTransport(verify=verify, limits=httpx.Limits(keepalive_expiry=float(gateway.timeout.keepalive)))


def centre_timeout(gateway: GatewayConfig) -> httpx.Timeout:
    """``[gateway.timeout]`` as httpx takes it."""
    t = gateway.timeout
    return httpx.Timeout(connect=float(t.connect), read=float(t.read), write=float(t.write), pool=float(t.pool))


def make_http_client(
    gateway: GatewayConfig, auth: httpx.Auth, transport: httpx.BaseTransport | None = None
) -> httpx.Client:
    """A keep-alive client of the centre with explicit timeouts (``transport``: a test's)."""
    inner = transport or centre_transport(gateway)
    if gateway.resolve:
        inner = HostBindingTransport(inner, gateway.resolve)
    return httpx.Client(auth=auth, transport=inner, timeout=centre_timeout(gateway),
                        headers={"Content-Type": "application/json;charset=utf-8"})


#: The gateway's refusals before the business layer (Gansu §2.3; Guangdong §2): 401-class.
REFUSAL_CODES = frozenset({401, 403})
#: The most bytes a JSON reply may have (a 3260 page is a few hundred KB); past it: UNKNOWN.
MAX_REPLY_BYTES = 64 * 1024 * 1024


def _errcode(data: Mapping[str, Any]) -> tuple[Any, str, bool] | None:
    """``(errcode, message, whether every errcode given is 401-class)``, or ``None``.  The seed
    documents print the key as "errcode " with a stray space; both spellings count, and two
    that disagree prove nothing."""
    codes = [v for k, v in data.items() if isinstance(k, str) and k.strip() == "errcode"]
    if not codes:
        return None
    message = next((str(v) for k, v in data.items() if isinstance(k, str) and k.strip() == "message"), "")
    return codes[0], message, all(wire.infcode_of(c) in REFUSAL_CODES for c in codes)


def classify(status: int, body: bytes, infno: str, msgid: str) -> Reply:
    """The outcome of one answer (the table of the module docstring): a successful
    :class:`Reply`, or the error of its class.  The one place that decides."""
    data: Any = None
    problem = ""
    try:
        data = wire.loads(body, max_bytes=MAX_REPLY_BYTES) if body else None
    except wire.WireError as exc:
        problem = str(exc)
    if type(data) is dict and "infcode" not in data:
        refusal = _errcode(data)
        if refusal is not None and status < 500 and refusal[2]:
            raise GatewayError(refusal[0], refusal[1], infno=infno, msgid=msgid)
        if refusal is not None:
            problem = f"gateway errcode {refusal[0]!r} ({refusal[1][:200]}): not a refusal before the business layer"
    if status >= 500:
        raise OutcomeUnknownError(f"HTTP {status} from the gateway; {problem or 'the centre may have committed'}",
                                  infno=infno, msgid=msgid)
    if type(data) is not dict or "infcode" not in data:
        kind = problem or ("an HTML page" if body.lstrip()[:1] == b"<" else "no envelope reply")
        raise OutcomeUnknownError(f"HTTP {status} with {kind} ({len(body)} bytes)", infno=infno, msgid=msgid)
    infcode = wire.infcode_of(data["infcode"])
    if infcode is None:
        raise OutcomeUnknownError(f"HTTP {status}: infcode {data['infcode']!r} is not a number", infno=infno,
                                  msgid=msgid)
    reply = Reply.from_json(data, msgid=msgid)
    if infcode != 0:
        raise BusinessError(
            reply.err_msg or "centre answered infcode != 0 without err_msg",
            infcode=infcode, infno=infno, msgid=msgid, inf_refmsgid=reply.inf_refmsgid,
        )
    if not 200 <= status < 300:
        raise OutcomeUnknownError(f"HTTP {status} with infcode 0: not a success the centre stands by", infno=infno,
                                  msgid=msgid)
    return reply


def classify_response(response: httpx.Response, envelope: Envelope) -> Reply:
    """:func:`classify` of an HTTP response to ``envelope``."""
    return classify(response.status_code, response.content, envelope.infno, envelope.msgid)


class _TooLarge(Exception):
    def __init__(self, size: int, cap: int) -> None:
        self.size, self.cap = size, cap


class Transport:
    """Posts envelopes to ``base_url + path`` through one keep-alive client."""

    def __init__(self, client: httpx.Client, base_url: str) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.clock_offset: float | None = None
        self._last_date = ""
        self._last_server = 0.0
        #: path -> its parsed URL: httpx parses a text URL on every request, a URL object not
        self._urls: dict[str, httpx.URL] = {}

    def close(self) -> None:
        self.client.close()

    def _exchange(self, path: str, envelope: Envelope, *, cap: int, sink: IO[bytes] | None = None,
                  is_file: Callable[[httpx.Response], bool] = lambda r: False) -> tuple[int, bytes, int | None]:
        """Post ``envelope``; ``(status, body, bytes written to sink or None when it was no file)``.
        The answer is read as a stream and never past ``cap`` bytes (a declared ``Content-Length``
        over the cap is refused before reading); a file answer (``is_file``) goes to ``sink``."""
        infno, msgid = envelope.infno, envelope.msgid
        url = self._urls.get(path)
        if url is None:
            url = self._urls[path] = httpx.URL(self.base_url + path)
        request = self.client.build_request("POST", url, content=envelope.encode())
        try:
            response = self.client.send(request, stream=True)
        except _NOT_SENT as exc:
            raise NotSentError(f"not sent: {type(exc).__name__}: {exc}", infno=infno, msgid=msgid) from None
        except httpx.HTTPError as exc:
            raise OutcomeUnknownError(f"no usable answer: {type(exc).__name__}: {exc}", infno=infno,
                                      msgid=msgid) from None
        try:
            self._check_clock(response)
            to_file = sink is not None and is_file(response)
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > cap:
                raise _TooLarge(int(declared), cap)
            chunks: list[bytes] = []
            total = 0
            for chunk in response.iter_bytes():
                total += len(chunk)
                if total > cap:
                    raise _TooLarge(total, cap)
                if to_file:
                    assert sink is not None
                    sink.write(chunk)
                else:
                    chunks.append(chunk)
        except httpx.HTTPError as exc:  # the answer broke off after the bytes left
            raise OutcomeUnknownError(f"the answer broke off: {type(exc).__name__}: {exc}", infno=infno,
                                      msgid=msgid) from None
        finally:
            response.close()
        return response.status_code, b"".join(chunks), total if to_file else None

    def send(self, path: str, envelope: Envelope) -> Reply:
        """Send and classify; returns the successful :class:`Reply`."""
        try:
            status, body, _ = self._exchange(path, envelope, cap=MAX_REPLY_BYTES)
        except _TooLarge as exc:  # after the bytes left: a reply we will not read proves nothing
            raise OutcomeUnknownError(f"answer of {exc.size} bytes or more is over the {exc.cap}-byte cap: not read",
                                      infno=envelope.infno, msgid=envelope.msgid) from None
        return classify(status, body, envelope.infno, envelope.msgid)

    def download(self, path: str, envelope: Envelope, sink: IO[bytes], max_bytes: int) -> int:
        """9102: the file streams into ``sink`` (at most ``max_bytes``); the bytes written.  An
        error comes back as a JSON reply and is raised as its outcome class."""

        def is_file(response: httpx.Response) -> bool:
            return "json" not in response.headers.get("content-type", "") and response.status_code < 400

        try:
            status, body, written = self._exchange(path, envelope, cap=max_bytes, sink=sink, is_file=is_file)
        except _TooLarge as exc:
            raise UnsafeFileError(f"9102 answer of {exc.size} bytes or more exceeds the cap of {exc.cap}",
                                  infno="9102", msgid=envelope.msgid) from None
        if written is not None:
            return written
        classify(status, body, envelope.infno, envelope.msgid)
        raise OutcomeUnknownError("9102 answered JSON without an error", infno="9102", msgid=envelope.msgid)

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
