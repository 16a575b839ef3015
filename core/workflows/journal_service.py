"""``client.journal``: read the journal, and resolve what is unresolved.

Reading never needs the network.  :meth:`JournalService.recover` runs the recovery the CLI's
``yibao journal recover`` runs (interrupted rows, then every due 2601 until none is pending);
:meth:`JournalService.reverse_now` sends one entry's 2601 at once, on an operator's word,
whatever its schedule said; :meth:`JournalService.resolve` settles a NEEDS_ATTENTION entry by
what the centre was found to hold, sending nothing.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterator
from datetime import date, datetime

from ..engine import RecoverReport, ReversalQueue
from ..errors import StateError
from ..journal import Entry, Journal, State

__all__ = ["JournalService"]


class JournalService:
    """The journal of this institution, as the HIS and the 医保办 see it."""

    def __init__(self, journal: Journal, reversals: ReversalQueue) -> None:
        self._journal = journal
        self._reversals = reversals

    def get(self, msgid: str) -> Entry | None:
        """One entry, or ``None``."""
        return self._journal.get(msgid)

    def list(self, *, state: State | None = None, infno: str | None = None, limit: int = 200,
             psn_no: str | None = None, mdtrt_id: str | None = None, idem_key: str | None = None,
             setl_id: str | None = None) -> builtins.list[Entry]:
        """Entries, newest first; every given filter must match."""
        return self._journal.list(state=state, infno=infno, limit=limit, psn_no=psn_no, mdtrt_id=mdtrt_id,
                                  idem_key=idem_key, setl_id=setl_id)

    def unresolved(self) -> builtins.list[Entry]:
        """UNKNOWN, REVERSING and NEEDS_ATTENTION entries: where the centre may hold a
        settlement the HIS does not know."""
        return self._reversals.unresolved()

    def settlements(self, begin: date, end: date) -> Iterator[Entry]:
        """Succeeded and reversed settlements and cancels of ``begin..end`` (the centre's days)."""
        return self._journal.settlements(begin, end)

    def recover(self, *, wait: bool = True, max_wait: float | None = None, at_once: bool = False,
                progress: Callable[[str], None] | None = None) -> RecoverReport:
        """Interrupted rows, then every due 2601, waiting for queued ones up to ``max_wait`` s
        (default ``reversal.recover_max_wait_seconds``);
        ``at_once`` sends them all now (see :meth:`ReversalQueue.recover`)."""
        return self._reversals.recover(wait=wait, max_wait=max_wait, at_once=at_once, progress=progress)

    def run_due(self, *, now: datetime | None = None) -> RecoverReport:
        """One pass over the reversals due now (what a client or the service runs at start)."""
        return self._reversals.run_due(now=now)

    def reverse_now(self, msgid: str) -> State:
        """Send ``msgid``'s 2601 now (an UNKNOWN, REVERSING or NEEDS_ATTENTION entry)."""
        entry = self._journal.get(msgid)
        if entry is None:
            raise StateError(f"no journal entry with msgid {msgid}", msgid=msgid)
        if entry.state not in (State.UNKNOWN, State.REVERSING, State.NEEDS_ATTENTION):
            raise StateError(f"{msgid} is {entry.state.value}: only an unresolved outcome is reversed", msgid=msgid)
        report = RecoverReport()
        state = self._reversals.reverse_one(entry, report)
        return state

    def resolve(self, msgid: str, finding: str, note: str, *, opter: str) -> Entry:
        """Settle a NEEDS_ATTENTION entry by what the centre holds (``not_at_centre``: FAILED;
        ``reversed_at_centre``: REVERSED), keeping ``note`` and ``opter``; nothing is sent
        (:mod:`yibao.core.journal.by_hand`)."""
        from ..journal.by_hand import resolve_by_hand

        return resolve_by_hand(self._journal, msgid, finding, note, opter=opter)
