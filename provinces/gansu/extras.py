"""Gansu's meanings of 6101 and 7101-7205 (接入指引 表1, §3.8, §3.9) as catalogue entries.

Gansu's baseline (2021) numbers these transactions differently from the national baseline we
carry (Hunan V1.1.27), where 6101 is 解析医保电子凭证二维码 and 7101-7205 are the newer
e-prescription centre's calls.  For a Gansu client the Gansu meaning must win, so the profile
overrides them.  No Gansu field table is public: each entry is a generic envelope (its input is
sent as the caller gives it), ``verified: false``, and its caption lists the field names a
public implementation of the older 2.x codes uses (online_settlement.md §5.3, one source).

6201 / 6202 and 7102 / 7103 are served *by the institution* (the centre calls us):
:mod:`yibao.provinces.gansu.receiver`.  6201 / 6202 are still overridden here, so that nothing
validates an outgoing 6201 against the national "费用明细上传" by mistake.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

__all__ = ["EXTRA_TRANSACTIONS", "SERVED_BY_INSTITUTION"]

#: 表1 "定点医药机构提供接口" and the prescription feedback the centre sends to the prescriber.
SERVED_BY_INSTITUTION: Final = frozenset({"6201", "6202", "7102", "7103"})

_SRC = "assumed: 甘肃接入指引 表1 (name and direction only); no public Gansu field table"

_ENTRIES: Final[tuple[tuple[str, str, str, str], ...]] = (
    ("6101", "药店线上费用明细上传", "state", "pharmacy online-payment fee upload (§3.8 step 1)"),
    ("6201", "订单确认", "query", "served by the institution: see yibao.provinces.gansu.receiver"),
    ("6202", "医保结算结果通知", "query", "served by the institution: see yibao.provinces.gansu.receiver"),
    ("7101", "电子处方上传", "state", "2.x: hosp_rxno, rx_file, rx_circ_flag; rxdrugdetail, mdtrtinfo, diseinfo"),
    ("7102", "处方审核结果反馈", "query", "served by the prescribing hospital: see the receiver"),
    ("7103", "处方购药结果反馈", "query", "served by the prescribing hospital: see the receiver"),
    ("7104", "电子处方撤销", "state", "2.x fields: hi_rxno, fixmedins_code, undo reason"),
    ("7201", "处方二维码解析", "query", "2.x: answers epc_token and the prescription's identifiers"),
    ("7202", "电子处方查询", "query", "2.x: answers auth_rxno per pending prescription"),
    ("7203", "电子处方下载", "query", "2.x: epc_token or auth_rxno in, the prescription out"),
    ("7204", "电子处方审核", "state", "2.x: the pharmacist's review result"),
    ("7205", "配送信息上传", "state", "delivery person and status (§3.9 step 8)"),
)  # fmt: skip


def _entry(infno: str, name: str, kind: str, caption: str) -> dict[str, Any]:
    return {
        "infno": infno,
        "name": name,
        "kind": kind,
        "verified": False,
        "source": _SRC,
        "input": [{"node": "", "caption": caption or "generic envelope", "multi": False, "fields": [], "children": []}],
        "output": [],
    }


def _referral_a() -> dict[str, Any]:
    """2501A 转院备案A: 表1 lists it beside 2501 with the same name; the national 2501 table."""
    from yibao.core.catalog import load_catalog

    national = load_catalog().get("2501")
    assert national is not None
    entry = national.to_json()
    entry.update(infno="2501A", name="转院备案A", verified=False,
                 source="assumed: 甘肃接入指引 表1 lists 2501A beside 2501 (转院备案); the national 2501 table")
    return entry


EXTRA_TRANSACTIONS: Final[tuple[Mapping[str, Any], ...]] = (_referral_a(), *(_entry(*e) for e in _ENTRIES))
