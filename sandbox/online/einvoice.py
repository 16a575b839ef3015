"""The simulated 财政电子票据 vendor (online_settlement.md §6, [S]: a 博思-style API).

Envelope, the vendor's own (written here apart from the client's): a ``POST`` of
``{"appid", "data", "noise", "version": "1.0", "sign"}`` where ``data`` is the Base64 of the
business JSON, ``noise`` a UUID and ``sign`` the upper-case MD5 of
``appid=…&data=…&noise=…&key=<appKey>&version=…`` (the source's order).  The answer is
``{"data", "noise", "sign"}`` signed the same way (``data=…&noise=…&key=…``); ``data`` decodes to
``{"result", "message"}``, ``result`` ``S0000`` on success with ``message`` the Base64 of the
result JSON, otherwise an error code with a text.  Credentials are generated per sandbox state
(``GET /_sandbox/einvoice/credentials``).

Methods at ``{base}/api/medical/<method>``: ``invoiceEBillOutpatient`` (EB01: ``busNo`` unique,
``totalAmt`` = the pay channels' sum = the charge items' sum), ``writeOffEBill`` (EB02, once),
``getEBillStatesByBillInfo`` (EB03).  The issued bill's ``pictureNetUrl`` is served by ``GET``
(EB04, the download) as a small PDF.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import secrets
import uuid
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..codec import dumps_text
from ..mobilepay.crypto import dump_json, parse_json
from .books import OnlineContext, Refused, money

__all__ = ["HANDLERS", "METHODS", "bill_file", "credentials", "handle"]

METHODS = {"invoiceEBillOutpatient": "EB01", "writeOffEBill": "EB02", "getEBillStatesByBillInfo": "EB03"}
_FILE = "einvoice_credentials.json"


def credentials(state_dir: Path) -> dict[str, str]:
    """``{"appid", "appKey"}`` of this sandbox state, made (mode 0600) on first use."""
    path = state_dir / _FILE
    if not path.exists():
        creds = {"appid": "EB" + secrets.token_hex(7).upper(), "appKey": secrets.token_hex(16).upper()}
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(creds, fh)
    stored: dict[str, str] = json.loads(path.read_text("utf-8"))
    return stored


def _md5(parts: list[tuple[str, str]]) -> str:
    return hashlib.md5("&".join(f"{k}={v}" for k, v in parts).encode("utf-8")).hexdigest().upper()


def request_sign(appid: str, data: str, noise: str, version: str, key: str) -> str:
    """The request's ``sign``: appid, data, noise, key, version in the source's order."""
    return _md5([("appid", appid), ("data", data), ("noise", noise), ("key", key), ("version", version)])


def answer_sign(data: str, noise: str, key: str) -> str:
    """The answer's ``sign``: data, noise, key."""
    return _md5([("data", data), ("noise", noise), ("key", key)])


def _answer(result: str, message: Any, key: str) -> dict[str, str]:
    text = base64.b64encode(dump_json(message).encode("utf-8")).decode("ascii") if result == "S0000" else str(message)
    data = base64.b64encode(dump_json({"result": result, "message": text}).encode("utf-8")).decode("ascii")
    noise = str(uuid.uuid4())
    return {"data": data, "noise": noise, "sign": answer_sign(data, noise, key)}


def refusal(message: str, creds: Mapping[str, str]) -> dict[str, str]:
    """A signed refusal (``E2000``) of the vendor: what an armed ``reject`` fault answers."""
    return _answer("E2000", message, creds["appKey"])


def handle(ctx: OnlineContext, body: bytes, creds: Mapping[str, str], method: str) -> tuple[str, dict[str, str]]:
    """Open a vendor request, run its method: ``(interface, answer)``; every refusal is an answer."""
    key = creds["appKey"]
    interface = METHODS.get(method, method)
    try:
        env = parse_json(body.decode("utf-8"))
        if not isinstance(env, dict) or not all(isinstance(env.get(k), str) for k in ("appid", "data", "noise",
                                                                                     "version", "sign")):
            return interface, _answer("E1000", "报文格式错误: appid/data/noise/version/sign必填", key)
        if env["appid"] != creds["appid"]:
            return interface, _answer("E1005", "appid不存在", key)
        if env["sign"] != request_sign(env["appid"], env["data"], env["noise"], env["version"], key):
            return interface, _answer("E1001", "签名验证失败", key)
        data = parse_json(base64.b64decode(env["data"], validate=True).decode("utf-8"))
    except (ValueError, UnicodeDecodeError, binascii.Error):
        return interface, _answer("E1004", "data不是Base64编码的JSON", key)
    handler = HANDLERS.get(interface)
    if handler is None or not isinstance(data, dict):
        return interface, _answer("E1006", f"不支持的方法({method})", key)
    try:
        with ctx.store.transaction():
            return interface, _answer("S0000", handler(ctx, data), key)
    except Refused as exc:
        return interface, _answer("E2000", exc.message, key)


def _bill(ctx: OnlineContext, data: Mapping[str, Any]) -> dict[str, Any]:
    row = ctx.store.query_one("SELECT * FROM eb_bills WHERE bill_no = ? AND bill_batch_code = ?",
                              (str(data.get("billNo", "")), str(data.get("billBatchCode", ""))))
    if row is None:
        raise Refused("billNo: 票据不存在")
    return row


def issue(ctx: OnlineContext, data: Mapping[str, Any]) -> dict[str, Any]:
    """EB01 invoiceEBillOutpatient."""
    total = money(data.get("totalAmt"))
    channels = sum((money(c.get("payChannelValue")) for c in data.get("payChannelDetail") or []), Decimal("0.00"))
    items = sum((money(c.get("amt")) for c in data.get("chargeDetail") or []), Decimal("0.00"))
    if total <= 0 or channels != total or items != total:
        raise Refused(f"totalAmt: {total} 须等于交费渠道合计 {channels} 与收费项目合计 {items}")
    if ctx.store.query_one("SELECT 1 AS x FROM eb_bills WHERE bus_no = ?", (str(data.get("busNo", "")),)):
        raise Refused("busNo: 业务流水号已开票")
    bill_no = f"{ctx.store.next_seq('eb:bill'):010d}"
    batch, random = "35010126", secrets.token_hex(3).upper()
    url = f"{ctx.base_url}/api/medical/bill/{batch}/{bill_no}.pdf?random={random}"
    ctx.store.execute("INSERT INTO eb_bills (bill_no, bill_batch_code, random, bus_no, total_amt, state, data, "
                      "created_time) VALUES (?,?,?,?,?,?,?,?)",
                      (bill_no, batch, random, str(data["busNo"]), str(total), "1", dumps_text(dict(data)),
                       ctx.now_text))
    return {"billBatchCode": batch, "billNo": bill_no, "random": random, "createTime": ctx.stamp + "000",
            "billQRCode": base64.b64encode(url.encode()).decode("ascii"), "pictureUrl": url, "pictureNetUrl": url}


def write_off(ctx: OnlineContext, data: Mapping[str, Any]) -> dict[str, Any]:
    """EB02 writeOffEBill (冲红), once per bill."""
    row = _bill(ctx, data)
    if row["state"] != "1":
        raise Refused("billNo: 票据已冲红")
    scarlet = f"{ctx.store.next_seq('eb:bill'):010d}"
    ctx.store.execute("UPDATE eb_bills SET state = '2', scarlet_no = ? WHERE bill_no = ?", (scarlet, row["bill_no"]))
    return {"eScarletBillBatchCode": row["bill_batch_code"], "eScarletBillNo": scarlet,
            "eScarletRandom": secrets.token_hex(3).upper(), "createTime": ctx.stamp + "000",
            "pictureUrl": f"{ctx.base_url}/api/medical/bill/{row['bill_batch_code']}/{scarlet}.pdf"}


def states(ctx: OnlineContext, data: Mapping[str, Any]) -> dict[str, Any]:
    """EB03 getEBillStatesByBillInfo."""
    row = _bill(ctx, data)
    return {"billBatchCode": row["bill_batch_code"], "billNo": row["bill_no"], "state": row["state"],
            "isScarlet": "1" if row["state"] == "2" else "0"}


def bill_file(ctx: OnlineContext, batch: str, bill_no: str, random: str) -> bytes | None:
    """EB04: the bill's picture address as a (tiny) PDF; ``None`` for an unknown bill or check code."""
    row = ctx.store.query_one("SELECT * FROM eb_bills WHERE bill_no = ? AND bill_batch_code = ?", (bill_no, batch))
    if row is None or (random and row["random"] != random):
        return None
    text = f"yibao sandbox e-invoice {batch}-{bill_no} total {row['total_amt']} state {row['state']}"
    return b"%PDF-1.4\n% " + text.encode("utf-8") + b"\n%%EOF\n"


HANDLERS = {"EB01": issue, "EB02": write_off, "EB03": states}
