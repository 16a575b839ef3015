"""Replies as typed values, parsed once: a settlement's ``setlinfo`` structured by cattrs.

The national baseline's settlement outputs (【2102】 表, 【2207】, 【2304】 and the cancels
【2103】 / 【2208】 / 【2305】) carry ``setlinfo`` with the amounts in 元 (16,2).  The engine builds
one :class:`Settlement` from it when the reply arrives; the journal's ledger columns, the
workflows' results and the HIS service's answers are read from that one value.  Amounts are
``Decimal`` from the JSON text on (``yibao.core.wire.loads``), never a float.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs
import cattrs

from ..catalog.kinds import MONEY_COLUMNS

__all__ = ["SetlInfo", "Settlement", "ledger_columns"]

_ZERO = Decimal("0")


@attrs.frozen
class SetlInfo:
    """The fields of ``setlinfo`` the engine itself reads (the rest stays in ``Settlement.setlinfo``)."""

    setl_id: str = ""
    mdtrt_id: str = ""
    medfee_sumamt: Decimal = _ZERO
    fund_pay_sumamt: Decimal = _ZERO
    acct_pay: Decimal = _ZERO
    psn_cash_pay: Decimal = _ZERO
    insutype: str = ""
    med_type: str = ""
    clr_type: str = ""
    clr_optins: str = ""
    clr_way: str = ""
    setl_time: str = ""


def _amount(value: Any, _type: Any) -> Decimal:
    if value is None or value == "":
        return _ZERO
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(f"amount {value!r} is not exact")
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _text(value: Any, _type: Any) -> str:
    return "" if value is None else str(value)


_converter = cattrs.Converter()
_converter.register_structure_hook(Decimal, _amount)
_converter.register_structure_hook(str, _text)


@attrs.frozen
class Settlement:
    """A settlement (or cancel) as the centre answered it, with the region's cashier warnings."""

    infno: str
    msgid: str
    setl_id: str
    mdtrt_id: str
    medfee_sumamt: Decimal
    fund_pay_sumamt: Decimal
    acct_pay: Decimal
    psn_cash_pay: Decimal
    setlinfo: Mapping[str, Any]
    setldetail: tuple[Mapping[str, Any], ...] = ()
    warnings: tuple[str, ...] = ()
    info: SetlInfo = attrs.field(factory=SetlInfo, repr=False)

    @property
    def warning(self) -> str:
        """The warnings as one text (empty when there are none)."""
        return "; ".join(self.warnings)

    @classmethod
    def from_output(cls, infno: str, msgid: str, output: Any) -> Settlement:
        """Parse ``setlinfo`` / ``setldetail`` of a settlement or cancel reply."""
        raw = output.get("setlinfo") if isinstance(output, Mapping) else None
        if not isinstance(raw, Mapping):
            data = output.get("data") if isinstance(output, Mapping) else None
            raw = data if isinstance(data, Mapping) else (output if isinstance(output, Mapping) else {})
        fields = {k: raw[k] for k in raw if k in _SETLINFO_FIELDS}
        if "psn_cash_pay" not in fields and "pdn_cash_pay" in raw:
            fields["psn_cash_pay"] = raw["pdn_cash_pay"]  # the 2208 spelling (spec_reference §16.4)
        info = _converter.structure(fields, SetlInfo)
        detail = output.get("setldetail") if isinstance(output, Mapping) else None
        return cls(
            infno=infno, msgid=msgid, setl_id=info.setl_id, mdtrt_id=info.mdtrt_id,
            medfee_sumamt=info.medfee_sumamt, fund_pay_sumamt=info.fund_pay_sumamt, acct_pay=info.acct_pay,
            psn_cash_pay=info.psn_cash_pay, setlinfo=dict(raw),
            setldetail=tuple(d for d in detail if isinstance(d, Mapping)) if isinstance(detail, list) else (),
            info=info,
        )

    def with_warnings(self, warnings: list[str]) -> Settlement:
        return attrs.evolve(self, warnings=tuple(warnings)) if warnings else self

    def to_json(self) -> dict[str, Any]:
        """JSON-ready (amounts stay Decimal: encode with :func:`yibao.core.wire.dumps`)."""
        return {
            "infno": self.infno, "msgid": self.msgid, "setl_id": self.setl_id, "mdtrt_id": self.mdtrt_id,
            "medfee_sumamt": self.medfee_sumamt, "fund_pay_sumamt": self.fund_pay_sumamt,
            "acct_pay": self.acct_pay, "psn_cash_pay": self.psn_cash_pay, "setlinfo": dict(self.setlinfo),
            "setldetail": [dict(d) for d in self.setldetail], "warnings": list(self.warnings),
        }  # fmt: skip


_SETLINFO_FIELDS = frozenset(f.name for f in attrs.fields(SetlInfo))
_TEXT_COLUMNS = ("setl_id", "mdtrt_id", "insutype", "clr_type", "clr_optins", "clr_way", "setl_time", "med_type")


def ledger_columns(settlement: Settlement) -> dict[str, Any]:
    """The journal's ledger columns of a settlement or cancel (amounts and grouping keys)."""
    info = settlement.info
    cols: dict[str, Any] = {}
    for key in MONEY_COLUMNS:
        if key in settlement.setlinfo or (key == "psn_cash_pay" and "pdn_cash_pay" in settlement.setlinfo):
            cols[key] = getattr(info, key)
    for key in _TEXT_COLUMNS:
        value = getattr(info, key)
        if value:
            cols[key] = value
    return cols
