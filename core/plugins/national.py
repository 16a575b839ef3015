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

    from ..gm import Credentials, EnvelopeOptions
    from ..online.schemes import EnvelopeScheme
    from .profile import RegionProfile

__all__ = ["NAME", "yibao_envelope_scheme", "yibao_gateway_auth"]

NAME = "yibao-national"


@hookimpl(trylast=True)
def yibao_gateway_auth(profile: RegionProfile, paasid: str, secret: str) -> httpx.Auth | None:
    """The national x-tif signature (Gansu guide §2.2, Guangdong guide §2 表格2) for ``auth = "x-tif"``."""
    if profile.auth != "x-tif":
        return None
    from ..gateway import TifSignatureAuth

    return TifSignatureAuth(paasid, secret)


@hookimpl(trylast=True)
def yibao_envelope_scheme(profile: RegionProfile, name: str, credentials: Credentials | None,
                          options: EnvelopeOptions) -> EnvelopeScheme | None:
    """The built-in online envelopes: ``sm4-sm2`` (online_settlement.md §3) and plain ``json``."""
    from ..online.schemes import builtin_scheme

    return builtin_scheme(name, credentials, options)
