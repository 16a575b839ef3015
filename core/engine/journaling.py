"""Layer 4, journal: the write-ahead intent of a message, and the record of a refusal.

The order of durable steps for a state-changing message (reliability.md §1 "Write-ahead intent")::

    validate ─ fail ─> journal FAILED (why), nothing sent, ValidationError (exit 2)
       │
    allocate msgid ─> journal INTENT+SENT (one commit) ─> bytes leave ─> journal outcome

The intent is committed already marked SENT: nothing stands between the two, so they share one
fsync.  A crash leaves the row SENT (maybe sent: UNKNOWN, reversed) or no row at all (nothing
was sent; the bill's idempotency claim is taken over).  INTENT alone is what a failed
validation leaves (then FAILED), and NOT_SENT -> SENT a re-send under the same msgid.
Queries (1101, 52xx ...) are logged, not journaled.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..catalog import Catalog
from ..catalog.values import value_problems
from ..envelope import Envelope
from ..errors import ValidationError
from ..journal import REVERSAL_INFNO, Journal, State
from ..masking import mask_input
from .call import Call, Prepared
from .sessions import Who

__all__ = ["hand_reversal_of", "journal_refusal", "write_intent"]


def hand_reversal_of(call: Call) -> tuple[str, str] | None:
    """(omsgid, oinfno) of a 2601 sent by hand (``yibao call 2601``, the service's
    ``/v1/transactions/2601``, an acceptance case), not by the reversal queue (which names the
    original on the :class:`Call` and moves it itself); None for any other message."""
    if call.infno != REVERSAL_INFNO or call.omsgid is not None:
        return None
    data = call.input.get("data") if isinstance(call.input, Mapping) else None
    omsgid = data.get("omsgid") if isinstance(data, Mapping) else None
    if not isinstance(omsgid, str) or not omsgid:
        return None
    oinfno = data.get("oinfno") if isinstance(data, Mapping) else None
    return omsgid, oinfno if isinstance(oinfno, str) else ""


def write_intent(journal: Journal, prepared: Prepared, envelope: Envelope, who: Who, region: str,
                 key: str | None) -> None:
    """Commit INTENT+SENT for ``envelope`` (raises StateError when the visit is busy).  A 2601 by
    hand names its original like the queue's own (``omsgid``, ``oinfno``, ``reversal_of``)."""
    call = prepared.call
    omsgid, oinfno = hand_reversal_of(call) or (call.omsgid, call.oinfno)
    journal.record_intent(
        msgid=envelope.msgid, infno=call.infno, region=region, fixmedins_code=envelope.fixmedins_code,
        opter=who[0].opter, terminal=who[1], input_full=prepared.input, input_masked=mask_input(prepared.input),
        kind=prepared.kind, psn_no=prepared.psn_no, mdtrt_id=prepared.mdtrt_id, setl_id=prepared.setl_id,
        chrg_bchno=prepared.chrg_bchno, insuplc_admdvs=envelope.insuplc_admdvs or None,
        idem_key=key or call.idem_key, omsgid=omsgid, oinfno=oinfno or None,
        sending=True,  # INTENT -> SENT in one commit: the bytes leave right after it
        fetch=False,
    )


def _storable(data: Any) -> dict[str, Any]:
    """The refused input as the journal can keep it.  A value no message may carry (a float, a
    NaN, a lone surrogate, a structure too deep: :func:`~yibao.core.catalog.values.value_problems`)
    is kept as the list of where it was, never re-serialised (issue 10 #7: that raised the
    wrong error); the ValidationError names the field either way."""
    if not isinstance(data, Mapping):
        return {"unreadable_input": type(data).__name__}
    problems = [f"{path}: {rule}" for path, rule, _ in value_problems(data)]
    if problems:
        return {"unreadable_input": problems}
    return dict(data)


def journal_refusal(journal: Journal, catalog: Catalog, call: Call, exc: ValidationError,
                    where: Mapping[str, str]) -> None:
    """A failed validation sends nothing and, for a state-changing transaction, journals why."""
    tx = catalog.get(call.infno)
    kind = tx.kind if tx is not None else "state"
    if kind not in ("money", "state"):
        return
    data = _storable(call.input)
    msgid = journal.allocate_msgid(where["fixmedins_code"], where["terminal"])
    journal.record_intent(
        msgid=msgid, infno=call.infno, region=where["region"], fixmedins_code=where["fixmedins_code"],
        opter=where["opter"], terminal=where["terminal"], input_full=data, input_masked=mask_input(data),
        kind=kind, idem_key=call.idem_key,
    )
    journal.record_outcome(msgid, State.FAILED, err_msg=f"not sent: {exc.message}"[:2000])
    exc.msgid = msgid
