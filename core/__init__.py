"""yibao.core: the province-neutral engine and its public Python API.

Everything an integrator or a plugin author uses is importable from here::

    from yibao.core import Client, Medium, FeeItem, Diagnosis, load_config

- :class:`Client` and its domain services (``client.identify``, ``client.pharmacy``,
  ``client.outpatient``, ``client.inpatient``, ``client.reconcile``, ``client.clearing``,
  ``client.catalog``, ``client.journal``): see ``docs/python-api.md``;
- the values they take and give (:class:`Medium`, :class:`Identity`, :class:`FeeItem`,
  :class:`Diagnosis`, :class:`Settlement`, :class:`Reply`, :class:`Entry`, :class:`State`);
- the error tree (:class:`YibaoError` and its leaves, with the CLI's exit codes);
- the plugin kit (:data:`hookimpl`, :class:`RegionProfile`, :class:`Routing`, :class:`RegionRegistry`).

Nothing here knows a province.  Province plugins import only this package's public face
(this module, :mod:`yibao.core.plugins`, :mod:`yibao.core.catalog`, :mod:`yibao.core.errors`,
:mod:`yibao.core.testing`); the rule is checked by import-linter in CI.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

# The names are resolved on first use (PEP 562): ``import yibao.core`` (which every import of a
# submodule runs, e.g. the sandbox's ``yibao.core.catalog.schema`` or the pytest plugin
# ``yibao.core.testing``) loads nothing of the client until a name is asked for.
if TYPE_CHECKING:
    from .acceptance import AcceptanceSession
    from .catalog import Catalog, load_catalog
    from .client import Client, Sessions
    from .clock import SHANGHAI, wire_date, wire_time
    from .config import Config, load_config, parse_config
    from .engine import Call, Observer, Operator, RecoverReport, Settlement
    from .envelope import Envelope, Reply
    from .errors import (
        BusinessError,
        ConfigurationError,
        GatewayError,
        NotSentError,
        OutcomeUnknownError,
        PluginError,
        StateError,
        ValidationError,
        ValidationIssue,
        YibaoError,
    )
    from .gateway import TifSignatureAuth, TifVerifier, tif_signature
    from .journal import Entry, State
    from .logging import configure_logging
    from .masking import mask_input, scrub_text
    from .online.flow import Consultation, Doctor, Pharmacist, RxItem
    from .online.orders import OnlineOrder, RefundParts
    from .online.profile import CredentialDefaults as OnlineCredentials
    from .online.profile import Endpoint as OnlineEndpoint
    from .online.profile import FunctionRow as OnlineFunction
    from .online.profile import OnlineProfile, RetryPolicy
    from .online.service import PayAuth
    from .online.states import OrderState
    from .plugins import (
        NATIONAL_CODE,
        RegionHooks,
        RegionProfile,
        RegionRegistry,
        Routing,
        hookimpl,
        load_registry,
        merge_fixed,
    )
    from .wire import dumps as wire_dumps
    from .wire import loads as wire_loads
    from .workflows.fees import FeeItem
    from .workflows.identify import Identity, Medium
    from .workflows.inpatient import InpatientStay
    from .workflows.outpatient import Diagnosis, OutpatientVisit
    from .workflows.readers import MediumReader

_LAZY: dict[str, tuple[str, str]] = {
    "AcceptanceSession": (".acceptance", "AcceptanceSession"),
    "MediumReader": (".workflows.readers", "MediumReader"),
    "BusinessError": (".errors", "BusinessError"),
    "Call": (".engine", "Call"),
    "Catalog": (".catalog", "Catalog"),
    "Client": (".client", "Client"),
    "Config": (".config", "Config"),
    "ConfigurationError": (".errors", "ConfigurationError"),
    "Consultation": (".online.flow", "Consultation"),
    "Diagnosis": (".workflows.outpatient", "Diagnosis"),
    "Doctor": (".online.flow", "Doctor"),
    "Entry": (".journal", "Entry"),
    "Envelope": (".envelope", "Envelope"),
    "FeeItem": (".workflows.fees", "FeeItem"),
    "GatewayError": (".errors", "GatewayError"),
    "Identity": (".workflows.identify", "Identity"),
    "InpatientStay": (".workflows.inpatient", "InpatientStay"),
    "Medium": (".workflows.identify", "Medium"),
    "NATIONAL_CODE": (".plugins", "NATIONAL_CODE"),
    "NotSentError": (".errors", "NotSentError"),
    "Observer": (".engine", "Observer"),
    "Operator": (".engine", "Operator"),
    "OutcomeUnknownError": (".errors", "OutcomeUnknownError"),
    "OnlineCredentials": (".online.profile", "CredentialDefaults"),
    "OnlineEndpoint": (".online.profile", "Endpoint"),
    "OnlineFunction": (".online.profile", "FunctionRow"),
    "OnlineOrder": (".online.orders", "OnlineOrder"),
    "OnlineProfile": (".online.profile", "OnlineProfile"),
    "OrderState": (".online.states", "OrderState"),
    "OutpatientVisit": (".workflows.outpatient", "OutpatientVisit"),
    "PayAuth": (".online.service", "PayAuth"),
    "Pharmacist": (".online.flow", "Pharmacist"),
    "PluginError": (".errors", "PluginError"),
    "RecoverReport": (".engine", "RecoverReport"),
    "RegionHooks": (".plugins", "RegionHooks"),
    "RegionProfile": (".plugins", "RegionProfile"),
    "RegionRegistry": (".plugins", "RegionRegistry"),
    "Reply": (".envelope", "Reply"),
    "RefundParts": (".online.orders", "RefundParts"),
    "RetryPolicy": (".online.profile", "RetryPolicy"),
    "Routing": (".plugins", "Routing"),
    "RxItem": (".online.flow", "RxItem"),
    "SHANGHAI": (".clock", "SHANGHAI"),
    "Sessions": (".client", "Sessions"),
    "Settlement": (".engine", "Settlement"),
    "State": (".journal", "State"),
    "StateError": (".errors", "StateError"),
    "TifSignatureAuth": (".gateway", "TifSignatureAuth"),
    "TifVerifier": (".gateway", "TifVerifier"),
    "ValidationError": (".errors", "ValidationError"),
    "ValidationIssue": (".errors", "ValidationIssue"),
    "YibaoError": (".errors", "YibaoError"),
    "configure_logging": (".logging", "configure_logging"),
    "hookimpl": (".plugins", "hookimpl"),
    "load_catalog": (".catalog", "load_catalog"),
    "load_config": (".config", "load_config"),
    "load_registry": (".plugins", "load_registry"),
    "mask_input": (".masking", "mask_input"),
    "merge_fixed": (".plugins", "merge_fixed"),
    "parse_config": (".config", "parse_config"),
    "scrub_text": (".masking", "scrub_text"),
    "tif_signature": (".gateway", "tif_signature"),
    "wire_date": (".clock", "wire_date"),
    "wire_dumps": (".wire", "dumps"),
    "wire_loads": (".wire", "loads"),
    "wire_time": (".clock", "wire_time"),
}

__all__ = [
    "NATIONAL_CODE",
    "SHANGHAI",
    "AcceptanceSession",
    "BusinessError",
    "Call",
    "Catalog",
    "Client",
    "Config",
    "ConfigurationError",
    "Consultation",
    "Diagnosis",
    "Doctor",
    "Entry",
    "Envelope",
    "FeeItem",
    "GatewayError",
    "Identity",
    "InpatientStay",
    "Medium",
    "MediumReader",
    "NotSentError",
    "Observer",
    "OnlineCredentials",
    "OnlineEndpoint",
    "OnlineFunction",
    "OnlineOrder",
    "OnlineProfile",
    "Operator",
    "OrderState",
    "OutcomeUnknownError",
    "OutpatientVisit",
    "PayAuth",
    "Pharmacist",
    "PluginError",
    "RecoverReport",
    "RefundParts",
    "RegionHooks",
    "RegionProfile",
    "RegionRegistry",
    "Reply",
    "RetryPolicy",
    "Routing",
    "RxItem",
    "Sessions",
    "Settlement",
    "State",
    "StateError",
    "TifSignatureAuth",
    "TifVerifier",
    "ValidationError",
    "ValidationIssue",
    "YibaoError",
    "__version__",
    "configure_logging",
    "hookimpl",
    "load_catalog",
    "load_config",
    "load_registry",
    "mask_input",
    "merge_fixed",
    "parse_config",
    "scrub_text",
    "tif_signature",
    "wire_date",
    "wire_dumps",
    "wire_loads",
    "wire_time",
]


def __getattr__(name: str) -> Any:
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module, __name__), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
