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

A busy process reserves a small block of sequences of the current second in one transaction
(doubling up to :data:`MAX_BLOCK` while calls keep landing in the same second, back to 1 when
they do not), so a cashier's single call costs one write and a busy terminal one write per
block.  Sequences of a block left unused are simply never issued: uniqueness does not depend
on using them, and a block is only used within the second it was reserved for (or while the
clock is behind it).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from .db import Database

__all__ = ["MAX_SEQ", "MsgidAllocator", "split_msgid"]

MAX_SEQ = 9999
MAX_BLOCK = 32
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
        self._lock = threading.Lock()
        # per institution: [second, next seq to hand out, last seq reserved, block size]
        self._blocks: dict[str, list[object]] = {}

    def allocate(self, fixmedins_code: str) -> str:
        """A fresh msgid for ``fixmedins_code`` (12 characters, e.g. ``H44010000001``)."""
        if len(fixmedins_code) != 12 or not fixmedins_code.isascii() or not fixmedins_code.isalnum():
            raise ValueError(f"fixmedins_code {fixmedins_code!r} must be 12 ASCII letters/digits")
        with self._lock:
            while True:
                now = _local(self._clock())
                second = now.strftime(_SECOND)
                block = self._blocks.get(fixmedins_code)
                if block is not None:
                    b_second, b_next, b_last = str(block[0]), int(str(block[1])), int(str(block[2]))
                    if b_next <= b_last and second <= b_second:
                        block[1] = b_next + 1
                        return f"{fixmedins_code}{b_second}{b_next:04d}"
                    size = min(int(str(block[3])) * 2, MAX_BLOCK) if second == b_second else 1
                else:
                    size = 1
                issued = self._try_issue(fixmedins_code, second, size)
                if issued is not None:
                    i_second, first, last = issued
                    self._blocks[fixmedins_code] = [i_second, first + 1, last, size]
                    return f"{fixmedins_code}{i_second}{first:04d}"
                # This second is used up and the clock is in it: wait for the next one.
                self._sleep(max(1.0 - now.microsecond / 1_000_000, 0.001))

    def _try_issue(self, code: str, second: str, size: int = 1) -> tuple[str, int, int] | None:
        """Reserve up to ``size`` sequences; ``(second, first, last)`` or ``None`` when full."""
        db = self._db
        with db.transaction():
            db.execute(
                "INSERT INTO journal_msgid_counter (fixmedins_code, last_second, last_seq)"
                f" VALUES ({db.p}, '', 0) ON CONFLICT (fixmedins_code) DO NOTHING",
                (code,),
            )
            row = db.fetchone(
                f"SELECT last_second, last_seq FROM journal_msgid_counter WHERE fixmedins_code = {db.p}"
                + db.for_update,
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
            last = min(issued[1] + size - 1, MAX_SEQ)
            db.execute(
                f"UPDATE journal_msgid_counter SET last_second = {db.p}, last_seq = {db.p}"
                f" WHERE fixmedins_code = {db.p}",
                (issued[0], last, code),
            )
            return issued[0], issued[1], last
