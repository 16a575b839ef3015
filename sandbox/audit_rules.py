"""The rule set of 事前事中 审核 3101 / 3102 (national baseline 【3101】【3102】 明细审核分析服务).

The real centre runs the national knowledge base; the sandbox runs four documented rules that
a HIS can provoke on purpose and must show to its doctor:

=====  ===============  ===============================================================
rule   name             violated when
=====  ===============  ===============================================================
R01    超量开药/超限数量  an order's ``cnt`` is above the item's limit: drugs (list_type 101)
                        10, herbs (102) 500, services (201) 10, materials (301) 20
R02    限定性别          the item is for one gender only (catalogue ``gend_lmt``) and the
                        patient (``patient_dtos.gend``) is of the other
R03    重复收费          the same item (``hilist_code``) is ordered twice in one encounter
R04    目录外项目        the item is not in the insurance catalogue (``GET /_sandbox/catalog``)
=====  ===============  ===============================================================

Each violation is one ``result`` row with its own ``jr_id`` (the ``warn_rslt_id`` that 3103
feeds back) and one ``judge_result_detail_dtos`` row per offending order.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from .seed import catalog_entry

__all__ = ["LIMITS", "RULES", "Violation", "check_orders"]

RULES: Mapping[str, str] = {"R01": "超量开药(超限数量)", "R02": "限定性别", "R03": "重复收费", "R04": "目录外项目"}
#: R01 limits by list_type of the catalogue entry.
LIMITS: Mapping[str, Decimal] = {"101": Decimal(10), "102": Decimal(500), "201": Decimal(10), "301": Decimal(20)}


class Violation(NamedTuple):
    rule_id: str
    text: str
    amount: Decimal
    orders: tuple[Mapping[str, Any], ...]


def _num(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return Decimal(0)


def check_orders(orders: Sequence[Mapping[str, Any]], gend: str) -> Iterator[Violation]:
    """The violations of one encounter's orders for a patient of ``gend``."""
    seen: dict[str, Mapping[str, Any]] = {}
    for o in orders:
        code = str(o.get("hilist_code", ""))
        entry = catalog_entry(code)
        amount = _num(o.get("sumamt"))
        if entry is None:
            yield Violation("R04", f"[{code}]不在医保目录内", amount, (o,))
        else:
            limit = LIMITS.get(str(entry["list_type"]))
            cnt = _num(o.get("cnt"))
            if limit is not None and cnt > limit:
                over = (cnt - limit) * _num(o.get("pric"))
                yield Violation("R01", f"[{code}]数量{cnt}超过限量{limit}", over.quantize(Decimal("0.01")), (o,))
            lmt = str(entry.get("gend_lmt") or "")
            if lmt and gend and gend != lmt:
                who = "女性" if lmt == "2" else "男性"
                yield Violation("R02", f"[{code}]限{who}使用，患者性别[{gend}]不符", amount, (o,))
        if code in seen:
            yield Violation("R03", f"[{code}]同一就诊重复开立", amount, (seen[code], o))
        else:
            seen[code] = o
