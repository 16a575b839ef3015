"""Envelope checks and replies of the centre (spec_reference §1, national baseline 表2/表3).

Request: ``infno`` .. ``input`` as in the national envelope table; unknown extra fields
(``enc_type``, ``dev_no`` ...) are ignored.  The string ``"null"`` that some clients send for
empty optional fields (seen in the Hunan samples) counts as empty.  Reply: ``infcode``,
``inf_refmsgid`` (receiver admdvs 6 + yyyyMMddHHmmss + 10-digit serial), ``refmsg_time`` and
``respond_time`` (yyyyMMddHHmmssSSS), ``err_msg``, ``output``, plus the ``warn_msg``, ``cainfo``
and ``signtype`` that live replies carry.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .codec import dumps_bytes, dumps_text

__all__ = ["EnvelopeError", "check_envelope", "check_msgid", "dumps_text", "encode", "opt_str", "reply"]

# field -> (required, max length); lengths per the national table, except infno: up to 12 for
# "2203A" and the regions' own codes ("90100", "CFYLJG001").
_FIELDS: Mapping[str, tuple[bool, int]] = {
    "infno": (True, 12),
    "msgid": (True, 30),
    "mdtrtarea_admvs": (True, 6),
    "insuplc_admdvs": (False, 6),
    "recer_sys_code": (True, 10),
    "dev_no": (False, 100),
    "dev_safe_info": (False, 2000),
    "cainfo": (False, 1024),
    "signtype": (False, 10),
    "infver": (True, 6),
    "opter_type": (True, 3),
    "opter": (True, 30),
    "opter_name": (True, 50),
    "inf_time": (True, 19),
    "fixmedins_code": (True, 12),
    "fixmedins_name": (True, 200),
    "sign_no": (False, 30),
}


# strptime is slow on the hot path (every call checks two times); a regex and the datetime
# constructor give the same answer.
_DT = re.compile(r"(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})")
_STAMP = re.compile(r"(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})")


def _valid_time(m: re.Match[str] | None) -> bool:
    if m is None:
        return False
    y, mo, d, h, mi, sec = (int(g) for g in m.groups())
    try:
        datetime(y, mo, d, h, mi, sec)
    except ValueError:
        return False
    return True


class EnvelopeError(Exception):
    """The envelope itself is wrong; the message names the field."""


def opt_str(value: Any) -> str:
    """An optional string field: ``None`` and ``"null"`` are empty."""
    if value is None:
        return ""
    text = str(value).strip()
    return "" if text.lower() == "null" else text


def check_envelope(env: Any) -> None:
    """Raise :class:`EnvelopeError` naming the first wrong field."""
    if not isinstance(env, dict):
        raise EnvelopeError("报文必须是JSON对象")
    for name, (required, max_len) in _FIELDS.items():
        value = env.get(name)
        if value is None or (not required and opt_str(value) == ""):
            if required:
                raise EnvelopeError(f"{name}: 必填字段缺失")
            continue
        if not isinstance(value, str):
            raise EnvelopeError(f"{name}: 类型错误，应为字符型")
        if required and not value.strip():
            raise EnvelopeError(f"{name}: 必填字段为空")
        if len(value) > max_len:
            raise EnvelopeError(f"{name}: 长度超过{max_len}")
    if len(env["fixmedins_code"]) != 12:
        raise EnvelopeError("fixmedins_code: 定点医药机构编号应为12位")
    if not _valid_time(_DT.fullmatch(env["inf_time"])):
        raise EnvelopeError("inf_time: 格式应为yyyy-MM-dd HH:mm:ss")
    if "input" not in env:
        raise EnvelopeError("input: 必填字段缺失")
    if not isinstance(env["input"], dict):
        raise EnvelopeError("input: 类型错误，应为JSON对象")


def check_msgid(msgid: str, fixmedins_code: str) -> None:
    """``msgid`` = fixmedins_code(12) + yyyyMMddHHmmss(14) + 4-digit sequence (§15)."""
    if len(msgid) != 30:
        raise EnvelopeError("msgid: 长度应为30位(机构编号12位+时间14位+顺序号4位)")
    if not msgid.startswith(fixmedins_code):
        raise EnvelopeError("msgid: 前12位应为本机构编号fixmedins_code")
    stamp, seq = msgid[12:26], msgid[26:]
    if not (stamp.isdigit() and seq.isdigit()):
        raise EnvelopeError("msgid: 时间与顺序号应为数字")
    if not _valid_time(_STAMP.fullmatch(stamp)):
        raise EnvelopeError("msgid: 第13-26位不是有效时间yyyyMMddHHmmss")


_serial = itertools.count(1)
_serial_lock = threading.Lock()


def _stamp14(t: datetime) -> str:
    return f"{t.year:04d}{t.month:02d}{t.day:02d}{t.hour:02d}{t.minute:02d}{t.second:02d}"


def _stamp17(t: datetime) -> str:
    return f"{_stamp14(t)}{t.microsecond // 1000:03d}"


def reply(
    *,
    region: str,
    received: datetime,
    now: datetime,
    infcode: int = 0,
    err_msg: str = "",
    output: Any = None,
) -> dict[str, Any]:
    """The centre's reply envelope."""
    with _serial_lock:
        serial = next(_serial)
    code = (region or "000000")[:6].ljust(6, "0")
    return {
        "infcode": infcode,
        "inf_refmsgid": f"{code}{_stamp14(now)}{serial % 10**10:010d}",
        "refmsg_time": _stamp17(received),
        "respond_time": _stamp17(now),
        "err_msg": err_msg,
        "warn_msg": "",
        "cainfo": "",
        "signtype": "",
        "output": output if output is not None else {},
    }


def encode(obj: Any) -> bytes:
    """A reply as UTF-8 JSON with Decimals as bare numbers of their exact digits."""
    return dumps_bytes(obj)
