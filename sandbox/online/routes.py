"""HTTP of the online centres: the wire endpoint and their control calls (contract, "The
sandbox, further"; ``docs/sandbox.md``, "The online centres").

Wire: every ``POST`` whose path names an online centre (:meth:`.centre.OnlineCentre.route`) is
answered here instead of by the x-tif gateway; a ``GET`` of an issued e-invoice's
``pictureNetUrl`` (``{base}/api/medical/bill/{billBatchCode}/{billNo}.pdf``) downloads it.

Control (under ``/_sandbox/``, the control API's rules: token, body limits, ``{"error"}``):

======================================== ==============================================================
``GET mobilepay/credentials``             ``{"appId", "appSecret", "platform_public_key", "platform_private_key",
                                          "institution_public_key", "institution_private_key"}`` (the contract's)
``POST mobilepay/authorize``              ``{"certno"}`` -> ``{"authCode", "authUrl", "expires_in"}``: authorised
``POST mobilepay/callback``               ``{"notify_url", "sync_url"?, "orgCodg"?}``: where 6302 / 6204 are pushed
``POST mobilepay/cashier``                ``{"payOrdId", "paid": true, "notify": true}``: the patient pays; the pushes
``POST mobilepay/notify``                 ``{"payOrdId"}``: push the order's notices again (a fresh envelope)
``GET mobilepay/orders`` / ``notices``    the centre's orders / every push attempt with the answer
``GET einvoice/credentials`` / ``bills``  ``{"appid", "appKey"}`` / the issued bills
``POST rx/review`` / ``rx/dispense``      ``{"hiRxno", "passed", "opinion"}`` / ``{"hiRxno"}``
``POST local/face`` / ``local/logistics`` ``{"faceSn", "passed"}`` / ``{"logisticsSn", "delivered"}``
======================================== ==============================================================
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from ..bodies import TooLarge, read_body
from ..codec import dumps_bytes
from ..control import _BadBody, _body, _guarded, json_response
from ..mobilepay.credentials import credentials_payload
from . import channel, einvoice, local, rx
from .books import OnlineContext, Refused
from .centre import OnlineCentre, Served

if TYPE_CHECKING:
    from ..app import SandboxState

__all__ = ["bill_download", "control_routes", "serve_online"]

_HTML = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"


async def _dict_body(request: Request) -> dict[str, Any]:
    body = await _body(request)
    if not isinstance(body, dict):
        raise _BadBody(400, "body: must be a JSON object")
    return body


def _centre(request: Request) -> OnlineCentre:
    state: SandboxState = request.app.state.sandbox
    assert state.online is not None
    centre: OnlineCentre = state.online
    return centre


def _base(request: Request, base_path: str) -> str:
    return f"{request.url.scheme}://{request.url.netloc}{base_path}"


async def serve_online(request: Request, base_path: str) -> Response:
    """Answer a call to an online centre, faults included."""
    from ..app import drop_connection

    state: SandboxState = request.app.state.sandbox
    centre = _centre(request)
    try:
        body = await read_body(request, state.config.max_body_bytes)
    except TooLarge as exc:
        return json_response({"code": 1000, "message": f"报文超过大小限制(最大{exc.cap}字节)"})
    served: Served = await run_in_threadpool(centre.serve, body, request.url.path, _base(request, base_path))
    fault = served.fault
    if fault is not None:
        if fault.mode == "error_500":
            return Response(b"Internal Server Error", status_code=500, media_type="text/plain")
        if fault.mode == "html_page":
            return Response(_HTML, media_type="text/html")
        if fault.mode == "drop_after_commit":
            await drop_connection(request.scope)
            return Response(b"", status_code=204)
        if fault.mode == "delay":
            await asyncio.sleep(float(fault.seconds))
    data = dumps_bytes(served.body)
    if fault is not None and fault.mode == "truncated_json":
        data = data[: max(1, len(data) // 2)]
    return Response(data, media_type="application/json; charset=utf-8")


async def bill_download(request: Request) -> Response:
    """EB04: ``GET {base}/api/medical/bill/{batch}/{billNo}.pdf?random=``."""
    centre = _centre(request)
    parts = request.url.path.rstrip("/").split("/")
    batch, name = parts[-2], parts[-1]
    ctx = centre.context("EB04", _base(request, ""))
    data = await run_in_threadpool(einvoice.bill_file, ctx, batch, name.removesuffix(".pdf"),
                                   request.query_params.get("random", ""))
    if data is None:
        return json_response({"error": "no such bill"}, 404)
    return Response(data, media_type="application/pdf")


async def _run(request: Request, action: Any) -> Response:
    centre = _centre(request)
    try:
        result = await run_in_threadpool(centre.control, action, _base(request, ""))
    except Refused as exc:
        return json_response({"error": exc.message}, exc.code if 400 <= exc.code < 500 else 400)
    return json_response(result)


def _field(body: Any, name: str) -> Any:
    if not isinstance(body, dict) or not isinstance(body.get(name), str) or not body[name]:
        raise Refused(f"{name}: required string", 400)
    return body[name]


async def credentials(request: Request) -> Response:
    return json_response(credentials_payload(_centre(request).state_dir))


async def invoice_credentials(request: Request) -> Response:
    return json_response(dict(_centre(request).invoice_creds))


async def authorize(request: Request) -> Response:
    body = await _dict_body(request)
    return await _run(request, lambda ctx: channel.authorize(ctx, _field(body, "certno")))


async def callback(request: Request) -> Response:
    body = await _dict_body(request)

    def register(ctx: OnlineContext) -> Any:
        notify = channel.check_callback_url(body.get("notify_url") if isinstance(body, dict) else None,
                                            ctx.allow_remote_callbacks)
        sync = body.get("sync_url") or None
        if sync is not None:
            channel.check_callback_url(sync, ctx.allow_remote_callbacks)
        org = str(body.get("orgCodg") or "*")
        ctx.store.execute("INSERT OR REPLACE INTO mp_callbacks (org_codg, notify_url, sync_url) VALUES (?,?,?)",
                          (org, notify, sync))
        return {"orgCodg": org, "notify_url": notify, "sync_url": sync}

    return await _run(request, register)


async def cashier(request: Request) -> Response:
    body = await _dict_body(request)
    centre = _centre(request)
    pay_ord_id = _field_or_400(body, "payOrdId")
    if isinstance(pay_ord_id, Response):
        return pay_ord_id
    paid = body.get("paid", True) is not False
    response = await _run(request, lambda ctx: channel.cashier(ctx, pay_ord_id, paid))
    if response.status_code != 200 or body.get("notify", True) is False:
        return response
    pushes = await run_in_threadpool(channel.push_notices, centre.context("push", _base(request, "")), centre.creds,
                                     pay_ord_id)
    return json_response({**_json(response), "pushes": pushes})


async def notify(request: Request) -> Response:
    body = await _dict_body(request)
    centre = _centre(request)
    pay_ord_id = _field_or_400(body, "payOrdId")
    if isinstance(pay_ord_id, Response):
        return pay_ord_id
    try:
        pushes = await run_in_threadpool(channel.push_notices, centre.context("push", _base(request, "")),
                                         centre.creds, pay_ord_id)
    except Refused as exc:
        return json_response({"error": exc.message}, 404)
    return json_response({"pushes": pushes})


def _field_or_400(body: Any, name: str) -> Any:
    try:
        return _field(body, name)
    except Refused as exc:
        return json_response({"error": exc.message}, 400)


def _json(response: Response) -> dict[str, Any]:
    import json

    out: dict[str, Any] = json.loads(bytes(response.body))
    return out


async def orders(request: Request) -> Response:
    centre = _centre(request)
    from .books import Books

    return json_response(Books(centre.store).orders(request.query_params.get("orgCodg") or None))


async def notices(request: Request) -> Response:
    centre = _centre(request)
    pay = request.query_params.get("payOrdId")
    sql = "SELECT * FROM mp_notices" + (" WHERE pay_ord_id = ?" if pay else "") + " ORDER BY rowid"
    return json_response(centre.store.query(sql, (pay,) if pay else ()))


async def bills(request: Request) -> Response:
    return json_response(_centre(request).store.query("SELECT * FROM eb_bills ORDER BY created_time"))


async def rx_review(request: Request) -> Response:
    body = await _dict_body(request)
    return await _run(request, lambda ctx: rx.review(ctx, _field(body, "hiRxno"), body.get("passed", True) is not False,
                                                     str(body.get("opinion") or "审核通过")))


async def rx_dispense(request: Request) -> Response:
    body = await _dict_body(request)
    return await _run(request, lambda ctx: rx.dispense(ctx, _field(body, "hiRxno")))


async def face(request: Request) -> Response:
    body = await _dict_body(request)
    state = "1" if body.get("passed", True) is not False else "2"
    return await _run(request, lambda ctx: local.set_state(ctx, "XM02", _field(body, "faceSn"), state))


async def logistics(request: Request) -> Response:
    body = await _dict_body(request)
    state = "3" if body.get("delivered", True) is not False else "2"
    return await _run(request, lambda ctx: local.set_state(ctx, "XM21", _field(body, "logisticsSn"), state))


async def page(request: Request) -> Response:
    """The cashier's / authorisation's / face check's page (a placeholder the URLs point at)."""
    return HTMLResponse("<html><body><p>yibao sandbox: this page stands for the channel's app "
                        "(use the control API to act in it).</p></body></html>")


def control_routes() -> list[Route]:
    """The online centres' control calls, for ``Mount("/_sandbox", ...)``."""
    get, post = ["GET"], ["POST"]
    return [
        Route("/mobilepay/credentials", _guarded(credentials), methods=get),
        Route("/mobilepay/authorize", _guarded(authorize), methods=post),
        Route("/mobilepay/callback", _guarded(callback), methods=post),
        Route("/mobilepay/cashier", _guarded(cashier), methods=post),
        Route("/mobilepay/cashier", _guarded(page), methods=get),
        Route("/mobilepay/auth-page", _guarded(page), methods=get),
        Route("/mobilepay/notify", _guarded(notify), methods=post),
        Route("/mobilepay/orders", _guarded(orders), methods=get),
        Route("/mobilepay/notices", _guarded(notices), methods=get),
        Route("/einvoice/credentials", _guarded(invoice_credentials), methods=get),
        Route("/einvoice/bills", _guarded(bills), methods=get),
        Route("/rx/review", _guarded(rx_review), methods=post),
        Route("/rx/dispense", _guarded(rx_dispense), methods=post),
        Route("/local/face", _guarded(face), methods=post),
        Route("/local/face-page", _guarded(page), methods=get),
        Route("/local/logistics", _guarded(logistics), methods=post),
    ]
