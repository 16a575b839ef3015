"""自费病人就医信息 (self-pay patients): 4201 / 4201A 费用明细, 4202 住院就诊和诊断, 4203 上传完成,
4204 住院明细删除, 4205 门诊就医信息, 4206 门诊删除, 4207-4209 查询 (national 【4201】; Dongguan 附件6
自费结算数据上传接口; 4201A-4209 have no public table: ``verified: false`` in ``regions.json``).

A self-pay visit is a record (kind ``selfpay``, ``ref`` = ``mdtrt_sn``, the HIS's 就医流水号)
opened by 4202 (住院) or 4205 (门诊), or by a 4201 line of an outpatient visit not uploaded yet.
Its fee lines (kind ``selfpay_fee``) have a ``feedetl_sn`` unique in the visit and
``det_item_fee_sumamt`` = cnt x pric (within 0.01).  4203 closes the visit when the count and
total it states are the centre's; nothing changes after that (uploads, deletes refused).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from .. import records
from ..books import dec, node, node_rows, opt, req
from ..idcard import valid_resident_id
from . import CallContext, HandlerResult, Refusal, handler

__all__: list[str] = []

_OPEN = ("open",)


def _visit(ctx: CallContext, mdtrt_sn: str, field: str, *, kinds: tuple[str, ...] = ("ipt", "otp"),
           states: tuple[str, ...] = _OPEN) -> dict[str, Any]:  # fmt: skip
    found = [r for r in records.find(ctx, ("selfpay",), ref=mdtrt_sn) if r["state"] != "deleted"]
    if not found:
        raise Refusal(f"{field}: 就医流水号[{mdtrt_sn}]的自费就诊信息不存在")
    v = found[-1]
    if v["data"].get("visit_kind") not in kinds:
        raise Refusal(f"{field}: 就医流水号[{mdtrt_sn}]不是{'住院' if kinds == ('ipt',) else '门诊'}就诊")
    if v["state"] not in states:
        raise Refusal(f"{field}: 就医流水号[{mdtrt_sn}]已上传完成，不能再修改")
    return v


def _fees(ctx: CallContext, mdtrt_sn: str) -> list[dict[str, Any]]:
    return records.find(ctx, ("selfpay_fee",), ref=mdtrt_sn, states=("active",))


def _person_fields(row: Mapping[str, Any], where: str) -> None:
    certno = req(row, "certno", where)
    if req(row, "psn_cert_type", where) == "01" and not valid_resident_id(certno):
        raise Refusal(f"{where}.certno: 居民身份证号码无效(GB 11643)")


def _visit_upload(ctx: CallContext, inp: Mapping[str, Any], kind: str) -> HandlerResult:
    info = node(inp, "mdtrtinfo")
    mdtrt_sn = req(info, "mdtrt_sn", "mdtrtinfo")
    _person_fields(info, "mdtrtinfo")
    diags = node_rows(inp, "diseinfo")
    if sum(1 for d in diags if opt(d, "maindiag_flag") == "1") != 1:
        raise Refusal("diseinfo.maindiag_flag: 须有且仅有一条主诊断")
    existing = [r for r in records.find(ctx, ("selfpay",), ref=mdtrt_sn) if r["state"] != "deleted"]
    data = {**info, "visit_kind": kind, "diseinfo": diags}
    if existing:
        v = existing[-1]
        if v["state"] != "open":
            raise Refusal(f"mdtrtinfo.mdtrt_sn: 就医流水号[{mdtrt_sn}]已上传完成，不能再修改")
        if v["data"].get("visit_kind") != kind:
            raise Refusal(f"mdtrtinfo.mdtrt_sn: 就医流水号[{mdtrt_sn}]已作为另一类就诊上传")
        records.update(ctx, v["sn"], **data)
    else:
        records.add(ctx, "selfpay", data, ref=mdtrt_sn, state="open", prefix="ZF")
    return None


def _fee_upload(ctx: CallContext, rows: list[tuple[str, Mapping[str, Any]]], *, inpatient: bool) -> HandlerResult:
    for where, row in rows:
        mdtrt_sn = req(row, "mdtrt_sn", where)
        _person_fields(row, where)
        found = [r for r in records.find(ctx, ("selfpay",), ref=mdtrt_sn) if r["state"] != "deleted"]
        if not found and not inpatient:  # 4201: an outpatient visit may start with its fees
            records.add(ctx, "selfpay", {**row, "visit_kind": "otp", "diseinfo": []}, ref=mdtrt_sn, state="open",
                        prefix="ZF")  # fmt: skip
        _visit(ctx, mdtrt_sn, f"{where}.mdtrt_sn", kinds=("ipt",) if inpatient else ("ipt", "otp"))
        sn = req(row, "feedetl_sn", where)
        if any(f["data"].get("feedetl_sn") == sn for f in _fees(ctx, mdtrt_sn)):
            raise Refusal(f"{where}.feedetl_sn: 费用明细流水号[{sn}]在本次就诊中重复")
        amount, cnt, pric = dec(row, "det_item_fee_sumamt", where), dec(row, "cnt", where), dec(row, "pric", where)
        if abs(cnt * pric - amount) > Decimal("0.01"):
            raise Refusal(f"{where}.det_item_fee_sumamt: 应等于数量×单价({format(cnt * pric, 'f')})")
        records.add(ctx, "selfpay_fee", dict(row), ref=mdtrt_sn, prefix="ZM")
    return None


@handler("4201", changes_state=True)
def fees(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """4201 自费病人费用明细信息上传."""
    return _fee_upload(ctx, [(f"feedetail[{i}]", r) for i, r in enumerate(node_rows(inp, "feedetail"))],
                       inpatient=False)  # fmt: skip


@handler("4201A", changes_state=True)
def ipt_fees(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """4201A 自费病人住院费用明细信息上传: the stay must be uploaded first (4202)."""
    return _fee_upload(ctx, [(f"feedetail[{i}]", r) for i, r in enumerate(node_rows(inp, "feedetail"))],
                       inpatient=True)  # fmt: skip


@handler("4202", changes_state=True)
def ipt_visit(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """4202 自费病人住院就诊和诊断信息上传."""
    return _visit_upload(ctx, inp, "ipt")


@handler("4205", changes_state=True)
def otp_visit(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """4205 自费病人门诊就医信息上传."""
    return _visit_upload(ctx, inp, "otp")


@handler("4203", changes_state=True)
def complete(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """4203 自费病人就诊以及费用明细上传完成: the stated count and total must be the centre's."""
    data = node(inp, "data")
    v = _visit(ctx, req(data, "mdtrt_sn"), "data.mdtrt_sn")
    lines = _fees(ctx, v["ref"])
    total = sum((Decimal(str(f["data"]["det_item_fee_sumamt"])) for f in lines), Decimal("0"))
    if int(dec(data, "fee_cnt")) != len(lines):
        raise Refusal(f"data.fee_cnt: 明细条数{int(dec(data, 'fee_cnt'))}与中心已收{len(lines)}条不符")
    if abs(dec(data, "medfee_sumamt") - total) > Decimal("0.01"):
        raise Refusal(f"data.medfee_sumamt: 与中心明细合计{format(total, 'f')}不符")
    if not lines:
        raise Refusal("data.mdtrt_sn: 没有费用明细，不能上传完成")
    records.update(ctx, v["sn"], state="complete", completed_time=ctx.now_text)
    return None


@handler("4204", changes_state=True)
def ipt_fee_delete(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """4204 自费病人住院费用明细删除 (one ``feedetl_sn``, or all when empty)."""
    data = node(inp, "data")
    v = _visit(ctx, req(data, "mdtrt_sn"), "data.mdtrt_sn", kinds=("ipt",))
    sn = opt(data, "feedetl_sn")
    hit = [f for f in _fees(ctx, v["ref"]) if not sn or f["data"].get("feedetl_sn") == sn]
    if not hit:
        raise Refusal(f"data.feedetl_sn: 费用明细[{sn or '全部'}]不存在")
    for f in hit:
        records.update(ctx, f["sn"], state="deleted")
    return None


@handler("4206", changes_state=True)
def otp_delete(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """4206 自费病人门诊就医信息删除 (the visit and its lines)."""
    data = node(inp, "data")
    v = _visit(ctx, req(data, "mdtrt_sn"), "data.mdtrt_sn", kinds=("otp",))
    for f in _fees(ctx, v["ref"]):
        records.update(ctx, f["sn"], state="deleted")
    records.update(ctx, v["sn"], state="deleted", memo=opt(data, "memo"))
    return None


def _any_visit(ctx: CallContext, inp: Mapping[str, Any]) -> dict[str, Any]:
    return _visit(ctx, req(node(inp, "data"), "mdtrt_sn"), "data.mdtrt_sn", states=("open", "complete"))


@handler("4207")
def fee_query(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """4207 自费病人就医费用明细查询."""
    v = _any_visit(ctx, inp)
    return {"feedetail": [f["data"] for f in _fees(ctx, v["ref"])]}


@handler("4208")
def visit_query(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """4208 自费病人就医就诊信息查询 (``upld_stas`` 1 once 4203 closed it)."""
    v = _any_visit(ctx, inp)
    info = {k: val for k, val in v["data"].items() if k not in ("diseinfo", "visit_kind")}
    return {"mdtrtinfo": {**info, "upld_stas": "1" if v["state"] == "complete" else "0"}}


@handler("4209")
def diag_query(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """4209 自费病人就医诊断信息查询."""
    return {"diseinfo": list(_any_visit(ctx, inp)["data"].get("diseinfo", []))}
