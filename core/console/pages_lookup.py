"""Person lookup and the settlement queries (national baseline 【1101】, 【5201】, 【5203】, 【5204】).

::

    GET  /console/person                       the form
    POST /console/person                       1101 (the region's token steps first), then 5201 for the
                                               period and 医疗类别 chosen; names and ID numbers masked
    POST /console/person/settlement            5203 结算信息 and 5204 费用明细 of one visit / settlement

Every lookup is an action in the audit trail (the person's ``psn_no``, never the ID number).
The ID number typed in is sent to the centre and never shown back or logged.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Response, get, post

from ..clock import now
from ..errors import YibaoError
from ..masking import mask_input
from ..workflows.identify import Medium, identify
from .web import Req, console_of, user_of

__all__ = ["ROUTES"]

#: 5201 needs a 医疗类别; these are the ones a 医保办 asks about (dictionary med_type)
MED_TYPES = (("11", "普通门诊"), ("14", "门诊慢特病"), ("21", "普通住院"), ("41", "定点药店购药"))


def _rows(out: Any, node: str) -> list[dict[str, Any]]:
    value = out.get(node) if isinstance(out, dict) else out
    rows = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
    return [mask_input(r, diagnoses=True) for r in rows if isinstance(r, dict)]


@get("/person")
async def person_form(request: Req) -> Response[str]:
    return console_of(request).page(request, "person.html", med_types=MED_TYPES, person=None, visits=None,
                                    error="", form={})


@post("/person")
async def person_lookup(request: Req) -> Response[str]:
    console = console_of(request)
    form = {k: str(v).strip() for k, v in (await request.form()).items()}
    certno, name = form.get("certno", ""), form.get("psn_name", "")
    med_type = form.get("med_type", "41")
    days = int(form["days"]) if form.get("days", "").isdigit() else 30
    shown = {"med_type": med_type, "days": str(days), "psn_no": form.get("psn_no", "")}
    if not form.get("psn_no") and (len(certno) < 15 or not name):
        return console.page(request, "person.html", 422, med_types=MED_TYPES, person=None, visits=None, form=shown,
                            error="certno: 证件号码 15 或 18 位; psn_name: 姓名必填 (ID number and name are required)")

    def work(ctx: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        if form.get("psn_no"):
            person: dict[str, Any] = {"psn_no": form["psn_no"]}
        else:
            who = identify(ctx, Medium.id_card(certno, name))
            person = mask_input({"psn_no": who.psn_no, "psn_name": who.psn_name, "certno": who.certno,
                                 "insutype": who.insutype, "insuplc_admdvs": who.insuplc_admdvs,
                                 "psn_type": who.psn_type, "balc": who.balc, "locality": who.locality,
                                 "insuinfo": [dict(r) for r in who.insuinfo]})
        end = now()
        begin = end - timedelta(days=days)
        out = ctx.call("5201", {"data": {"psn_no": person["psn_no"], "med_type": med_type,
                                         "begntime": begin.strftime("%Y-%m-%d %H:%M:%S"),
                                         "endtime": end.strftime("%Y-%m-%d %H:%M:%S")}})
        visits = _rows(out, "mdtrtinfo")
        for v in visits:  # the settlement of each visit, from the journal, for 5203 / 5204
            found = [e for e in ctx.client.journal.list(mdtrt_id=v.get("mdtrt_id"), limit=20) if e.setl_id]
            v["_setl_id"] = found[0].setl_id if found else ""
        return person, visits

    try:
        person, visits = await console.work(work)
    except YibaoError as exc:
        console.audit.record(user_of(request), "person lookup", form.get("psn_no", ""), type(exc).__name__)
        return console.page(request, "person.html", 424, med_types=MED_TYPES, person=None, visits=None,
                            form=shown, error=f"{type(exc).__name__}: {exc}")
    console.audit.record(user_of(request), "person lookup 1101/5201", str(person["psn_no"]), f"{len(visits)} visits")
    shown["psn_no"] = str(person["psn_no"])
    return console.page(request, "person.html", med_types=MED_TYPES, person=person, visits=visits, form=shown,
                        error="")


@post("/person/settlement")
async def settlement_query(request: Req) -> Response[str]:
    console = console_of(request)
    form = {k: str(v).strip() for k, v in (await request.form()).items()}
    psn_no, mdtrt_id, setl_id = form.get("psn_no", ""), form.get("mdtrt_id", ""), form.get("setl_id", "")
    if not psn_no or not mdtrt_id:
        return console.page(request, "settlement.html", 422, setl=None, details=None, fees=[], form=form,
                            error="psn_no, mdtrt_id: 人员编号和就诊ID必填 (required)")

    def work(ctx: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        setl: list[dict[str, Any]] = []
        detail: list[dict[str, Any]] = []
        if setl_id:
            out = ctx.call("5203", {"data": {"psn_no": psn_no, "setl_id": setl_id, "mdtrt_id": mdtrt_id}})
            setl, detail = _rows(out, "setlinfo"), _rows(out, "setldetail")
        data = {"psn_no": psn_no, "mdtrt_id": mdtrt_id, **({"setl_id": setl_id} if setl_id else {})}
        fees = _rows(ctx.call("5204", {"data": data}), "output")
        return setl, detail, fees

    try:
        setl, detail, fees = await console.work(work)
    except YibaoError as exc:
        console.audit.record(user_of(request), "settlement query 5203/5204", mdtrt_id, type(exc).__name__)
        return console.page(request, "settlement.html", 424, setl=None, details=None, fees=[], form=form,
                            error=f"{type(exc).__name__}: {exc}")
    console.audit.record(user_of(request), "settlement query 5203/5204", mdtrt_id, f"{len(fees)} fee rows")
    return console.page(request, "settlement.html", setl=setl[0] if setl else None, details=detail, fees=fees,
                        form=form, error="")


ROUTES = [person_form, person_lookup, settlement_query]
