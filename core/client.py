"""The engine's one door to the centre: validate, journal, sign, send, classify.

``Client.call(infno, input)`` is what every workflow and ``yibao call`` use:

1. the region's fixed field values are filled in where the caller left them out;
2. the input is validated against the spec catalogue (plus the region's extra
   transactions); a failure sends nothing, and for a state-changing transaction the journal
   records why (state FAILED, never sent);
3. a ``msgid`` is allocated by the journal; a state-changing message is committed as an
   INTENT, then SENT, *before* its bytes leave;
4. the reply is classified (:mod:`yibao.core.transport`) and the outcome committed;
   an UNKNOWN outcome of a reversible transaction is queued for 2601
   (:mod:`yibao.core.workflows.reversal`).

No message that changes state is ever re-sent under a new msgid.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import httpx
import pluggy
import structlog

from .catalog import Catalog, load_catalog, normalize, validate
from .config import Config
from .envelope import Envelope, Reply, build_envelope
from .errors import ValidationError, ValidationIssue
from .gateway import TifSignatureAuth
from .journal import Journal, open_journal
from .plugins import RegionProfile, RegionRegistry, get_plugin_manager, load_registry
from .transport import Transport, make_http_client

__all__ = ["Client"]

log = structlog.get_logger("yibao.client")


def apply_fixed(profile: RegionProfile, infno: str, data: Mapping[str, Any], kind: str | None = None
                ) -> dict[str, Any]:
    """Fill the region's fixed values into the input where the caller left them out."""
    out: dict[str, Any] = dict(data)
    for node, fields in profile.fixed_for(infno, kind).items():
        if node == "envelope":
            continue
        current = out.get(node)
        if current is None:
            continue  # never invent a node the caller did not send
        rows = current if isinstance(current, list) else [current]
        new_rows = []
        for row in rows:
            if isinstance(row, Mapping):
                row = dict(row)
                for key, value in fields.items():
                    if row.get(key) in (None, ""):
                        row[key] = value
            new_rows.append(row)
        out[node] = new_rows if isinstance(current, list) else new_rows[0]
    return out


def find_field(data: Mapping[str, Any], key: str) -> Any:
    """The first value of ``key`` in any single-row node of an input or output."""
    if key in data:
        return data[key]
    for value in data.values():
        if isinstance(value, Mapping) and key in value:
            return value[key]
    return None


class Client:
    """A configured connection to one region's centre (or the sandbox)."""

    def __init__(
        self,
        config: Config,
        *,
        registry: RegionRegistry | None = None,
        pm: pluggy.PluginManager | None = None,
        journal: Journal | None = None,
        http_transport: httpx.BaseTransport | None = None,
        clock: Callable[[], datetime] = datetime.now,
        recover_on_start: bool = True,
    ) -> None:
        self.config = config
        self.pm = pm or (registry.pm if registry is not None and registry.pm is not None else get_plugin_manager())
        self.registry = registry or load_registry(self.pm)
        self.profile: RegionProfile = self.registry.resolve(config.region)
        self.catalog: Catalog = load_catalog().with_extra(self.profile.extra_transactions, self.profile.dictionaries)
        self.journal: Journal = journal or open_journal(config.journal.url)
        self.clock = clock
        secret = config.gateway.secret()
        auth = self.pm.hook.yibao_gateway_auth(profile=self.profile, paasid=config.gateway.paasid, secret=secret)
        auth = auth or TifSignatureAuth(config.gateway.paasid, secret)
        if http_transport is None and self.profile.transport != "http":
            http_transport = self.pm.hook.yibao_transport(profile=self.profile, options=dict(config.transport))
        self.transport = Transport(make_http_client(config.gateway, auth, http_transport), config.gateway.url)
        # psn_no -> insuplc_admdvs learned from 1101, so the envelope carries it (spec 表2 #4).
        self.insuplc: dict[str, str] = {}
        from .workflows.reversal import ReversalQueue
        from .workflows.session import SessionManager

        self.sessions = SessionManager(self)
        self.reversals = ReversalQueue(self)
        if recover_on_start:
            self._recover_on_start()

    def _recover_on_start(self) -> None:
        """The reversal queue runs at start-up: due 2601s first, before any new business."""
        from .errors import YibaoError

        try:
            report = self.reversals.run_due()
        except YibaoError as exc:  # the centre may be down: the queue stays and runs next time
            log.warning("startup_reversals_failed", error=str(exc))
            return
        if report.reversed:
            log.warning("startup_reversals", reversed=len(report.reversed))

    @classmethod
    def from_config(cls, config: Config, **kwargs: Any) -> Client:
        return cls(config, **kwargs)

    def close(self) -> None:
        self.transport.close()
        self.journal.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ preparing

    def prepare(self, infno: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """Fixed values, validation and wire normalisation; raises :class:`ValidationError`."""
        if not isinstance(data, Mapping):
            raise ValidationError([ValidationIssue(infno, "input", "*", "shape", "input must be a JSON object")],
                                  infno=infno)
        if infno not in self.catalog:
            raise ValidationError(
                [ValidationIssue(infno, "-", "infno", "unknown", f"transaction {infno} is not in the catalogue")],
                infno=infno,
            )
        filled = apply_fixed(self.profile, infno, data, self.config.institution.kind)
        issues = validate(self.catalog, infno, filled)
        if issues:
            raise ValidationError(issues, infno=infno)
        return normalize(self.catalog, infno, filled)

    def envelope(self, infno: str, msgid: str, data: Mapping[str, Any], *, insuplc_admdvs: str = "",
                 sign_no: str = "") -> Envelope:
        return build_envelope(self.config, self.profile, infno=infno, msgid=msgid, input=data,
                              now=self.clock(), insuplc_admdvs=insuplc_admdvs, sign_no=sign_no)

    def path_for(self, infno: str) -> str:
        return self.profile.routing.path_for(infno)

    def insuplc_for(self, data: Mapping[str, Any]) -> str:
        psn_no = find_field(data, "psn_no")
        if isinstance(psn_no, str) and psn_no in self.insuplc:
            return self.insuplc[psn_no]
        value = find_field(data, "insuplc_admdvs")
        return value if isinstance(value, str) else ""

    # ------------------------------------------------------------------ calling

    def reply(self, infno: str, data: Mapping[str, Any], *, insuplc_admdvs: str | None = None,
              idem_key: str | None = None) -> Reply:
        """Send one transaction; return the whole successful :class:`Reply`."""
        from .workflows.sending import send_transaction

        return send_transaction(self, infno, data, insuplc_admdvs=insuplc_admdvs, idem_key=idem_key)

    def call(self, infno: str, data: Mapping[str, Any], *, insuplc_admdvs: str | None = None) -> Any:
        """Send one transaction and return its ``output``."""
        return self.reply(infno, data, insuplc_admdvs=insuplc_admdvs).output

    def download(self, fs_download_in: Mapping[str, Any]) -> bytes:
        """9102 文件下载: the file's bytes (raises :class:`BusinessError` when the centre answers JSON)."""
        from .workflows.sending import download_file

        return download_file(self, fs_download_in)
