"""Sandbox answers for the region extra transactions (Dongguan 附件6, Yunnan 1191 / 1192) and
the national ones an acceptance run needs that no other handler module serves.

What the centre does here is deliberately small but real enough for an acceptance run:

- trace-code uploads (3501/3501A, 3502/3502A, 3505/3505A, 3506/3506A) are kept per institution,
  and 3512 / 3513 answer from what was uploaded (so "后台查验上传数据" can be shown);
- 3101 / 3102 analyse and find nothing to warn about; 3103 takes the feedback;
- 90502 / 90504 count and sum this institution's settlements of the month from the ledger;
- CFYYJG111 issues an access token, CFYYJG106 a review serial; the other e-prescription and
  city transactions accept their (generic) input and answer an empty success;
- Gansu's 2021 prescription calls: 7201 answers a token and prescription number, 7203 the
  prescription's header, 7204 a review serial; 6101, 7101, 7104, 7205 an empty success;
- Yunnan 1191 reads a seeded person's medium (01 mints a single-use e-voucher token valid
  ``ectoken_ttl`` seconds); 1192 confirms an ID-card person before 2207 / 2304.

A handler is registered only where no other module registered the infno: this module is loaded
last and must never replace the real handlers of the national transactions.  Money transactions
(settlements, 2601) never get a stand-in.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from ..codec import dumps_text, loads_stored
from . import CallContext, HandlerFunc, HandlerResult, Refusal, get_handler, handler

__all__: list[str] = []

_UPLOADS = (
    "CREATE TABLE IF NOT EXISTS extras_uploads (fixmedins_code TEXT NOT NULL, infno TEXT NOT NULL, "
    "msgid TEXT NOT NULL, up_time TEXT NOT NULL, payload TEXT NOT NULL)"
)
_TRACE_UPLOADS = ("3501", "3501A", "3502", "3502A", "3505", "3505A", "3506", "3506A")


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


def _record(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    ctx.store.execute(_UPLOADS)
    ctx.store.execute(
        "INSERT INTO extras_uploads(fixmedins_code, infno, msgid, up_time, payload) VALUES (?,?,?,?,?)",
        (ctx.fixmedins_code, ctx.infno, ctx.msgid, ctx.now_text, dumps_text(dict(inp))),
    )
    return None


for _infno in _TRACE_UPLOADS:
    _register(_infno, changes_state=True)(_record)


def _uploaded(ctx: CallContext, infnos: tuple[str, ...]) -> list[dict[str, Any]]:
    ctx.store.execute(_UPLOADS)
    marks = ",".join("?" for _ in infnos)
    found = ctx.store.query(
        f"SELECT infno, payload FROM extras_uploads WHERE fixmedins_code = ? AND infno IN ({marks}) ORDER BY rowid",
        (ctx.fixmedins_code, *infnos),
    )
    out = []
    for row in found:
        for item in _rows(loads_stored(row["payload"])):
            codes = item.get("drugtracinfo") or item.get("drug_trac_info") or []
            trace = [c.get("drug_trac_codg", "") for c in codes if isinstance(c, Mapping)]
            out.append(
                {
                    "infno": row["infno"],
                    "med_list_codg": item.get("med_list_codg", ""),
                    "fixmedins_hilist_id": item.get("fixmedins_hilist_id", ""),
                    "drug_trac_codg": trace,
                }
            )
    return out


@_register("3513", changes_state=False)
def sold_trace(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """3513 销售药品追溯信息查询: what 3505 / 3505A uploaded."""
    return {"data": _uploaded(ctx, ("3505", "3505A"))}


@_register("3512", changes_state=False)
def stocked_trace(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """3512 入库药品追溯信息查询: what 3501 / 3502 (and their A forms) uploaded."""
    return {"data": _uploaded(ctx, ("3501", "3501A", "3502", "3502A"))}


@_register("3101", changes_state=False)
def audit_before(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """3101 明细审核事前分析: no rule is violated."""
    return {"result": []}


@_register("3102", changes_state=False)
def audit_during(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """3102 明细审核事中分析: no rule is violated."""
    return {"result": []}


@_register("3103", changes_state=True)
def audit_feedback(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """3103 事前事中服务反馈: accepted."""
    return None


def _month_summary(ctx: CallContext, inp: Mapping[str, Any]) -> dict[str, Any]:
    data = next(iter(_rows(inp)), {})
    month = str(data.get("setl_ym") or data.get("trt_year", "") + str(data.get("trt_month", "")) or "")
    rows = [r for r in ctx.store.ledger(ctx.fixmedins_code) if r.get("state") == "settled"]
    if month.isdigit() and len(month) == 6:
        ym = f"{month[:4]}-{month[4:]}"
        rows = [r for r in rows if str(r.get("setl_time", "")).startswith(ym)]
    total = sum((Decimal(str(r["medfee_sumamt"])) for r in rows), Decimal("0.00"))
    fund = sum((Decimal(str(r["fund_pay_sumamt"])) for r in rows), Decimal("0.00"))
    acct = sum((Decimal(str(r["acct_pay"])) for r in rows), Decimal("0.00"))
    return {"setl_cnt": len(rows), "medfee_sumamt": total, "fund_pay_sumamt": fund, "acct_pay": acct}


@_register("90502", changes_state=False)
def month_counts(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """90502 月结对数查询 (东莞): the month's settlement count and sums from the ledger."""
    return {"data": [_month_summary(ctx, inp)]}


@_register("90504", changes_state=False)
def month_info(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """90504 月结信息查询 (东莞): the same month summary, one row per institution."""
    return {"data": [{"fixmedins_code": ctx.fixmedins_code, **_month_summary(ctx, inp)}]}


@_register("CFYYJG111", changes_state=False)
def rx_token(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """CFYYJG111 获取电子处方访问令牌."""
    return {"access_token": "RXT" + secrets.token_hex(12).upper(), "expires_in": 7200}


@_register("CFYYJG106", changes_state=True)
def rx_review(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """CFYYJG106 药师审方信息上传 (public table): msg_code 0 and a review serial."""
    return {"msg_code": "0", "flag": "True", "rx_chk_biz_sn": f"RXC{ctx.store.next_seq('rx_chk'):012d}"}


def _generic_query(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    return {"data": []}


def _generic_state(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    return {"msg_code": "0", "flag": "True"}


def _register_generic() -> None:
    """Every extra transaction of Dongguan (the sandbox's own region data) gets at least an
    empty success; the national ones on its lists that no module serves too, never money ones."""
    from ..regions import region_of

    for entry in region_of("441900").own:
        state = entry.get("kind") in ("state", "money")
        _register(str(entry["infno"]), changes_state=state)(_generic_state if state else _generic_query)
    for infno in ("1201", "1901", "2501", "2503", "2504", "2505", "2506", "3507", "4101", "4103", "4201",
                  "4401", "5202", "5301", "5302", "5303", "5304"):  # fmt: skip
        query = infno[0] in "15" or infno in ("4103",)
        _register(infno, changes_state=not query)(_generic_query if query else _generic_state)


# ---------------------------------------------------------------------------- Gansu 6101, 7101-7205 (2021 meanings)


@_register("7201", changes_state=False)
def rx_scan(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """7201 处方二维码解析 (Gansu): a prescription token and number for the scanned code."""
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
    """7204 电子处方审核 (Gansu): accepted with a review serial."""
    return {"data": {"rx_chk_biz_sn": f"RXC{ctx.store.next_seq('rx_chk'):012d}"}}


@_register("7202", changes_state=False)
def rx_query(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """7202 电子处方查询 (Gansu): no pending prescription for this person."""
    return {"data": []}


for _infno in ("6101", "7101", "7104", "7205"):
    _register(_infno, changes_state=True)(_generic_state)


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
        for key in ("businesstype", "operatorid", "operatorname"):
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


_register_generic()
