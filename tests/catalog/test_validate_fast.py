"""The generated row tests (``catalog/fastpath.py``) and the full walk give the same answers.

Rows are drawn for several transactions from every field of their tables: valid values, each
way of being wrong, empties, zeros, amounts as text, keys in any order, unknown keys and child
nodes.  Each input is checked twice, through the generated tests and with them switched off:
the issues and the wire form must be the same.  A generated test that says "valid" must moreover
mean exactly that the walk finds nothing and keeps the row as it is.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yibao.core.catalog import Catalog, load_catalog
from yibao.core.catalog.fastpath import RowShapes
from yibao.core.catalog.schema import Node
from yibao.core.catalog.validate import _compiled, check_and_normalize

from .test_validate_properties import _resident_id, invalid_value, valid_value

CAT: Catalog = load_catalog()
#: (infno, node): a settlement that charges (sign rule), its cancel, a fee upload, an identify
NODES = [("2102", "druginfo"), ("2102", "drugdetail"), ("2101", "drugdetail"), ("2301", "feedetail"),
         ("2103", "data"), ("1101", "data"), ("2207", "data")]
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _node(infno: str, name: str) -> Node:
    t = CAT.get(infno)
    assert t is not None
    return next(n for n in t.input if n.name == name)


def _nodes() -> list[tuple[str, str]]:
    found = []
    for infno, name in NODES:
        t = CAT.get(infno)
        if t is not None and any(n.name == name for n in t.input):
            found.append((infno, name))
    return found


@st.composite
def rows(draw: Any, node: Node) -> dict[str, Any]:
    """One row, in any key order: half of them clean (every value valid, required fields there),
    the rest with values wrong, empty, zero, given as text, and unknown keys; nested nodes' rows
    drawn the same way."""
    clean = draw(st.booleans())
    modes = ["valid", "valid", "absent"] if clean else \
        ["valid"] * 6 + ["absent", "absent", "invalid", "empty", "none", "zero", "text"]
    row: dict[str, Any] = {}
    for f in draw(st.permutations(node.fields)):
        mode = "valid" if clean and f.required else draw(st.sampled_from(modes))
        if mode == "absent":
            continue
        if mode == "valid":
            row[f.code] = draw(valid_value(f))
        elif mode == "invalid":
            row[f.code] = draw(invalid_value(f))
        elif mode == "empty":
            row[f.code] = ""
        elif mode == "none":
            row[f.code] = None
        elif mode == "zero":
            row[f.code] = Decimal("0") if f.type == "N" else 0
        else:  # an amount or count as text or int: valid, but the wire form changes
            row[f.code] = draw(st.sampled_from(["12.30", "7", 3, "-1", "１"]))
    ids = [_resident_id()] if clean else [_resident_id(), st.just("44010219900101123Y")]
    if row.get("mdtrt_cert_type") == "02" or ("mdtrt_cert_type" in row and draw(st.booleans())):
        row["mdtrt_cert_type"], row["mdtrt_cert_no"] = "02", draw(st.one_of(*ids))
    if row.get("psn_cert_type") == "01" or ("psn_cert_type" in row and draw(st.booleans())):
        row["psn_cert_type"], row["certno"] = "01", draw(st.one_of(*ids))
    for child in node.children:  # 2102's durg_trac_info: its rows clean or not, as drawn
        if draw(st.booleans()):
            kids = [draw(rows(child)) for _ in range(draw(st.integers(0, 2)))]
            row[child.name] = kids if child.multi else (kids[0] if kids else {})
            if not clean and draw(st.integers(0, 5)) == 0:
                row[child.name] = kids[0] if child.multi and kids else kids  # the wrong shape
    if not clean and draw(st.integers(0, 3)) == 0:
        row["not_a_field"] = "x"
    return row


def _both(infno: str, data: dict[str, Any]) -> tuple[tuple[list[Any], Any], tuple[list[Any], Any]]:
    fast = check_and_normalize(CAT, infno, data)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(RowShapes, "get", lambda self, keys: None)  # every row takes the walk
        slow = check_and_normalize(CAT, infno, data)
    return fast, slow


def _issues(found: list[Any]) -> list[tuple[Any, ...]]:
    return [(i.node, i.row, i.field, i.rule, i.message) for i in found]


def _typed(value: Any) -> Any:
    """A value with the types of its leaves made visible (Decimal("0") vs 0 vs "")."""
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return (type(value).__name__, repr(value))


@pytest.mark.parametrize(("infno", "node_name"), _nodes())
@SETTINGS
@given(data=st.data())
def test_generated_tests_agree_with_the_walk(infno: str, node_name: str, data: st.DataObject) -> None:
    node = _node(infno, node_name)
    drawn = [data.draw(rows(node)) for _ in range(data.draw(st.integers(1, 3)))]
    value: Any = drawn if node.multi else drawn[0]
    fast, slow = _both(infno, {node_name: value})
    assert _issues(fast[0]) == _issues(slow[0])
    if not slow[0]:
        assert _typed(fast[1]) == _typed(slow[1])


@pytest.mark.parametrize(("infno", "node_name"), _nodes())
@SETTINGS
@given(data=st.data())
def test_valid_means_no_issue_and_no_change(infno: str, node_name: str, data: st.DataObject) -> None:
    node = _node(infno, node_name)
    row = data.draw(rows(node))
    compiled = _compiled(CAT, infno).nodes[node_name]
    predicate = compiled.shapes.get(tuple(row))
    if predicate is None or not predicate(row):
        return
    issues: list[Any] = []
    assert compiled.row(infno, node_name, row, 0, issues) is row
    assert issues == []


def test_a_typical_2102_takes_the_generated_tests() -> None:
    """The case the shortcut exists for does take it (else the benchmark measures the walk)."""
    detail = {"feedetl_sn": "1", "rxno": "", "rx_circ_flag": "0", "fee_ocur_time": "2026-11-22 08:00:00",
              "med_list_codg": "XA01AAA0000001", "medins_list_codg": "YP00001",
              "det_item_fee_sumamt": Decimal("12.30"), "cnt": Decimal("3"), "pric": Decimal("4.10"),
              "bilg_dr_codg": "D000000000001", "bilg_dr_name": "医师"}
    compiled = _compiled(CAT, "2102").nodes["drugdetail"]
    predicate = compiled.shapes.get(tuple(detail))
    assert predicate is not None and predicate(detail)
    assert not predicate({**detail, "cnt": Decimal("-3")})  # a charge is never negative
    assert not predicate({**detail, "fee_ocur_time": "2026-02-30 08:00:00"})
    assert not predicate({**detail, "det_item_fee_sumamt": Decimal("12.301")})
    assert not predicate({**detail, "cnt": "3"})  # valid, but sent as Decimal: the walk converts it
    trace = {"feedetl_sn": "1", "drug_trac_codg": "8" * 20, "trdn_flag": "0"}
    traced = {**detail, "durg_trac_info": [trace]}
    with_trace = compiled.shapes.get(tuple(traced))
    assert with_trace is not None and with_trace(traced)
    assert not with_trace({**detail, "durg_trac_info": [{**trace, "x": 1}]})  # an unknown field: the walk names it
