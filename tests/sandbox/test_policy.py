"""The policy calculator: money identities over generated baskets (hypothesis), and its rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from conftest import Centre, drug_line
from flows import check_identities, person, pharmacy_input
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yibao.sandbox.policy import q, settle, split_line
from yibao.sandbox.rules import RegionRules, rules_for
from yibao.sandbox.seed import CATALOG

CODES = [*sorted(CATALOG), "UNKNOWN-ITEM"]
CENT = Decimal("0.01")

lines = st.lists(
    st.tuples(
        st.sampled_from(CODES),
        st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("50"), places=4),
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("3000"), places=2),
        st.sampled_from(["0", "1", "2"]),
    ),
    min_size=1,
    max_size=12,
)
person_kind = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["pharmacy", "clinic", "hospital"]),
        "level": st.integers(1, 3),
        "insutype": st.sampled_from(["310", "390", "320"]),
        "psn_type": st.sampled_from(["11", "12", "15", "1402"]),
        "cvlserv_flag": st.sampled_from(["0", "1"]),
        "idet": st.sampled_from([[], ["2303"], ["2304"]]),
        "locality": st.sampled_from(["local", "province", "other"]),
        "acct": st.sampled_from(["0", "1", "2"]),
        "balance": st.decimals(min_value=Decimal("0"), max_value=Decimal("5000"), places=2),
        "region": st.sampled_from(["441900", "440000", "620000", "530000", "110000"]),
    }
)


def _split(basket: list[tuple[str, Decimal, Decimal, str]]) -> list[dict[str, Any]]:
    out = []
    for i, (code, cnt, pric, appr) in enumerate(basket):
        amount = q(cnt * pric)
        line = {
            "feedetl_sn": str(i + 1),
            "cnt": cnt,
            "pric": pric,
            "det_item_fee_sumamt": amount,
            "hosp_appr_flag": appr,
        }
        out.append(split_line(line, CATALOG.get(code)))
    return out


@settings(max_examples=400, deadline=None)
@given(lines, person_kind)
def test_identities_hold_for_any_basket(basket: list[tuple[str, Decimal, Decimal, str]], who: dict[str, Any]) -> None:
    split = _split(basket)
    for row in split:
        parts = row["fulamt_ownpay_amt"] + row["overlmt_amt"] + row["preselfpay_amt"] + row["inscp_scp_amt"]
        assert parts == row["det_item_fee_sumamt"]
        assert min(row["fulamt_ownpay_amt"], row["overlmt_amt"], row["preselfpay_amt"], row["inscp_scp_amt"]) >= 0
    rules: RegionRules = rules_for(who["region"])
    s = settle(
        split,
        params=rules.policy,
        kind=who["kind"],
        level=who["level"],
        insutype=who["insutype"],
        psn_type=who["psn_type"],
        cvlserv_flag=who["cvlserv_flag"],
        idet_types=who["idet"],
        locality=who["locality"],
        acct_used_flag=who["acct"],
        balance=who["balance"],
    )
    assert s.medfee_sumamt == sum((r["det_item_fee_sumamt"] for r in split), Decimal(0))
    assert s.medfee_sumamt == s.fund_pay_sumamt + s.psn_part_amt + s.hosp_part_amt
    assert s.psn_part_amt == s.acct_pay + s.psn_cash_pay
    assert s.fund_pay_sumamt == s.hifp_pay + s.cvlserv_pay + s.maf_pay
    assert s.medfee_sumamt == s.fulamt_ownpay_amt + s.overlmt_selfpay + s.preselfpay_amt + s.inscp_scp_amt
    for amount in (s.fund_pay_sumamt, s.acct_pay, s.psn_cash_pay, s.hifp_pay, s.act_pay_dedc):
        assert amount >= 0 and amount == amount.quantize(CENT)
    assert s.hifp_pay <= s.cap and s.hifp_pay <= s.inscp_scp_amt
    assert s.acct_pay <= who["balance"] and s.balc == who["balance"] - s.acct_pay
    if who["acct"] != "1":
        assert s.acct_pay == 0
    fund_rows = sum((d["fund_payamt"] for d in s.setldetail if d["fund_pay_type"] != "310200"), Decimal(0))
    assert fund_rows == s.fund_pay_sumamt


def test_c_class_is_fully_self_paid() -> None:
    row = split_line(
        {"feedetl_sn": "1", "cnt": Decimal(1), "pric": Decimal("30"), "det_item_fee_sumamt": Decimal("30")},
        CATALOG["SBXN02BEA0006"],
    )
    assert (row["fulamt_ownpay_amt"], row["inscp_scp_amt"]) == (Decimal("30.00"), Decimal(0))


def test_restricted_item_needs_approval() -> None:
    line = {"feedetl_sn": "1", "cnt": Decimal(1), "pric": Decimal("100"), "det_item_fee_sumamt": Decimal("100")}
    assert split_line({**line, "hosp_appr_flag": "0"}, CATALOG["SBXL01XCA0007"])["fulamt_ownpay_amt"] == 100
    approved = split_line({**line, "hosp_appr_flag": "1"}, CATALOG["SBXL01XCA0007"])
    assert approved["preselfpay_amt"] == Decimal("20.00") and approved["inscp_scp_amt"] == Decimal("80.00")


def test_rounding_half_up_at_the_cent() -> None:
    # 0.10 先自付 of 0.05 is 0.005: ROUND_HALF_UP makes it 0.01 (banker's rounding would give 0.00).
    row = split_line(
        {"feedetl_sn": "1", "cnt": Decimal(1), "pric": Decimal("0.05"), "det_item_fee_sumamt": Decimal("0.05")},
        CATALOG["SBXC08CAA0003"],
    )
    assert row["preselfpay_amt"] == Decimal("0.01")


def test_deductible_cap_and_ratio_by_level() -> None:
    rules = rules_for("441900")
    split = _split([("SB110900001", Decimal(100), Decimal("60"), "1")])  # 6000 in scope
    common: dict[str, Any] = {
        "params": rules.policy,
        "kind": "hospital",
        "insutype": "310",
        "psn_type": "11",
        "cvlserv_flag": "0",
        "idet_types": [],
        "locality": "local",
        "acct_used_flag": "0",
        "balance": Decimal(0),
    }
    l1 = settle(split, level=1, **common)
    l3 = settle(split, level=3, **common)
    assert l1.act_pay_dedc == Decimal("200.00") and l3.act_pay_dedc == Decimal("800.00")
    assert l1.hifp_pay == q((Decimal(6000) - 200) * Decimal("0.90"))
    assert l3.hifp_pay == q((Decimal(6000) - 800) * Decimal("0.80"))
    big = _split([("SBC0302000002", Decimal(1), Decimal("20000"), "1")] * 1)
    pharm = settle(big, level=1, **{**common, "kind": "pharmacy"})
    assert pharm.hifp_pay == rules.policy.cap["pharmacy"]


@pytest.fixture
def signed(centre: Centre) -> Centre:
    centre.sign_in()
    return centre


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(st.sampled_from(CODES), st.integers(1, 5), st.decimals(Decimal("0.01"), Decimal("900"), places=2)),
        min_size=1,
        max_size=6,
    )
)
def test_identities_over_the_wire(signed: Centre, basket: list[tuple[str, int, Decimal]]) -> None:
    p = person(signed)
    rows = [drug_line(str(i + 1), code, str(cnt), str(pric)) for i, (code, cnt, pric) in enumerate(basket)]
    out = signed.ok("2101", pharmacy_input(p, rows), insuplc_admdvs=p["insuplc_admdvs"])
    check_identities(out["setlinfo"])
    assert out["setlinfo"]["medfee_sumamt"] == sum((r["det_item_fee_sumamt"] for r in rows), Decimal(0))
