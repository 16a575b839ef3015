"""The month's books: reconciliation, clearing, catalogues and acceptance (console pages).

Each long step is a job (:mod:`.jobs`): the form answers at once with a progress panel that
polls ``/console/jobs/{id}`` every second until the job ends, then shows its result::

    GET  /console/reconcile          POST /console/reconcile         3201 per group, 3202 differences
    GET  /console/clearing           POST /console/clearing/plan     3260 rows, paged
                                     POST /console/clearing/confirm  3261 in batches of 100
                                     POST /console/clearing/rollback 3262 (one batch or the month)
    GET  /console/catalog            POST /console/catalog/sync      1301-1319 / 1901; search
    GET  /console/acceptance         POST /console/acceptance        the region's list for a kind
    GET  /console/jobs/{id}          the progress panel or the result
    GET  /console/jobs/{id}/report   the job's report (JSON; acceptance: the HTML report)
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from litestar import Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, QueryParameter

from .. import wire
from ..workflows.catalogue import CatalogService
from ..workflows.clear import ClearingService, ClearPlan
from ..workflows.reconcile import ReconcileService, month_bounds
from .jobs import Job, JobBusy
from .web import Console, Req, console_of, user_of

__all__ = ["ROUTES"]

PAGE = 100


async def _form(request: Req) -> dict[str, str]:
    return {k: str(v).strip() for k, v in (await request.form()).items()}


def _month_problem(month: str) -> str:
    try:
        month_bounds(month)
    except ValueError as exc:
        return f"month: {exc} (YYYY-MM)"
    return ""


def _start(request: Req, kind: str, title: str, fn: Any, **page: Any) -> Response[str]:
    """Start ``fn(ctx, job)`` as a job on a client of its own; answer with the progress panel."""
    console, user = console_of(request), user_of(request)

    def run(job: Job) -> Any:
        ctx, close = console.background_context()
        try:
            return fn(ctx, job)
        finally:
            close()

    def ended(job: Job) -> None:
        if isinstance(job.result, ClearPlan):  # the clearing page pages through the month's rows
            console.plans[f"{job.result.year}-{job.result.month}"] = job.result
        console.audit.record(user, kind, title, job.state if not job.error else job.error[:200])

    try:
        job = console.jobs.start(kind, title, user, run, ended)
    except JobBusy as exc:
        return console.page(request, "job.html", 409, job=exc.job, busy=True, **page)
    return console.page(request, "job.html", 202, job=job, busy=False, **page)


@get("/jobs/{job_id:str}")
async def job_panel(request: Req, job_id: FromPath[str]) -> Response[str]:
    console = console_of(request)
    job = console.jobs.get(job_id)
    if job is None:
        raise NotFoundException(f"no job {job_id} on this instance (jobs are kept until it stops)")
    # the panel polls itself with htmx: an htmx request gets the panel alone
    template = "job_panel.html" if request.headers.get("hx-request") else "job.html"
    return console.page(request, template, job=job, busy=False, page_size=PAGE)


@get("/jobs/{job_id:str}/report")
async def job_report(request: Req, job_id: FromPath[str]) -> Response[bytes]:
    job = console_of(request).jobs.get(job_id)
    if job is None or job.state != "done":
        raise NotFoundException(f"no finished job {job_id} on this instance")
    result = job.result
    if isinstance(result, dict) and "html" in result:
        return Response(Path(result["html"]).read_bytes(), media_type="text/html; charset=utf-8")
    data = result.to_dict() if hasattr(result, "to_dict") else result
    name = f"{job.kind.replace(' ', '-')}-{job.id}.json"
    return Response(wire.dumps_bytes(data, check_floats=False), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# ---------------------------------------------------------------------------- reconciliation

@get("/reconcile")
async def reconcile_page(request: Req) -> Response[str]:
    console = console_of(request)
    return console.page(request, "reconcile.html", last=console.jobs.latest("reconcile"), error="")


@post("/reconcile")
async def reconcile_start(request: Req) -> Response[str]:
    console, month = console_of(request), (await _form(request)).get("month", "")
    problem = _month_problem(month)
    if problem:
        return console.page(request, "reconcile.html", 422, last=None, error=problem)
    return _start(request, "reconcile", month,
                  lambda ctx, job: ReconcileService(ctx).month(month, progress=job.progress))


# ---------------------------------------------------------------------------- clearing

@get("/clearing")
async def clearing_page(request: Req, month: FromQuery[str] = "",
                        page: Annotated[int, QueryParameter(ge=1, le=10_000)] = 1) -> Response[str]:
    console = console_of(request)
    plan = console.plans.get(month)
    rows = plan.rows[(page - 1) * PAGE: page * PAGE] if plan else []
    return console.page(request, "clearing.html", month=month, plan=plan, rows=rows, page=page, page_size=PAGE,
                        error="", result=None)


@post("/clearing/plan")
async def clearing_plan(request: Req) -> Response[str]:
    console, month = console_of(request), (await _form(request)).get("month", "")
    problem = _month_problem(month)
    if problem:
        return console.page(request, "clearing.html", 422, month=month, plan=None, rows=[], page=1,
                            page_size=PAGE, error=problem, result=None)
    return _start(request, "clearing plan", month,
                  lambda ctx, job: ClearingService(ctx).plan(month, progress=job.progress), page_size=PAGE)


@post("/clearing/confirm")
async def clearing_confirm(request: Req) -> Response[str]:
    console, month = console_of(request), (await _form(request)).get("month", "")
    plan = console.plans.get(month)
    if plan is None:
        return console.page(request, "clearing.html", 409, month=month, plan=None, rows=[], page=1, page_size=PAGE,
                            error="先查询3260清分明细 (fetch the month's 3260 rows first)", result=None)
    confirming: ClearPlan = plan

    def confirm(ctx: Any, job: Job) -> ClearPlan:
        ClearingService(ctx).confirm(confirming, progress=job.progress)
        return confirming

    return _start(request, "clearing confirm", month, confirm, page_size=PAGE)


@post("/clearing/rollback")
async def clearing_rollback(request: Req) -> Response[str]:
    console, form = console_of(request), await _form(request)
    month, otransid = form.get("month", ""), form.get("otransid", "all") or "all"
    problem = _month_problem(month)
    if problem:
        return console.page(request, "clearing.html", 422, month=month, plan=None, rows=[], page=1,
                            page_size=PAGE, error=problem, result=None)

    def work(ctx: Any) -> str:
        ClearingService(ctx).rollback(month, otransid)
        return otransid

    await console.work(work)
    plan = console.plans.get(month)
    if plan is not None:
        plan.confirmations[:] = [] if otransid == "all" else [c for c in plan.confirmations if c != otransid]
    console.audit.record(user_of(request), "clearing rollback 3262", f"{month} {otransid}")
    return console.page(request, "clearing.html", month=month, plan=plan, rows=plan.rows[:PAGE] if plan else [],
                        page=1, page_size=PAGE, error="", result=f"3262 已回退 rolled back: {otransid}")


# ---------------------------------------------------------------------------- catalogues

@get("/catalog")
async def catalog_page(request: Req, q: Annotated[str, QueryParameter(max_length=100)] = "",
                       kind: Annotated[str, QueryParameter(pattern=r"^(13(0[1-9]|1[0-9]))?$")] = "") -> Response[str]:
    console = console_of(request)

    def work(ctx: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        svc = CatalogService(ctx)
        return svc.status(), (svc.search(q, 50, kind or None) if q else [])

    states, found = await console.work(work)
    return console.page(request, "catalog.html", states=states, found=found, q=q, kind=kind,
                        last=console.jobs.latest("catalog sync"))


@post("/catalog/sync")
async def catalog_sync(request: Req) -> Response[str]:
    form = await _form(request)
    kinds = [k.strip() for k in form.get("kinds", "").replace(",", " ").split() if k.strip()] or None
    return _start(request, "catalog sync", " ".join(kinds or ["all"]),
                  lambda ctx, job: [r.to_dict() for r in CatalogService(ctx).sync(kinds, progress=job.progress)])


# ---------------------------------------------------------------------------- acceptance

def _kinds(console: Console) -> list[str]:
    return [k for k in console.service.client.profile.institution_kinds if k != "internet"]


@get("/acceptance")
async def acceptance_page(request: Req) -> Response[str]:
    console = console_of(request)
    return console.page(request, "acceptance.html", kinds=_kinds(console),
                        groups=console.service.client.profile.institution_groups,
                        last=console.jobs.latest("acceptance"), error="")


@post("/acceptance")
async def acceptance_start(request: Req) -> Response[str]:
    console, form = console_of(request), await _form(request)
    kind = form.get("kind", "")
    if kind not in _kinds(console):
        return console.page(request, "acceptance.html", 422, kinds=_kinds(console), last=None,
                            groups=console.service.client.profile.institution_groups,
                            error=f"kind: one of {', '.join(_kinds(console))}")
    offered = console.service.client.profile.institution_groups.get(kind, {})
    groups = [g for g in form.get("groups", "").replace(",", " ").split() if g in offered]

    def run(ctx: Any, job: Job) -> dict[str, Any]:
        from ..acceptance import interfaces_of, run_acceptance
        from ..acceptance.output import write_report
        from ..acceptance.rehearsal import sandbox_data

        client = ctx.client
        data = sandbox_data(client, client.config.gateway.url)
        if data is None:
            raise ValueError("the gateway is not a sandbox: run `yibao acceptance --data FILE` with the bureau's data")
        job.progress(f"running {kind} ({len(interfaces_of(client.profile, kind, groups))} interfaces)")
        report = run_acceptance(client, kind, interfaces_of(client.profile, kind, groups), data,
                                notes=client.hooks.acceptance_notes(kind), groups=groups, progress=job.progress)
        out = Path(tempfile.mkdtemp(prefix="yibao-acceptance-"))
        paths = write_report(report, out)
        job.progress("report written")
        return {"summary": report.summary(), "passed": report.passed, "html": str(paths["html"]),
                "interfaces": [{"infno": i.infno, "name": i.name, "status": i.status, "error": i.error}
                               for i in report.interfaces]}

    return _start(request, "acceptance", " ".join([kind, *groups]), run)


ROUTES = [job_panel, job_report, reconcile_page, reconcile_start, clearing_page, clearing_plan, clearing_confirm,
          clearing_rollback, catalog_page, catalog_sync, acceptance_page, acceptance_start]
