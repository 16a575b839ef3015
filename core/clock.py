"""One clock for everything on the wire: Asia/Shanghai, whatever the host's zone.

The centre reads every time it is sent (``inf_time``, ``begntime``, ``fee_ocur_time``, the
time part of a ``msgid``) as Beijing time: the national baseline's 日期时间型 is
``yyyy-MM-dd HH:mm:ss`` without a zone.  A HIS host set to UTC (common for servers and
containers) must still send 14:00 when it is 14:00 in Beijing, so the engine never reads the
host's local time.  Stored timestamps keep their zone (aware datetimes; the journal writes UTC).

A clock is any ``() -> datetime``; :func:`now` is the default.  A naive datetime from an
injected test clock is taken to be Beijing time already.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

__all__ = [
    "SHANGHAI",
    "Clock",
    "business_date",
    "in_shanghai",
    "now",
    "utc_now",
    "wire_date",
    "wire_second",
    "wire_time",
]

SHANGHAI = ZoneInfo("Asia/Shanghai")
Clock = Callable[[], datetime]

_WIRE_TIME = "%Y-%m-%d %H:%M:%S"
_SECOND = "%Y%m%d%H%M%S"


def now() -> datetime:
    """The current time, aware, in Asia/Shanghai."""
    return datetime.now(SHANGHAI)


def utc_now() -> datetime:
    """The current time, aware, in UTC (what the journal stores)."""
    return datetime.now(UTC)


def in_shanghai(moment: datetime) -> datetime:
    """``moment`` as Beijing wall-clock time (a naive value is taken to be Beijing time)."""
    zone = moment.tzinfo
    if zone is SHANGHAI:
        return moment
    if zone is None:
        return moment.replace(tzinfo=SHANGHAI)
    return moment.astimezone(SHANGHAI)


# (the second formatted last, its text): one strftime a second.  The pair is replaced as a
# whole (one assignment), so a racing thread reads an old pair or a new one, never a mixture.
_last_wire: tuple[datetime | None, str] = (None, "")


def wire_time(moment: datetime) -> str:
    """日期时间型 ``yyyy-MM-dd HH:mm:ss`` in Beijing time (``inf_time``, ``begntime`` ...)."""
    global _last_wire
    local = in_shanghai(moment).replace(microsecond=0)
    second, text = _last_wire
    if second != local:
        text = local.strftime(_WIRE_TIME)
        _last_wire = (local, text)
    return text


def wire_date(moment: datetime | date) -> str:
    """日期型 ``yyyy-MM-dd`` (a ``datetime`` is read in Beijing time first)."""
    if isinstance(moment, datetime):
        moment = in_shanghai(moment).date()
    return moment.isoformat()


def wire_second(moment: datetime) -> str:
    """``yyyyMMddHHmmss`` in Beijing time: the time part of a ``msgid``."""
    return in_shanghai(moment).strftime(_SECOND)


def business_date(moment: datetime) -> date:
    """The business day (签到 sessions, the journal's ``business_date``): Beijing's date."""
    return in_shanghai(moment).date()
