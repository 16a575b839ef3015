"""The national baseline as a plugin: the defaults every region falls back to.

Registered first in every region's scoped plugin manager, so its implementations run last
(pluggy calls the most recently registered first): a province or city plugin that answers a
``firstresult`` hook wins over these.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .markers import hookimpl

if TYPE_CHECKING:
    import httpx

    from .profile import RegionProfile

__all__ = ["NAME", "yibao_gateway_auth"]

NAME = "yibao-national"


@hookimpl(trylast=True)
def yibao_gateway_auth(profile: RegionProfile, paasid: str, secret: str) -> httpx.Auth | None:
    """The national x-tif signature (Gansu guide §2.2, Guangdong guide §2 表格2) for ``auth = "x-tif"``."""
    if profile.auth != "x-tif":
        return None
    from ..gateway import TifSignatureAuth

    return TifSignatureAuth(paasid, secret)
