"""Fujian (350000) plugin: registers the province (entry point ``fujian``)."""

from __future__ import annotations

from yibao.core import RegionRegistry, hookimpl

from .profile import FUJIAN

__all__ = ["yibao_register_regions"]


@hookimpl
def yibao_register_regions(register: RegionRegistry) -> None:
    """Declare Fujian 350000."""
    register.add(FUJIAN)
