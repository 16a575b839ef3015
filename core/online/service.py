"""``client.online``: online settlement of one institution, the Python API a service endpoint calls.

::

    online = client.online                                  # built on first use; needs [online] and the keys
    auth = online.authorize(auth_code)                      # CH10: the channel's code -> payAuthNo
    visit = online.consultation(identity, auth, doctor)     # 2201; see yibao.core.online.flow
    order = online.orders.upload(med_org_ord, data)         # 6201 ... or visit.upload_fees(items)
    order = online.orders.pay(med_org_ord)                  # 6202
    online.orders.query(med_org_ord)                        # 6301 (6302 arrives at online.asgi_app())
    online.orders.cancel(med_org_ord)                       # 6401 or 6203 by ordStas
    online.orders.refund(med_org_ord, RefundParts(...))     # 6203, never beyond the settlement
    online.invoices.issue(med_org_ord, payer=...)           # EB01; .download(bill) EB04
    online.recover()                                        # lost answers resolved, HIS confirmations due

Every method takes plain values and returns values with ``to_json()``; the state lives in the
journal, so calls may come from different processes.  Parties, keys and envelopes come from the
region's profile (:class:`~.profile.OnlineProfile`) and ``[online]``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import attrs
import httpx

from ..config import Config
from ..errors import ConfigurationError, YibaoError
from ..journal import Journal
from ..plugins import RegionHooks, RegionProfile
from .channel import Channel, Observer, http_client
from .credentials import envelope_options, invoice_key, party_credentials
from .einvoice import Invoices, Md5Scheme
from .his import HisBridge
from .local import LocalServices, apply_services_file
from .orders import Orders
from .prescriptions import Prescriptions
from .receiver import NoticeReceiver, create_receiver
from .seal import Sealer
from .sender import Sender
from .states import OrderState
from .store import OnlineStore

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from ..catalog import Catalog
    from ..workflows.context import Context
    from ..workflows.identify import Identity
    from .flow import Consultation, Doctor

__all__ = ["OnlineService", "PayAuth"]

_UNKNOWN = [s.value for s in OrderState if s.unknown]


@attrs.frozen
class PayAuth:
    """A patient's online authorisation (function 10): ``payAuthNo`` and who authorised."""

    pay_auth_no: str
    auth_no: str
    user_name: str
    id_no: str
    id_type: str
    insu_code: str = ""
    psn_no: str = ""

    def to_json(self) -> dict[str, Any]:
        return attrs.asdict(self)


class OnlineService:
    """The online parties of one client (see the module docstring)."""

    def __init__(self, *, config: Config, profile: RegionProfile, hooks: RegionHooks, journal: Journal,
                 catalog: Catalog, ctx: Context, http_transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        online = profile.online
        if online is None:
            raise ConfigurationError("region", f"region {profile.code} has no online settlement")
        settings = config.online
        if not settings.configured:
            raise ConfigurationError("online.app_id", "is required for online settlement ([online] table)")
        if settings.local.services_file:
            online, entries = apply_services_file(settings.local.services_file, online)
            catalog = catalog.with_extra(entries)
        self.config, self.profile, self.online, self.ctx = config, profile, online, ctx
        self.settings = settings
        self.sleep = sleep
        options = envelope_options(settings.envelope)
        creds = {p: party_credentials(settings, online.credentials, p) for p in ("", "rx", "channel")}
        self._http = http_client(config.gateway, http_transport)
        base = settings.url or config.gateway.url
        scheme = hooks.envelope_scheme(online.scheme, creds[""], options)
        channels = {
            "mobilepay": Channel("mobilepay", base, scheme, self._http),
            "rx": Channel("rx", settings.rx.url or base, hooks.envelope_scheme(online.scheme, creds["rx"], options),
                          self._http),
            "channel": Channel("channel", settings.channel.url or base,
                               hooks.envelope_scheme(online.scheme, creds["channel"], options), self._http),
            "local": Channel("local", settings.local.url or base, scheme, self._http),
        }
        for envelope in {e.envelope for e in online.endpoints.values() if e.party == "local" and e.envelope}:
            channels[f"local:{envelope}"] = Channel("local", settings.local.url or base,
                                                    hooks.envelope_scheme(envelope, creds[""], options), self._http)
        if settings.invoice.app_id:
            md5 = Md5Scheme(settings.invoice.app_id, invoice_key(settings, online.credentials),
                            settings.invoice.version)
            channels["invoice"] = Channel("invoice", settings.invoice.url or base, md5, self._http)
        inst = config.institution
        self.org_codg = settings.org_codg or inst.fixmedins_code
        # sealed at rest under a key derived from the institution's own SM2 key (see .seal)
        self.store = OnlineStore(journal, Sealer.from_private_key(creds[""].private_key))
        self.sender = Sender(store=self.store, journal=journal, catalog=catalog, profile=attrs.evolve(profile,
                             online=online), fixmedins_code=inst.fixmedins_code, kind=inst.kind, channels=channels,
                             terminal=config.operator.terminal)
        #: 6201 / 6202 / 6203 / 6301 / 6401 of orders keyed by medOrgOrd
        self.orders = Orders(self.sender, self.store, org_codg=self.org_codg, region=profile.code,
                             lat_lng=settings.lat_lng)
        #: 7101-7107
        self.prescriptions = Prescriptions(self.sender, fixmedins_code=self.org_codg,
                                           fixmedins_name=settings.org_name or inst.fixmedins_name)
        #: the region's local services (XM01 ...)
        self.local = LocalServices(self.sender, online, self.org_codg)
        #: the HIS callbacks (HIS23-HIS25) through yibao_his_request
        self.his = HisBridge(hooks, self.store, online.his_retry, sleep, tell=self.sender.tell)
        self.orders.on_settled = self._settled
        self._invoices: Invoices | None = None
        if "invoice" in channels:
            self._invoices = Invoices(self.sender, self.store, self.orders, channels["invoice"],
                                      place_code=settings.invoice.place_code, payee=settings.invoice.payee,
                                      author=settings.invoice.author)
        #: opens, checks and applies the centre's pushes (6302 / 6204)
        self.receiver = NoticeReceiver(scheme=scheme, store=self.store, orders=self.orders, catalog=catalog,
                                       tell=self.sender.tell)

    @property
    def invoices(self) -> Invoices:
        """EB01-EB04 (needs ``[online.invoice] app_id`` and its key)."""
        if self._invoices is None:
            raise ConfigurationError("online.invoice.app_id", "is required for the e-invoice vendor")
        return self._invoices

    def close(self) -> None:
        self._http.close()

    # ------------------------------------------------------------------ observers, receiver
    def add_observer(self, observer: Observer) -> None:
        """See every online exchange (masked): the acceptance run's evidence."""
        self.sender.observers.append(observer)

    def remove_observer(self, observer: Observer) -> None:
        self.sender.observers.remove(observer)

    def asgi_app(self) -> Starlette:
        """The receiver for the centre's pushes, at ``profile.online.notice_path`` (``/6302``, ``/6204``)."""
        return create_receiver(self.receiver, self.online.notice_path)

    # ------------------------------------------------------------------ authorisation, flow
    def authorize(self, auth_code: str) -> PayAuth:
        """Function 10: the channel's authorisation code, once, for ``payAuthNo`` (CH10)."""
        _, reply = self.sender.send("CH10", {"authCode": auth_code, "orgCodg": self.org_codg})
        d: Mapping[str, Any] = reply.data or {}
        return PayAuth(pay_auth_no=str(d.get("payAuthNo", "")), auth_no=str(d.get("authNo", "")),
                       user_name=str(d.get("userName", "")), id_no=str(d.get("idNo", "")),
                       id_type=str(d.get("idType", "01")), insu_code=str(d.get("insuCode", "")),
                       psn_no=str(d.get("psnNo", "")))

    def consultation(self, identity: Identity, auth: PayAuth, doctor: Doctor, **kwargs: Any) -> Consultation:
        """Start an internet-hospital consultation (2201 for the patient); see :mod:`.flow`."""
        from .flow import Consultation

        return Consultation.start(self, identity, auth, doctor, **kwargs)

    def _settled(self, med_org_ord: str) -> None:
        """A newly settled order: 结算结果确认 to the HIS (HIS24), kept until it takes it."""
        row = self.orders.row(med_org_ord)
        payload = {"medOrgOrd": med_org_ord, "payOrdId": row["pay_ord_id"], "ordStas": row.get("ord_stas") or "",
                   "feeSumamt": row["fee_sumamt"], "ownPayAmt": row["own_pay_amt"], "psnAcctPay": row["psn_acct_pay"],
                   "fundPay": row["fund_pay"], "setlType": row.get("setl_type") or "",
                   "traceTime": row.get("trace_time") or ""}
        self.his.confirm(med_org_ord, payload)

    # ------------------------------------------------------------------ recovery
    def recover(self, *, interrupted_after: int | None = None) -> dict[str, Any]:
        """Resolve what a lost answer or a crash left (never by undoing blindly) and deliver the
        HIS confirmations that are due.  ``{"resolved": [...], "unresolved": [...], "his": {...}}``."""
        age = self.config.reversal.interrupted_after_seconds if interrupted_after is None else interrupted_after
        cutoff = (datetime.now(UTC) - timedelta(seconds=age)).isoformat(timespec="microseconds")
        for msg in self.store.in_states("online_messages", ["SENT"]):
            if (msg.get("sent_at") or "") < cutoff:  # its process is gone: the bytes may have left
                self.store.update("online_messages", {"msg_id": msg["msg_id"]},
                                  {"state": "UNKNOWN", "err_msg": "interrupted (found SENT by recovery)"}, ["SENT"])
        resolved: list[dict[str, Any]] = []
        unresolved: list[dict[str, Any]] = []
        for row in self.store.in_states("online_orders", _UNKNOWN):
            try:
                order = self.orders.resolve(row["med_org_ord"])
            except YibaoError as exc:
                unresolved.append({"medOrgOrd": row["med_org_ord"], "state": row["state"], "error": str(exc)})
                continue
            target = resolved if not OrderState(order.state).unknown else unresolved
            target.append({"medOrgOrd": order.med_org_ord, "state": order.state, "ordStas": order.ord_stas})
        return {"resolved": resolved, "unresolved": unresolved, "his": self.his.deliver_due()}
