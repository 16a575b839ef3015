"""The internet hospital as resources: ``client.online`` (yibao.core.online; online_settlement.md §2,
national 【6201】-【6401】, Xiamen spec 003) over HTTP, for a region with an online profile::

    POST /v1/online/authorizations                     CH10  the channel's code -> payAuthNo (once)
    POST /v1/online/consultations                      2201  the consultation's registration
    POST /v1/online/orders/{med_org_ord}/fees          6201  fee lines -> payOrdId, cashierUrl
    POST /v1/online/orders/{med_org_ord}/payment       6202  the split        (Idempotency-Key required)
    GET  /v1/online/orders/{med_org_ord}               the journal's order; ?refresh=true asks 6301 first
    POST /v1/online/orders/{med_org_ord}/resolve       a lost answer: 6301 (or the same 6201 / 6203 again)
    POST /v1/online/orders/{med_org_ord}/cancel        6401 / 6203 by ordStas, then 2202 (key required)
    POST /v1/online/orders/{med_org_ord}/refunds       6203, never beyond the settlement (key required)
    POST /v1/online/orders/{med_org_ord}/invoice       EB01  the e-invoice of the settled order
    GET  /v1/online/orders/{med_org_ord}/invoice       the bill; ?status=true asks EB03
    POST {notice_path}, {notice_path}/6302, /6204      the centre's pushes (no bearer: the SM2 signature)

The order lives in the journal's database (``online_orders``), so any instance may take any step.
A region without online settlement, or a deployment without ``[online] app_id``, answers every
``/v1/online/...`` 404 (``not_found``) naming why.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from litestar import Request, Response, Router, get, post, route
from litestar.params import FromQuery, JSONBody, PathParameter
from litestar.types import Guard

from ..journal import State
from ..masking import mask_id, mask_name
from ..online.flow import RxItem
from ..online.prescriptions import Prescription
from ..online.refunds import RefundParts
from ..online.states import OrderState
from ..workflows.outpatient import OutpatientVisit
from . import convert
from .bodies_online import (
    AuthorizationOut,
    AuthorizationRequest,
    BillOut,
    ConsultationOut,
    ConsultationRequest,
    InvoiceRequest,
    OnlineCancelOut,
    OnlineCancelRequest,
    OnlineFeesRequest,
    OrderOut,
    PaymentRequest,
    RefundRequest,
)
from .context import RequestContext
from .convert import KEY_HEADER, MONEY_ERRORS, MONEY_KEY_HEADER, errors
from .convert_online import amount, consultation, last_msgid, online_of, order_out
from .pipeline import Outcome, Route, execute, query
from .problems import ProblemError, validation
from .runtime import Service

__all__ = ["router"]

Req = Request[Any, Any, Any]
Work = Callable[[RequestContext], Outcome]

_B = "/v1/online"
_OR = f"{_B}/orders/{{med_org_ord}}"
_P = f"{_B}/orders/{{med_org_ord:str}}"  # the same, as Litestar declares it
_Ord = Annotated[str, PathParameter(pattern=r"^[0-9A-Za-z_.-]{1,40}$", description="医疗机构订单号 (medOrgOrd)")]
_Key = Annotated[str | None, KEY_HEADER]
_MoneyKey = Annotated[str, MONEY_KEY_HEADER]
_ERRORS = errors("not_found", *MONEY_ERRORS)


def _run(request: Req, path: str, infno: str, work: Work, mo: str = "", *, money: bool = False,
         rerun_safe: bool = False, operator: Any = None) -> Coroutine[Any, Any, Response[Any]]:
    return execute(request.app.state.service, request, Route(path, infno=infno, money=money, rerun_safe=rerun_safe),
                   work, operator=operator, params={"med_org_ord": mo} if mo else {})


# ---------------------------------------------------------------------------- the patient, the visit


@post(f"{_B}/authorizations", status_code=200, tags=["online"], summary="Exchange the channel's code: CH10",
      responses=errors("business", "gateway_refused", "not_sent", "outcome_unknown"))
async def authorize(request: Req, data: JSONBody[AuthorizationRequest]) -> Response[AuthorizationOut]:
    """Function 10: the authorisation code the patient got in the channel's app, exchanged once for
    ``payAuthNo``.  Like identify, a read answered in full (``payAuthNo`` is a bearer secret and is
    not stored for replay; the name and ID number are masked: the person is the one identified)."""
    def work(ctx: RequestContext) -> Outcome:
        a = online_of(ctx).authorize(data.auth_code)
        return Outcome(200, {**a.to_json(), "user_name": mask_name(a.user_name), "id_no": mask_id(a.id_no)})

    return await query(request.app.state.service, request, Route(f"{_B}/authorizations", infno="CH10"), work,
                       operator=data.operator)


@post(f"{_B}/consultations", status_code=200, tags=["online"], summary="Register the consultation: 2201",
      responses=errors(*MONEY_ERRORS))
async def consult(request: Req, data: JSONBody[ConsultationRequest], idempotency_key: _Key = None
                  ) -> Response[ConsultationOut]:
    """Function 11: 2201 医保挂号 (med_type 11) of the identified person with the doctor."""
    mo = data.med_org_ord

    def work(ctx: RequestContext) -> Outcome:
        online, who, dr = online_of(ctx), convert.identity(data.person), data.doctor
        visit = OutpatientVisit.register(ctx, who, ipt_otp_no=data.ipt_otp_no or f"HL{mo}"[:30], med_type="11",
                                         dept_code=dr.dept_code, dept_name=dr.dept_name, caty=dr.caty,
                                         atddr_no=dr.dr_code, dr_name=dr.dr_name)
        c = consultation(ctx, online, data, mo, visit.mdtrt_id, visit.ipt_otp_no)
        return Outcome(200, {"med_org_ord": mo, "mdtrt_id": visit.mdtrt_id, "ipt_otp_no": visit.ipt_otp_no,
                             "chrg_bchno": c.chrg_bchno, "psn_no": who.psn_no, "msgid": ctx.sent[-1]})

    return await _run(request, f"{_B}/consultations", "2201", work, operator=data.operator)


# ---------------------------------------------------------------------------- the order


@post(f"{_P}/fees", status_code=200, tags=["online"], summary="Upload the fee lines: 6201", responses=_ERRORS)
async def fees(request: Req, med_org_ord: _Ord, data: JSONBody[OnlineFeesRequest], idempotency_key: _Key = None
               ) -> Response[OrderOut]:
    """Function 14 (and 13: ``cashier_url``): 6201 费用明细上传; the same upload again answers the
    order it made, other content for the same ``med_org_ord`` is refused (409)."""
    items = [RxItem(i.med_list_codg, i.name, amount(i.cnt, f"items[{n}].cnt"), amount(i.pric, f"items[{n}].pric"),
                    i.medins_list_codg, drug=i.drug, hosp_appr_flag=i.hosp_appr_flag) for n, i in enumerate(data.items)]

    def work(ctx: RequestContext) -> Outcome:
        online = online_of(ctx)
        c = consultation(ctx, online, data, med_org_ord, data.mdtrt_id, data.ipt_otp_no)
        if data.hi_rxno:
            c.prescriptions.append(Prescription("", data.hi_rxno, "", "", ""))
        c.upload_fees(items, (data.diagnosis.code, data.diagnosis.name), acct_used_flag=data.acct_used_flag)
        return order_out(online, med_org_ord, last_msgid(online, med_org_ord, "6201"))

    return await _run(request, f"{_OR}/fees", "6201", work, med_org_ord, operator=data.operator)


@post(f"{_P}/payment", status_code=200, tags=["online"], summary="Place the order: 6202", responses=_ERRORS)
async def pay(request: Req, med_org_ord: _Ord, data: JSONBody[PaymentRequest], idempotency_key: _MoneyKey
              ) -> Response[OrderOut]:
    """Function 16: 6202 支付下单; the patient then pays at ``cashier_url``.  A lost answer is 504 and
    the order ``ORDER_UNKNOWN``: ``POST .../resolve`` asks 6301, nothing is undone blindly."""
    def work(ctx: RequestContext) -> Outcome:
        online = online_of(ctx, med_org_ord)
        online.orders.pay(med_org_ord, acct_used_flag=data.acct_used_flag)
        return order_out(online, med_org_ord, last_msgid(online, med_org_ord, "6202"))

    return await _run(request, f"{_OR}/payment", "6202", work, med_org_ord, money=True, operator=data.operator)


@get(_P, tags=["online"], summary="The order (6301 with refresh)", responses=errors("not_found", *MONEY_ERRORS))
async def order(request: Req, med_org_ord: _Ord, refresh: FromQuery[bool] = False) -> Response[OrderOut]:
    """The order as the journal knows it; ``refresh``: 6301 结算结果查询 first (functions 18, 19)."""
    def work(ctx: RequestContext) -> Outcome:
        online = online_of(ctx, med_org_ord)
        if refresh:
            online.orders.query(med_org_ord)
        return order_out(online, med_org_ord)

    return await query(request.app.state.service, request, Route(_OR, infno="6301" if refresh else ""), work)


@post(f"{_P}/resolve", status_code=200, tags=["online"], summary="Learn the centre's word: 6301",
      responses=_ERRORS)
async def resolve(request: Req, med_org_ord: _Ord, idempotency_key: _Key = None) -> Response[OrderOut]:
    """After a lost answer: 6301 for a 6202 / 6401, the same 6201 or 6203 again (same serial) for
    those; for any other order with a ``payOrdId``, 6301.  Safe to repeat."""
    def work(ctx: RequestContext) -> Outcome:
        online = online_of(ctx, med_org_ord)
        row = online.orders.row(med_org_ord)
        if OrderState(row["state"]).unknown:
            online.orders.resolve(med_org_ord)
        elif row.get("pay_ord_id"):
            online.orders.query(med_org_ord)
        return order_out(online, med_org_ord)

    return await _run(request, f"{_OR}/resolve", "6301", work, med_org_ord, rerun_safe=True)


@post(f"{_P}/cancel", status_code=200, tags=["online"], summary="Undo: 6401 / 6203 by ordStas, then 2202",
      responses=_ERRORS)
async def cancel(request: Req, med_org_ord: _Ord, data: JSONBody[OnlineCancelRequest], idempotency_key: _MoneyKey
                 ) -> Response[OnlineCancelOut]:
    """Functions 12, 15, 17: 6401 before payment, 6203 of all that is left after (the centre's
    ``ordStas`` decides; a lost answer is resolved first), then with ``unregister`` 2202 of the visit
    once the order is CANCELLED or REFUNDED."""
    if data.unregister and data.person is None:
        raise validation("person is required to cancel the registration (2202); or unregister false", "person",
                         "required")

    def work(ctx: RequestContext) -> Outcome:
        online = online_of(ctx, med_org_ord)
        o = online.orders.cancel(med_org_ord)
        gone = None
        if data.unregister and data.person is not None and OrderState(o.state).final:
            row = online.orders.row(med_org_ord)
            done = ctx.client.journal.list(infno="2202", mdtrt_id=row["mdtrt_id"], state=State.SUCCEEDED, limit=1)
            if done:
                gone = done[0].msgid
            else:
                ipt = data.ipt_otp_no or str(row["order_input"].get("iptOtpNo") or "")
                OutpatientVisit(ctx, convert.identity(data.person), row["mdtrt_id"], ipt, "11").unregister()
                gone = ctx.sent[-1]
        last = max((m for m in (last_msgid(online, med_org_ord, i) for i in ("6401", "6203")) if m), default=None)
        return Outcome(200, {"order": order_out(online, med_org_ord, last).payload, "unregistered": gone},
                       msgid=gone or last)

    return await _run(request, f"{_OR}/cancel", "6401", work, med_org_ord, money=True, operator=data.operator)


@post(f"{_P}/refunds", status_code=200, tags=["online"], summary="Refund parts: 6203", responses=_ERRORS)
async def refund(request: Req, med_org_ord: _Ord, data: JSONBody[RefundRequest], idempotency_key: _MoneyKey
                 ) -> Response[OrderOut]:
    """Function 17: 6203 医保退费 of ``cash`` / ``acct`` / ``fund``; never more than is left of each
    part (422 naming the part, nothing sent), the parts adding up to ``totlRefdAmt``."""
    parts = RefundParts(amount(data.cash, "cash"), amount(data.acct, "acct"), amount(data.fund, "fund"),
                        data.refd_type)

    def work(ctx: RequestContext) -> Outcome:
        online = online_of(ctx, med_org_ord)
        online.orders.refund(med_org_ord, parts)
        return order_out(online, med_org_ord, last_msgid(online, med_org_ord, "6203"))

    return await _run(request, f"{_OR}/refunds", "6203", work, med_org_ord, money=True, operator=data.operator)


@post(f"{_P}/invoice", status_code=200, tags=["online"], summary="Issue the e-invoice: EB01", responses=_ERRORS)
async def invoice(request: Req, med_org_ord: _Ord, data: JSONBody[InvoiceRequest], idempotency_key: _Key = None
                  ) -> Response[BillOut]:
    """Function 26: EB01 开具电子票据 of the settled order, once (again: the first bill).  A lost
    answer is not resolved by itself: the vendor refuses a second issue of the order (424); the
    operator looks the bill up at the vendor."""
    def work(ctx: RequestContext) -> Outcome:
        bill = online_of(ctx, med_org_ord).invoices.issue(med_org_ord, payer=data.payer, cash_channel=data.cash_channel)
        return Outcome(200, bill.to_json())

    return await _run(request, f"{_OR}/invoice", "EB01", work, med_org_ord, operator=data.operator)


@get(f"{_P}/invoice", tags=["online"], summary="The e-invoice (EB03 with status)", responses=_ERRORS)
async def invoice_show(request: Req, med_org_ord: _Ord, status: FromQuery[bool] = False) -> Response[BillOut]:
    def work(ctx: RequestContext) -> Outcome:
        invoices = online_of(ctx, med_org_ord).invoices
        bill = invoices.bill(med_org_ord)
        if bill is None:
            raise ProblemError("not_found", f"order {med_org_ord} has no issued e-invoice")
        return Outcome(200, {**bill.to_json(), "status": dict(invoices.status(bill)) if status else None})

    return await query(request.app.state.service, request, Route(f"{_OR}/invoice", infno="EB03" if status else ""),
                       work)


# ---------------------------------------------------------------------------- mounting


def _receiver(path: str, interface: str) -> Any:
    """The centre's push of ``interface`` at ``path``: opened, checked and answered signed by
    :class:`~yibao.core.online.receiver.NoticeReceiver`, on a worker like any request."""
    async def notice(request: Req) -> Response[bytes]:
        service: Service = request.app.state.service
        body = await request.body()
        answer = await service.run(lambda w: w.client.online.receiver.receive(body, interface))
        return Response(answer, media_type="application/json; charset=utf-8")

    return post([path] if interface == "6204" else [path, f"{path}/6302"], status_code=200, include_in_schema=False,
                name=f"online-notice-{interface}")(notice)


def router(service: Service, guard: Guard) -> Router:
    """The online resources of ``service``'s region (``guard``: the bearer check of ``/v1``), and the
    receiver of the centre's pushes at the profile's ``notice_path`` (signed envelopes, no bearer).
    The institution's keys are read here, so a missing one stops ``yibao serve`` at start (exit 2)."""
    profile, code = service.client.profile.online, service.config.region
    if profile is None or not service.config.online.configured:
        why = (f"region {code} has no online settlement" if profile is None else
               f"online settlement of region {code} is not configured ([online] app_id)")

        @route([_B, f"{_B}/{{rest:path}}"], http_method=["GET", "POST", "PUT", "PATCH", "DELETE"],
               include_in_schema=False)
        async def absent(request: Req) -> Response[Any]:
            raise ProblemError("not_found", why)

        return Router(path="/", route_handlers=[absent], guards=[guard])
    service.client.online  # noqa: B018  (opens the online parties: their keys are read now)
    handlers = [authorize, consult, fees, pay, order, resolve, cancel, refund, invoice, invoice_show]
    base = profile.notice_path.rstrip("/")
    return Router(path="/", route_handlers=[
        Router(path="/", route_handlers=handlers, guards=[guard], security=[{"bearer": []}]),
        _receiver(base, "6302"), _receiver(f"{base}/6204", "6204")])
