"""Gansu (620000) plugin: registers the region profile (entry point ``gansu``)."""

from __future__ import annotations

from yibao.core import RegionRegistry, hookimpl

from .profile import GANSU

__all__ = ["yibao_register_regions"]


@hookimpl
def yibao_register_regions(register: RegionRegistry) -> None:
    """Declare Gansu 620000."""
    register.add(GANSU)
