"""The engine's one-pass check (``check_and_normalize``) gives, for valid input, exactly the wire
form the separate ``normalize`` pass gives, key order included."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from yibao.core import wire_dumps
from yibao.core.catalog import load_catalog, normalize
from yibao.core.catalog.validate import check_and_normalize

CAT = load_catalog()
INFNOS = ["1101", "2101", "2102", "2201", "2204", "2207", "2301", "2401", "3201", "9001", "1901", "4101"]

amounts = st.one_of(
    st.decimals(min_value=Decimal("-999"), max_value=Decimal("99999"), places=2, allow_nan=False),
    st.integers(-5, 500), st.just(""), st.none(), st.text("0123456789.", max_size=6),
)
texts = st.one_of(st.text(max_size=12), st.just(""), st.none(), st.sampled_from(["41", "310", "01", "02"]))


@st.composite
def inputs(draw: Any) -> tuple[str, dict[str, Any]]:
    infno = draw(st.sampled_from(INFNOS))
    t = CAT.get(infno)
    assert t is not None
    data: dict[str, Any] = {}
    for node in t.input:
        def row(node: Any = node) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for f in node.fields:
                if draw(st.booleans()):
                    out[f.code] = draw(amounts if f.type in ("N", "INT", "NUM") else texts)
            if draw(st.booleans()):
                out["extra_field"] = draw(texts)
            return out

        value: Any = [row() for _ in range(draw(st.integers(0, 3)))] if node.multi else row()
        if node.name:
            data[node.name] = value
        elif isinstance(value, dict):
            data.update(value)
    if draw(st.booleans()):
        data["stray_node"] = {"x": draw(texts)}
    return infno, data


@settings(max_examples=400, deadline=None)
@given(inputs())
def test_one_pass_equals_two(case: tuple[str, dict[str, Any]]) -> None:
    """For valid input, the same wire form as normalize(), in the same order."""
    infno, data = case
    issues, wired = check_and_normalize(CAT, infno, data)
    if not issues:
        expected = normalize(CAT, infno, data)
        assert wire_dumps(wired) == wire_dumps(expected)
