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
"""

from __future__ import annotations

from typing import Literal

__all__ = ["Medium", "input_1101"]

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
