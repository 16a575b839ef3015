"""The centre's inventory of drug trace codes (药品追溯码) per institution.

Every code an institution reports lives in ``trace_codes`` with one state:

- ``in_stock``: reported by a stocktake (3501), a stock change into the store (3502A 101/103/
  106/108/110), or given back by a return (3506), a cancelled or reversed sale (2103, 2601);
- ``out``: left the store other than by a sale (3502A 102/104/105/107/109/111);
- ``sold``: sold by 2102 (its ``durg_trac_info``) or 3505 / 3505A.

The rules (national baseline 3501-3513 and Dongguan 附件6 "2102 需上传追溯码"): a code is 20
digits (the 药品追溯码 printed on a package); an empty or malformed code is refused by name; a
sold code cannot be sold again (a 3505 that reports the very sale a 2102 made, same ``setl_id``,
is that sale, not a second one); a return must name a sold code of the same drug (and, when
the sale recorded one, the same ``mdtrt_sn``); a code leaving the store must be in it.  Lines
without codes (拆零 ``trdn_flag`` 1) are kept as quantities: a return cannot exceed the sale.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from .books import dec, opt
from .handlers import CallContext, Refusal, schema

__all__ = ["IN_TYPES", "OUT_TYPES", "codes_of", "count", "move_out", "put_in_stock", "release_sale", "sell",
           "sell_check", "take_back"]

schema(
    "CREATE TABLE IF NOT EXISTS trace_codes (fixmedins_code TEXT NOT NULL, code TEXT NOT NULL, "
    "med_list_codg TEXT NOT NULL, bchno TEXT, state TEXT NOT NULL, stock_time TEXT, sold_time TEXT, "
    "sale_infno TEXT, setl_id TEXT, mdtrt_sn TEXT, psn_no TEXT, hilist_id TEXT, updated TEXT NOT NULL, "
    "PRIMARY KEY (fixmedins_code, code));"
    "CREATE TABLE IF NOT EXISTS trace_qty (fixmedins_code TEXT NOT NULL, mdtrt_sn TEXT NOT NULL, "
    "med_list_codg TEXT NOT NULL, sold TEXT NOT NULL, returned TEXT NOT NULL, "
    "PRIMARY KEY (fixmedins_code, mdtrt_sn, med_list_codg));"
)

_CODE = re.compile(r"\d{20}\Z", re.ASCII)
#: 3502 inv_chg_type: into the store / out of it.
IN_TYPES = frozenset({"101", "103", "106", "108", "110"})
OUT_TYPES = frozenset({"102", "104", "105", "107", "109", "111"})


def codes_of(row: Mapping[str, Any], where: str, child: str = "drugtracinfo") -> list[str]:
    """The trace codes of one line (its ``child`` rows and a ``drug_trac_codg`` field), checked."""
    found: list[str] = []
    rows = row.get(child)
    if isinstance(rows, dict):
        rows = [rows]
    for i, r in enumerate(rows if isinstance(rows, list) else []):
        code = r.get("drug_trac_codg") if isinstance(r, Mapping) else None
        found.append(_checked(code, f"{where}.{child}[{i}].drug_trac_codg"))
    single = row.get("drug_trac_codg")
    if single not in (None, ""):
        code = _checked(single, f"{where}.drug_trac_codg")
        if code not in found:
            found.append(code)
    if len(set(found)) != len(found):
        raise Refusal(f"{where}.{child}: 同一追溯码在一条明细中重复")
    return found


def _checked(code: Any, field: str) -> str:
    if code is None or (isinstance(code, str) and not code.strip()):
        raise Refusal(f"{field}: 追溯码为空")
    if not isinstance(code, str) or _CODE.match(code) is None:
        raise Refusal(f"{field}: 追溯码格式错误(应为20位数字)")
    return code


def _row(ctx: CallContext, code: str) -> dict[str, Any] | None:
    return ctx.store.query_one("SELECT * FROM trace_codes WHERE fixmedins_code = ? AND code = ?",
                               (ctx.fixmedins_code, code))  # fmt: skip


def put_in_stock(ctx: CallContext, codes: Iterable[str], med_list_codg: str, bchno: str, field: str,
                 hilist_id: str = "") -> None:  # fmt: skip
    """Stocktake / stock in: the codes are in the store now (a sold code cannot come back this way)."""
    for code in codes:
        old = _row(ctx, code)
        if old is not None and old["state"] == "sold":
            raise Refusal(f"{field}: 追溯码[{code}]已销售，不能入库")
        ctx.store.execute(
            "INSERT INTO trace_codes(fixmedins_code, code, med_list_codg, bchno, state, stock_time, hilist_id, "
            "updated) "
            "VALUES (?,?,?,?,'in_stock',?,?,?) ON CONFLICT(fixmedins_code, code) DO UPDATE SET state='in_stock', "
            "med_list_codg=excluded.med_list_codg, bchno=excluded.bchno, stock_time=excluded.stock_time, "
            "hilist_id=excluded.hilist_id, updated=excluded.updated",
            (ctx.fixmedins_code, code, med_list_codg, bchno, ctx.now_text, hilist_id, ctx.now_text),
        )


def move_out(ctx: CallContext, codes: Iterable[str], field: str) -> None:
    """A stock change out of the store: every code must be in it."""
    for code in codes:
        old = _row(ctx, code)
        if old is None or old["state"] != "in_stock":
            raise Refusal(f"{field}: 追溯码[{code}]不在库存中，不能出库")
        ctx.store.execute("UPDATE trace_codes SET state='out', updated=? WHERE fixmedins_code=? AND code=?",
                          (ctx.now_text, ctx.fixmedins_code, code))  # fmt: skip


def sell(ctx: CallContext, codes: Iterable[str], med_list_codg: str, field: str, *, infno: str,
         setl_id: str = "", mdtrt_sn: str = "", psn_no: str = "") -> None:  # fmt: skip
    """A sale: a code sold once cannot be sold again (the 3505 of a 2102's own sale excepted)."""
    for code in codes:
        old = _row(ctx, code)
        if old is not None and old["state"] == "sold":
            same_sale = bool(setl_id) and old["setl_id"] == setl_id and old["med_list_codg"] == med_list_codg
            if not same_sale:
                raise Refusal(f"{field}: 追溯码[{code}]已销售，不能重复销售")
            continue
        ctx.store.execute(
            "INSERT INTO trace_codes(fixmedins_code, code, med_list_codg, state, sold_time, sale_infno, setl_id, "
            "mdtrt_sn, psn_no, updated) VALUES (?,?,?,'sold',?,?,?,?,?,?) ON CONFLICT(fixmedins_code, code) DO "
            "UPDATE SET state='sold', sold_time=excluded.sold_time, sale_infno=excluded.sale_infno, "
            "setl_id=excluded.setl_id, mdtrt_sn=excluded.mdtrt_sn, psn_no=excluded.psn_no, updated=excluded.updated",
            (ctx.fixmedins_code, code, med_list_codg, ctx.now_text, infno, setl_id, mdtrt_sn, psn_no, ctx.now_text),
        )


def sell_check(ctx: CallContext, code: str, field: str) -> None:
    """Refuse a code that was sold already (a pre-settlement checks before anything is kept)."""
    old = _row(ctx, code)
    if old is not None and old["state"] == "sold":
        raise Refusal(f"{field}: 追溯码[{code}]已销售，不能重复销售")


def take_back(ctx: CallContext, codes: Iterable[str], med_list_codg: str, mdtrt_sn: str, field: str) -> None:
    """A return (3506): each code must be a sale of this drug (and of this mdtrt_sn when the sale had one)."""
    for code in codes:
        old = _row(ctx, code)
        if old is None or old["state"] != "sold":
            raise Refusal(f"{field}: 追溯码[{code}]无销售记录，退货须与销售记录一致")
        if old["med_list_codg"] != med_list_codg:
            raise Refusal(f"{field}: 追溯码[{code}]销售的是[{old['med_list_codg']}]，与退货药品不符")
        if old["mdtrt_sn"] and mdtrt_sn and old["mdtrt_sn"] != mdtrt_sn:
            raise Refusal(f"{field}: 追溯码[{code}]的销售就医流水号与退货mdtrt_sn不符")
        ctx.store.execute("UPDATE trace_codes SET state='in_stock', updated=? WHERE fixmedins_code=? AND code=?",
                          (ctx.now_text, ctx.fixmedins_code, code))  # fmt: skip


def count(ctx: CallContext, row: Mapping[str, Any], where: str, *, returning: bool) -> None:
    """Quantities per (mdtrt_sn, drug): a return (without codes) cannot exceed what was sold."""
    mdtrt_sn, code = opt(row, "mdtrt_sn"), opt(row, "med_list_codg")
    qty = dec(row, "sel_retn_cnt", where)
    have = ctx.store.query_one(
        "SELECT sold, returned FROM trace_qty WHERE fixmedins_code=? AND mdtrt_sn=? AND med_list_codg=?",
        (ctx.fixmedins_code, mdtrt_sn, code),
    )
    sold = Decimal(have["sold"]) if have else Decimal(0)
    returned = Decimal(have["returned"]) if have else Decimal(0)
    if returning:
        if returned + qty > sold:
            raise Refusal(f"{where}.sel_retn_cnt: 退货数量{format(returned + qty, 'f')}超过销售数量{format(sold, 'f')}")
        returned += qty
    else:
        sold += qty
    ctx.store.execute(
        "INSERT INTO trace_qty(fixmedins_code, mdtrt_sn, med_list_codg, sold, returned) VALUES (?,?,?,?,?) "
        "ON CONFLICT(fixmedins_code, mdtrt_sn, med_list_codg) DO UPDATE SET sold=excluded.sold, "
        "returned=excluded.returned",
        (ctx.fixmedins_code, mdtrt_sn, code, format(sold, "f"), format(returned, "f")),
    )


def release_sale(ctx: CallContext, setl_id: str) -> int:
    """2103 / 2601 of a 2102: the settlement's codes are back in the store; returns how many."""
    return ctx.store.execute(
        "UPDATE trace_codes SET state='in_stock', updated=? WHERE fixmedins_code=? AND setl_id=? AND state='sold'",
        (ctx.now_text, ctx.fixmedins_code, setl_id),
    ).rowcount
