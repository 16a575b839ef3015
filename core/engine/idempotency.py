"""Layer 2a, idempotency: a bill's key makes a HIS retry harmless (reliability.md §1, §2 case 10).

The national platform has no idempotency of its own, so a double click or a HIS retry would
settle twice.  For a money transaction sent with a key, the engine claims the key with a
fingerprint of the prepared input *before* anything is sent (:mod:`yibao.core.journal.idempotency`
keeps the claims, shared by every process on the journal):

- same key, same bill -> the stored reply, nothing sent;
- same key, another bill -> refused (StateError, exit 2), nothing sent;
- the first request still running -> refused as in progress;
- the first attempt's outcome is UNKNOWN -> refused until its 2601 is acknowledged; after that
  the bill runs again under a key derived from the reversed msgid (a chain that ends);
- a claim whose holder died -> taken over from what the journal knows (see :meth:`BillKeys._take_over`).

The fingerprint leaves out the fields each attempt stamps anew (the time of the attempt, a
single-use e-voucher code): a retry a second later is the same bill.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from .. import wire
from ..envelope import Reply
from ..errors import StateError
from ..journal import Journal, KeyClaim, State

__all__ = ["ABANDONED_AFTER", "DERIVED_PREFIX", "VOLATILE", "BillKeys", "derived_key", "fingerprint", "reversed_since"]

#: A claim held this long by a process of another host, with nothing journaled, was abandoned
#: (a live request reaches its settlement's journal entry within a few read timeouts).
ABANDONED_AFTER = 900
VOLATILE = frozenset({"begntime", "fee_ocur_time", "mdtrt_cert_type", "mdtrt_cert_no", "card_sn"})


def _stable(payload: Any) -> Any:
    if isinstance(payload, Mapping):
        return {k: _stable(v) for k, v in payload.items() if k not in VOLATILE}
    if isinstance(payload, list | tuple):
        return [_stable(v) for v in payload]
    return payload


def fingerprint(infno: str, prepared_input: Mapping[str, Any]) -> str:
    """sha256 of the bill's content: the prepared input without :data:`VOLATILE` fields."""
    body = wire.dumps_bytes({"infno": infno, "input": _stable(prepared_input)}, check_floats=False)
    return hashlib.sha256(body).hexdigest()


#: Keys the engine derives itself start so: a HIS's own keys never collide with them.
DERIVED_PREFIX = "input:"


def derived_key(infno: str, prepared_input: Mapping[str, Any]) -> str:
    """The key of a money call sent without one (``yibao call``): the whole normalised input,
    its times included, so an exact resubmission is the same bill and a sale of the same
    items at another time is another (the fingerprint, which leaves the times out, still
    decides whether a key's content changed)."""
    body = wire.dumps_bytes({"infno": infno, "input": prepared_input}, check_floats=False)
    return f"{DERIVED_PREFIX}{infno}:{hashlib.sha256(body).hexdigest()[:40]}"


def _reply_json(reply: Reply, msgid: str) -> dict[str, Any]:
    return {"msgid": msgid, "infcode": reply.infcode, "inf_refmsgid": reply.inf_refmsgid,
            "refmsg_time": reply.refmsg_time, "respond_time": reply.respond_time, "err_msg": reply.err_msg,
            "warn_msg": reply.warn_msg, "output": reply.output}


def _reply(stored: Mapping[str, Any]) -> Reply:
    return Reply.from_json(stored).with_msgid(str(stored.get("msgid", "")), replayed=True)


def reversed_since(journal: Journal, msgid: str) -> StateError | None:
    """The refusal for a replay of ``msgid``'s success when a 2601 has undone it since (a 2601 by
    hand: :meth:`Journal.reversed_by_hand`): answering "settled" would be false, and charging
    again under the same bill is not the HIS's call to make silently.  None when it stands."""
    entry = journal.get(msgid) if msgid else None
    if entry is None or entry.state != State.REVERSED:
        return None
    by = f" by {entry.reversed_by}" if entry.reversed_by else ""
    return StateError(f"the message {msgid} this bill's key answered with was reversed with 2601{by}; nothing was "
                      "sent: a new charge of this bill takes a new bill number (idempotency key)", msgid=msgid)


class BillKeys:
    """Claims, completes and releases bill keys in the journal."""

    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    def claim(self, key: str, digest: str) -> tuple[str, Reply | None]:
        """``(key to journal under, stored reply or None)``; raises :class:`StateError` when the
        key cannot be used now (other content, in progress, outcome unknown)."""
        while True:
            claim = self._journal.claim_key(key, digest)
            if claim.status == "new":
                return key, None
            if claim.status == "conflict":
                raise StateError(f"idempotency key {key!r} was already used with other content: nothing sent")
            if claim.status == "in_progress":
                taken = self._take_over(key, claim)
                if taken is True:
                    continue
                if isinstance(taken, Reply):
                    return key, taken
                raise StateError(f"idempotency key {key!r}: the first request is still in progress")
            stored = dict(claim.result or {})
            unknown = stored.get("unknown_msgid")
            if unknown is None:
                undone = reversed_since(self._journal, str(stored.get("msgid") or ""))
                if undone is not None:
                    raise undone
                return key, _reply(stored)
            entry = self._journal.get(str(unknown))
            if entry is None or entry.state != State.REVERSED:
                raise StateError(f"idempotency key {key!r}: the outcome of {unknown} is unknown and it is being "
                                 "reversed (2601); retry after `yibao journal recover` reports it resolved",
                                 msgid=str(unknown))
            # A finished key is kept for good, so the attempt after a reversal runs under a key
            # derived from the reversed msgid: one link per reversed attempt of this bill.
            derived = f"{key}~{unknown}"
            key = derived if len(derived) <= 255 else hashlib.sha256(derived.encode()).hexdigest()

    def complete(self, key: str, reply: Reply, msgid: str) -> None:
        self._journal.complete_key(key, _reply_json(reply, msgid))

    def unknown(self, key: str, msgid: str) -> None:
        self._journal.complete_key(key, {"unknown_msgid": msgid})

    def release(self, key: str) -> None:
        self._journal.release_key(key)

    def _take_over(self, key: str, claim: KeyClaim) -> Reply | bool | None:
        """An ``in_progress`` key whose process died: what the journal knows decides.

        - its settlement SUCCEEDED but the key was never completed (killed in between): the key
          is completed from the journal's reply, which is returned;
        - nothing of it reached the journal and its holder is dead (a process of this host that
          no longer exists) or, for a holder elsewhere, the claim is older than
          :data:`ABANDONED_AFTER` seconds: abandoned before anything was sent, so it is released
          (``True``: claim again);
        - otherwise ``None``: a live request, or one recovery has to resolve first.
        """
        entries = [e for e in self._journal.list(idem_key=key, limit=20) if e.kind == "money"]
        for e in entries:
            if e.state == State.SUCCEEDED and e.output is not None:
                reply = Reply(infcode=e.infcode or 0, inf_refmsgid=e.inf_refmsgid or "", output=e.output)
                self.complete(key, reply, e.msgid)
                return reply.with_msgid(e.msgid, replayed=True)
        if entries:
            return None
        age = (datetime.now(UTC) - claim.claimed_at).total_seconds() if claim.claimed_at is not None else 0.0
        stale = age > ABANDONED_AFTER
        if not (claim.owner_is_dead or stale):
            return None
        self._journal.release_key(key)
        return True
