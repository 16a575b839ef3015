"""The 清算类别 of a settlement the centre's reply left without one: region data, else national."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from yibao.core.plugins import get_plugin_manager, load_registry
from yibao.core.workflows.reconcile import Period


@dataclass
class E:
    infno: str
    insuplc_admdvs: str
    msgid: str = "H1"
    state: str = "SUCCEEDED"
    psn_no: str = "P1"
    mdtrt_id: str = "M1"
    setl_id: str = "S1"
    insutype: str = "310"
    clr_type: str | None = None
    clr_optins: str | None = None
    medfee_sumamt: Decimal = Decimal("1")
    fund_pay_sumamt: Decimal = Decimal("1")
    acct_pay: Decimal = Decimal("0")


def _month(region: str, area: str | None = None) -> Period:
    profile = load_registry(get_plugin_manager()).resolve(region)
    inst = SimpleNamespace(mdtrtarea_admvs=area or region, fixmedins_code="H44190000001")
    ctx: Any = SimpleNamespace(profile=profile, config=SimpleNamespace(institution=inst))
    return Period(ctx, date(2026, 1, 1), date(2026, 1, 31))


@pytest.mark.parametrize(
    ("infno", "insuplc", "expected"),
    [("2102", "441900", "41"), ("2102", "440100", "9904"), ("2207", "441900", "11"), ("2207", "440300", "9903")],
)
def test_dongguan_supplies_its_clr_types(infno: str, insuplc: str, expected: str) -> None:
    assert _month("441900").clr_type_of(E(infno, insuplc)) == expected


def test_the_national_default_elsewhere() -> None:
    m = _month("000000", area="110000")  # the national baseline, for an institution in Beijing
    assert [m.clr_type_of(E(i, "110000")) for i in ("2102", "2207", "2304")] == ["41", "11", "21"]
