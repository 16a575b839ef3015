"""``GET /metrics`` (contract "``yibao serve``"): Prometheus text format, from prometheus-client.

- ``yibao_calls_total{infno, outcome}`` and ``yibao_call_duration_seconds{infno}``: every envelope
  the engine sent (sign-ins and 2601s included), through an engine observer; ``outcome`` is one
  of ``ok``, ``business``, ``gateway_refused``, ``not_sent``, ``outcome_unknown``;
- ``yibao_http_requests_total{route, status}`` and ``yibao_http_request_duration_seconds{route}``;
- ``yibao_idempotent_replays_total``;
- read from the journal at each scrape (so every instance reports the shared truth):
  ``yibao_unresolved_outcomes{state}`` (UNKNOWN, REVERSING, NEEDS_ATTENTION: where the centre may
  hold money the HIS does not know about) and ``yibao_reversal_queue_depth`` (entries waiting for
  a 2601), plus ``yibao_service_leader`` (1 on the instance running the reversal queue).

Labels never carry personal data: infno, outcome, route templates and status codes only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ..envelope import Envelope, Reply
from ..errors import BusinessError, GatewayError, NotSentError, OutcomeUnknownError, YibaoError
from ..journal.db import Database

__all__ = ["CONTENT_TYPE", "Metrics", "outcome_of"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


def outcome_of(error: BaseException | None) -> str:
    """The outcome label of an engine result (the contract's kinds, ``ok`` for success)."""
    if error is None:
        return "ok"
    if isinstance(error, BusinessError):
        return "business"
    if isinstance(error, GatewayError):
        return "gateway_refused"
    if isinstance(error, NotSentError):
        return "not_sent"
    if isinstance(error, OutcomeUnknownError):
        return "outcome_unknown"
    return "validation" if isinstance(error, YibaoError) and error.exit_code == 2 else "error"


class _JournalCollector(Collector):
    """Counts read from the journal at scrape time (shared by every instance)."""

    def __init__(self, db: Database, is_leader: Callable[[], bool]) -> None:
        self._db = db
        self._is_leader = is_leader

    def collect(self) -> Iterator[Metric]:
        unresolved = GaugeMetricFamily("yibao_unresolved_outcomes", "Journal entries whose outcome is not resolved "
                                       "(the centre may hold a settlement the HIS does not know)", labels=["state"])
        depth = GaugeMetricFamily("yibao_reversal_queue_depth", "Journal entries waiting for their 2601 reversal")
        counts = dict.fromkeys(("UNKNOWN", "REVERSING", "NEEDS_ATTENTION"), 0)
        try:
            # One grouped count over the journal's state index; 2601 rows are the queue's own
            # attempts, not outcomes a HIS has to worry about.
            rows = self._db.fetchall(
                "SELECT state, COUNT(*) AS n FROM journal_entries WHERE state IN ('UNKNOWN', 'REVERSING',"
                " 'NEEDS_ATTENTION') AND infno <> '2601' GROUP BY state")
            for r in rows:
                counts[str(r["state"])] = int(r["n"])
        except Exception:  # a scrape must answer even while the database is away
            pass
        for state, n in counts.items():
            unresolved.add_metric([state], n)
        depth.add_metric([], counts["UNKNOWN"] + counts["REVERSING"])
        yield unresolved
        yield depth
        leader = GaugeMetricFamily("yibao_service_leader", "1 on the instance that runs the reversal queue")
        leader.add_metric([], 1 if self._is_leader() else 0)
        yield leader


class Metrics:
    """The registry of one service instance; also the engine observer that feeds it."""

    def __init__(self, db: Database, is_leader: Callable[[], bool]) -> None:
        self.registry = CollectorRegistry()
        self.calls = Counter("yibao_calls", "Transactions sent to the centre", ["infno", "outcome"],
                             registry=self.registry)
        self.latency = Histogram("yibao_call_duration_seconds", "Time from sending an envelope to its outcome",
                                 ["infno"], buckets=_BUCKETS, registry=self.registry)
        self.requests = Counter("yibao_http_requests", "HTTP requests answered", ["route", "status"],
                                registry=self.registry)
        self.request_latency = Histogram("yibao_http_request_duration_seconds", "HTTP request handling time",
                                         ["route"], buckets=_BUCKETS, registry=self.registry)
        self.replays = Counter("yibao_idempotent_replays", "Responses replayed for a repeated Idempotency-Key",
                               registry=self.registry)
        self.registry.register(_JournalCollector(db, is_leader))
        self._started: dict[str, float] = {}
        self._lock = threading.Lock()

    # -- engine observer (yibao.core.engine.Observer) ------------------------------------
    def before_send(self, envelope: Envelope) -> None:
        with self._lock:
            self._started[envelope.msgid] = time.perf_counter()

    def after_reply(self, envelope: Envelope, reply: Reply | None, error: YibaoError | None) -> None:
        with self._lock:
            started = self._started.pop(envelope.msgid, None)
        self.calls.labels(envelope.infno, outcome_of(error)).inc()
        if started is not None:
            self.latency.labels(envelope.infno).observe(time.perf_counter() - started)

    # -- HTTP ------------------------------------------------------------------------------
    def request(self, route: str, status: int, seconds: float) -> None:
        self.requests.labels(route, str(status)).inc()
        self.request_latency.labels(route).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)

    def snapshot(self) -> dict[str, Any]:
        """The counters as a dict (tests)."""
        return {m.name: [(s.labels, s.value) for s in m.samples] for m in self.registry.collect()}
