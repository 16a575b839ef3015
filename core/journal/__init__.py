"""The durable journal: write-ahead intents, outcomes, reversal queue, sessions, msgids.

::

    from yibao.core.journal import open_journal, State

    with open_journal("sqlite:///yibao-journal.db") as j:      # or postgresql://user@host/db
        msgid = j.allocate_msgid("H44010000001")
        j.record_intent(msgid=msgid, infno="2207", region="440000", fixmedins_code="H44010000001",
                        opter="0001", terminal="T1", input_full=body, input_masked=mask_input(body),
                        kind="money", psn_no=psn_no, mdtrt_id=mdtrt_id)
        j.mark_sent(msgid)                                      # durable before the bytes go
        ...                                                     # send
        j.record_outcome(msgid, State.SUCCEEDED, output=out, setl_id=..., medfee_sumamt=...)

Modules: :mod:`.schema` (SQL and migrations, ``register_migration``), :mod:`.db` (SQLite /
PostgreSQL connection with checked durability), :mod:`.states` (the state machine),
:mod:`.entry` (the row as :class:`Entry`), :mod:`.store` (:class:`Journal`), :mod:`.msgid`,
:mod:`.sessions`, :mod:`.idempotency`, :mod:`.masking`.
"""

from __future__ import annotations

from .entry import MONEY_COLUMNS, Entry
from .idempotency import KeyClaim
from .masking import (
    CARD_FIELDS,
    DIAGNOSIS_FIELDS,
    ID_FIELDS,
    NAME_FIELDS,
    TOKEN_FIELDS,
    mask_id,
    mask_input,
    mask_name,
)
from .msgid import split_msgid
from .schema import register_migration
from .sessions import Session
from .states import IllegalTransition, State
from .store import REVERSAL_INFNO, SETTLEMENT_INFNOS, Journal, open_journal

__all__ = [
    "CARD_FIELDS",
    "DIAGNOSIS_FIELDS",
    "ID_FIELDS",
    "MONEY_COLUMNS",
    "NAME_FIELDS",
    "REVERSAL_INFNO",
    "SETTLEMENT_INFNOS",
    "TOKEN_FIELDS",
    "Entry",
    "IllegalTransition",
    "Journal",
    "KeyClaim",
    "Session",
    "State",
    "mask_id",
    "mask_input",
    "mask_name",
    "open_journal",
    "register_migration",
    "split_msgid",
]
