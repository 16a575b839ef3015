"""The centre's own input check (:mod:`yibao.sandbox.validation`) on the wire and alone.

contract.md: malformed JSON, wrong types, missing or over-long fields → infcode -1 with an
err_msg naming the field; real dates only; the region's own codes and entries
(:mod:`yibao.sandbox.regions`) in that region only.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from conftest import Centre

from yibao.core.catalog.schema import load_catalog
from yibao.sandbox.regions import catalog_for, region_of
from yibao.sandbox.validation import Validator

NATIONAL = Validator(catalog_for("110000"))  # Beijing: no region entries, the national tables


def _3201(**over: Any) -> dict[str, Any]:
    data = {"insutype": "310", "clr_type": "41", "setl_optins": "441900", "stmt_begndate": "2026-01-01",
            "stmt_enddate": "2026-01-31", "medfee_sumamt": Decimal("1.00"), "fund_pay_sumamt": Decimal("0.50"),
            "acct_pay": Decimal("0.50"), "fixmedins_setl_cnt": 1}  # fmt: skip
    data.update(over)
    return {"data": data}


def _msgs(infno: str, inp: Any, v: Validator = NATIONAL) -> list[str]:
    return [str(i) for i in v(infno, inp)]


def test_a_good_input_passes() -> None:
    assert _msgs("3201", _3201()) == []


@pytest.mark.parametrize(
    ("over", "words"),
    [
        ({"insutype": None}, "3201 data.insutype: 必填字段为空"),
        ({"setl_optins": ""}, "data.setl_optins: 必填字段为空"),
        ({"setl_optins": "4419001"}, "data.setl_optins: 长度7超过6"),
        ({"setl_optins": 441900}, "data.setl_optins: 类型错误"),
        ({"setl_optins": "44\n900"}, "data.setl_optins: 含有控制字符"),
        ({"medfee_sumamt": "abc"}, "data.medfee_sumamt: 类型错误，应为数值型"),
        ({"medfee_sumamt": True}, "data.medfee_sumamt: 类型错误，应为数值型"),
        ({"medfee_sumamt": Decimal("1.001")}, "data.medfee_sumamt: 小数位数超过2位"),
        ({"medfee_sumamt": Decimal("1E+20")}, "data.medfee_sumamt: 整数位数超过14位"),
        ({"medfee_sumamt": Decimal("NaN")}, "data.medfee_sumamt: 不是有限数值"),
        ({"stmt_begndate": "2026-02-31"}, "data.stmt_begndate: 不是有效的日期"),
        ({"stmt_begndate": "2026-1-01"}, "data.stmt_begndate: 格式应为yyyy-MM-dd"),
        ({"clr_type": "9904"}, "data.clr_type: 代码[9904]不在字典clr_type中"),
    ],
)
def test_each_rule_names_the_field(over: dict[str, Any], words: str) -> None:
    msgs = _msgs("3201", _3201(**over))
    assert any(words in m for m in msgs), msgs


def test_date_times_and_digits() -> None:
    q = {"data": {"psn_no": "P1", "begntime": "2026-02-29 00:00:00", "endtime": "2026-01-01 24:00:00",
                  "med_type": "11"}}  # fmt: skip
    msgs = _msgs("5201", q)
    assert any("data.begntime: 不是有效的日期" in m for m in msgs)  # 2026 is no leap year
    assert any("data.endtime: 不是有效的日期" in m for m in msgs)
    q["data"].update(begntime="2024-02-29 23:59:59", endtime="2026-01-01T00:00:00")
    assert _msgs("5201", q) == ["5201 data.endtime: 格式应为yyyy-MM-dd HH:mm:ss"]
    row = {"feedetl_sn": "12a"}
    assert any("drugdetail[0].feedetl_sn: 类型错误，应为数字型" in m for m in _msgs("2102", {"drugdetail": [row]}))


def test_shapes() -> None:
    assert any("drugdetail: 节点应为列表" in m for m in _msgs("2102", {"drugdetail": {"feedetl_sn": "1"}}))
    assert any("druginfo: 应为JSON对象" in m for m in _msgs("2102", {"druginfo": [{"psn_no": "P"}]}))
    assert any("nonsense: 未知节点" in m for m in _msgs("2102", {"nonsense": {}}))
    assert any("druginfo: 节点缺失" in m for m in _msgs("2102", {}))
    assert _msgs("3201", []) == ["3201 input: 应为JSON对象"]


def test_the_regions_own_codes_and_entries() -> None:
    dongguan = Validator(catalog_for("441900"))
    assert _msgs("3201", _3201(clr_type="9904"), dongguan) == []  # spec 001: a Dongguan code
    assert _msgs("3201", _3201(clr_type="9904"))  # not a national one
    # Dongguan's CFYYJG106 has a public field table (verified): it is enforced
    rx = _msgs("CFYYJG106", {"rx_chk_up_info": {}}, dongguan)
    assert any("rx_chk_up_info.hi_rxno: 必填字段为空" in m for m in rx)
    # Gansu's 7101 is its 2021 meaning, a generic envelope: the national table does not apply there
    assert _msgs("7101", {"anything": {"at": "all"}}, Validator(catalog_for("620000"))) == []
    assert _msgs("7101", {"anything": {"at": "all"}})
    # Guangdong widens 3262 otransid to the 30 characters of an inf_refmsgid
    otransid = "4419002026010112000000000001"[:30].ljust(30, "0")
    gd = Validator(catalog_for("441900"))
    t = catalog_for("441900").get("3262")
    assert t is not None and t.verified
    node = t.input[0]
    assert not any("otransid" in m for m in _msgs("3262", {node.name: {"otransid": otransid}}, gd))
    # 3260-3262 are Guangdong's own tables: outside the province the centre has no 3262 table
    assert catalog_for("620000").get("3262") is None and load_catalog().get("3262") is None
    assert catalog_for("440000").get("3262") is not None
    for code in ("441900", "440000", "530000", "620000"):
        assert all("source" in e and "verified" in e for e in region_of(code).transactions)


def test_on_the_wire_the_err_msg_names_the_field(centre: Centre) -> None:
    reply = centre.call("3201", _3201(stmt_begndate="2026-02-31"))
    assert reply["infcode"] == -1 and "stmt_begndate" in reply["err_msg"]
    reply = centre.call("3201", _3201(clr_type="9904"))  # the centre's region here is Dongguan
    assert reply["infcode"] == 0, reply["err_msg"]


def test_the_validator_cache_does_not_grow_with_the_codes_envelopes_name(centre: Centre) -> None:
    for n in range(40):
        centre.call("1101", {"data": {}}, mdtrtarea_admvs=f"{440100 + n:06d}")
        centre.call("1101", {"data": {}}, mdtrtarea_admvs=f"X{n:05d}")
    assert set(centre.app.state.sandbox.dispatcher._validators) <= {"441900", "440000", "000000"}
