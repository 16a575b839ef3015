"""Gansu §3.2 人员信息获取通用说明: how each medium fills the 1101 input.

=====================  ===================  ==================  =========  ================
medium                 ``mdtrt_cert_type``  ``mdtrt_cert_no``   ``card_sn``  ``psn_cert_type``
=====================  ===================  ==================  =========  ================
e-voucher (电子凭证)    01                   the scanned code    -          -
ID card (身份证)        02                   ID number           -          -
card, local/province   02                   ID number on card   -          -
card, cross-province   03                   card number         卡识别码     1 (+ certno)
HK/Macao/TW, other     03                   document number     doc number   99 (+ certno)
=====================  ===================  ==================  =========  ================

Every e-voucher code can be used once only (每个电子凭证号只能被使用一次).

:func:`data_for` is what identify sends for Gansu (``yibao_medium_input``): it maps the medium
the counter read to the rule above (a social-security card issued in Gansu, 发卡地 62..., is a
local / in-province card: 02 with the ID number on it; any other card is cross-province: 03
with ``psn_cert_type`` ``1`` as §3.2 writes it, a code the Gansu profile adds to the dictionary).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from yibao.core import Medium as CoreMedium

__all__ = ["PROVINCE_PREFIX", "Medium", "data_for", "input_1101"]

PROVINCE_PREFIX = "62"

Medium = Literal["ecard", "idcard", "card_local", "card_cross_province", "other_document"]


def input_1101(
    medium: Medium, *, number: str, certno: str = "", card_sn: str = "", psn_name: str = ""
) -> dict[str, str]:
    """The ``data`` node of 1101 for ``medium`` as §3.2 prescribes.

    :param number: what the medium yields: the e-voucher code, the ID number, the card number
        (cross-province) or the document number (other documents).
    :param certno: the ID number (cross-province card); ignored for other media.
    :param card_sn: the card's identification code (cross-province card).
    :raises ValueError: when a medium lacks what its rule needs.
    """
    if not number:
        raise ValueError(f"{medium}: the medium's number is empty")
    data: dict[str, str]
    if medium == "ecard":
        data = {"mdtrt_cert_type": "01", "mdtrt_cert_no": number}
    elif medium in ("idcard", "card_local"):
        data = {"mdtrt_cert_type": "02", "mdtrt_cert_no": number}
    elif medium == "card_cross_province":
        if not (card_sn and certno):
            raise ValueError("a cross-province card needs card_sn (卡识别码) and certno (身份证号码)")
        data = {"mdtrt_cert_type": "03", "mdtrt_cert_no": number, "card_sn": card_sn,
                "psn_cert_type": "1", "certno": certno}  # fmt: skip
    elif medium == "other_document":
        data = {"mdtrt_cert_type": "03", "mdtrt_cert_no": number, "card_sn": number,
                "psn_cert_type": "99", "certno": number}  # fmt: skip
    else:
        raise ValueError(f"unknown medium {medium!r}")
    if psn_name:
        data["psn_name"] = psn_name
    return data


def data_for(medium: CoreMedium) -> dict[str, str]:
    """The 1101 ``data`` of a medium read at the counter (see the module docstring).

    The guide's rule leaves ``psn_cert_type`` out for an e-voucher, an ID card and an in-province
    card; the national 1101 table makes it 必填, so those go with 01 (居民身份证).
    """
    kind = medium.mdtrt_cert_type
    if kind == "01":
        data = input_1101("ecard", number=medium.mdtrt_cert_no, psn_name=medium.psn_name)
    elif kind == "02":
        data = input_1101("idcard", number=medium.mdtrt_cert_no, psn_name=medium.psn_name)
    elif medium.psn_cert_type == "99":
        data = input_1101("other_document", number=medium.mdtrt_cert_no, psn_name=medium.psn_name)
    elif medium.card_sn.startswith(PROVINCE_PREFIX) and medium.certno:
        data = input_1101("card_local", number=medium.certno, psn_name=medium.psn_name)
    else:
        data = input_1101("card_cross_province", number=medium.mdtrt_cert_no, certno=medium.certno,
                          card_sn=medium.card_sn, psn_name=medium.psn_name)  # fmt: skip
    data.setdefault("psn_cert_type", "01")
    return data
