"""Identifiers the centre hands out (spec_reference §15): ``mdtrt_id``, ``setl_id``, ``sign_no``...

Each comes from a counter in the store, so ids stay unique across restarts, and carries the
region (6) and the day (yyMMdd) so that a human can read where and when it was made: one
letter + 6 + 6 + a 7-digit serial = 20 characters, the Guangdong guide's C20 for ``mdtrt_id``
and ``setl_id`` in 3260/3261 (S+6+6+7).  A refused call rolls its counter back with the rest.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .store import Store

__all__ = ["IdGenerator"]

_provisional = itertools.count(1)


class IdGenerator:
    """``ids.mdtrt_id()`` etc.; ``ids.new(prefix)`` for any other kind (max 30 characters)."""

    def __init__(self, store: Store, region: str, now: datetime) -> None:
        self._store = store
        self._region = (region or "000000")[:6].ljust(6, "0")
        self._day = f"{now.year % 100:02d}{now.month:02d}{now.day:02d}"

    def new(self, prefix: str) -> str:
        """``prefix`` + region + yyMMdd + a 7-digit serial of that prefix (wraps after 9,999,999)."""
        seq = self._store.next_seq(f"id:{prefix}") % 10_000_000
        return f"{prefix}{self._region}{self._day}{seq:07d}"[:30]

    def provisional(self, prefix: str) -> str:
        """An id for a reply that commits nothing (2101's ``mdtrt_id``): from an in-memory
        counter, so a read-only call does not write; ``P`` after the prefix marks it."""
        return f"{prefix}P{self._region[:5]}{self._day}{next(_provisional) % 10_000_000:07d}"

    def mdtrt_id(self) -> str:
        return self.new("M")

    def setl_id(self) -> str:
        return self.new("S")

    def sign_no(self) -> str:
        return self.new("N")

    def file_qury_no(self) -> str:
        return self.new("F")
