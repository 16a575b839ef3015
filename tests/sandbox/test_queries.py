"""Queries 5201-5206, 5301-5303 and the control API listings."""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import Centre
from flows import basket, person, pharmacy_input

RANGE = {"begntime": "2000-01-01 00:00:00", "endtime": "2099-12-31 23:59:59"}


def test_settlement_and_fee_queries(centre: Centre) -> None:
    centre.sign_in()
    p = person(centre, min_balc=Decimal("100"))
    info = centre.ok("2102", pharmacy_input(p, basket()), insuplc_admdvs=p["insuplc_admdvs"])["setlinfo"]
    key = {"psn_no": p["psn_no"], "setl_id": info["setl_id"], "mdtrt_id": info["mdtrt_id"]}
    s = centre.ok("5203", {"data": key})
    assert s["setlinfo"]["medfee_sumamt"] == info["medfee_sumamt"]
    assert s["setlinfo"]["fixmedins_code"] == centre.code and s["setlinfo"]["refd_setl_flag"] == "0"
    assert next(d["fund_pay_type"] for d in s["setldetail"]) == "310100"
    rows = centre.ok("5204", {"data": key})
    assert isinstance(rows, list) and [r["feedetl_sn"] for r in rows] == ["1", "2", "3"]
    assert sum((r["det_item_fee_sumamt"] for r in rows), Decimal(0)) == info["medfee_sumamt"]
    assert centre.call("5203", {"data": {**key, "setl_id": "NOPE"}})["infcode"] == -1
    other = Centre(app=centre.app, code="H44190000003")
    assert other.call("5203", {"data": key})["infcode"] == -1  # another institution's books
    cum = centre.ok("5206", {"data": {"psn_no": p["psn_no"]}})["cuminfo"]
    assert next(r["cum"] for r in cum if r["cum_type_code"] == "Z0000") == info["fund_pay_sumamt"]
    visits = centre.ok("5201", {"data": {"psn_no": p["psn_no"], **RANGE, "med_type": "41"}})["mdtrtinfo"]
    assert [v["mdtrt_id"] for v in visits] == [info["mdtrt_id"]]


def test_person_queries(centre: Centre) -> None:
    chronic = centre.person(lambda p: bool(p["opsp"]))
    rec = centre.ok("5301", {"data": {"psn_no": chronic["psn_no"]}})["feedetail"]
    assert rec[0]["opsp_dise_code"] == chronic["opsp"][0]["opsp_dise_code"]
    # No 定点 filing yet (2505 / 90210): nothing to show (tests/sandbox/test_filings.py files one).
    fix = centre.ok("5302", {"data": {"psn_no": chronic["psn_no"], "biz_appy_type": "01"}})["psnfixmedin"]
    assert fix == []
    assert centre.call("5301", {"data": {"psn_no": "NOBODY"}})["infcode"] == -1


def test_control_catalog(centre: Centre) -> None:
    status, entries = centre.control("GET", "/_sandbox/catalog")
    assert status == 200
    levels = {e["chrgitm_lv"] for e in entries}
    assert levels == {"01", "02", "03"}
    assert all({"med_list_codg", "med_list_name", "chrgitm_lv"} <= set(e) for e in entries)
    assert {e["list_type"] for e in entries} >= {"101", "102", "201", "301"}


def test_no_personal_data_in_logs(centre: Centre, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    centre.sign_in()
    p = person(centre, min_balc=Decimal("100"))
    centre.ok("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": p["certno"], "psn_cert_type": "01"}})
    centre.ok("2102", pharmacy_input(p, basket()), insuplc_admdvs=p["insuplc_admdvs"])
    bad = pharmacy_input(p, basket())
    bad["druginfo"]["psn_name"] = "测试错名"
    centre.call("2102", bad, insuplc_admdvs=p["insuplc_admdvs"])
    text = caplog.text
    assert p["certno"] not in text and p["psn_name"] not in text
