"""Who holds a journal row, and whether that process still runs (reliability.md §1
"Idempotency keys": a claim whose holder died is taken over, never waited on for ever).

A bill key in progress (``journal_idem_keys.owner``), a 2601 leased from the reversal queue
and an instance of ``yibao serve`` (``service_instances``) name their holder ``host:pid``.
When the holder is a process of this host, the operating system says at once whether it still
exists, so a SIGKILLed holder is seen without waiting for its lease or heartbeat to age.

The question goes to psutil, not to ``os.kill(pid, 0)``: on Windows, where many HIS servers
run, ``os.kill`` with any signal but CTRL_C / CTRL_BREAK *terminates* the process
(TerminateProcess), so asking whether another yibao is alive would kill it in mid-settlement.
"""

from __future__ import annotations

import os
import socket

import psutil

__all__ = ["holder_gone", "me"]


def me() -> str:
    """``host:pid`` of this process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def holder_gone(host: str, pid: int) -> bool:
    """True only when ``host:pid`` is a process of this host that no longer exists.

    Another host's process, or this process itself, is never called gone: only a lease or a
    heartbeat that stopped can tell of those.  A process that exists but belongs to another
    user still runs (psutil answers so where permission is refused)."""
    if host != socket.gethostname() or pid <= 0 or pid == os.getpid():
        return False
    return not psutil.pid_exists(pid)
