"""The request envelope and the reply (Guangdong guide 表2 / 表3 / 表4; spec_reference §1).

The 18 request fields come from the configuration, the region profile's
``envelope_defaults`` and fixed ``envelope`` values, and the call (``infno``, ``msgid``,
``insuplc_admdvs``, ``sign_no``, ``input``).  ``msgid`` = fixmedins_code (12) +
``yyyyMMddHHmmss`` + a 4-digit sequence, allocated by the journal.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from . import wire
from .config import Config
from .plugins.profile import RegionProfile

__all__ = ["MSGID_RE", "Envelope", "Reply", "build_envelope", "format_inf_time"]

MSGID_RE = re.compile(r"^.{12}\d{14}\d{4}$")


def format_inf_time(now: datetime) -> str:
    """``inf_time`` is 日期时间型: ``yyyy-MM-dd HH:mm:ss``."""
    return now.strftime("%Y-%m-%d %H:%M:%S")


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
        return {f.name: getattr(self, f.name) for f in attrs.fields(Envelope)}

    def encode(self, *, validated: bool = True) -> bytes:
        """UTF-8 JSON bytes with exact Decimal amounts.

        The client builds envelopes only from input that passed the catalogue's validation,
        which refuses a float anywhere (rule ``float``); ``validated=False`` checks again.
        """
        return wire.dumps_bytes(self.to_dict(), check_floats=not validated)


@attrs.frozen
class Reply:
    """交易输出 (表3): ``infcode`` 0 is success, anything else a failure with ``err_msg``."""

    infcode: int
    inf_refmsgid: str = ""
    refmsg_time: str = ""
    respond_time: str = ""
    err_msg: str = ""
    warn_msg: str = ""
    output: Any = None
    cainfo: str = ""
    signtype: str = ""
    msgid: str = ""  # ours: the msgid of the request this reply answers (not a wire field)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Reply:
        """Build from a decoded reply; ``infcode`` as number or string, unknown keys ignored."""

        def s(key: str) -> str:
            v = data.get(key)
            return "" if v is None else str(v)

        return cls(
            infcode=wire.parse_infcode(data.get("infcode")),
            inf_refmsgid=s("inf_refmsgid"),
            refmsg_time=s("refmsg_time"),
            respond_time=s("respond_time"),
            err_msg=s("err_msg"),
            warn_msg=s("warn_msg"),
            output=data.get("output"),
            cainfo=s("cainfo"),
            signtype=s("signtype"),
        )

    @property
    def ok(self) -> bool:
        return self.infcode == 0


def build_envelope(
    config: Config,
    profile: RegionProfile,
    *,
    infno: str,
    msgid: str,
    input: Mapping[str, Any],
    now: datetime,
    insuplc_admdvs: str = "",
    sign_no: str = "",
) -> Envelope:
    """Assemble an envelope; precedence: call > profile fixed envelope values > config > profile defaults."""
    defaults = dict(profile.envelope_defaults)
    defaults.update(config.envelope)
    fixed_env = dict(profile.fixed_for(infno, config.institution.kind).get("envelope", {}))
    fixed_env.update(profile.fixed_for("*").get("envelope", {}))
    ins = config.institution
    op = config.operator
    values: dict[str, Any] = {
        "infno": infno,
        "msgid": msgid,
        "mdtrtarea_admvs": ins.mdtrtarea_admvs,
        "insuplc_admdvs": insuplc_admdvs,
        "recer_sys_code": defaults.get("recer_sys_code", "YBXT"),
        "dev_no": defaults.get("dev_no", ""),
        "dev_safe_info": defaults.get("dev_safe_info", ""),
        "cainfo": defaults.get("cainfo", ""),
        "signtype": defaults.get("signtype", ""),
        "infver": defaults.get("infver", "V1.0"),
        "opter_type": op.opter_type,
        "opter": op.opter,
        "opter_name": op.opter_name,
        "inf_time": format_inf_time(now),
        "fixmedins_code": ins.fixmedins_code,
        "fixmedins_name": ins.fixmedins_name,
        "sign_no": sign_no,
        "input": input,
    }
    for key, value in fixed_env.items():
        if key in values and key not in ("infno", "msgid", "input", "sign_no", "inf_time"):
            values[key] = value
    return Envelope(**values)
