"""What every console page shares: sessions, CSRF, sign-in, templates and the way work runs.

- **Sessions** are Litestar's client-side cookie sessions: the cookie is encrypted and
  authenticated (AES-GCM, ``cryptography``) under a key derived from ``[console] secret_env``'s
  value; it holds the user name and the sign-in time, nothing else.  ``HttpOnly``,
  ``SameSite=Strict``, path ``/console``; ``Secure`` when the service runs TLS.
- **CSRF**: Litestar's double-submit middleware on every console request that is not GET / HEAD:
  each form carries ``_csrf_token``, each htmx request the ``x-csrftoken`` header.
- **Sign-in** is required on every page but the sign-in page; a page asked for without it
  redirects there (an htmx request gets ``HX-Redirect``).
- **Work** runs like a service request: on a worker of the service (its own journal connection),
  in a thread, with the configuration's operator and terminal; long work goes to :mod:`.jobs`.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import structlog
from jinja2 import Environment, PackageLoader, select_autoescape
from litestar import Request, Response
from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers import BaseRouteHandler
from litestar.middleware import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.middleware.session.client_side import CookieBackendConfig
from litestar.utils.scope.state import ScopeState

from ..masking import mask_input
from .jobs import Jobs
from .labels import LABELS, suggested
from .users import Audit, Users

if TYPE_CHECKING:
    from ..service.context import RequestContext
    from ..service.runtime import Service

__all__ = ["Console", "LoginRequired", "Req", "console_of", "user_of"]

log = structlog.get_logger("yibao.console")
Req = Request[Any, Any, Any]
T = TypeVar("T")
STATIC = Path(__file__).parent / "static"
#: the paths the console's middleware leaves alone (the API, health, metrics)
OUTSIDE = r"^/(?!console(/|$))[^/]"


class LoginRequired(NotAuthorizedException):
    """No signed-in user (or the sign-in is older than ``[console] session_hours``)."""


class Console:
    """One instance's console: the service it runs on, its users, audit trail and jobs."""

    def __init__(self, service: Service) -> None:
        self.service = service
        cfg = service.config.console
        raw = os.environ.get(cfg.secret_env, "")
        if not raw:
            log.warning("console_secret_unset", variable=cfg.secret_env,
                        consequence="a random cookie key for this run: sign-ins end when the service restarts, "
                                    "and several instances do not share them")
            raw = secrets.token_hex(32)
        self.session_seconds = cfg.session_hours * 3600
        tls = bool(service.config.service.tls_cert)
        self.sessions = CookieBackendConfig(
            secret=hashlib.sha256(b"yibao console session\x00" + raw.encode()).digest(), key="yibao_console",
            path="/console", httponly=True, samesite="strict", secure=tls, max_age=self.session_seconds,
            exclude=OUTSIDE)
        self.csrf = CSRFConfig(secret=hashlib.sha256(b"yibao console csrf\x00" + raw.encode()).hexdigest(),
                               cookie_name="yibao_csrf", cookie_path="/console", cookie_samesite="strict",
                               cookie_secure=tls, cookie_httponly=True, exclude=OUTSIDE)
        db = service.client.engine.journal.database
        self.users = Users(db, cfg.users)
        self.audit = Audit(db)
        self.jobs = Jobs()
        #: the months whose 3260 rows were fetched on this instance (the clearing page pages through them)
        self.plans: dict[str, Any] = {}
        self.templates = Environment(loader=PackageLoader("yibao.core.console", "templates"),
                                     autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
        self.templates.globals.update(L=LABELS, suggested=suggested, region=service.config.region,
                                      institution=service.config.institution.fixmedins_name)
        self.templates.filters.update(masked=lambda v: mask_input(v, diagnoses=True), pretty=_pretty,
                                      t=lambda v: _beijing(v, "%H:%M:%S"),
                                      dt=lambda v: _beijing(v, "%Y-%m-%d %H:%M:%S"))
        #: failed sign-ins per user name: (count, first failure time); five in 5 minutes lock 5 minutes
        self._failures: dict[str, tuple[int, float]] = {}

    @property
    def middleware(self) -> list[DefineMiddleware]:
        """The session and CSRF middleware, for the application (Litestar copies a router's
        middleware, and the cookie cipher cannot be copied): they skip every path outside /console/."""
        return [self.sessions.middleware, DefineMiddleware(CSRFMiddleware, config=self.csrf)]

    # ------------------------------------------------------------------ pages

    def page(self, request: Req, template: str, status: int = 200, **values: Any) -> Response[str]:
        token = ScopeState.from_scope(request.scope).csrf_token
        html = self.templates.get_template(template).render(
            user=request.session.get("user") if "session" in request.scope else None,
            display=request.session.get("display") if "session" in request.scope else None,
            csrf=token if isinstance(token, str) else "", path=request.url.path, **values)
        return Response(html, status_code=status, media_type="text/html",
                        headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY",
                                 "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                                                            "style-src 'self'; script-src 'self'"})

    async def work(self, fn: Callable[[RequestContext], T]) -> T:
        """``fn`` on a service worker, in a thread, with the configured operator and terminal."""
        terminal = self.service.config.operator.terminal
        return await self.service.run(lambda w: fn(self.service.context(w, terminal, None, None)))

    def background_context(self) -> tuple[Any, Callable[[], None]]:
        """A context on a client of its own, for a job (it may run longer than any request)."""
        return self.service.detached()

    # ------------------------------------------------------------------ sign-in

    def locked(self, name: str) -> bool:
        count, first = self._failures.get(name, (0, 0.0))
        if time.time() - first > 300:
            self._failures.pop(name, None)
            return False
        return count >= 5

    def failed(self, name: str) -> None:
        count, first = self._failures.get(name, (0, time.time()))
        self._failures[name] = (count + 1, first)

    def succeeded(self, name: str) -> None:
        self._failures.pop(name, None)


_CST = timezone(timedelta(hours=8))


def _beijing(value: Any, fmt: str) -> str:
    # The 医保办 reads the centre's clock (UTC+8) whatever zone the host is in.
    return value.astimezone(_CST).strftime(fmt) if isinstance(value, datetime) else ""


def _pretty(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1, default=str)


def console_of(request: Req) -> Console:
    console: Console = request.app.state.console
    return console


def user_of(request: Req) -> str:
    return str(request.session.get("user") or "")


async def signed_in(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Guard of every console page but those marked ``public``."""
    if handler.opt.get("public"):
        return
    session = connection.session if "session" in connection.scope else {}
    console: Console = connection.app.state.console
    at = session.get("at")
    if not session.get("user") or not isinstance(at, int | float) or time.time() - at > console.session_seconds:
        raise LoginRequired("sign in first")
