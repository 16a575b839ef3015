"""validate(): every rule, with the issue naming node, row, field and rule."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from yibao.core.catalog import Catalog, load_catalog, validate
from yibao.core.errors import ValidationIssue


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return load_catalog()


def purchase(details: int = 2) -> dict[str, Any]:
    """A valid 2102 input (the catalogue's required fields, national baseline)."""
    return {
        "druginfo": {
            "psn_no": "P0001",
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": "110101199003071233",
            "begntime": "2024-03-01 09:30:00",
            "medfee_sumamt": Decimal("10.00") * details,  # the sum of the lines (rule total)
            "insutype": "310",
            "acct_used_flag": "1",
            "med_type": "41",
        },
        "drugdetail": [
            {
                "feedetl_sn": str(i + 1),
                "rx_circ_flag": "0",
                "fee_ocur_time": "2024-03-01 09:30:00",
                "med_list_codg": "XA01",
                "medins_list_codg": "M01",
                "det_item_fee_sumamt": Decimal("10.00"),
                "cnt": Decimal("1.0000"),
                "pric": Decimal("10.000000"),
            }
            for i in range(details)
        ],
    }


def only(issues: list[ValidationIssue]) -> ValidationIssue:
    assert len(issues) == 1, issues
    return issues[0]


def test_valid_input_has_no_issue(cat: Catalog) -> None:
    assert validate(cat, "2102", purchase()) == []


def test_required_missing_none_and_empty(cat: Catalog) -> None:
    for value in (None, ""):
        data = purchase()
        data["drugdetail"][1]["med_list_codg"] = value
        issue = only(validate(cat, "2102", data))
        where = (issue.node, issue.row, issue.field, issue.rule)
        assert where == ("drugdetail", 1, "med_list_codg", "required")
    data = purchase()
    del data["druginfo"]["psn_no"]
    issue = only(validate(cat, "2102", data))
    assert (issue.infno, issue.node, issue.row) == ("2102", "druginfo", None)
    assert (issue.field, issue.rule) == ("psn_no", "required")


def test_missing_required_node(cat: Catalog) -> None:
    data = purchase()
    del data["druginfo"]
    issue = only(validate(cat, "2102", data))
    assert (issue.node, issue.rule) == ("druginfo", "required")


@pytest.mark.parametrize(
    ("node", "field", "value", "rule"),
    [
        ("druginfo", "psn_no", 12345, "type"),  # C must be text
        ("druginfo", "begntime", "2024-03-01", "type"),  # DT needs the time
        ("druginfo", "begntime", "2024-13-01 09:30:00", "type"),
        ("druginfo", "medfee_sumamt", "12a", "type"),
        ("druginfo", "psn_no", "P" * 31, "length"),  # C30
        ("druginfo", "medfee_sumamt", Decimal("123456789012345.5"), "length"),  # 16,2: 14 digits max
        ("druginfo", "medfee_sumamt", Decimal("1.005"), "precision"),
        ("druginfo", "medfee_sumamt", "1.005", "precision"),
        ("druginfo", "medfee_sumamt", 1.5, "float"),
        ("druginfo", "med_type", "XX", "dictionary"),
        ("druginfo", "psn_no", "P\n1", "type"),  # control character
    ],
)
def test_field_rules(cat: Catalog, node: str, field: str, value: object, rule: str) -> None:
    data = purchase()
    data[node][field] = value
    issue = only(validate(cat, "2102", data))
    assert (issue.node, issue.field, issue.rule) == (node, field, rule)
    assert issue.message


def test_digits_only_and_row_index(cat: Catalog) -> None:
    data = purchase(3)
    data["drugdetail"][2]["feedetl_sn"] = "12a"
    issue = only(validate(cat, "2102", data))
    assert (issue.row, issue.field, issue.rule) == (2, "feedetl_sn", "type")
    data["drugdetail"][2]["feedetl_sn"] = "1" * 31  # NUM 30
    assert only(validate(cat, "2102", data)).rule == "length"
    data["drugdetail"][2]["feedetl_sn"] = 7  # an int of digits is fine for NUM
    assert validate(cat, "2102", data) == []


def test_numbers_accept_decimal_int_and_text(cat: Catalog) -> None:
    for amount in (Decimal("20"), 20, "20.00", Decimal("99999999999999.99")):
        data = purchase()
        data["druginfo"]["medfee_sumamt"] = amount
        data["drugdetail"][0]["det_item_fee_sumamt"] = Decimal(amount) - Decimal("10.00")  # keeps the total
        assert validate(cat, "2102", data) == [], amount
    data = purchase()
    data["drugdetail"][0]["pric"] = Decimal("1.123456")  # 16,6
    assert validate(cat, "2102", data) == []
    data["drugdetail"][0]["pric"] = Decimal("1.1234567")
    assert only(validate(cat, "2102", data)).rule == "precision"


def test_a_charge_is_never_negative_but_a_returned_2301_line_is(cat: Catalog) -> None:
    """2102 charges: a minus sign is refused (refunds are 2103); 2301's table 91 sends a returned
    line with a negative cnt (退单时数量填写负数), so there it is the centre's business."""
    data = purchase()
    data["drugdetail"][1]["cnt"] = Decimal("-1")
    issue = only(validate(cat, "2102", data))
    assert (issue.node, issue.row, issue.field, issue.rule) == ("drugdetail", 1, "cnt", "sign")
    returned = {"feedetl_sn": "2", "init_feedetl_sn": "1", "mdtrt_id": "M1", "psn_no": "P1", "med_type": "21",
                "fee_ocur_time": "2024-03-01 09:30:00", "med_list_codg": "XA01", "medins_list_codg": "M01",
                "det_item_fee_sumamt": Decimal("-10.00"), "cnt": Decimal("-1"), "pric": Decimal("10"),
                "bilg_dept_codg": "A01", "bilg_dept_name": "内科", "bilg_dr_codg": "D1", "bilg_dr_name": "医师"}
    assert validate(cat, "2301", {"feedetail": [returned]}) == []


def test_the_total_is_the_sum_of_the_lines(cat: Catalog) -> None:
    data = purchase(3)
    data["druginfo"]["medfee_sumamt"] = Decimal("30.01")
    issue = only(validate(cat, "2102", data))
    assert (issue.node, issue.field, issue.rule) == ("druginfo", "medfee_sumamt", "total")
    assert "30.00" in issue.message


def test_length_counts_characters_not_bytes(cat: Catalog) -> None:
    data = purchase()
    data["druginfo"]["dise_name"] = "𠮷" * 500  # 字符型 500; 4 UTF-8 bytes each, one character
    assert validate(cat, "2102", data) == []
    data["druginfo"]["dise_name"] = "𠮷" * 501
    assert only(validate(cat, "2102", data)).rule == "length"


def test_shape_single_versus_many(cat: Catalog) -> None:
    data = purchase()
    data["drugdetail"] = data["drugdetail"][0]  # an object where the spec says many rows
    issue = only(validate(cat, "2102", data))
    assert (issue.node, issue.rule) == ("drugdetail", "shape")
    data = purchase()
    data["druginfo"] = [data["druginfo"]]  # a list where the spec says one row
    issue = only(validate(cat, "2102", data))
    assert (issue.node, issue.rule) == ("druginfo", "shape")


def test_unknown_node_and_unknown_field_are_issues(cat: Catalog) -> None:
    """A field the node's table lacks is refused by name (issue 10 #6: a typo such as
    ``psn_nmae`` would otherwise go out and be ignored, or refused in the centre's words)."""
    data = purchase()
    data["druginfo"]["vendor_extra"] = "x"
    issue = only(validate(cat, "2102", data))
    assert (issue.node, issue.field, issue.rule) == ("druginfo", "vendor_extra", "unknown")
    data = purchase()
    data["drug_info"] = {}
    issue = only(validate(cat, "2102", data))
    assert (issue.node, issue.rule) == ("drug_info", "shape")


def test_float_anywhere_is_refused(cat: Catalog) -> None:
    """In a node without a field table (a region's generic node) any JSON value goes, but no float."""
    root = {"node": "data", "fields": []}
    local = cat.with_extra([{"infno": "9997", "name": "通用", "input": [root]}])
    issue = only(validate(local, "9997", {"data": {"vendor_extra": {"nested": [1, 2.5]}}}))
    assert (issue.node, issue.field, issue.rule) == ("data.vendor_extra", "nested[1]", "float")
    assert validate(local, "9997", {"data": {"vendor_extra": {"nested": [1, Decimal("2.5")]}}}) == []


def test_nested_trace_codes_both_spellings(cat: Catalog) -> None:
    for name in ("durg_trac_info", "drug_trac_info"):
        data = purchase()
        data["drugdetail"][0][name] = [{"feedetl_sn": "1", "drug_trac_codg": "8" * 20, "trdn_flag": "0"}]
        assert validate(cat, "2102", data) == []
        data["drugdetail"][0][name] = [{"feedetl_sn": "1", "drug_trac_codg": "8" * 101, "trdn_flag": "0"}]
        issue = only(validate(cat, "2102", data))
        where = (issue.node, issue.row, issue.field, issue.rule)
        assert where == (f"drugdetail[0].{name}", 0, "drug_trac_codg", "length")


def test_dictionary_only_when_known(cat: Catalog) -> None:
    t = cat.get("2102")
    assert t is not None
    rx_circ = t.input[1].field("rx_circ_flag")
    assert rx_circ is not None and rx_circ.dict and "rx_circ_flag" not in cat.dictionaries
    data = purchase()
    data["drugdetail"][0]["rx_circ_flag"] = "7"  # no code table for rx_circ_flag: not enforced
    assert validate(cat, "2102", data) == []


def test_no_node_and_unknown_infno(cat: Catalog) -> None:
    assert only(validate(cat, "0000", {})).rule == "shape"
    not_an_object: Any = "not an object"
    issue = only(validate(cat, "2102", not_an_object))
    assert issue.rule == "shape"


def test_date_field_and_dates_in_other_transactions(cat: Catalog) -> None:
    base = {"setl_optins": "440100", "stmt_begndate": "2024-03-01", "stmt_enddate": "2024-03-31",
            "medfee_sumamt": Decimal("1.00"), "fund_pay_sumamt": Decimal("0.50"), "acct_pay": Decimal("0"),
            "fixmedins_setl_cnt": 1, "insutype": "310", "clr_type": "41"}
    assert validate(cat, "3201", {"data": base}) == []
    bad = copy.deepcopy(base)
    bad["stmt_enddate"] = "2024/03/31"
    issue = only(validate(cat, "3201", {"data": bad}))
    assert (issue.field, issue.rule) == ("stmt_enddate", "type")


def test_many_rows_are_all_checked(cat: Catalog) -> None:
    data = purchase(20)
    for row in data["drugdetail"][::5]:
        row["cnt"] = 2.0
    issues = validate(cat, "2102", data)
    assert [(i.row, i.rule) for i in issues] == [(0, "float"), (5, "float"), (10, "float"), (15, "float")]


def test_messages_do_not_echo_long_values(cat: Catalog) -> None:
    """Issue messages go to logs: an ID number typed into the wrong field is not repeated."""
    data = purchase()
    data["druginfo"]["begntime"] = "110101199003071233"
    data["druginfo"]["med_type"] = "110101199003071233"
    issues = validate(cat, "2102", data)
    assert sorted(i.rule for i in issues) == ["length", "type"]  # one issue per field
    assert all("110101199003071233" not in i.message for i in issues)


def test_wide_space_is_text_control_characters_are_not(cat: Catalog) -> None:
    data = purchase()
    data["druginfo"]["dise_name"] = "高血压\u3000二级"  # ideographic space: ordinary text
    assert validate(cat, "2102", data) == []
    for bad in ("a\tb", "a\x00b", "a\x7fb", "a\rb"):
        data["druginfo"]["dise_name"] = bad
        assert only(validate(cat, "2102", data)).rule == "type", repr(bad)
