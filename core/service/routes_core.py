"""``POST /v1/transactions/{infno}``, ``POST /v1/identify`` and the pharmacy sale
(contract "``yibao serve``"; national baseline 【1101】, 【2101】-【2103】)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, post
from litestar.params import FromPath, JSONBody, PathParameter

from .. import wire
from ..catalog.kinds import kind_of
from ..engine import Call
from ..workflows.settle import cancel_bill
from . import convert
from .bodies import CancelRequest, PharmacySettleRequest
from .context import RequestContext
from .convert import KEY_HEADER, MONEY_ERRORS, MONEY_KEY_HEADER, errors
from .models import IdentifyRequest, IdentifyResponse, SettlementOut, TransactionRequest, TransactionResponse
from .pipeline import Outcome, Route, execute, query
from .problems import validation
from .runtime import Service

__all__ = ["ROUTES"]

Req = Request[Any, Any, Any]

_Infno = Annotated[str, PathParameter(pattern=r"^\d{4,6}$", description="the transaction number, e.g. 1101, 2102")]


def _service(request: Req) -> Service:
    service: Service = request.app.state.service
    return service


@post("/v1/transactions/{infno:str}", status_code=200, tags=["transactions"],
      summary="One transaction, as `yibao call` sends it",
      responses=errors("not_found", *MONEY_ERRORS))
async def transaction(request: Req, infno: _Infno, data: JSONBody[TransactionRequest],
                      idempotency_key: Annotated[str | None, KEY_HEADER] = None) -> Response[TransactionResponse]:
    """Validates ``input`` against the spec catalogue, fills in the region's fixed values, journals
    the message when it changes state, signs and sends it; ``output`` is the reply's output.

    A transaction that moves money (2102, 2103, 2207, 2208, 2304, 2305, 2601) needs an
    ``Idempotency-Key``."""
    service = _service(request)
    tx = service.client.transactions.get(infno)  # the catalogue: the same in every worker
    money = (tx.kind if tx is not None else kind_of(infno)) == "money"
    # The input as its own text said it: amounts as Decimal (the struct's free-form object would
    # have read them as floats).
    raw = wire.loads(await request.body())
    payload = raw.get("input") if isinstance(raw, dict) else None

    def work(ctx: RequestContext) -> Outcome:
        reply = ctx.send(Call(infno, payload if isinstance(payload, dict) else {}, insuplc_admdvs=data.insuplc_admdvs))
        return Outcome(200, {"msgid": reply.msgid, "infno": infno, "output": reply.output}, msgid=reply.msgid)

    route = Route("/v1/transactions/{infno}", infno=infno, money=money)
    return await execute(service, request, route, work, operator=data.operator, params={"infno": infno})


@post("/v1/identify", status_code=200, tags=["identify"], summary="Identify a person (1101, with the region's "
      "token steps)", responses=errors("conflict", "business", "gateway_refused", "not_sent", "outcome_unknown"))
async def identify(request: Req, data: JSONBody[IdentifyRequest]) -> Response[IdentifyResponse]:
    """E-voucher token, ID card, social-security card or another document; the region's medium
    steps (Yunnan 1191) first, then 1101 人员信息获取, and the insurance record chosen by the
    Dongguan rule.  Send ``person`` back unchanged in the requests that follow."""
    service = _service(request)
    medium = convert.medium(data.medium)

    def work(ctx: RequestContext) -> Outcome:
        from ..workflows.identify import identify as run

        who = run(ctx, medium, insuplc_admdvs=data.insuplc_admdvs)
        return Outcome(200, {"person": convert.person(who), "insuinfo": [dict(r) for r in who.insuinfo],
                             "idetinfo": [dict(r) for r in who.idetinfo]})

    return await query(service, request, Route("/v1/identify", infno="1101"), work, operator=data.operator)


@post("/v1/pharmacy/settlements", status_code=200, tags=["pharmacy"], summary="Sell at the counter: 2101 → 2102",
      responses=errors(*MONEY_ERRORS))
async def pharmacy_settle(request: Req, data: JSONBody[PharmacySettleRequest],
                          idempotency_key: Annotated[str, MONEY_KEY_HEADER]) -> Response[SettlementOut]:
    """药店预结算 then 药店结算 of one bill.  The ``Idempotency-Key`` is the bill: sent again (a
    client-side timeout, a double click), the first answer comes back and nothing is charged twice."""
    service = _service(request)
    who, lines = convert.identity(data.person), convert.items(data.items)

    def work(ctx: RequestContext) -> Outcome:
        from ..workflows.pharmacy import PharmacyService

        s = PharmacyService(ctx).settle(who, lines, acct_used_flag=data.acct_used_flag, med_type=data.med_type,
                                        idem_key=idempotency_key, dise_codg=data.dise_codg, dise_name=data.dise_name)
        return Outcome(200, convert.settlement(s), msgid=s.msgid)

    return await execute(service, request, Route("/v1/pharmacy/settlements", infno="2102", money=True), work,
                         operator=data.operator)


@post("/v1/pharmacy/settlements/{setl_id:str}/cancel", status_code=200, tags=["pharmacy"],
      summary="Undo a sale: 2103", responses=errors(*MONEY_ERRORS))
async def pharmacy_cancel(request: Req, setl_id: FromPath[str], data: JSONBody[CancelRequest],
                          idempotency_key: Annotated[str, MONEY_KEY_HEADER]) -> Response[SettlementOut]:
    """药店结算撤销 of one settlement (``setl_id`` in the path; the body's ``setl_id`` must match)."""
    service = _service(request)
    if data.setl_id != setl_id:
        raise validation("the body's setl_id differs from the path's", "setl_id", "match")
    who = convert.identity(data.person)

    def work(ctx: RequestContext) -> Outcome:
        body = {"data": {"setl_id": setl_id, "mdtrt_id": data.mdtrt_id, "psn_no": who.psn_no}}
        s = cancel_bill(ctx, who, "2103", body)
        return Outcome(200, convert.settlement(s), msgid=s.msgid)

    return await execute(service, request, Route("/v1/pharmacy/settlements/{setl_id}/cancel", infno="2103",
                                                 money=True), work, operator=data.operator, params={"setl_id": setl_id})


ROUTES = [transaction, identify, pharmacy_settle, pharmacy_cancel]
