"""Pharmacy 2101 / 2102 / 2103 (spec_reference §6), Dongguan clr_type rules (spec 001)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import Centre, drug_line
from flows import basket, check_identities, person, pharmacy_input


@pytest.fixture(params=["asgi", "socket"])
def c(request: pytest.FixtureRequest, centre: Centre) -> Centre:
    chosen: Centre = request.getfixturevalue("live_centre") if request.param == "socket" else centre
    chosen.sign_in()
    return chosen


def test_presettle_commits_nothing_and_settle_pays(c: Centre) -> None:
    p = person(c, min_balc=Decimal("100"))
    pre = c.ok("2101", pharmacy_input(p, basket()), insuplc_admdvs="441900")
    assert "setl_id" not in pre["setlinfo"]
    assert c.control("GET", "/_sandbox/ledger")[1] == []
    out = c.ok("2102", pharmacy_input(p, basket()), insuplc_admdvs="441900")
    info = out["setlinfo"]
    check_identities(info)
    assert info["medfee_sumamt"] == Decimal("100.00")
    assert info["fulamt_ownpay_amt"] == Decimal("30.00")  # 丙类 fully self-paid
    assert info["overlmt_selfpay"] == Decimal("5.00")  # 45.00 over a cap of 40
    assert info["preselfpay_amt"] == Decimal("4.00")  # 10 % 先自付 of the rest
    assert {k: info[k] for k in ("clr_type", "clr_optins", "clr_way")} == {
        "clr_type": "41",
        "clr_optins": "441900",
        "clr_way": "1",
    }
    assert info["acct_pay"] > 0 and info["balc"] == p["balc"] - info["acct_pay"]
    assert [r["feedetl_sn"] for r in out["detlcutinfo"]] == ["1", "2", "3"]
    assert pre["setlinfo"]["fund_pay_sumamt"] == info["fund_pay_sumamt"]
    ledger = c.control("GET", "/_sandbox/ledger")[1]
    assert [(r["setl_id"], r["state"], r["acct_pay"]) for r in ledger] == [
        (info["setl_id"], "settled", info["acct_pay"])
    ]
    after = c.person(lambda q: q["psn_no"] == p["psn_no"])
    assert after["balc"] == info["balc"]


def test_account_only_when_flag_is_1(c: Centre) -> None:
    p = person(c, min_balc=Decimal("100"))
    info = c.ok("2102", pharmacy_input(p, basket(), acct="0"), insuplc_admdvs="441900")["setlinfo"]
    assert info["acct_pay"] == 0 and info["psn_cash_pay"] == info["psn_part_amt"]
    check_identities(info)


def test_account_limited_to_balance(c: Centre) -> None:
    p = c.person(lambda q: q["psn_cert_type"] == "01" and q["insutype"] == "310" and Decimal(0) < q["balc"] <= 50)
    info = c.ok("2102", pharmacy_input(p, basket()), insuplc_admdvs=p["insuplc_admdvs"], mdtrtarea_admvs="441900")[
        "setlinfo"
    ]
    assert info["acct_pay"] == p["balc"] and info["balc"] == 0
    check_identities(info)


def test_dongguan_elsewhere_in_province_is_9904(c: Centre) -> None:
    p = person(c, place="440100")
    info = c.ok("2102", pharmacy_input(p, basket()), insuplc_admdvs="440100")["setlinfo"]
    assert (info["clr_type"], info["clr_optins"]) == ("9904", "440100")


def test_national_default_elsewhere(c: Centre) -> None:
    p = person(c, place="620100")
    gansu = Centre(app=c.app, url=c.url, region="620100")
    gansu.sign_in()
    info = gansu.ok("2102", pharmacy_input(p, basket()), insuplc_admdvs="620100")["setlinfo"]
    assert (info["clr_type"], info["clr_optins"], info["clr_way"]) == ("41", "620100", "1")


def test_cancel_once_gives_the_account_back(c: Centre) -> None:
    p = person(c, min_balc=Decimal("100"))
    sold = c.ok("2102", pharmacy_input(p, basket()), insuplc_admdvs="441900")
    info = sold["setlinfo"]
    data = {"data": {"setl_id": info["setl_id"], "mdtrt_id": info["mdtrt_id"], "psn_no": p["psn_no"]}}
    out = c.ok("2103", data, insuplc_admdvs="441900")
    assert out["setlinfo"]["medfee_sumamt"] == -info["medfee_sumamt"]
    assert out["setlinfo"]["setl_id"] != info["setl_id"]
    assert out["setlinfo"]["balc"] == p["balc"]
    assert c.person(lambda q: q["psn_no"] == p["psn_no"])["balc"] == p["balc"]
    # the cancel's fund lines are the settlement's, undone: amounts negated, the limit as it was
    assert sold["setldetail"] and [(-d["inscp_scp_amt"], -d["fund_payamt"], d["crt_payb_lmt_amt"])
                                   for d in sold["setldetail"]] == [
        (d["inscp_scp_amt"], d["fund_payamt"], d["crt_payb_lmt_amt"]) for d in out["setldetail"]]
    again = c.call("2103", data, insuplc_admdvs="441900")
    assert again["infcode"] == -1 and "撤销" in again["err_msg"]
    assert c.control("GET", "/_sandbox/ledger")[1][0]["state"] == "cancelled"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda inp: inp["druginfo"].update(medfee_sumamt=Decimal("1.00")), "medfee_sumamt"),
        (lambda inp: inp["drugdetail"][1].update(feedetl_sn="1"), "feedetl_sn"),
        (lambda inp: inp["drugdetail"][0].update(det_item_fee_sumamt=Decimal("99.00")), "det_item_fee_sumamt"),
        (lambda inp: inp["druginfo"].update(mdtrt_cert_no="440000000000000000"), "mdtrt_cert_no"),
        (lambda inp: inp["druginfo"].update(insutype="390"), ""),
        (lambda inp: inp["druginfo"].pop("psn_no"), "psn_no"),
    ],
)
def test_bad_purchases_refused_and_nothing_committed(c: Centre, change: object, field: str) -> None:
    p = person(c, min_balc=Decimal("100"))
    inp = pharmacy_input(p, basket())
    change(inp)  # type: ignore[operator]
    reply = c.call("2102", inp, insuplc_admdvs="441900")
    assert reply["infcode"] == -1
    assert field in reply["err_msg"]
    assert c.control("GET", "/_sandbox/ledger")[1] == []
    assert c.person(lambda q: q["psn_no"] == p["psn_no"])["balc"] == p["balc"]


def test_envelope_insuplc_must_be_the_persons(c: Centre) -> None:
    p = person(c)
    reply = c.call("2102", pharmacy_input(p, basket()), insuplc_admdvs="110000")
    assert reply["infcode"] == -1 and "insuplc_admdvs" in reply["err_msg"]


def test_unknown_item_is_self_paid(c: Centre) -> None:
    p = person(c)
    rows = [drug_line("1", "NOT-IN-CATALOGUE", "1", "10.00")]
    out = c.ok("2101", pharmacy_input(p, rows), insuplc_admdvs="441900")
    assert out["setlinfo"]["fulamt_ownpay_amt"] == Decimal("10.00")
    assert out["setlinfo"]["fund_pay_sumamt"] == 0
