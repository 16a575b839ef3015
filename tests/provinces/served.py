"""The centre's calls to an institution's receiver, over a real loopback socket."""

from __future__ import annotations

from typing import Any

import httpx

from yibao.sandbox.server import serve_app


class ServedClient:
    """Posts to an ASGI app served by uvicorn on a loopback port of its own, for one call at a time:
    the receiver's x-tif checks and envelope see the bytes a centre would send."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        with serve_app(self.app) as served, httpx.Client(base_url=served.url, timeout=10) as client:
            return client.post(path, **kwargs)
