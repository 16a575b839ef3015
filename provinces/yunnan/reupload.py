"""Yunnan §1.11.6: after an inpatient settlement is reversed, 2405 and the details again (2301).

"结算冲正成功后：患者为出院状态，之前结算的费用明细置为无效，his需要调用【2405】撤销出院，冲传处方
【2301】（其中feedetl_sn费用明细流水号不能与之前的重复）".

The details to send again are the HIS's own: the visit's journal history (the ``history`` of
``yibao_after_reversal``), every 2301 ``feedetail`` row that stands (a 2302 revoke of its
``feedetl_sn``, or ``0000`` for all, takes rows out; a refund row with a negative ``cnt`` and
its ``init_feedetl_sn`` cancels its original).  A reversal is most often of a 2304 whose answer
was lost, so its ``setl_id`` was never known: 5204 费用明细查询 needs one (表271: ``setl_id`` 必填)
and would be refused.  5204 is asked only when the journal holds no detail and the reversed
settlement's ``setl_id`` is known.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import structlog

from .medium import FEEDETAIL_FIELDS, Call, first_row, fresh_feedetl_sns

__all__ = ["after_inpatient_reversal", "standing_details"]

_log = structlog.get_logger("yibao.provinces.yunnan")


def _rows(node: Any) -> list[Mapping[str, Any]]:
    if isinstance(node, Mapping):
        return [node]
    return [r for r in node if isinstance(r, Mapping)] if isinstance(node, list) else []


def standing_details(history: Sequence[Mapping[str, Any]], mdtrt_id: str) -> list[dict[str, Any]]:
    """The 2301 rows of ``mdtrt_id`` that stand after the 2302 revokes and refunds in ``history``."""
    rows: dict[str, dict[str, Any]] = {}
    for entry in history:
        inp = entry.get("input_full") or {}
        if entry.get("infno") == "2301":
            for r in _rows(inp.get("feedetail")):
                if str(r.get("mdtrt_id", mdtrt_id)) != mdtrt_id:
                    continue
                refund = Decimal(str(r.get("cnt") or 0)) < 0
                if refund and r.get("init_feedetl_sn"):
                    rows.pop(str(r["init_feedetl_sn"]), None)
                elif not refund:
                    rows[str(r.get("feedetl_sn", ""))] = dict(r)
        elif entry.get("infno") == "2302":
            for r in _rows(inp.get("data")):
                sn = str(r.get("feedetl_sn", ""))
                if sn == "0000":
                    rows.clear()
                else:
                    rows.pop(sn, None)
    return list(rows.values())


def _from_centre(call: Call, psn_no: str, mdtrt_id: str, setl_id: str) -> list[Mapping[str, Any]]:
    listing = call("5204", {"data": {"psn_no": psn_no, "mdtrt_id": mdtrt_id, "setl_id": setl_id}})
    rows = listing.get("output") if isinstance(listing, Mapping) and "output" in listing else listing
    if isinstance(rows, Mapping):
        rows = rows.get("data") or rows.get("feedetail") or []
    return _rows(rows)


def after_inpatient_reversal(entry: Mapping[str, Any], call: Call, history: Sequence[Mapping[str, Any]] = (), *,
                             now: datetime | None = None) -> list[str]:  # fmt: skip
    """§1.11.6: 2405 出院撤销, then 2301 with the visit's details under fresh ``feedetl_sn``."""
    data = first_row(entry.get("input_full") or entry.get("input") or {})
    psn_no = str(entry.get("psn_no") or data.get("psn_no") or "")
    mdtrt_id = str(entry.get("mdtrt_id") or data.get("mdtrt_id") or "")
    if not (psn_no and mdtrt_id):
        _log.warning("after_reversal_skipped", reason="no psn_no / mdtrt_id in the journal entry")
        return []
    call("2405", {"data": {"mdtrt_id": mdtrt_id, "psn_no": psn_no}})
    sent = ["2405"]
    details: Sequence[Mapping[str, Any]] = standing_details(history, mdtrt_id)
    setl_id = str(entry.get("setl_id") or data.get("setl_id") or "")
    if not details and setl_id:
        details = _from_centre(call, psn_no, mdtrt_id, setl_id)
    if not details:
        _log.warning("after_reversal_no_details", infno="2301", note="the HIS must re-upload 2301 itself")
        return sent
    new_sns = fresh_feedetl_sns([str(r.get("feedetl_sn", "")) for r in details], now or datetime.now())
    feedetail = []
    for row, sn in zip(details, new_sns, strict=True):
        item = {k: row[k] for k in FEEDETAIL_FIELDS if k in row and row[k] is not None}
        item.update(feedetl_sn=sn, mdtrt_id=mdtrt_id, psn_no=psn_no)
        item.pop("init_feedetl_sn", None)  # these are new charges, not refunds of old ones
        feedetail.append(item)
    call("2301", {"feedetail": feedetail})
    sent.append("2301")
    return sent
