"""The acceptance run's recorder: an engine observer that keeps what really went on the wire.

Every envelope the run's flows send (the workflows' calls, the sign-in, the 2601s, the 9102
downloads) passes the engine's observers; the recorder keeps its ``input`` exactly as it left
(after the region's fixed values, masked) with the msgid and the reply or the error.  A call
refused before it was sent (local validation) never reaches the wire; the run adds it with
:meth:`Recorder.refused`.
"""

from __future__ import annotations

import time
from typing import Any

from ..clock import now
from ..engine import Call
from ..envelope import Envelope, Reply
from ..errors import YibaoError
from ..masking import mask_input
from ..online.channel import OnlineCall
from .report import CallRecord

__all__ = ["Recorder"]


class Recorder:
    """Add it with ``client.add_observer(recorder)``; read :attr:`records`."""

    def __init__(self) -> None:
        self.records: list[CallRecord] = []
        self._started: dict[str, float] = {}

    def before_send(self, envelope: Envelope) -> None:
        self._started[envelope.msgid] = time.perf_counter()

    def after_reply(self, envelope: Envelope, reply: Reply | None, error: YibaoError | None) -> None:
        t0 = self._started.pop(envelope.msgid, time.perf_counter())
        self._add(envelope.infno, t0, envelope.input, error is None, envelope.msgid,
                  reply.output if reply is not None else None,
                  "" if error is None else f"{type(error).__name__}: {error.message}")

    def refused(self, call: Call, error: YibaoError) -> None:
        """A call the engine refused before anything was sent."""
        self._add(call.infno, time.perf_counter(), call.input, False, error.msgid or "", None,
                  f"{type(error).__name__}: {error.message}")

    def _add(self, infno: str, t0: float, request: Any, ok: bool, msgid: str, reply: Any, error: str) -> None:
        self.records.append(CallRecord(
            infno=infno, ok=ok, seconds=round(time.perf_counter() - t0, 4), msgid=msgid,
            request=mask_input(request), reply=mask_input(reply), error=error,
            at=now().isoformat(timespec="seconds"),
        ))  # fmt: skip

    def online(self, call: OnlineCall) -> None:
        """An exchange with an online party (``client.online.add_observer(recorder.online)``)."""
        self.records.append(CallRecord(infno=call.interface, ok=call.ok, seconds=call.seconds, msgid=call.msg_id,
                                       request=call.request, reply=call.reply, error=call.error,
                                       at=now().isoformat(timespec="seconds")))

    def by_infno(self, infno: str) -> list[CallRecord]:
        return [r for r in self.records if r.infno == infno]
