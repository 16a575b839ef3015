"""normalize() (the wire's empty rule), the conflict overrides, kinds and with_extra()."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from yibao.core.catalog import Catalog, load_catalog, normalize, validate
from yibao.core.catalog.kinds import kind_of
from yibao.core.catalog.overrides import FIELD_OVERRIDES, NODE_OVERRIDES


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return load_catalog()


def test_normalize_fills_present_empties_only(cat: Catalog) -> None:
    caller: dict[str, Any] = {
        "druginfo": {"medfee_sumamt": None, "invono": None, "dise_codg": "", "psn_no": "P1"},
        "drugdetail": [{"prd_days": "", "cnt": "2", "pric": 3, "rxno": None, "feedetl_sn": None}],
        "extra_node": {"x": None},
    }
    out = normalize(cat, "2102", caller)
    assert out["druginfo"] == {"medfee_sumamt": Decimal("0"), "invono": "", "dise_codg": "", "psn_no": "P1"}
    row = out["drugdetail"][0]
    assert row["prd_days"] == Decimal("0") and type(row["prd_days"]) is Decimal
    assert row["cnt"] == Decimal("2") and type(row["cnt"]) is Decimal
    assert row["pric"] == Decimal("3") and type(row["pric"]) is Decimal
    assert row["rxno"] == "" and row["feedetl_sn"] == 0  # NUM empty -> 0
    assert "med_type" not in out["druginfo"]  # missing keys stay missing
    assert out["extra_node"] == {"x": None}  # unknown nodes untouched
    assert caller["druginfo"]["medfee_sumamt"] is None  # a new dict: the caller's input is unchanged


def test_normalize_leaves_bad_numbers_for_validate(cat: Catalog) -> None:
    out = normalize(cat, "2102", {"druginfo": {"medfee_sumamt": "12a"}})
    assert out["druginfo"]["medfee_sumamt"] == "12a"


def test_required_is_checked_before_normalising(cat: Catalog) -> None:
    caller = {"data": {"psn_no": None, "setl_id": "S", "mdtrt_id": "M"}}
    assert [i.rule for i in validate(cat, "2208", caller)] == ["required"]
    assert normalize(cat, "2208", caller)["data"]["psn_no"] == ""


def test_hunan_additions_are_optional_nationally(cat: Catalog) -> None:
    for infno in ("2101", "2102", "2201", "2206", "2303", "2304", "2401"):
        t = cat.get(infno)
        assert t is not None
        node = t.input[0]
        codes = ("psn_cert_type", "cert_type", "certno", "psn_type", "psn_name")
        present = [f for f in (node.field(c) for c in codes) if f is not None]
        assert present, infno
        assert not any(f.required for f in present), infno
    for infno in ("2303", "2304", "2401"):
        t = cat.get(infno)
        assert t is not None
        admdvs, cert_no = t.input[0].field("insuplc_admdvs"), t.input[0].field("mdtrt_cert_no")
        assert admdvs is not None and not admdvs.required
        assert cert_no is not None and cert_no.required


def test_other_required_flag_conflicts(cat: Catalog) -> None:
    def field(infno: str, node: str, code: str) -> bool:
        t = cat.get(infno)
        assert t is not None
        n = t.input_node(node)
        f = n.field(code) if n is not None else None
        assert f is not None, (infno, node, code)
        return f.required

    assert not field("2203", "mdtrtinfo", "dise_codg") and not field("2203", "mdtrtinfo", "dise_name")
    assert not field("1101", "data", "certno") and not field("1101", "data", "psn_name")
    assert field("1101", "data", "mdtrt_cert_no")  # untouched by the overrides
    assert not field("9001", "signIn", "mac") and field("9001", "signIn", "ip")
    assert field("2201", "data", "atddr_no")


def test_node_fixes(cat: Catalog) -> None:
    t9002 = cat.get("9002")
    assert t9002 is not None and [n.name for n in t9002.output] == ["signoutoutb"]
    t2102 = cat.get("2102")
    detail = t2102.input_node("drugdetail") if t2102 is not None else None
    assert detail is not None
    assert detail.child("durg_trac_info") is detail.child("drug_trac_info") is not None


def test_every_override_has_a_reason() -> None:
    assert all(o.reason for o in FIELD_OVERRIDES) and all(o.reason for o in NODE_OVERRIDES)


def test_kinds(cat: Catalog) -> None:
    from yibao.provinces.guangdong.profile import GUANGDONG

    cat = cat.with_extra(GUANGDONG.extra_transactions)  # 3260-3262 are Guangdong's own tables
    expected = dict.fromkeys(("2102", "2103", "2207", "2208", "2304", "2305", "2601"), "money")
    queries = ("2101", "2206", "2303", "1101", "2001", "5204", "3201", "3202", "3260")
    expected |= dict.fromkeys(queries, "query")
    expected |= {"9101": "file", "9102": "file", "9001": "session", "9002": "session"}
    expected |= dict.fromkeys(("2201", "2401", "3261", "3262", "3505"), "state")
    for infno, kind in expected.items():
        t = cat.get(infno)
        assert t is not None and t.kind == kind, infno
        assert t.changes_state == (kind in ("money", "state"))
    assert kind_of("2170", "异地就医购药订单查询") == "query"


def test_with_extra_overrides_and_adds(cat: Catalog) -> None:
    local_node = {"node": "data", "fields": [{"code": "x", "required": True}]}
    extra: list[dict[str, Any]] = [
        {"infno": "9999", "name": "地方交易", "input": [local_node]},
        {"infno": "1101", "name": "人员信息获取(地方)", "kind": "query", "verified": True, "input": []},
    ]
    merged = cat.with_extra(extra)
    assert len(merged) == len(cat) + 1
    local = merged.get("9999")
    assert local is not None and local.verified is False and local.kind == "state" and local.changes_state
    replaced, original = merged.get("1101"), cat.get("1101")
    assert replaced is not None and replaced.name == "人员信息获取(地方)"
    assert original is not None and original.name == "人员信息获取"
    assert [i.rule for i in validate(merged, "9999", {"data": {}})] == ["required"]
    assert merged.dictionaries is cat.dictionaries


def test_normalize_and_validate_fields_without_node(cat: Catalog) -> None:
    """无节点 input: the fields sit directly under ``input``."""
    root = {"node": "", "fields": [{"code": "amt", "type": "N", "length": 16, "scale": 2, "required": True},
                                   {"code": "memo", "type": "C", "length": 5}]}
    local = cat.with_extra([{"infno": "9998", "name": "无节点", "input": [root]}])
    out = normalize(local, "9998", {"amt": "1.50", "memo": None, "other": None})
    assert out == {"amt": Decimal("1.50"), "memo": "", "other": None}
    assert validate(local, "9998", {"amt": Decimal("1.50"), "memo": "x"}) == []
    unknown = validate(local, "9998", {"amt": Decimal("1.50"), "memo": "x", "other": 1})
    assert [(i.field, i.rule) for i in unknown] == [("other", "unknown")]
    assert [(i.field, i.rule) for i in validate(local, "9998", {"memo": "123456"})] == [
        ("memo", "length"),
        ("amt", "required"),
    ]
