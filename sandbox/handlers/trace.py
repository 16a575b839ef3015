"""追溯码 and 进销存: 3501/3501A 盘存, 3502/3502A 库存变更, 3505/3505A 销售, 3506/3506A 退货,
3512 / 3513 查询 (national baseline 【3501】-【3513】; Dongguan 附件6 追溯码上传相关接口).

The inventory rules are in :mod:`yibao.sandbox.trace_book`.  Lines are also kept as records
(kind ``stock`` / ``stock_chg``), so the back office can be shown what was uploaded.  A sale
line of a drug that is not split (``trdn_flag`` 0) must carry its codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import records, trace_book
from ..books import node, node_rows, opt, req
from ..trace_book import IN_TYPES, OUT_TYPES, codes_of
from . import CallContext, HandlerResult, Refusal, handler

__all__: list[str] = []


def _f(where: str) -> str:
    """The field a code's refusal names."""
    return f"{where}.drugtracinfo.drug_trac_codg"


def _lines(inp: Mapping[str, Any], name: str, many: bool) -> list[tuple[str, Mapping[str, Any]]]:
    if many:
        return [(f"{name}[{i}]", r) for i, r in enumerate(node_rows(inp, name))]
    return [(name, node(inp, name))]


def _stocktake(ctx: CallContext, inp: Mapping[str, Any], name: str, many: bool) -> HandlerResult:
    for where, row in _lines(inp, name, many):
        code = req(row, "med_list_codg", where)
        trace_book.put_in_stock(ctx, codes_of(row, where), code, req(row, "fixmedins_bchno", where), _f(where),
                                opt(row, "fixmedins_hilist_id"))  # fmt: skip
        records.add(ctx, "stock", dict(row), ref=code, prefix="K")
    return None


@handler("3501", changes_state=True)
def stocktake(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """3501 商品盘存上传: one drug's stock; its trace codes are in the store."""
    return _stocktake(ctx, inp, "invinfo", False)


@handler("3501A", changes_state=True)
def stocktake_a(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """3501A 商品盘存上传A: many lines."""
    return _stocktake(ctx, inp, "invinfoDetail", True)


def _change(ctx: CallContext, inp: Mapping[str, Any], name: str, many: bool) -> HandlerResult:
    for where, row in _lines(inp, name, many):
        kind = req(row, "inv_chg_type", where)
        code = req(row, "med_list_codg", where)
        codes = codes_of(row, where)
        if kind in IN_TYPES:
            trace_book.put_in_stock(ctx, codes, code, req(row, "fixmedins_bchno", where), _f(where))
        elif kind in OUT_TYPES:
            trace_book.move_out(ctx, codes, _f(where))
        else:
            raise Refusal(f"{where}.inv_chg_type: 库存变更类型[{kind}]无效")
        records.add(ctx, "stock_chg", dict(row), ref=code, prefix="K")
    return None


@handler("3502", changes_state=True)
def stock_change(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """3502 商品库存变更: a change of one drug's stock (no codes in this table)."""
    return _change(ctx, inp, "invinfo", False)


@handler("3502A", changes_state=True)
def stock_change_a(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """3502A 商品库存变更A: many lines with their codes (in: 101/103/106/108/110, out: the rest)."""
    return _change(ctx, inp, "invinfoDetail", True)


def _sale(ctx: CallContext, inp: Mapping[str, Any], name: str, many: bool, *, returning: bool) -> HandlerResult:
    for where, row in _lines(inp, name, many):
        code = req(row, "med_list_codg", where)
        mdtrt_sn = req(row, "mdtrt_sn", where)
        codes = codes_of(row, where)
        if not codes and opt(row, "trdn_flag") != "1":
            raise Refusal(f"{where}.drugtracinfo: 非拆零药品须上传追溯码(drug_trac_codg)")
        if returning:
            trace_book.take_back(ctx, codes, code, mdtrt_sn, _f(where))
        else:
            trace_book.sell(ctx, codes, code, _f(where), infno=ctx.infno, setl_id=opt(row, "setl_id"),
                            mdtrt_sn=mdtrt_sn, psn_no=opt(row, "psn_no"))  # fmt: skip
        if not codes:
            trace_book.count(ctx, row, where, returning=returning)
        records.add(ctx, "return" if returning else "sale", dict(row), psn_no=opt(row, "psn_no"), ref=mdtrt_sn,
                    prefix="K")  # fmt: skip
    return None


@handler("3505", changes_state=True)
def sale(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """3505 商品销售: the codes become sold (a sold code cannot be sold again)."""
    return _sale(ctx, inp, "selinfo", False, returning=False)


@handler("3505A", changes_state=True)
def sale_a(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """3505A 商品销售A: many lines."""
    return _sale(ctx, inp, "selinfoDetail", True, returning=False)


@handler("3506", changes_state=True)
def sale_return(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """3506 商品销售退货: each code must be a sale of the same drug; it is back in the store."""
    return _sale(ctx, inp, "selinfo", False, returning=True)


@handler("3506A", changes_state=True)
def sale_return_a(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """3506A 商品销售退货A: many lines."""
    return _sale(ctx, inp, "selinfoDetail", True, returning=True)


def _query(ctx: CallContext, inp: Mapping[str, Any], states: tuple[str, ...], time_col: str) -> list[dict[str, Any]]:
    data = node(inp, "data")
    if req(data, "fixmedins_code") != ctx.fixmedins_code:
        raise Refusal("data.fixmedins_code: 与报文的定点医药机构编号不符")
    sql = (f"SELECT * FROM trace_codes WHERE fixmedins_code = ? AND state IN ({','.join('?' for _ in states)})")
    params: list[Any] = [ctx.fixmedins_code, *states]
    for field, column in (("med_list_codg", "med_list_codg"), ("drug_trac_codg", "code"),
                          ("fixmedins_bchno", "bchno"), ("psn_no", "psn_no"), ("mdtrt_id", "mdtrt_sn")):  # fmt: skip
        if opt(data, field):
            sql += f" AND {column} = ?"
            params.append(opt(data, field))
    begin, end = opt(data, "begndate"), opt(data, "enddate")
    rows = ctx.store.query(sql + " ORDER BY code", params)
    return [r for r in rows if (not begin or (r[time_col] or "")[:10] >= begin)
            and (not end or (r[time_col] or "")[:10] <= end)]  # fmt: skip


@handler("3512")
def stocked_codes(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """3512 入库商品追溯信息查询: the codes in the store, from the stocktakes and stock changes."""
    req(node(inp, "data"), "begndate")
    req(node(inp, "data"), "enddate")
    rows = _query(ctx, inp, ("in_stock",), "stock_time")
    return {"output": [{"fixmedinsCode": r["fixmedins_code"], "medListCodg": r["med_list_codg"],
                        "medinsListCodg": r["hilist_id"] or "", "fixmedinsBchno": r["bchno"] or "",
                        "drugTracCodg": r["code"], "valiFlag": "1"} for r in rows]}  # fmt: skip


@handler("3513")
def sold_codes(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """3513 商品销售追溯信息查询: the codes sold (2102 ``durg_trac_info``, 3505 / 3505A)."""
    rows = _query(ctx, inp, ("sold",), "sold_time")
    return {"output": [{"fixmedinsCode": r["fixmedins_code"], "medListCodg": r["med_list_codg"],
                        "mdtrtId": r["mdtrt_sn"] or "", "drugTracCodg": r["code"], "psnNo": r["psn_no"] or "",
                        "bkkpSn": r["setl_id"] or "", "memo": r["sale_infno"] or "", "optTime": r["sold_time"]}
                       for r in rows]}  # fmt: skip
