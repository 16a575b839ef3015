"""The example region's hook implementations (entry point ``example-region``)."""

from __future__ import annotations

from yibao.core import RegionRegistry, hookimpl

from .profile import EXAMPLE

__all__ = ["yibao_register_regions"]


@hookimpl
def yibao_register_regions(register: RegionRegistry) -> None:
    """Declare region 990000."""
    register.add(EXAMPLE)
