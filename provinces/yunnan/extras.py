"""Catalogue entries of Yunnan's medium-reading transactions 1191 / 1192 (接入说明 §1.6).

The document names the inputs but prints no field table and no output, so both entries are
``verified: false`` and declare every field optional except ``mdtrt_cert_type``.  The output
fields are our assumption of what the library returns (token / numbers / name); the hook reads
them defensively.  (The document spells the field ``dtrt_cert_type`` twice; that is a typo of
``mdtrt_cert_type``, which it uses everywhere else.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

__all__ = ["EXTRA_TRANSACTIONS"]

_SRC = "assumed: 云南省定点医药机构接口接入说明 §1.6 (names only, no field table)"


def _f(code: str, name: str, length: int, *, required: bool = False, note: str = "") -> dict[str, Any]:
    return {"code": code, "name": name, "type": "C", "length": length, "scale": None, "dict": False,
            "required": required, "note": note}  # fmt: skip


def _data(fields: list[dict[str, Any]]) -> dict[str, Any]:
    return {"node": "data", "caption": "", "multi": False, "multi_from": "spec", "aliases": [],
            "fields": fields, "children": []}  # fmt: skip


_1191: Final[dict[str, Any]] = {
    "infno": "1191",
    "name": "读取就诊介质",
    "kind": "query",
    "verified": False,
    "source": _SRC,
    "input": [
        _data(
            [
                _f(
                    "mdtrt_cert_type",
                    "就诊凭证类型",
                    3,
                    required=True,
                    note="01 电子凭证 / 02 身份证 / 03 社保卡",
                ),
                _f("cardtype", "卡类型", 3, note="03 时: 0 社保卡 / 1 电子社保卡"),
                _f("businesstype", "业务类型", 10, note="01 时必传 (电子凭证用码业务类型)"),
                _f("operatorid", "操作员编号", 30),
                _f("operatorname", "操作员姓名", 50),
                _f("officeid", "科室编号", 30),
                _f("officename", "科室名称", 100),
                _f("certno", "证件号码", 50, note="sandbox only: whose medium the simulated reader holds"),
            ]
        )
    ],
    "output": [
        _data(
            [
                _f("mdtrt_cert_type", "就诊凭证类型", 3),
                _f("mdtrt_cert_no", "就诊凭证编号", 64, note="电子凭证令牌 / 身份证号 / 社保卡号"),
                _f("card_sn", "卡识别码", 32),
                _f("psn_cert_type", "证件类型", 6),
                _f("certno", "证件号码", 50),
                _f("psn_name", "人员姓名", 50),
                _f("insuplc_admdvs", "参保地医保区划", 6),
                _f("cardtoken", "社保卡令牌", 200),
            ]
        )
    ],
}

_1192: Final[dict[str, Any]] = {
    "infno": "1192",
    "name": "身份证结算前身份核验",
    "kind": "query",
    "verified": False,
    "source": _SRC,
    "input": [
        _data(
            [
                _f("mdtrt_cert_type", "就诊凭证类型", 3, required=True),
                _f("mdtrt_cert_no", "就诊凭证编号", 50),
                _f("psn_cert_type", "人员证件类型", 6),
                _f("psn_name", "人员姓名", 50),
                _f("infno", "后续交易编号", 4, note="2207 或 2304"),
                _f("cardtoken", "卡令牌", 200, note="身份证时传空"),
            ]
        )
    ],
    "output": [_data([_f("mdtrt_cert_no", "就诊凭证编号", 64), _f("cardtoken", "卡令牌", 200)])],
}

EXTRA_TRANSACTIONS: Final[tuple[Mapping[str, Any], ...]] = (_1191, _1192)
