"""The parser against the spec documents, and the checked-in data against a fresh rebuild."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from yibao.core.catalog import build, load_catalog, spectext
from yibao.core.catalog.parser import parse_transactions

from .conftest import spec_rows

PACKAGE = Path(build.__file__).resolve().parent

_TYPES = {"字符型": "C", "数值型": "N", "数字型": "NUM", "日期型": "D", "日期时间型": "DT"}


@pytest.fixture(scope="module")
def parsed(baseline_text: str) -> dict[str, dict[str, Any]]:
    entries = parse_transactions(baseline_text.splitlines(), source="test")
    return {e["infno"]: e for e in entries}


def test_finds_every_section(parsed: dict[str, dict[str, Any]], baseline_text: str) -> None:
    headings = [line for line in baseline_text.splitlines() if re.match(r"^【[0-9A-Z]+】", line)]
    assert len(parsed) == len(headings) >= 200
    assert "4906字典表" not in parsed


def test_2102_nodes_and_rows(parsed: dict[str, dict[str, Any]]) -> None:
    entry = parsed["2102"]
    inputs = {n["node"]: n for n in entry["input"]}
    assert list(inputs) == ["druginfo", "drugdetail"]
    assert inputs["druginfo"]["multi"] is False and inputs["druginfo"]["multi_from"] == "spec"
    assert inputs["drugdetail"]["multi"] is True and inputs["drugdetail"]["multi_from"] == "spec"
    outputs = {n["node"]: n["multi"] for n in entry["output"]}
    assert outputs == {"setlinfo": False, "setldetail": True, "detlcutinfo": True}


def test_2102_fields_match_the_spec_text(parsed: dict[str, dict[str, Any]], baseline_text: str) -> None:
    for caption, node_name in (("节点标识：druginfo", "druginfo"), ("节点标识：drugdetail", "drugdetail")):
        rows = spec_rows(baseline_text, "2102", caption)
        node = next(n for n in parsed["2102"]["input"] if n["node"] == node_name)
        fields = {f["code"]: f for f in node["fields"]}
        value_rows = {code: cells for code, cells in rows.items() if cells[3]}
        assert set(fields) == set(value_rows)
        for code, cells in value_rows.items():
            f = fields[code]
            assert f["name"] == cells[2]
            assert f["type"] == _TYPES[cells[3]], code
            assert f["dict"] == (cells[5] == "Y"), code
            assert f["required"] == (cells[6] == "Y"), code
            if "," in cells[4]:
                length, scale = cells[4].split(",")
                assert (f["length"], f["scale"]) == (int(length), int(scale))
            elif cells[4]:
                assert f["length"] == int(cells[4])


def test_2102_specific_attributes(parsed: dict[str, dict[str, Any]]) -> None:
    druginfo = next(n for n in parsed["2102"]["input"] if n["node"] == "druginfo")
    f = {x["code"]: x for x in druginfo["fields"]}
    amount = f["medfee_sumamt"]
    assert (amount["type"], amount["length"], amount["scale"]) == ("N", 16, 2)
    assert f["med_type"]["dict"] and f["med_type"]["required"]
    assert f["begntime"]["type"] == "DT"
    detail = next(n for n in parsed["2102"]["input"] if n["node"] == "drugdetail")
    d = {x["code"]: x for x in detail["fields"]}
    assert d["feedetl_sn"]["type"] == "NUM" and d["feedetl_sn"]["length"] == 30
    assert (d["pric"]["length"], d["pric"]["scale"]) == (16, 6)
    assert (d["cnt"]["length"], d["cnt"]["scale"]) == (16, 4)


def test_nested_trace_node_without_table_number(parsed: dict[str, dict[str, Any]]) -> None:
    detail = next(n for n in parsed["2102"]["input"] if n["node"] == "drugdetail")
    assert "durg_trac_info" not in {f["code"] for f in detail["fields"]}
    (child,) = detail["children"]
    assert child["node"] == "durg_trac_info" and child["multi"] is True
    assert [f["code"] for f in child["fields"]] == ["feedetl_sn", "drug_trac_codg", "trdn_flag"]
    assert child["fields"][1]["length"] == 100


def test_no_node_output_and_header_swapped_table(parsed: dict[str, dict[str, Any]]) -> None:
    out_5204 = parsed["5204"]["output"]
    assert [(n["node"], n["multi"]) for n in out_5204] == [("", True)]
    # 1304 prints 参数名称 | 参数代码 in its header but fills the cells the usual way round.
    node = parsed["1304"]["input"][0]
    assert node["fields"][0]["code"] == "med_list_codg"
    assert node["fields"][0]["name"] == "医疗目录编码"


def test_dictionaries() -> None:
    d = load_catalog().dictionaries
    assert "41" in d["med_type"] and d["med_type"]["41"] == "定点药店购药"
    assert {"310", "390"} <= set(d["insutype"])
    assert {"01", "02", "03"} <= set(d["mdtrt_cert_type"])
    # source typo "03网上经办系统" is not a code
    assert all(not any("\u4e00" <= ch <= "\u9fff" for ch in v) for v in d["dcla_souc"])


def test_multi_from_text_rules() -> None:
    inputs = [("druginfo", "购药信息"), ("drugdetail", "购药明细信息")]
    outputs = [("setlinfo", "结算信息"), ("setldetail", "结算基金分项信息")]
    text = (
        "1、交易输入人员购药信息为单行数据，购药明细信息为多行数据；\n"
        "2、交易输出结算信息为单行数据，结算基金分项信息为多行数据"
    )
    decided = spectext.multi_from_text(text, inputs, outputs)
    assert decided == {
        ("input", "druginfo"): False,
        ("input", "drugdetail"): True,
        ("output", "setlinfo"): False,
        ("output", "setldetail"): True,
    }
    assert spectext.multi_from_text("交易输入为单行数据，交易输出为多行数据", [("data", "")], [("", "")]) == {
        ("input", "data"): False,
        ("output", ""): True,
    }
    assert spectext.heuristic_multi("feedetail", "表 1 输入（节点标识：feedetail）") is True
    assert spectext.heuristic_multi("data", "表 1 输入（节点标识：data）") is False


def test_length_parsing() -> None:
    assert spectext.parse_length("16,2", "N") == (16, 2)
    assert spectext.parse_length("16，4", "N") == (16, 4)
    assert spectext.parse_length("（16,2）", "N") == (16, 2)
    assert spectext.parse_length("12", "N") == (12, 0)
    assert spectext.parse_length("2,000", "C") == (2000, None)
    assert spectext.parse_length("1M", "C") == (None, None)
    assert spectext.map_type("日期时间型") == "DT" and spectext.map_type("日期型") == "D"
    assert spectext.map_type("数字型") == "NUM" and spectext.map_type("字节数组") == "bytes"


def test_checked_in_files_are_current(specs: Path, tmp_path: Path) -> None:
    """Regenerating from the specs gives exactly the checked-in data files."""
    written = build.write_all(specs, tmp_path / "data")
    assert len(written) == 2
    for path in written:
        checked_in = PACKAGE / "data" / path.name
        assert checked_in.read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), (
            f"{checked_in.name} is stale: run python -m yibao.core.catalog.build"
        )
    assert not list(PACKAGE.glob("_models_*.py")), "generated model modules are gone for good"
