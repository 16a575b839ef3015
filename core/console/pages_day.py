"""Sign-in, the day and the outcomes still open (console pages; docs/console.md).

::

    GET  /console/login, POST /console/login, POST /console/logout
    GET  /console/                     today: settlements by terminal and operator, totals by 险种 / 清算类别
    GET  /console/unresolved           every UNKNOWN / REVERSING / NEEDS_ATTENTION entry with its history
    POST /console/unresolved/{msgid}/reverse   its 2601 now (national baseline 【2601】), the result shown
    POST /console/unresolved/{msgid}/resolve   a NEEDS_ATTENTION entry settled by what the centre holds
    GET  /console/journal/{msgid}      one message: states, masked request and reply, its 2601s
    GET  /console/audit                the audit trail
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from litestar import Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from ..catalog.kinds import CANCEL_INFNOS, SETTLEMENT_INFNOS
from ..clock import now
from ..errors import YibaoError
from ..journal import Entry, State
from ..journal.entry import marks, select_entries
from .web import Req, console_of, user_of

__all__ = ["ROUTES"]

_UNRESOLVED = (State.UNKNOWN, State.REVERSING, State.NEEDS_ATTENTION)
_ZERO = Decimal("0.00")


@get("/login", opt={"public": True})
async def login_page(request: Req, next: FromQuery[str] = "/console/") -> Response[str]:
    return console_of(request).page(request, "login.html", next=_local(next), error="")


@post("/login", opt={"public": True})
async def login(request: Req) -> Response[Any]:
    console = console_of(request)
    form = await request.form()
    name, password = str(form.get("username", "")).strip(), str(form.get("password", ""))
    target = _local(str(form.get("next", "/console/")))
    if console.locked(name):
        console.audit.record(name or "-", "login", outcome="locked")
        return console.page(request, "login.html", 429, next=target,
                            error="登录失败次数过多，请5分钟后再试 (too many failed sign-ins: wait 5 minutes)")
    display = await console.service.run(lambda _w: console.users.verify(name, password))
    if display is None:
        console.failed(name)
        console.audit.record(name or "-", "login", outcome="refused")
        return console.page(request, "login.html", 401, next=target,
                            error="用户名或密码错误 (wrong user name or password)")
    console.succeeded(name)
    request.set_session({"user": name, "display": display, "at": time.time()})
    console.audit.record(name, "login")
    return Redirect(target, status_code=303)


@post("/logout")
async def logout(request: Req) -> Redirect:
    console_of(request).audit.record(user_of(request), "logout")
    request.clear_session()
    return Redirect("/console/login", status_code=303)


def _local(target: str) -> str:
    # Only a console path: a crafted ?next= must not send a signed-in user elsewhere.
    return target if target.startswith("/console/") and "//" not in target and "\\" not in target else "/console/"


def _today_entries(db: Any, day: date) -> list[Entry]:
    codes = [*SETTLEMENT_INFNOS, *CANCEL_INFNOS]
    where = f"business_date = {db.p} AND infno IN ({marks(db, len(codes))})"
    return select_entries(db, where, [day, *codes], "ORDER BY created_at DESC, msgid DESC")


def _summary(entries: list[Entry], names: dict[str, dict[str, str]]) -> dict[str, Any]:
    by_desk: dict[tuple[str, str], dict[str, Any]] = {}
    by_insutype: dict[str, Decimal] = defaultdict(lambda: _ZERO)
    by_clr: dict[str, Decimal] = defaultdict(lambda: _ZERO)
    total = _ZERO
    for e in entries:
        desk = by_desk.setdefault((e.terminal, e.opter), {"terminal": e.terminal, "opter": e.opter, "count": 0,
                                                          "states": defaultdict(int), "amount": _ZERO})
        desk["count"] += 1
        desk["states"][e.state.value] += 1
        if e.state is State.SUCCEEDED and e.medfee_sumamt is not None:
            # a cancel's amounts come back negative from the centre; abs() keeps the sign rule in one place
            amount = -abs(e.medfee_sumamt) if e.infno in CANCEL_INFNOS else e.medfee_sumamt
            desk["amount"] += amount
            total += amount
            by_insutype[e.insutype or "-"] += amount
            by_clr[e.clr_type or "-"] += amount
    return {
        "desks": sorted(by_desk.values(), key=lambda d: (d["terminal"], d["opter"])), "total": total,
        "insutypes": [(k, names.get("insutype", {}).get(k, ""), v) for k, v in sorted(by_insutype.items())],
        "clr_types": [(k, names.get("clr_type", {}).get(k, ""), v) for k, v in sorted(by_clr.items())],
    }  # fmt: skip


@get("/")
async def today(request: Req, day: FromQuery[str | None] = None) -> Response[str]:
    console = console_of(request)
    try:
        the_day = date.fromisoformat(day) if day else now().date()
    except ValueError:
        the_day = now().date()

    def work(ctx: Any) -> tuple[list[Entry], dict[str, Any]]:
        entries = _today_entries(ctx.engine.journal.database, the_day)
        names = {k: dict(v) for k, v in ctx.client.transactions.dictionaries.items() if k in ("insutype", "clr_type")}
        return entries, _summary(entries, names)

    entries, summary = await console.work(work)
    return console.page(request, "today.html", day=the_day.isoformat(), entries=entries, summary=summary)


@get("/unresolved")
async def unresolved(request: Req) -> Response[str]:
    console = console_of(request)

    def work(ctx: Any) -> list[tuple[Entry, list[Entry]]]:
        journal = ctx.client.journal
        rows = [e for st in _UNRESOLVED for e in journal.list(state=st, limit=500)]
        return [(e, _reversals_of(ctx.engine.journal.database, e.msgid)) for e in rows]

    items = await console.work(work)
    return console.page(request, "unresolved.html", items=items, result=None)


def _reversals_of(db: Any, msgid: str) -> list[Entry]:
    return select_entries(db, f"reversal_of = {db.p} OR omsgid = {db.p}", [msgid, msgid])


@post("/unresolved/{msgid:str}/reverse")
async def reverse(request: Req, msgid: FromPath[str]) -> Response[str]:
    """2601 now, on the operator's word (``yibao journal reverse MSGID``); the row shows the result."""
    console = console_of(request)

    def work(ctx: Any) -> tuple[Entry | None, list[Entry], str]:
        journal = ctx.client.journal
        try:
            outcome = journal.reverse_now(msgid).value
        except YibaoError as exc:
            outcome = f"{type(exc).__name__}: {exc}"
        return journal.get(msgid), _reversals_of(ctx.engine.journal.database, msgid), outcome

    entry, reversals, outcome = await console.work(work)
    console.audit.record(user_of(request), "reverse 2601", msgid, outcome)
    return console.page(request, "unresolved_row.html", e=entry, reversals=reversals, result=outcome, msgid=msgid)


@post("/unresolved/{msgid:str}/resolve")
async def resolve(request: Req, msgid: FromPath[str]) -> Response[str]:
    """A NEEDS_ATTENTION entry settled by what the centre was found to hold (``yibao journal
    resolve``): the finding and the note from the row's form; nothing is sent."""
    console = console_of(request)
    form = {k: str(v).strip() for k, v in (await request.form()).items()}
    user = user_of(request)

    def work(ctx: Any) -> tuple[Entry | None, list[Entry], str]:
        journal = ctx.client.journal
        try:
            outcome = journal.resolve(msgid, form.get("finding", ""), form.get("note", ""), opter=f"console:{user}")
            outcome_text = outcome.state.value
        except YibaoError as exc:
            outcome_text = f"{type(exc).__name__}: {exc}"
        return journal.get(msgid), _reversals_of(ctx.engine.journal.database, msgid), outcome_text

    entry, reversals, outcome = await console.work(work)
    console.audit.record(user, f"resolve {form.get('finding', '')}", msgid, outcome)
    return console.page(request, "unresolved_row.html", e=entry, reversals=reversals, result=outcome, msgid=msgid,
                        what="人工处理结果 resolution")


@get("/journal/{msgid:str}")
async def entry_page(request: Req, msgid: FromPath[str]) -> Response[str]:
    console = console_of(request)

    def work(ctx: Any) -> tuple[Entry | None, list[Entry], str]:
        journal = ctx.client.journal
        e = journal.get(msgid)
        t = ctx.client.transactions.get(e.infno) if e is not None else None
        return e, _reversals_of(ctx.engine.journal.database, msgid), t.name if t is not None else ""

    entry, reversals, name = await console.work(work)
    status = 200 if entry is not None else 404
    return console.page(request, "entry.html", status, e=entry, reversals=reversals, name=name, msgid=msgid)


@get("/audit")
async def audit(request: Req) -> Response[str]:
    console = console_of(request)
    rows = await console.service.run(lambda _w: console.audit.recent(200))
    return console.page(request, "audit.html", rows=rows)


ROUTES = [login_page, login, logout, today, unresolved, reverse, resolve, entry_page, audit]
