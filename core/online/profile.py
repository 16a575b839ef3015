"""What a region supplies for online settlement, as data (:attr:`RegionProfile.online`).

医保移动支付 (6201-6401), the 电子处方流转中心 (7101-7107), a 财政电子票据 vendor and a region's
local services are national or vendor platforms: the engine for them is province-neutral
(:mod:`yibao.core.online`).  A region plugin only says, as data, *where* each interface lives
(:class:`Endpoint`), which envelope scheme its centre speaks, the defaults of where credentials
are found, and how the region's required functions map to interfaces (:class:`FunctionRow`,
Xiamen's 29).  Field tables are catalogue entries (``RegionProfile.extra_transactions``), so a
hospital whose bureau publishes a different shape changes data (``[online.local]
services_file``), never code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import attrs

__all__ = ["PARTIES", "CredentialDefaults", "Endpoint", "FunctionRow", "OnlineProfile", "RetryPolicy"]

#: who answers an interface: the 医保移动支付 centre, the e-prescription centre, the e-invoice
#: vendor, the region's local services, the payment channel, the national 2.x gateway (the
#: engine's own transactions), or the HIS (called back through ``yibao_his_request``).
Party = Literal["mobilepay", "rx", "invoice", "local", "channel", "gateway", "his", "notice"]
PARTIES: tuple[str, ...] = ("mobilepay", "rx", "invoice", "local", "channel", "gateway", "his", "notice")
Kind = Literal["query", "state", "money"]


@attrs.frozen
class Endpoint:
    """One interface of an online party.

    :param id: the interface id: the national number (``6201``, ``7101``) or the region's own
        (``XM01``, ``EB01``); its field table is the catalogue entry of the same id.
    :param party: who answers it (:data:`PARTIES`).
    :param path: below the party's base URL (``/org/local/api/hos/uldFeeInfo``); for the
        e-invoice vendor the method path (``/api/medical/invoiceEBillOutpatient``).
    :param kind: ``money`` and ``state`` interfaces are journaled before they leave.
    :param envelope: the envelope scheme (``sm4-sm2``, ``base64-md5`` for the vendor, ``json``
        for a plain local service); empty means the profile's :attr:`OnlineProfile.scheme`.
    :param verified: whether the path and the field table come from a public source.
    :param source: what the entry rests on.
    """

    id: str
    party: Party
    name: str
    path: str = ""
    kind: Kind = "query"
    envelope: str = ""
    verified: bool = False
    source: str = ""


@attrs.frozen
class FunctionRow:
    """One function a region requires (Xiamen spec 003 建设内容: 29 rows) and the interfaces
    that implement it, in calling order."""

    number: int
    module: str
    name: str
    interfaces: tuple[str, ...]
    verified: bool
    basis: str
    requirement: str = ""


@attrs.frozen
class RetryPolicy:
    """Retry semantics of a call the platform repeats until it is answered: ``attempts`` in
    all, waiting ``first_delay`` seconds and then ``factor`` times longer each time, at most
    ``max_delay``."""

    attempts: int = 5
    first_delay: float = 1.0
    factor: float = 2.0
    max_delay: float = 300.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait before attempt ``attempt + 1`` (``attempt`` counted from 1)."""
        return float(min(self.max_delay, self.first_delay * self.factor ** max(0, attempt - 1)))


@attrs.frozen
class CredentialDefaults:
    """Where the keys are looked for when the configuration does not say (environment
    variable names; never the keys themselves)."""

    app_secret_env: str = "YIBAO_MOBILEPAY_SECRET"
    private_key_env: str = "YIBAO_MOBILEPAY_PRIVATE_KEY"
    platform_key_env: str = "YIBAO_MOBILEPAY_PLATFORM_KEY"
    invoice_key_env: str = "YIBAO_EINVOICE_KEY"


@attrs.frozen
class OnlineProfile:
    """The online-settlement side of a region.

    :param scheme: the envelope scheme of the mobile-payment and e-prescription centres
        (``sm4-sm2``: online_settlement.md §3; another is supplied through
        ``yibao_envelope_scheme``).
    :param endpoints: every interface by id.
    :param functions: the region's required functions (``yibao acceptance --kind internet``).
    :param credentials: default environment-variable names of the keys.
    :param his_retry: how a HIS callback that answers neither success nor refusal is retried
        (the PreBillCharge contract: ``resultCode`` 0 ok, -1 refused, anything else retried).
    :param notice_path: where the institution's receiver takes the centre's pushes.
    """

    scheme: str = "sm4-sm2"
    endpoints: Mapping[str, Endpoint] = attrs.field(factory=dict)
    functions: tuple[FunctionRow, ...] = ()
    credentials: CredentialDefaults = attrs.field(factory=CredentialDefaults)
    his_retry: RetryPolicy = attrs.field(factory=RetryPolicy)
    notice_path: str = "/yibao/online/notify"

    def endpoint(self, interface: str) -> Endpoint:
        """The endpoint of ``interface``; ``KeyError`` naming it when the region has none."""
        try:
            return self.endpoints[interface]
        except KeyError:
            raise KeyError(f"interface {interface} is not an endpoint of this region's online profile") from None

    def function(self, number: int) -> FunctionRow:
        return next(f for f in self.functions if f.number == number)
