"""Fee lines as the HIS has them: the rows of 2101/2102 (drugdetail), 2204 and 2301 (feedetail).

Amounts are 元 with two decimals (national baseline 16,2): a line's ``det_item_fee_sumamt`` is
``cnt`` × ``pric`` rounded half up to the fen unless the HIS gives it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import attrs

from ..clock import wire_time

__all__ = ["CENT", "FeeItem", "total", "trace_rows"]

CENT = Decimal("0.01")


@attrs.frozen
class FeeItem:
    """One fee line as the HIS has it; rows for 2101/2102, 2204 and 2301 are built from it."""

    feedetl_sn: str
    med_list_codg: str
    medins_list_codg: str
    cnt: Decimal
    pric: Decimal
    fee_ocur_time: datetime | None = None
    det_item_fee_sumamt: Decimal | None = None
    rxno: str = ""
    rx_circ_flag: str = "0"
    bilg_dept_codg: str = "A01"
    bilg_dept_name: str = "门诊"
    bilg_dr_codg: str = "D000000000001"
    bilg_dr_name: str = "医师"
    hosp_appr_flag: str = "0"
    #: 药品追溯码 of the packages sold (2102 ``durg_trac_info``; Dongguan: 2102 需上传追溯码)
    trace_codes: tuple[str, ...] = ()
    #: 拆零标志 of those packages (``trdn_flag``: 0 whole package, 1 split)
    trdn_flag: str = "0"
    extra: Mapping[str, Any] = attrs.field(factory=dict)

    @property
    def amount(self) -> Decimal:
        if self.det_item_fee_sumamt is not None:
            return self.det_item_fee_sumamt
        return (self.cnt * self.pric).quantize(CENT, rounding=ROUND_HALF_UP)

    def row(self, now: datetime, *, prescription: bool = True, **more: Any) -> dict[str, Any]:
        """The wire row; 2301's feedetail (national table 91) has no ``rxno``/``rx_circ_flag``, so
        the inpatient flow passes ``prescription=False`` rather than send fields the node lacks."""
        out: dict[str, Any] = {
            "feedetl_sn": self.feedetl_sn, "fee_ocur_time": wire_time(self.fee_ocur_time or now),
            "med_list_codg": self.med_list_codg, "medins_list_codg": self.medins_list_codg,
            "det_item_fee_sumamt": self.amount, "cnt": self.cnt,
            "pric": self.pric, "bilg_dr_codg": self.bilg_dr_codg, "bilg_dr_name": self.bilg_dr_name,
        }  # fmt: skip
        if prescription:
            out["rxno"], out["rx_circ_flag"] = self.rxno, self.rx_circ_flag
        out.update(more)
        out.update(self.extra)
        return out


def trace_rows(item: FeeItem) -> list[dict[str, str]]:
    """2102 ``drugdetail[].durg_trac_info`` (the baseline's own spelling) of one line."""
    return [{"feedetl_sn": item.feedetl_sn, "drug_trac_codg": c, "trdn_flag": item.trdn_flag} for c in item.trace_codes]


def total(items: Sequence[FeeItem]) -> Decimal:
    """The bill's 医疗费总额: the sum of its lines."""
    return sum((i.amount for i in items), Decimal("0"))
