"""The centre's one clock: local time in ``Asia/Shanghai`` for everything it writes.

Times on the wire (``inf_refmsgid``, ``refmsg_time``, ``setl_time``, ``sign_time``, ids'
yyMMdd ...) and in the books are the centre's local time (national baseline 重点说明: times are
Beijing time).  They all come from :func:`local` so that one rule decides them; the zone is
the IANA one rather than a fixed +08:00 because the zone's history (China kept summer time in
1986-1991) is the zone database's business, not ours.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

__all__ = ["CENTRE_TZ", "DT_FORMAT", "local", "local_text"]

CENTRE_TZ = ZoneInfo("Asia/Shanghai")
DT_FORMAT = "%Y-%m-%d %H:%M:%S"  # the spec's 日期时间型 (DT)


def local(unix_seconds: float) -> datetime:
    """The centre's local time (aware) of a unix timestamp, e.g. ``config.clock()``."""
    return datetime.fromtimestamp(unix_seconds, CENTRE_TZ)


def local_text(unix_seconds: float) -> str:
    """:func:`local` as ``yyyy-MM-dd HH:mm:ss``."""
    return local(unix_seconds).strftime(DT_FORMAT)
