"""Yunnan's medium steps and the follow-up after an inpatient reversal (接入说明 §1.6, §1.11.6).

- 1191 (token step ``identify``): read the medium *through the library* before 1101.
  01 e-voucher: ``businesstype``, ``operatorid``, ``operatorname``, ``officeid``, ``officename``;
  the answer's ``mdtrt_cert_no`` is the e-voucher token (valid 3 minutes, :data:`ECTOKEN_TTL_SECONDS`).
  02 ID card: the reader yields the ID number, name and document type.
  03 social-security card: ``cardtype`` 0 (card) or 1 (electronic card); the answer carries the
  card number, ``card_sn`` and the ID number; 1101 then takes ``psn_cert_type`` 01.
- 1192 (token step before 2207 / 2304): for ID-card persons only (``mdtrt_cert_type`` 02), with
  ``infno`` the settlement to come and an empty ``cardtoken``.
- After a 2304 is reversed (2601): :mod:`.reupload`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import structlog

from .profile import ECTOKEN_TTL_SECONDS

__all__ = [
    "ECTOKEN_TTL_SECONDS",
    "FEEDETAIL_FIELDS",
    "first_row",
    "fresh_feedetl_sns",
    "read_1191",
    "verify_1192",
]

_log = structlog.get_logger("yibao.provinces.yunnan")

Call = Callable[[str, Mapping[str, Any]], Any]

#: The 2301 ``feedetail`` fields that a 5204 row can give back (national 2301 table).
FEEDETAIL_FIELDS: tuple[str, ...] = (
    "feedetl_sn", "init_feedetl_sn", "mdtrt_id", "drord_no", "psn_no", "med_type", "fee_ocur_time",
    "med_list_codg", "medins_list_codg", "det_item_fee_sumamt", "cnt", "pric", "bilg_dept_codg",
    "bilg_dept_name", "bilg_dr_codg", "bilg_dr_name", "acord_dept_codg", "acord_dept_name",
    "orders_dr_code", "orders_dr_name", "hosp_appr_flag", "tcmdrug_used_way", "etip_flag",
    "etip_hosp_code", "dscg_tkdrug_flag", "matn_fee_flag", "memo",
)  # fmt: skip


def first_row(output: Any) -> Mapping[str, Any]:
    """The single row of a reply: ``output.data``, else the output itself."""
    if isinstance(output, Mapping):
        data = output.get("data")
        if isinstance(data, Mapping):
            return data
        if isinstance(data, list) and data and isinstance(data[0], Mapping):
            return data[0]
        return output
    return {}


def read_1191(request: Mapping[str, Any], call: Call) -> dict[str, Any]:
    """1191: read the medium through the library; returns the fields to merge into 1101's input."""
    cert_type = str(request.get("mdtrt_cert_type") or "02")
    data: dict[str, Any] = {"mdtrt_cert_type": cert_type}
    if cert_type == "01":
        for key in ("businesstype", "operatorid", "operatorname", "officeid", "officename"):
            data[key] = str(request.get(key) or "")
        data["businesstype"] = data["businesstype"] or "01101"  # 门诊挂号/结算 用码业务类型
        missing = [k for k in ("operatorid", "operatorname", "officeid", "officename") if not data[k]]
        if missing:  # §1.6: the library needs all five; sending blanks only moves the error to the centre
            raise ValueError(f"1191 e-voucher read needs {', '.join(missing)}")
    elif cert_type == "03":
        data["cardtype"] = str(request.get("cardtype") or "0")
    if request.get("certno"):
        data["certno"] = str(request["certno"])  # the sandbox's simulated reader; ignored by the library
    got = first_row(call("1191", {"data": data}))
    out: dict[str, Any] = {"mdtrt_cert_type": cert_type}
    for key in ("mdtrt_cert_no", "card_sn", "certno", "psn_name"):
        if got.get(key):
            out[key] = str(got[key])
    if cert_type == "02":
        out.setdefault("mdtrt_cert_no", out.get("certno", ""))
        out["psn_cert_type"] = str(got.get("psn_cert_type") or "01")
    else:
        # 01 and 03: 1101 takes psn_cert_type 01 with the ID number (§1.6 items 1, 3, 4).
        out["psn_cert_type"] = "01"
    return out


def verify_1192(request: Mapping[str, Any], call: Call) -> dict[str, Any]:
    """1192 before 2207 / 2304, for ID-card persons only; other media need nothing."""
    if str(request.get("mdtrt_cert_type")) != "02":
        return {}
    certno = str(request.get("certno") or request.get("mdtrt_cert_no") or "")
    data = {
        "mdtrt_cert_type": "02",
        "mdtrt_cert_no": certno,
        # The document says "psn_cert_type 传证件号码"; the field is the document *type*.
        "psn_cert_type": str(request.get("psn_cert_type") or "01"),
        "psn_name": str(request.get("psn_name") or ""),
        "infno": str(request.get("infno") or ""),
        "cardtoken": "",
    }
    got = first_row(call("1192", {"data": data}))
    return {"mdtrt_cert_no": str(got["mdtrt_cert_no"])} if got.get("mdtrt_cert_no") else {}


def fresh_feedetl_sns(old: Sequence[str], now: datetime) -> list[str]:
    """New digit-only ``feedetl_sn`` values (≤ 15 digits) that cannot repeat the old ones."""
    stamp = now.strftime("%y%m%d%H%M%S")
    taken = set(old)
    out: list[str] = []
    i = 0
    while len(out) < len(old):
        i += 1
        sn = f"{stamp}{i:03d}"
        if sn not in taken:
            out.append(sn)
    return out
