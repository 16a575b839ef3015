"""The request envelope and the reply (Guangdong guide 表2 / 表3 / 表4; spec_reference §1).

The 18 request fields come from the configuration, the region profile's
``envelope_defaults`` and fixed ``envelope`` values, and the call (``infno``, ``msgid``,
``insuplc_admdvs``, ``sign_no``, the operator, ``input``).  ``msgid`` = fixmedins_code (12) +
``yyyyMMddHHmmss`` + a 4-digit sequence, allocated by the journal.  ``inf_time`` is Beijing
time (:mod:`yibao.core.clock`).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from . import wire
from .clock import wire_time
from .config import Config
from .plugins.profile import RegionProfile

if TYPE_CHECKING:
    from .engine.results import Settlement

__all__ = ["MSGID_RE", "Envelope", "EnvelopeFactory", "Reply", "format_inf_time"]


def _text(value: Any) -> str:
    return "" if value is None else value if type(value) is str else str(value)

MSGID_RE = re.compile(r"^.{12}\d{14}\d{4}$")


def format_inf_time(now: datetime) -> str:
    """``inf_time`` is 日期时间型: ``yyyy-MM-dd HH:mm:ss`` in Beijing time."""
    return wire_time(now)


@attrs.frozen
class Envelope:
    """交易输入 envelope: the 18 fields of 表2, in the spec's order."""

    infno: str
    msgid: str
    mdtrtarea_admvs: str
    insuplc_admdvs: str
    recer_sys_code: str
    dev_no: str
    dev_safe_info: str
    cainfo: str
    signtype: str
    infver: str
    opter_type: str
    opter: str
    opter_name: str
    inf_time: str
    fixmedins_code: str
    fixmedins_name: str
    sign_no: str
    input: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """The JSON object sent on the wire (field order as in 表2)."""
        return dict(zip(_FIELD_NAMES, _VALUES(self), strict=True))

    def encode(self, *, validated: bool = True) -> bytes:
        """UTF-8 JSON bytes with exact Decimal amounts.

        The engine builds envelopes only from input that passed the catalogue's validation,
        which refuses a float anywhere (rule ``float``); ``validated=False`` checks again.
        """
        return wire.dumps_bytes(self.to_dict(), check_floats=not validated)


_FIELD_NAMES = tuple(f.name for f in attrs.fields(Envelope))
_VALUES = operator.attrgetter(*_FIELD_NAMES)  # all 18 values in one C call
_CALL_FIELDS = frozenset({"infno", "msgid", "input", "sign_no", "inf_time", "insuplc_admdvs"})


class EnvelopeFactory:
    """Builds the envelopes of one configured institution and region.

    Precedence of a field's value: the call > the profile's fixed ``envelope`` values for the
    infno > the configuration's ``[envelope]`` > the profile's defaults.  The static part is
    computed once; each build only adds what differs per message.
    """

    def __init__(self, config: Config, profile: RegionProfile) -> None:
        defaults = {**profile.envelope_defaults, **config.envelope.given()}
        ins, op = config.institution, config.operator
        self._base: dict[str, str] = {
            "mdtrtarea_admvs": ins.mdtrtarea_admvs,
            "recer_sys_code": defaults.get("recer_sys_code", "YBXT"),
            "dev_no": defaults.get("dev_no", ""),
            "dev_safe_info": defaults.get("dev_safe_info", ""),
            "cainfo": defaults.get("cainfo", ""),
            "signtype": defaults.get("signtype", ""),
            "infver": defaults.get("infver", "V1.0"),
            "opter_type": op.opter_type,
            "opter": op.opter,
            "opter_name": op.opter_name,
            "fixmedins_code": ins.fixmedins_code,
            "fixmedins_name": ins.fixmedins_name,
        }
        self._profile = profile
        self._kind = ins.kind
        self._per_infno: dict[str, dict[str, str]] = {}

    def _static(self, infno: str) -> dict[str, str]:
        static = self._per_infno.get(infno)
        if static is None:
            fixed = dict(self._profile.fixed_for(infno, self._kind).get("envelope", {}))
            fixed.update(self._profile.fixed_for("*").get("envelope", {}))
            static = {**self._base, **{k: str(v) for k, v in fixed.items() if k in self._base}}
            self._per_infno[infno] = static
        return static

    def build(self, *, infno: str, msgid: str, input: Mapping[str, Any], now: datetime, insuplc_admdvs: str = "",
              sign_no: str = "", operator: tuple[str, str, str] | None = None) -> Envelope:
        """One envelope; ``operator`` = (opter, opter_name, opter_type) of this request, if not the configured one."""
        values = dict(self._static(infno))
        if operator is not None:
            values["opter"], values["opter_name"], values["opter_type"] = operator
        return Envelope(infno=infno, msgid=msgid, insuplc_admdvs=insuplc_admdvs, inf_time=wire_time(now),
                        sign_no=sign_no, input=input, **values)


@attrs.frozen
class Reply:
    """交易输出 (表3): ``infcode`` 0 is success, anything else a failure with ``err_msg``.

    ``msgid`` (the request's), ``replayed`` (answered from a stored idempotent result, nothing
    sent) and ``settlement`` (the parsed ``setlinfo`` of a settlement or cancel) are ours, not
    wire fields.
    """

    infcode: int
    inf_refmsgid: str = ""
    refmsg_time: str = ""
    respond_time: str = ""
    err_msg: str = ""
    warn_msg: str = ""
    output: Any = None
    cainfo: str = ""
    signtype: str = ""
    msgid: str = ""
    replayed: bool = False
    settlement: Settlement | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, msgid: str = "") -> Reply:
        """Build from a decoded reply; ``infcode`` as number or string, unknown keys ignored."""
        get = data.get
        return cls(
            infcode=wire.parse_infcode(get("infcode")),
            inf_refmsgid=_text(get("inf_refmsgid")),
            refmsg_time=_text(get("refmsg_time")),
            respond_time=_text(get("respond_time")),
            err_msg=_text(get("err_msg")),
            warn_msg=_text(get("warn_msg")),
            output=get("output"),
            cainfo=_text(get("cainfo")),
            signtype=_text(get("signtype")),
            msgid=msgid,
        )

    def with_msgid(self, msgid: str, *, replayed: bool = False) -> Reply:
        return attrs.evolve(self, msgid=msgid, replayed=replayed)

    @property
    def ok(self) -> bool:
        return self.infcode == 0
