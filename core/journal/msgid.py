"""The msgid allocator: unique, increasing message ids shared by every terminal.

``msgid`` = 定点医药机构编号 (12) + ``yyyyMMddHHmmss`` (14, local time) + sequence (4), 30
characters (Guangdong guide 表2 ``msgid``; national baseline 输入参数 ``msgid``).  The 2601
冲正 names the original by it (``omsgid``), so one institution must never issue the same one
twice, whichever process or terminal asks (reliability.md §2 case 12).

The database is the arbiter: ``journal_msgid_counter`` holds, per institution, the last
second and sequence issued, read and advanced inside one transaction (SQLite
``BEGIN IMMEDIATE``; PostgreSQL ``SELECT ... FOR UPDATE``).  Rules:

- a new second starts again at 0001;
- after 9999 in one second the allocator waits for the clock's next second (it never wraps);
- if the clock stepped back it keeps issuing under the last second it issued, and when that
  second is full it moves on to the following second without waiting for the clock to catch
  up: ids stay unique and increasing, at the price of a time part a little ahead of the clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from .db import Database

__all__ = ["MAX_SEQ", "MsgidAllocator", "split_msgid"]

MAX_SEQ = 9999
_SECOND = "%Y%m%d%H%M%S"


def split_msgid(msgid: str) -> tuple[str, datetime, int]:
    """``(fixmedins_code, local time, sequence)`` of a 30-character msgid."""
    if len(msgid) != 30 or not msgid[12:].isdigit():
        raise ValueError(f"msgid {msgid!r} is not code(12)+yyyyMMddHHmmss+seq(4)")
    return msgid[:12], datetime.strptime(msgid[12:26], _SECOND), int(msgid[26:])


def _local(now: datetime) -> datetime:
    # An aware clock is read in the machine's zone: the time part is local time.
    return now.astimezone() if now.tzinfo is not None else now


class MsgidAllocator:
    """Issues msgids from the journal database.

    :param clock: returns "now" (naive = local time); injectable for tests.
    :param sleep: waits that many seconds; injectable so a fake clock can be advanced.
    """

    def __init__(
        self,
        db: Database,
        *,
        clock: Callable[[], datetime] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self._db = db
        self._clock = clock or datetime.now
        self._sleep = sleep or time.sleep

    def allocate(self, fixmedins_code: str) -> str:
        """A fresh msgid for ``fixmedins_code`` (12 characters, e.g. ``H44010000001``)."""
        if len(fixmedins_code) != 12 or not fixmedins_code.isascii() or not fixmedins_code.isalnum():
            raise ValueError(f"fixmedins_code {fixmedins_code!r} must be 12 ASCII letters/digits")
        while True:
            now = _local(self._clock())
            issued = self._try_issue(fixmedins_code, now.strftime(_SECOND))
            if issued is not None:
                second, seq = issued
                return f"{fixmedins_code}{second}{seq:04d}"
            # This second is used up and the clock is in it: wait for the next one, lock released.
            self._sleep(max(1.0 - now.microsecond / 1_000_000, 0.001))

    def _try_issue(self, code: str, second: str) -> tuple[str, int] | None:
        db = self._db
        with db.transaction():
            db.execute(
                "INSERT INTO journal_msgid_counter (fixmedins_code, last_second, last_seq)"
                " VALUES (?, '', 0) ON CONFLICT (fixmedins_code) DO NOTHING",
                (code,),
            )
            row = db.fetchone(
                "SELECT last_second, last_seq FROM journal_msgid_counter WHERE fixmedins_code = ?" + db.for_update,
                (code,),
            )
            assert row is not None
            last_second, last_seq = str(row["last_second"]), int(row["last_seq"])
            if second > last_second:
                issued = (second, 1)
            elif last_seq < MAX_SEQ:
                issued = (last_second, last_seq + 1)  # same second, or the clock stepped back
            elif second == last_second:
                return None
            else:
                following = datetime.strptime(last_second, _SECOND) + timedelta(seconds=1)
                issued = (following.strftime(_SECOND), 1)
            db.execute(
                "UPDATE journal_msgid_counter SET last_second = ?, last_seq = ? WHERE fixmedins_code = ?",
                (issued[0], issued[1], code),
            )
            return issued
