"""The outpatient visit (here) and the inpatient stay (:mod:`.routes_stays`) as resources
(national baseline 【2201】-【2208】, 【2301】-【2305】, 【2401】-【2405】; spec_reference §7-9).

Each step names the visit by ``mdtrt_id`` in the path and carries the person as identified; the
fee batches live in the journal's database (:mod:`.batches`), so any instance may take any step::

    POST /v1/outpatient/visits                                2201  register
    POST /v1/outpatient/visits/{mdtrt_id}/diagnoses           2203  diagnose
    POST /v1/outpatient/visits/{mdtrt_id}/fees                2204  one fee batch (chrg_bchno)
    POST /v1/outpatient/visits/{mdtrt_id}/pre-settlement      2206
    POST /v1/outpatient/visits/{mdtrt_id}/settlement          2206 → 2207  (Idempotency-Key required)
    POST /v1/outpatient/visits/{mdtrt_id}/settlement/cancel   2208         (Idempotency-Key required)
    POST /v1/outpatient/visits/{mdtrt_id}/fees/revoke         2205
    POST /v1/outpatient/visits/{mdtrt_id}/cancel              2202
    POST /v1/inpatient/stays                                  2401  admit
    POST /v1/inpatient/stays/{mdtrt_id}/fees                  2301  one fee batch (batch_no)
    POST /v1/inpatient/stays/{mdtrt_id}/discharge             2402
    POST /v1/inpatient/stays/{mdtrt_id}/pre-settlement        2303
    POST /v1/inpatient/stays/{mdtrt_id}/settlement            2303 → 2304  (Idempotency-Key required)
    POST /v1/inpatient/stays/{mdtrt_id}/settlement/cancel     2305         (Idempotency-Key required)
    POST /v1/inpatient/stays/{mdtrt_id}/discharge/cancel      2405
    POST /v1/inpatient/stays/{mdtrt_id}/fees/revoke           2302
    POST /v1/inpatient/stays/{mdtrt_id}/cancel                2404
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from litestar import Request, Response, post
from litestar.params import FromPath, JSONBody

from ..workflows.outpatient import OutpatientVisit
from ..workflows.settle import cancel_bill
from . import convert
from .batches import Batches
from .bodies import (
    BatchOut,
    CancelRequest,
    DiagnosesRequest,
    OutpatientFeesRequest,
    RegisterRequest,
    RevokeRequest,
    SettleRequest,
    VisitOut,
    VisitRequest,
)
from .context import RequestContext
from .convert import KEY_HEADER, MONEY_ERRORS, MONEY_KEY_HEADER, errors
from .models import SettlementOut
from .pipeline import Outcome, Route, execute
from .problems import validation
from .runtime import Service

__all__ = ["ROUTES"]  # the helpers below are shared with .routes_stays

Req = Request[Any, Any, Any]

_O = "/v1/outpatient/visits"
_STATE_ERRORS = errors("conflict", "business", "gateway_refused", "not_sent", "outcome_unknown")
_Key = Annotated[str | None, KEY_HEADER]
_MoneyKey = Annotated[str, MONEY_KEY_HEADER]
Work = Callable[[RequestContext], Outcome]


def _run(request: Req, path: str, infno: str, work: Work, body: Any, mdtrt_id: str = "",
         money: bool = False) -> Coroutine[Any, Any, Response[Any]]:
    service: Service = request.app.state.service
    params = {"mdtrt_id": mdtrt_id} if mdtrt_id else {}
    return execute(service, request, Route(path, infno=infno, money=money), work, operator=body.operator,
                   params=params)


def _batches(ctx: RequestContext) -> Batches:
    # on the worker's own journal connection, like everything else the request writes
    return Batches(ctx.journal.database)


def _visit(ctx: RequestContext, body: VisitRequest, mdtrt_id: str) -> OutpatientVisit:
    return OutpatientVisit(ctx, convert.identity(body.person), mdtrt_id, body.ipt_otp_no, body.med_type)


def _ok(ctx: RequestContext, **extra: Any) -> Outcome:
    return Outcome(200, {"msgid": ctx.sent[-1] if ctx.sent else "", **extra})


# ---------------------------------------------------------------------------- outpatient


@post(_O, status_code=200, tags=["outpatient"], summary="Register a visit: 2201", responses=_STATE_ERRORS)
async def register(request: Req, data: JSONBody[RegisterRequest], idempotency_key: _Key = None
                   ) -> Response[VisitOut]:
    def work(ctx: RequestContext) -> Outcome:
        v = OutpatientVisit.register(ctx, convert.identity(data.person), ipt_otp_no=data.ipt_otp_no,
                                     med_type=data.med_type, dept_code=data.dept_code, dept_name=data.dept_name,
                                     caty=data.caty, atddr_no=data.atddr_no, dr_name=data.dr_name)
        return Outcome(200, {"mdtrt_id": v.mdtrt_id, "ipt_otp_no": v.ipt_otp_no, "med_type": v.med_type,
                             "psn_no": v.identity.psn_no})

    return await _run(request, _O, "2201", work, data)


@post(f"{_O}/{{mdtrt_id:str}}/diagnoses", status_code=200, tags=["outpatient"], summary="Diagnose: 2203",
      responses=_STATE_ERRORS)
async def diagnose(request: Req, mdtrt_id: FromPath[str], data: JSONBody[DiagnosesRequest],
                   idempotency_key: _Key = None) -> Response[dict[str, Any]]:
    def work(ctx: RequestContext) -> Outcome:
        _visit(ctx, data, mdtrt_id).upload_visit(convert.diagnoses(data.diagnoses), main_cond_dscr=data.main_cond_dscr,
                                                 dise_codg=data.dise_codg, dise_name=data.dise_name)
        return _ok(ctx, mdtrt_id=mdtrt_id)

    return await _run(request, f"{_O}/{{mdtrt_id}}/diagnoses", "2203", work, data, mdtrt_id)


@post(f"{_O}/{{mdtrt_id:str}}/fees", status_code=200, tags=["outpatient"], summary="Upload one fee batch: 2204",
      responses=_STATE_ERRORS)
async def outpatient_fees(request: Req, mdtrt_id: FromPath[str], data: JSONBody[OutpatientFeesRequest],
                          idempotency_key: _Key = None) -> Response[BatchOut]:

    def work(ctx: RequestContext) -> Outcome:
        visit = _visit(ctx, data, mdtrt_id)
        result = visit.upload_fees(data.chrg_bchno, convert.items(data.items))
        sums = visit.batches[data.chrg_bchno]
        _batches(ctx).save(mdtrt_id, data.chrg_bchno, "outpatient", dict(sums))
        return Outcome(200, {"mdtrt_id": mdtrt_id, "chrg_bchno": data.chrg_bchno,
                             "medfee_sumamt": sums["medfee_sumamt"], "result": [dict(r) for r in result]})

    return await _run(request, f"{_O}/{{mdtrt_id}}/fees", "2204", work, data, mdtrt_id)


def _outpatient_settle(request: Req, mdtrt_id: str, data: SettleRequest, key: str | None,
                       pre: bool) -> Coroutine[Any, Any, Response[Any]]:
    if not data.chrg_bchno:
        raise validation("chrg_bchno is required: the fee batch to settle", "chrg_bchno", "required")
    token = (lambda _who: data.ectoken) if data.ectoken else None

    def work(ctx: RequestContext) -> Outcome:
        visit = _visit(ctx, data, mdtrt_id)
        visit.batches[data.chrg_bchno] = _batches(ctx).outpatient(mdtrt_id, data.chrg_bchno)
        if pre:
            out = visit.pre_settle(data.chrg_bchno, acct_used_flag=data.acct_used_flag, psn_setlway=data.psn_setlway,
                                   ectoken_provider=token)
            return Outcome(200, {"msgid": ctx.sent[-1], "infno": "2206", "output": out})
        s = visit.settle(data.chrg_bchno, acct_used_flag=data.acct_used_flag, psn_setlway=data.psn_setlway,
                         idem_key=key, ectoken_provider=token)
        return Outcome(200, convert.settlement(s), msgid=s.msgid)

    path = f"{_O}/{{mdtrt_id}}/pre-settlement" if pre else f"{_O}/{{mdtrt_id}}/settlement"
    return _run(request, path, "2206" if pre else "2207", work, data, mdtrt_id, money=not pre)


@post(f"{_O}/{{mdtrt_id:str}}/pre-settlement", status_code=200, tags=["outpatient"], summary="Pre-settle: 2206",
      responses=_STATE_ERRORS)
async def outpatient_pre_settle(request: Req, mdtrt_id: FromPath[str], data: JSONBody[SettleRequest],
                                idempotency_key: _Key = None) -> Response[dict[str, Any]]:
    return await _outpatient_settle(request, mdtrt_id, data, idempotency_key, pre=True)


@post(f"{_O}/{{mdtrt_id:str}}/settlement", status_code=200, tags=["outpatient"],
      summary="Settle one fee batch: 2206 → 2207", responses=errors(*MONEY_ERRORS))
async def outpatient_settle(request: Req, mdtrt_id: FromPath[str], data: JSONBody[SettleRequest],
                            idempotency_key: _MoneyKey) -> Response[SettlementOut]:
    return await _outpatient_settle(request, mdtrt_id, data, idempotency_key, pre=False)


def _cancel(request: Req, path: str, infno: str, mdtrt_id: str, data: CancelRequest
            ) -> Coroutine[Any, Any, Response[Any]]:
    if data.mdtrt_id and data.mdtrt_id != mdtrt_id:
        raise validation("the body's mdtrt_id differs from the path's", "mdtrt_id", "match")
    who = convert.identity(data.person)

    def work(ctx: RequestContext) -> Outcome:
        body = {"data": {"setl_id": data.setl_id, "mdtrt_id": mdtrt_id, "psn_no": who.psn_no}}
        s = cancel_bill(ctx, who, infno, body)
        return Outcome(200, convert.settlement(s), msgid=s.msgid)

    return _run(request, path, infno, work, data, mdtrt_id, money=True)


@post(f"{_O}/{{mdtrt_id:str}}/settlement/cancel", status_code=200, tags=["outpatient"],
      summary="Undo a settlement: 2208", responses=errors(*MONEY_ERRORS))
async def outpatient_cancel(request: Req, mdtrt_id: FromPath[str], data: JSONBody[CancelRequest],
                            idempotency_key: _MoneyKey) -> Response[SettlementOut]:
    return await _cancel(request, f"{_O}/{{mdtrt_id}}/settlement/cancel", "2208", mdtrt_id, data)


@post(f"{_O}/{{mdtrt_id:str}}/fees/revoke", status_code=200, tags=["outpatient"], summary="Revoke fees: 2205",
      responses=_STATE_ERRORS)
async def outpatient_revoke(request: Req, mdtrt_id: FromPath[str], data: JSONBody[RevokeRequest],
                            idempotency_key: _Key = None) -> Response[dict[str, Any]]:

    def work(ctx: RequestContext) -> Outcome:
        _visit(ctx, data, mdtrt_id).revoke_fees(data.chrg_bchno)
        _batches(ctx).revoke(mdtrt_id, chrg_bchno=data.chrg_bchno)
        return _ok(ctx, mdtrt_id=mdtrt_id)

    return await _run(request, f"{_O}/{{mdtrt_id}}/fees/revoke", "2205", work, data, mdtrt_id)


@post(f"{_O}/{{mdtrt_id:str}}/cancel", status_code=200, tags=["outpatient"], summary="Cancel the registration: 2202",
      responses=_STATE_ERRORS)
async def unregister(request: Req, mdtrt_id: FromPath[str], data: JSONBody[VisitRequest],
                     idempotency_key: _Key = None) -> Response[dict[str, Any]]:
    def work(ctx: RequestContext) -> Outcome:
        _visit(ctx, data, mdtrt_id).unregister()
        return _ok(ctx, mdtrt_id=mdtrt_id)

    return await _run(request, f"{_O}/{{mdtrt_id}}/cancel", "2202", work, data, mdtrt_id)


ROUTES = [
    register, diagnose, outpatient_fees, outpatient_pre_settle, outpatient_settle, outpatient_cancel,
    outpatient_revoke, unregister,
]
