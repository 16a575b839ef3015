"""The inpatient stay as a resource (national baseline 【2301】-【2305】, 【2401】-【2405】; spec_reference
§8-9); the table of every visit and stay endpoint is in :mod:`.routes_visits`, whose helpers these
routes share (each step names the stay by ``mdtrt_id`` and carries the person as identified; the
stay's fee lines live in the journal's database, so any instance may take any step)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Annotated, Any

from litestar import Request, Response, post
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, JSONBody

from ..workflows.inpatient import InpatientStay
from . import convert
from .bodies import (
    AdmitRequest,
    BatchOut,
    CancelRequest,
    DischargeRequest,
    RevokeRequest,
    SettleRequest,
    StayFeesRequest,
    StayOut,
    StayRequest,
)
from .context import RequestContext
from .convert import KEY_HEADER, MONEY_ERRORS, MONEY_KEY_HEADER, errors
from .models import SettlementOut
from .pipeline import Outcome
from .problems import validation
from .routes_visits import _STATE_ERRORS, _batches, _cancel, _ok, _run

__all__ = ["ROUTES"]

Req = Request[Any, Any, Any]
_I = "/v1/inpatient/stays"
_Key = Annotated[str | None, KEY_HEADER]
_MoneyKey = Annotated[str, MONEY_KEY_HEADER]


def _stay(ctx: RequestContext, body: StayRequest, mdtrt_id: str) -> InpatientStay:
    return InpatientStay(ctx, convert.identity(body.person), mdtrt_id, body.ipt_no, body.med_type, body.dept_codg,
                         body.dept_name)


@post(_I, status_code=200, tags=["inpatient"], summary="Admit: 2401", responses=_STATE_ERRORS)
async def admit(request: Req, data: JSONBody[AdmitRequest], idempotency_key: _Key = None
                ) -> Response[StayOut]:
    def work(ctx: RequestContext) -> Outcome:
        s = InpatientStay.admit(ctx, convert.identity(data.person), ipt_no=data.ipt_no,
                                diagnoses=convert.diagnoses(data.diagnoses), med_type=data.med_type,
                                dept_codg=data.dept_codg, dept_name=data.dept_name, bed=data.bed,
                                atddr_no=data.atddr_no, chfpdr_name=data.chfpdr_name)
        return Outcome(200, {"mdtrt_id": s.mdtrt_id, "ipt_no": s.ipt_no, "med_type": s.med_type,
                             "psn_no": s.identity.psn_no})

    return await _run(request, _I, "2401", work, data)


@post(f"{_I}/{{mdtrt_id:str}}/fees", status_code=200, tags=["inpatient"], summary="Upload one fee batch: 2301",
      responses=_STATE_ERRORS)
async def stay_fees(request: Req, mdtrt_id: FromPath[str], data: JSONBody[StayFeesRequest],
                    idempotency_key: _Key = None) -> Response[BatchOut]:

    def work(ctx: RequestContext) -> Outcome:
        lines = convert.items(data.items)
        result = _stay(ctx, data, mdtrt_id).upload_fees(lines)
        _batches(ctx).save(mdtrt_id, data.batch_no, "inpatient", {"lines": {i.feedetl_sn: i.amount for i in lines}})
        total = sum((i.amount for i in lines), Decimal("0"))
        return Outcome(200, {"mdtrt_id": mdtrt_id, "chrg_bchno": data.batch_no, "medfee_sumamt": total,
                             "result": [dict(r) for r in result if isinstance(r, dict)]})

    return await _run(request, f"{_I}/{{mdtrt_id}}/fees", "2301", work, data, mdtrt_id)


@post(f"{_I}/{{mdtrt_id:str}}/discharge", status_code=200, tags=["inpatient"], summary="Discharge: 2402",
      responses=_STATE_ERRORS)
async def discharge(request: Req, mdtrt_id: FromPath[str], data: JSONBody[DischargeRequest],
                    idempotency_key: _Key = None) -> Response[dict[str, Any]]:
    def work(ctx: RequestContext) -> Outcome:
        _stay(ctx, data, mdtrt_id).discharge(convert.diagnoses(data.diagnoses), dscg_way=data.dscg_way)
        return _ok(ctx, mdtrt_id=mdtrt_id)

    return await _run(request, f"{_I}/{{mdtrt_id}}/discharge", "2402", work, data, mdtrt_id)


def _stay_settle(request: Req, mdtrt_id: str, data: SettleRequest, key: str | None,
                 pre: bool) -> Coroutine[Any, Any, Response[Any]]:
    if not data.ipt_no:
        raise validation("ipt_no is required: the stay's 住院号", "ipt_no", "required")
    token = (lambda _who: data.ectoken) if data.ectoken else None

    def work(ctx: RequestContext) -> Outcome:
        stay = InpatientStay(ctx, convert.identity(data.person), mdtrt_id, data.ipt_no, data.med_type or "21",
                             data.dept_codg, data.dept_name, uploaded=_batches(ctx).inpatient_total(mdtrt_id))
        if pre:
            out = stay.pre_settle(acct_used_flag=data.acct_used_flag, psn_setlway=data.psn_setlway,
                                  mid_setl_flag=data.mid_setl_flag, ectoken_provider=token)
            return Outcome(200, {"msgid": ctx.sent[-1], "infno": "2303", "output": out})
        s = stay.settle(acct_used_flag=data.acct_used_flag, psn_setlway=data.psn_setlway,
                        mid_setl_flag=data.mid_setl_flag, idem_key=key, ectoken_provider=token)
        return Outcome(200, convert.settlement(s), msgid=s.msgid)

    path = f"{_I}/{{mdtrt_id}}/pre-settlement" if pre else f"{_I}/{{mdtrt_id}}/settlement"
    return _run(request, path, "2303" if pre else "2304", work, data, mdtrt_id, money=not pre)


@post(f"{_I}/{{mdtrt_id:str}}/pre-settlement", status_code=200, tags=["inpatient"], summary="Pre-settle: 2303",
      responses=_STATE_ERRORS)
async def stay_pre_settle(request: Req, mdtrt_id: FromPath[str], data: JSONBody[SettleRequest],
                          idempotency_key: _Key = None) -> Response[dict[str, Any]]:
    return await _stay_settle(request, mdtrt_id, data, idempotency_key, pre=True)


@post(f"{_I}/{{mdtrt_id:str}}/settlement", status_code=200, tags=["inpatient"], summary="Settle: 2303 → 2304",
      responses=errors(*MONEY_ERRORS))
async def stay_settle(request: Req, mdtrt_id: FromPath[str], data: JSONBody[SettleRequest],
                      idempotency_key: _MoneyKey) -> Response[SettlementOut]:
    return await _stay_settle(request, mdtrt_id, data, idempotency_key, pre=False)


@post(f"{_I}/{{mdtrt_id:str}}/settlement/cancel", status_code=200, tags=["inpatient"],
      summary="Undo the settlement: 2305", responses=errors(*MONEY_ERRORS))
async def stay_cancel(request: Req, mdtrt_id: FromPath[str], data: JSONBody[CancelRequest],
                      idempotency_key: _MoneyKey) -> Response[SettlementOut]:
    return await _cancel(request, f"{_I}/{{mdtrt_id}}/settlement/cancel", "2305", mdtrt_id, data)


def _simple(name: str, infno: str, summary: str, step: Callable[[InpatientStay, Any], None]) -> HTTPRouteHandler:
    async def handler(request: Req, mdtrt_id: FromPath[str], data: JSONBody[RevokeRequest],
                      idempotency_key: _Key = None) -> Response[dict[str, Any]]:
        def work(ctx: RequestContext) -> Outcome:
            stay = InpatientStay(ctx, convert.identity(data.person), mdtrt_id, data.ipt_no, data.med_type or "21",
                                 "A03", "内科")
            step(stay, data)
            if infno == "2302":
                _batches(ctx).revoke(mdtrt_id, feedetl_sn=data.feedetl_sn)
            return _ok(ctx, mdtrt_id=mdtrt_id)

        return await _run(request, f"{_I}/{{mdtrt_id}}/{name}", infno, work, data, mdtrt_id)

    handler.__name__ = f"stay_{name.replace('/', '_')}"
    return post(f"{_I}/{{mdtrt_id:str}}/{name}", status_code=200, tags=["inpatient"], summary=summary,
                responses=_STATE_ERRORS, operation_id=handler.__name__)(handler)


ROUTES = [
    admit, stay_fees, discharge, stay_pre_settle, stay_settle, stay_cancel,
    _simple("discharge/cancel", "2405", "Cancel the discharge: 2405", lambda s, _d: s.cancel_discharge()),
    _simple("fees/revoke", "2302", "Revoke fee lines: 2302", lambda s, d: s.revoke_fees(d.feedetl_sn)),
    _simple("cancel", "2404", "Cancel the admission: 2404", lambda s, _d: s.cancel_admission()),
]
