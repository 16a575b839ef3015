"""Yunnan (530000) plugin: the profile and its hooks (entry point ``yunnan``).

- ``yibao_transport``: the dynamic-library transport (:mod:`.dll`).  ``[transport] kind =
  "http"`` rehearses the same flows over HTTP (the sandbox); anything else needs
  ``[transport] library``.
- ``yibao_read_medium``: 1191 / 1192 (:mod:`.medium`).
- ``yibao_after_reversal``: 2405 + 2301 with fresh ``feedetl_sn`` (:mod:`.medium`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from yibao.core.plugins import RegionProfile, RegionRegistry, hookimpl

from .profile import YUNNAN

if TYPE_CHECKING:
    import httpx

__all__ = ["yibao_register_regions", "yibao_transport"]


@hookimpl
def yibao_register_regions(register: RegionRegistry) -> None:
    """Declare Yunnan 530000."""
    register.add(YUNNAN)


@hookimpl
def yibao_transport(profile: RegionProfile, options: Mapping[str, Any]) -> httpx.BaseTransport | None:
    """The interface library for a ``dll`` region of Yunnan; ``None`` elsewhere or for ``kind = "http"``."""
    if profile.province_code != YUNNAN.code or profile.transport != "dll":
        return None
    if options.get("kind") == "http":
        return None
    from .dll import DllTransport  # ctypes only when the library is really used

    return DllTransport.from_options(options)
