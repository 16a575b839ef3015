"""The character set of a HIS's JSON body (core/service/charset.py): a UTF-8 BOM is dropped, a
declared GBK body is read as the same JSON, anything else is 422 naming Content-Type with nothing
sent; the same bill resent in the other encoding is replayed, not charged again."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx

from yibao.core import wire

from ..workflows.support import Centre, settled_total
from .conftest import new_key, sale

NIGHT = {"opter": "0777", "opter_name": "夜班收费员", "opter_type": "1"}


def _post(api: httpx.Client, body: bytes, content_type: str, key: str) -> httpx.Response:
    return api.post("/v1/pharmacy/settlements", content=body,
                    headers={"Content-Type": content_type, "Idempotency-Key": key})


def test_a_gbk_bill_is_settled_and_its_utf8_resend_replayed(api: httpx.Client, centre: Centre,
                                                            identify: Callable[[int], dict[str, Any]],
                                                            drugs: list[dict[str, Any]]) -> None:
    person, key = identify(0), new_key()
    text = wire.dumps_bytes({**sale(person, drugs), "operator": NIGHT}).decode("utf-8")
    first = _post(api, text.encode("gbk"), "application/json; charset=GBK", key)
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "application/json"  # answers are UTF-8 whatever came in
    again = _post(api, b"\xef\xbb\xbf" + text.encode("utf-8"), "application/json", key)  # with a BOM
    assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    assert settled_total(centre.ledger(), person["psn_no"]) == Decimal("50.00")  # charged once
    entry = api.get(f"/v1/journal/{first.json()['msgid']}").json()
    assert entry["opter"] == "0777"


def test_a_wrong_or_undeclared_encoding_is_422_and_nothing_is_sent(api: httpx.Client, centre: Centre,
                                                                   identify: Callable[[int], dict[str, Any]],
                                                                   drugs: list[dict[str, Any]]) -> None:
    person = identify(1)
    gbk = wire.dumps_bytes({**sale(person, drugs), "operator": NIGHT}).decode("utf-8").encode("gbk")
    before = len(centre.ledger())
    undeclared = _post(api, gbk, "application/json", new_key())
    p = undeclared.json()
    assert undeclared.status_code == 422 and p["kind"] == "validation" and "charset=GBK" in p["detail"]
    big5 = _post(api, gbk, "application/json; charset=Big5", new_key())
    assert big5.status_code == 422
    assert [(i["field"], i["rule"]) for i in big5.json()["issues"]] == [("Content-Type", "charset")]
    broken = _post(api, b'{"person": "\x81"}', "application/json; charset=gb18030", new_key())
    assert broken.status_code == 422 and "GB18030" in broken.json()["detail"]
    assert len(centre.ledger()) == before
    # a refusal of the encoding gives the key back: the same bill, now declared, settles once
    key = new_key()
    assert _post(api, gbk, "application/json", key).status_code == 422
    assert _post(api, gbk, "application/json;charset=\"gb2312\"", key).status_code == 200
    assert settled_total(centre.ledger(), person["psn_no"]) == Decimal("50.00")
