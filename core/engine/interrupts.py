"""A message an interrupt caught on the wire (issue 10 #4; reliability.md §2 case 6).

Ctrl-C or SIGTERM while a money message may have left: the engine journals it UNKNOWN and
schedules its 2601 before the interrupt goes on, and keeps an :class:`Interrupted` saying so
(also added as a note to the exception), so that the CLI can tell the cashier what happened
and what to do instead of leaving the row SENT with no word.
"""

from __future__ import annotations

from datetime import datetime

import attrs

__all__ = ["Interrupted"]


@attrs.frozen
class Interrupted:
    """A message an interrupt caught after it may have left: journaled UNKNOWN (issue 10 #4)."""

    infno: str
    msgid: str
    reversal_at: datetime | None  # None: not journaled (a query), nothing to reverse
    reversible: bool = True

    def explain(self) -> str:
        """What happened and what to do, for the cashier."""
        if self.reversal_at is None:
            return f"interrupted while {self.infno} (msgid {self.msgid}) was on the wire; it changes nothing"
        if not self.reversible:
            return (f"interrupted while {self.infno} (msgid {self.msgid}) was on the wire: the centre may have "
                    f"committed it. Journaled UNKNOWN; 2601 cannot reverse {self.infno}: check it at the centre "
                    f"(`yibao journal show {self.msgid}`).")
        return (f"interrupted while {self.infno} (msgid {self.msgid}) was on the wire: the centre may have "
                f"committed it. Journaled UNKNOWN; its reversal (2601) is scheduled for "
                f"{self.reversal_at:%H:%M:%S} and runs at the next yibao command or `yibao journal recover`. "
                f"Do not charge again until it is resolved (`yibao journal show {self.msgid}`).")
