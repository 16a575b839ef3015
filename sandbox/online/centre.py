"""The online centres the sandbox plays, from request bytes to a signed reply (contract, "The
sandbox, further", Fujian paragraph).

Routing by path, under any base (``{base}`` is everything before the marker):

============================== ========================================================
``{base}/org/local/api/hos/X``  医保移动支付: uldFeeInfo 6201, pay_order 6202, refund_Order
                               6203, query_order_info 6301, revoke_order 6401
``{base}/epc/api/fixmedins/X``  e-prescription centre: uploadChk 7101 ... rxSetlInfoQuery 7107
``{base}/local/api/xm/X``       Xiamen's local services (assumed shapes, :mod:`.local`)
``{base}/channel/api/payAuth/   the channel's authorisation exchange CH10 (:mod:`.channel`)
query``
``{base}/api/medical/X``        the e-invoice vendor (its own envelope, :mod:`.einvoice`)
============================== ========================================================

Checks for one call, in order: the envelope (:func:`.envelope.open_request`: a refusal is a
signed reply with code 1000-1005), the input against the centre's own copy of the Fujian
field tables (``sandbox/data/regions.json``; code 2001 naming the field), an armed fault of
the interface (``POST /_sandbox/faults`` with ``infno`` "6202" etc.: the main centre's modes),
then the handler in one store transaction (a refusal rolls it all back: code 2002-2009).
The e-invoice vendor's methods take the same faults by their ids (``"EB01"`` ...): ``reject`` is
its signed refusal ``E2000``, the other modes as for the centre.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs

from ..faults import Fault, FaultPlan
from ..mobilepay.credentials import MobilePayCredentials, load_or_create
from ..mobilepay.envelope import Refusal, open_request, reply
from ..regions import catalog_for
from ..store import Store
from ..validation import Validator
from . import channel, einvoice, local, orders, rx
from .books import SCHEMA, OnlineContext, Refused

__all__ = ["OnlineCentre", "Served"]

Handler = Callable[[OnlineContext, Mapping[str, Any]], Any]

_MARKERS: tuple[tuple[str, str, Mapping[str, str]], ...] = (
    ("/org/local/api/hos/", "mobilepay", {"uldFeeInfo": "6201", "pay_order": "6202", "refund_Order": "6203",
                                          "query_order_info": "6301", "revoke_order": "6401"}),
    ("/epc/api/fixmedins/", "rx", {"uploadChk": "7101", "rxFixmedinsSign": "7102", "rxFileUpld": "7103",
                                   "rxUndo": "7104", "hospRxDetlQuery": "7105", "rxChkInfoQuery": "7106",
                                   "rxSetlInfoQuery": "7107"}),
    ("/local/api/xm/", "local", local.PATHS),
    ("/channel/api/payAuth/", "channel", {"query": "CH10"}),
    ("/api/medical/", "invoice", einvoice.METHODS),
)
_HANDLERS: dict[str, Handler] = {**orders.HANDLERS, **rx.HANDLERS, **local.HANDLERS, "CH10": channel.pay_auth_query}
#: 7101's sibling nodes travel inside ``data``; the field tables keep them beside it
_SIBLINGS = ("rxdrugdetail", "mdtrtinfo", "diseinfo")


@attrs.frozen
class Served:
    """What to answer: a JSON body, the fault to apply, the order whose notices to push."""

    body: Mapping[str, Any]
    fault: Fault | None = None
    interface: str = ""


@functools.cache
def _validator() -> Validator:
    return Validator(catalog_for("350000"))


class OnlineCentre:
    """The online centres of one sandbox instance."""

    def __init__(self, store: Store, faults: FaultPlan, state_dir: Path, clock: Callable[[], float],
                 allow_remote_callbacks: bool) -> None:
        store.add_schema(SCHEMA)
        self.store = store
        self.faults = faults
        self.state_dir = state_dir
        self.clock = clock
        self.allow_remote_callbacks = allow_remote_callbacks
        self.creds: MobilePayCredentials = load_or_create(state_dir)
        self.invoice_creds = einvoice.credentials(state_dir)

    @staticmethod
    def route(path: str) -> tuple[str, str, str] | None:
        """``(party, interface or method, base path)`` for a path of an online centre, else ``None``."""
        for marker, party, names in _MARKERS:
            at = path.find(marker)
            if at >= 0:
                name = path[at + len(marker):].strip("/").rsplit("/", 1)[-1]
                return party, names.get(name, name), path[:at]
        return None

    def context(self, interface: str, base_url: str) -> OnlineContext:
        return OnlineContext(store=self.store, creds=self.creds, interface=interface, now_ts=self.clock(),
                             base_url=base_url, allow_remote_callbacks=self.allow_remote_callbacks)

    def serve(self, body: bytes, path: str, base_url: str) -> Served:
        """Answer one call (see the module docstring); never raises for bad input."""
        found = self.route(path)
        assert found is not None
        party, interface, _ = found
        ctx = self.context(interface, base_url)
        if party == "invoice":
            method = interface if interface.startswith("EB") else path.rstrip("/").rsplit("/", 1)[-1]
            fault = self.faults.take(einvoice.METHODS.get(method, method))
            if fault is not None and fault.mode == "reject":  # refused, nothing committed
                return Served(einvoice.refusal(fault.err_msg or "开票方拒绝(sandbox fault)", self.invoice_creds),
                              fault, interface)
            if fault is not None and fault.mode in ("error_500", "html_page"):
                return Served({}, fault, interface)  # nothing committed
            name, answer = einvoice.handle(ctx, body, self.invoice_creds, method)
            return Served(answer, fault, name)
        try:
            data = open_request(body, self.creds, now_ms=round(self.clock() * 1000))
        except Refusal as refusal:
            return Served(reply(None, self.creds, code=refusal.code, message=refusal.message), interface=interface)
        handler = _HANDLERS.get(interface)
        if handler is None or not isinstance(data, dict):
            return Served(reply(None, self.creds, code=1000, message=f"报文格式错误: 不支持的接口({interface})"))
        nodes: dict[str, Any] = {"data": {k: v for k, v in data.items() if k not in _SIBLINGS}}
        nodes.update({k: v for k, v in data.items() if k in _SIBLINGS})
        issues = _validator()(interface, nodes)
        if issues:
            text = "; ".join(str(i) for i in issues[:5])
            return Served(reply(None, self.creds, code=2001, message=f"输入校验失败: {text}"), interface=interface)
        fault = self.faults.take(interface)
        if fault is not None and fault.mode == "reject":
            return Served(reply(None, self.creds, code=2000, message=fault.err_msg or "中心拒绝(sandbox fault)"),
                          fault, interface)
        if fault is not None and fault.mode in ("error_500", "html_page"):
            return Served({}, fault, interface)  # nothing committed
        try:
            with self.store.transaction():
                result = handler(ctx, data)
        except Refused as exc:
            return Served(reply(None, self.creds, code=exc.code, message=exc.message), fault, interface)
        return Served(reply(result, self.creds), fault, interface)

    def control(self, action: Callable[[OnlineContext], Any], base_url: str) -> Any:
        """Run a control action in one transaction (``Refused`` rolls it back)."""
        ctx = self.context("control", base_url)
        with self.store.transaction():
            return action(ctx)
