"""Yunnan (530000) plugin: the profile and its hooks (entry point ``yunnan``)."""

from __future__ import annotations

from yibao.core.plugins import RegionRegistry, hookimpl

from .profile import YUNNAN

__all__ = ["yibao_register_regions"]


@hookimpl
def yibao_register_regions(register: RegionRegistry) -> None:
    """Declare Yunnan 530000."""
    register.add(YUNNAN)
