"""Guangdong's own 3260-3262 tables (补充接口文档 §7): parsed from the guide's Word layout, checked in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from yibao.core.catalog import load_catalog, parse_transactions
from yibao.provinces.guangdong.clearing_spec import DATA_FILE, DOCUMENT, build_entries, to_pipe_lines
from yibao.provinces.guangdong.profile import GUANGDONG

SPECS = Path(__file__).resolve().parents[2] / ".." / "shared" / "specs"


@pytest.fixture
def specs() -> Path:
    if not (SPECS / DOCUMENT).is_file():
        pytest.skip(f"the Guangdong guide is not at {SPECS} (the shared specs folder)")
    return SPECS


def test_guangdong_sections(specs: Path) -> None:
    lines = to_pipe_lines((specs / DOCUMENT).read_text(encoding="utf-8").splitlines())
    entries = {e["infno"]: e for e in parse_transactions(lines, source="gd")}
    assert list(entries) == ["3260", "3261", "3262"]
    in_3260 = entries["3260"]["input"][0]
    assert [f["code"] for f in in_3260["fields"]] == ["trt_year", "trt_month", "startrow"]
    assert entries["3260"]["output"][0]["multi"] is True
    trt_month = in_3260["fields"][1]
    assert trt_month["note"] == "格式为：MM 如1月为01"  # a cell continued on a TAB-less line
    nodes_3261 = [n["node"] for n in entries["3261"]["input"]]
    assert nodes_3261 == ["data", "detail"]
    assert [f["code"] for f in entries["3262"]["input"][0]["fields"]] == ["trt_year", "trt_month", "otransid"]


def test_catalogue_has_guangdong_and_shapes() -> None:
    cat = load_catalog().with_extra(GUANGDONG.extra_transactions)
    assert len(cat) >= 203
    t3261 = cat.get("3261")
    assert t3261 is not None
    data, detail = t3261.input
    assert (data.name, data.multi, detail.name, detail.multi) == ("data", False, "detail", True)
    assert [f.code for f in data.fields] == ["trt_year", "trt_month", "totalrow"]
    t3260 = cat.get("3260")
    assert t3260 is not None and t3260.output[0].multi
    assert "3262" in cat
    assert "3260" not in load_catalog(), "3260-3262 are Guangdong's tables, not the national baseline's"
    otransid = next(f for f in cat.get("3262").input[0].fields if f.code == "otransid")  # type: ignore[union-attr]
    assert otransid.length == 30  # the province's correction: 3261's inf_refmsgid is 30 characters




def test_checked_in_clearing_tables_are_current(specs: Path) -> None:
    """Regenerating from the guide gives exactly ``data/clearing.json``."""
    assert json.loads(DATA_FILE.read_text(encoding="utf-8")) == build_entries(specs), (
        "stale: run python -m yibao.provinces.guangdong.clearing_spec"
    )
