"""``Idempotency-Key`` as Stripe does it (contract "``yibao serve``" → Idempotency;
reliability.md §1 "Idempotency keys", §2 case 10).

A state-changing request that carries a key is claimed *before* anything is sent: a unique
insert of the key with the fingerprint of the request (route, path parameters and the body
re-encoded canonically: keys sorted, so whitespace and key order do not matter).  Then:

============================  ==================================================================
the key is                    answer
============================  ==================================================================
new                           the request runs; its response is stored (:meth:`IdemStore.finish`)
done, same fingerprint        the stored response: same status, same body,
                              ``Idempotent-Replayed: true``; nothing is sent
done or running, other body   409 ``conflict``; nothing is sent
running                       409 ``conflict`` (``Retry-After``); nothing is sent
running, holder dead          taken over (see :class:`Claim`): the service decides from what the
                              journal knows, never by sending blindly
============================  ==================================================================

What is stored: every response of a request that may have reached the centre (2xx, 424
business, 502 gateway refused, 504 outcome unknown).  A request that provably sent nothing
(422 validation, 503 not sent, 409 refused by local state) gives its key back, so the HIS may
retry the same key once the cause is gone; that is still never a second send.  Rows live in the
journal's database (``service_idempotency``): shared by every instance, kept across restarts,
pruned ``[service] idempotency_hours`` (≥ 24) after they finished.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any, Literal

import attrs
import msgspec

from ..journal.db import Database
from .store import Instances, parse_time, utcnow

__all__ = ["Claim", "IdemStore", "Stored", "fingerprint"]

_CANONICAL = msgspec.json.Encoder(decimal_format="number", order="sorted")


def fingerprint(route: str, params: dict[str, str], body: Any) -> str:
    """sha256 over the route template, its path parameters and the canonical body."""
    text = _CANONICAL.encode({"route": route, "params": params, "body": body})
    return hashlib.sha256(text).hexdigest()


@attrs.frozen
class Stored:
    """A stored response, replayed byte for byte."""

    status_code: int
    content_type: str
    body: bytes
    msgid: str | None = None


@attrs.frozen
class Claim:
    """The answer to :meth:`IdemStore.claim`.

    ``status``: ``new`` (run it), ``replay`` (answer ``stored``), ``mismatch`` (other body),
    ``running`` (a live instance is on it), ``orphaned`` (its instance died mid-request: this
    instance now holds the key and must decide from the journal what to answer).
    """

    status: Literal["new", "replay", "mismatch", "running", "orphaned"]
    stored: Stored | None = None


class IdemStore:
    """Claims, finishes and releases keys in ``service_idempotency``."""

    def __init__(self, db: Database, instances: Instances, keep_hours: int) -> None:
        self._db = db
        self._instances = instances
        self.keep = timedelta(hours=keep_hours)

    def claim(self, key: str, digest: str, route: str, terminal: str) -> Claim:
        db, p, now, me = self._db, self._db.p, utcnow(), self._instances.instance_id
        inserted = db.execute(
            "INSERT INTO service_idempotency (idem_key, fingerprint, route, terminal, state, owner, created_at,"
            f" updated_at) VALUES ({p}, {p}, {p}, {p}, 'running', {p}, {p}, {p}) ON CONFLICT (idem_key) DO NOTHING",
            (key, digest, route, terminal, me, now, now))
        if inserted == 1:
            return Claim("new")
        row = db.fetchone(f"SELECT * FROM service_idempotency WHERE idem_key = {p}", (key,))
        if row is None:  # released between our insert and our read: try once more
            return self.claim(key, digest, route, terminal)
        if row["fingerprint"] != digest:
            return Claim("mismatch")
        if row["state"] == "done":
            finished = parse_time(row["updated_at"])
            if finished is not None and now - finished > self.keep:
                self._forget(key, "done")
                return self.claim(key, digest, route, terminal)
            body = row["body"] or ""
            return Claim("replay", Stored(int(row["status_code"]), str(row["content_type"]),
                                          body.encode("utf-8"), row["msgid"]))
        if self._instances.is_alive(str(row["owner"])):
            return Claim("running")
        # Its instance died with the request in hand.  Take the key over with a compare-and-set
        # on the owner, so of two instances noticing at once exactly one proceeds.
        taken = db.execute(f"UPDATE service_idempotency SET owner = {p}, updated_at = {p}"
                           f" WHERE idem_key = {p} AND state = 'running' AND owner = {p}",
                           (me, now, key, row["owner"]))
        return Claim("orphaned") if taken == 1 else Claim("running")

    def finish(self, key: str, stored: Stored) -> None:
        """Store the response of the request this instance holds the key for."""
        p = self._db.p
        self._db.execute(
            f"UPDATE service_idempotency SET state = 'done', status_code = {p}, content_type = {p}, body = {p},"
            f" msgid = {p}, updated_at = {p} WHERE idem_key = {p} AND owner = {p}",
            (stored.status_code, stored.content_type, stored.body.decode("utf-8"), stored.msgid, utcnow(), key,
             self._instances.instance_id))

    def release(self, key: str) -> None:
        """Give back a key whose request sent nothing (the HIS may retry it)."""
        p = self._db.p
        self._db.execute(f"DELETE FROM service_idempotency WHERE idem_key = {p} AND state = 'running'"
                         f" AND owner = {p}", (key, self._instances.instance_id))

    def _forget(self, key: str, state: str) -> None:
        p = self._db.p
        self._db.execute(f"DELETE FROM service_idempotency WHERE idem_key = {p} AND state = {p}", (key, state))

    def prune(self) -> int:
        """Drop finished keys older than the retention (the leader runs it now and then)."""
        p = self._db.p
        return self._db.execute(f"DELETE FROM service_idempotency WHERE state = 'done' AND updated_at < {p}",
                                (utcnow() - self.keep,))
