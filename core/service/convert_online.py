"""Between the internet hospital's bodies (:mod:`.bodies_online`) and ``client.online``'s values
(``PayAuth``, ``Doctor``, ``Consultation``, ``OnlineOrder``), for :mod:`.routes_online`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..online.flow import Consultation, Doctor
from ..online.reconcile import refundable
from ..online.service import OnlineService, PayAuth
from ..online.states import ORD_STAS
from ..workflows.outpatient import OutpatientVisit
from . import convert
from .bodies_online import DoctorIn, PayAuthIn
from .context import RequestContext
from .pipeline import Outcome
from .problems import ProblemError, validation

__all__ = ["amount", "consultation", "doctor", "last_msgid", "online_of", "order_out", "pay_auth"]

_ZERO = Decimal("0.00")


def online_of(ctx: RequestContext, mo: str = "") -> OnlineService:
    online: OnlineService = ctx.client.online
    if mo and online.store.one("online_orders", med_org_ord=mo) is None:
        raise ProblemError("not_found", f"no online order {mo} (POST /v1/online/orders/{mo}/fees uploads it)")
    return online


def last_msgid(online: OnlineService, mo: str, interface: str) -> str | None:
    rows = online.store.many("online_messages", order="created_at DESC", limit=1, med_org_ord=mo, interface=interface)
    return str(rows[0]["msg_id"]) if rows else None


def _parts(cash: Decimal, acct: Decimal, fund: Decimal) -> dict[str, Decimal]:
    return {"cash": cash, "acct": acct, "fund": fund, "total": cash + acct + fund}


def order_out(online: OnlineService, mo: str, msgid: str | None = None) -> Outcome:
    """The order as :class:`~.bodies_online.OrderOut`."""
    o, row = online.orders.get(mo), online.orders.row(mo)
    left = refundable(online.store, row) if o.paid else None
    out = {"med_org_ord": o.med_org_ord, "state": o.state, "ord_stas": o.ord_stas,
           "ord_stas_name": ORD_STAS.get(o.ord_stas, ""), "pay_ord_id": o.pay_ord_id, "mdtrt_id": o.mdtrt_id,
           "split": o.split.columns() if o.split else None,
           "refunded": _parts(o.refunded.cash, o.refunded.acct, o.refunded.fund),
           "refundable": _parts(left.cash, left.acct, left.fund) if left else _parts(_ZERO, _ZERO, _ZERO),
           "settled_by": o.settled_by, "trace_time": o.trace_time, "cashier_url": o.cashier_url, "notes": o.notes,
           "msgid": msgid}
    return Outcome(200, out, msgid=msgid)


def consultation(ctx: RequestContext, online: OnlineService, data: Any, mo: str, mdtrt_id: str,
                  ipt_otp_no: str) -> Consultation:
    """The consultation rebuilt from the request (its 2201 / 2202 go out with the request's
    operator, terminal and key)."""
    who = convert.identity(data.person)
    c = Consultation.resume(online, who, pay_auth(data.auth), doctor(data.doctor), med_org_ord=mo, mdtrt_id=mdtrt_id,
                            ipt_otp_no=ipt_otp_no)
    c.visit = OutpatientVisit(ctx, who, mdtrt_id, ipt_otp_no, "11")
    return c


def pay_auth(a: PayAuthIn) -> PayAuth:
    return PayAuth(pay_auth_no=a.pay_auth_no, auth_no=a.auth_no, user_name="", id_no="", id_type="01")


def doctor(d: DoctorIn) -> Doctor:
    return Doctor(dr_code=d.dr_code, dr_name=d.dr_name, dept_code=d.dept_code, dept_name=d.dept_name, caty=d.caty,
                  cert_type=d.cert_type, cert_no=d.cert_no, profttl_codg=d.profttl_codg, profttl_name=d.profttl_name)


def amount(value: Decimal, field: str) -> Decimal:
    if not value.is_finite() or abs(value) >= Decimal("1e12") or value != value.quantize(Decimal("1e-6")):
        raise validation(f"{field} {value} is not an amount of at most 12 digits", field, "range")
    return value
