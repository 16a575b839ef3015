"""The msgid allocator: unique, increasing message ids, the sequence space partitioned by terminal.

``msgid`` = 定点医药机构编号 (12) + ``yyyyMMddHHmmss`` (14, Beijing time) + sequence (4), 30
characters (Guangdong guide 表2 ``msgid``; national baseline 输入参数 ``msgid``).  The 2601
冲正 names the original by it (``omsgid``), so one institution must never issue the same one
twice, whichever process or terminal asks (reliability.md §2 case 12).

**Partition.** Terminals of one institution often keep private journals (the default journal
is a local SQLite file), so no database can arbitrate between them.  The 4-digit sequence is
therefore split by terminal: terminal ``Tnn`` (``T01`` ... ``T99``, ``operator.terminal``) issues
only ``nn00`` ... ``nn99`` of each second, 100 ids a second, and two terminals can never issue
the same msgid whatever journal each keeps.  A configuration whose terminal is not ``T01`` ...
``T99`` is refused (:mod:`yibao.core.config`); two machines configured with the same terminal
and private journals are a misconfiguration no software can see (docs/money-safety.md).

Within a terminal the journal's database is the arbiter: ``journal_msgid_terminals`` holds, per
institution and terminal, the last second and sequence issued, read and advanced inside one
transaction (SQLite ``BEGIN IMMEDIATE``; PostgreSQL ``SELECT ... FOR UPDATE``), so processes
sharing a journal never collide either.  Rules:

- a new second starts again at ``nn00``;
- when a terminal's 100 ids of a second are used (a busy service terminal), it moves on to the
  next second at once, as long as that second is at most :data:`AHEAD_SECONDS` ahead of the
  clock; further ahead it waits for the clock.  Ids stay unique and increasing; their time part
  may run a little ahead of the clock during a burst;
- if the clock stepped back it keeps issuing after the last second it issued, the same way.

A busy process reserves a block of sequences in one transaction (doubling up to the whole
partition while calls keep landing in the same second, and starting a new second from half of
the last block), so a cashier's single call costs one write and a busy terminal about one write
a second.  Sequences of a block left unused are never
issued: uniqueness does not depend on using them.  The connections of one process may share one
table of blocks (:meth:`MsgidAllocator.share_blocks`: a service's workers), and a block is
never reserved inside a caller's transaction, whose rollback would free ids already issued.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from ..clock import SHANGHAI
from .db import Database

__all__ = ["AHEAD_SECONDS", "MAX_BLOCK", "PER_SECOND", "MsgidAllocator", "partition", "split_msgid"]

#: ids one terminal issues per second
PER_SECOND = 100
MAX_BLOCK = PER_SECOND
#: how far a busy terminal's msgid time may run ahead of the clock before it waits
AHEAD_SECONDS = 60
_SECOND = "%Y%m%d%H%M%S"


def split_msgid(msgid: str) -> tuple[str, datetime, int]:
    """``(fixmedins_code, Beijing wall-clock time, sequence)`` of a 30-character msgid."""
    if len(msgid) != 30 or not msgid[12:].isdigit():
        raise ValueError(f"msgid {msgid!r} is not code(12)+yyyyMMddHHmmss+seq(4)")
    return msgid[:12], datetime.strptime(msgid[12:26], _SECOND), int(msgid[26:])


def partition(terminal: str) -> tuple[int, int]:
    """The sequences terminal ``Tnn`` issues: ``(nn * 100, nn * 100 + 99)``."""
    if len(terminal) != 3 or terminal[0] != "T" or not terminal[1:].isdigit() or terminal[1:] == "00":
        raise ValueError(f"terminal {terminal!r} must be T01 ... T99 (the msgid sequence is partitioned by it)")
    n = int(terminal[1:])
    return n * PER_SECOND, n * PER_SECOND + PER_SECOND - 1


def _beijing(now: datetime) -> datetime:
    # The msgid's time part is Beijing time; a naive clock (a test's) is read as Beijing time.
    if now.tzinfo is SHANGHAI:
        return now.replace(tzinfo=None)
    return now.astimezone(SHANGHAI).replace(tzinfo=None) if now.tzinfo is not None else now


class _Block:
    """Sequences reserved for one (institution, terminal): ``second``'s ``next`` ... ``last``."""

    __slots__ = ("last", "next", "second", "size")

    def __init__(self, second: str, next: int, last: int, size: int) -> None:
        self.second, self.next, self.last, self.size = second, next, last, size


class MsgidAllocator:
    """Issues msgids from the journal database.

    :param clock: returns "now" (naive = Beijing time); injectable for tests.
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
        self._clock = clock or (lambda: datetime.now(SHANGHAI))
        self._sleep = sleep or time.sleep
        self._lock = threading.Lock()
        self._blocks: dict[tuple[str, str], _Block] = {}
        self._last_second: tuple[datetime | None, str] = (None, "")

    def allocate(self, fixmedins_code: str, terminal: str) -> str:
        """A fresh msgid for ``fixmedins_code`` (12 characters) sent from ``terminal`` (T01 ... T99)."""
        if len(fixmedins_code) != 12 or not fixmedins_code.isascii() or not fixmedins_code.isalnum():
            raise ValueError(f"fixmedins_code {fixmedins_code!r} must be 12 ASCII letters/digits")
        lo, hi = partition(terminal)
        key = (fixmedins_code, terminal)
        with self._lock:
            while True:
                now = _beijing(self._clock())
                second = self._second_text(now)
                block = self._blocks.get(key)
                if block is not None:
                    current = block.second >= second  # this second's block, or one ahead of the clock
                    if current and block.next <= block.last:
                        block.next += 1
                        return f"{fixmedins_code}{block.second}{block.next - 1:04d}"
                    # Doubling while calls keep landing in one second; a new second starts from
                    # half of what the last one needed, so a steady busy terminal writes about
                    # once a second and a cashier's lone call still reserves one or two.
                    size = min(block.size * 2, MAX_BLOCK) if current else max(1, block.size // 2)
                else:
                    size = 1
                issued = self._try_issue(key, now, lo, hi, size)
                if issued is not None:
                    i_second, first, last = issued
                    self._blocks[key] = _Block(i_second, first + 1, last, size)
                    return f"{fixmedins_code}{i_second}{first:04d}"
                # Every second up to AHEAD_SECONDS ahead is used up: wait for the clock.
                self._sleep(max(1.0 - now.microsecond / 1_000_000, 0.001))

    def share_blocks(self, other: MsgidAllocator) -> None:
        """Issue from ``other``'s reserved blocks, under its lock, reserving on this allocator's
        own connection.  The workers of one service each have a connection of their own; a
        terminal's calls land on any of them, and with a block table each they would reserve
        nearly every id afresh (a write and a commit per message).  Uniqueness still rests on
        the database alone: a block is committed there before any id of it is issued."""
        self._lock, self._blocks = other._lock, other._blocks

    def _second_text(self, now: datetime) -> str:
        """``yyyyMMddHHmmss`` of ``now``, formatted once a second (called under the lock)."""
        whole = now.replace(microsecond=0)
        if self._last_second[0] != whole:
            self._last_second = (whole, whole.strftime(_SECOND))
        return self._last_second[1]

    def _try_issue(self, key: tuple[str, str], now: datetime, lo: int, hi: int, size: int
                   ) -> tuple[str, int, int] | None:
        """Reserve up to ``size`` sequences; ``(second, first, last)`` or ``None`` when the
        terminal is :data:`AHEAD_SECONDS` ahead of the clock."""
        db, p = self._db, self._db.p
        if db.in_transaction:
            # Joined to a caller's transaction, the reservation would be undone by its rollback
            # while the ids of the block are already being issued here: another process could
            # then issue them again.  (With shared blocks it could also deadlock on the row.)
            raise RuntimeError("a msgid block is reserved in a transaction of its own: allocate outside one")
        second = now.strftime(_SECOND)
        select = ("SELECT last_second, last_seq FROM journal_msgid_terminals"
                  f" WHERE fixmedins_code = {p} AND terminal = {p}" + db.for_update)
        with db.transaction():
            row = db.fetchone(select, key)
            if row is None:  # the terminal's first id on this journal: its counter row, then locked
                db.execute(
                    "INSERT INTO journal_msgid_terminals (fixmedins_code, terminal, last_second, last_seq)"
                    f" VALUES ({p}, {p}, '', 0) ON CONFLICT (fixmedins_code, terminal) DO NOTHING",
                    key,
                )
                row = db.fetchone(select, key)
            assert row is not None
            last_second, last_seq = str(row["last_second"]), int(row["last_seq"])
            if second > last_second:
                issued = (second, lo)
            elif last_seq < hi:
                issued = (last_second, max(lo, last_seq + 1))  # the same second, or the clock behind it
            else:
                following = datetime.strptime(last_second, _SECOND) + timedelta(seconds=1)
                if following > now + timedelta(seconds=AHEAD_SECONDS):
                    return None
                issued = (following.strftime(_SECOND), lo)
            last = min(issued[1] + size - 1, hi)
            db.execute(
                f"UPDATE journal_msgid_terminals SET last_second = {p}, last_seq = {p}"
                f" WHERE fixmedins_code = {p} AND terminal = {p}",
                (issued[0], last, *key),
            )
            return issued[0], issued[1], last
