"""``[online]``: where the online parties are and where their keys are found (contract.md,
"Configuration keys of online settlement").

Keys are never in the file: the file names environment variables (``*_env``) or key files
(``*_file``) and :mod:`.credentials` reads them.  Every default is on the attrs classes below;
an empty text means "the region's or the parent table's value" (``[online.rx]`` falls back to
``[online]``, ``[online] url`` to ``gateway.url``).  The tables are structured by the
configuration's strict converter (``yibao.core.config``): an unknown key, a wrong type or a
broken rule is a configuration error naming the key (exit 2).
"""

from __future__ import annotations

import re
from typing import Any

import attrs

__all__ = [
    "EnvelopeSettings",
    "InvoiceSettings",
    "LocalSettings",
    "OnlineConfig",
    "PartySettings",
]


class OnlineRuleError(ValueError):
    """A value of ``[online]`` broke a rule (read by the configuration's error collector)."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(problem)
        self.name = name


def _rule(check: Any, problem: str) -> Any:
    def validate(_inst: object, attribute: attrs.Attribute[object], value: object) -> None:
        if not check(value):
            raise OnlineRuleError(attribute.name, f"{problem}, got {value!r}")

    return validate


def _url_or_empty(value: str) -> bool:
    return not value or re.match(r"^https?://[^/\s]+", value) is not None


def _env_name(value: str) -> bool:
    return not value or re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value) is not None


def _one_of(*choices: str) -> Any:
    return _rule(lambda v: v in choices, "must be one of " + ", ".join(choices))


_URL = _rule(_url_or_empty, "must be an http(s) URL or empty")
_ENV = _rule(_env_name, "must be an environment variable name or empty")


@attrs.frozen
class EnvelopeSettings:
    """``[online.envelope]``: the SM4 / SM2 envelope's open choices (docs/gm-crypto.md, Options);
    the defaults are the contract's."""

    sm2_user_id: str = attrs.field(default="1234567812345678", validator=_rule(bool, "must not be empty"))
    user_id_is_app_secret: bool = False
    signed_data: str = attrs.field(default="plaintext", validator=_one_of("plaintext", "ciphertext"))
    signature_encoding: str = attrs.field(default="raw-base64",
                                          validator=_one_of("raw-base64", "der-base64", "raw-hex"))
    timestamp_format: str = attrs.field(default="millis", validator=_one_of("millis", "seconds", "yyyyMMddHHmmss"))
    version: str = attrs.field(default="1.0.0", validator=_rule(bool, "must not be empty"))
    max_clock_skew: int = attrs.field(default=600, validator=_rule(lambda v: v >= 0, "must be >= 0 seconds"))


@attrs.frozen
class PartySettings:
    """``[online.rx]`` / ``[online.channel]``: a party speaking the same envelope; every empty
    key falls back to ``[online]``'s."""

    url: str = attrs.field(default="", validator=_URL)
    app_id: str = ""
    app_secret_env: str = attrs.field(default="", validator=_ENV)
    private_key_env: str = attrs.field(default="", validator=_ENV)
    private_key_file: str = ""
    platform_key_env: str = attrs.field(default="", validator=_ENV)
    platform_key_file: str = ""


@attrs.frozen
class InvoiceSettings:
    """``[online.invoice]``: the 财政电子票据 vendor (Base64 + MD5 envelope)."""

    url: str = attrs.field(default="", validator=_URL)
    app_id: str = ""
    app_key_env: str = attrs.field(default="", validator=_ENV)
    version: str = "1.0"
    place_code: str = "001"  # 开票点编码, issued by the vendor
    payee: str = "收费员"  # 收款人
    author: str = "开票员"  # 开票人


@attrs.frozen
class LocalSettings:
    """``[online.local]``: the region's local services (the functions without a public
    interface), at a configurable endpoint with the shapes of the region's plugin; a JSON
    ``services_file`` replaces a shape or a path by interface id when the bureau's document
    arrives."""

    url: str = attrs.field(default="", validator=_URL)
    services_file: str = ""


@attrs.frozen
class OnlineConfig:
    """``[online]``: the 医保移动支付 centre and, in sub-tables, the other parties."""

    url: str = attrs.field(default="", validator=_URL)
    app_id: str = ""
    app_secret_env: str = attrs.field(default="", validator=_ENV)
    private_key_env: str = attrs.field(default="", validator=_ENV)
    private_key_file: str = ""
    platform_key_env: str = attrs.field(default="", validator=_ENV)
    platform_key_file: str = ""
    #: orgCodg / orgName; empty: institution.fixmedins_code / fixmedins_name
    org_codg: str = ""
    org_name: str = ""
    #: uldLatlnt "lng,lat" sent with 6201 / 6202 (online_settlement.md §4.1: sent in practice)
    lat_lng: str = ""
    #: seconds to wait between 6301 polls while an order is being paid
    poll_seconds: int = attrs.field(default=3, validator=_rule(lambda v: v >= 0, "must be >= 0"))
    envelope: EnvelopeSettings = attrs.field(factory=EnvelopeSettings)
    rx: PartySettings = attrs.field(factory=PartySettings)
    channel: PartySettings = attrs.field(factory=PartySettings)
    invoice: InvoiceSettings = attrs.field(factory=InvoiceSettings)
    local: LocalSettings = attrs.field(factory=LocalSettings)

    @property
    def configured(self) -> bool:
        """Whether the file has an ``[online]`` table with an ``app_id``."""
        return bool(self.app_id)


#: the table classes by name (the configuration's error ranking resolves string annotations)
TABLES = {c.__name__: c for c in (OnlineConfig, EnvelopeSettings, PartySettings, InvoiceSettings, LocalSettings)}
