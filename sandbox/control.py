"""The control API under ``/_sandbox/`` (contract.md, "The sandbox's control API").

For tests and rehearsal only; it is not behind the x-tif gateway.  Errors are HTTP 400/404 with
``{"error": "..."}`` naming what is wrong.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from yibao.core import wire

from .faults import FaultPlan
from .seed import CATALOG

if TYPE_CHECKING:
    from .app import SandboxState

__all__ = ["json_response", "routes"]


def json_response(data: Any, status: int = 200) -> Response:
    """JSON with exact Decimal numbers (never through float)."""
    return Response(wire.dumps_bytes(data), status_code=status, media_type="application/json; charset=utf-8")


def _state(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


async def _body(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return {}
    return wire.loads(raw)


async def persons(request: Request) -> Response:
    """Seeded persons: psn_no, certno, psn_name, insutype, insuinfo, insuplc_admdvs, card_sn, balc..."""
    return json_response(_state(request).store.persons())


async def catalog(request: Request) -> Response:
    """The priced catalogue: med_list_codg, med_list_name, chrgitm_lv, selfpay_prop, pric_uplmt_amt..."""
    return json_response(list(CATALOG.values()))


async def ectoken(request: Request) -> Response:
    """A single-use e-voucher token for ``certno``, valid ``ectoken_ttl`` seconds (3 minutes)."""
    state = _state(request)
    try:
        body = await _body(request)
    except ValueError:
        return json_response({"error": "body: not JSON"}, 400)
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
    return [
        Route("/persons", persons, methods=["GET"]),
        Route("/catalog", catalog, methods=["GET"]),
        Route("/ectoken", ectoken, methods=["POST"]),
        Route("/faults", faults, methods=["GET", "POST"]),
        Route("/ledger", ledger, methods=["GET"]),
        Route("/reset", reset, methods=["POST"]),
    ]
