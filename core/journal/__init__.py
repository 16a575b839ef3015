"""The durable journal: write-ahead intents, outcomes, reversal queue, sessions, msgids.

::

    from yibao.core.journal import open_journal, State

    with open_journal("sqlite:///yibao-journal.db") as j:      # or postgresql://user@host/db
        msgid = j.allocate_msgid("H44010000001", "T01")  # T01 issues nn01xx of each second
        j.record_intent(msgid=msgid, infno="2207", region="440000", fixmedins_code="H44010000001",
                        opter="0001", terminal="T01", input_full=body, input_masked=mask_input(body),
                        kind="money", psn_no=psn_no, mdtrt_id=mdtrt_id, sending=True)  # durable before the bytes go
        ...                                                     # send
        j.record_outcome(msgid, State.SUCCEEDED, output=out, setl_id=..., medfee_sumamt=...)

Modules: :mod:`.schema` (SQL and migrations, ``register_migration``), :mod:`.db` (SQLite /
PostgreSQL connection with checked durability), :mod:`.states` (the state machine),
:mod:`.entry` (the row as :class:`Entry`), :mod:`.store` (:class:`Journal`), :mod:`.msgid`,
:mod:`.sessions`, :mod:`.idempotency`.  Masking lives in :mod:`yibao.core.masking`.
"""

from __future__ import annotations

from .entry import MONEY_COLUMNS, Entry
from .idempotency import KeyClaim
from .msgid import split_msgid
from .schema import register_migration
from .sessions import Session
from .states import IllegalTransition, State
from .store import REVERSAL_INFNO, SETTLEMENT_INFNOS, Journal, open_journal

__all__ = [
    "MONEY_COLUMNS",
    "REVERSAL_INFNO",
    "SETTLEMENT_INFNOS",
    "Entry",
    "IllegalTransition",
    "Journal",
    "KeyClaim",
    "Session",
    "State",
    "open_journal",
    "register_migration",
    "split_msgid",
]
