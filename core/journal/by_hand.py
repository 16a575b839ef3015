"""An entry settled by a person's word: the way out of NEEDS_ATTENTION.

The reversal queue stops at NEEDS_ATTENTION when the centre keeps answering a 2601 with
"original not found" (or refuses it ``reversal.max_attempts`` times).  The person stays refused
meanwhile (:mod:`yibao.core.engine.guards`), since the centre may still hold the settlement.  A
message that never reached the centre's books (a gateway's 502 before it forwarded anything)
stays there for ever unless someone who has checked with the centre says so: the 医保办, after
the day's 3202 detail or the bureau's own look (reliability.md, "manual resolution with
operator note").  Two findings are possible:

- ``not_at_centre``: the centre holds nothing for the msgid -> FAILED (nothing committed, as
  after a refusal; reconciliation does not count it);
- ``reversed_at_centre``: the bureau undid it on its side -> REVERSED.

Either way the note (who checked what) goes into the entry's ``notes`` with the operator, and
the person may settle again.  Nothing is sent.
"""

from __future__ import annotations

from typing import Literal

from ..errors import StateError
from .entry import Entry
from .states import IllegalTransition, State
from .store import Journal

__all__ = ["FINDINGS", "MIN_NOTE", "resolve_by_hand"]

Finding = Literal["not_at_centre", "reversed_at_centre"]
#: finding -> the state it leaves the entry in
FINDINGS: dict[str, State] = {"not_at_centre": State.FAILED, "reversed_at_centre": State.REVERSED}
#: a note must say something (what was checked, with whom): at least this many characters
MIN_NOTE = 8


def resolve_by_hand(journal: Journal, msgid: str, finding: str, note: str, *, opter: str) -> Entry:
    """Move a NEEDS_ATTENTION entry to the state ``finding`` names, recording ``note``.

    Raises :class:`StateError` (nothing changed) for an unknown msgid or finding, a note shorter
    than :data:`MIN_NOTE`, or an entry in any other state: an UNKNOWN or REVERSING one is still
    the queue's to resolve, and a final one has nothing left to resolve."""
    to_state = FINDINGS.get(finding)
    if to_state is None:
        raise StateError(f"finding must be one of {', '.join(FINDINGS)}, got {finding!r}", msgid=msgid)
    text = " ".join(note.split())
    if len(text) < MIN_NOTE:
        raise StateError(f"note: say what was checked and with whom (at least {MIN_NOTE} characters)",
                         msgid=msgid)
    entry = journal.get(msgid)
    if entry is None:
        raise StateError(f"no journal entry with msgid {msgid}", msgid=msgid)
    if entry.state is not State.NEEDS_ATTENTION:
        why = ("its reversal is still under way: `yibao journal recover`" if entry.state in
               (State.UNKNOWN, State.REVERSING) else "it is not waiting for anyone")
        raise StateError(f"{msgid} is {entry.state.value}, not NEEDS_ATTENTION: {why}", msgid=msgid, infno=entry.infno)
    try:
        moved = journal.transition(msgid, [State.NEEDS_ATTENTION], to_state)
    except IllegalTransition as exc:  # the queue (or another operator) moved it meanwhile
        raise StateError(f"{msgid} changed while this ran: {exc}", msgid=msgid, infno=entry.infno) from exc
    journal.note(msgid, f"resolved by hand ({finding}) by {opter}: {text}")
    return journal.get(msgid) or moved
