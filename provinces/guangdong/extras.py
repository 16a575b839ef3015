"""Guangdong's corrections to catalogue entries (补充接口文档, 异地就医清分 §7).

3262 异地清分结果确认回退: §7 says ``otransid`` is "异地清分确认返回的 inf_refmsgid", and
``inf_refmsgid`` is 30 characters (表3: 接收方医保区划代码(6)+时间(14)+流水号(10)); the 3262
table prints ``otransid`` as 22.  A 30-character value is what the centre hands out, so the
province's entry allows 30 and says why.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

__all__ = ["EXTRA_TRANSACTIONS"]

_OTRANSID_NOTE = " (Guangdong §7: the inf_refmsgid of 3261, 30 characters by 表3; the 3262 table's 22 is too short)"


def _3262() -> tuple[Mapping[str, Any], ...]:
    from yibao.core.catalog import load_catalog

    t = load_catalog().get("3262")
    if t is None:
        return ()
    entry = t.to_json()
    for node in entry["input"]:
        for field in node["fields"]:
            if field["code"] == "otransid":
                field["length"] = max(30, field.get("length") or 0)
                field["note"] = (field.get("note") or "") + _OTRANSID_NOTE
    entry["source"] = f"{entry['source']}; otransid widened to 30 (inf_refmsgid)"
    return (entry,)


EXTRA_TRANSACTIONS: Final[tuple[Mapping[str, Any], ...]] = _3262()
