"""Gansu (620000) plugin: the region profile, its 1101 medium rules, the 附录1 form (entry point ``gansu``).

- ``yibao_medium_input``: §3.2 人员信息获取通用说明 (:func:`.medium.data_for`);
- ``yibao_acceptance_flows``: 门慢 / 门特 settlements (:mod:`.acceptance`);
- ``yibao_acceptance_form``: 附录1 两定接口联调及目录验证表 (:mod:`.form`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from yibao.core import Medium, RegionProfile, RegionRegistry, hookimpl

from . import acceptance, form
from . import medium as rules
from .profile import GANSU

__all__ = ["yibao_acceptance_flows", "yibao_acceptance_form", "yibao_medium_input", "yibao_register_regions"]


@hookimpl
def yibao_register_regions(register: RegionRegistry) -> None:
    """Declare Gansu 620000."""
    register.add(GANSU)


@hookimpl
def yibao_medium_input(profile: RegionProfile, medium: Medium) -> Mapping[str, Any] | None:
    """§3.2: 1101 ``data`` per medium (psn_cert_type ``1`` for a cross-province card)."""
    return rules.data_for(medium)


@hookimpl
def yibao_acceptance_flows(profile: RegionProfile, kind: str, groups: Sequence[str]) -> list[Callable[[Any], None]]:
    """门慢 and 门特 (医疗类别 14) settlements for 附录1's 门慢业务 / 门特业务."""
    return [acceptance.chronic_flows]


@hookimpl
def yibao_acceptance_form(profile: RegionProfile, kind: str, report: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """附录1 两定接口联调及目录验证表 of a finished run."""
    return form.build_form(kind, report)
