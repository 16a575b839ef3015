"""Issue 10 #7: whatever Python value the HIS passes, an invalid input is a ValidationError
naming the field -- never TypeError, ValueError, UnicodeEncodeError or RecursionError -- and
nothing is sent; a refused money call is journaled FAILED with the reason."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from yibao.core.errors import ValidationError
from yibao.core.journal import State

from .conftest import MakeClient
from .support import CountingTransport


def _nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = {"a": [value]}
    return value


def purchase(persons: list[dict[str, Any]], drugs: list[dict[str, Any]]) -> dict[str, Any]:
    p, d = persons[0], drugs[0]
    return {
        "druginfo": {"psn_no": p["psn_no"], "mdtrt_cert_type": "02", "mdtrt_cert_no": p["certno"],
                     "begntime": "2026-11-22 08:00:00", "medfee_sumamt": Decimal("25.00"), "insutype": "310",
                     "acct_used_flag": "1"},
        "drugdetail": [{"feedetl_sn": "1", "rx_circ_flag": "0", "fee_ocur_time": "2026-11-22 08:00:00",
                        "med_list_codg": d["med_list_codg"], "medins_list_codg": d["med_list_codg"],
                        "det_item_fee_sumamt": Decimal("25.00"), "cnt": Decimal("2"), "pric": Decimal("12.50")}],
    }


Change = Callable[[dict[str, Any]], None]
CASES: list[tuple[str, Change, str]] = [
    ("float", lambda d: d["druginfo"].update(medfee_sumamt=25.0), "medfee_sumamt"),
    ("nan", lambda d: d["druginfo"].update(medfee_sumamt=Decimal("NaN")), "medfee_sumamt"),
    ("infinity", lambda d: d["drugdetail"][0].update(cnt=Decimal("Infinity")), "cnt"),
    ("surrogate", lambda d: d["druginfo"].update(dise_name="高血压\ud800"), "dise_name"),
    ("deep", lambda d: d["druginfo"].update(exp_content=_nested(5000)), "exp_content"),
    ("object", lambda d: d["drugdetail"][0].update(fee_ocur_time=datetime(2026, 11, 22)), "fee_ocur_time"),
    ("bytes", lambda d: d["druginfo"].update(psn_name=b"\xff\xfe"), "psn_name"),
    ("key", lambda d: d["druginfo"].update({1: "x"}), "1"),
    ("deep row", lambda d: d["drugdetail"].append(_nested(5000)), "drugdetail"),
]


@pytest.mark.parametrize(("change", "field"), [(c, f) for _, c, f in CASES], ids=[n for n, _, _ in CASES])
def test_a_bad_python_value_is_a_validation_error(make_client: MakeClient, persons: list[dict[str, Any]],
                                                  drugs: list[dict[str, Any]], change: Change, field: str) -> None:
    counting = CountingTransport()
    client = make_client(transport=counting)
    data = purchase(persons, drugs)
    change(data)
    with pytest.raises(ValidationError) as info:
        client.call("2102", data)
    assert any(field in (i.field, i.node) or field in i.node for i in info.value.issues), info.value.issues
    assert "2102" not in counting.infnos()  # nothing sent
    refused = client.journal.list(infno="2102")
    assert [e.state for e in refused] == [State.FAILED]
    assert "not sent" in (refused[0].err_msg or "")
    # The journal could keep what it was given: it reads back, and the next bill still settles.
    assert client.journal.get(refused[0].msgid) is not None
    out = client.call("2102", purchase(persons, drugs))
    assert out["setlinfo"]["setl_id"]
