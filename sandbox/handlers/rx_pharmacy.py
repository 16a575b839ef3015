"""电子处方, the dispensing side (Dongguan CFYYJG101-111 and YDZF102; the national 7201-7210 tables in
snake_case, CFYYJG106 with its public table).  The state machine is in
:mod:`yibao.sandbox.prescriptions`.

- 111 获取电子处方访问令牌: an ``access_token`` valid 2 hours; every other CFYYJG call but 106 (whose
  public table has no such field) must carry a current one of the same institution;
- 101 线下流转授权: the patient's e-voucher token (``ec_token``) and ID: the oldest uploaded,
  valid, not yet authorised prescription of that person is authorised to this pharmacy
  (``auth_rxno`` + ``epc_token``);
- 104 下载: the authorisation's ``epc_token`` + ``auth_rxno``; 105 核验: the trace code and file
  of the downloaded prescription (``rx_sign_verify_sn``); 106 审方: with that serial and a valid
  e-voucher token of the pharmacist, ``rx_chk_stas_codg`` 1 -> ``reviewed``, 0 -> ``rejected``;
- 107 出库: a reviewed prescription, its ``rx_chk_biz_sn``, drugs of the prescription only ->
  ``dispensed`` (``sel_stoout_sn``); 108 撤销: back to ``reviewed``;
- 109 配送同步 / 110 签收: deliveries of a dispensed prescription (``delv_no``);
- YDZF102 在线库存: the pharmacy's online stock, which CFYLJG008 searches.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from .. import prescriptions as rxbook
from .. import records
from ..books import node, node_rows, opt, req
from . import CallContext, HandlerResult, Refusal, handler
from .rx_hospital import check_token_of, rx_view

__all__: list[str] = []

_TOKEN_TTL = 7200


def _ok(out: Mapping[str, Any]) -> dict[str, Any]:
    return {"msg_code": "0", "flag": "True", **out}


def _access(ctx: CallContext, data: Mapping[str, Any]) -> None:
    token = req(data, "access_token")
    rec = records.get(ctx, token, ("rx_access",))
    if rec is None or float(rec["data"]["expires"]) < ctx.config.clock():
        raise Refusal("data.access_token: 电子处方访问令牌无效或已过期，请重新获取(CFYYJG111)")
    if "fixmedins_code" in data and req(data, "fixmedins_code") != ctx.fixmedins_code:
        raise Refusal("data.fixmedins_code: 与报文的定点医药机构编号不符")


def _authorised(ctx: CallContext, hi_rxno: str, field: str, *states: str) -> dict[str, Any]:
    rx = rxbook.need(ctx.store, hi_rxno, field, states=states)
    auth = rx["data"].get("auth") or {}
    if auth.get("pharmacy") != ctx.fixmedins_code:
        raise Refusal(f"{field}: 处方[{hi_rxno}]未授权给本药店")
    return rx


@handler("CFYYJG111", changes_state=True)
def access_token(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """CFYYJG111 获取电子处方访问令牌."""
    data = node(inp, "data")
    if req(data, "fixmedins_code") != ctx.fixmedins_code:
        raise Refusal("data.fixmedins_code: 与报文的定点医药机构编号不符")
    req(data, "opter")
    token = "EPA" + secrets.token_hex(16).upper()
    records.add(ctx, "rx_access", {"expires": ctx.config.clock() + _TOKEN_TTL}, sn=token)
    return {"msg_code": "0", "access_token": token, "expires_in": _TOKEN_TTL}


@handler("CFYYJG101", changes_state=True)
def authorise(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """CFYYJG101 电子处方线下流转授权 (7201)."""
    data = node(inp, "data")
    _access(ctx, data)
    person = ctx.store.person_by_certno(req(data, "certno"))
    if person is None or person["psn_name"] != req(data, "psn_name"):
        raise Refusal("data.certno: 未找到该证件号码和姓名的参保人")
    check_token_of(ctx, req(data, "ec_token"), "data.ec_token", person["psn_no"])
    rx = rxbook.rx_for_person(ctx.store, person["psn_no"], ctx.now_text)
    if rx is None:
        raise Refusal("data.certno: 该人员没有待取药的有效电子处方")
    auth = {"pharmacy": ctx.fixmedins_code, "auth_rxno": f"AU{ctx.store.next_seq('rx_auth'):010d}",
            "epc_token": "EPC" + secrets.token_hex(16).upper(), "time": ctx.now_text}  # fmt: skip
    rxbook.put(ctx.store, rx, ctx.now_text, auth=auth)
    d = rx["data"]
    return _ok({"data": {"auth_rxno": auth["auth_rxno"], "epc_token": auth["epc_token"],
                         "expires_in": str(d.get("vali_end_time", ""))[:10], "fixmedins_code": rx["fixmedins_code"],
                         "fixmedins_name": d.get("fixmedins_name", ""), "prsc_time": d.get("prsc_time", ""),
                         "dept_name": d.get("prsc_dept_name", ""), "vali_end_time": d.get("vali_end_time",
                                                                                          "")}})  # fmt: skip


@handler("CFYYJG104")
def download(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """CFYYJG104 电子处方下载 (7204): the authorisation's epc_token and auth_rxno."""
    data = node(inp, "data")
    _access(ctx, data)
    token, auth_rxno = req(data, "epc_token"), req(data, "auth_rxno")
    for r in ctx.store.query("SELECT hi_rxno FROM rx WHERE state IN ('uploaded','reviewed','rejected','dispensed')"):
        rx = rxbook.get(ctx.store, r["hi_rxno"])
        auth = (rx or {}).get("data", {}).get("auth") or {}
        if rx and auth.get("epc_token") == token and auth.get("auth_rxno") == auth_rxno:
            if auth.get("pharmacy") != ctx.fixmedins_code:
                break
            rxbook.put(ctx.store, rx, ctx.now_text, downloaded=ctx.now_text)
            return _ok({"data": rx_view(rx), "rx_detl_list": rx["data"].get("drugs", []),
                        "rx_dise_list": rx["data"].get("diseinfo", [])})  # fmt: skip
    raise Refusal("data.epc_token: 电子处方令牌与授权编号不匹配或未授权给本药店")


@handler("CFYYJG105", changes_state=True)
def verify(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """CFYYJG105 电子处方信息核验 (7205): the downloaded prescription's trace code, file and token."""
    data = node(inp, "data")
    _access(ctx, data)
    rx = _authorised(ctx, req(data, "hi_rxno"), "data.hi_rxno", "uploaded", "rejected", "reviewed")
    d = rx["data"]
    if not d.get("downloaded"):
        raise Refusal("data.hi_rxno: 处方尚未下载(CFYYJG104)")
    if req(data, "rx_trace_code") != d["rx_trace_code"]:
        raise Refusal("data.rx_trace_code: 处方追溯码不符")
    if req(data, "epc_token") != d["auth"]["epc_token"]:
        raise Refusal("data.epc_token: 电子处方令牌不符")
    if req(data, "rx_file") != d.get("rx_file"):
        raise Refusal("data.rx_file: 处方文件与医保存档不一致(验签失败)")
    sn = f"VS{ctx.store.next_seq('rx_verify'):012d}"
    rxbook.put(ctx.store, rx, ctx.now_text, verify_sn=sn)
    return _ok({"data": {"flag": True, "rx_sign_verify_sn": sn, "sign_cert_sn": "SBCERT0001",
                         "sign_cert_dn": "CN=yibao sandbox e-prescription signer"}})  # fmt: skip


@handler("CFYYJG106", changes_state=True)
def review(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """CFYYJG106 电子处方药师审方信息上传 (表 53): 1 审核通过 -> reviewed, 0 -> rejected."""
    data = node(inp, "rx_chk_up_info")
    where = "rx_chk_up_info"
    if req(data, "fixmedins_code", where) != ctx.fixmedins_code:
        raise Refusal(f"{where}.fixmedins_code: 与报文的定点医药机构编号不符")
    rx = _authorised(ctx, req(data, "hi_rxno", where), f"{where}.hi_rxno", "uploaded", "rejected")
    d = rx["data"]
    if req(data, "epc_token", where) != d["auth"]["epc_token"]:
        raise Refusal(f"{where}.epc_token: 电子处方令牌不符")
    if req(data, "rx_sign_verify_sn", where) != d.get("verify_sn"):
        raise Refusal(f"{where}.rx_sign_verify_sn: 验签流水号不符，请先核验(CFYYJG105)")
    check_token_of(ctx, req(data, "ec_token", where), f"{where}.ec_token")
    result = req(data, "rx_chk_stas_codg", where)
    if result not in ("0", "1"):
        raise Refusal(f"{where}.rx_chk_stas_codg: 审核状态应为1(通过)或0(不通过)")
    sn = f"RXC{ctx.store.next_seq('rx_chk'):012d}"
    review = {k: data.get(k) for k in ("phar_name", "phar_code", "rx_chk_opnn", "rx_chk_time", "rx_chk_stas_codg")}
    rxbook.put(ctx.store, rx, ctx.now_text, state="reviewed" if result == "1" else "rejected", review=review,
               rx_chk_biz_sn=sn)  # fmt: skip
    return {"msg_code": "0", "flag": "True", "rx_chk_biz_sn": sn}


@handler("CFYYJG107", changes_state=True)
def dispense(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """CFYYJG107 药品销售出库明细上传 (7207): reviewed -> dispensed."""
    data = node(inp, "data")
    _access(ctx, data)
    lines = node_rows(inp, "rx_sale_drug_detl")
    rx = _authorised(ctx, req(data, "hi_rxno"), "data.hi_rxno", "reviewed")
    if req(data, "rx_chk_biz_sn") != rx["data"].get("rx_chk_biz_sn"):
        raise Refusal("data.rx_chk_biz_sn: 处方审核业务流水号不符")
    allowed = {str(x.get("med_list_codg")) for x in rx["data"].get("drugs", [])}
    for i, line in enumerate(lines):
        if req(line, "med_list_codg", f"rx_sale_drug_detl[{i}]") not in allowed:
            raise Refusal(f"rx_sale_drug_detl[{i}].med_list_codg: 不是处方中的药品")
    sn = f"SO{ctx.store.next_seq('rx_sale'):012d}"
    rxbook.put(ctx.store, rx, ctx.now_text, state="dispensed",
               sale={"sel_stoout_sn": sn, "time": ctx.now_text, "lines": lines})  # fmt: skip
    return _ok({"data": {"flag": True, "sel_stoout_sn": sn}})


@handler("CFYYJG108", changes_state=True)
def undispense(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """CFYYJG108 药品销售出库明细撤销 (7208): dispensed -> reviewed (no delivery under way)."""
    data = node(inp, "data")
    _access(ctx, data)
    rx = _authorised(ctx, req(data, "hi_rxno"), "data.hi_rxno", "dispensed")
    sale = rx["data"].get("sale") or {}
    if opt(data, "sel_stoout_sn") and opt(data, "sel_stoout_sn") != sale.get("sel_stoout_sn"):
        raise Refusal("data.sel_stoout_sn: 出库流水号不符")
    if rx["data"].get("delivery"):
        raise Refusal("data.hi_rxno: 处方药品已配送，不能撤销出库")
    rxbook.put(ctx.store, rx, ctx.now_text, state="reviewed", sale=None, undone_sale=sale)
    return _ok({"data": {"flag": True}})


@handler("CFYYJG109", changes_state=True)
def deliver(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """CFYYJG109 药品配送信息同步 (7209): a delivery (or its new status) of a dispensed prescription."""
    data = node(inp, "data")
    _access(ctx, data)
    rx = _authorised(ctx, req(data, "hi_rxno"), "data.hi_rxno", "dispensed")
    status = req(data, "delv_stas_codg")
    if status not in ("0", "1", "2", "3", "4"):
        raise Refusal("data.delv_stas_codg: 配送状态代码无效")
    delivery = {"delv_no": req(data, "delv_no"), "delv_stas_codg": status, "time": req(data, "delv_stas_time"),
                "signed": False}  # fmt: skip
    old = rx["data"].get("delivery") or {}
    if old and old.get("delv_no") != delivery["delv_no"] and old.get("delv_stas_codg") != "3":
        raise Refusal(f"data.delv_no: 处方已有配送单[{old.get('delv_no')}]")
    rxbook.put(ctx.store, rx, ctx.now_text, delivery=delivery)
    return _ok({"data": {"flag": True}})


@handler("CFYYJG110", changes_state=True)
def receive(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """CFYYJG110 药品配送签收确认 (7210): the delivery of 109, not cancelled, signed once."""
    data = node(inp, "data")
    _access(ctx, data)
    rx = _authorised(ctx, req(data, "hi_rxno"), "data.hi_rxno", "dispensed")
    delivery = rx["data"].get("delivery") or {}
    if not delivery or (opt(data, "delv_no") and opt(data, "delv_no") != delivery.get("delv_no")):
        raise Refusal("data.delv_no: 配送单不存在(请先CFYYJG109)")
    if delivery.get("delv_stas_codg") == "3" or delivery.get("signed"):
        raise Refusal("data.delv_no: 配送单已取消或已签收")
    req(data, "delver_certno")
    rxbook.put(ctx.store, rx, ctx.now_text, delivery={**delivery, "signed": True, "delv_stas_codg": "2",
                                                      "signed_time": ctx.now_text})  # fmt: skip
    return _ok({"data": {"flag": True}})


@handler("YDZF102", changes_state=True)
def online_stock(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """YDZF102 在线库存上传: the pharmacy's stock per drug (a new upload replaces a drug's line)."""
    data = node(inp, "data")
    if req(data, "fixmedins_code") != ctx.fixmedins_code:
        raise Refusal("data.fixmedins_code: 与报文的定点医药机构编号不符")
    lines = node_rows(inp, "invinfo")
    for i, line in enumerate(lines):
        code = req(line, "med_list_codg", f"invinfo[{i}]")
        qty = Decimal(str(line.get("inv_cnt") or 0))
        if qty < 0:
            raise Refusal(f"invinfo[{i}].inv_cnt: 库存数量不能为负")
        for old in records.find(ctx, ("online_stock",), ref=code, states=("active",)):
            records.update(ctx, old["sn"], state="replaced")
        records.add(ctx, "online_stock", {**line, "fixmedins_name": data.get("fixmedins_name", ""),
                                          "admdvs": ctx.region}, ref=code, prefix="KC")  # fmt: skip
    return {"msg_code": "0", "upld_cnt": Decimal(len(lines))}
