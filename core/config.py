"""Configuration: TOML -> attrs, found from ``--config``, ``YIBAO_CONFIG`` or ``./yibao.toml``.

The keys are the public contract (``shared/contract.md`` "Configuration"). The secret never
sits in the file: ``gateway.secret_env`` names the environment variable that holds it.  Every
error names the key and what is wrong with it (:class:`~yibao.core.errors.ConfigurationError`,
exit 2).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from .errors import ConfigurationError

__all__ = [
    "Config",
    "GatewayConfig",
    "InstitutionConfig",
    "JournalConfig",
    "OperatorConfig",
    "ReversalConfig",
    "TimeoutConfig",
    "find_config_path",
    "load_config",
    "parse_config",
]

_ADMDVS = re.compile(r"^\d{6}$")


@attrs.frozen
class TimeoutConfig:
    """Explicit httpx timeouts in seconds: connect / read / write / pool."""

    connect: Decimal = Decimal("5")
    read: Decimal = Decimal("30")
    write: Decimal = Decimal("10")
    pool: Decimal = Decimal("5")


@attrs.frozen
class GatewayConfig:
    url: str
    paasid: str
    secret_env: str = "YIBAO_SECRET"
    ca_bundle: str = ""
    resolve: Mapping[str, str] = attrs.field(factory=dict)
    timeout: TimeoutConfig = attrs.field(factory=TimeoutConfig)

    def secret(self) -> str:
        """The secretKey, read from the environment variable ``secret_env`` names."""
        value = os.environ.get(self.secret_env, "")
        if not value:
            raise ConfigurationError(
                "gateway.secret_env", f"environment variable {self.secret_env} is not set or empty"
            )
        return value


@attrs.frozen
class InstitutionConfig:
    fixmedins_code: str
    fixmedins_name: str
    mdtrtarea_admvs: str
    kind: str = "hospital"  # pharmacy | clinic | hospital: picks clr_type rules and acceptance lists


@attrs.frozen
class OperatorConfig:
    opter: str
    opter_name: str
    opter_type: str = "1"
    terminal: str = "T01"
    mac: str = "00-00-00-00-00-00"
    ip: str = "127.0.0.1"


@attrs.frozen
class JournalConfig:
    url: str = "sqlite:///yibao-journal.db"


@attrs.frozen
class ReversalConfig:
    delay_seconds: int = 15
    max_attempts: int = 6
    not_found_retries: int = 3
    # INTENT / SENT rows younger than this may belong to a live terminal: recovery leaves them.
    interrupted_after_seconds: int = 120


@attrs.frozen
class Config:
    region: str
    gateway: GatewayConfig
    institution: InstitutionConfig
    operator: OperatorConfig
    journal: JournalConfig = attrs.field(factory=JournalConfig)
    reversal: ReversalConfig = attrs.field(factory=ReversalConfig)
    envelope: Mapping[str, str] = attrs.field(factory=dict)  # infver, recer_sys_code, dev_no...
    transport: Mapping[str, Any] = attrs.field(factory=dict)  # plugin transport options (Yunnan dll)
    source: str = ""

    def masked(self) -> dict[str, Any]:
        """The configuration as a dict for display; there is no secret in it to begin with."""
        d = attrs.asdict(self, value_serializer=lambda _i, _a, v: str(v) if isinstance(v, Decimal) else v)
        d["gateway"]["secret"] = "***" if os.environ.get(self.gateway.secret_env) else "(not set)"
        return d


def find_config_path(explicit: str | None = None) -> Path:
    """``--config FILE``, else ``$YIBAO_CONFIG``, else ``./yibao.toml``."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("YIBAO_CONFIG")
    if env:
        return Path(env)
    return Path("yibao.toml")


def load_config(path: str | Path | None = None) -> Config:
    """Read and check the configuration file."""
    p = find_config_path(str(path) if path is not None else None)
    if not p.is_file():
        raise ConfigurationError(
            "--config", f"no configuration file at {p} (write one with: yibao init --region CODE > {p})"
        )
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(str(p), f"not valid TOML: {exc}") from None
    return parse_config(data, source=str(p))


def _table(data: Mapping[str, Any], key: str, *, required: bool = True) -> Mapping[str, Any]:
    value = data.get(key)
    if value is None:
        if required:
            raise ConfigurationError(f"[{key}]", "the table is missing")
        return {}
    if not isinstance(value, dict):
        raise ConfigurationError(key, "must be a table")
    return value


def _str(table: Mapping[str, Any], prefix: str, key: str, default: str | None = None) -> str:
    value = table.get(key, default)
    name = f"{prefix}.{key}" if prefix else key
    if value is None:
        raise ConfigurationError(name, "is required")
    if not isinstance(value, str):
        raise ConfigurationError(name, f"must be a string, got {type(value).__name__}")
    return value


def _int(table: Mapping[str, Any], prefix: str, key: str, default: int) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigurationError(f"{prefix}.{key}", "must be a whole number >= 0")
    return value


def _seconds(table: Mapping[str, Any], key: str, default: Decimal) -> Decimal:
    value = table.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ConfigurationError(f"gateway.timeout.{key}", "must be a number of seconds")
    # Timeouts are not money; going through str keeps Decimal exact all the same.
    try:
        out = Decimal(str(value))
    except ArithmeticError:
        raise ConfigurationError(f"gateway.timeout.{key}", "must be a number of seconds") from None
    if out <= 0:
        raise ConfigurationError(f"gateway.timeout.{key}", "must be more than 0")
    return out


def parse_config(data: Mapping[str, Any], *, source: str = "") -> Config:
    """Check a parsed TOML document and build :class:`Config`; errors name the key."""
    region = _str(data, "", "region")
    if not _ADMDVS.match(region):
        raise ConfigurationError("region", f"must be a 6-digit admdvs code, got {region!r}")
    gw = _table(data, "gateway")
    url = _str(gw, "gateway", "url")
    if not re.match(r"^https?://[^/\s]+", url):
        raise ConfigurationError("gateway.url", f"must be an http(s) URL, got {url!r}")
    resolve = gw.get("resolve", {})
    if not isinstance(resolve, dict) or not all(isinstance(v, str) for v in resolve.values()):
        raise ConfigurationError("gateway.resolve", 'must be a table of host = "ip"')
    ca = _str(gw, "gateway", "ca_bundle", "")
    if ca and not Path(ca).is_file():
        raise ConfigurationError("gateway.ca_bundle", f"file {ca} does not exist")
    to = gw.get("timeout", {})
    if not isinstance(to, dict):
        raise ConfigurationError("gateway.timeout", "must be a table")
    timeout = TimeoutConfig(
        connect=_seconds(to, "connect", Decimal("5")),
        read=_seconds(to, "read", Decimal("30")),
        write=_seconds(to, "write", Decimal("10")),
        pool=_seconds(to, "pool", Decimal("5")),
    )
    gateway = GatewayConfig(
        url=url.rstrip("/"),
        paasid=_str(gw, "gateway", "paasid"),
        secret_env=_str(gw, "gateway", "secret_env", "YIBAO_SECRET"),
        ca_bundle=ca,
        resolve=dict(resolve),
        timeout=timeout,
    )
    ins = _table(data, "institution")
    code = _str(ins, "institution", "fixmedins_code")
    if len(code) != 12:
        raise ConfigurationError("institution.fixmedins_code", f"must be 12 characters, got {len(code)}")
    area = _str(ins, "institution", "mdtrtarea_admvs")
    if not _ADMDVS.match(area):
        raise ConfigurationError("institution.mdtrtarea_admvs", f"must be a 6-digit admdvs code, got {area!r}")
    kind = _str(ins, "institution", "kind", "hospital")
    if kind not in ("pharmacy", "clinic", "hospital"):
        raise ConfigurationError("institution.kind", "must be one of pharmacy, clinic, hospital")
    institution = InstitutionConfig(code, _str(ins, "institution", "fixmedins_name"), area, kind)
    op = _table(data, "operator")
    opter_type = _str(op, "operator", "opter_type", "1")
    if opter_type not in ("1", "2", "3"):
        raise ConfigurationError("operator.opter_type", "must be 1 (经办人), 2 (自助终端) or 3 (移动终端)")
    operator = OperatorConfig(
        opter=_str(op, "operator", "opter"),
        opter_name=_str(op, "operator", "opter_name"),
        opter_type=opter_type,
        terminal=_str(op, "operator", "terminal", "T01"),
        mac=_str(op, "operator", "mac", "00-00-00-00-00-00"),
        ip=_str(op, "operator", "ip", "127.0.0.1"),
    )
    jr = _table(data, "journal", required=False)
    jurl = _str(jr, "journal", "url", "sqlite:///yibao-journal.db")
    if not (jurl.startswith("sqlite:///") or jurl.startswith(("postgresql://", "postgres://"))):
        raise ConfigurationError("journal.url", "must start with sqlite:/// or postgresql://")
    rv = _table(data, "reversal", required=False)
    reversal = ReversalConfig(
        delay_seconds=_int(rv, "reversal", "delay_seconds", 15),
        max_attempts=_int(rv, "reversal", "max_attempts", 6),
        not_found_retries=_int(rv, "reversal", "not_found_retries", 3),
        interrupted_after_seconds=_int(rv, "reversal", "interrupted_after_seconds", 120),
    )
    env = _table(data, "envelope", required=False)
    if not all(isinstance(v, str) for v in env.values()):
        raise ConfigurationError("envelope", "values must be strings")
    return Config(
        region=region,
        gateway=gateway,
        institution=institution,
        operator=operator,
        journal=JournalConfig(jurl),
        reversal=reversal,
        envelope=dict(env),
        transport=dict(_table(data, "transport", required=False)),
        source=source,
    )
