"""The e-prescription centre, hospital side (national 【7101】-【7107】; online_settlement.md §5):
Xiamen functions 7 (医师开方上传医保), 8 (上传取消) and 20 (药师审方结果).

:meth:`Prescriptions.prescribe` is the 上传 chain: 7101 上传预核验 (``rxTraceCode``, ``hiRxno``)
→ 7102 医保电子签名 of ``originalValue`` (the Base64 of the sorted-key JSON of 7103's fields 1-20,
national 表429) and the prescription file → 7103 上传 with the signature.  7104 withdraws it;
7105-7107 read its details, the pharmacist's review and the dispensing.  The field tables are
the catalogue's (7101's ``rxdrugdetail`` / ``mdtrtinfo`` / ``diseinfo`` travel inside ``data``).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

import attrs

from .. import gm
from .sender import Sender

__all__ = ["UPLOAD_SIGNED_FIELDS", "Prescription", "Prescriptions"]

#: 7103 表431 rows 1-20: what ``originalValue`` (7102) carries
UPLOAD_SIGNED_FIELDS = (
    "rxTraceCode", "hiRxno", "mdtrtId", "patnName", "psnCertType", "certno", "fixmedinsName", "fixmedinsCode",
    "drCode", "prscDrName", "pharDeptName", "pharDeptCode", "pharProfttlCodg", "pharProfttlName", "pharCode",
    "pharCertType", "pharCertno", "pharName", "pharPracCertNo", "pharChkTime",
)  # fmt: skip


@attrs.frozen
class Prescription:
    """An uploaded prescription."""

    hosp_rxno: str
    hi_rxno: str
    rx_trace_code: str
    rx_stas_codg: str
    sign_digest: str

    def to_json(self) -> dict[str, Any]:
        return attrs.asdict(self)


class Prescriptions:
    """``client.online.prescriptions``."""

    def __init__(self, sender: Sender, *, fixmedins_code: str, fixmedins_name: str) -> None:
        self.sender = sender
        self.code = fixmedins_code
        self.name = fixmedins_name

    def _send(self, interface: str, data: Mapping[str, Any], order: str = "") -> Any:
        _, reply = self.sender.send(interface, data, order=order)
        return reply.data or {}

    def pre_check(self, data: Mapping[str, Any], *, order: str = "") -> Mapping[str, Any]:
        """7101 电子处方上传预核验: ``{"rxTraceCode", "hiRxno"}``."""
        return dict(self._send("7101", data, order))

    def sign(self, upload_fields: Mapping[str, Any], rx_file: bytes, *, order: str = "") -> Mapping[str, Any]:
        """7102 医保电子签名: ``{"rxFile", "signDigest", "signCertSn", "signCertDn"}``."""
        signed = {k: upload_fields[k] for k in UPLOAD_SIGNED_FIELDS if upload_fields.get(k) not in (None, "")}
        original = base64.b64encode(gm.canonical_json(signed).encode("utf-8")).decode("ascii")
        return dict(self._send("7102", {"fixmedinsCode": self.code, "originalValue": original,
                                        "originalRxFile": base64.b64encode(rx_file).decode("ascii")}, order))

    def upload(self, fields: Mapping[str, Any], signature: Mapping[str, Any], *, order: str = "") -> Mapping[str, Any]:
        """7103 电子处方上传 with 7102's ``rxFile`` and ``signDigest``."""
        return dict(self._send("7103", {**fields, "rxFile": signature["rxFile"],
                                        "signDigest": signature["signDigest"]}, order))

    def prescribe(self, check: Mapping[str, Any], pharmacist: Mapping[str, Any], rx_file: bytes, *,
                  order: str = "") -> Prescription:
        """7101 → 7102 → 7103 for one prescription; ``pharmacist``: 7103's 审方药师 fields
        (``pharDeptName``, ``pharDeptCode``, ``pharCode``, ``pharName``, ``pharChkTime`` ...)."""
        checked = self.pre_check(check, order=order)
        info = check.get("mdtrtinfo") or {}
        fields = {
            "rxTraceCode": checked["rxTraceCode"], "hiRxno": checked["hiRxno"], "mdtrtId": info.get("mdtrtId"),
            "patnName": info.get("patnName"), "psnCertType": info.get("psnCertType"), "certno": info.get("certno"),
            "fixmedinsName": self.name, "fixmedinsCode": self.code, "drCode": info.get("drCode"),
            "prscDrName": info.get("prscDrName"), **pharmacist,
        }  # fmt: skip
        signature = self.sign(fields, rx_file, order=order)
        uploaded = self.upload(fields, signature, order=order)
        return Prescription(str(check.get("hospRxno", "")), str(uploaded.get("hiRxno", checked["hiRxno"])),
                            str(checked["rxTraceCode"]), str(uploaded.get("rxStasCodg", "")),
                            str(signature["signDigest"]))

    def undo(self, hi_rxno: str, doctor: Mapping[str, Any], reason: str, undo_time: str) -> Mapping[str, Any]:
        """7104 电子处方撤销 (``doctor``: ``drCode``, ``undoDrName``, ``undoDrCertType``, ``undoDrCertno``)."""
        return dict(self._send("7104", {"hiRxno": hi_rxno, "fixmedinsCode": self.code, **doctor, "undoRea": reason,
                                        "undoTime": undo_time}))

    def _query(self, interface: str, hi_rxno: str, person: Mapping[str, Any]) -> Mapping[str, Any]:
        return dict(self._send(interface, {"hiRxno": hi_rxno, "fixmedinsCode": self.code, **person}))

    def detail(self, hi_rxno: str, person: Mapping[str, Any]) -> Mapping[str, Any]:
        """7105 电子处方信息查询 (``person``: ``mdtrtId``, ``psnName``, ``psnCertType``, ``certno``)."""
        return self._query("7105", hi_rxno, person)

    def review(self, hi_rxno: str, person: Mapping[str, Any]) -> Mapping[str, Any]:
        """7106 电子处方审核结果查询: ``rxChkStasCodg``, ``rxChkOpnn`` ... (function 20)."""
        return self._query("7106", hi_rxno, person)

    def dispensing(self, hi_rxno: str, person: Mapping[str, Any]) -> Mapping[str, Any]:
        """7107 电子处方取药结果查询."""
        return self._query("7107", hi_rxno, person)
