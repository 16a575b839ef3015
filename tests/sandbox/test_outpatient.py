"""Outpatient 2201-2208 (spec_reference §7): batches, settlement per batch, undo order."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from conftest import Centre, drug_line
from flows import check_identities, fee_rows, outpatient_settle_input, person, register, total


@pytest.fixture(params=["asgi", "socket"])
def c(request: pytest.FixtureRequest, centre: Centre) -> Centre:
    chosen: Centre = request.getfixturevalue("live_centre") if request.param == "socket" else centre
    chosen.sign_in()
    return chosen


def _visit_info(c: Centre, p: dict[str, Any], mdtrt_id: str) -> None:
    info = {
        "mdtrt_id": mdtrt_id,
        "psn_no": p["psn_no"],
        "med_type": "11",
        "begntime": "2024-06-01 10:00:00",
        "dise_codg": "",
        "dise_name": "",
        "main_cond_dscr": "",
    }
    dise = [
        {
            "diag_type": "1",
            "diag_srt_no": 1,
            "diag_code": "J06.900",
            "diag_name": "上感",
            "diag_dept": "内科",
            "dise_dor_no": "D0001",
            "dise_dor_name": "测试医生",
            "diag_time": "2024-06-01 10:00:00",
            "vali_flag": "1",
        }
    ]
    c.ok("2203", {"mdtrtinfo": info, "diseinfo": dise}, insuplc_admdvs=p["insuplc_admdvs"])


def test_full_outpatient_flow(c: Centre) -> None:
    p = person(c, min_balc=Decimal("100"))
    ins = p["insuplc_admdvs"]
    mdtrt_id = register(c, p, ins)
    _visit_info(c, p, mdtrt_id)
    b1 = fee_rows(
        mdtrt_id, p, "B1", [drug_line("1", "SB110200001", "1", "20"), drug_line("2", "SB120100001", "1", "30")]
    )
    b2 = fee_rows(mdtrt_id, p, "B2", [drug_line("3", "SB210300001", "1", "300")])
    result = c.ok("2204", {"feedetail": b1 + b2}, insuplc_admdvs=ins)["result"]
    assert [r["feedetl_sn"] for r in result] == ["1", "2", "3"]
    assert result[2]["overlmt_amt"] == Decimal("50.00")  # CT over its cap of 250
    # A batch is complete in one call: more lines for B1 are refused; a reused feedetl_sn too.
    more = c.call(
        "2204",
        {"feedetail": fee_rows(mdtrt_id, p, "B1", [drug_line("9", "SB110200001", "1", "20")])},
        insuplc_admdvs=ins,
    )
    assert more["infcode"] == -1 and "chrg_bchno" in more["err_msg"]
    dup = c.call(
        "2204",
        {"feedetail": fee_rows(mdtrt_id, p, "B3", [drug_line("1", "SB110200001", "1", "20")])},
        insuplc_admdvs=ins,
    )
    assert dup["infcode"] == -1 and "feedetl_sn" in dup["err_msg"]
    pre = c.ok("2206", outpatient_settle_input(p, mdtrt_id, "B1", total(b1)), insuplc_admdvs=ins)
    assert "setl_id" not in pre["setlinfo"]
    wrong_total = c.call("2207", outpatient_settle_input(p, mdtrt_id, "B1", Decimal("1.00")), insuplc_admdvs=ins)
    assert wrong_total["infcode"] == -1 and "medfee_sumamt" in wrong_total["err_msg"]
    s1 = c.ok("2207", outpatient_settle_input(p, mdtrt_id, "B1", total(b1)), insuplc_admdvs=ins)["setlinfo"]
    check_identities(s1)
    assert (s1["clr_type"], s1["clr_optins"]) == ("11", "441900")  # Dongguan clinic, local person
    assert s1["medfee_sumamt"] == total(b1)
    twice = c.call("2207", outpatient_settle_input(p, mdtrt_id, "B1", total(b1)), insuplc_admdvs=ins)
    assert twice["infcode"] == -1 and "已结算" in twice["err_msg"]
    s2 = c.ok("2207", outpatient_settle_input(p, mdtrt_id, "B2", total(b2)), insuplc_admdvs=ins)["setlinfo"]
    assert s2["setl_id"] != s1["setl_id"]
    # Settled lines cannot be revoked; registration cannot be undone while settlements stand.
    revoke = c.call(
        "2205", {"data": {"mdtrt_id": mdtrt_id, "chrg_bchno": "B1", "psn_no": p["psn_no"]}}, insuplc_admdvs=ins
    )
    assert revoke["infcode"] == -1
    unreg = {"data": {"psn_no": p["psn_no"], "mdtrt_id": mdtrt_id, "ipt_otp_no": "x"}}
    assert c.call("2202", unreg, insuplc_admdvs=ins)["infcode"] == -1
    for s in (s1, s2):
        out = c.ok(
            "2208", {"data": {"setl_id": s["setl_id"], "mdtrt_id": mdtrt_id, "psn_no": p["psn_no"]}}, insuplc_admdvs=ins
        )
        assert out["setlinfo"]["pdn_cash_pay"] == -s["psn_cash_pay"]  # the spec's 2208 spelling
    assert c.person(lambda q: q["psn_no"] == p["psn_no"])["balc"] == p["balc"]
    # After the cancels the batches are unsettled again: revoke them all, then unregister.
    c.ok("2205", {"data": {"mdtrt_id": mdtrt_id, "chrg_bchno": "0000", "psn_no": p["psn_no"]}}, insuplc_admdvs=ins)
    gone = c.call("2206", outpatient_settle_input(p, mdtrt_id, "B1", total(b1)), insuplc_admdvs=ins)
    assert gone["infcode"] == -1
    visit = c.ok(
        "5201",
        {
            "data": {
                "psn_no": p["psn_no"],
                "begntime": "2024-01-01 00:00:00",
                "endtime": "2024-12-31 23:59:59",
                "med_type": "11",
            }
        },
    )["mdtrtinfo"]
    ipt_otp_no = next(v["ipt_otp_no"] for v in visit if v["mdtrt_id"] == mdtrt_id)
    c.ok("2202", {"data": {"psn_no": p["psn_no"], "mdtrt_id": mdtrt_id, "ipt_otp_no": ipt_otp_no}}, insuplc_admdvs=ins)
    late = c.call(
        "2204",
        {"feedetail": fee_rows(mdtrt_id, p, "B9", [drug_line("7", "SB110200001", "1", "20")])},
        insuplc_admdvs=ins,
    )
    assert late["infcode"] == -1


def test_elsewhere_in_province_clinic_is_9903(c: Centre) -> None:
    p = person(c, place="440100")
    mdtrt_id = register(c, p, "440100")
    rows = fee_rows(mdtrt_id, p, "B1", [drug_line("1", "SB110200001", "1", "20")])
    c.ok("2204", {"feedetail": rows}, insuplc_admdvs="440100")
    info = c.ok("2207", outpatient_settle_input(p, mdtrt_id, "B1", total(rows)), insuplc_admdvs="440100")["setlinfo"]
    assert (info["clr_type"], info["clr_optins"], info["clr_way"]) == ("9903", "440100", "1")


def test_visit_of_another_institution_is_unknown(c: Centre) -> None:
    p = person(c)
    mdtrt_id = register(c, p, "441900")
    other = Centre(app=c.app, url=c.url, code="H44190000007")
    other.sign_in()
    rows = fee_rows(mdtrt_id, p, "B1", [drug_line("1", "SB110200001", "1", "20")])
    reply = other.call("2204", {"feedetail": rows}, insuplc_admdvs="441900")
    assert reply["infcode"] == -1 and mdtrt_id in reply["err_msg"]
