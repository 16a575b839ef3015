"""The sandbox as an ASGI application (Starlette): ``create_app(SandboxConfig(...))``.

Routing (contract.md, "The sandbox on the wire"), every route ``POST`` under any base path:

- ``.../fsi/api/rsfComIfsService/callService``: the infno comes from the envelope;
- ``.../fsi/api/fileupload/upload`` (9101) and ``.../fsi/api/fileupload/download`` (9102);
- any other path whose last segment is the envelope's infno: ``/1101``,
  Guangdong ``/ebus/.../hsa/hgs/1101``, Gansu ``/{应用账户编码}/.../{infno}``.

Gateway refusals are HTTP 401 with the seed documents' ``{"errcode":401,"message":...}``;
everything past the gateway is HTTP 200 with an envelope (``infcode`` -1 for any refusal),
except the armed faults of :mod:`yibao.sandbox.faults`.

The event loop only reads bodies and writes answers: each call is dispatched in a worker
thread, so a long one (a big 3202 file) never holds the other terminals' calls.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from pathlib import Path
from typing import Any

import attrs
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.types import Receive, Scope, Send

from . import control, envelope
from .bodies import TooLarge, read_body
from .config import SandboxConfig
from .dispatch import ROUTE_ANY, UPLOAD_INFNO, Dispatcher, Outcome
from .faults import FaultPlan
from .gatekeeper import Gatekeeper
from .handlers import load_handler_modules, schemas
from .seed import seed_store
from .store import Store

__all__ = ["ConnectionDropped", "SandboxApp", "SandboxConfig", "SandboxState", "create_app"]

log = logging.getLogger("yibao.sandbox")

_HTML_PAGE = (
    b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>"
    b"<hr><center>gateway</center></body></html>"
)


class ConnectionDropped(Exception):
    """Raised in-process (ASGITransport) where there is no socket to cut for ``drop_after_commit``."""


@attrs.define
class SandboxState:
    """What one instance holds: config, books, gateway, fault plan, dispatcher."""

    config: SandboxConfig
    store: Store
    gatekeeper: Gatekeeper
    faults: FaultPlan
    dispatcher: Dispatcher
    tempdir: tempfile.TemporaryDirectory[str] | None = None
    #: the online centres (医保移动支付, e-prescription, e-invoice, local services): yibao.sandbox.online
    online: Any = None


class SandboxApp(Starlette):
    """Starlette that keeps the server's own ``send`` in the scope.

    ``drop_after_commit`` needs the connection itself: Starlette's middleware wraps ``send``,
    and only uvicorn's original (a bound method of its request cycle) leads to the transport.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["yibao.server_send"] = send
        await super().__call__(scope, receive, send)


def _route_infno(path: str) -> str:
    """The infno a path routes to, ``ROUTE_ANY`` for the single endpoint."""
    trimmed = path.rstrip("/")
    if trimmed.endswith("/rsfComIfsService/callService"):
        return ROUTE_ANY
    if trimmed.endswith("/fileupload/upload"):
        return "9101"
    if trimmed.endswith("/fileupload/download"):
        return "9102"
    return trimmed.rsplit("/", 1)[-1]


async def _drop(scope: Scope) -> None:
    """Close the client's connection without writing a byte of response."""
    server_send = scope.get("yibao.server_send")
    transport = getattr(getattr(server_send, "__self__", None), "transport", None)
    if transport is None:
        raise ConnectionDropped("drop_after_commit: the settlement is committed; no reply is sent")
    transport.close()
    # Let connection_lost run, so the server knows the client is gone and writes nothing more.
    for _ in range(3):
        await asyncio.sleep(0)


drop_connection = _drop


async def _call(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    online = state.online.route(request.url.path) if state.online is not None else None
    if online is not None:  # the online centres have their own envelope, not the x-tif gateway
        from .online.routes import serve_online

        return await serve_online(request, online[2])
    refusal = state.gatekeeper.check(request.headers)
    if refusal is not None:
        return control.json_response({"errcode": 401, "message": refusal}, 401)
    route = _route_infno(request.url.path)
    config = state.config
    # Only 9101 carries a file; a path that names another infno gets the small cap at once.
    cap = config.max_upload_body_bytes if route in (ROUTE_ANY, UPLOAD_INFNO) else config.max_body_bytes
    try:
        body = await read_body(request, cap)
    except TooLarge as exc:
        outcome = state.dispatcher.refuse_body(f"报文超过大小限制(最大{exc.cap}字节)")
    else:
        try:
            outcome = await run_in_threadpool(state.dispatcher.handle, body, route)
        except Exception as exc:  # the dispatcher answers every refusal itself; this is a last net
            log.exception("dispatch failed")
            outcome = state.dispatcher.refuse_body(f"中心处理异常: {type(exc).__name__}"[:500])
    return await _answer(request, outcome)


async def _answer(request: Request, outcome: Outcome) -> Response:
    fault = outcome.fault
    if fault is not None:
        if fault.mode == "error_500":
            return Response(b"Internal Server Error", status_code=500, media_type="text/plain")
        if fault.mode == "html_page":
            return Response(_HTML_PAGE, status_code=200, media_type="text/html")
        if fault.mode == "drop_after_commit":
            await _drop(request.scope)
            return Response(b"", status_code=204)  # never reaches the client: the socket is closed
        if fault.mode == "delay":
            await asyncio.sleep(float(fault.seconds))  # a delay, not money
    if outcome.raw is not None:
        headers = {}
        if outcome.raw.filename:
            headers["content-disposition"] = f'attachment; filename="{outcome.raw.filename}"'
        if outcome.raw.chunks is not None:
            return StreamingResponse(outcome.raw.chunks, media_type=outcome.raw.content_type, headers=headers)
        return Response(outcome.raw.data, media_type=outcome.raw.content_type, headers=headers)
    data = envelope.encode(outcome.body or {})
    if fault is not None and fault.mode == "truncated_json":
        data = data[: max(1, len(data) // 2)]
    return Response(data, media_type="application/json; charset=utf-8")


def create_app(config: SandboxConfig | None = None) -> Starlette:
    """A sandbox instance: its books under ``config.state_dir`` (a temp dir when ``None``)."""
    config = config or SandboxConfig()
    load_handler_modules()
    tmp: tempfile.TemporaryDirectory[str] | None = None
    state_dir = config.state_dir
    if state_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="yibao-sandbox-")
        state_dir = Path(tmp.name)
    state_dir.mkdir(parents=True, exist_ok=True)
    store = Store(state_dir / "sandbox.db", seeder=seed_store, clock=config.clock)
    for ddl in schemas():
        store.add_schema(ddl)
    faults = FaultPlan()
    state = SandboxState(
        config=config,
        store=store,
        gatekeeper=Gatekeeper(
            config.paasid,
            config.secret,
            config.clock,
            timestamp_window=config.timestamp_window,
            nonce_window=config.nonce_window,
        ),
        faults=faults,
        dispatcher=Dispatcher(config, store, faults),
        tempdir=tmp,
    )
    # The control API sits under one Mount so that a transaction's path is matched in two steps.
    from .online.centre import OnlineCentre
    from .online.routes import bill_download, control_routes

    state.online = OnlineCentre(store, faults, state_dir, config.clock,
                                allow_remote_callbacks=bool(config.control_token))
    routes: list[Any] = [
        Mount("/_sandbox", routes=[*control.routes(), *control_routes()]),
        Route("/api/medical/bill/{batch}/{bill}", bill_download, methods=["GET"]),
        Route("/{base:path}/api/medical/bill/{batch}/{bill}", bill_download, methods=["GET"]),
        Route("/{path:path}", _call, methods=["POST"]),
    ]
    app = SandboxApp(routes=routes)
    app.state.sandbox = state
    return app
