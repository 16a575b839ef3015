"""事前事中 审核 rules with their feedback (3101-3103), and 备案 with their queries (2501-2506, 5301-5304,
Dongguan 90206 / 90304 / 90104, 90210 / 90211 / 90110, 90201 / 90101, 90517)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from conftest import Centre

D = "2026-01-02"


@pytest.fixture
def c(live_centre: Centre) -> Centre:
    live_centre.sign_in()
    return live_centre


def _order(n: int, code: str, cnt: str = "1") -> dict[str, Any]:
    return {"rx_id": f"RX{n}", "rxno": f"CF{n}", "hilist_code": code, "cnt": Decimal(cnt), "pric": Decimal("10.00"),
            "sumamt": Decimal(cnt) * Decimal("10.00")}  # fmt: skip


def _audit(gend: str, orders: list[dict[str, Any]]) -> dict[str, Any]:
    """A 3101 / 3102 input: every required field of the table filled by type, then the case's values."""
    from yibao.core.acceptance import synth_input
    from yibao.core.catalog import load_catalog

    row = synth_input(load_catalog(), "3101", {})["data"][0]
    patient = row["patient_dtos"][0]
    enc = patient["fsi_encounter_dtos"][0]
    enc.update(mdtrt_id="MDT-A1", fsi_order_dtos=[{**enc["fsi_order_dtos"][0], **o} for o in orders])
    patient.update(patn_id="P1", gend=gend, curr_mdtrt_id="MDT-A1")
    return {"data": [{**row, "trig_scen": "1"}]}


def test_rules_find_real_violations_and_feedback_is_recorded_once(c: Centre) -> None:
    """R01 quantity, R02 gender, R03 duplicate, R04 outside the catalogue; clean orders find nothing; each
    result is fed back once by 3103 with the right warn_type, visible at GET /_sandbox/records."""
    assert c.ok("3101", _audit("1", [_order(1, "SBXA01AAA0001")]))["result"] == []
    found = c.ok("3101", _audit("1", [_order(1, "SBXA01AAA0001"), _order(2, "SBXA01AAA0001"),
                                       _order(3, "SB250300001"), _order(4, "NOT-IN-CATALOGUE")]))["result"]
    assert sorted(r["rule_id"] for r in found) == ["R02", "R03", "R04"]
    during = c.ok("3102", _audit("2", [_order(5, "SBXA01AAA0001", "11")]))["result"]
    assert [r["rule_id"] for r in during] == ["R01"] and during[0]["vola_amt"] == Decimal("10.00")
    wrong = c.call("3103", {"data": [{"warn_type": "2", "warns": [{"warn_rslt_id": found[0]["jr_id"],
                                                                   "dspo_way": "2"}]}]})
    assert wrong["infcode"] == -1 and "warn_rslt_id" in wrong["err_msg"]
    reason = c.call("3103", {"data": [{"warn_type": "1", "warns": [{"warn_rslt_id": found[0]["jr_id"],
                                                                    "dspo_way": "1"}]}]})
    assert reason["infcode"] == -1 and "dspo_way_rea" in reason["err_msg"]
    warns = [{"warn_rslt_id": r["jr_id"], "dspo_way": "2"} for r in found]
    assert c.call("3103", {"data": [{"warn_type": "1", "warns": warns}]})["infcode"] == 0
    again = c.call("3103", {"data": [{"warn_type": "1", "warns": warns[:1]}]})
    assert again["infcode"] == -1 and "已反馈" in again["err_msg"]
    status, rows = c.control("GET", f"/_sandbox/records?kind=audit&fixmedins_code={c.code}")
    states = {r["sn"]: r["state"] for r in rows}
    assert status == 200 and all(states[r["jr_id"]] == "fed_back" for r in found)
    assert states[during[0]["jr_id"]] == "open"


def _local(c: Centre, gend: str | None = None) -> dict[str, Any]:
    return c.person(lambda p: p["insuplc_admdvs"] == "441900" and p["psn_cert_type"] == "01"
                    and p["insuinfo"][0]["psn_insu_stas"] == "1" and (gend is None or p["gend"] == gend))


def test_filings_have_states_and_the_queries_show_them(c: Centre) -> None:
    """2503 慢特病 (no duplicate), 2504 revokes; 2505 定点 (one per 排序号), 2506; 2501 转院 -> 5304 -> 2502."""
    p = _local(c)
    opsp = {"psn_no": p["psn_no"], "insutype": p["insutype"], "opsp_dise_code": "M04600", "opsp_dise_name": "冠心病",
            "insu_optins": "441900", "ide_fixmedins_no": c.code, "ide_fixmedins_name": "医院", "hosp_ide_date": D,
            "diag_dr_codg": "D1", "diag_dr_name": "医师", "begndate": D}  # fmt: skip
    sn = c.ok("2503", {"data": opsp})["result"]["trt_dcla_detl_sn"]
    dup = c.call("2503", {"data": opsp})
    assert dup["infcode"] == -1 and "opsp_dise_code" in dup["err_msg"]
    bad = c.call("2503", {"data": {**opsp, "opsp_dise_code": "X99999"}})
    assert bad["infcode"] == -1 and "病种目录" in bad["err_msg"]
    assert "M04600" in {r["opsp_dise_code"] for r in c.ok("5301", {"data": {"psn_no": p["psn_no"]}})["feedetail"]}
    assert c.call("2504", {"data": {"trt_dcla_detl_sn": sn, "psn_no": p["psn_no"], "memo": "x"}})["infcode"] == 0
    assert "M04600" not in {r["opsp_dise_code"] for r in c.ok("5301", {"data": {"psn_no": p["psn_no"]}})["feedetail"]}
    assert c.call("2504", {"data": {"trt_dcla_detl_sn": sn, "psn_no": p["psn_no"], "memo": "x"}})["infcode"] == -1
    fix = {"psn_no": p["psn_no"], "biz_appy_type": "03", "begndate": D, "fix_srt_no": "1", "fixmedins_code": c.code,
           "fixmedins_name": "医院"}  # fmt: skip
    fsn = c.ok("2505", {"data": fix})["result"]["trt_dcla_detl_sn"]
    assert c.call("2505", {"data": fix})["infcode"] == -1
    rows = c.ok("5302", {"data": {"psn_no": p["psn_no"], "biz_appy_type": "03"}})["psnfixmedin"]
    assert [(r["fix_srt_no"], r["fixmedins_code"]) for r in rows] == [("1", c.code)]
    assert c.call("2506", {"data": {"trt_dcla_detl_sn": fsn, "psn_no": p["psn_no"], "memo": "x"}})["infcode"] == 0
    assert c.ok("5302", {"data": {"psn_no": p["psn_no"], "biz_appy_type": "03"}})["psnfixmedin"] == []
    refl = {"psn_no": p["psn_no"], "diag_code": "J18.900", "diag_name": "肺炎", "reflin_medins_no": "H99999999901",
            "reflin_medins_name": "转入医院", "mdtrtarea_admdvs": "441900", "refl_type": "1", "refl_date": D,
            "refl_rea": "病情", "refl_opnn": "同意"}  # fmt: skip
    rsn = c.ok("2501A", {"refmedin": refl})["result"]["trt_dcla_detl_sn"]
    assert c.call("2501", {"refmedin": {**refl, "reflin_medins_no": c.code}})["infcode"] == -1
    since = {"data": {"psn_no": p["psn_no"], "begntime": "2000-01-01 00:00:00"}}
    assert [r["trt_dcla_detl_sn"] for r in c.ok("5304", since)["refmedin"]] == [rsn]
    assert len(c.ok("90215", {"data": {"psn_no": p["psn_no"], "begndate": "2000-01-01",
                                       "enddate": "2999-12-31"}})["data"]) == 1  # fmt: skip
    assert c.call("2502", {"data": {"trt_dcla_detl_sn": rsn, "psn_no": p["psn_no"]}})["infcode"] == 0


def test_dongguan_city_filings(c: Centre) -> None:
    """90206 -> 90104 / 5301, 90304 revokes; 90210 -> 90211 moves it (old one changed) -> 90110; 90201 only
    for a woman, once; 90517 with a valid spouse ID; 90100 a year of contributions."""
    p = _local(c)
    city = {"psn_no": p["psn_no"], "insutype": p["insutype"], "opsp_dise_code": "M08300",
            "opsp_dise_name": "精神分裂症",
            "ide_fixmedins_no": c.code, "ide_fixmedins_name": "医院", "hosp_ide_date": D, "diag_dr_codg": "D1",
            "diag_dr_name": "医师", "begndate": D}  # fmt: skip
    sn = c.ok("90206", {"data": city})["result"]["trt_dcla_detl_sn"]
    assert "M08300" in {r["opsp_dise_code"] for r in c.ok("5301", {"data": {"psn_no": p["psn_no"]}})["feedetail"]}
    assert c.call("90304", {"data": {"trt_dcla_detl_sn": sn, "psn_no": p["psn_no"], "memo": "x"}})["infcode"] == 0
    listed = {r["trt_dcla_detl_sn"]: r["vali_flag"] for r in c.ok("90104", {"data": {"psn_no": p["psn_no"]}})["data"]}
    assert listed[sn] == "0"
    fix = {"psn_no": p["psn_no"], "fix_srt_no": "1", "fixmedins_code": c.code, "fixmedins_name": "医院", "begndate": D}
    old = c.ok("90210", {"data": fix})["result"]["trt_dcla_detl_sn"]
    same = c.call("90211", {"data": {"trt_dcla_detl_sn": old, "psn_no": p["psn_no"], "fixmedins_code": c.code,
                                     "fixmedins_name": "医院", "begndate": D, "chg_rea": "x"}})  # fmt: skip
    assert same["infcode"] == -1 and "fixmedins_code" in same["err_msg"]
    new = c.ok("90211", {"data": {"trt_dcla_detl_sn": old, "psn_no": p["psn_no"], "fixmedins_code": "H99999999902",
                                  "fixmedins_name": "另一医院", "begndate": D, "chg_rea": "x"}})["result"]  # fmt: skip
    listed = c.ok("90110", {"data": {"psn_no": p["psn_no"]}})["data"]
    rows = {r["trt_dcla_detl_sn"]: (r["fixmedins_code"], r["state"]) for r in listed}
    assert rows == {old: (c.code, "changed"), new["trt_dcla_detl_sn"]: ("H99999999902", "active")}
    man, woman = _local(c, "1"), _local(c, "2")
    matn = {"insutype": "310", "matn_type": "7", "geso_val": Decimal("12"), "last_mena_date": D,
            "fixmedins_code": c.code,
            "fixmedins_name": "医院", "begndate": D}  # fmt: skip
    assert "女性" in c.call("90201", {"data": {**matn, "psn_no": man["psn_no"],
                                             "insutype": man["insutype"]}})["err_msg"]
    assert c.call("90201", {"data": {**matn, "psn_no": woman["psn_no"], "insutype": woman["insutype"]}})["infcode"] == 0
    assert c.call("90201", {"data": {**matn, "psn_no": woman["psn_no"],
                                     "insutype": woman["insutype"]}})["infcode"] == -1
    assert len(c.ok("90101", {"data": {"psn_no": woman["psn_no"]}})["data"]) == 1
    spouse = {"psn_no": man["psn_no"], "spus_name": "配偶", "spus_cert_type": "01", "spus_certno": "441900199203049911",
              "mrg_regdate": "2020-05-20", "unemp_flag": "1"}  # fmt: skip
    assert "spus_certno" in c.call("90517", {"data": spouse})["err_msg"]  # a wrong check digit
    from yibao.provinces.guangdong.dongguan_city_flows import id_number

    assert c.call("90517", {"data": {**spouse, "spus_certno": id_number("441900", "19920304", "991")}})["infcode"] == 0
    months = c.ok("90100", {"data": {"psn_no": man["psn_no"]}})["data"]
    if man["insutype"] == "310":
        assert len(months) == 12 and all(m["psn_clct_amt"] == Decimal("100.00") for m in months)
