"""The character set of a JSON body sent to ``/v1/`` (contract "``yibao serve``", Extensions).

JSON between systems is UTF-8 (RFC 8259 §8.1), and that is what every answer is.  Two things a
HIS in the field sends anyway are taken as what they say, not refused:

- a UTF-8 byte-order mark before the body (Delphi's ``TEncoding.UTF8`` and .NET's
  ``UTF8Encoding(true)`` write one; §8.1 lets a parser ignore it), which is dropped;
- a body in the Chinese national encoding, declared as such (``Content-Type: application/json;
  charset=GBK``, also ``GB2312``, ``GB18030``, ``CP936``: a PowerBuilder or Delphi 7 HIS keeps
  its strings in the ANSI code page), which is decoded as GB18030 (a superset of the others)
  and parsed as the same JSON in UTF-8.  The fingerprint of an ``Idempotency-Key`` is taken of
  the parsed body, so the same bill resent in either encoding is the same request.

Any other declared charset, or a GBK body that does not decode, is ``422`` ``validation``
(field ``Content-Type``, rule ``charset``) before anything is read further; nothing is sent.
A body of undeclared encoding that is not UTF-8 is refused by the parser, with the way out
named (:func:`hint`).  Only a declared GBK body is held whole (a character may straddle two
reads); every other body streams through untouched but for a leading BOM.
"""

from __future__ import annotations

from litestar.types import ASGIApp, HTTPRequestEvent, Receive, ReceiveMessage, Scope, Send

from .problems import ProblemError, validation

__all__ = ["JsonCharset", "hint"]

_BOM = b"\xef\xbb\xbf"
_UTF8 = {"utf-8", "utf8"}
_GB = {"gbk", "gb2312", "gb18030", "cp936", "x-gbk", "euc-cn"}
_WITH_BODY = {"POST", "PUT", "PATCH"}


def hint(detail: str) -> str:
    """The parser's complaint about a body that is not UTF-8, with the two ways out."""
    return (f"{detail}: the body must be UTF-8 JSON; a HIS that keeps GBK text declares it "
            "(Content-Type: application/json; charset=GBK)")


def _charset(scope: Scope) -> str | None:
    for name, value in scope.get("headers") or ():
        if name == b"content-type":
            for part in value.decode("latin-1").split(";")[1:]:
                key, _, val = part.strip().partition("=")
                if key.strip().lower() == "charset":
                    return val.strip().strip('"').lower()
            return None
    return None


class JsonCharset:
    """ASGI middleware: a leading BOM dropped, a declared GBK body read as UTF-8 (module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (str(scope["type"]) != "http" or scope.get("method") not in _WITH_BODY
                or not str(scope.get("path", "")).startswith("/v1/")):
            await self.app(scope, receive, send)
            return
        charset = _charset(scope)
        if charset is None or charset in _UTF8:
            await self.app(scope, _without_bom(receive), send)
        elif charset in _GB:
            await self.app(scope, _transcoded(receive, charset), send)
        else:
            await self.app(scope, _refused(charset), send)


def _without_bom(receive: Receive) -> Receive:
    first = [True]

    async def wrapped() -> ReceiveMessage:
        message = await receive()
        if first[0] and message["type"] == "http.request":
            first[0] = False
            body = message.get("body", b"")
            if body.startswith(_BOM):
                event: HTTPRequestEvent = {"type": "http.request", "body": body[len(_BOM):],
                                           "more_body": message.get("more_body", False)}
                return event
        return message

    return wrapped


def _transcoded(receive: Receive, charset: str) -> Receive:
    done = [False]

    async def wrapped() -> ReceiveMessage:
        if done[0]:
            return await receive()
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return message  # the client went away: pass it on as it came
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        done[0] = True
        raw = b"".join(chunks)
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise _problem(f"the body is not {charset.upper()} (byte {exc.start}) as its Content-Type says") from None
        body = text.encode("utf-8")
        event: HTTPRequestEvent = {"type": "http.request", "more_body": False,
                                   "body": body[len(_BOM):] if body.startswith(_BOM) else body}
        return event

    return wrapped


def _refused(charset: str) -> Receive:
    async def wrapped() -> ReceiveMessage:
        raise _problem(f"charset={charset[:20]} is not read: send UTF-8 (or GBK, declared as charset=GBK)")

    return wrapped


def _problem(detail: str) -> ProblemError:
    return validation(detail, "Content-Type", "charset")
