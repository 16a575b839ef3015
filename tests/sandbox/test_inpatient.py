"""Inpatient 2401-2405 / 2301-2305: the stay's state machine and its refusals (spec_reference §8, §9)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from conftest import Centre, drug_line
from flows import admit, check_identities, discharge_input, inpatient_settle_input, person, total


@pytest.fixture(params=["asgi", "socket"])
def c(request: pytest.FixtureRequest, centre: Centre) -> Centre:
    chosen: Centre = request.getfixturevalue("live_centre") if request.param == "socket" else centre
    chosen.sign_in()
    return chosen


def _fees(mdtrt_id: str, p: dict[str, Any], lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**r, "mdtrt_id": mdtrt_id, "psn_no": p["psn_no"], "med_type": "21"} for r in lines]


def _undo(p: dict[str, Any], mdtrt_id: str) -> dict[str, Any]:
    return {"data": {"mdtrt_id": mdtrt_id, "psn_no": p["psn_no"]}}


def test_stay_state_machine(c: Centre) -> None:
    p = person(c, min_balc=Decimal("100"))
    ins = p["insuplc_admdvs"]
    reply = admit(c, p, ins)
    assert reply["infcode"] == 0, reply["err_msg"]
    mdtrt_id = reply["output"]["result"]["mdtrt_id"]
    assert admit(c, p, ins)["infcode"] == -1  # one open stay per person
    rows = _fees(
        mdtrt_id,
        p,
        [
            drug_line("1", "SB110900001", "5", "60"),
            drug_line("2", "SBC0302000002", "1", "25000"),
            drug_line("3", "SB311300001", "2", "150"),
        ],
    )
    result = c.ok("2301", {"feedetail": rows}, insuplc_admdvs=ins)["result"]
    assert result[1]["overlmt_amt"] == Decimal("5000.00") and result[2]["fulamt_ownpay_amt"] == Decimal("300.00")
    amount = total(rows)
    early = c.call("2304", inpatient_settle_input(p, mdtrt_id, amount, ins), insuplc_admdvs=ins)
    assert early["infcode"] == -1 and "出院" in early["err_msg"]  # no settlement before discharge
    c.ok("2402", discharge_input(p, mdtrt_id), insuplc_admdvs=ins)
    late_fee = c.call(
        "2301", {"feedetail": _fees(mdtrt_id, p, [drug_line("4", "SB110900001", "1", "60")])}, insuplc_admdvs=ins
    )
    assert late_fee["infcode"] == -1  # no fee upload after discharge
    pre = c.ok("2303", inpatient_settle_input(p, mdtrt_id, amount, ins), insuplc_admdvs=ins)["setlinfo"]
    s = c.ok("2304", inpatient_settle_input(p, mdtrt_id, amount, ins), insuplc_admdvs=ins)["setlinfo"]
    check_identities(s)
    assert s["fund_pay_sumamt"] == pre["fund_pay_sumamt"]
    assert s["act_pay_dedc"] > 0  # the inpatient deductible applies
    assert (s["clr_type"], s["clr_optins"]) == ("21", ins)
    # Cancel order: 2305 before 2405 before 2302 / 2404.
    assert "2305" in c.call("2405", _undo(p, mdtrt_id), insuplc_admdvs=ins)["err_msg"]
    assert c.call("2404", _undo(p, mdtrt_id), insuplc_admdvs=ins)["infcode"] == -1
    revoke_all = {"data": [{"feedetl_sn": "0000", "mdtrt_id": mdtrt_id, "psn_no": p["psn_no"]}]}
    assert c.call("2302", revoke_all, insuplc_admdvs=ins)["infcode"] == -1
    c.ok("2305", {"data": {"mdtrt_id": mdtrt_id, "setl_id": s["setl_id"], "psn_no": p["psn_no"]}}, insuplc_admdvs=ins)
    assert c.call("2302", revoke_all, insuplc_admdvs=ins)["infcode"] == -1  # still discharged
    assert c.call("2404", _undo(p, mdtrt_id), insuplc_admdvs=ins)["infcode"] == -1
    c.ok("2405", _undo(p, mdtrt_id), insuplc_admdvs=ins)
    assert "2302" in c.call("2404", _undo(p, mdtrt_id), insuplc_admdvs=ins)["err_msg"]  # live fee lines
    c.ok("2302", revoke_all, insuplc_admdvs=ins)
    c.ok("2404", _undo(p, mdtrt_id), insuplc_admdvs=ins)
    assert c.person(lambda q: q["psn_no"] == p["psn_no"])["balc"] == p["balc"]
    assert admit(c, p, ins)["infcode"] == 0  # the cancelled stay no longer blocks a new one


def test_refund_rows_need_their_original(c: Centre) -> None:
    p = person(c)
    mdtrt_id = admit(c, p, p["insuplc_admdvs"])["output"]["result"]["mdtrt_id"]
    c.ok(
        "2301",
        {"feedetail": _fees(mdtrt_id, p, [drug_line("1", "SB110900001", "2", "60")])},
        insuplc_admdvs=p["insuplc_admdvs"],
    )
    bad = _fees(mdtrt_id, p, [drug_line("2", "SB110900001", "-1", "60")])
    assert c.call("2301", {"feedetail": bad}, insuplc_admdvs=p["insuplc_admdvs"])["infcode"] == -1
    good = _fees(mdtrt_id, p, [drug_line("2", "SB110900001", "-1", "60", init_feedetl_sn="1")])
    res = c.ok("2301", {"feedetail": good}, insuplc_admdvs=p["insuplc_admdvs"])["result"]
    assert res[0]["det_item_fee_sumamt"] == Decimal("-60.00")


def test_2403_changes_only_an_open_stay(c: Centre) -> None:
    p = person(c)
    ins = p["insuplc_admdvs"]
    mdtrt_id = admit(c, p, ins)["output"]["result"]["mdtrt_id"]
    adm = {
        "adminfo": {
            "mdtrt_id": mdtrt_id,
            "psn_no": p["psn_no"],
            "begntime": "2024-06-01 10:00:00",
            "mdtrt_cert_type": "02",
            "med_type": "21",
            "ipt_otp_no": "IP1",
            "atddr_no": "D0001",
            "chfpdr_name": "测试医生",
            "adm_diag_dscr": "测试诊断",
            "adm_dept_codg": "A03",
            "adm_dept_name": "内科",
            "adm_bed": "02",
            "dscg_maindiag_code": "J18.900",
            "dscg_maindiag_name": "肺炎",
        },
        "diseinfo": [],
    }
    c.ok("2403", adm, insuplc_admdvs=ins)
    c.ok("2402", discharge_input(p, mdtrt_id), insuplc_admdvs=ins)
    assert c.call("2403", adm, insuplc_admdvs=ins)["infcode"] == -1
    stays = c.ok("5303", {"data": {"psn_no": "", "begntime": "2024-01-01 00:00:00", "endtime": "2024-12-31 23:59:59"}})
    assert mdtrt_id not in [s["mdtrt_id"] for s in stays["data"]]
