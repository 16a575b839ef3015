"""Region rules of the simulated centre: who is local, which 清算类别, which policy numbers.

The sandbox keeps its own copy of these rules on purpose (it must not read the client's
region profiles: a wrong profile would then be "confirmed" by an equally wrong centre).
Sources: the Dongguan guide (spec 001, 3201/3202 notes: pharmacy ``41`` for the city's own
insured, ``9904`` for elsewhere in the province; clinics ``11`` / ``9903``), the national
default ``clr_type`` (41 pharmacy, 11 outpatient, 21 inpatient) and ``clr_way`` ``1`` 按项目.

Sign-in (``sign_no``): the national envelope table (表2) says 可为空, and public peers send it
empty, so by default an empty ``sign_no`` is accepted on every transaction (a non-empty one
must still be a current sign-in's).  A region whose guide demands a sign-in before business
(Yunnan 002 §1.7 签到签退流程说明) has ``sign_in_required``: its state-changing transactions
are refused without a current sign-in.

The policy numbers are invented but fixed and documented in ``docs/sandbox.md``: they only
need to exercise every branch of a settlement (deductible, ratio, cap, 先自付, 丙类, account).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Literal

import attrs

__all__ = ["Kind", "Locality", "PolicyParams", "RegionRules", "kind_of", "rules_for"]

Kind = Literal["pharmacy", "clinic", "hospital"]
Locality = Literal["local", "province", "other"]

_NATIONAL_CLR: Mapping[str, str] = {"pharmacy": "41", "clinic": "11", "hospital": "21"}
D = Decimal


def kind_of(infno: str) -> Kind:
    """Institution kind of a settlement transaction: 21xx pharmacy, 22xx clinic, else hospital."""
    if infno.startswith("21"):
        return "pharmacy"
    if infno.startswith("22"):
        return "clinic"
    return "hospital"


@attrs.frozen
class PolicyParams:
    """Numbers of the policy calculator (:mod:`yibao.sandbox.policy`).

    :param deductible: 起付线 per settlement by kind and institution level (1-3).
    :param ratio: base pooled-fund ratio by (insurance group, kind) at level 1;
        group ``emp`` = 职工 (31x-37x), ``res`` = 居民 (everything else).
    :param level_step: ratio lost per institution level above 1.
    :param retiree_bonus: added for 退休 / 离休 (psn_type 12x / 13x), capped at ``max_ratio``.
    :param other_cut: taken off for persons insured in another province.
    :param cap: the most the pooled fund pays in one settlement, by kind.
    :param cvlserv_ratio: 公务员医疗补助 share of what is left in the policy range.
    :param maf_ratio: 医疗救助 share of what is left for 低保 / 特困 persons (idet 2303 / 2304).
    """

    deductible: Mapping[Kind, tuple[Decimal, Decimal, Decimal]]
    ratio: Mapping[tuple[str, Kind], Decimal]
    level_step: Decimal = D("0.05")  # noqa: RUF009 (Decimal is immutable)
    retiree_bonus: Decimal = D("0.05")  # noqa: RUF009 (Decimal is immutable)
    other_cut: Decimal = D("0.10")  # noqa: RUF009 (Decimal is immutable)
    max_ratio: Decimal = D("0.95")  # noqa: RUF009 (Decimal is immutable)
    cap: Mapping[Kind, Decimal] = attrs.field(
        factory=lambda: {"pharmacy": D("500"), "clinic": D("2000"), "hospital": D("200000")}
    )
    cvlserv_ratio: Decimal = D("0.50")  # noqa: RUF009 (Decimal is immutable)
    maf_ratio: Decimal = D("0.50")  # noqa: RUF009 (Decimal is immutable)


_BASE_RATIO: Mapping[tuple[str, Kind], Decimal] = {
    ("emp", "pharmacy"): D("0.60"),
    ("emp", "clinic"): D("0.70"),
    ("emp", "hospital"): D("0.90"),
    ("res", "pharmacy"): D("0.50"),
    ("res", "clinic"): D("0.55"),
    ("res", "hospital"): D("0.80"),
}
_NO_DEDUCTIBLE = (D("0"), D("0"), D("0"))


@attrs.frozen
class RegionRules:
    """The rules of one region as the centre applies them."""

    code: str
    name: str
    local_prefix: str = ""
    province_prefix: str = ""
    clr_types: Mapping[str, Mapping[str, str]] = attrs.field(factory=dict)
    #: state-changing transactions need a current sign-in (an empty ``sign_no`` is refused)
    sign_in_required: bool = False
    #: settlements whose drug lines must carry 追溯码 (Dongguan 附件6: 2102 需上传追溯码)
    trace_codes_required: frozenset[str] = frozenset()
    policy: PolicyParams = attrs.field(
        factory=lambda: PolicyParams(
            deductible={
                "pharmacy": _NO_DEDUCTIBLE,
                "clinic": _NO_DEDUCTIBLE,
                "hospital": (D("300"), D("600"), D("900")),
            },
            ratio=_BASE_RATIO,
        )
    )

    def classify(self, insuplc_admdvs: str, mdtrtarea_admvs: str) -> Locality:
        """``local`` (same city), ``province`` (elsewhere in the province) or ``other``."""
        local = self.local_prefix or mdtrtarea_admvs[:4]
        province = self.province_prefix or mdtrtarea_admvs[:2]
        if insuplc_admdvs.startswith(local):
            return "local"
        if insuplc_admdvs.startswith(province):
            return "province"
        return "other"

    def clr_type(self, kind: Kind, locality: Locality) -> str:
        """清算类别 of a settlement: the region's table, else the national default."""
        return self.clr_types.get(kind, {}).get(locality, _NATIONAL_CLR[kind])

    @staticmethod
    def institution_level(fixmedins_code: str) -> int:
        """1, 2 or 3 from the code's last digit (digit % 3 + 1; 2 when it is not a digit).

        Real levels come from the institution register; a fixed rule keeps tests predictable.
        """
        last = fixmedins_code[-1:] if fixmedins_code else ""
        return int(last) % 3 + 1 if last.isdigit() else 2


NATIONAL = RegionRules(code="000000", name="国家基线")

_REGIONS: dict[str, RegionRules] = {
    "620000": RegionRules(
        code="620000",
        name="甘肃省",
        policy=PolicyParams(
            deductible={
                "pharmacy": _NO_DEDUCTIBLE,
                "clinic": _NO_DEDUCTIBLE,
                "hospital": (D("400"), D("700"), D("1000")),
            },
            ratio=_BASE_RATIO,
            cap={"pharmacy": D("400"), "clinic": D("1500"), "hospital": D("150000")},
        ),
    ),
    "440000": RegionRules(code="440000", name="广东省"),
    "441900": RegionRules(
        code="441900",
        name="东莞市",
        local_prefix="4419",
        province_prefix="44",
        clr_types={
            "pharmacy": {"local": "41", "province": "9904"},
            "clinic": {"local": "11", "province": "9903"},
        },
        trace_codes_required=frozenset({"2102"}),
        policy=PolicyParams(
            deductible={
                "pharmacy": _NO_DEDUCTIBLE,
                "clinic": _NO_DEDUCTIBLE,
                "hospital": (D("200"), D("500"), D("800")),
            },
            ratio=_BASE_RATIO,
            cap={"pharmacy": D("300"), "clinic": D("1000"), "hospital": D("250000")},
        ),
    ),
    "530000": RegionRules(
        code="530000",
        name="云南省",
        sign_in_required=True,  # 002 §1.7: business runs within a sign-in (业务周期号)
        policy=PolicyParams(
            deductible={
                "pharmacy": _NO_DEDUCTIBLE,
                "clinic": (D("0"), D("50"), D("100")),
                "hospital": (D("300"), D("600"), D("1000")),
            },
            ratio=_BASE_RATIO,
        ),
    ),
}


def rules_for(mdtrtarea_admvs: str) -> RegionRules:
    """The most specific rules: the city, else its province, else the national default."""
    code = (mdtrtarea_admvs or "")[:6]
    if code in _REGIONS:
        return _REGIONS[code]
    province = code[:2] + "0000"
    return _REGIONS.get(province, NATIONAL)
