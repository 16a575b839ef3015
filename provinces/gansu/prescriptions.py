"""Gansu §3.9 医保处方外购 (external prescriptions), the pharmacy side, tied to 2102 / 2103 / 3505.

The flow of the guide, in calls::

    7201 处方二维码解析  (or 7202 电子处方查询 after identifying the person)
    7203 电子处方下载
    7204 电子处方审核    (pharmacist's review; the result goes back to the hospital as 7102)
    2102 药店结算        (with the prescription number: changes the prescription's state)
    3505 商品销售        (the dispensed drugs, with their trace codes)
    7205 配送信息上传    (only when the drugs are delivered)
    2103 药店结算撤销    (a failed settlement: the prescription goes back to unused)

Gansu publishes no field tables for 7201-7205 (see :mod:`.extras`), so the inputs are the
caller's, with our identifiers filled in; the outputs are read defensively
(``epc_token`` / ``hi_rxno`` / ``auth_rxno`` wherever they appear).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from yibao.core import Client, FeeItem, Identity, MediumReader, Settlement

__all__ = ["ExternalPrescription", "cancel_purchase", "deliver", "download", "purchase", "scan"]


@attrs.frozen
class ExternalPrescription:
    """What the pharmacy knows about an external prescription after 7201 / 7203."""

    hi_rxno: str
    epc_token: str = ""
    auth_rxno: str = ""
    detail: Mapping[str, Any] = attrs.field(factory=dict)


def _find(obj: Any, key: str) -> str:
    """The first value of ``key`` anywhere in a reply (objects and lists, depth first)."""
    if isinstance(obj, Mapping):
        if obj.get(key) not in (None, ""):
            return str(obj[key])
        items: Sequence[Any] = list(obj.values())
    elif isinstance(obj, list):
        items = obj
    else:
        return ""
    for value in items:
        found = _find(value, key)
        if found:
            return found
    return ""


def scan(client: Client, qr_code: str) -> ExternalPrescription:
    """7201 处方二维码解析: the prescription's token and numbers from the QR code the patient shows."""
    code = client.config.institution.fixmedins_code
    out = client.call("7201", {"data": {"epc_qrcd": qr_code, "fixmedins_code": code}})
    return ExternalPrescription(hi_rxno=_find(out, "hi_rxno"), epc_token=_find(out, "epc_token"),
                                auth_rxno=_find(out, "auth_rxno"))  # fmt: skip


def download(client: Client, rx: ExternalPrescription) -> ExternalPrescription:
    """7203 电子处方下载 with the token of 7201 (or the ``auth_rxno`` of 7202)."""
    code = client.config.institution.fixmedins_code
    out = client.call("7203", {"data": {"epc_token": rx.epc_token, "auth_rxno": rx.auth_rxno,
                                        "hi_rxno": rx.hi_rxno, "fixmedins_code": code}})  # fmt: skip
    detail = out if isinstance(out, Mapping) else {}
    return attrs.evolve(rx, hi_rxno=_find(out, "hi_rxno") or rx.hi_rxno, detail=detail)


def purchase(
    client: Client,
    identity: Identity,
    rx: ExternalPrescription,
    items: Sequence[FeeItem],
    *,
    review: Mapping[str, Any],
    sales: Mapping[str, Any] | None = None,
    acct_used_flag: str = "0",
    med_type: str = "41",
    reader: MediumReader | None = None,
) -> Settlement:
    """7204 review, then 2102 with the prescription (``rxno`` = ``hi_rxno``, ``rx_circ_flag`` 1), then 3505.

    :param review: the pharmacist's review for 7204 (``phar_name``, ``rx_chk_stas_codg``, ...).
    :param med_type: 41 定点药店购药 (14 for 门诊慢特病 purchases).
    :param reader: the medium reader: §3.1.5 reads the medium and its password again before 2102.
    :param sales: the 3505 input (``selinfo`` with trace codes); ``None`` skips 3505 (no drugs
        with trace codes were dispensed).
    """
    code = client.config.institution.fixmedins_code
    client.call("7204", {"data": {**review, "hi_rxno": rx.hi_rxno, "epc_token": rx.epc_token, "fixmedins_code": code}})
    dispensed = [attrs.evolve(i, rxno=rx.hi_rxno, rx_circ_flag="1") for i in items]
    settlement = client.pharmacy.settle(identity, dispensed, acct_used_flag=acct_used_flag, med_type=med_type,
                                        reader=reader)
    if sales is not None:
        client.call("3505", dict(sales))
    return settlement


def cancel_purchase(client: Client, identity: Identity, settlement: Settlement) -> Settlement:
    """2103: a settlement that must not stand; the centre puts the prescription back to unused."""
    return client.pharmacy.cancel(identity, settlement)


def deliver(client: Client, rx: ExternalPrescription, delivery: Mapping[str, Any]) -> None:
    """7205 配送信息上传: the delivery person and status for a prescription delivered to the door."""
    client.call("7205", {"data": {**delivery, "hi_rxno": rx.hi_rxno}})
