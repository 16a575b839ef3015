"""Reading a request body under a size cap (wire and control API).

A body over the cap is not kept: what is left of it is read and thrown away (up to
:data:`DRAIN_LIMIT`), so that the client, which writes its whole request before it reads,
gets the centre's refusal instead of a connection reset.  Past the drain limit the reading
stops and the server closes the connection after the answer.
"""

from __future__ import annotations

from starlette.requests import ClientDisconnect, Request

__all__ = ["DRAIN_LIMIT", "TooLarge", "read_body"]

DRAIN_LIMIT = 256 * 1024 * 1024


class TooLarge(Exception):
    """The body is larger than the cap; ``cap`` is the limit in bytes."""

    def __init__(self, cap: int) -> None:
        super().__init__(cap)
        self.cap = cap


async def read_body(request: Request, cap: int) -> bytes:
    """The whole body, or :class:`TooLarge` once it passes ``cap`` bytes."""
    declared = request.headers.get("content-length", "")
    too_large = declared.isdigit() and int(declared) > cap
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > cap:
                too_large = True
            if too_large:
                chunks.clear()
                if size > DRAIN_LIMIT:
                    break
                continue
            chunks.append(chunk)
    except ClientDisconnect:
        pass  # nothing will read the answer; an empty body is refused like any other
    if too_large:
        raise TooLarge(cap)
    return b"".join(chunks)
