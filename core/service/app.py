"""The Litestar application of ``yibao serve`` (contract "``yibao serve``: the HIS service").

::

    GET  /healthz        no auth   200 {"status": "ok"}: the process answers
    GET  /readyz         no auth   200 when the journal takes a write and the gateway accepts a
                                   connection, else 503 (problem+json, kind not_sent)
    GET  /openapi.json   no auth   the OpenAPI 3.1 document, generated from the handlers
    GET  /docs           no auth   the same document as a page (served here, nothing fetched)
    GET  /metrics        no auth   Prometheus text format (:mod:`.metrics`)
    /v1/...              Bearer    transactions and workflows (:mod:`.routes_core`,
                                   :mod:`.routes_visits`, :mod:`.routes_books`)
    /console/...         sign-in   the 医保办 console (:mod:`yibao.core.console`), unless
                                   ``[console] enabled = false``

Every error is ``application/problem+json`` (:mod:`.problems`), including Litestar's own (a body
that does not fit its struct is 422 ``validation``; an unknown path 404 ``not_found``).
"""

from __future__ import annotations

import re
import traceback
from typing import Any

import structlog
from litestar import Litestar, MediaType, Request, Response, Router, get
from litestar.connection import ASGIConnection
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.handlers import BaseRouteHandler
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

from .. import __version__, wire
from ..console import console_routers
from ..errors import YibaoError
from . import routes_books, routes_core, routes_online, routes_stays, routes_visits
from .access import AccessLog
from .charset import JsonCharset, hint
from .docs_page import render_docs
from .metrics import CONTENT_TYPE
from .pipeline import problem_response
from .problems import Issue, ProblemError, from_yibao, problem
from .runtime import Service

__all__ = ["create_app"]

log = structlog.get_logger("yibao.service")


async def _auth(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    """Guard of ``/v1``: the bearer token decides the terminal (runs before the body is read; async,
    so Litestar does not hand it to a thread)."""
    service: Service = connection.app.state.service
    terminal = service.tokens.terminal_for(connection.headers.get("authorization"))
    connection.scope.setdefault("state", {})["terminal"] = terminal


def _problem_of(exc: Exception) -> tuple[Any, dict[str, str]]:
    if isinstance(exc, ProblemError):
        return problem(exc.kind, exc.detail, issues=exc.issues, msgid=exc.msgid), exc.headers
    if isinstance(exc, YibaoError):
        return from_yibao(exc), {}
    if isinstance(exc, ValidationException):
        return _validation_problem(exc), {}
    if isinstance(exc, NotFoundException):
        return problem("not_found", "no such endpoint (see /openapi.json)"), {}
    if isinstance(exc, HTTPException):
        if exc.status_code == 405:
            return problem("method_not_allowed", exc.detail), {}
        if exc.status_code in (400, 413, 415):
            detail = hint(exc.detail) if "UTF-8" in exc.detail else exc.detail
            return problem("validation", detail, issues=[Issue(field="body", rule="shape", message=detail)]), {}
        if exc.status_code == 401:
            return problem("unauthorized", exc.detail), {}
        return problem("not_found" if exc.status_code == 404 else "internal", exc.detail), {}
    where = [f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}" for f in traceback.extract_tb(exc.__traceback__)[-4:]]
    log.error("internal_error", error=type(exc).__name__, where=" < ".join(reversed(where)))
    return problem("internal", f"internal error ({type(exc).__name__})"), {}


# Litestar names a missing parameter only in its message ("Missing required query parameter
# 'text' for path /v1/...?q=..."): the field is taken from it; the query string is left out of
# every such answer (a HIS logs problem details, and a query may carry a bill number).
_MISSING = re.compile(r"Missing required (\w+) parameter '([^']+)'")
_QUERY = re.compile(r"\?\S*")


def _validation_problem(exc: ValidationException) -> Any:
    detail = _QUERY.sub("", exc.detail)
    missing = _MISSING.match(exc.detail)
    if missing:
        where, name = missing.groups()
        message = f"the {where} parameter {name!r} is required"
        return problem("validation", f"the request does not fit the API: {detail}",
                       issues=[Issue(field=name, rule="required", message=message)])
    extra = exc.extra if isinstance(exc.extra, list) else []
    issues = [_issue(e) for e in extra if isinstance(e, dict)] or [Issue(field="body", rule="shape", message=detail)]
    return problem("validation", f"the request does not fit the API: {detail}", issues=issues)


# msgspec names the struct, not the field, of an unknown or a missing field ("Object contains
# unknown field `ipt_otp_no`" at `$.items[0]`); Litestar calls the body itself "data".
_NAMED_FIELD = re.compile(r"(?:unknown|missing required) field `([^`]+)`")


def _issue(e: dict[str, Any]) -> Issue:
    message = str(e.get("message", ""))
    where = str(e.get("key") or e.get("source") or "body")
    where = "" if where in ("data", "body") else where
    named = _NAMED_FIELD.search(message)
    if named:
        where = f"{where}.{named.group(1)}" if where else named.group(1)
    return Issue(field=where or "body", rule="shape", message=message)


def _on_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    p, headers = _problem_of(exc)
    state = request.scope.setdefault("state", {})
    state.setdefault("outcome", p.kind)
    return problem_response(p, headers)


@get("/healthz", tags=["service"], summary="Liveness", media_type=MediaType.JSON)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@get("/readyz", tags=["service"], summary="Readiness: journal writable, gateway reachable")
async def readyz(request: Request[Any, Any, Any]) -> Response[Any]:
    service: Service = request.app.state.service
    checks = await service.run(service.ready)  # on a worker thread: it may wait for the network
    if checks["journal"] == "ok" and checks["gateway"] == "ok":
        return Response(content=wire.dumps_bytes({"status": "ready", **checks}), media_type=MediaType.JSON)
    p = problem("not_sent", f"not ready: journal {checks['journal']}, gateway {checks['gateway']}")
    return problem_response(p)


@get("/openapi.json", tags=["service"], summary="The OpenAPI document", include_in_schema=False)
async def openapi_json(request: Request[Any, Any, Any]) -> Response[Any]:
    schema = request.app.openapi_schema.to_schema()
    return Response(content=wire.dumps_bytes(schema, check_floats=False), media_type=MediaType.JSON)


@get("/docs", tags=["service"], summary="The API as a page", include_in_schema=False, media_type=MediaType.HTML)
async def docs(request: Request[Any, Any, Any]) -> str:
    return render_docs(request.app.openapi_schema.to_schema())


@get("/metrics", tags=["service"], summary="Prometheus metrics", include_in_schema=False)
async def metrics(request: Request[Any, Any, Any]) -> Response[Any]:
    service: Service = request.app.state.service
    body = await service.run(lambda _w: service.metrics.render())
    return Response(content=body, media_type=CONTENT_TYPE)


def create_app(service: Service, *, manage: bool = True, access_log: bool = True) -> Litestar:
    """The application for ``service``; with ``manage``, its start and stop follow the app's; without
    ``access_log``, no access lines (an embedded use such as ``yibao acceptance``'s screenshots)."""
    v1 = Router(path="/", route_handlers=[*routes_core.ROUTES, *routes_visits.ROUTES, *routes_stays.ROUTES,
                                                   *routes_books.ROUTES],
                guards=[_auth], security=[{"bearer": []}])
    openapi = OpenAPIConfig(
        # No browser viewer of Litestar's (they load scripts from a CDN; /docs is rendered here);
        # Litestar still answers /schema with the same JSON document.
        title="yibao HIS service", version=__version__, path="/schema", render_plugins=[JsonRenderPlugin(path=[])],
        description="两定医药机构接口 for any HIS: every yibao guarantee (journal before send, unknown outcomes "
                    "reversed with 2601, idempotent bills) over HTTP. Errors are application/problem+json with the "
                    "kind and exit_code of `yibao call`.",
        components=Components(security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer")}),
    )
    consoles, console = console_routers(service) if service.config.console.enabled else ([], None)
    return Litestar(
        route_handlers=[healthz, readyz, openapi_json, docs, metrics, v1, routes_online.router(service, _auth),
                        *consoles],
        openapi_config=openapi,
        exception_handlers={Exception: _on_error},
        middleware=[*([DefineMiddleware(AccessLog, metrics=service.metrics)] if access_log else []), JsonCharset,
                    *(console.middleware if console else [])],
        on_startup=[service.start] if manage else [],
        on_shutdown=[service.stop] if manage else [],
        state=_state(service, console),
        request_max_body_size=4 * 1024 * 1024,
        debug=False,
        logging_config=None,  # yibao configures logging (stderr, redacted); Litestar must not add its own
    )


def _state(service: Service, console: Any) -> Any:
    from litestar.datastructures import State

    return State({"service": service, "console": console})
