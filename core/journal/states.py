"""The life of a journaled message: states and the legal transitions between them.

A state-changing message (2102 药店结算, 2207 门诊结算, 2304 住院结算, their cancels
2103 / 2208 / 2305, registrations, uploads, and the 2601 冲正交易 itself) is written as an
INTENT before a byte leaves (reliability.md §1, "write-ahead intent"), then moves::

    INTENT ──> SENT ──> SUCCEEDED | FAILED | NOT_SENT | UNKNOWN
      │                                                 │
      ├──> NOT_SENT   (nothing left us)                 └──> REVERSING ──> REVERSED
      └──> FAILED     (validation refused: nothing sent,          │   ^
                       the journal says why)                      v   │ (manual retry)
                                                            NEEDS_ATTENTION ──> REVERSED | FAILED (by hand)
    NOT_SENT ──> SENT (a proven-not-sent message is re-sent with the SAME msgid)

A cancel (2103 / 2208 / 2305) is its own entry linked to the original by ``setl_id``; the
original stays SUCCEEDED.  A 2601 row is an ordinary entry whose ``omsgid`` names the original;
a 2601 whose own answer is lost is never reversed itself: the original stays REVERSING and
gets a fresh 2601 with the same ``omsgid`` (reliability.md §2 case 4).

SUCCEEDED ──> REVERSED is a 2601 sent by hand (``yibao call 2601``, ``POST /v1/transactions/2601``,
an acceptance list's 冲正 case) that the centre accepted: the original no longer exists there,
so it must not stand here either (reconciliation would miss it at the centre, a resent bill
would be answered as settled).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import ClassVar

from ..errors import YibaoError

__all__ = [
    "FINAL_STATES",
    "IN_FLIGHT_STATES",
    "LEGAL_TRANSITIONS",
    "OUTCOME_STATES",
    "UNRESOLVED_STATES",
    "IllegalTransition",
    "State",
    "check_transition",
]


class State(enum.StrEnum):
    """Where a journaled message stands."""

    INTENT = "INTENT"
    SENT = "SENT"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    NOT_SENT = "NOT_SENT"
    UNKNOWN = "UNKNOWN"
    REVERSING = "REVERSING"
    REVERSED = "REVERSED"
    NEEDS_ATTENTION = "NEEDS_ATTENTION"


LEGAL_TRANSITIONS: dict[State, frozenset[State]] = {
    State.INTENT: frozenset({State.SENT, State.NOT_SENT, State.FAILED}),
    State.SENT: frozenset({State.SUCCEEDED, State.FAILED, State.NOT_SENT, State.UNKNOWN}),
    # Only a message proven not to have left may go again, and only under its own msgid.
    State.NOT_SENT: frozenset({State.SENT}),
    State.UNKNOWN: frozenset({State.REVERSING}),
    State.REVERSING: frozenset({State.REVERSED, State.NEEDS_ATTENTION}),
    # An operator retries the reversal, or finds with the centre that it holds nothing (FAILED)
    # or that the bureau reversed it (REVERSED): yibao.core.journal.by_hand.
    State.NEEDS_ATTENTION: frozenset({State.REVERSING, State.REVERSED, State.FAILED}),
    # A 2601 sent by hand and accepted (module docstring): the centre undid the message.
    State.SUCCEEDED: frozenset({State.REVERSED}),
    State.FAILED: frozenset(),
    State.REVERSED: frozenset(),
}

#: States :meth:`Journal.record_outcome` may write (the answer, or the lack of one).
OUTCOME_STATES = frozenset({State.SUCCEEDED, State.FAILED, State.NOT_SENT, State.UNKNOWN})
#: Nothing more happens to an entry in these states by itself (a SUCCEEDED one only by a 2601
#: someone sends by hand).
FINAL_STATES = frozenset({State.SUCCEEDED, State.FAILED, State.REVERSED})
#: The centre may hold a settlement the HIS does not know about: block the person meanwhile.
UNRESOLVED_STATES = frozenset({State.UNKNOWN, State.REVERSING, State.NEEDS_ATTENTION})
#: Written but not yet answered: a live process is working on it, or a crashed one left it.
IN_FLIGHT_STATES = frozenset({State.INTENT, State.SENT})


class IllegalTransition(YibaoError):
    """A state change the machine does not allow, or the entry was not in the expected state.

    ``current`` is the state found in the journal (``None`` when the msgid is unknown).
    Nothing was written.
    """

    exit_code: ClassVar[int] = 2

    def __init__(
        self,
        msgid: str,
        from_states: Iterable[State],
        to_state: State,
        current: State | None = None,
        *,
        reason: str | None = None,
    ) -> None:
        wanted = "/".join(sorted(s.value for s in from_states)) or "-"
        found = "no such entry" if current is None else f"entry is {current.value}"
        text = reason or f"cannot move {wanted} -> {to_state.value}: {found}"
        super().__init__(text, msgid=msgid)
        self.from_states = frozenset(from_states)
        self.to_state = to_state
        self.current = current


def check_transition(msgid: str, from_states: Iterable[State], to_state: State) -> frozenset[State]:
    """Refuse, before touching the database, any ``from -> to`` pair the machine forbids."""
    sources = frozenset(State(s) for s in from_states)
    if not sources:
        raise IllegalTransition(msgid, sources, to_state, reason="no source state given")
    bad = [s for s in sources if to_state not in LEGAL_TRANSITIONS[s]]
    if bad:
        pairs = ", ".join(f"{s.value}->{to_state.value}" for s in sorted(bad, key=lambda s: s.value))
        raise IllegalTransition(msgid, sources, to_state, reason=f"illegal transition {pairs}")
    return sources
