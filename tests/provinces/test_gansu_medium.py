"""Gansu §3.2: each medium fills 1101 as the guide says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from yibao.provinces.gansu.medium import input_1101
from yibao.provinces.gansu.profile import BASELINE_INFNOS


def test_medium_rules() -> None:
    """01 code; 02 ID; 03 + card_sn + psn_cert_type 1 cross-province; 03 + 99 other documents."""
    assert input_1101("ecard", number="EC1") == {"mdtrt_cert_type": "01", "mdtrt_cert_no": "EC1"}
    assert input_1101("card_local", number="X1")["mdtrt_cert_type"] == "02"
    cross = input_1101("card_cross_province", number="C9", card_sn="SN", certno="ID")
    assert cross == {"mdtrt_cert_type": "03", "mdtrt_cert_no": "C9", "card_sn": "SN", "psn_cert_type": "1",
                     "certno": "ID"}  # fmt: skip
    other = input_1101("other_document", number="H123")
    assert (other["psn_cert_type"], other["card_sn"], other["certno"]) == ("99", "H123", "H123")
    with pytest.raises(ValueError, match="card_sn"):
        input_1101("card_cross_province", number="C9")


SPEC = Path(__file__).resolve().parents[2] / ".." / "shared" / "specs" / "000_443a3435b48527aa.txt"


def test_baseline_list_matches_table_1() -> None:
    """表 1 ("111 个接口") really lists 113 rows: the 111 plus 2203A and 2501A; we carry them all."""
    if not SPEC.exists():
        pytest.skip(f"the Gansu document is not at {SPEC}")
    rows = {m.group(0) for m in re.finditer(r"(?m)^[0-9]{4}A?(?=\t)", SPEC.read_text(encoding="utf-8"))}
    assert set(BASELINE_INFNOS) == rows
    assert len(BASELINE_INFNOS) == len(set(BASELINE_INFNOS)) == 113


def test_every_baseline_transaction_is_callable() -> None:
    """Each of 表 1's transactions is in the catalogue Gansu's client validates against."""
    from yibao.core.catalog import load_catalog
    from yibao.provinces.gansu.profile import GANSU

    catalog = load_catalog().with_extra(GANSU.extra_transactions)
    assert [i for i in BASELINE_INFNOS if i not in catalog] == []
    assert catalog.get("2501A").verified is False  # type: ignore[union-attr]
