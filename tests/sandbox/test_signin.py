"""9001 / 9002 sign-in rules (spec_reference §3; Yunnan 002 §1.7).

``sign_no`` is 可为空 in the national envelope table: an empty one is accepted everywhere but
in a region that demands a sign-in (Yunnan); a non-empty one must be a current sign-in's.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from conftest import PAASID, SECRET, Centre, drug_line

from yibao.sandbox.app import create_app
from yibao.sandbox.config import SandboxConfig


def _signin(c: Centre, opter: str | None = None) -> dict[str, Any]:
    return c.call("9001", {"signIn": {"opter_no": opter or c.opter, "mac": "00-11-22-33-44-55", "ip": "127.0.0.1"}})


def _signout(c: Centre, sign_no: str) -> dict[str, Any]:
    return c.call("9002", {"signOut": {"sign_no": sign_no, "opter_no": c.opter}})


def _purchase(c: Centre, insuplc: str = "441900") -> dict[str, Any]:
    p = c.person(lambda p: p["insuplc_admdvs"] == insuplc and p["psn_cert_type"] == "01")
    line = drug_line("1", "SBXA01AAA0001", "1", "10.00")
    info = {
        "psn_no": p["psn_no"],
        "mdtrt_cert_type": "02",
        "mdtrt_cert_no": p["certno"],
        "begntime": "2024-01-01 10:00:00",
        "medfee_sumamt": Decimal("10.00"),
        "insutype": p["insutype"],
        "acct_used_flag": "0",
        "med_type": "41",
    }
    return c.call("2102", {"druginfo": info, "drugdetail": [line]}, insuplc_admdvs=insuplc)


def test_same_day_sign_in_returns_current_sign_no(centre: Centre) -> None:
    first = _signin(centre)
    second = _signin(centre)
    assert first["infcode"] == 0 and second["infcode"] == 0
    assert first["output"]["signinoutb"]["sign_no"] == second["output"]["signinoutb"]["sign_no"]
    assert first["output"]["signinoutb"]["sign_time"]


def test_operators_get_their_own_sign_in(centre: Centre) -> None:
    a = _signin(centre)["output"]["signinoutb"]["sign_no"]
    centre.opter = "0002"
    b = _signin(centre)["output"]["signinoutb"]["sign_no"]
    assert a != b


def test_sign_in_refused_after_same_day_sign_out(centre: Centre) -> None:
    sign_no = _signin(centre)["output"]["signinoutb"]["sign_no"]
    out = _signout(centre, sign_no)
    assert out["infcode"] == 0 and out["output"]["signoutoutb"]["sign_time"]
    again = _signin(centre)
    assert again["infcode"] == -1 and "签退" in again["err_msg"]


def test_sign_out_without_sign_in_refused(centre: Centre) -> None:
    assert _signout(centre, "SN-NOT-THERE")["infcode"] == -1


def test_state_changing_call_needs_a_current_sign_in_in_yunnan(centre: Centre) -> None:
    """Yunnan 002 §1.7: the region demands a sign-in, so an empty sign_no is refused there."""
    yunnan = Centre(app=centre.app, region="530000")
    refused = _purchase(yunnan, "530100")
    assert refused["infcode"] == -1 and "签到" in refused["err_msg"]
    assert refused["err_msg"].startswith("sign_no")
    yunnan.sign_in()
    assert _purchase(yunnan, "530100")["infcode"] == 0


def test_an_empty_sign_no_is_accepted_where_the_region_does_not_demand_one(centre: Centre) -> None:
    """National 表2: sign_no 可为空; Dongguan (like Guangdong and Gansu) settles without one."""
    assert centre.sign_no == ""
    assert _purchase(centre)["infcode"] == 0
    assert _purchase(centre)["infcode"] == 0
    centre.sign_no = "null"  # the Hunan samples' literal for an empty field
    assert _purchase(centre)["infcode"] == 0
    assert len(centre.control("GET", "/_sandbox/ledger")[1]) == 3


def test_a_made_up_sign_no_is_refused_everywhere(centre: Centre) -> None:
    centre.sign_no = "N4419002601010000001"
    refused = _purchase(centre)
    assert refused["infcode"] == -1 and "签到" in refused["err_msg"]
    assert centre.control("GET", "/_sandbox/ledger")[1] == []


def test_signed_out_sign_no_refused(centre: Centre) -> None:
    sign_no = centre.sign_in()
    _signout(centre, sign_no)
    refused = _purchase(centre)
    assert refused["infcode"] == -1 and "签到" in refused["err_msg"]


def test_foreign_sign_no_refused(centre: Centre) -> None:
    other = Centre(app=centre.app, code="H44190000009")
    foreign = other.sign_in()
    centre.sign_no = foreign
    assert "签到" in _purchase(centre)["err_msg"]
    centre.sign_in()
    colleague = Centre(app=centre.app)
    colleague.opter = "0099"
    colleague.sign_no = centre.sign_no  # another operator's sign-in
    assert "签到" in _purchase(colleague)["err_msg"]


def test_yesterdays_sign_no_is_stale(tmp_path: Path) -> None:
    now = [1_800_000_000.0]
    cfg = SandboxConfig(paasid=PAASID, secret=SECRET, state_dir=tmp_path, clock=lambda: now[0])
    c = Centre(app=create_app(cfg), clock=lambda: now[0])
    old = c.sign_in()
    now[0] += 86400
    assert "签到" in _purchase(c)["err_msg"]
    assert c.sign_in() != old  # a new day, a new sign-in
    assert _purchase(c)["infcode"] == 0


def test_queries_may_carry_an_empty_sign_no(centre: Centre) -> None:
    p = centre.person(lambda p: p["psn_cert_type"] == "01")
    data = {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": p["certno"], "psn_cert_type": "01"}}
    assert centre.call("1101", data, sign_no="")["infcode"] == 0
    q = {
        "data": {
            "psn_no": p["psn_no"],
            "begntime": "2020-01-01 00:00:00",
            "endtime": "2099-01-01 00:00:00",
            "med_type": "11",
        }
    }
    assert centre.call("5201", q, sign_no="")["infcode"] == 0
