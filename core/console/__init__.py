"""The 医保办 console: web pages for the people who run the day and close the month (issue 14).

Served by ``yibao serve`` under ``/console/`` (loopback by default, like the API): today's
settlements, the outcomes still unknown (and their 2601), person lookup with 5201 / 5203 / 5204,
month reconciliation (3201 / 3202), clearing (3260-3262), catalogues and acceptance runs.
Server-rendered Jinja2 templates with htmx, both shipped in the package (the 医保专网 has no
internet: nothing is fetched from a CDN, no build step).  Modules:

- :mod:`.web` (sessions, CSRF, sign-in, templates, how work runs), :mod:`.users` (users and the
  audit trail in the journal's database), :mod:`.jobs` (long work with progress), :mod:`.labels`;
- :mod:`.pages_day` (sign-in, today, unresolved, one message, audit), :mod:`.pages_lookup`
  (person and settlement queries), :mod:`.pages_books` (reconcile, clearing, catalogues, acceptance);
- :mod:`.evidence` (screenshots of these pages for the acceptance report, with Playwright).

The console never imports the service: it is handed the running service object (see
:func:`console_routers`), so ``yibao.core.service.app`` can mount it.  See ``docs/console.md``.
"""

from __future__ import annotations

import traceback
from typing import TYPE_CHECKING, Any

import structlog
from litestar import Request, Response, Router
from litestar.exceptions import HTTPException, NotFoundException, PermissionDeniedException
from litestar.response import Redirect
from litestar.static_files import create_static_files_router

from ..errors import YibaoError
from . import pages_books, pages_day, pages_lookup
from .users import Audit, Users, hash_password
from .web import STATIC, Console, LoginRequired, signed_in

if TYPE_CHECKING:
    from ..service.runtime import Service

__all__ = ["Audit", "Console", "Users", "console_routers", "hash_password"]

log = structlog.get_logger("yibao.console")


def _login_required(request: Request[Any, Any, Any], _exc: Exception) -> Response[Any]:
    target = "/console/login?next=" + request.url.path
    if request.headers.get("hx-request"):
        return Response("", status_code=401, headers={"HX-Redirect": target})
    return Redirect(target, status_code=303)


def _error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    console: Console = request.app.state.console
    if isinstance(exc, PermissionDeniedException):
        status = 403
        text = "表单已过期或来源不明，请刷新页面后重试 (the form expired or did not come from this console: reload)"
    elif isinstance(exc, NotFoundException):
        status, text = 404, str(exc.detail)
    elif isinstance(exc, HTTPException):
        status, text = exc.status_code, str(exc.detail)
    elif isinstance(exc, YibaoError):
        status, text = 424, f"{type(exc).__name__}: {exc}"
    else:
        where = [f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}" for f in traceback.extract_tb(exc.__traceback__)[-4:]]
        log.error("console_internal_error", error=type(exc).__name__, where=" < ".join(reversed(where)))
        status, text = 500, f"internal error ({type(exc).__name__})"
    return console.page(request, "error.html", status, message=text)


def console_routers(service: Service) -> tuple[list[Router], Console]:
    """The console's routers (pages, static assets) for ``service``; the app keeps the
    :class:`Console` in ``app.state.console`` and adds its :attr:`~Console.middleware`."""
    console = Console(service)
    pages = Router(
        path="/console", route_handlers=[*pages_day.ROUTES, *pages_lookup.ROUTES, *pages_books.ROUTES],
        guards=[signed_in], include_in_schema=False,
        exception_handlers={LoginRequired: _login_required, Exception: _error},
    )
    static = create_static_files_router(path="/console/static", directories=[STATIC], include_in_schema=False)
    return [pages, static], console
