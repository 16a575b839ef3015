"""Envelope schemes of the online parties: pluggable, as ``x-tif`` is for the national gateway.

A region's :attr:`~.profile.OnlineProfile.scheme` (and an endpoint's ``envelope``) names the
scheme; the scheme is supplied through the ``yibao_envelope_scheme`` hook, whose national
default answers the two built in here:

- ``sm4-sm2`` (online_settlement.md §3; contract, Fujian paragraph): SM4-ECB ``encData`` and
  SM3withSM2 ``signData`` over the sorted fields (:mod:`yibao.core.gm`), the keys from
  :mod:`.credentials`;
- ``json``: a plain JSON body and a ``{"code", "message", "data"}`` reply, for a local service
  that signs nothing (an assumption a region may need; never for money).

A scheme seals a request's ``data`` into the body, opens a reply (raising an
:class:`~yibao.core.gm.EnvelopeError` naming what failed), opens a pushed notice and answers
it.  How those failures count (a reply that fails to open after the request left is an
UNKNOWN outcome) is :mod:`.channel`'s business.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from .. import gm, wire

__all__ = ["BUILTIN_SCHEMES", "EnvelopeScheme", "JsonScheme", "SmScheme", "builtin_scheme"]


@runtime_checkable
class EnvelopeScheme(Protocol):
    """What the online client needs of an envelope scheme."""

    name: str

    def seal(self, data: Any) -> bytes:
        """The request body carrying ``data``."""
        ...

    def open_reply(self, body: bytes) -> gm.Reply:
        """The verified reply; raises :class:`yibao.core.gm.EnvelopeError` when it does not open."""
        ...

    def open_notice(self, body: bytes) -> Any:
        """The ``data`` of a notice the platform pushed; raises ``EnvelopeError`` when forged."""
        ...

    def answer_notice(self, data: Any, *, code: int = 0, message: str = "成功") -> bytes:
        """The signed answer to a pushed notice."""
        ...


class SmScheme:
    """The SM4 / SM2 envelope with the institution's credentials."""

    name = "sm4-sm2"

    def __init__(self, credentials: gm.Credentials, options: gm.EnvelopeOptions = gm.DEFAULT_OPTIONS) -> None:
        self.credentials = credentials
        self.options = options

    def seal(self, data: Any) -> bytes:
        return gm.encode_body(gm.build_request(data, self.credentials, options=self.options))

    def open_reply(self, body: bytes) -> gm.Reply:
        return gm.open_reply(body, self.credentials, options=self.options)

    def open_notice(self, body: bytes) -> Any:
        return gm.open_notice(body, self.credentials, options=self.options)

    def answer_notice(self, data: Any, *, code: int = 0, message: str = "成功") -> bytes:
        return gm.encode_body(gm.build_notice_reply(data, self.credentials, code=code, message=message,
                                                    options=self.options))


class JsonScheme:
    """Plain JSON: ``data`` as the body; the reply ``{"code", "message", "data"}``."""

    name = "json"

    def seal(self, data: Any) -> bytes:
        return wire.dumps_bytes(data)

    def open_reply(self, body: bytes) -> gm.Reply:
        try:
            parsed = wire.loads(body)
        except ValueError as exc:
            raise gm.EnvelopeError(f"body is not JSON ({exc})") from None
        if not isinstance(parsed, dict):
            raise gm.EnvelopeError("body is not a JSON object")
        code = wire.parse_infcode(parsed.get("code"))
        if "code" not in parsed:
            raise gm.EnvelopeError("reply has no code")
        message = parsed.get("message")
        return gm.Reply(code=code, message=message if isinstance(message, str) else "", data=parsed.get("data"))

    def open_notice(self, body: bytes) -> Any:
        raise gm.SignatureError("the json scheme carries no signature: a notice cannot be trusted")

    def answer_notice(self, data: Any, *, code: int = 0, message: str = "成功") -> bytes:
        return wire.dumps_bytes({"code": code, "message": message, "data": data})


BUILTIN_SCHEMES = ("sm4-sm2", "json")


def builtin_scheme(name: str, credentials: gm.Credentials | None, options: gm.EnvelopeOptions) -> EnvelopeScheme | None:
    """The built-in scheme ``name`` (``None`` for another name, or ``sm4-sm2`` without credentials)."""
    if name == "sm4-sm2" and credentials is not None:
        return SmScheme(credentials, options)
    if name == "json":
        return JsonScheme()
    return None
