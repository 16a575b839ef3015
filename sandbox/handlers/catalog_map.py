"""目录对照: 3301 上传, 3302 撤销, and 1317 医药机构目录匹配信息查询 from them (national baseline
【3301】【3302】【1317】; Gansu 附录1 目录验证).

A mapping links the institution's item (``fixmedins_hilist_id``) to a catalogue code
(``med_list_codg``) of a ``list_type``: the code must be in the centre's catalogue and of that
list type (a drug mapped as a service is refused); one active mapping per institution item and
list type (change one by 3302 then 3301); ``enddate`` not before ``begndate``.  3302 names the
active mapping exactly.  1317 pages this institution's mappings updated on or after
``updt_time`` (``vali_flag`` 0 for revoked ones), so a HIS can check what the centre holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import records
from ..books import node, opt, req
from ..seed import CATALOG
from . import CallContext, HandlerResult, Refusal, handler

__all__: list[str] = []


def _key(list_type: str, hilist_id: str) -> str:
    return f"{list_type}:{hilist_id}"


@handler("3301", changes_state=True)
def upload(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """3301 目录对照上传."""
    data = node(inp, "data")
    hilist_id, list_type, code = req(data, "fixmedins_hilist_id"), req(data, "list_type"), req(data, "med_list_codg")
    entry = CATALOG.get(code)
    if entry is None:
        raise Refusal(f"data.med_list_codg: 医疗目录编码[{code}]不在医保目录中")
    if entry["list_type"] != list_type:
        raise Refusal(f"data.list_type: [{code}]的目录类别为{entry['list_type']}，与{list_type}不符")
    if req(data, "enddate") < req(data, "begndate"):
        raise Refusal("data.enddate: 结束日期早于开始日期")
    if records.find(ctx, ("map",), ref=_key(list_type, hilist_id), states=("active",)):
        raise Refusal(f"data.fixmedins_hilist_id: 院内项目[{hilist_id}]已有有效对照，请先撤销(3302)")
    records.add(ctx, "map", dict(data), ref=_key(list_type, hilist_id), prefix="DZ")
    return None


@handler("3302", changes_state=True)
def revoke(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """3302 目录对照撤销 (fields directly under ``input``)."""
    if req(inp, "fixmedins_code", "input") != ctx.fixmedins_code:
        raise Refusal("input.fixmedins_code: 与报文的定点医药机构编号不符")
    hilist_id, list_type = req(inp, "fixmedins_hilist_id", "input"), req(inp, "list_type", "input")
    code = req(inp, "med_list_codg", "input")
    found = [r for r in records.find(ctx, ("map",), ref=_key(list_type, hilist_id), states=("active",))
             if r["data"].get("med_list_codg") == code]  # fmt: skip
    if not found:
        raise Refusal(f"input.fixmedins_hilist_id: 院内项目[{hilist_id}]与[{code}]没有有效对照")
    for r in found:
        records.update(ctx, r["sn"], state="revoked", revoked_time=ctx.now_text)
    return None


@handler("1317")
def mappings(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """1317 医药机构目录匹配信息查询: this institution's mappings, paged from ``updt_time``."""
    data = node(inp, "data")
    since = req(data, "updt_time")[:10]
    try:
        page, size = int(str(data.get("page_num"))), int(str(data.get("page_size")))
    except ValueError:
        raise Refusal("data.page_num: 页码和每页条数必须是数值") from None
    if page < 1 or not 1 <= size <= 1000:
        raise Refusal("data.page_size: 页码从1开始，每页1~1000条")
    rows = [r for r in records.find(ctx, ("map",)) if r["updated"][:10] >= since]
    if opt(data, "med_list_codg"):
        rows = [r for r in rows if r["data"].get("med_list_codg") == opt(data, "med_list_codg")]
    out = [{"rid": r["sn"], "fixmedins_code": ctx.fixmedins_code, "medins_list_codg": r["data"]["fixmedins_hilist_id"],
            "medins_list_name": r["data"].get("fixmedins_hilist_name", ""), "med_list_codg": r["data"]["med_list_codg"],
            "list_type": r["data"]["list_type"], "begndate": r["data"].get("begndate", ""),
            "enddate": r["data"].get("enddate", ""), "vali_flag": "1" if r["state"] == "active" else "0",
            "updt_time": r["updated"]} for r in rows]  # fmt: skip
    n = len(out)
    return {"data": out[(page - 1) * size : page * size], "pageNum": page, "pageSize": size, "recordCounts": n,
            "pages": (n + size - 1) // size}  # fmt: skip
