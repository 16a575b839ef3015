"""Dongguan (441900, parent 440000): Guangdong with the city's fixed values (entry point
``guangdong-dongguan``).

The city profile is ``attrs.evolve(GUANGDONG, ...)``: routing, signing and the e-voucher rule
come from the province; the city adds its fixed fields (pharmacy 2102 ``med_type`` 41 and
``mdtrtarea_admvs`` 441900), its person classification (4419 / 44 / other), its 清算类别 and its
three institution kinds with their required-interface lists (:mod:`.dongguan_data`), and the
catalogue entries of its extra transactions (:mod:`.dongguan_extras`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from yibao.core import RegionProfile, RegionRegistry, Settlement, hookimpl, merge_fixed

from . import dongguan_city_flows, dongguan_rx_flows
from . import dongguan_data as data
from .dongguan_extras import CITY_CODES, EXTRA_TRANSACTIONS
from .profile import GUANGDONG

#: ``flow(session)`` of an acceptance run
AcceptanceFlow = Callable[[Any], None]

__all__ = [
    "DONGGUAN",
    "profile_for_kind",
    "yibao_acceptance_flows",
    "yibao_acceptance_notes",
    "yibao_after_settle",
    "yibao_register_regions",
]

DONGGUAN: RegionProfile = attrs.evolve(
    GUANGDONG,
    code=data.DONGGUAN_CODE,
    name="东莞市 (Dongguan)",
    parent="440000",
    plugin="guangdong-dongguan",
    # The pharmacy values hold for every kind (only pharmacies send 2101/2102); the clinic's
    # 9935 / 01 apply where ``institution.kind = "clinic"``.
    fixed_fields=merge_fixed(GUANGDONG.fixed_fields, data.KIND_FIXED_FIELDS["pharmacy"]),
    kind_fixed_fields=data.KIND_FIXED_FIELDS,
    dictionaries=CITY_CODES,
    local_prefixes=(data.LOCAL_PREFIX,),
    province_prefixes=(data.PROVINCE_PREFIX,),
    clr_types=data.CLR_TYPES,
    institution_kinds=data.REQUIRED,
    institution_groups=data.CONDITIONAL_GROUPS,
    # The province's corrections first, the city's own entries after (later entries win).
    extra_transactions=(*GUANGDONG.extra_transactions, *EXTRA_TRANSACTIONS),
    notes=(
        "Guangdong + 附件6: 2102 med_type 41 / mdtrtarea_admvs 441900; clinic 9935 / psn_setlway 01; "
        "clr_type 41/9904/11/9903; kinds pharmacy, clinic, hospital (yibao acceptance --kind)"
    ),
)


def profile_for_kind(kind: str) -> RegionProfile:
    """The Dongguan profile with the fixed values of institution ``kind`` merged in.

    :raises KeyError: for a kind the city does not define (``pharmacy``, ``clinic``, ``hospital``).
    """
    fixed = data.KIND_FIXED_FIELDS[kind]
    base = GUANGDONG.fixed_fields
    return attrs.evolve(DONGGUAN, fixed_fields=merge_fixed(base, fixed))


@hookimpl
def yibao_register_regions(register: RegionRegistry) -> None:
    """Declare Dongguan 441900."""
    register.add(DONGGUAN)


@hookimpl
def yibao_after_settle(profile: RegionProfile, infno: str, settlement: Settlement) -> str | None:
    """注意事项（一）: the cashier's warning when ``acct_pay`` was charged through the interface
    (a settlement only: a cancel gives the account back, there is nothing to swipe)."""
    return data.acct_pay_warning(infno, settlement.acct_pay)


@hookimpl
def yibao_acceptance_flows(profile: RegionProfile, kind: str, groups: Sequence[str]) -> list[AcceptanceFlow] | None:
    """附件6's own transactions in an acceptance run: e-prescriptions, city services, self-pay."""
    if kind not in data.KINDS:
        return None
    flows: list[AcceptanceFlow] = [dongguan_city_flows.city_flows]
    if kind == "pharmacy":
        flows.insert(0, dongguan_rx_flows.pharmacy_rx)
    if kind == "hospital":
        flows += [dongguan_rx_flows.hospital_rx, dongguan_city_flows.selfpay_flows]
    return flows


@hookimpl
def yibao_acceptance_notes(profile: RegionProfile, kind: str) -> Mapping[str, str] | None:
    """附件6's evidence notes (录屏, 截图, 使用日志, 后台验收) for Dongguan's institution kinds."""
    return data.acceptance_notes(kind) if kind in data.KINDS else None
