"""A loopback "gateway" in front of the sandbox for tests: it forwards each request to the real
centre and may rewrite the answer per infno, the way a misbehaving gateway would (a 504 with a
JSON body after the centre committed, a 200 with ``errcode`` 500, an ``infcode`` of ``null``...)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

#: ``rewrite(infno, upstream_status, upstream_body) -> (status, body)``, or ``None`` to pass it on.
Rewrite = Callable[[str, int, bytes], tuple[int, bytes] | None]


@contextmanager
def gateway_proxy(upstream: str, rewrites: dict[str, Rewrite] | None = None,
                  refuse: dict[str, tuple[int, bytes]] | None = None) -> Iterator[str]:
    """Serve on a free 127.0.0.1 port; yields its base URL.  ``rewrites`` maps infno to a rewrite
    of the centre's answer; ``refuse`` maps infno to an answer given *without forwarding* (the
    gateway's own refusal before the business layer)."""
    rewrites = rewrites or {}
    refuse = refuse or {}
    client = httpx.Client(timeout=30)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            try:
                infno = str(json.loads(body).get("infno", ""))
            except ValueError:
                infno = ""
            if infno in refuse:
                status, out = refuse[infno]
            else:
                headers = {k: v for k, v in self.headers.items() if k.lower().startswith("x-tif-")}
                headers["content-type"] = self.headers.get("content-type", "application/json")
                up = client.post(upstream + self.path, content=body, headers=headers)
                rewrite = rewrites.get(infno)
                status, out = (up.status_code, up.content)
                if rewrite is not None:
                    status, out = rewrite(infno, up.status_code, up.content) or (status, out)
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        client.close()


def once(status: int, body: bytes) -> Rewrite:
    """A rewrite that answers ``(status, body)`` the first time, then passes answers on."""
    fired = [False]

    def rewrite(infno: str, up_status: int, up_body: bytes) -> tuple[int, bytes] | None:
        if fired[0]:
            return None
        fired[0] = True
        return status, body

    return rewrite
