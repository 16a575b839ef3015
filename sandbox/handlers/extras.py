"""Sandbox answers for Yunnan's 1191 / 1192 and Gansu's 2021 prescription calls 7201-7204.

- Yunnan 1191 reads a seeded person's medium (01 mints a single-use e-voucher token valid
  ``ectoken_ttl`` seconds; ``officeid`` / ``officename`` required with ``businesstype``,
  ``operatorid``, ``operatorname``, §1.6); 1192 confirms an ID-card person before 2207 / 2304;
- Gansu's 2021 prescription calls (no public Gansu table): 7201 answers a token and prescription
  number, 7203 the prescription's header, 7204 a review serial, 7202 an empty list.

Every other transaction of a built-in region's lists has a module of its own (trace codes,
audit, filings, the city's services, uploads, self-pay, prescriptions, 6101, 目录对照);
this module is loaded last and never replaces them.  Nothing here answers success to input
it does not check.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from typing import Any

from . import CallContext, HandlerFunc, HandlerResult, Refusal, get_handler, handler

__all__: list[str] = []


def _register(infno: str, *, changes_state: bool) -> Callable[[HandlerFunc], HandlerFunc]:
    """``@handler`` unless another module already serves ``infno``."""

    def deco(func: HandlerFunc) -> HandlerFunc:
        if get_handler(infno) is None:
            handler(infno, changes_state=changes_state)(func)
        return func

    return deco


def _rows(inp: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    out: list[Mapping[str, Any]] = []
    for value in inp.values():
        if isinstance(value, Mapping):
            out.append(value)
        elif isinstance(value, list):
            out.extend(v for v in value if isinstance(v, Mapping))
    return out


# ---------------------------------------------------------------------------- Gansu 6101, 7101-7205 (2021 meanings)


@_register("7201", changes_state=False)
def rx_scan(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """7201 处方二维码解析 (Gansu): a prescription token and number for the scanned code."""
    data = next(iter(_rows(inp)), {})
    if not data.get("epc_qrcd"):
        raise Refusal("data.epc_qrcd: 处方二维码内容不能为空")
    n = ctx.store.next_seq("rx")
    return {"data": {"epc_token": "EPC" + secrets.token_hex(12).upper(), "hi_rxno": f"RX{ctx.region}{n:012d}"}}


@_register("7203", changes_state=False)
def rx_download(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """7203 电子处方下载 (Gansu): the prescription's header; the drugs are the caller's to match."""
    data = next(iter(_rows(inp)), {})
    if not data.get("hi_rxno") and not data.get("epc_token") and not data.get("auth_rxno"):
        raise Refusal("epc_token/auth_rxno: 下载电子处方需传入令牌或授权处方编号")
    return {"data": {"hi_rxno": data.get("hi_rxno", ""), "rx_stas_codg": "1", "rxdrugdetail": []}}


@_register("7204", changes_state=True)
def rx_pharmacist_review(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """7204 电子处方审核 (Gansu): the reviewed prescription and its result, answered with a review serial."""
    data = next(iter(_rows(inp)), {})
    for key in ("hi_rxno", "rx_chk_stas_codg"):
        if not data.get(key):
            raise Refusal(f"data.{key}: 必填字段为空")
    return {"data": {"rx_chk_biz_sn": f"RXC{ctx.store.next_seq('rx_chk'):012d}"}}


@_register("7202", changes_state=False)
def rx_query(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """7202 电子处方查询 (Gansu): no pending prescription for this person."""
    return {"data": []}


# ---------------------------------------------------------------------------- Yunnan 1191 / 1192


def _person_for(ctx: CallContext, data: Mapping[str, Any]) -> dict[str, Any]:
    certno = str(data.get("certno") or "")
    person = ctx.store.person_by_certno(certno) if certno else None
    if person is None:
        persons = ctx.store.persons()
        if not persons:
            raise Refusal("读卡失败: 读卡器中没有介质")
        person = persons[0]
    return person


@_register("1191", changes_state=False)
def read_medium(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """1191 读取就诊介质 (Yunnan §1.6), the simulated reader holding a seeded person's medium."""
    data = inp.get("data") if isinstance(inp.get("data"), Mapping) else {}
    assert isinstance(data, Mapping)
    kind = str(data.get("mdtrt_cert_type", ""))
    person = _person_for(ctx, data)
    out = {
        "mdtrt_cert_type": kind,
        "certno": person["certno"],
        "psn_name": person.get("psn_name", ""),
        "psn_cert_type": person.get("psn_cert_type", "01"),
        "insuplc_admdvs": person["insuplc_admdvs"],
    }
    if kind == "01":
        for key in ("businesstype", "operatorid", "operatorname", "officeid", "officename"):
            if not data.get(key):
                raise Refusal(f"{key}: 电子凭证读取必须传入{key}")
        token = "ECT" + secrets.token_hex(16).upper()
        ctx.store.execute(
            "INSERT INTO ectokens(ectoken, psn_no, expires, used) VALUES (?,?,?,0)",
            (token, person["psn_no"], ctx.config.clock() + ctx.config.ectoken_ttl),
        )
        out["mdtrt_cert_no"] = token
    elif kind == "02":
        out["mdtrt_cert_no"] = person["certno"]
    elif kind == "03":
        if str(data.get("cardtype", "")) not in ("0", "1"):
            raise Refusal("cardtype: 社保卡传0, 电子社保卡传1")
        out.update(mdtrt_cert_no=person.get("card_no") or "", card_sn=person.get("card_sn") or "",
                   cardtoken="CT" + secrets.token_hex(8).upper())  # fmt: skip
    else:
        raise Refusal(f"mdtrt_cert_type: 不支持的就诊凭证类型[{kind}]")
    return {"data": out}


@_register("1192", changes_state=False)
def verify_id_card(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """1192 (Yunnan §1.6): an ID-card person before 2207 / 2304."""
    data = inp.get("data") if isinstance(inp.get("data"), Mapping) else {}
    assert isinstance(data, Mapping)
    if str(data.get("infno", "")) not in ("2207", "2304"):
        raise Refusal("infno: 1192 只用于 2207 或 2304 之前")
    if ctx.store.person_by_certno(str(data.get("mdtrt_cert_no", ""))) is None:
        raise Refusal("mdtrt_cert_no: 人员不存在")
    return {"data": {"mdtrt_cert_no": str(data["mdtrt_cert_no"]), "cardtoken": ""}}

