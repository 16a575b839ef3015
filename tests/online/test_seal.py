"""Sealed columns of the online tables (core/online/seal.py): what an order must keep of its
person is unreadable without the institution's key, and exact with it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from cryptography.exceptions import InvalidTag

from yibao.core.online.seal import PREFIX, Sealer

KEY = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8"


def test_a_sealed_value_round_trips_and_hides_its_content() -> None:
    person = {"idNo": "350202197004229950", "userName": "测试丁三", "amount": Decimal("40.00")}
    sealed = Sealer.from_private_key(KEY).seal(person)
    assert sealed.startswith(PREFIX) and "测试" not in sealed and "3502021970" not in sealed
    assert Sealer.from_private_key(KEY).open(sealed) == person  # Decimal kept exactly
    assert Sealer.from_private_key(KEY).seal(person) != sealed  # a fresh nonce every time


def test_another_key_cannot_open_it_and_plain_json_still_reads() -> None:
    sealed = Sealer.from_private_key(KEY).seal({"idNo": "x"})
    with pytest.raises(InvalidTag):
        Sealer.from_private_key("11" * 32).open(sealed)
    assert Sealer.from_private_key(KEY).open('{"a": 1}') == {"a": 1}  # rows written before sealing
