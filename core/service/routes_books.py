"""The journal, reconciliation, clearing and the catalogue as resources (contract "``yibao serve``";
the same work as ``yibao journal``, ``yibao reconcile``, ``yibao clear``, ``yibao catalog``)::

    GET  /v1/journal                      entries, newest first (state, infno, idem_key, mdtrt_id, setl_id)
    GET  /v1/journal/{msgid}              one entry, its input and reply masked
    POST /v1/journal/recover              interrupted rows, then every due 2601
    POST /v1/journal/{msgid}/reverse      this entry's 2601 now
    POST /v1/journal/{msgid}/resolve      a NEEDS_ATTENTION entry settled by what the centre holds
    POST /v1/reconcile                    3201 for a month or a day (9101 / 3202 / 9102 where unbalanced)
    POST /v1/clearing/{month}             3260 (plan), with ``confirm`` 3261
    POST /v1/clearing/{month}/rollback    3262
    POST /v1/catalog/sync                 1301-1319 / 1901
    GET  /v1/catalog/search               local catalogue lookup
    GET  /v1/catalog/status               the last sync of every kind
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody, PathParameter, QueryParameter

from ..journal import Entry, State
from ..masking import mask_input
from ..workflows.catalogue import CatalogService
from ..workflows.clear import ClearingService
from ..workflows.reconcile import ReconcileService
from .bodies import (
    CatalogSyncRequest,
    ClearRequest,
    EntryOut,
    ReconcileRequest,
    RecoverRequest,
    ResolveRequest,
    RollbackRequest,
)
from .context import RequestContext
from .convert import KEY_HEADER, MONEY_ERRORS, errors
from .pipeline import Outcome, Route, execute, query
from .problems import ProblemError, validation
from .runtime import Service

__all__ = ["ROUTES"]

Req = Request[Any, Any, Any]

_READ_ERRORS = errors("not_found")
_Key = Annotated[str | None, KEY_HEADER]
_Q = FromQuery[str | None]
_Month = Annotated[str, PathParameter(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]


def _month(month: str) -> str:
    """A real ``YYYY-MM`` (the path pattern lets 0000-01 through; the calendar does not)."""
    from ..workflows.reconcile import month_bounds

    try:
        month_bounds(month)
    except ValueError as exc:
        raise validation(str(exc), "month", "format") from None
    return month


def _service(request: Req) -> Service:
    service: Service = request.app.state.service
    return service


def entry_out(e: Entry, *, full: bool = False) -> dict[str, Any]:
    """An entry as the HIS sees it: masked input (with ``full``), masked output, no full payload."""
    out: dict[str, Any] = {
        "msgid": e.msgid, "infno": e.infno, "state": e.state.value, "kind": e.kind, "terminal": e.terminal,
        "opter": e.opter, "created_at": e.created_at.isoformat(), "updated_at": e.updated_at.isoformat(),
        "psn_no": e.psn_no, "mdtrt_id": e.mdtrt_id, "setl_id": e.setl_id, "idem_key": e.idem_key,
        "err_msg": e.err_msg, "medfee_sumamt": e.medfee_sumamt,
        "omsgid": e.omsgid, "reversed_by": e.reversed_by, "notes": e.notes,
    }  # fmt: skip
    if full:
        out["input_masked"] = e.input_masked
        out["output"] = mask_input(e.output) if e.output is not None else None
    return out


@get("/v1/journal", tags=["journal"], summary="Journal entries, newest first", responses=_READ_ERRORS)
async def journal_list(request: Req, entry_state: Annotated[str | None, QueryParameter(name="state")] = None,
                       infno: _Q = None, idem_key: _Q = None, mdtrt_id: _Q = None, setl_id: _Q = None,
                       limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 200) -> Response[list[EntryOut]]:
    """The same rows as ``yibao journal list --json`` (personal data masked)."""
    service = _service(request)
    try:
        st = State(entry_state.upper()) if entry_state else None
    except ValueError:
        raise validation(f"state must be one of {', '.join(s.value for s in State)}", "state", "enum") from None

    def work(ctx: RequestContext) -> Outcome:
        rows = ctx.client.journal.list(state=st, infno=infno, limit=limit, idem_key=idem_key,
                                           mdtrt_id=mdtrt_id, setl_id=setl_id)
        return Outcome(200, [entry_out(e) for e in rows])

    return await query(service, request, Route("/v1/journal"), work)


@get("/v1/journal/{msgid:str}", tags=["journal"], summary="One journal entry", responses=_READ_ERRORS)
async def journal_show(request: Req, msgid: FromPath[str]) -> Response[EntryOut]:
    service = _service(request)

    def work(ctx: RequestContext) -> Outcome:
        entry = ctx.client.journal.get(msgid)
        if entry is None:
            raise ProblemError("not_found", f"no journal entry with msgid {msgid}")
        return Outcome(200, entry_out(entry, full=True), msgid=msgid)

    return await query(service, request, Route("/v1/journal/{msgid}"), work)


@post("/v1/journal/recover", status_code=200, tags=["journal"], summary="Resolve every unknown outcome (2601)",
      responses=errors(*MONEY_ERRORS))
async def journal_recover(request: Req, data: JSONBody[RecoverRequest], idempotency_key: _Key = None
                          ) -> Response[dict[str, Any]]:
    """``yibao journal recover``: rows a stopped process left in flight, then every due 2601 (with
    ``wait``, also those falling due within ``max_wait`` seconds).  ``unresolved`` lists what is left."""
    service = _service(request)

    def work(ctx: RequestContext) -> Outcome:
        r = ctx.client.journal.recover(wait=data.wait, max_wait=float(data.max_wait))
        return Outcome(200, {"reversed": r.reversed, "pending": r.pending, "needs_attention": r.needs_attention,
                             "not_sent": r.not_sent, "follow_ups": r.follow_ups, "unresolved": r.unresolved})

    return await execute(service, request, Route("/v1/journal/recover", infno="2601", rerun_safe=True), work)


@post("/v1/journal/{msgid:str}/reverse", status_code=200, tags=["journal"], summary="Send this entry's 2601 now",
      responses=errors("not_found", *MONEY_ERRORS))
async def journal_reverse(request: Req, msgid: FromPath[str], idempotency_key: _Key = None
                          ) -> Response[dict[str, Any]]:
    service = _service(request)

    def work(ctx: RequestContext) -> Outcome:
        if ctx.client.journal.get(msgid) is None:
            raise ProblemError("not_found", f"no journal entry with msgid {msgid}")
        st = ctx.client.journal.reverse_now(msgid)
        return Outcome(200, {"msgid": msgid, "state": st.value}, msgid=msgid)

    return await execute(service, request, Route("/v1/journal/{msgid}/reverse", infno="2601", rerun_safe=True),
                         work, params={"msgid": msgid})


@post("/v1/journal/{msgid:str}/resolve", status_code=200, tags=["journal"],
      summary="Settle a NEEDS_ATTENTION entry by what the centre holds (nothing sent)",
      responses=errors("not_found", "conflict", "validation"))
async def journal_resolve(request: Req, msgid: FromPath[str], data: JSONBody[ResolveRequest],
                          idempotency_key: _Key = None) -> Response[EntryOut]:
    """``yibao journal resolve``: once the centre has been asked about an entry whose 2601 keeps
    meeting "original not found", say what it holds; the person may settle again.  409 for an
    entry in any other state (UNKNOWN / REVERSING are still the reversal queue's)."""
    from ..journal.by_hand import MIN_NOTE

    service = _service(request)
    if len(" ".join(data.note.split())) < MIN_NOTE:
        raise validation(f"say what was checked and with whom (at least {MIN_NOTE} characters)", "note", "min_length")

    def work(ctx: RequestContext) -> Outcome:
        journal = ctx.client.journal
        if journal.get(msgid) is None:
            raise ProblemError("not_found", f"no journal entry with msgid {msgid}")
        who = ctx.operator.opter if ctx.operator is not None else service.config.operator.opter
        entry = journal.resolve(msgid, data.finding, data.note, opter=who)
        return Outcome(200, entry_out(entry), msgid=msgid)

    return await execute(service, request, Route("/v1/journal/{msgid}/resolve", rerun_safe=True), work,
                         operator=data.operator, params={"msgid": msgid})


@post("/v1/reconcile", status_code=200, tags=["reconcile"], summary="Reconcile a month or a day (3201 ...)",
      responses=errors(*MONEY_ERRORS))
async def reconcile(request: Req, data: JSONBody[ReconcileRequest], idempotency_key: _Key = None
                    ) -> Response[dict[str, Any]]:
    """``balanced`` false is an answer, not an error: each difference is named."""
    service = _service(request)
    if (data.month is None) == (data.day is None):
        raise validation("give exactly one of month (YYYY-MM) or day (YYYY-MM-DD)", "month", "one_of")
    try:
        day = date.fromisoformat(data.day) if data.day else None
    except ValueError as exc:
        raise validation(str(exc), "day", "format") from None
    if data.month:
        _month(data.month)

    def work(ctx: RequestContext) -> Outcome:
        svc = ReconcileService(ctx)
        report = svc.month(data.month) if data.month else svc.day(day)
        return Outcome(200, report.to_dict())

    return await execute(service, request, Route("/v1/reconcile", infno="3201", rerun_safe=True), work)


@post("/v1/clearing/{month:str}", status_code=200, tags=["clearing"], summary="异地清分 of a month: 3260 (+ 3261)",
      responses=errors(*MONEY_ERRORS))
async def clearing(request: Req, month: _Month, data: JSONBody[ClearRequest], idempotency_key: _Key = None
                   ) -> Response[dict[str, Any]]:
    service, month = _service(request), _month(month)

    def work(ctx: RequestContext) -> Outcome:
        svc = ClearingService(ctx)
        plan = svc.plan(month)
        if data.confirm:
            svc.confirm(plan)
        return Outcome(200, plan.to_dict())

    return await execute(service, request, Route("/v1/clearing/{month}", infno="3261"), work, params={"month": month})


@post("/v1/clearing/{month:str}/rollback", status_code=200, tags=["clearing"], summary="Roll back a confirmation: 3262",
      responses=errors(*MONEY_ERRORS))
async def clearing_rollback(request: Req, month: _Month, data: JSONBody[RollbackRequest],
                            idempotency_key: _Key = None) -> Response[dict[str, Any]]:
    service, month = _service(request), _month(month)

    def work(ctx: RequestContext) -> Outcome:
        ClearingService(ctx).rollback(month, data.otransid)
        return Outcome(200, {"month": month, "otransid": data.otransid, "rolled_back": True})

    return await execute(service, request, Route("/v1/clearing/{month}/rollback", infno="3262"), work,
                         params={"month": month})


@post("/v1/catalog/sync", status_code=200, tags=["catalog"], summary="Download the catalogues (1301-1319, 1901)",
      responses=errors(*MONEY_ERRORS))
async def catalog_sync(request: Req, data: JSONBody[CatalogSyncRequest], idempotency_key: _Key = None
                       ) -> Response[list[dict[str, Any]]]:
    service = _service(request)

    def work(ctx: RequestContext) -> Outcome:
        return Outcome(200, [r.to_dict() for r in CatalogService(ctx).sync(data.kinds)])

    return await execute(service, request, Route("/v1/catalog/sync", infno="1301", rerun_safe=True), work)


@get("/v1/catalog/search", tags=["catalog"], summary="Look up the local catalogue", responses=_READ_ERRORS)
async def catalog_search(request: Req, text: Annotated[str, QueryParameter(min_length=1, max_length=100)],
                         limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
                         kind: Annotated[str | None, QueryParameter(
                             pattern=r"^13(0[1-9]|1[0-9])$",
                             description="only this catalogue (1301 drugs, 1305 services, 1306 materials, "
                                         "1307 diagnoses, 1308 operations ...)")] = None,
                         ) -> Response[list[dict[str, Any]]]:  # fmt: skip
    service = _service(request)

    def work(ctx: RequestContext) -> Outcome:
        return Outcome(200, CatalogService(ctx).search(text, limit, kind))

    return await query(service, request, Route("/v1/catalog/search"), work)


@get("/v1/catalog/status", tags=["catalog"], summary="The last sync of every catalogue kind", responses=_READ_ERRORS)
async def catalog_status(request: Req) -> Response[list[dict[str, Any]]]:
    service = _service(request)

    def work(ctx: RequestContext) -> Outcome:
        return Outcome(200, CatalogService(ctx).status())

    return await query(service, request, Route("/v1/catalog/status"), work)


ROUTES = [journal_list, journal_recover, journal_show, journal_reverse, journal_resolve, reconcile, clearing,
          clearing_rollback, catalog_sync, catalog_search, catalog_status]
