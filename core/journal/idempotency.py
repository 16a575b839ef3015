"""Idempotency keys at our edge: the HIS bill number makes a retry harmless.

The national platform has no idempotency of its own, so a double click or a HIS retry
would settle twice (Tphy issues #29, #70; reliability.md §1 "Idempotency keys", §2 case 10).
The caller claims the key with a fingerprint of the request body before journaling:

- ``new``: this caller owns the key; call :func:`complete_key` with the result, or
  :func:`release_key` when the attempt failed without sending anything;
- ``in_progress``: another caller holds it (answer 409 / "in progress");
- ``done``: the stored ``result`` is the answer (return it, send nothing);
- ``conflict``: the key was used with another body (answer 422).

The claim is a unique insert, so of two concurrent claims exactly one is ``new``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

import attrs

from .. import wire
from ..errors import StateError
from ..masking import mask_input
from .db import Database
from .owners import holder_gone, me

__all__ = ["KeyClaim", "claim_key", "complete_key", "prune_keys", "release_key"]

ClaimStatus = Literal["new", "in_progress", "done", "conflict"]


@attrs.frozen
class KeyClaim:
    """The answer to a claim; ``result`` is the stored JSON when ``status == "done"``."""

    key: str
    status: ClaimStatus
    result: Any = None
    #: when an ``in_progress`` claim was last touched (to tell a live claim from an abandoned one)
    claimed_at: datetime | None = None
    #: ``host:pid`` of the process holding an ``in_progress`` claim
    owner: str | None = None
    #: the fingerprint the key was first claimed with
    fingerprint: str = ""

    @property
    def owner_is_dead(self) -> bool:
        """The holder was a process of this host that no longer exists (killed, crashed)."""
        if not self.owner or ":" not in self.owner:
            return False
        host, _, pid = self.owner.rpartition(":")
        return pid.isdigit() and holder_gone(host, int(pid))


def claim_key(db: Database, key: str, fingerprint: str) -> KeyClaim:
    """Claim ``key`` for a request whose body hashes to ``fingerprint``."""
    if not key or len(key) > 255:
        raise ValueError("an idempotency key is 1-255 characters")
    now, p = datetime.now(UTC), db.p
    # One statement decides (the key's primary key arbitrates between processes), so it commits
    # on its own: no BEGIN / COMMIT around it.  Only a lost race reads the row that won.
    while True:
        inserted = db.execute(
            "INSERT INTO journal_idem_keys (idem_key, fingerprint, status, result, created_at, updated_at, owner)"
            f" VALUES ({p}, {p}, 'in_progress', NULL, {p}, {p}, {p}) ON CONFLICT (idem_key) DO NOTHING",
            (key, fingerprint, now, now, me()),
        )
        if inserted == 1:
            return KeyClaim(key, "new", fingerprint=fingerprint)
        row = db.fetchone(_SELECT.format(p=p), (key,))
        if row is not None:
            break
        # released (or pruned) between the two statements: claim again
    claim = _claim(key, row)
    return KeyClaim(key, "conflict", fingerprint=claim.fingerprint) if claim.fingerprint != fingerprint else claim


_SELECT = "SELECT fingerprint, status, result, updated_at, owner FROM journal_idem_keys WHERE idem_key = {p}"


def _claim(key: str, row: Mapping[str, Any]) -> KeyClaim:
    if row["status"] == "done":
        return KeyClaim(key, "done", None if row["result"] is None else wire.loads(row["result"]),
                        fingerprint=row["fingerprint"])
    touched = row["updated_at"]
    if isinstance(touched, str):
        touched = datetime.fromisoformat(touched)
    if isinstance(touched, datetime) and touched.tzinfo is None:
        touched = touched.replace(tzinfo=UTC)
    return KeyClaim(key, "in_progress", claimed_at=touched if isinstance(touched, datetime) else None,
                    owner=row["owner"], fingerprint=row["fingerprint"])



def complete_key(db: Database, key: str, result: Mapping[str, Any]) -> None:
    """Store the result of the claimed request; later claims with the same body get it (with
    personal data masked: a replay returns the settlement's money as it was, its names and ID
    numbers as the journal keeps them)."""
    p = db.p
    changed = db.execute(
        f"UPDATE journal_idem_keys SET status = 'done', result = {p}, updated_at = {p}"
        f" WHERE idem_key = {p} AND status = 'in_progress'",
        (wire.dumps(mask_input(dict(result), diagnoses=True)), datetime.now(UTC), key),
    )
    if changed != 1:
        raise StateError(f"idempotency key {key!r} is not in progress")


def release_key(db: Database, key: str) -> None:
    """Forget an in-progress claim whose attempt sent nothing, so the HIS may try again."""
    db.execute(f"DELETE FROM journal_idem_keys WHERE idem_key = {db.p} AND status = 'in_progress'", (key,))


def prune_keys(db: Database, older_than: datetime) -> int:
    """Drop finished keys last touched before ``older_than`` (keep them ≥24 h); the count."""
    return db.execute(f"DELETE FROM journal_idem_keys WHERE status = 'done' AND updated_at < {db.p}", (older_than,))
