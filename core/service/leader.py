"""One instance runs the reversal queue; another takes over within 30 s when it dies
(contract "``yibao serve``": several instances on one journal; reliability.md §1 "Store-and-forward").

A lease, not a PostgreSQL advisory lock: the same code runs on SQLite and PostgreSQL, the holder
is visible in the database (``service_leases``), and a holder that hangs without dying loses it
too.  The row ``reversals`` is taken with one compare-and-set::

    UPDATE service_leases SET holder = me, until_at = now + ttl
     WHERE name = 'reversals' AND (holder = me OR until_at < now)

Two threads per instance, so that a slow 2601 never lets the lease lapse unnoticed:

- the heartbeat beats ``service_instances`` and renews (or tries to take) the lease every
  ``ttl / 3`` seconds: a dead holder's lease is taken at most ``ttl + ttl / 3`` after its last
  renewal (at most 20 s + 6.7 s with the largest ``[service] leader_lease_seconds``);
- the runner, while this instance holds the lease, runs the start-up recovery once
  (``client.recover()``), then every second the due 2601s, the rows a dead instance left in flight
  (``reversal.interrupted_after_seconds``) and, hourly, the pruning of old idempotency keys.

Even at the moment a lease changes hands, no 2601 goes twice for one entry: each due entry is
itself leased to one worker (``claim_due_reversals``, ``FOR UPDATE SKIP LOCKED`` on PostgreSQL).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta

import structlog

from ..journal.db import Database
from .store import Instances, utcnow

__all__ = ["LEASE", "Leader"]

log = structlog.get_logger("yibao.service.leader")

LEASE = "reversals"
_PRUNE_EVERY = 3600.0


class Leader:
    """The lease holder's duties, on two daemon threads (:meth:`start`, :meth:`stop`)."""

    def __init__(self, db: Database, instances: Instances, ttl: float, *, startup: Callable[[], object],
                 tick: Callable[[], object], prune: Callable[[], object], interval: float = 1.0) -> None:
        self._db = db
        self._instances = instances
        self.ttl = ttl
        self._startup = startup
        self._tick = tick
        self._prune = prune
        self._interval = interval
        self._stop = threading.Event()
        self._leading = threading.Event()
        self._threads: list[threading.Thread] = []
        #: how often this instance took the lease (for /metrics and the tests)
        self.terms = 0

    @property
    def is_leader(self) -> bool:
        return self._leading.is_set()

    # ------------------------------------------------------------------ the lease

    def try_lead(self) -> bool:
        """Renew or take the lease; whether this instance holds it now."""
        db, p, now, me = self._db, self._db.p, utcnow(), self._instances.instance_id
        until = now + timedelta(seconds=self.ttl)
        db.execute(f"INSERT INTO service_leases (name, holder, until_at) VALUES ({p}, '', {p})"
                   " ON CONFLICT (name) DO NOTHING", (LEASE, now - timedelta(days=1)))
        # Who held it, for the log only (the UPDATE below decides): a lease that lapsed in another
        # instance's hands means that instance died or lost its journal, which the operator
        # should see; a lease free or handed back (graceful shutdown) is an ordinary start.
        before = None if self._leading.is_set() else db.fetchone(
            f"SELECT holder FROM service_leases WHERE name = {p}", (LEASE,))
        won = db.execute(f"UPDATE service_leases SET holder = {p}, until_at = {p}"
                         f" WHERE name = {p} AND (holder = {p} OR until_at < {p})", (me, until, LEASE, me, now)) == 1
        if won and not self._leading.is_set():
            self.terms += 1
            previous = str((before or {}).get("holder") or "")
            if previous and previous != me:
                log.warning("leader_taken_over", instance=me, previous=previous, duty="reversal queue")
            else:
                log.info("leader_elected", instance=me, duty="reversal queue")
        if not won and self._leading.is_set():
            log.warning("leader_lost", instance=me)
        (self._leading.set if won else self._leading.clear)()
        return won

    def resign(self) -> None:
        """Hand the lease back at once (graceful shutdown), so another instance need not wait."""
        p = self._db.p
        self._db.execute(f"UPDATE service_leases SET holder = '', until_at = {p} WHERE name = {p} AND holder = {p}",
                         (utcnow() - timedelta(seconds=1), LEASE, self._instances.instance_id))
        self._leading.clear()

    # ------------------------------------------------------------------ threads

    def start(self) -> None:
        self._instances.register()
        self.try_lead()
        for name, target in (("heartbeat", self._heartbeat), ("reversals", self._run)):
            t = threading.Thread(target=target, name=f"yibao-service-{name}", daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout)
        try:
            if self._leading.is_set():
                self.resign()
            self._instances.leave()
        except Exception as exc:  # the database may be gone; the lease then simply expires
            log.warning("leader_stop_failed", error=type(exc).__name__)

    def _heartbeat(self) -> None:
        while not self._stop.wait(self.ttl / 3):
            try:
                self._instances.beat()
                self.try_lead()
            except Exception as exc:  # a database hiccup: keep trying, the lease decides
                self._leading.clear()
                log.warning("heartbeat_failed", error=type(exc).__name__, detail=str(exc)[:200])

    def _run(self) -> None:
        started = False
        pruned = 0.0
        while not self._stop.is_set():
            if self._leading.is_set():
                try:
                    if not started:
                        self._startup()
                        started = True
                    self._tick()
                    if time.monotonic() - pruned > _PRUNE_EVERY:
                        self._prune()
                        pruned = time.monotonic()
                except Exception as exc:  # the queue stays in the journal; the next pass retries
                    log.warning("reversal_pass_failed", error=type(exc).__name__, detail=str(exc)[:200])
            else:
                started = False
            self._stop.wait(self._interval)
