"""1201 医药机构信息获取 (national baseline 【1201】; Dongguan 附件6 查询接口).

The centre answers about the institution named by ``medinsinfo``: the calling institution when
the input names its code (or leaves it empty with a name that matches), registered as the
requested ``fixmedins_type`` (a code of the dictionary, checked by the field table); any other
code it does not know (the sandbox keeps only its callers' books).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..books import node, opt, req
from . import CallContext, HandlerResult, Refusal, handler

__all__: list[str] = []


@handler("1201")
def institution(ctx: CallContext, inp: Mapping[str, Any]) -> HandlerResult:
    """1201: the calling institution's register entry."""
    data = node(inp, "medinsinfo")
    wanted = req(data, "fixmedins_type", "medinsinfo")
    code, name = opt(data, "fixmedins_code"), opt(data, "fixmedins_name")
    if code and code != ctx.fixmedins_code:
        raise Refusal(f"medinsinfo.fixmedins_code: 未查询到定点医药机构[{code}]")
    if not code and name and name != ctx.fixmedins_name:
        raise Refusal(f"medinsinfo.fixmedins_name: 未查询到定点医药机构[{name}]")
    return {"medinsinfo": {"fixmedins_code": ctx.fixmedins_code, "fixmedins_name": ctx.fixmedins_name,
                            "uscc": f"91{ctx.region}{ctx.fixmedins_code[-10:]}", "fixmedins_type": wanted,
                            "hosp_lv": "0" + str(ctx.rules.institution_level(ctx.fixmedins_code))}}  # fmt: skip
