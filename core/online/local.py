"""A region's local services: the functions whose interface is not public (Xiamen 1-4, 6, 21-22,
28-29), called at ``[online.local] url`` with the shapes of the region's plugin (catalogue
entries marked ``verified: false``).

When the bureau's document arrives the hospital changes data, not code:
``[online.local] services_file`` names a JSON file whose entries replace, by interface id, a
service's path, envelope, kind and field tables::

    {"services": {
        "XM01": {"path": "/xmyb/api/doctor/check", "envelope": "json",
                 "input": [{"code": "drCode", "type": "C", "length": 20, "required": true}, ...],
                 "output": [...], "source": "厦门医保局 接口文档 v1.2 表3"}}}

An entry without ``input`` keeps the plugin's field table; ``verified`` defaults to true for a
table the file gives (it comes from the bureau's document).  The services are called like the
other parties: validated against their table, journaled when they change state, their answer
verified.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from ..errors import ConfigurationError
from .profile import Endpoint, OnlineProfile
from .sender import Sender

__all__ = ["LocalServices", "apply_services_file"]

_KEYS = frozenset({"path", "envelope", "kind", "name", "input", "output", "source", "verified"})


def apply_services_file(path: str, online: OnlineProfile) -> tuple[OnlineProfile, list[Mapping[str, Any]]]:
    """The profile with the file's paths and envelopes, and the catalogue entries of its tables."""
    where = "online.local.services_file"
    try:
        raw = json.loads(Path(path).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(where, f"cannot read {path}: {exc}") from None
    services = raw.get("services") if isinstance(raw, dict) else None
    if not isinstance(services, dict):
        raise ConfigurationError(where, 'expected {"services": {"XM01": {...}, ...}}')
    endpoints = dict(online.endpoints)
    entries: list[Mapping[str, Any]] = []
    for interface, spec in services.items():
        old = endpoints.get(interface)
        if old is None or old.party != "local" or not isinstance(spec, dict) or set(spec) - _KEYS:
            raise ConfigurationError(where, f"{interface}: not a local service of this region, or unknown keys "
                                     f"(known: {', '.join(sorted(_KEYS))})")
        source = str(spec.get("source") or f"services_file {path}")
        endpoints[interface] = attrs.evolve(
            old, path=str(spec.get("path", old.path)), envelope=str(spec.get("envelope", old.envelope)),
            kind=spec.get("kind", old.kind), name=str(spec.get("name", old.name)),
            verified=bool(spec.get("verified", "input" in spec)), source=source)
        if "input" in spec:
            entries.append({"infno": interface, "name": endpoints[interface].name, "kind": endpoints[interface].kind,
                            "verified": endpoints[interface].verified, "source": source,
                            "input": [{"node": "data", "fields": list(spec["input"])}],
                            "output": [{"node": "data", "fields": list(spec.get("output") or [])}]})
    return attrs.evolve(online, endpoints=endpoints), entries


class LocalServices:
    """``client.online.local``: ``call("XM01", {...})`` -> the service's answer ``data``."""

    def __init__(self, sender: Sender, online: OnlineProfile, org_codg: str) -> None:
        self.sender = sender
        self.online = online
        self.org_codg = org_codg

    @property
    def interfaces(self) -> list[Endpoint]:
        return [e for e in self.online.endpoints.values() if e.party == "local"]

    def call(self, interface: str, data: Mapping[str, Any], *, order: str = "") -> Mapping[str, Any]:
        """Call local service ``interface``; ``orgCodg`` is filled in when the caller left it out
        and the service's table has it."""
        if self.online.endpoint(interface).party != "local":
            raise ConfigurationError("online.local", f"{interface} is not a local service")
        tx = self.sender.catalog.get(interface)
        codes = {f.code for node in (tx.input if tx is not None else ()) for f in node.fields}
        # only where the service's table has the field (a bureau's services_file may not)
        body = {"orgCodg": self.org_codg, **data} if "orgCodg" in codes else dict(data)
        _, reply = self.sender.send(interface, body, order=order)
        return dict(reply.data or {})
