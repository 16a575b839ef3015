"""Long console work (reconciliation, clearing, catalogue sync, acceptance) in the background.

A page starts a job and gets its id at once; the page then polls ``/console/jobs/{id}`` (htmx,
every second) for the progress lines the workflow reports through its ``progress`` callback, and
for the result when it ends.  Nothing blocks a page.  One job of a kind runs at a time per
instance (a second month's reconciliation while the first runs would only compete for the same
files); jobs live in this instance's memory: their effects are in the journal, their reports are
downloadable until the instance stops.
"""

from __future__ import annotations

import secrets
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

import attrs
import structlog

__all__ = ["Job", "JobBusy", "Jobs", "Progress"]

log = structlog.get_logger("yibao.console")

#: what a job's function is handed: ``progress(text, count=None, total=None)``
Progress = Callable[..., None]
_KEEP = 50


class JobBusy(RuntimeError):
    def __init__(self, job: Job) -> None:
        super().__init__(f"a {job.kind} job is already running ({job.title}, started by {job.user})")
        self.job = job


@attrs.define
class Job:
    id: str
    kind: str
    title: str
    user: str
    started: float = attrs.field(factory=time.time)
    state: str = "running"  # running / done / failed
    lines: list[str] = attrs.field(factory=list)
    count: int | None = None
    total: int | None = None
    result: Any = None
    error: str = ""
    ended: float | None = None

    def progress(self, text: str, count: int | None = None, total: int | None = None) -> None:
        self.count, self.total = count, total
        line = text if count is None else f"{text}: {count}" + (f" / {total}" if total else "")
        self.lines.append(line)
        del self.lines[:-_KEEP]

    @property
    def percent(self) -> int | None:
        if self.count is None or not self.total:
            return None
        return max(0, min(100, round(100 * self.count / self.total)))

    @property
    def seconds(self) -> float:
        return round((self.ended or time.time()) - self.started, 1)


class Jobs:
    """This instance's jobs, newest last."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def start(self, kind: str, title: str, user: str, fn: Callable[[Job], Any],
              on_end: Callable[[Job], None] | None = None) -> Job:
        with self._lock:
            running = next((j for j in self._jobs.values() if j.kind == kind and j.state == "running"), None)
            if running is not None:
                raise JobBusy(running)
            job = Job(secrets.token_hex(8), kind, title, user)
            self._jobs[job.id] = job
            for old in list(self._jobs)[:-_KEEP]:
                if self._jobs[old].state != "running":
                    del self._jobs[old]
        threading.Thread(target=self._run, args=(job, fn, on_end), name=f"console-{kind}", daemon=True).start()
        return job

    def _run(self, job: Job, fn: Callable[[Job], Any], on_end: Callable[[Job], None] | None) -> None:
        try:
            job.result = fn(job)
            job.state = "done"
        except Exception as exc:  # the job's page shows it; the journal holds what was sent
            job.state, job.error = "failed", _describe(exc)
            frames = traceback.extract_tb(exc.__traceback__)[-3:]
            where = [f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}" for f in frames]
            log.warning("console_job_failed", kind=job.kind, error=type(exc).__name__, where=" < ".join(where))
        finally:
            job.ended = time.time()
            if on_end is not None:
                on_end(job)

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def latest(self, kind: str) -> Job | None:
        found = [j for j in self._jobs.values() if j.kind == kind]
        return found[-1] if found else None

    def wait_idle(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while any(j.state == "running" for j in self._jobs.values()) and time.monotonic() < deadline:
            time.sleep(0.1)


def _describe(exc: BaseException) -> str:
    # The engine scrubs the centre's words of names and ID numbers before it raises (issue 10).
    return f"{type(exc).__name__}: {exc}"[:500]
