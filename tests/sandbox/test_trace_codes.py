"""追溯码 inventory at the centre (3501-3513, 2102 durg_trac_info): sold once only, returns must match a sale."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from conftest import Centre, drug_line, trace_code
from flows import basket, person, pharmacy_input


@pytest.fixture
def c(live_centre: Centre) -> Centre:
    live_centre.sign_in()
    return live_centre


def _sel(codes: list[str], mdtrt_sn: str, setl_id: str = "", **more: Any) -> dict[str, Any]:
    return {"med_list_codg": "SBXA01AAA0001", "fixmedins_hilist_id": "HIS-1", "fixmedins_hilist_name": "阿莫西林",
            "fixmedins_bchno": "B1", "prsc_dr_name": "医师", "phar_name": "药师", "phar_prac_cert_no": "YS1",
            "mdtrt_sn": mdtrt_sn, "setl_id": setl_id, "manu_lotnum": "L1", "manu_date": "2025-01-01", "rx_flag": "1",
            "trdn_flag": "0", "rtal_docno": "LS1", "sel_retn_cnt": Decimal("1"), "sel_retn_time": "2026-01-02 10:00:00",
            "sel_retn_opter_name": "收费员", "drugtracinfo": [{"drug_trac_codg": x} for x in codes],
            **more}  # fmt: skip


def _stock(codes: list[str]) -> dict[str, Any]:
    return {"invinfo": {"med_list_codg": "SBXA01AAA0001", "fixmedins_hilist_id": "HIS-1",
                        "fixmedins_hilist_name": "阿莫西林",
                        "rx_flag": "1", "invdate": "2026-01-02", "inv_cnt": Decimal("2"), "fixmedins_bchno": "B1",
                        "manu_date": "2025-01-01", "expy_end": "2027-01-01",
                        "drugtracinfo": [{"drug_trac_codg": x} for x in codes]}}  # fmt: skip


def test_a_code_is_sold_once_and_a_return_must_match_a_sale(c: Centre) -> None:
    """3501 stocks two codes; 3505 sells one (twice refused); 3506 of an unsold code refused, of the sold one
    accepted (then it can be sold again); 3512 / 3513 answer from that state."""
    a, b = trace_code(), trace_code()
    assert c.call("3501", _stock([a, b]))["infcode"] == 0
    assert c.call("3505", {"selinfo": _sel([a], "MDT1")})["infcode"] == 0
    again = c.call("3505", {"selinfo": _sel([a], "MDT2")})
    assert again["infcode"] == -1 and "已销售" in again["err_msg"] and "drug_trac_codg" in again["err_msg"]
    refused = c.call("3506", {"selinfo": _sel([b], "MDT1")})
    assert refused["infcode"] == -1 and "无销售记录" in refused["err_msg"]
    wrong_visit = c.call("3506", {"selinfo": _sel([a], "MDT9")})
    assert wrong_visit["infcode"] == -1 and "mdtrt_sn" in wrong_visit["err_msg"]
    assert "selinfo.drugtracinfo.drug_trac_codg" in refused["err_msg"]
    assert c.call("3506", {"selinfo": _sel([a], "MDT1")})["infcode"] == 0
    q = {"data": {"fixmedins_code": c.code, "begndate": "2000-01-01", "enddate": "2999-12-31"}}
    stocked = {r["drugTracCodg"] for r in c.ok("3512", q)["output"]}
    assert {a, b} <= stocked
    assert a not in {r["drugTracCodg"] for r in c.ok("3513", q)["output"]}
    assert c.call("3505", {"selinfo": _sel([a], "MDT3")})["infcode"] == 0  # returned: sellable again


@pytest.mark.parametrize("bad", ["", "12345", "ABCDEFGHIJKLMNOPQRST"])
def test_empty_or_malformed_codes_are_refused(c: Centre, bad: str) -> None:
    """A code is 20 digits: an empty or malformed one is refused by name."""
    reply = c.call("3505", {"selinfo": _sel([bad], "MDT1")})
    assert reply["infcode"] == -1 and "drugtracinfo[0].drug_trac_codg" in reply["err_msg"]


def test_a_non_split_sale_needs_codes_and_a_split_return_cannot_exceed_the_sale(c: Centre) -> None:
    """trdn_flag 0 without codes is refused; 拆零 lines count: a return above the quantity sold is refused."""
    assert "drugtracinfo" in c.call("3505", {"selinfo": _sel([], "MDT5")})["err_msg"]
    assert c.call("3505", {"selinfo": _sel([], "MDT5", trdn_flag="1", sel_retn_cnt=Decimal("2"))})["infcode"] == 0
    assert c.call("3506", {"selinfo": _sel([], "MDT5", trdn_flag="1", sel_retn_cnt=Decimal("2"))})["infcode"] == 0
    over = c.call("3506", {"selinfo": _sel([], "MDT5", trdn_flag="1")})
    assert over["infcode"] == -1 and "sel_retn_cnt" in over["err_msg"]


def test_2102_sells_its_codes_and_2103_puts_them_back(c: Centre) -> None:
    """Dongguan 2102 需上传追溯码: its codes are sold under its setl_id (3505 of that sale is the same sale,
    another 2102 with them is refused); a line without codes settles with a warning; 2103 frees them."""
    p = person(c, min_balc=Decimal("100"))
    code = trace_code()
    line = drug_line("1", "SBXA01AAA0001", "1", "10.00", durg_trac_info=[{"feedetl_sn": "1", "drug_trac_codg": code,
                                                                           "trdn_flag": "0"}])  # fmt: skip
    out = c.ok("2102", pharmacy_input(p, [line]), insuplc_admdvs=p["insuplc_admdvs"])
    setl = out["setlinfo"]
    assert c.call("3505", {"selinfo": _sel([code], setl["mdtrt_id"], setl["setl_id"])})["infcode"] == 0
    twice = c.call("2102", pharmacy_input(p, [line]), insuplc_admdvs=p["insuplc_admdvs"])
    assert twice["infcode"] == -1 and "drugdetail[0].durg_trac_info" in twice["err_msg"]
    bare = drug_line("1", "SBXA01AAA0001", "1", "10.00")
    bare.pop("durg_trac_info")
    warned = c.call("2102", pharmacy_input(p, [bare]), insuplc_admdvs=p["insuplc_admdvs"])
    assert warned["infcode"] == 0 and "追溯码" in warned["err_msg"]
    cancel = {"data": {"setl_id": setl["setl_id"], "mdtrt_id": setl["mdtrt_id"], "psn_no": p["psn_no"]}}
    assert c.call("2103", cancel, insuplc_admdvs=p["insuplc_admdvs"])["infcode"] == 0
    assert c.call("2102", pharmacy_input(p, [line]), insuplc_admdvs=p["insuplc_admdvs"])["infcode"] == 0
    assert basket()  # the shared basket carries codes for its 西药 lines


def test_stock_changes_move_codes_in_and_out(c: Centre) -> None:
    """3502A: an inbound change puts a code in the store, an outbound one needs it there."""
    a = trace_code()
    row = {"med_list_codg": "SBXA01AAA0001", "fixmedins_hilist_id": "HIS-1", "fixmedins_hilist_name": "阿莫西林",
           "fixmedins_bchno": "B1", "pric": Decimal("10.00"), "cnt": Decimal("1"), "rx_flag": "1",
           "inv_chg_time": "2026-01-02 10:00:00", "drugtracinfo": [{"drug_trac_codg": a}]}  # fmt: skip
    out = c.call("3502A", {"invinfoDetail": [{**row, "inv_chg_type": "102"}]})
    assert out["infcode"] == -1 and "不在库存中" in out["err_msg"]
    assert c.call("3502A", {"invinfoDetail": [{**row, "inv_chg_type": "101"}]})["infcode"] == 0
    assert c.call("3502A", {"invinfoDetail": [{**row, "inv_chg_type": "102"}]})["infcode"] == 0
