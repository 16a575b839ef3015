"""6101 解析医保电子凭证二维码 (national baseline 【6101】; Dongguan 附件6 1101: "需能通过6101接口解码获取
身份核验令牌-ectoken").

The patient shows the e-voucher QR code; the scanner reads its content; 6101 decodes it into
the person and a single-use ``ecToken`` for 1101 (valid ``ectoken_ttl`` seconds, 3 minutes).
``POST /_sandbox/qrcode`` issues a person's QR content.  A QR content is decoded once and
expires like a token.  Over HTTP the content travels as ``InData.ecQrCode`` (the national table
leaves it to the DLL, which reads the scanner itself; Dongguan's entry adds the field).
``orgId`` must be the calling institution.  Gansu gives 6101 another meaning (药店线上费用明细上传,
no public table): the sandbox does not serve it there.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from ..books import node, req
from ..store import Store
from . import CallContext, HandlerResult, Refusal, handler, schema

__all__ = ["issue_qrcode"]

schema("CREATE TABLE IF NOT EXISTS ec_qrcodes (qrcode TEXT PRIMARY KEY, psn_no TEXT NOT NULL, expires REAL NOT NULL, "
       "used INTEGER NOT NULL DEFAULT 0);")  # fmt: skip


def issue_qrcode(store: Store, psn_no: str, expires: float) -> str:
    """A new QR content for ``psn_no`` (the control API's ``POST /_sandbox/qrcode``)."""
    qrcode = "SBQR" + secrets.token_hex(24).upper()
    store.execute("INSERT INTO ec_qrcodes(qrcode, psn_no, expires, used) VALUES (?,?,?,0)", (qrcode, psn_no, expires))
    return qrcode


@handler("6101", changes_state=True, needs_sign_in=False)
def decode(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """6101: QR content -> the person and a single-use ecToken."""
    if ctx.region.startswith("62"):
        raise Refusal("infno: 6101 在甘肃为药店线上费用明细上传(无公开字段表)，沙箱未开通")
    data = node(inp, "InData")
    if req(data, "orgId", "InData") != ctx.fixmedins_code:
        raise Refusal("InData.orgId: 机构ID应为本定点医药机构代码")
    for key in ("businessType", "operatorId", "operatorName", "officeId", "officeName"):
        req(data, key, "InData")
    qrcode = req(data, "ecQrCode", "InData")
    row = ctx.store.query_one("SELECT * FROM ec_qrcodes WHERE qrcode = ?", (qrcode,))
    if row is None:
        raise Refusal("InData.ecQrCode: 电子凭证二维码无效")
    if row["used"]:
        raise Refusal("InData.ecQrCode: 电子凭证二维码已使用，请刷新二维码")
    if ctx.config.clock() > row["expires"]:
        raise Refusal("InData.ecQrCode: 电子凭证二维码已过期，请刷新二维码")
    ctx.store.execute("UPDATE ec_qrcodes SET used = 1 WHERE qrcode = ?", (qrcode,))
    person = ctx.store.person(row["psn_no"])
    if person is None:  # pragma: no cover - codes are issued for seeded persons only
        raise Refusal("InData.ecQrCode: 电子凭证对应人员不存在")
    token = "ECT" + secrets.token_hex(16).upper()
    ctx.store.execute("INSERT INTO ectokens(ectoken, psn_no, expires, used) VALUES (?,?,?,0)",
                      (token, person["psn_no"], ctx.config.clock() + ctx.config.ectoken_ttl))  # fmt: skip
    return {"OutData": {"userName": person["psn_name"], "idNo": person["certno"], "idType": person["psn_cert_type"],
                        "ecToken": token, "insuOrg": person["insuplc_admdvs"],
                        "authNo": f"AU{ctx.store.next_seq('ec_auth'):012d}", "gender": person["gend"],
                        "birthday": person["brdy"]}}  # fmt: skip
