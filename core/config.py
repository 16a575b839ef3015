"""Configuration: TOML -> attrs classes (structured by cattrs), found from ``--config``,
``YIBAO_CONFIG`` or ``./yibao.toml``.

The keys are the public contract (``shared/contract.md`` "Configuration" and "Additions"); the
defaults live once, on the attrs classes below.  Structuring is strict: an unknown key (a
misspelt ``delay_second``, a ``[reversl]`` table), a value of the wrong type (no silent
``1`` -> ``"1"``) and a value that breaks a rule are :class:`ConfigurationError` naming the key
(exit 2).  Whether ``region`` is a region some plugin serves is checked when a client opens,
against the installed plugins (:meth:`yibao.core.plugins.RegionRegistry.resolve`).

The secret never sits in the file: ``gateway.secret_env`` names the environment variable.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import attrs
import cattrs
import cattrs.gen

from .errors import ConfigurationError
from .online.settings import TABLES as _ONLINE_TABLES
from .online.settings import OnlineConfig, OnlineRuleError
from .textfile import NotUtf8, read_text

__all__ = [
    "Config",
    "ConsoleConfig",
    "EnvelopeConfig",
    "GatewayConfig",
    "InstitutionConfig",
    "JournalConfig",
    "OperatorConfig",
    "ReversalConfig",
    "ServiceConfig",
    "TimeoutConfig",
    "find_config_path",
    "load_config",
    "parse_config",
]

_ADMDVS = re.compile(r"^\d{6}$")
_TERMINAL = re.compile(r"^T(0[1-9]|[1-9]\d)$")


class _RuleError(ValueError):
    """A value broke a rule of the key ``name`` (raised by a validator, read by :func:`_errors`)."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(problem)
        self.name = name


def _rule(check: Any, problem: str) -> Any:
    """An attrs validator whose failure names the key and the rule."""

    def validate(_inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not check(value):
            raise _RuleError(attribute.name, f"{problem}, got {value!r}")

    return validate


def _seconds(value: Decimal) -> bool:
    return value > 0


@attrs.frozen
class TimeoutConfig:
    """``[gateway.timeout]``: explicit httpx timeouts in seconds (a read timeout after the bytes
    left is an UNKNOWN outcome, reversed by 2601)."""

    connect: Decimal = attrs.field(default=Decimal("5"), validator=_rule(_seconds, "must be more than 0 seconds"))
    read: Decimal = attrs.field(default=Decimal("30"), validator=_rule(_seconds, "must be more than 0 seconds"))
    write: Decimal = attrs.field(default=Decimal("10"), validator=_rule(_seconds, "must be more than 0 seconds"))
    pool: Decimal = attrs.field(default=Decimal("5"), validator=_rule(_seconds, "must be more than 0 seconds"))
    #: how long an idle connection may wait to be reused; below the centre's own idle timeout, so
    #: that a request never meets a connection the centre is closing (that request is UNKNOWN)
    keepalive: Decimal = attrs.field(default=Decimal("2"), validator=_rule(lambda s: s >= 0,
                                                                             "must be 0 or more seconds"))


def _url(value: str) -> bool:
    return re.match(r"^https?://[^/\s]+", value) is not None


def _strip_slash(value: str) -> str:
    return value.rstrip("/") if isinstance(value, str) else value


@attrs.frozen
class GatewayConfig:
    """``[gateway]``: where the centre is and how requests are signed."""

    url: str = attrs.field(validator=_rule(_url, "must be an http(s) URL"), converter=_strip_slash)
    paasid: str = attrs.field(validator=_rule(bool, "must not be empty"))
    secret_env: str = attrs.field(default="YIBAO_SECRET", validator=_rule(bool, "must name a variable"))
    ca_bundle: str = attrs.field(default="", validator=_rule(lambda p: not p or Path(p).is_file(),
                                                              "must be an existing PEM file"))
    resolve: Mapping[str, str] = attrs.field(factory=dict)
    #: optional: the service path instead of the region's routing (Gansu §2.1 服务开放路径)
    path: str = attrs.field(default="", validator=_rule(lambda p: not p or p.startswith("/"),
                                                         "must start with /"))
    timeout: TimeoutConfig = attrs.field(factory=TimeoutConfig)

    def secret(self) -> str:
        """The secretKey, read from the environment variable ``secret_env`` names."""
        value = os.environ.get(self.secret_env, "")
        if not value:
            raise ConfigurationError("gateway.secret_env",
                                     f"environment variable {self.secret_env} is not set or empty")
        return value


@attrs.frozen
class InstitutionConfig:
    """``[institution]``: the 定点医药机构 sending the messages."""

    fixmedins_code: str = attrs.field(validator=_rule(lambda c: len(c) == 12 and c.isascii() and c.isalnum(),
                                                      "must be 12 ASCII letters or digits"))
    fixmedins_name: str = attrs.field(validator=_rule(bool, "must not be empty"))
    mdtrtarea_admvs: str = attrs.field(validator=_rule(_ADMDVS.match, "must be a 6-digit admdvs code"))
    #: pharmacy | clinic | hospital: picks fixed values, clr_type rules and acceptance lists
    kind: str = attrs.field(default="hospital", validator=_rule(lambda k: k in ("pharmacy", "clinic", "hospital"),
                                                                 "must be one of pharmacy, clinic, hospital"))


@attrs.frozen
class OperatorConfig:
    """``[operator]``: who sends, from which terminal (sign-in sessions are kept per both)."""

    opter: str = attrs.field(validator=_rule(bool, "must not be empty"))
    opter_name: str = attrs.field(validator=_rule(bool, "must not be empty"))
    opter_type: str = attrs.field(default="1", validator=_rule(lambda t: t in ("1", "2", "3"),
                                                                "must be 1 (经办人), 2 (自助终端) or 3 (移动终端)"))
    #: T01 ... T99: terminals of one institution get disjoint msgid sequence spaces from it
    terminal: str = attrs.field(default="T01", validator=_rule(_TERMINAL.match, "must be T01 ... T99"))
    mac: str = "00-00-00-00-00-00"
    ip: str = "127.0.0.1"


def _journal_url(url: str) -> bool:
    return url.startswith("sqlite:///") or url.startswith(("postgresql://", "postgres://"))


@attrs.frozen
class JournalConfig:
    """``[journal]``: the durable journal (a local SQLite file, or PostgreSQL for many terminals)."""

    url: str = attrs.field(default="sqlite:///yibao-journal.db",
                           validator=_rule(_journal_url, "must start with sqlite:/// or postgresql://"))


def _whole(value: int) -> bool:
    return value >= 0


@attrs.frozen
class ReversalConfig:
    """``[reversal]``: how unknown outcomes are reversed with 2601."""

    delay_seconds: int = attrs.field(default=15, validator=_rule(_whole, "must be a whole number >= 0"))
    max_attempts: int = attrs.field(default=6, validator=_rule(_whole, "must be a whole number >= 0"))
    not_found_retries: int = attrs.field(default=3, validator=_rule(_whole, "must be a whole number >= 0"))
    #: INTENT / SENT rows younger than this may belong to a live terminal: recovery leaves them
    interrupted_after_seconds: int = attrs.field(default=120, validator=_rule(_whole, "must be a whole number >= 0"))
    #: ``yibao journal recover`` waits at most this long for queued 2601s to fall due (``--max-wait``)
    recover_max_wait_seconds: int = attrs.field(default=120, validator=_rule(_whole, "must be a whole number >= 0"))


@attrs.frozen
class EnvelopeConfig:
    """``[envelope]``: envelope fields the bureau dictates; empty means the region's default."""

    infver: str = ""
    recer_sys_code: str = ""
    dev_no: str = ""
    dev_safe_info: str = ""
    cainfo: str = ""
    signtype: str = ""

    def given(self) -> dict[str, str]:
        """The fields set in the file."""
        return {k: v for k, v in attrs.asdict(self).items() if v}


def _port(value: int) -> bool:
    return 0 < value < 65536


@attrs.frozen
class ServiceConfig:
    """``[service]``: ``yibao serve``, the HIS service (contract "``yibao serve``: the HIS service").

    Loopback by default; listening anywhere else needs ``tls_cert`` and ``tls_key`` (checked when
    the service starts, where the bind address is known)."""

    host: str = attrs.field(default="127.0.0.1", validator=_rule(bool, "must not be empty"))
    port: int = attrs.field(default=8765, validator=_rule(_port, "must be a TCP port 1-65535"))
    #: the NAME of the environment variable holding ``TERMINAL=TOKEN,...``
    tokens_env: str = attrs.field(default="YIBAO_SERVICE_TOKENS", validator=_rule(bool, "must name a variable"))
    tls_cert: str = attrs.field(default="", validator=_rule(lambda p: not p or Path(p).is_file(),
                                                             "must be an existing PEM file"))
    tls_key: str = attrs.field(default="", validator=_rule(lambda p: not p or Path(p).is_file(),
                                                            "must be an existing PEM file"))
    #: how long a finished Idempotency-Key replays its response (the contract promises >= 24 h)
    idempotency_hours: int = attrs.field(default=72, validator=_rule(lambda h: h >= 24, "must be at least 24"))
    #: seconds an instance's reversal-queue lease lasts unrenewed; standbys poll every third of it, so
    #: another instance takes over within 4/3 of it (at most 20: under the 30 s the contract allows)
    leader_lease_seconds: int = attrs.field(default=15, validator=_rule(lambda s: 3 <= s <= 20,
                                                                         "must be 3 ... 20 seconds"))
    #: seconds SIGTERM waits for in-flight requests before the server stops
    shutdown_grace_seconds: int = attrs.field(default=30, validator=_rule(_whole, "must be a whole number >= 0"))
    #: requests handled at once by one instance, each with a journal connection of its own (the rest wait)
    max_concurrency: int = attrs.field(default=8, validator=_rule(lambda n: 1 <= n <= 256, "must be 1 ... 256"))


def _password_hashes(users: Mapping[str, str]) -> bool:
    # A password is never written in the file: only its argon2 hash (`yibao console hash-password`).
    return all(re.fullmatch(r"[A-Za-z0-9_.@-]{1,64}", u) and h.startswith("$argon2") for u, h in users.items())


@attrs.frozen
class ConsoleConfig:
    """``[console]``: the 医保办 console of ``yibao serve`` under ``/console/`` (docs/console.md).

    Users come from ``users`` (name = argon2 hash, written by ``yibao console hash-password``) and
    from the journal's database (``yibao console user add``).  The cookie key is read from the
    environment variable ``secret_env`` names; unset, a random key per start (sessions end on restart)."""

    enabled: bool = True
    secret_env: str = attrs.field(default="YIBAO_CONSOLE_SECRET", validator=_rule(bool, "must name a variable"))
    #: a signed-in session ends this many hours after sign-in
    session_hours: int = attrs.field(default=8, validator=_rule(lambda h: 1 <= h <= 24, "must be 1 ... 24"))
    users: Mapping[str, str] = attrs.field(factory=dict, validator=_rule(
        _password_hashes, "must map user names (letters, digits, _ . @ -) to argon2 hashes ($argon2id$...)"))


@attrs.frozen
class Config:
    """The whole file."""

    region: str = attrs.field(validator=_rule(_ADMDVS.match, "must be a 6-digit admdvs code"))
    gateway: GatewayConfig
    institution: InstitutionConfig
    operator: OperatorConfig
    journal: JournalConfig = attrs.field(factory=JournalConfig)
    reversal: ReversalConfig = attrs.field(factory=ReversalConfig)
    envelope: EnvelopeConfig = attrs.field(factory=EnvelopeConfig)
    service: ServiceConfig = attrs.field(factory=ServiceConfig)
    console: ConsoleConfig = attrs.field(factory=ConsoleConfig)
    #: options of a plugin-supplied transport (Yunnan's library); the region lists the keys it reads
    transport: Mapping[str, Any] = attrs.field(factory=dict)
    #: online settlement: 医保移动支付, e-prescription centre, e-invoice vendor, local services
    online: OnlineConfig = attrs.field(factory=OnlineConfig)
    source: str = ""

    def masked(self) -> dict[str, Any]:
        """The configuration as a dict for display; there is no secret in it to begin with."""
        d = attrs.asdict(self, value_serializer=lambda _i, _a, v: str(v) if isinstance(v, Decimal) else v)
        d["gateway"]["secret"] = "***" if os.environ.get(self.gateway.secret_env) else "(not set)"
        return d


# ---------------------------------------------------------------------------- structuring


def _strict_str(value: Any, _type: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"must be a string, got {type(value).__name__}")
    return value


def _strict_bool(value: Any, _type: Any) -> bool:
    if not isinstance(value, bool):  # no "false" -> True
        raise TypeError(f"must be true or false, got {type(value).__name__}")
    return value


def _strict_int(value: Any, _type: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"must be a whole number, got {type(value).__name__}")
    return value


def _seconds_value(value: Any, _type: Any) -> Decimal:
    # Timeouts are not money; going through str keeps the Decimal exact all the same.
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError("must be a number of seconds")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise TypeError("must be a number of seconds") from None


def _str_table(value: Any, _type: Any) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
        raise TypeError('must be a table of name = "text"')
    return dict(value)


def _any_table(value: Any, _type: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError("must be a table")
    return dict(value)


def _tables(cls: type) -> Any:
    # A table written as a scalar ("gateway = 'x'") is refused by name, not by an AttributeError.
    inner: Any = cattrs.gen.make_dict_structure_fn(cls, _converter, _cattrs_forbid_extra_keys=True)

    def structure(value: Any, _type: Any) -> Any:
        if not isinstance(value, Mapping):
            raise TypeError(f"must be a table, got {type(value).__name__}")
        return inner(value, _type)

    return structure


_converter = cattrs.Converter(forbid_extra_keys=True)
_converter.register_structure_hook_factory(attrs.has, _tables)
_converter.register_structure_hook(str, _strict_str)
_converter.register_structure_hook(int, _strict_int)
_converter.register_structure_hook(bool, _strict_bool)
_converter.register_structure_hook(Decimal, _seconds_value)
_converter.register_structure_hook_func(lambda t: t == Mapping[str, str], _str_table)
_converter.register_structure_hook_func(lambda t: t == Mapping[str, Any], _any_table)


def _key(path: str) -> str:
    # cattrs paths look like "$.reversal.delay_seconds" or "$.gateway['resolve']".
    return re.sub(r"\['([^']*)'\]", r".\1", path).removeprefix("$").lstrip(".") or "(file)"


def _errors(exc: BaseException, path: str = "$") -> list[tuple[str, str]]:
    """(key, problem) pairs of a cattrs structuring failure, innermost first."""
    found: list[tuple[str, str]] = []
    if isinstance(exc, cattrs.ForbiddenExtraKeysError):
        for extra in sorted(exc.extra_fields):
            found.append((_key(f"{path}.{extra}"), "unknown key (a misspelling?)"))
    elif isinstance(exc, cattrs.ClassValidationError):
        for sub in exc.exceptions:
            note = next((n for n in getattr(sub, "__notes__", []) if hasattr(n, "name")), None)
            name = getattr(note, "name", None)
            found += _errors(sub, f"{path}.{name}" if name else path)
    elif isinstance(exc, _RuleError | OnlineRuleError):
        found.append((_key(f"{path}.{exc.name}"), str(exc)))
    elif isinstance(exc, KeyError):
        found.append((_key(path), "is required"))
    else:
        found.append((_key(path), str(exc) or type(exc).__name__))
    return found


def _rank(key: str) -> tuple[int, ...]:
    """Where ``key`` stands in the file's documented order (unknown keys after known ones)."""
    out: list[int] = []
    cls: Any = Config
    for part in key.split("."):
        names = [f.name for f in attrs.fields(cls)] if attrs.has(cls) else []
        if part not in names:
            out.append(len(names) + 1)
            break
        out.append(names.index(part))
        cls = attrs.fields_dict(cls)[part].type
        cls = _TABLES.get(cls, cls) if isinstance(cls, str) else cls
    return tuple(out)


_TABLES: dict[str, Any] = {}  # filled below, once the table classes exist


def parse_config(data: Mapping[str, Any], *, source: str = "") -> Config:
    """Check a parsed TOML document and build :class:`Config`.  The error names the first
    broken key in the file's order and says how many others there are."""
    if "source" in data:
        raise ConfigurationError("source", "unknown key (a misspelling?)")
    region = data.get("region")
    # The region decides everything else (which plugin, which tables): checked first, whatever else is wrong.
    if not isinstance(region, str) or not _ADMDVS.match(region):
        raise ConfigurationError("region", "is required" if region is None else
                                 f"must be a 6-digit admdvs code, got {region!r}")
    try:
        config = _converter.structure({**data, "source": source}, Config)
    except (cattrs.BaseValidationError, ValueError, TypeError, KeyError) as exc:
        problems = sorted(_errors(exc) or [("(file)", str(exc))], key=lambda kp: _rank(kp[0]))
        key, problem = problems[0]
        if len(problems) > 1:
            problem += "; also " + "; ".join(f"{k}: {p}" for k, p in problems[1:4])
            problem += f" and {len(problems) - 4} more" if len(problems) > 4 else ""
        raise ConfigurationError(key, problem) from None
    return config


def find_config_path(explicit: str | None = None) -> Path:
    """``--config FILE``, else ``$YIBAO_CONFIG``, else ``./yibao.toml``."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("YIBAO_CONFIG")
    return Path(env) if env else Path("yibao.toml")


def load_config(path: str | Path | None = None) -> Config:
    """Read and check the configuration file."""
    p = find_config_path(str(path) if path is not None else None)
    if not p.is_file():
        raise ConfigurationError("--config",
                                 f"no configuration file at {p} (write one with: yibao init --region CODE --out {p})")
    try:
        data = tomllib.loads(read_text(p))
    except NotUtf8 as exc:
        raise ConfigurationError(str(p), str(exc)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(str(p), f"not valid TOML: {exc}") from None
    return _journal_beside(parse_config(data, source=str(p)), p.parent)


def _journal_beside(config: Config, folder: Path) -> Config:
    """A relative SQLite journal path is taken from the configuration file's folder, not from the
    working directory: the journal decides what is reversed, so ``yibao serve`` (a Windows service
    starts in System32), ``yibao journal recover`` and the console must open the same one wherever
    they were started.  Found as ``./yibao.toml``, that folder is the working directory anyway."""
    url, prefix = config.journal.url, "sqlite:///"
    path = url[len(prefix):]
    if not url.startswith(prefix) or path in ("", ":memory:") or Path(path).is_absolute():
        return config  # PostgreSQL, absolute, or refused when opened (journal/db.py parse_url)
    return attrs.evolve(config, journal=attrs.evolve(config.journal, url=prefix + str(folder.absolute() / path)))


_TABLES.update({c.__name__: c for c in (GatewayConfig, TimeoutConfig, InstitutionConfig, OperatorConfig, JournalConfig,
                                        ReversalConfig, EnvelopeConfig, ServiceConfig,
                                        ConsoleConfig)})
_TABLES.update(_ONLINE_TABLES)
