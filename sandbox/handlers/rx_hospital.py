"""电子处方, the prescribing side (Dongguan CFYLJG001-009; the national 7101-7107 tables in the
snake_case of the public CFYYJG106 table, ``verified: false``).  The state machine is in
:mod:`yibao.sandbox.prescriptions`.

- 008 查询药店列表: pharmacies whose online stock (YDZF102) holds the drug;
- 009 查询处方药品信息: the drugs of the catalogue a prescription may hold;
- 001 上传预核验: the patient (``mdtrt_cert_*``, the e-voucher ``ec_token`` of that person, not
  expired), the visit (``mdtrtinfo.mdtrt_id`` of this institution and person), drugs of the
  catalogue, ``rx_drug_cnt`` = the lines, ``vali_end_time`` after ``prsc_time``, a new
  ``hosp_rxno``: answers ``hi_rxno`` + ``rx_trace_code`` (state ``prechecked``);
- 002 医保电子签名: ``sign_digest`` = SHA-256 of ``original_value``; the centre remembers it;
- 003 上传: the prechecked prescription, its trace code, visit and patient, signed by a digest
  002 issued to this institution: ``uploaded``;
- 004 撤销: not once dispensed; 005 / 006 / 007: the prescription as the centre has it.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from .. import prescriptions as rxbook
from .. import records
from ..books import node, node_rows, opt, req, visit
from ..codec import loads_stored
from ..seed import CATALOG
from . import CallContext, HandlerResult, Refusal, handler
from .identity import identify

__all__ = ["check_token_of", "rx_view"]

_DRUGS = ("101", "102", "103", "104")


def check_token_of(ctx: CallContext, token: str, field: str, psn_no: str | None = None) -> str:
    """An e-voucher token the centre issued, not expired (and of ``psn_no`` when given): its person."""
    row = ctx.store.query_one("SELECT * FROM ectokens WHERE ectoken = ?", (token,))
    if row is None:
        raise Refusal(f"{field}: 电子凭证令牌无效")
    if ctx.config.clock() > row["expires"]:
        raise Refusal(f"{field}: 电子凭证令牌已过期")
    if psn_no is not None and row["psn_no"] != psn_no:
        raise Refusal(f"{field}: 电子凭证令牌不属于该人员")
    return str(row["psn_no"])


def _ok(out: Mapping[str, Any]) -> dict[str, Any]:
    return {"msg_code": "0", "flag": "True", **out}


def rx_view(rx: Mapping[str, Any]) -> dict[str, Any]:
    """The ``data`` block 005 / 104 answer with (header of the prescription)."""
    d = rx["data"]
    code, name = rxbook.STATE_NAMES[rx["state"]]
    used = rx["state"] == "dispensed"
    return {"hi_rxno": rx["hi_rxno"], "rx_trace_code": d["rx_trace_code"], "fixmedins_code": rx["fixmedins_code"],
            "fixmedins_name": d.get("fixmedins_name", ""), "rx_stas_codg": code, "rx_stas_name": name,
            "rx_used_stas_codg": "2" if used else "1", "rx_used_stas_name": "已取药" if used else "未取药",
            "prsc_time": d.get("prsc_time", ""), "rx_drug_cnt": Decimal(len(d.get("drugs", []))),
            "vali_days": d.get("vali_days"), "vali_end_time": d.get("vali_end_time", ""),
            "rept_flag": d.get("rept_flag") or "0", "rx_type_code": d.get("rx_type_code", ""),
            "biz_type_code": d.get("biz_type_code", ""), "prsc_dept_name": d.get("prsc_dept_name", ""),
            "rx_file": d.get("rx_file", ""), "file_suffix": "pdf"}  # fmt: skip


@handler("CFYLJG008")
def pharmacies(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """CFYLJG008 查询药店列表: pharmacies with online stock (YDZF102) of the drug, paged."""
    data = node(inp, "data")
    code = opt(data, "med_list_codg")
    page, size = int(Decimal(str(data.get("page_num") or 1))), int(Decimal(str(data.get("page_size") or 10)))
    if page < 1 or not 1 <= size <= 100:
        raise Refusal("data.page_size: 分页参数无效(page_num>=1, 1<=page_size<=100)")
    # Every pharmacy's online stock (YDZF102): the one query that reads other institutions' records.
    rows = ctx.store.query(
        "SELECT * FROM records WHERE kind = 'online_stock' AND state = 'active' ORDER BY fixmedins_code")
    found = []
    for r in rows:
        line = _json(r["data"])
        if code and line.get("med_list_codg") != code:
            continue
        if opt(data, "admdvs") and not str(line.get("admdvs", "")).startswith(opt(data, "admdvs")[:4]):
            continue
        found.append({"fixmedins_code": r["fixmedins_code"], "fixmedins_name": line.get("fixmedins_name", ""),
                      "med_list_codg": line.get("med_list_codg", ""), "inv_cnt": line.get("inv_cnt")})  # fmt: skip
    return {"total": Decimal(len(found)), "list": found[(page - 1) * size : page * size]}


def _json(text: str) -> dict[str, Any]:
    value = loads_stored(text)
    return value if isinstance(value, dict) else {}


@handler("CFYLJG009")
def drugs(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """CFYLJG009 查询处方药品信息: the catalogue's drugs, by code or name, paged."""
    data = node(inp, "data")
    page, size = int(Decimal(str(data.get("page_num") or 1))), int(Decimal(str(data.get("page_size") or 10)))
    if page < 1 or not 1 <= size <= 100:
        raise Refusal("data.page_size: 分页参数无效(page_num>=1, 1<=page_size<=100)")
    code, name = opt(data, "med_list_codg"), opt(data, "drug_name")
    rows = [e for e in CATALOG.values() if e["list_type"] in _DRUGS and (not code or e["med_list_codg"] == code)
            and (not name or name in e["med_list_name"])]  # fmt: skip
    page_rows = rows[(page - 1) * size : page * size]
    return {"data": {"total": Decimal(len(rows)), "size": Decimal(len(page_rows))},
            "list": [{"med_list_codg": e["med_list_codg"], "genname": e["med_list_name"],
                      "reg_name": e["med_list_name"],
                      "spec_name": e["spec"], "prdr_name": "测试药业", "dosform_name": e["dosform_name"],
                      "list_type": e["list_type"], "chrgitm_lv": e["chrgitm_lv"], "hi_pay_std": e["pric_uplmt_amt"]}
                     for e in page_rows]}  # fmt: skip


@handler("CFYLJG001", changes_state=True)
def precheck(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """CFYLJG001 电子处方上传预核验 (7101)."""
    data, info = node(inp, "data"), node(inp, "mdtrtinfo")
    lines = node_rows(inp, "rxdrugdetail")
    if req(info, "fixmedins_code", "mdtrtinfo") != ctx.fixmedins_code:
        raise Refusal("mdtrtinfo.fixmedins_code: 与报文的定点医药机构编号不符")
    person = identify(ctx, data, consume_token=False) if opt(data, "mdtrt_cert_no") else None
    psn_no = req(info, "psn_no", "mdtrtinfo")
    if person is not None and person["psn_no"] != psn_no:
        raise Refusal("data.mdtrt_cert_no: 就诊凭证与mdtrtinfo.psn_no不是同一人")
    check_token_of(ctx, req(data, "ec_token"), "data.ec_token", psn_no)
    known = ctx.store.person(psn_no)
    if known is None or known["certno"] != req(info, "certno", "mdtrtinfo"):
        raise Refusal("mdtrtinfo.certno: 与人员编号的证件号码不符")
    v = visit(ctx.store, ctx.fixmedins_code, req(info, "mdtrt_id", "mdtrtinfo"))
    if v is None or v["psn_no"] != psn_no:
        raise Refusal("mdtrtinfo.mdtrt_id: 就诊ID不存在或不属于该人员")
    for i, line in enumerate(lines):
        entry = CATALOG.get(req(line, "med_list_codg", f"rxdrugdetail[{i}]"))
        if entry is None or entry["list_type"] not in _DRUGS:
            raise Refusal(f"rxdrugdetail[{i}].med_list_codg: 不是医保目录内的药品")
    if int(Decimal(str(data.get("rx_drug_cnt") or 0))) != len(lines):
        raise Refusal(f"data.rx_drug_cnt: 药品数量与处方明细{len(lines)}条不符")
    if req(data, "vali_end_time") <= req(data, "prsc_time"):
        raise Refusal("data.vali_end_time: 处方有效截止时间须晚于开方时间")
    hosp_rxno = req(data, "hosp_rxno")
    if ctx.store.query_one("SELECT 1 AS x FROM rx WHERE fixmedins_code = ? AND hosp_rxno = ? AND state != 'revoked'",
                           (ctx.fixmedins_code, hosp_rxno)):  # fmt: skip
        raise Refusal(f"data.hosp_rxno: 院内处方编号[{hosp_rxno}]已上传")
    keep = {**data, "fixmedins_name": info.get("fixmedins_name", ""), "mdtrt_id": v["mdtrt_id"],
            "prsc_dept_name": info.get("prsc_dept_name", ""), "drugs": lines, "diseinfo": inp.get("diseinfo") or [],
            "patn_name": info.get("patn_name", ""), "psn_cert_type": info.get("psn_cert_type", "")}  # fmt: skip
    keep.pop("ec_token", None)
    rx = rxbook.create(ctx.store, prescriber=ctx.fixmedins_code, hosp_rxno=hosp_rxno, psn_no=psn_no,
                       certno=known["certno"], now_text=ctx.now_text, data=keep)  # fmt: skip
    return _ok({"data": {"rx_trace_code": rx["data"]["rx_trace_code"], "hi_rxno": rx["hi_rxno"]}})


@handler("CFYLJG002", changes_state=True)
def sign(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """CFYLJG002 电子处方医保电子签名 (7102): the digest the upload must carry."""
    data = node(inp, "data")
    if req(data, "fixmedins_code") != ctx.fixmedins_code:
        raise Refusal("data.fixmedins_code: 与报文的定点医药机构编号不符")
    value = req(data, "original_value")
    rx_file = req(data, "original_rx_file")
    sn = rxbook.digest(value)
    if records.get(ctx, sn) is None:
        records.add(ctx, "rx_sign", {"rx_file": rx_file}, sn=sn)
    return _ok({"data": {"rx_file": rx_file, "sign_digest": sn, "sign_cert_sn": "SBCERT0001",
                         "sign_cert_dn": "CN=yibao sandbox e-prescription signer"}})  # fmt: skip


def _mine(ctx: CallContext, data: Mapping[str, Any], states: tuple[str, ...] = ()) -> dict[str, Any]:
    """A prescription of this institution named by hi_rxno, of the visit and patient the input names."""
    if req(data, "fixmedins_code") != ctx.fixmedins_code:
        raise Refusal("data.fixmedins_code: 与报文的定点医药机构编号不符")
    rx = rxbook.need(ctx.store, req(data, "hi_rxno"), "data.hi_rxno", prescriber=ctx.fixmedins_code, states=states)
    if "mdtrt_id" in data and req(data, "mdtrt_id") != rx["data"].get("mdtrt_id"):
        raise Refusal("data.mdtrt_id: 与处方的就诊ID不符")
    if "certno" in data and req(data, "certno") != rx["certno"]:
        raise Refusal("data.certno: 与处方的患者证件号码不符")
    return rx


@handler("CFYLJG003", changes_state=True)
def upload(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """CFYLJG003 电子处方上传 (7103): prechecked -> uploaded."""
    data = node(inp, "data")
    rx = _mine(ctx, data, ("prechecked",))
    if req(data, "rx_trace_code") != rx["data"]["rx_trace_code"]:
        raise Refusal("data.rx_trace_code: 处方追溯码与预核验返回的不符")
    sn = req(data, "sign_digest")
    if records.get(ctx, sn, ("rx_sign",)) is None:
        raise Refusal("data.sign_digest: 签名摘要不是本机构医保电子签名(CFYLJG002)所得")
    rxbook.put(ctx.store, rx, ctx.now_text, state="uploaded", rx_file=req(data, "rx_file"), sign_digest=sn,
               phar_name=req(data, "phar_name"), upload_time=ctx.now_text)  # fmt: skip
    return _ok({"data": {"hi_rxno": rx["hi_rxno"], "rx_stas_codg": "1", "rx_stas_name": "有效"}})


@handler("CFYLJG004", changes_state=True)
def revoke(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """CFYLJG004 电子处方撤销 (7104): any state but dispensed."""
    data = node(inp, "data")
    rx = _mine(ctx, data, ("prechecked", "uploaded", "rejected", "reviewed"))
    rxbook.put(ctx.store, rx, ctx.now_text, state="revoked", undo_rea=req(data, "undo_rea"), undo_time=ctx.now_text)
    return _ok({"data": {"hi_rxno": rx["hi_rxno"], "rx_stas_codg": "3", "rx_stas_name": "已撤销"}})


@handler("CFYLJG005")
def info(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """CFYLJG005 电子处方信息查询 (7105)."""
    rx = _mine(ctx, node(inp, "data"))
    d = rx["data"]
    return _ok({"data": rx_view(rx), "rx_detl_list": d.get("drugs", []), "rx_dise_list": d.get("diseinfo", [])})


@handler("CFYLJG006")
def review_result(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """CFYLJG006 电子处方审核结果查询 (7106): empty codes until a pharmacist reviewed it (106)."""
    rx = _mine(ctx, node(inp, "data"))
    rev = rx["data"].get("review") or {}
    code, name = rxbook.STATE_NAMES[rx["state"]]
    chk = str(rev.get("rx_chk_stas_codg", ""))
    return _ok({"data": {"hi_rxno": rx["hi_rxno"], "phar_name": rev.get("phar_name", ""),
                         "phar_code": rev.get("phar_code", ""), "rx_chk_stas_codg": chk,
                         "rx_chk_stas_name": {"1": "审核通过", "0": "审核不通过"}.get(chk, "未审核"),
                         "rx_chk_opnn": rev.get("rx_chk_opnn", ""), "rx_chk_time": str(rev.get("rx_chk_time", ""))[:10],
                         "rx_stas_codg": code, "rx_stas_name": name}})  # fmt: skip


@handler("CFYLJG007")
def dispense_result(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """CFYLJG007 电子处方取药结果查询 (7107): what the pharmacy dispensed (107)."""
    rx = _mine(ctx, node(inp, "data"))
    sale = rx["data"].get("sale") or {}
    view = rx_view(rx)
    lines = [{"med_list_codg": s.get("med_list_codg", ""), "drug_genname": s.get("drug_genname", ""),
              "drug_spec": s.get("drug_spec", ""), "cnt": s.get("drug_totlcnt"), "take_drug_flag": "1"}
             for s in sale.get("lines", [])]  # fmt: skip
    return _ok({"data": {"hi_rxno": rx["hi_rxno"], "setl_time": str(sale.get("time", ""))[:10],
                         "rx_stas_codg": view["rx_stas_codg"], "rx_stas_name": view["rx_stas_name"],
                         "rx_used_stas_codg": view["rx_used_stas_codg"],
                         "rx_used_stas_name": view["rx_used_stas_name"]},
                "seltdelts": lines})  # fmt: skip
