"""One running service instance: the client, the tokens, the idempotency store, the lease, the
metrics, and the way a request runs (:meth:`Service.run`).

The client is synchronous (httpx, sqlite3 / psycopg), so each request's work runs in a worker
thread on a :class:`Worker` of its own (a client: a journal connection and a keep-alive HTTP pool),
at most ``[service] max_concurrency`` at once.  A worker thread is never abandoned: a
request cut off by a client that went away, or by SIGTERM, still finishes its journaling (the
engine commits INTENT+SENT before the bytes leave and the outcome after; a call whose answer
does not come is UNKNOWN when the gateway's read timeout ends, and reversed with 2601).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread
import structlog

from ..client import Client
from ..config import Config
from ..engine import Operator
from ..errors import ConfigurationError
from ..journal import State
from .auth import Tokens, load_tokens
from .batches import Batches
from .context import RequestContext
from .idempotency import IdemStore
from .leader import Leader
from .metrics import Metrics
from .models import OperatorIn
from .store import Instances

__all__ = ["Service", "Worker"]

T = TypeVar("T")

log = structlog.get_logger("yibao.service")


class Worker:
    """One request's tools: a client of its own (its journal connection, its keep-alive HTTP pool)
    and the service's stores on that connection.  Requests of one instance run on different
    workers at once, so their journal commits go in parallel (PostgreSQL groups them) instead of
    queueing on one connection."""

    def __init__(self, client: Client, instances: Instances, keep_hours: int) -> None:
        self.client = client
        db = client.engine.journal.database
        self.idem = IdemStore(db, instances, keep_hours)
        self.batches = Batches(db)


class Service:
    """What every handler of one instance shares."""

    def __init__(self, config: Config, *, client: Client | None = None, tokens: Tokens | None = None,
                 start_leader: bool = True) -> None:
        check_config(config)
        self.config = config
        self.tokens = tokens if tokens is not None else load_tokens(config.service)
        #: the instance's own client: the lease, the reversal queue, readiness, the metrics' counts
        self.client = client if client is not None else Client(config)
        db = self.client.engine.journal.database
        db.migrate()  # the service's tables, should the client's journal have been opened before they registered
        svc = config.service
        self.instances = Instances(db, svc.leader_lease_seconds)
        self.leader = Leader(db, self.instances, svc.leader_lease_seconds,
                             startup=self.client.recover, tick=self._tick,
                             prune=IdemStore(db, self.instances, svc.idempotency_hours).prune)
        self.metrics = Metrics(db, lambda: self.leader.is_leader)
        self.client.add_observer(self.metrics)
        # Last in, first out: at low load one warm worker serves request after request (its SQLite
        # page cache still valid, its keep-alive connection open) instead of a round of 32 cold ones.
        self._workers: queue.LifoQueue[Worker] = queue.LifoQueue()
        self._all: list[Worker] = []
        for _ in range(svc.max_concurrency):
            worker = Worker(Client(config, registry=self.client.registry), self.instances, svc.idempotency_hours)
            # 1101 teaches the engine a person's 参保地; every worker should know what any learned
            worker.client.engine.persons = self.client.engine.persons
            # One table of reserved msgid blocks for the instance: a terminal's calls reach any worker
            worker.client.engine.journal.share_msgids(self.client.engine.journal)
            worker.client.add_observer(self.metrics)
            self._workers.put(worker)
            self._all.append(worker)
        self.limiter = anyio.CapacityLimiter(svc.max_concurrency)
        self._start_leader = start_leader
        self._inflight = 0
        self._idle = threading.Condition()
        self.started = time.time()

    # ------------------------------------------------------------------ life

    def start(self) -> None:
        if self._start_leader:
            self.leader.start()
        log.info("service_started", instance=self.instances.instance_id, region=self.config.region,
                 terminals=",".join(self.tokens.terminals), leader=self.leader.is_leader)

    def stop(self) -> None:
        """Wait for the worker threads (each ends by itself: see the module docstring), then close."""
        with self._idle:
            self._idle.wait_for(lambda: self._inflight == 0, timeout=float(self.config.gateway.timeout.read) + 30)
        self.leader.stop()
        for worker in self._all:
            worker.client.close()
        self.client.close()
        # a warning only when requests were still in hand after the wait (their outcomes are the
        # journal's to resolve); a clean stop is as quiet as the start
        (log.warning if self._inflight else log.info)("service_stopped", instance=self.instances.instance_id,
                                                      inflight=self._inflight)

    def _tick(self) -> None:
        # Rows a dead instance left in flight, then the 2601s due now (one pass, no waiting).
        self.client.journal.recover(wait=False)

    # ------------------------------------------------------------------ requests

    def context(self, worker: Worker, terminal: str, operator: OperatorIn | None, idem_key: str | None
                ) -> RequestContext:
        op = Operator(operator.opter, operator.opter_name, operator.opter_type) if operator is not None else None
        return RequestContext(worker.client.engine, self.config, operator=op, terminal=terminal, idem_key=idem_key,
                              client=worker.client)

    def detached(self) -> tuple[RequestContext, Callable[[], None]]:
        """A context on a client of its own and the function that closes it, for work that outlives
        any request (the console's jobs: a month's reconciliation, an acceptance run)."""
        client = Client(self.config, registry=self.client.registry)
        client.engine.persons = self.client.engine.persons
        client.engine.journal.share_msgids(self.client.engine.journal)
        client.add_observer(self.metrics)
        ctx = RequestContext(client.engine, self.config, terminal=self.config.operator.terminal, client=client)
        return ctx, client.close

    async def run(self, fn: Callable[[Worker], T]) -> T:
        """Run ``fn`` on a free worker, in a thread; not cancellable once started (module docstring)."""
        with self._idle:
            self._inflight += 1
        try:
            return await anyio.to_thread.run_sync(self._on_worker, fn, limiter=self.limiter)
        finally:
            with self._idle:
                self._inflight -= 1
                self._idle.notify_all()

    def _on_worker(self, fn: Callable[[Worker], T]) -> T:
        worker = self._workers.get()  # never waits: the limiter lets as many threads in as there are workers
        try:
            return fn(worker)
        finally:
            self._workers.put(worker)

    @property
    def inflight(self) -> int:
        return self._inflight

    @staticmethod
    def sent_under(worker: Worker, idem_key: str) -> list[str]:
        """msgids of journaled messages recorded under ``idem_key`` that may have reached the centre."""
        entries = worker.client.journal.list(idem_key=idem_key, limit=50)
        return [e.msgid for e in entries if e.state not in (State.NOT_SENT,)]

    # ------------------------------------------------------------------ readiness

    def ready(self, _worker: Worker | None = None) -> dict[str, Any]:
        """``/readyz``: the journal takes a write, and the gateway answers a TCP connection."""
        checks: dict[str, Any] = {}
        try:
            self.instances.beat()
            checks["journal"] = "ok"
        except Exception as exc:
            checks["journal"] = f"failed: {type(exc).__name__}"
        checks["gateway"] = _reachable(self.config.gateway.url, self.config.gateway.resolve)
        checks["leader"] = self.leader.is_leader
        checks["instance"] = self.instances.instance_id
        return checks


def check_config(config: Config) -> None:
    """The lease holder resolves rows other instances left in flight once they are older than
    ``reversal.interrupted_after_seconds``: that must be longer than any live request can keep a
    row SENT (the gateway's timeouts), or a live settlement would be reversed under it."""
    t = config.gateway.timeout
    longest = float(t.connect + t.write + t.read + t.pool) + 5
    if config.reversal.interrupted_after_seconds < longest:
        raise ConfigurationError("reversal.interrupted_after_seconds",
                                 f"must be at least {longest:.0f} s (the gateway's timeouts + 5 s) for yibao serve: a "
                                 "shorter one would make a live request's row UNKNOWN and reverse it")


def _reachable(url: str, resolve: Any) -> str:
    """A TCP connect to the gateway's host and port (no request: nothing is signed or sent)."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = parts.hostname or ""
    host = dict(resolve or {}).get(host, host)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=2.0):
            return "ok"
    except OSError as exc:
        return f"unreachable: {type(exc).__name__}"
