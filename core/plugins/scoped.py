"""The hooks of one region, called only on that region's plugins, with typed results.

For a region the engine builds its own ``pluggy.PluginManager`` holding, in registration
order, yibao's national defaults (:mod:`.national`), the region-neutral plugins (those that
register no region at all: a HIS's order handler, an audit trail), then the province's plugin,
then the city's.  pluggy calls the last registered first, so a call goes city -> province ->
neutral -> national, and a plugin that registered any *other* region is simply not there: it
cannot win a ``firstresult`` hook, observe an envelope or add a warning to a Guangdong call
(pytest scopes conftest hooks the same way with ``subset_hook_caller``).

:class:`RegionHooks` gives each hook a typed method and checks what plugins return, so a
plugin's mistake is a :class:`~yibao.core.errors.PluginError` naming the hook, not an
``AttributeError`` deep in a workflow.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pluggy

from ..errors import PluginError
from . import hookspecs, national
from .hookspecs import Call
from .markers import NAME

if TYPE_CHECKING:
    import httpx

    from ..engine.results import Settlement
    from ..gm import Credentials, EnvelopeOptions
    from ..online.schemes import EnvelopeScheme
    from .profile import RegionProfile
    from .registry import RegionRegistry

__all__ = ["RegionHooks"]


class RegionHooks:
    """Typed access to the hooks of ``profile``'s plugins (and its parents')."""

    def __init__(self, profile: RegionProfile, plugins: list[tuple[str, object]],
                 neutral: Sequence[tuple[str, object]] = ()) -> None:
        """``plugins``: (name, plugin) most specific first, as :meth:`for_region` finds them;
        ``neutral``: the plugins that serve no region of their own."""
        self.profile = profile
        pm = pluggy.PluginManager(NAME)
        pm.add_hookspecs(hookspecs)
        pm.register(national, name=national.NAME)
        for name, plugin in [*neutral, *reversed(plugins)]:
            if not pm.is_registered(plugin):
                pm.register(plugin, name=name)
        self._pm = pm
        self._hook = pm.hook
        #: whether any plugin observes envelopes (the engine builds the dict only then)
        self.observes_envelopes = bool(self._hook.yibao_before_send.get_hookimpls())
        #: ``history(mdtrt_id)`` -> the journal's successful entries of that visit (set by the client)
        self.history: Callable[[str], list[dict[str, Any]]] | None = None

    @classmethod
    def for_region(cls, registry: RegionRegistry, profile: RegionProfile) -> RegionHooks:
        """The hooks of ``profile`` and its parent regions, from the registry's plugins."""
        found: list[tuple[str, object]] = []
        neutral: list[tuple[str, object]] = []
        pm = registry.pm
        if pm is not None:
            for p in registry.chain(profile):
                name = registry.owner(p.code)
                plugin = pm.get_plugin(name) if name else None
                if plugin is not None:
                    found.append((name, plugin))
            neutral = [(n, pm.get_plugin(n)) for n in registry.neutral if pm.get_plugin(n) is not None]
        return cls(profile, found, neutral)

    @property
    def relay(self) -> Any:
        """The scoped pluggy hook relay itself (``relay.yibao_<name>(...)``), for tools and tests."""
        return self._hook

    def add_plugin(self, plugin: object, name: str) -> None:
        """Register one more plugin for this region only, called before the region's own (a
        rehearsal's stand-in HIS); a plugin already there is left as it is."""
        if not self._pm.is_registered(plugin):
            self._pm.register(plugin, name=name)
            self.observes_envelopes = bool(self._hook.yibao_before_send.get_hookimpls())

    def implements(self, hook: str) -> bool:
        """Whether a plugin other than yibao's national defaults implements ``hook``."""
        impls = getattr(self._hook, hook).get_hookimpls()
        return any(i.plugin_name != national.NAME for i in impls)

    def plugin_names(self) -> list[str]:
        """The plugins this region's hooks reach, national defaults last."""
        return [name for name, _ in reversed(self._pm.list_name_plugin())]

    # ------------------------------------------------------------------ transport

    def gateway_auth(self, paasid: str, secret: str) -> httpx.Auth:
        """The signer for ``profile.auth``."""
        import httpx

        auth = self._hook.yibao_gateway_auth(profile=self.profile, paasid=paasid, secret=secret)
        if auth is None:
            raise PluginError(f"region {self.profile.code} signs with {self.profile.auth!r}, "
                              "which no installed plugin supplies (yibao_gateway_auth)")
        if not isinstance(auth, httpx.Auth):
            raise PluginError(f"yibao_gateway_auth for {self.profile.code} returned {type(auth).__name__}, "
                              "not an httpx.Auth")
        return auth

    def transport(self, options: Mapping[str, Any]) -> httpx.BaseTransport | None:
        """The transport ``profile.transport`` names; ``None`` for plain HTTP."""
        import httpx

        result = self._hook.yibao_transport(profile=self.profile, options=dict(options))
        if result is not None and not isinstance(result, httpx.BaseTransport):
            raise PluginError(f"yibao_transport for {self.profile.code} returned {type(result).__name__}")
        if result is None and self.profile.transport != "http" and options.get("kind") != "http":
            raise PluginError(f"region {self.profile.code} sends through {self.profile.transport!r}, which no "
                              "installed plugin supplies (yibao_transport); [transport] kind = \"http\" rehearses "
                              "over HTTP")
        return result

    def envelope_scheme(self, name: str, credentials: Credentials | None, options: EnvelopeOptions
                        ) -> EnvelopeScheme:
        """The online envelope scheme ``name`` (``sm4-sm2`` built in)."""
        from ..online.schemes import EnvelopeScheme

        scheme = self._hook.yibao_envelope_scheme(profile=self.profile, name=name, credentials=credentials,
                                                  options=options)
        if scheme is None:
            raise PluginError(f"region {self.profile.code} speaks the envelope {name!r} online, which no installed "
                              "plugin supplies (yibao_envelope_scheme)")
        if not isinstance(scheme, EnvelopeScheme):
            raise PluginError(f"yibao_envelope_scheme {name!r} returned {type(scheme).__name__}, not an envelope "
                              "scheme (seal, open_reply, open_notice, answer_notice)")
        return scheme

    def before_send(self, infno: str, envelope: Mapping[str, Any]) -> None:
        """Tell the observers an envelope is about to leave."""
        self._hook.yibao_before_send(profile=self.profile, infno=infno, envelope=envelope)

    # ------------------------------------------------------------------ identify / settle

    def read_medium(self, step: str, request: Mapping[str, Any], call: Call) -> dict[str, Any]:
        """Fields a token step (1191, 1192) adds to the request; ``{}`` when none."""
        result = self._hook.yibao_read_medium(profile=self.profile, step=step, request=request, call=call)
        if result is None:
            return {}
        if not isinstance(result, Mapping):
            raise PluginError(f"yibao_read_medium {step} for {self.profile.code} returned {type(result).__name__}")
        return dict(result)

    def medium_input(self, medium: Any) -> dict[str, Any] | None:
        """The region's 1101 ``data`` for ``medium`` (Gansu §3.2); ``None`` for the national shape."""
        result = self._hook.yibao_medium_input(profile=self.profile, medium=medium)
        if result is None:
            return None
        if not isinstance(result, Mapping):
            raise PluginError(f"yibao_medium_input for {self.profile.code} returned {type(result).__name__}")
        return dict(result)

    def after_settle(self, infno: str, settlement: Settlement) -> list[str]:
        """The cashier warnings the region's plugins give for a settlement or cancel."""
        results = self._hook.yibao_after_settle(profile=self.profile, infno=infno, settlement=settlement)
        return [str(r) for r in results if r]

    def after_reversal(self, entry: Mapping[str, Any], call: Call) -> list[str]:
        """The follow-up infnos a plugin sent after a reversal (Yunnan §1.11.6).

        The plugin also gets the visit's journal history (:attr:`history`, bound by the client),
        so a follow-up can re-upload what the HIS uploaded even when the lost settlement's
        ``setl_id`` was never known."""
        mdtrt_id = str(entry.get("mdtrt_id") or "")
        history = self.history(mdtrt_id) if (self.history is not None and mdtrt_id) else []
        result = self._hook.yibao_after_reversal(profile=self.profile, entry=entry, call=call, history=history)
        if result is None:
            return []
        if not isinstance(result, list | tuple):
            raise PluginError(f"yibao_after_reversal for {self.profile.code} returned {type(result).__name__}")
        return [str(i) for i in result]

    # ------------------------------------------------------------------ institution side, acceptance

    def online_order(self, infno: str, order: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """The HIS's answer to a call from the centre; ``None`` when no handler is installed."""
        result = self._hook.yibao_online_order(profile=self.profile, infno=infno, order=order)
        if result is not None and not isinstance(result, Mapping):
            raise PluginError(f"yibao_online_order {infno} returned {type(result).__name__}")
        return result

    def acceptance_flows(self, kind: str, groups: Sequence[str]) -> list[Any]:
        """The region's own acceptance flows (city's first, then the province's)."""
        results = self._hook.yibao_acceptance_flows(profile=self.profile, kind=kind, groups=list(groups))
        flows: list[Any] = []
        for r in results:
            if r is None:
                continue
            if not isinstance(r, list | tuple) or not all(callable(f) for f in r):
                raise PluginError(f"yibao_acceptance_flows for {self.profile.code} returned {type(r).__name__}")
            flows.extend(r)
        return flows

    def acceptance_form(self, kind: str, report: Mapping[str, Any]) -> dict[str, Any] | None:
        """The region's acceptance form for a finished run, or ``None``."""
        result = self._hook.yibao_acceptance_form(profile=self.profile, kind=kind, report=report)
        if result is not None and not isinstance(result, Mapping):
            raise PluginError(f"yibao_acceptance_form for {self.profile.code} returned {type(result).__name__}")
        return dict(result) if result is not None else None

    def his_request(self, name: str, payload: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """The HIS's answer to a callback (functions 23-25); ``None`` when no handler answered."""
        result = self._hook.yibao_his_request(profile=self.profile, name=name, payload=payload)
        if result is not None and not isinstance(result, Mapping):
            raise PluginError(f"yibao_his_request {name} returned {type(result).__name__}, not a mapping")
        return result

    def acceptance_notes(self, kind: str) -> dict[str, str]:
        """``{infno: evidence note}`` for institution ``kind``; ``{}`` when the region has none."""
        result = self._hook.yibao_acceptance_notes(profile=self.profile, kind=kind)
        return {str(k): str(v) for k, v in (result or {}).items()}
