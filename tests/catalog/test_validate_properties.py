"""The validator as a property (issue 10; reliability.md §2 cases 19-20): no valid value is refused,
no invalid value is accepted.

Values are drawn per field from the catalogue's own tables (type, length, scale, code table)
for the pharmacy settlement 2102 (druginfo, drugdetail) and the inpatient fee upload 2301: a
whole valid input gives no issue; the same input with one field made invalid gives an issue
naming that field (and row), whatever the field and whatever the way it is wrong.
"""

from __future__ import annotations

import string
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yibao.core.catalog import Catalog, load_catalog, validate
from yibao.core.catalog.idcard import check_character
from yibao.core.catalog.schema import Field, Node

CAT: Catalog = load_catalog()
#: Fields whose value another rule ties to the rest of the input (drawn by hand below).
TIED = {"mdtrt_cert_type", "mdtrt_cert_no", "psn_cert_type", "certno", "medfee_sumamt", "det_item_fee_sumamt"}
# Text the centre can take: printable characters, CJK and a non-BMP one (𠮷 counts as one).
TEXT = st.text(alphabet=st.sampled_from(string.ascii_letters + string.digits + " -_.#测试药品𠮷\u3000"), max_size=60)


def _node(infno: str, name: str) -> Node:
    t = CAT.get(infno)
    assert t is not None
    node = next(n for n in t.input if n.name == name)
    return node


def valid_value(f: Field) -> st.SearchStrategy[Any]:
    table = CAT.dictionaries.get(f.code) if f.dict else None
    if table:
        return st.sampled_from(sorted(table))
    length = f.length or 30
    if f.type == "N":
        scale = f.scale or 0
        whole = max(0, min(length - scale, 8))  # small enough that a few lines' sum stays in range
        top = Decimal(10) ** whole - Decimal(1).scaleb(-scale)
        return st.decimals(min_value=0, max_value=top, places=scale, allow_nan=False, allow_infinity=False)
    if f.type == "NUM":
        return st.text(alphabet=string.digits, min_size=1, max_size=min(length, 30))
    if f.type == "INT":
        return st.integers(min_value=0, max_value=10 ** min(length, 9) - 1)
    if f.type == "D":
        return st.dates(date(1990, 1, 1), date(2030, 12, 31)).map(lambda d: d.isoformat())
    if f.type == "DT":
        return st.datetimes(datetime(1990, 1, 1), datetime(2030, 12, 31)).map(lambda d: d.strftime("%Y-%m-%d %H:%M:%S"))
    return TEXT.map(lambda s: s[:length]).filter(lambda s: s.strip() != "" or not f.required)


def invalid_value(f: Field) -> st.SearchStrategy[Any]:
    """A value its field must refuse, in one of the ways it can be wrong."""
    length = f.length or 30
    wrong: list[st.SearchStrategy[Any]] = [st.floats(allow_nan=False, allow_infinity=False, width=32),
                                           st.just(["a list"]), st.just({"an": "object"})]
    if f.type == "N":
        scale = f.scale or 0
        wrong += [st.just(Decimal(1).scaleb(-(scale + 1))),                       # one decimal too many
                  st.just(Decimal(10) ** (length - scale)),                       # one digit too many
                  st.sampled_from(["12a", "1.2.3", "--1", "NaN"]), st.just(Decimal("NaN")),
                  st.just(Decimal("Infinity"))]
    elif f.type == "NUM":
        wrong += [st.just("1" * (length + 1)), st.sampled_from(["12a", "-1", "1.5", "１２"])]
    elif f.type == "D":
        wrong += [st.sampled_from(["2026-02-30", "2026-13-01", "2026/01/01", "20260101", "2026-01-01 10:00:00"])]
    elif f.type == "DT":
        wrong += [st.sampled_from(["2026-02-31 10:00:00", "2026-01-01", "2026-01-01 24:00:00", "2026-01-01T10:00:00"])]
    elif f.type == "C":
        wrong += [st.just("x" * (length + 1)), st.just("a\tb"), st.just("a\x00b"), st.just("高\ud800")]
        table = CAT.dictionaries.get(f.code) if f.dict else None
        if table:
            wrong += [st.just("ZZ-not-a-code")]
    return st.one_of(*wrong)


def _resident_id() -> st.SearchStrategy[str]:
    def build(area: int, born: date, seq: int) -> str:
        first17 = f"{area:06d}{born:%Y%m%d}{seq:03d}"
        return first17 + check_character(first17)

    return st.builds(build, st.integers(110000, 659999), st.dates(date(1930, 1, 1), date(2025, 12, 31)),
                     st.integers(0, 999))


def row_of(node: Node, draw: Any, required_only: bool) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for f in node.fields:
        if f.code in TIED or f.type not in ("C", "N", "NUM", "INT", "D", "DT"):
            continue
        if f.required or (not required_only and draw(st.booleans())):
            row[f.code] = draw(valid_value(f))
    return row


@st.composite
def purchases(draw: Any) -> dict[str, Any]:
    info = row_of(_node("2102", "druginfo"), draw, draw(st.booleans()))
    info |= {"mdtrt_cert_type": "02", "mdtrt_cert_no": draw(_resident_id())}
    lines = []
    for n in range(draw(st.integers(1, 4))):
        line = row_of(_node("2102", "drugdetail"), draw, draw(st.booleans()))
        line["feedetl_sn"] = str(n + 1)
        line["det_item_fee_sumamt"] = draw(st.decimals(min_value=0, max_value=Decimal("99999.99"), places=2))
        lines.append(line)
    info["medfee_sumamt"] = sum((line["det_item_fee_sumamt"] for line in lines), Decimal("0"))
    return {"druginfo": info, "drugdetail": lines}


@st.composite
def fee_uploads(draw: Any) -> dict[str, Any]:
    node = _node("2301", "feedetail")
    rows = []
    for n in range(draw(st.integers(1, 3))):
        row = row_of(node, draw, draw(st.booleans()))
        row["feedetl_sn"] = str(n + 1)
        row["det_item_fee_sumamt"] = draw(valid_value(node.field("det_item_fee_sumamt")))  # type: ignore[arg-type]
        rows.append(row)
    return {"feedetail": rows}


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(purchases())
def test_no_valid_2102_is_refused(data: dict[str, Any]) -> None:
    assert validate(CAT, "2102", data) == []


@SETTINGS
@given(fee_uploads())
def test_no_valid_2301_is_refused(data: dict[str, Any]) -> None:
    assert validate(CAT, "2301", data) == []


def _breakable(node: Node) -> list[Field]:
    return [f for f in node.fields if f.code not in TIED and f.type in ("C", "N", "NUM", "D", "DT")]


@SETTINGS
@given(purchases(), st.data())
def test_no_invalid_2102_value_is_accepted(data: dict[str, Any], draw: st.DataObject) -> None:
    where = draw.draw(st.sampled_from(["druginfo", "drugdetail"]))
    f = draw.draw(st.sampled_from(_breakable(_node("2102", where))))
    bad = draw.draw(invalid_value(f))
    row = data[where] if where == "druginfo" else data[where][draw.draw(st.integers(0, len(data[where]) - 1))]
    row[f.code] = bad
    issues = validate(CAT, "2102", data)
    assert any(i.field == f.code and i.node.startswith(where) for i in issues), (f.code, bad, issues)


@SETTINGS
@given(purchases(), st.sampled_from(["mdtrt_cert_no"]), st.data())
def test_an_id_with_a_wrong_check_character_or_birth_date_is_refused(data: dict[str, Any], code: str,
                                                                      draw: st.DataObject) -> None:
    good = data["druginfo"][code]
    how = draw.draw(st.sampled_from(["check", "birth", "length"]))
    if how == "check":
        bad = good[:17] + next(c for c in "0123456789X" if c != good[17])
    elif how == "birth":
        bad = good[:10] + "1331" + good[14:17]
        bad += check_character(bad)
    else:
        bad = good[:17]
    data["druginfo"][code] = bad
    assert [(i.field, i.rule) for i in validate(CAT, "2102", data)] == [(code, "id")]


@SETTINGS
@given(purchases(), st.data())
def test_a_total_off_by_a_fen_or_a_negative_line_is_refused(data: dict[str, Any], draw: st.DataObject) -> None:
    if draw.draw(st.booleans()):
        data["druginfo"]["medfee_sumamt"] += draw.draw(st.sampled_from([Decimal("0.01"), Decimal("-0.01")]))
        rule, field = "total", "medfee_sumamt"
    else:
        line = data["drugdetail"][0]
        line["cnt"] = -abs(line.get("cnt") or Decimal("1")) or Decimal("-1")
        rule, field = "sign", "cnt"
    if data["druginfo"]["medfee_sumamt"] < 0:
        rule = "sign"  # a total pushed below zero is refused for its sign first
    issues = validate(CAT, "2102", data)
    assert any(i.rule == rule for i in issues) and any(i.field == field or i.rule == "sign" for i in issues), issues
