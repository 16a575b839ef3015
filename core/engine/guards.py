"""Layer 2b, the person guard: no new settlement while an earlier one's outcome is unknown.

If the centre may hold a settlement the HIS does not know about (an entry UNKNOWN, REVERSING or
NEEDS_ATTENTION), or another process is sending one for the same person right now (INTENT /
SENT), a new money message for that person is refused: first its due 2601s run, then, if
anything is left, :class:`~yibao.core.errors.StateError` says what and what to do
(reliability.md §2 cases 7 and 11).  The common case costs one indexed read.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ..catalog.kinds import REVERSAL_INFNO
from ..errors import StateError
from ..journal import Entry, Journal, State
from .call import Prepared

__all__ = ["PersonGuard"]


class PersonGuard:
    """Checks a prepared money message against the person's unresolved journal entries."""

    def __init__(self, journal: Journal, now: Callable[[], datetime]) -> None:
        self._journal = journal
        self._now = now
        #: sends the due 2601 of one entry (the reversal queue sets it; ``None``: never here)
        self.reverse_due: Callable[[Entry], object] | None = None

    def check(self, prepared: Prepared) -> None:
        """Refuse ``prepared`` when its person has an unresolved money entry."""
        psn_no = prepared.psn_no
        if prepared.kind != "money" or not psn_no or prepared.infno == REVERSAL_INFNO:
            return
        found = self._journal.unresolved_for_person(psn_no)
        if not found:
            return
        if self.reverse_due is not None:
            now = self._now()
            for entry in found:
                if entry.next_attempt_at is not None and entry.next_attempt_at <= now:
                    self.reverse_due(entry)
            found = self._journal.unresolved_for_person(psn_no)
        if found:
            e = found[0]
            # NEEDS_ATTENTION waits for a person (yibao.core.journal.by_hand), not for the queue.
            then = ("the 医保办 settles it by what the centre holds (`yibao journal resolve`)"
                    if e.state is State.NEEDS_ATTENTION
                    else "settle again once `yibao journal recover` reports it resolved")
            raise StateError(
                f"person {psn_no[:4]}****: an earlier {e.infno} ({e.msgid}) has an unresolved outcome "
                f"({e.state.value}); {then}",
                infno=e.infno, msgid=e.msgid,
            )
