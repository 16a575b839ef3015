"""Identity: 1101 人员信息获取 and 2001 人员待遇享受检查 (spec_reference §4, §5).

1101 by ``mdtrt_cert_type``:

- ``01`` 医保电子凭证: ``mdtrt_cert_no`` is an ecToken from ``POST /_sandbox/ectoken``; single
  use (Gansu guide 3.2: 每个电子凭证号只能被使用一次) and valid 3 minutes;
- ``02`` 居民身份证: ``mdtrt_cert_no`` is the ID number;

A 居民身份证 number (``mdtrt_cert_type`` 02, or ``certno`` with ``psn_cert_type`` 01) must be a
valid GB 11643 number (18 characters, real birth date, ISO 7064 MOD 11-2 check character):
otherwise infcode -1 naming ``mdtrt_cert_no`` / ``certno`` (:mod:`yibao.sandbox.idcard`).
- ``03`` 社会保障卡: ``mdtrt_cert_no`` is the card number and ``card_sn`` must match; for HK/Macau/
  Taiwan and foreign documents (Gansu 000 3.2.4, Guangdong 004): ``psn_cert_type`` 99 and
  certno = card_sn = mdtrt_cert_no = the document number.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..books import node, opt, req
from ..idcard import valid_resident_id
from ..store import Store
from . import CallContext, Refusal, handler

__all__ = ["age_on", "check_cert", "identify"]


def age_on(brdy: str, today: str) -> Decimal:
    """Whole years between ``brdy`` and ``today`` (both yyyy-MM-dd), as N4,1."""
    y, m, d = (int(x) for x in brdy.split("-"))
    ty, tm, td = (int(x) for x in today.split("-"))
    years = ty - y - ((tm, td) < (m, d))
    return Decimal(max(years, 0)).quantize(Decimal("0.1"))


def _token_person(ctx: CallContext, token: str, *, consume: bool) -> dict[str, Any]:
    row = ctx.store.query_one("SELECT * FROM ectokens WHERE ectoken = ?", (token,))
    if row is None:
        raise Refusal("mdtrt_cert_no: 电子凭证令牌(ecToken)无效")
    # Valid 3 minutes (ectoken_ttl) for 1101 and for the settlement that goes with it (Yunnan §1.6:
    # 每个电子凭证令牌的默认有效时间是3分钟): a client must read the e-voucher again, not send an old token.
    if ctx.config.clock() > row["expires"]:
        raise Refusal("mdtrt_cert_no: 电子凭证令牌已过期")
    if consume:
        if row["used"]:
            raise Refusal("mdtrt_cert_no: 电子凭证令牌已使用，每个电子凭证号只能被使用一次")
        ctx.store.execute("UPDATE ectokens SET used = 1 WHERE ectoken = ?", (token,))
    person = ctx.store.person(row["psn_no"])
    if person is None:
        raise Refusal("mdtrt_cert_no: 电子凭证对应人员不存在")
    return person


def identify(ctx: CallContext, data: Mapping[str, Any], *, consume_token: bool) -> dict[str, Any]:
    """The person a medium (``mdtrt_cert_type`` / ``mdtrt_cert_no`` / ``card_sn``) names."""
    cert_type = req(data, "mdtrt_cert_type")
    cert_no = req(data, "mdtrt_cert_no")
    if cert_type == "02" and not valid_resident_id(cert_no):
        raise Refusal("data.mdtrt_cert_no: 居民身份证号码无效(GB 11643: 18位、出生日期、末位校验码)")
    # Gansu §3.2 writes 居民身份证 as psn_cert_type "1" (its dictionary supplement); the check is the same.
    if opt(data, "psn_cert_type") in ("01", "1") and opt(data, "certno") and not valid_resident_id(opt(data, "certno")):
        raise Refusal("data.certno: 居民身份证号码无效(GB 11643: 18位、出生日期、末位校验码)")
    store: Store = ctx.store
    person: dict[str, Any] | None
    if cert_type == "01":
        person = _token_person(ctx, cert_no, consume=consume_token)
    elif cert_type == "02":
        person = store.person_by_certno(cert_no)
        if person is None or person["psn_cert_type"] != "01":
            raise Refusal("mdtrt_cert_no: 未查询到该身份证号的参保信息")
    elif cert_type == "03":
        card_sn = opt(data, "card_sn")
        if not card_sn:
            raise Refusal("data.card_sn: 就诊凭证类型为03时卡识别码必填")
        if opt(data, "psn_cert_type") == "99":
            certno = opt(data, "certno")
            if not (certno == card_sn == cert_no):
                raise Refusal("data.certno: 证件类型99时certno、card_sn、mdtrt_cert_no均应为证件号码")
            person = store.person_by_certno(certno)
            if person is None or person["psn_cert_type"] != "99":
                raise Refusal("data.certno: 未查询到该证件号码的参保信息")
        else:
            person = store.person_by_card(cert_no)
            if person is None:
                raise Refusal("mdtrt_cert_no: 未查询到该社会保障卡的参保信息")
            if person["card_sn"] != card_sn:
                raise Refusal("data.card_sn: 卡识别码与社会保障卡不符")
    else:
        raise Refusal(f"data.mdtrt_cert_type: 不支持的就诊凭证类型[{cert_type}]")
    certno = opt(data, "certno")
    if certno and certno != person["certno"]:
        raise Refusal("data.certno: 证件号码与就诊凭证不符")
    name = opt(data, "psn_name")
    if name and name != person["psn_name"]:
        raise Refusal("data.psn_name: 人员姓名与就诊凭证不符")
    return person


def check_cert(ctx: CallContext, data: Mapping[str, Any], psn_no: str) -> None:
    """A settlement-time medium must name the same person (tokens are not consumed again)."""
    if not opt(data, "mdtrt_cert_type"):
        return
    person = identify(ctx, data, consume_token=False)
    if person["psn_no"] != psn_no:
        raise Refusal("mdtrt_cert_no: 就诊凭证与人员编号psn_no不符")


@handler("1101")
def person_info(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    """1101 人员信息获取: baseinfo, insuinfo (with the account balance), idetinfo."""
    person = identify(ctx, node(inp, "data"), consume_token=True)
    balc = ctx.store.balance(person["psn_no"])
    insuinfo = []
    for row in person["insuinfo"]:
        insuinfo.append({**row, "balc": balc if row["insutype"] == "310" else Decimal("0.00")})
    return {
        "baseinfo": {
            "psn_no": person["psn_no"],
            "psn_cert_type": person["psn_cert_type"],
            "certno": person["certno"],
            "psn_name": person["psn_name"],
            "gend": person["gend"],
            "naty": person["naty"],
            "brdy": person["brdy"],
            "age": age_on(person["brdy"], ctx.today),
            "exp_content": "",
        },
        "insuinfo": insuinfo,
        "idetinfo": person.get("idetinfo", []),
    }


@handler("2001")
def treatment_check(ctx: CallContext, inp: Mapping[str, Any]) -> Mapping[str, Any]:
    """2001 人员待遇享受检查: trtinfo, flag 0 with the reason when the insurance is not normal."""
    data = node(inp, "data")
    psn_no = req(data, "psn_no")
    insutype = req(data, "insutype")
    person = ctx.store.person(psn_no)
    if person is None:
        raise Refusal(f"data.psn_no: 人员编号[{psn_no}]不存在")
    insu = next((r for r in person["insuinfo"] if r["insutype"] == insutype), None)
    if insu is None:
        raise Refusal(f"data.insutype: 人员未参加险种[{insutype}]")
    ok = insu["psn_insu_stas"] == "1"
    return {
        "trtinfo": [
            {
                "psn_no": psn_no,
                "trt_chk_type": "01",
                "fund_pay_type": "310100" if insutype.startswith("31") else "390100",
                "trt_enjymnt_flag": "1" if ok else "0",
                "begndate": insu["psn_insu_date"],
                "enddate": "",
                "trt_chk_rslt": "" if ok else f"参保状态[{insu['psn_insu_stas']}]，不享受待遇",
            }
        ]
    }
