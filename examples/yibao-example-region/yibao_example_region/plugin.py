"""The example region's hook implementations (entry point ``example-region``)."""

from __future__ import annotations

from yibao.core.plugins import RegionProfile, RegionRegistry, hookimpl

from .profile import EXAMPLE

__all__ = ["yibao_classify_person", "yibao_register_regions"]


@hookimpl
def yibao_register_regions(register: RegionRegistry) -> None:
    """Declare region 990000."""
    register.add(EXAMPLE)


@hookimpl
def yibao_classify_person(profile: RegionProfile, insuplc_admdvs: str, mdtrtarea_admvs: str) -> str | None:
    """Persons insured at 999999 (a made-up special fund) count as local in the example region."""
    if profile.code != EXAMPLE.code:
        return None
    return "local" if insuplc_admdvs == "999999" else None
