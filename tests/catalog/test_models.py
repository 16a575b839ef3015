"""The generated attrs models with the cattrs converter."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from yibao.core.catalog import load_catalog
from yibao.core.catalog.gen_models import MODEL_INFNOS
from yibao.core.catalog.models import (
    INPUT_MODELS,
    OUTPUT_MODELS,
    In9001SignIn,
    In9101FsUploadIn,
    Input9001,
    Input9101,
    Out2102Setlinfo,
    Output2102,
    converter,
    structure_output,
)


def test_every_workflow_transaction_has_models() -> None:
    assert set(INPUT_MODELS) == set(OUTPUT_MODELS) == set(MODEL_INFNOS)


def test_output_models_take_decimals_and_ignore_unknown_keys() -> None:
    reply = {
        "setlinfo": {"setl_id": "S1", "medfee_sumamt": "12.30", "hifp_pay": 5, "brand_new_key": "x"},
        "setldetail": [{"fund_pay_type": "310100", "fund_payamt": Decimal("1.00")}],
        "another_new_node": {},
    }
    out = converter.structure(reply, Output2102)
    assert out.setlinfo is not None and out.setlinfo.medfee_sumamt == Decimal("12.30")
    assert type(out.setlinfo.hifp_pay) is Decimal
    assert out.setldetail is not None and out.setldetail[0].fund_payamt == Decimal("1.00")


def test_numeric_fields_are_decimal_in_the_models() -> None:
    t = load_catalog().get("2102")
    assert t is not None
    setlinfo = t.output_node("setlinfo")
    assert setlinfo is not None
    model = attrs.resolve_types(Out2102Setlinfo)
    types = {a.name: a.type for a in attrs.fields(model)}
    numeric = [f.code for f in setlinfo.fields if f.type == "N"]
    assert len(numeric) > 20
    assert all(types[code] == (Decimal | None) for code in numeric)
    assert types["setl_id"] == (str | None)


def _leaves(exc: BaseException) -> list[BaseException]:
    inner = getattr(exc, "exceptions", None)
    return [leaf for e in inner for leaf in _leaves(e)] if inner else [exc]


def test_float_amount_is_refused() -> None:
    with pytest.raises(Exception) as info:
        converter.structure({"setlinfo": {"medfee_sumamt": 1.5}}, Output2102)
    (leaf,) = _leaves(info.value)
    assert isinstance(leaf, TypeError) and "amounts must be Decimal" in str(leaf)


def test_required_input_fields_and_unstructure() -> None:
    with pytest.raises(TypeError):
        In9001SignIn(ip="127.0.0.1")  # type: ignore[call-arg]  # opter_no is required
    wire = converter.unstructure(Input9001(signIn=In9001SignIn(opter_no="1", ip="127.0.0.1")))
    assert wire == {"signIn": {"opter_no": "1", "ip": "127.0.0.1"}}  # None (mac) left out


def test_keyword_field_is_renamed_on_the_wire() -> None:
    data = {"fsUploadIn": {"in": "eA==", "filename": "a.zip", "fixmedins_code": "H44010000001"}}
    model = converter.structure(data, Input9101)
    assert model.fsUploadIn.in_ == "eA=="
    assert converter.unstructure(model) == data
    built = Input9101(fsUploadIn=In9101FsUploadIn(in_="x", filename="f", fixmedins_code="c"))
    assert converter.unstructure(built)["fsUploadIn"]["in"] == "x"


def test_list_output_without_node() -> None:
    rows = structure_output("5204", [{"mdtrt_id": "M1", "cnt": "2"}, {"mdtrt_id": "M2"}])
    assert [r.mdtrt_id for r in rows] == ["M1", "M2"] and rows[0].cnt == Decimal("2")
