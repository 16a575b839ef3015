"""Yunnan (530000) plugin: the profile and its hooks (entry point ``yunnan``).

- ``yibao_transport``: the dynamic-library transport (:mod:`.dll`).  ``[transport] kind =
  "http"`` rehearses the same flows over HTTP (the sandbox); anything else needs
  ``[transport] library``.
- ``yibao_read_medium``: 1191 / 1192 (:mod:`.medium`).
- ``yibao_after_reversal``: 2405 + 2301 with fresh ``feedetl_sn`` after a 2304 reversal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from yibao.core import RegionProfile, RegionRegistry, hookimpl

from . import medium, reupload
from .profile import YUNNAN

if TYPE_CHECKING:
    import httpx

__all__ = ["yibao_after_reversal", "yibao_read_medium", "yibao_register_regions", "yibao_transport"]


@hookimpl
def yibao_register_regions(register: RegionRegistry) -> None:
    """Declare Yunnan 530000."""
    register.add(YUNNAN)


@hookimpl
def yibao_transport(profile: RegionProfile, options: Mapping[str, Any]) -> httpx.BaseTransport | None:
    """The interface library for a ``dll`` region of Yunnan; ``None`` for ``kind = "http"`` (rehearsal)."""
    if profile.transport != "dll" or options.get("kind") == "http":
        return None
    from .dll import DllTransport  # ctypes only when the library is really used

    return DllTransport.from_options(options)


@hookimpl
def yibao_read_medium(
    profile: RegionProfile, step: str, request: Mapping[str, Any], call: Any
) -> Mapping[str, Any] | None:
    """1191 before 1101; 1192 before 2207 / 2304 (ID-card persons only: ``{}`` for others)."""
    if step == "1191":
        return medium.read_1191(request, call)
    if step == "1192":
        return medium.verify_1192(request, call)
    return None


@hookimpl
def yibao_after_reversal(profile: RegionProfile, entry: Mapping[str, Any], call: Any,
                         history: Sequence[Mapping[str, Any]]) -> list[str] | None:
    """§1.11.6: after a reversed 2304, 2405 and 2301 with fresh ``feedetl_sn`` (the journal's details)."""
    if entry.get("infno") != "2304":
        return None
    return reupload.after_inpatient_reversal(entry, call, history)
