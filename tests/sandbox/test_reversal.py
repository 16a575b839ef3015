"""2601 reversal by omsgid + oinfno (spec_reference §10) and its interplay with cancels."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import PAASID, SECRET, Centre, drug_line, new_msgid
from flows import (
    admit,
    basket,
    discharge_input,
    fee_rows,
    inpatient_settle_input,
    outpatient_settle_input,
    person,
    pharmacy_input,
    register,
    total,
)

from yibao.sandbox.app import create_app
from yibao.sandbox.config import SandboxConfig


@pytest.fixture(params=["asgi", "socket"])
def c(request: pytest.FixtureRequest, centre: Centre) -> Centre:
    chosen: Centre = request.getfixturevalue("live_centre") if request.param == "socket" else centre
    chosen.sign_in()
    return chosen


def _reverse(c: Centre, psn_no: str, omsgid: str, oinfno: str) -> dict[str, Any]:
    return c.call("2601", {"data": {"psn_no": psn_no, "omsgid": omsgid, "oinfno": oinfno}})


def _buy(c: Centre, p: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    msgid = new_msgid(c.code)
    out = c.ok("2102", pharmacy_input(p, basket()), insuplc_admdvs=p["insuplc_admdvs"], msgid=msgid)
    return msgid, out["setlinfo"]


def _balc(c: Centre, p: dict[str, Any]) -> Decimal:
    return Decimal(c.person(lambda q: q["psn_no"] == p["psn_no"])["balc"])


def test_reverse_2102_twice_is_harmless(c: Centre) -> None:
    p = person(c, min_balc=Decimal("100"))
    msgid, info = _buy(c, p)
    assert _balc(c, p) == p["balc"] - info["acct_pay"]
    first = _reverse(c, p["psn_no"], msgid, "2102")
    assert first["infcode"] == 0
    assert _balc(c, p) == p["balc"]
    second = _reverse(c, p["psn_no"], msgid, "2102")
    assert second["infcode"] == 0 and "已冲正" in second["err_msg"]
    assert _balc(c, p) == p["balc"]
    ledger = c.control("GET", "/_sandbox/ledger")[1]
    assert [(r["msgid"], r["state"]) for r in ledger] == [(msgid, "reversed")]
    cancel = {"data": {"setl_id": info["setl_id"], "mdtrt_id": info["mdtrt_id"], "psn_no": p["psn_no"]}}
    refused = c.call("2103", cancel, insuplc_admdvs=p["insuplc_admdvs"])
    assert refused["infcode"] == -1 and "冲正" in refused["err_msg"]


def test_unknown_original_refused(c: Centre) -> None:
    p = person(c)
    reply = _reverse(c, p["psn_no"], new_msgid(c.code), "2102")
    assert reply["infcode"] == -1 and "原交易不存在" in reply["err_msg"]


def test_refused_original_leaves_nothing_to_reverse(c: Centre) -> None:
    p = person(c)
    inp = pharmacy_input(p, basket())
    inp["druginfo"]["medfee_sumamt"] = Decimal("1.00")
    msgid = new_msgid(c.code)
    assert c.call("2102", inp, insuplc_admdvs=p["insuplc_admdvs"], msgid=msgid)["infcode"] == -1
    assert "原交易不存在" in _reverse(c, p["psn_no"], msgid, "2102")["err_msg"]


def test_reverse_a_cancel_restores_the_settlement(c: Centre) -> None:
    p = person(c, min_balc=Decimal("100"))
    _msgid, info = _buy(c, p)
    cancel_msgid = new_msgid(c.code)
    cancel = {"data": {"setl_id": info["setl_id"], "mdtrt_id": info["mdtrt_id"], "psn_no": p["psn_no"]}}
    c.ok("2103", cancel, insuplc_admdvs=p["insuplc_admdvs"], msgid=cancel_msgid)
    assert _balc(c, p) == p["balc"]
    assert _reverse(c, p["psn_no"], cancel_msgid, "2103")["infcode"] == 0
    assert _balc(c, p) == p["balc"] - info["acct_pay"]
    assert c.control("GET", "/_sandbox/ledger")[1][0]["state"] == "settled"
    assert "已冲正" in _reverse(c, p["psn_no"], cancel_msgid, "2103")["err_msg"]


def test_reverse_outpatient_and_inpatient_settlements(c: Centre) -> None:
    p = person(c, min_balc=Decimal("100"))
    ins = p["insuplc_admdvs"]
    mdtrt_id = register(c, p, ins)
    rows = fee_rows(mdtrt_id, p, "B1", [drug_line("1", "SB110200001", "1", "20")])
    c.ok("2204", {"feedetail": rows}, insuplc_admdvs=ins)
    m2207 = new_msgid(c.code)
    c.ok("2207", outpatient_settle_input(p, mdtrt_id, "B1", total(rows)), insuplc_admdvs=ins, msgid=m2207)
    assert _reverse(c, p["psn_no"], m2207, "2207")["infcode"] == 0
    # The batch is unsettled again and can be settled anew.
    c.ok("2207", outpatient_settle_input(p, mdtrt_id, "B1", total(rows)), insuplc_admdvs=ins)

    q = person(c, place="441900", insutype="390")
    stay = admit(c, q, ins)["output"]["result"]["mdtrt_id"]
    lines = [{**drug_line("1", "SB110900001", "3", "60"), "mdtrt_id": stay, "psn_no": q["psn_no"], "med_type": "21"}]
    c.ok("2301", {"feedetail": lines}, insuplc_admdvs=ins)
    c.ok("2402", discharge_input(q, stay), insuplc_admdvs=ins)
    m2304 = new_msgid(c.code)
    c.ok("2304", inpatient_settle_input(q, stay, total(lines), ins), insuplc_admdvs=ins, msgid=m2304)
    assert _reverse(c, q["psn_no"], m2304, "2304")["infcode"] == 0
    # Yunnan §1.11.6: discharged again with the details void; 2405 then new details.
    c.ok("2405", {"data": {"mdtrt_id": stay, "psn_no": q["psn_no"]}}, insuplc_admdvs=ins)
    again = [{**lines[0], "feedetl_sn": "2"}]
    c.ok("2301", {"feedetail": again}, insuplc_admdvs=ins)


def test_reverse_admission(c: Centre) -> None:
    p = person(c)
    msgid = new_msgid(c.code)
    reply = c.call("2401", admit_input(c, p), insuplc_admdvs=p["insuplc_admdvs"], msgid=msgid)
    assert reply["infcode"] == 0
    assert _reverse(c, p["psn_no"], msgid, "2401")["infcode"] == 0
    assert admit(c, p, p["insuplc_admdvs"])["infcode"] == 0  # the stay is void


def admit_input(c: Centre, p: dict[str, Any]) -> dict[str, Any]:
    captured: dict[str, Any] = {}

    class Probe(Centre):
        def call(self, infno: str, inp: dict[str, Any], path: str = "", **over: Any) -> dict[str, Any]:
            captured.update(inp)
            return {}

    admit(Probe(app=c.app), p, p["insuplc_admdvs"])
    return captured


def test_reversal_delay_refuses_a_too_early_2601(tmp_path: Path) -> None:
    now = [1_800_000_000.0]
    cfg = SandboxConfig(paasid=PAASID, secret=SECRET, state_dir=tmp_path, clock=lambda: now[0], reversal_delay=15)
    c = Centre(app=create_app(cfg), clock=lambda: now[0])
    c.sign_in()
    p = person(c, min_balc=Decimal("100"))
    msgid, _info = _buy(c, p)
    early = _reverse(c, p["psn_no"], msgid, "2102")
    assert early["infcode"] == -1 and "处理中" in early["err_msg"]
    now[0] += 16
    assert _reverse(c, p["psn_no"], msgid, "2102")["infcode"] == 0


def test_psn_no_must_match_the_original(c: Centre) -> None:
    p = person(c, min_balc=Decimal("100"))
    msgid, _ = _buy(c, p)
    other = person(c, insutype="390")
    assert _reverse(c, other["psn_no"], msgid, "2102")["infcode"] == -1
