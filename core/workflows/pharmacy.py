"""Pharmacy: 2101 药店预结算 → 2102 药店结算 (with the drug details), undo 2103 药店结算撤销
(national baseline 【2101】-【2103】; spec_reference §6; Dongguan 附件6 药店)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..clock import wire_time
from ..engine import Settlement
from .fees import FeeItem, total, trace_rows
from .identify import Identity
from .readers import MediumReader
from .settle import cancel_bill, fresh_medium, settle_bill

if TYPE_CHECKING:
    from .context import Context

__all__ = ["PharmacyService"]


class PharmacyService:
    """``client.pharmacy``: sell at the counter and undo a sale."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def settle(self, identity: Identity, items: Sequence[FeeItem], *, acct_used_flag: str = "0",
               med_type: str = "", idem_key: str | None = None, dise_codg: str = "", dise_name: str = "",
               reader: MediumReader | None = None) -> Settlement:
        """2101 then 2102 for ``items``; the region fixes ``med_type`` (Dongguan 41).

        :param idem_key: the HIS's bill number: the same bill sent again is answered from the
            journal and charged once.
        :param reader: the medium reader, where the region reads the medium again at every
            settlement (Gansu §3.1.5) or an e-voucher token may have expired (Yunnan §1.6).
        """
        ctx = self._ctx
        identity = fresh_medium(ctx, identity, "2102", None, reader)
        now = ctx.now()
        druginfo: dict[str, Any] = {
            "psn_no": identity.psn_no, **identity.cert_fields(), "begntime": wire_time(now),
            "medfee_sumamt": total(items), "insutype": identity.insutype, "acct_used_flag": acct_used_flag,
            "med_type": med_type, "dise_codg": dise_codg, "dise_name": dise_name,
        }
        rows = [i.row(now, durg_trac_info=trace_rows(i)) if i.trace_codes else i.row(now) for i in items]
        data = {"druginfo": druginfo, "drugdetail": rows}
        # 2101's drugdetail (national 表) has no trace-code node: the codes go with 2102 only.
        pre = {"druginfo": druginfo, "drugdetail": [i.row(now) for i in items]} if any(i.trace_codes for i in items) \
            else data
        return settle_bill(ctx, identity, "2102", data, pre=("2101", pre), idem_key=idem_key)

    def cancel(self, identity: Identity, settlement: Settlement) -> Settlement:
        """2103 药店结算撤销 of one settlement."""
        data = {"data": {"setl_id": settlement.setl_id, "mdtrt_id": settlement.mdtrt_id, "psn_no": identity.psn_no}}
        return cancel_bill(self._ctx, identity, "2103", data)
