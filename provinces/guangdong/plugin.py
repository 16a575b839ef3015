"""Guangdong (440000) plugin: registers the province profile (entry point ``guangdong``).

Dongguan (441900) registers separately through ``guangdong-dongguan``
(:mod:`yibao.provinces.guangdong.dongguan`), so either can be disabled alone.
"""

from __future__ import annotations

from yibao.core import RegionRegistry, hookimpl

from .profile import GUANGDONG

__all__ = ["yibao_register_regions"]


@hookimpl
def yibao_register_regions(register: RegionRegistry) -> None:
    """Declare Guangdong 440000."""
    register.add(GUANGDONG)
