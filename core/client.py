"""The Python API: :class:`Client`, one institution connected to one region's centre.

::

    from yibao.core import Client, Medium, FeeItem

    with Client.open("yibao.toml") as client:       # plugins, catalogue, journal: opened, nothing sent
        client.recover()                            # due 2601s first (what the CLI and service do at start)
        who = client.identify(Medium.id_card(certno, psn_name))
        sale = client.pharmacy.settle(who, items, idem_key="RX-20261202-0001")
        client.pharmacy.cancel(who, sale)

Building a client loads the plugins, the spec catalogue and the region's profile, opens (and
migrates) the journal and prepares a keep-alive HTTP client: no request leaves until a method
that sends is called.  The domain services are attributes: :attr:`pharmacy`, :attr:`outpatient`,
:attr:`inpatient`, :attr:`reconcile`, :attr:`clearing`, :attr:`catalog`, :attr:`journal`.
Everything goes through one :class:`~yibao.core.engine.Engine` (validate, journal, sign, send,
classify); see ``docs/python-api.md``.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import httpx

from . import clock as clocks
from .catalog import Catalog, load_catalog
from .config import Config, load_config
from .engine import Call, Engine, Observer, RecoverReport, ReversalQueue, Sender, SessionManager
from .engine.call import Operator
from .envelope import EnvelopeFactory, Reply
from .errors import ConfigurationError, PluginError, YibaoError
from .journal import Journal, State, open_journal
from .logging import ensure_configured
from .online import store as _online_tables  # noqa: F401  (registers the online tables' migration)
from .plugins import RegionHooks, RegionProfile, RegionRegistry, load_registry
from .transport import Transport, make_http_client
from .workflows.catalogue import CatalogService
from .workflows.clear import ClearingService
from .workflows.context import Context
from .workflows.identify import Identity, Medium, identify
from .workflows.inpatient import InpatientService
from .workflows.journal_service import JournalService
from .workflows.outpatient import OutpatientService
from .workflows.pharmacy import PharmacyService
from .workflows.readers import MediumReader, identify_by_reader
from .workflows.reconcile import ReconcileService
from .workflows.signin_cycle import CycleSessions

if TYPE_CHECKING:
    from .online.service import OnlineService

__all__ = ["Client", "Sessions"]


def _check_transport_options(config: Config, profile: RegionProfile) -> None:
    allowed = profile.transport_options | {"kind"}
    for key in config.transport:
        if key not in allowed:
            known = ", ".join(sorted(allowed))
            raise ConfigurationError(f"transport.{key}", f"unknown key; region {profile.code} reads: {known}")


class Sessions:
    """``client.sessions``: the configured operator's 9001 / 9002 session of the day."""

    def __init__(self, manager: SessionManager, operator: Operator, terminal: str) -> None:
        self._manager = manager
        self._who = (operator, terminal)

    def current_sign_no(self) -> str:
        """Today's ``sign_no``, signing in (9001) first when there is none."""
        return self._manager.current(self._who)

    def known_sign_no(self) -> str:
        """Today's ``sign_no`` if there is one, else ``""`` (nothing sent)."""
        return self._manager.known(self._who)

    def sign_in(self) -> str:
        """9001 签到 now."""
        return self._manager.sign_in(self._who)

    def sign_out(self) -> None:
        """9002 签退 of today's session."""
        self._manager.sign_out(self._who)


class Client:
    """A configured connection to one region's centre (or the sandbox).

    :param config: the configuration (:func:`yibao.core.load_config`).
    :param registry: the installed plugins' regions (loaded from the entry points by default).
    :param journal: an open journal (default: ``config.journal.url``).
    :param http_transport: an ``httpx`` transport to send through (tests, host binding).
    :param clock: ``() -> datetime`` for everything on the wire (default: now, Asia/Shanghai).
    """

    def __init__(
        self,
        config: Config,
        *,
        registry: RegionRegistry | None = None,
        journal: Journal | None = None,
        http_transport: httpx.BaseTransport | None = None,
        clock: clocks.Clock = clocks.now,
    ) -> None:
        ensure_configured()
        self.config = config
        self.registry = registry if registry is not None else load_registry()
        self.profile: RegionProfile = self.registry.resolve(config.region)
        self.hooks = RegionHooks.for_region(self.registry, self.profile)
        _check_transport_options(config, self.profile)
        catalog = load_catalog().with_extra(self.profile.extra_transactions, self.profile.dictionaries)
        secret = config.gateway.secret()
        self._journal = journal if journal is not None else open_journal(config.journal.url)
        self._http_transport = http_transport
        self._catalog = catalog
        self._online: OnlineService | None = None
        try:
            self._open(config, catalog, secret, http_transport, clock)
        except BaseException:
            self._journal.close()
            raise

    def _open(self, config: Config, catalog: Catalog, secret: str, http_transport: httpx.BaseTransport | None,
              clock: clocks.Clock) -> None:
        from .engine.prepare import Preparer

        auth = self.hooks.gateway_auth(config.gateway.paasid, secret)
        transport = http_transport or self.hooks.transport(config.transport)
        self._transport = Transport(make_http_client(config.gateway, auth, transport), config.gateway.url)
        op = config.operator
        operator = Operator(op.opter, op.opter_name, op.opter_type)
        cycles = CycleSessions if self.profile.sign_out_stale_cycles else SessionManager
        sessions = cycles(self._journal, clock, mac=op.mac, ip=op.ip)
        self.engine = Engine(
            profile=self.profile, hooks=self.hooks,
            prepare=Preparer(catalog, self.profile, config.institution.kind), journal=self._journal,
            transport=self._transport, envelopes=EnvelopeFactory(config, self.profile), sessions=sessions,
            who=Sender(config.institution.fixmedins_code, operator, op.terminal), clock=clock,
            reversal_delay=config.reversal.delay_seconds, path_override=config.gateway.path,
        )  # fmt: skip
        self._reversals = ReversalQueue(self._journal, self.engine.send, self.hooks, self.profile.reversible,
                                        config.reversal, self.engine.now)
        #: the reversal queue (its backoff and jitter are methods a deployment may tune)
        self.reversals = self._reversals
        self.engine.after_hand_reversal = self._reversals.follow_up
        self.engine.person_guard.reverse_due = self._reversals.reverse_one
        self.hooks.history = self._visit_history
        ctx = Context(self.engine, config)
        self._ctx = ctx
        #: 9001 / 9002 of the configured operator
        self.sessions = Sessions(sessions, operator, op.terminal)
        #: 2101 → 2102, 2103
        self.pharmacy = PharmacyService(ctx)
        #: 2201 → 2203 → 2204 → 2206 / 2207, and the cancel chain
        self.outpatient = OutpatientService(ctx)
        #: 2401 → 2301 → 2403 → 2402 → 2303 / 2304, and the cancel chain
        self.inpatient = InpatientService(ctx)
        #: 3201 / 9101 / 3202 / 9102
        self.reconcile = ReconcileService(ctx)
        #: 3260 / 3261 / 3262
        self.clearing = ClearingService(ctx)
        #: 1301-1319, 1901 into the journal's database
        self.catalog = CatalogService(ctx)
        #: entries, recovery, reverse now
        self.journal = JournalService(self._journal, self._reversals)

    def _visit_history(self, mdtrt_id: str) -> list[dict[str, Any]]:
        """The journal's successful entries of one visit, oldest first (``yibao_after_reversal``).

        2301 / 2302 carry the visit inside their many-rows nodes, where the journal does not
        index ``mdtrt_id``: their recent entries are read and kept when a row names the visit."""
        found = {e.msgid: e for e in self._journal.list(mdtrt_id=mdtrt_id, state=State.SUCCEEDED, limit=10_000)}
        for infno in ("2301", "2302"):
            for e in self._journal.list(infno=infno, state=State.SUCCEEDED, limit=2_000):
                rows = [r for node in e.input_full.values() if isinstance(node, list) for r in node]
                if any(isinstance(r, Mapping) and r.get("mdtrt_id") == mdtrt_id for r in rows):
                    found[e.msgid] = e
        ordered = sorted(found.values(), key=lambda e: (e.created_at, e.msgid))
        return [attrs.asdict(e) for e in ordered]

    @classmethod
    def open(cls, path: str | Path | None = None, **kwargs: Any) -> Client:
        """A client for the configuration at ``path`` (else ``$YIBAO_CONFIG``, else ``./yibao.toml``)."""
        return cls(load_config(path), **kwargs)

    @property
    def online(self) -> OnlineService:
        """Online settlement (医保移动支付, e-prescription, e-invoice, local services, HIS callbacks):
        :class:`yibao.core.online.service.OnlineService`, built on first use from the region's
        ``online`` profile and ``[online]`` (their keys read then: a missing one is a
        :class:`ConfigurationError` naming it)."""
        if self._online is None:
            from .online.service import OnlineService

            self._online = OnlineService(config=self.config, profile=self.profile, hooks=self.hooks,
                                         journal=self._journal, catalog=self._catalog, ctx=self._ctx,
                                         http_transport=self._http_transport)
        return self._online

    def close(self) -> None:
        """Close the HTTP clients and the journal."""
        if self._online is not None:
            self._online.close()
        self._transport.close()
        self._journal.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ recovery

    def recover(self) -> RecoverReport:
        """The start-up run (the CLI and the service call it first): the 2601s due now.  A
        centre that cannot be reached leaves the queue as it is (it runs next time).  Rows a
        crashed process left in flight are resolved by :meth:`JournalService.recover`
        (``yibao journal recover``), which can tell them from a live terminal's by their age."""
        report = RecoverReport()
        try:
            report.merge(self._reversals.run_due())
        except YibaoError as exc:
            import structlog

            structlog.get_logger("yibao.client").warning("startup_reversals_failed", error=str(exc))
        return report

    # ------------------------------------------------------------------ sending

    @property
    def transactions(self) -> Catalog:
        """The spec catalogue of this region (national baseline + the region's own)."""
        return self.engine.prepare.catalog

    def send(self, call: Call) -> Reply:
        """Send one :class:`~yibao.core.engine.Call` through the engine."""
        return self.engine.send(call)

    def reply(self, infno: str, data: Mapping[str, Any], *, insuplc_admdvs: str | None = None,
              idem_key: str | None = None) -> Reply:
        """Send one transaction; the whole successful :class:`~yibao.core.envelope.Reply`."""
        return self.engine.send(Call(infno, data, insuplc_admdvs=insuplc_admdvs, idem_key=idem_key))

    def call(self, infno: str, data: Mapping[str, Any], *, insuplc_admdvs: str | None = None,
             idem_key: str | None = None) -> Any:
        """Send one transaction and return its ``output``."""
        return self.reply(infno, data, insuplc_admdvs=insuplc_admdvs, idem_key=idem_key).output

    def validate(self, infno: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """The input as it would go on the wire (fixed values, normalised); nothing is sent.
        Raises :class:`~yibao.core.errors.ValidationError`."""
        return self.engine.prepare(Call(infno, data)).input

    def download(self, fs_download_in: Mapping[str, Any], dest: str | Path, *,
                 max_bytes: int = 256 * 1024 * 1024) -> Path:
        """9102 文件下载 into the file ``dest`` (streamed, at most ``max_bytes``)."""
        target = Path(dest)
        with open(target, "wb") as sink:
            self._ctx.download(fs_download_in, sink, max_bytes)
        return target

    def add_observer(self, observer: Observer) -> None:
        """See every envelope before it leaves and what came back (audit, acceptance evidence)."""
        self.engine.observers.append(observer)

    def remove_observer(self, observer: Observer) -> None:
        self.engine.observers.remove(observer)

    # ------------------------------------------------------------------ identify

    def identify(self, medium: Medium, *, insuplc_admdvs: str | None = None) -> Identity:
        """The region's token steps, then 1101 人员信息获取; the chosen insurance record."""
        return identify(self._ctx, medium, insuplc_admdvs=insuplc_admdvs)

    def identify_by_reader(self, reader: MediumReader, source: str = "ss_card", *,
                           insuplc_admdvs: str | None = None) -> Identity:  # fmt: skip
        """Read the medium with ``reader`` (``client.card_reader(...)`` or any :class:`MediumReader`),
        checking the card's password where a card is read, then 1101 (see :mod:`.workflows.readers`).

        :param source: ``ss_card`` 社保卡, ``id_card`` 居民身份证 or ``ecode`` 医保电子凭证 QR code.
        """
        return identify_by_reader(self._ctx, reader, source, insuplc_admdvs=insuplc_admdvs)

    def card_reader(self, name: str | None = None, **options: Any) -> Any:
        """Open one of the region's card-reader drivers (``profile.card_readers``, e.g.
        Guangdong's ``gd-dll`` and ``simulated``); the first one when ``name`` is not given."""
        readers = self.profile.card_readers
        if not readers:
            raise PluginError(f"region {self.profile.code} declares no card reader")
        key = name or next(iter(readers))
        if key not in readers:
            raise PluginError(f"region {self.profile.code} has no card reader {key!r}; it has: {', '.join(readers)}")
        module, _, cls = readers[key].partition(":")
        return getattr(importlib.import_module(module), cls)(**options)
