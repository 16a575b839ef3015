"""Masking of personal data: IDs 4+4, names first character, cards and tokens, diagnoses removed."""

from __future__ import annotations

import copy

import pytest

from yibao.core.masking import (
    CARD_FIELDS,
    DIAGNOSIS_FIELDS,
    ID_FIELDS,
    NAME_FIELDS,
    TOKEN_FIELDS,
    mask_card,
    mask_id,
    mask_input,
    mask_name,
    mask_phone,
    mask_token,
)


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("430104199001011234", "4301**********1234"),
        ("43010419900101123X", "4301**********123X"),
        ("430104900101123", "4301*******1123"),
        ("12345678", "********"),
        ("", ""),
    ],
)
def test_mask_id(value: str, masked: str) -> None:
    """An ID keeps its first 4 and last 4 characters; short values are hidden entirely."""
    assert mask_id(value) == masked


@pytest.mark.parametrize(("value", "masked"), [("张三", "张*"), ("欧阳娜娜", "欧***"), ("𠮷野家", "𠮷**"), ("李", "*")])
def test_mask_name(value: str, masked: str) -> None:
    """A name keeps its first character (a non-BMP one too), one star per hidden character."""
    assert mask_name(value) == masked


def test_cards_tokens_phones() -> None:
    """Cards keep the last 4, long tokens only the last 4, phones 3+4."""
    assert mask_card("A12345678") == "*****5678"
    assert mask_token("0123456789abcdefXYZW") == "****XYZW"
    assert mask_token("short-token") == "****"
    assert mask_phone("13812345678") == "138****5678"


def test_mask_input_deep() -> None:
    """Every level is masked, diagnoses are removed, and the caller's object is untouched."""
    message = {
        "mdtrtinfo": {
            "psn_no": "43000011111111111111",
            "certno": "430104199001011234",
            "psn_name": "张三丰",
            "card_sn": "K98765432",
            "main_cond_dscr": "发热三天",
            "medfee_sumamt": "12.30",
        },
        "diseinfo": [
            {"diag_code": "J18.900", "diag_name": "肺炎", "diag_type": "1", "diag_srt_no": "1"},
        ],
        "data": {"ecToken": "0123456789abcdefXYZW", "coner_tel": "13812345678", "dise_codg": "M00100"},
    }
    before = copy.deepcopy(message)
    masked = mask_input(message)
    assert message == before
    assert masked == {
        "mdtrtinfo": {
            "psn_no": "43000011111111111111",
            "certno": "4301**********1234",
            "psn_name": "张**",
            "card_sn": "*****5432",
            "medfee_sumamt": "12.30",
        },
        "diseinfo": [{"diag_type": "1", "diag_srt_no": "1"}],
        "data": {"ecToken": "****XYZW", "coner_tel": "138****5678"},
    }


@pytest.mark.parametrize(
    ("cert", "masked"),
    [
        ("430104199001011234", "4301**********1234"),
        ("eyJhbGciOiJIUzI1NiJ9abcd", "****abcd"),
        ("E123", "****"),
    ],
)
def test_mdtrt_cert_no_by_what_it_holds(cert: str, masked: str) -> None:
    """mdtrt_cert_no is masked as an ID when it is one, otherwise as a token or card."""
    assert mask_input({"mdtrt_cert_no": cert}) == {"mdtrt_cert_no": masked}


def test_field_lists_are_disjoint_and_lower_case() -> None:
    """Each field has one rule; the lists are lower-case (matching is case-insensitive)."""
    lists = [ID_FIELDS, NAME_FIELDS, CARD_FIELDS, TOKEN_FIELDS, DIAGNOSIS_FIELDS]
    union = set().union(*lists)
    assert len(union) == sum(len(x) for x in lists)
    assert all(name == name.lower() for name in union)
    assert {"certno", "psn_name", "card_sn", "ectoken", "diag_name", "dise_codg", "main_cond_dscr"} <= union
