"""The simulated 电子处方流转中心, hospital side (national 【7101】-【7107】; online_settlement.md §5).

A prescription goes ``checked`` (7101 上传预核验: ``rxTraceCode`` + ``hiRxno``; the visit must
be a 2201 / 6201 visit of the same person) → ``uploaded`` (7103, with the single-use trace code
and a ``signDigest`` 7102 issued) → ``undone`` (7104, only before the medicine is taken).  The
centre's pharmacist reviews it (``POST /_sandbox/rx/review``: 7106 then answers
``rxChkStasCodg`` 1 通过 / 2 不通过) and a pharmacy dispenses it (``POST /_sandbox/rx/dispense``:
7107 answers the dispensing).  7102 医保电子签名 is simulated: the real one is a CMS / PKCS#7
detached sm2WithSm3 signature with the institution's certificate (GB/T 35275); here the
``signDigest`` is the platform key's SM2 signature of ``originalValue`` and ``rxFile`` the
original file with a marker, enough for 7103 to check that the upload was signed here.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Mapping
from typing import Any

from ..codec import dumps_text, loads_stored
from ..mobilepay import crypto
from .books import OnlineContext, Refused

__all__ = ["HANDLERS", "dispense", "review"]

_STAS = {"checked": ("0", "待上传"), "uploaded": ("1", "有效"), "undone": ("2", "已撤销"), "dispensed": ("3", "已使用")}
_CHK = {"0": "待审核", "1": "审核通过", "2": "审核不通过"}


def _rx(ctx: OnlineContext, hi_rxno: object) -> dict[str, Any]:
    row = ctx.store.query_one("SELECT * FROM rx_prescriptions WHERE hi_rxno = ?", (str(hi_rxno or ""),))
    if row is None:
        raise Refused(f"hiRxno: 处方不存在({hi_rxno})", 2003)
    return row


def upload_check(ctx: OnlineContext, data: Mapping[str, Any]) -> dict[str, Any]:
    """7101: the prescription pre-checked; ``rxTraceCode`` and ``hiRxno``."""
    info = data.get("mdtrtinfo") or {}
    visit = ctx.store.query_one("SELECT psn_no FROM visits WHERE mdtrt_id = ?", (str(info.get("mdtrtId", "")),))
    order = ctx.store.query_one("SELECT psn_no FROM mp_orders WHERE mdtrt_id = ?", (str(info.get("mdtrtId", "")),))
    owner = (visit or order or {}).get("psn_no")
    if owner is None or owner != info.get("psnNo"):
        raise Refused("mdtrtinfo.mdtrtId: 就诊ID不存在或不属于该参保人", 2004)
    org, hosp = str(info.get("fixmedinsCode", "")), str(data.get("hospRxno", ""))
    if ctx.store.query_one("SELECT 1 AS x FROM rx_prescriptions WHERE org_codg = ? AND hosp_rxno = ?", (org, hosp)):
        raise Refused(f"hospRxno: 处方编号已上传({hosp})", 2006)
    if not data.get("rxdrugdetail"):
        raise Refused("rxdrugdetail: 处方药品明细不能为空", 2001)
    hi_rxno = ctx.ids().new("RX")
    trace = "TC" + secrets.token_hex(9).upper()
    ctx.store.execute(
        "INSERT INTO rx_prescriptions (hi_rxno, org_codg, hosp_rxno, rx_trace_code, mdtrt_id, psn_no, certno, state, "
        "data, created_time) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (hi_rxno, org, hosp, trace, info["mdtrtId"], owner, str(info.get("certno", "")), "checked",
         dumps_text(dict(data)), ctx.now_text),
    )
    return {"rxTraceCode": trace, "hiRxno": hi_rxno}


def sign(ctx: OnlineContext, data: Mapping[str, Any]) -> dict[str, Any]:
    """7102 (simulated): the platform's signature of ``originalValue``; the file with a marker."""
    try:
        original = base64.b64decode(str(data.get("originalValue", "")), validate=True)
        rx_file = base64.b64decode(str(data.get("originalRxFile", "")), validate=True)
    except (binascii.Error, ValueError):
        raise Refused("originalValue: 不是Base64", 2001) from None
    digest = crypto.sign(ctx.creds["platform_private_key"], ctx.creds["platform_public_key"],
                         original.decode("utf-8", "replace"))
    ctx.store.execute("INSERT OR IGNORE INTO rx_signatures (sign_digest, org_codg, sign_time) VALUES (?,?,?)",
                      (digest, str(data.get("fixmedinsCode", "")), ctx.now_text))
    signed = rx_file + b"\n%yibao-sandbox-signed " + digest.encode("ascii")
    return {"rxFile": base64.b64encode(signed).decode("ascii"), "signDigest": digest,
            "signCertSn": "SANDBOX-CERT-0001", "signCertDn": "CN=yibao sandbox,O=rehearsal only"}


def upload(ctx: OnlineContext, data: Mapping[str, Any]) -> dict[str, Any]:
    """7103: the signed prescription uploaded (single-use trace code, a digest 7102 gave)."""
    rx = _rx(ctx, data.get("hiRxno"))
    if rx["state"] != "checked" or rx["rx_trace_code"] != data.get("rxTraceCode"):
        raise Refused("rxTraceCode: 处方追溯码无效或已使用", 2005)
    known = ctx.store.query_one("SELECT 1 AS x FROM rx_signatures WHERE sign_digest = ?", (data.get("signDigest"),))
    if known is None:
        raise Refused("signDigest: 未经医保电子签名", 2005)
    ctx.store.execute("UPDATE rx_prescriptions SET state = 'uploaded' WHERE hi_rxno = ?", (rx["hi_rxno"],))
    code, name = _STAS["uploaded"]
    return {"hiRxno": rx["hi_rxno"], "rxStasCodg": code, "rxStasName": name}


def undo(ctx: OnlineContext, data: Mapping[str, Any]) -> dict[str, Any]:
    """7104: an uploaded prescription not yet dispensed is withdrawn."""
    rx = _rx(ctx, data.get("hiRxno"))
    if rx["state"] not in ("checked", "uploaded"):
        raise Refused(f"hiRxno: 处方状态为{_STAS[rx['state']][1]}, 不能撤销", 2007)
    ctx.store.execute("UPDATE rx_prescriptions SET state = 'undone' WHERE hi_rxno = ?", (rx["hi_rxno"],))
    code, name = _STAS["undone"]
    return {"hiRxno": rx["hi_rxno"], "rxStasCodg": code, "rxStasName": name}


def detail(ctx: OnlineContext, data: Mapping[str, Any]) -> dict[str, Any]:
    """7105: the prescription as uploaded."""
    rx = _rx(ctx, data.get("hiRxno"))
    body = loads_stored(rx["data"])
    code, name = _STAS[rx["state"]]
    return {"hiRxno": rx["hi_rxno"], "fixmedinsCode": rx["org_codg"], "rxStasCodg": code, "rxStasName": name,
            "prscTime": body.get("prscTime", ""), "rxDrugCnt": body.get("rxDrugCnt"),
            "rxDetlList": body.get("rxdrugdetail", []), "rxDiseList": body.get("diseinfo", [])}


def check_result(ctx: OnlineContext, data: Mapping[str, Any]) -> dict[str, Any]:
    """7106: the pharmacist's review (0 待审核 until ``POST /_sandbox/rx/review``)."""
    rx = _rx(ctx, data.get("hiRxno"))
    code, name = _STAS[rx["state"]]
    return {"hiRxno": rx["hi_rxno"], "pharName": "测试药师", "pharCode": "HY350200000001",
            "rxChkStasCodg": rx["chk_stas"], "rxChkStasName": _CHK[rx["chk_stas"]], "rxChkOpnn": rx["chk_opnn"] or "",
            "rxChkTime": (rx["chk_time"] or "")[:10], "rxStasCodg": code, "rxStasName": name}


def dispensing(ctx: OnlineContext, data: Mapping[str, Any]) -> dict[str, Any]:
    """7107: what was dispensed (nothing until ``POST /_sandbox/rx/dispense``)."""
    rx = _rx(ctx, data.get("hiRxno"))
    code, name = _STAS[rx["state"]]
    drugs = loads_stored(rx["data"]).get("rxdrugdetail", []) if rx["state"] == "dispensed" else []
    return {"hiRxno": rx["hi_rxno"], "setlTime": (rx["setl_time"] or "")[:10], "rxStasCodg": code,
            "rxStasName": name, "rxUsedStasCodg": "1" if drugs else "0",
            "rxUsedStasName": "已取药" if drugs else "未取药",
            "seltdelts": [{"medListCodg": d.get("medListCodg"), "drugGenname": d.get("drugGenname"),
                           "drugProdname": d.get("drugProdname") or d.get("drugGenname"),
                           "drugDosform": d.get("drugDosform"), "drugSpec": d.get("drugSpec"), "cnt": d.get("drugCnt"),
                           "prdrName": d.get("prdrName") or "测试药厂", "takeDrugFlag": "1"} for d in drugs]}


def review(ctx: OnlineContext, hi_rxno: str, passed: bool, opinion: str) -> dict[str, Any]:
    """The centre's pharmacist reviews an uploaded prescription (control API)."""
    rx = _rx(ctx, hi_rxno)
    if rx["state"] != "uploaded":
        raise Refused(f"hiRxno: 处方状态为{_STAS[rx['state']][1]}, 不能审核", 409)
    ctx.store.execute("UPDATE rx_prescriptions SET chk_stas = ?, chk_opnn = ?, chk_time = ? WHERE hi_rxno = ?",
                      ("1" if passed else "2", opinion, ctx.now_text, hi_rxno))
    return {"hiRxno": hi_rxno, "rxChkStasCodg": "1" if passed else "2"}


def dispense(ctx: OnlineContext, hi_rxno: str) -> dict[str, Any]:
    """A pharmacy dispenses a reviewed prescription (control API)."""
    rx = _rx(ctx, hi_rxno)
    if rx["state"] != "uploaded" or rx["chk_stas"] != "1":
        raise Refused("hiRxno: 处方未审核通过或不可取药", 409)
    ctx.store.execute("UPDATE rx_prescriptions SET state = 'dispensed', setl_time = ? WHERE hi_rxno = ?",
                      (ctx.now_text, hi_rxno))
    return {"hiRxno": hi_rxno, "rxStasCodg": _STAS["dispensed"][0]}


HANDLERS = {"7101": upload_check, "7102": sign, "7103": upload, "7104": undo, "7105": detail, "7106": check_result,
            "7107": dispensing}
