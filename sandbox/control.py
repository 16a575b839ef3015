"""The control API under ``/_sandbox/`` (contract.md, "The sandbox's control API").

For tests and rehearsal only; it is not behind the x-tif gateway.  Errors are HTTP 4xx with
``{"error": "..."}`` naming what is wrong: 400 for a body that is not JSON (or nested deeper
than ``max_json_depth``), 413 for one over ``control_max_body_bytes``, 404 for an unknown
person, 401 for a missing or wrong ``X-Sandbox-Token`` when the instance has a
``control_token`` (contract.md, "The sandbox, further": a bind to a host other than loopback
requires one).  The token is compared in constant time.
"""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .bodies import TooLarge, read_body
from .codec import BodyError, decode_untrusted, dumps_bytes
from .faults import FaultPlan
from .seed import CATALOG

if TYPE_CHECKING:
    from .app import SandboxState

__all__ = ["TOKEN_HEADER", "json_response", "routes", "token_ok"]

TOKEN_HEADER = "x-sandbox-token"
Endpoint = Callable[[Request], Awaitable[Response]]


class _BadBody(Exception):
    def __init__(self, status: int, error: str) -> None:
        super().__init__(error)
        self.status = status
        self.error = error


def json_response(data: Any, status: int = 200) -> Response:
    """JSON with exact Decimal numbers (never through float)."""
    return Response(dumps_bytes(data), status_code=status, media_type="application/json; charset=utf-8")


def token_ok(expected: str | None, given: str | None) -> bool:
    """No token configured, or ``given`` equals it (constant time, compared as bytes)."""
    if expected is None:
        return True
    if given is None:
        return False
    # Starlette decodes header values as latin-1: back to the bytes that were sent.
    return hmac.compare_digest(given.encode("latin-1"), expected.encode("utf-8"))


def _guarded(endpoint: Endpoint) -> Endpoint:
    """The token rule and the body errors of every control endpoint."""

    @functools.wraps(endpoint)
    async def guarded(request: Request) -> Response:
        if not token_ok(_state(request).config.control_token, request.headers.get(TOKEN_HEADER)):
            return json_response({"error": "X-Sandbox-Token: missing or wrong"}, 401)
        try:
            return await endpoint(request)
        except _BadBody as exc:
            return json_response({"error": exc.error}, exc.status)

    return guarded


def _state(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


async def _body(request: Request) -> Any:
    config = _state(request).config
    try:
        raw = await read_body(request, config.control_max_body_bytes)
    except TooLarge as exc:
        raise _BadBody(413, f"body: larger than {exc.cap} bytes") from None
    if not raw.strip():
        return {}
    try:
        return decode_untrusted(raw, max_bytes=config.control_max_body_bytes, max_depth=config.max_json_depth)
    except BodyError as exc:
        raise _BadBody(400, f"body: {exc}") from None


async def persons(request: Request) -> Response:
    """Seeded persons: psn_no, certno, psn_name, insutype, insuinfo, insuplc_admdvs, card_sn, balc..."""
    return json_response(_state(request).store.persons())


async def catalog(request: Request) -> Response:
    """The priced catalogue: med_list_codg, med_list_name, chrgitm_lv, selfpay_prop, pric_uplmt_amt..."""
    return json_response(list(CATALOG.values()))


async def ectoken(request: Request) -> Response:
    """A single-use e-voucher token for ``certno``, valid ``ectoken_ttl`` seconds (3 minutes)."""
    state = _state(request)
    body = await _body(request)
    certno = body.get("certno") if isinstance(body, dict) else None
    if not isinstance(certno, str) or not certno:
        return json_response({"error": "certno: required string"}, 400)
    person = state.store.person_by_certno(certno)
    if person is None:
        return json_response({"error": "certno: no seeded person has this certno"}, 404)
    token = "ECT" + secrets.token_hex(16).upper()
    with state.store.transaction():
        state.store.execute(
            "INSERT INTO ectokens(ectoken, psn_no, expires, used) VALUES (?,?,?,0)",
            (token, person["psn_no"], state.config.clock() + state.config.ectoken_ttl),
        )
    return json_response({"ectoken": token, "expires_in": state.config.ectoken_ttl})


async def faults(request: Request) -> Response:
    """POST arms a fault; GET lists the armed ones."""
    state = _state(request)
    if request.method == "GET":
        return json_response({"armed": state.faults.armed()})
    try:
        fault = FaultPlan.parse(await _body(request))
    except ValueError as exc:
        return json_response({"error": str(exc)}, 400)
    state.faults.arm(fault)
    return json_response({"armed": state.faults.armed()})


async def ledger(request: Request) -> Response:
    """The centre's settlements (``?fixmedins_code=`` narrows to one institution)."""
    code = request.query_params.get("fixmedins_code") or None
    rows = _state(request).store.ledger(code)
    for r in rows:
        r.pop("detail", None)
    return json_response(rows)


async def reset(request: Request) -> Response:
    """Back to the seeded state: books emptied and re-seeded, faults disarmed."""
    state = _state(request)
    state.store.reset()
    state.faults.clear()
    return json_response({"reset": True})


def routes() -> list[Route]:
    from .control_rehearsal import rehearsal_routes

    return [
        Route("/persons", _guarded(persons), methods=["GET"]),
        Route("/catalog", _guarded(catalog), methods=["GET"]),
        Route("/ectoken", _guarded(ectoken), methods=["POST"]),
        *[Route(path, _guarded(endpoint), methods=methods) for path, endpoint, methods in rehearsal_routes()],
        Route("/faults", _guarded(faults), methods=["GET", "POST"]),
        Route("/ledger", _guarded(ledger), methods=["GET"]),
        Route("/reset", _guarded(reset), methods=["POST"]),
    ]
