"""One structured access line per request on stderr (issue 11 "Logs"), and the HTTP metrics.

The line is JSON: ``{"event": "access", "method", "route", "status", "terminal", "infno", "msgid",
"outcome", "duration_ms", "replayed"}``.  No personal data: the route is the handler's template
(``/v1/journal/{msgid}``), never the raw path or query string (a search text, an ``idem_key``
filter), and no header or body is read.  Written with one ``write`` per line so lines of
concurrent requests never interleave.
"""

from __future__ import annotations

import re
import sys
import threading
import time
from typing import Any, TextIO

import msgspec
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from .metrics import Metrics

__all__ = ["AccessLog"]

_ENCODER = msgspec.json.Encoder()


class AccessLog:
    """ASGI middleware around the whole app."""

    def __init__(self, app: ASGIApp, metrics: Metrics, stream: TextIO | None = None) -> None:
        self.app = app
        self.metrics = metrics
        self.stream = stream
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if str(scope["type"]) != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]

        async def tap(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, tap)
        finally:
            self._write(scope, status[0], time.perf_counter() - started)

    def _write(self, scope: Scope, status: int, seconds: float) -> None:
        state: dict[str, Any] = dict(scope.get("state") or {})
        route = str(state.get("route") or _template(scope))
        self.metrics.request(route, status, seconds)
        line = {
            "event": "access", "method": scope.get("method", ""), "route": route, "status": status,
            "terminal": state.get("terminal"), "infno": state.get("infno"), "msgid": state.get("msgid"),
            "outcome": state.get("outcome") or ("ok" if status < 400 else "error"),
            "duration_ms": round(seconds * 1000, 1), "replayed": state.get("outcome") == "replayed",
        }  # fmt: skip
        text = _ENCODER.encode(line).decode() + "\n"
        stream = self.stream or sys.stderr
        with self._lock:
            stream.write(text)
            stream.flush()


def _template(scope: Scope) -> str:
    # Litestar puts the matched handler's path template in the scope; an unmatched path is not
    # written out (it could carry anything a client put in it).
    handler = scope.get("route_handler")
    paths = getattr(handler, "paths", None)
    if paths:
        return re.sub(r":\w+}", "}", str(sorted(paths)[0]))  # "{infno:str}" -> "{infno}"
    return "(unmatched)"
