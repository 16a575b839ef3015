"""The acceptance run's recorder: an engine observer that keeps what really went on the wire.

Every envelope the run's flows send (the workflows' calls, the sign-in, the 2601s, the 9102
downloads) passes the engine's observers; the recorder keeps its ``input`` exactly as it left
(after the region's fixed values, masked) with the msgid and the reply or the error.  A call
refused before it was sent (local validation) never reaches the wire; the run adds it with
:meth:`Recorder.refused`.

Masking is :func:`yibao.core.masking.mask_input`, plus the few fields it does not know that an
acceptance run meets (6101's ``userName`` and ``ecQrCode``, the e-prescription tokens): a
report is printed and handed to a bureau.
"""

from __future__ import annotations

import time
from typing import Any

from ..clock import now
from ..engine import Call
from ..envelope import Envelope, Reply
from ..errors import YibaoError
from ..masking import mask_id, mask_input, mask_name, mask_token
from ..online.channel import OnlineCall
from .report import CallRecord

__all__ = ["Recorder", "mask_report"]

_NAMES = frozenset({"username", "spus_name", "undo_dr_name", "delver_name", "patn_name", "psnname", "patnname",
                    "delv_conner", "prsc_dr_name"})
_TOKENS = frozenset({"ecqrcode", "epc_token", "access_token", "auth_no", "authno"})


def mask_report(obj: Any) -> Any:
    """:func:`mask_input` and the fields an acceptance report meets that it does not know."""
    masked = mask_input(obj)

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            out = {}
            for k, v in value.items():
                key = k.lower()
                if isinstance(v, str) and v and (key.endswith("certno") or key.endswith("cert_no")):
                    out[k] = mask_id(v)  # 配送员 / 配偶 / 药师 certificate numbers: any *certno is a person's
                elif isinstance(v, str) and v and key in _NAMES:
                    out[k] = mask_name(v)
                elif isinstance(v, str) and v and key in _TOKENS:
                    out[k] = mask_token(v)
                else:
                    out[k] = walk(v)
            return out
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return walk(masked)


class Recorder:
    """Add it with ``client.add_observer(recorder)``; read :attr:`records`."""

    def __init__(self) -> None:
        self.records: list[CallRecord] = []
        self._started: dict[str, float] = {}

    def before_send(self, envelope: Envelope) -> None:
        self._started[envelope.msgid] = time.perf_counter()

    def after_reply(self, envelope: Envelope, reply: Reply | None, error: YibaoError | None) -> None:
        t0 = self._started.pop(envelope.msgid, time.perf_counter())
        warning = ""
        if reply is not None:
            warning = "; ".join(w for w in (reply.err_msg, reply.warn_msg) if w and w.lower() != "success")
        self._add(envelope.infno, t0, envelope.input, error is None, envelope.msgid,
                  reply.output if reply is not None else None,
                  "" if error is None else f"{type(error).__name__}: {error.message}", warning)  # fmt: skip

    def refused(self, call: Call, error: YibaoError) -> None:
        """A call the engine refused before anything was sent."""
        self._add(call.infno, time.perf_counter(), call.input, False, error.msgid or "", None,
                  f"{type(error).__name__}: {error.message}")

    def _add(self, infno: str, t0: float, request: Any, ok: bool, msgid: str, reply: Any, error: str,
             warning: str = "") -> None:  # fmt: skip
        self.records.append(CallRecord(
            infno=infno, ok=ok, seconds=round(time.perf_counter() - t0, 4), msgid=msgid,
            request=mask_report(request), reply=mask_report(reply), error=error,
            at=now().isoformat(timespec="seconds"), warning=warning,
        ))  # fmt: skip

    def online(self, call: OnlineCall) -> None:
        """An exchange with an online party (``client.online.add_observer(recorder.online)``)."""
        self.records.append(CallRecord(infno=call.interface, ok=call.ok, seconds=call.seconds, msgid=call.msg_id,
                                       request=mask_report(call.request), reply=mask_report(call.reply),
                                       error=call.error,
                                       at=now().isoformat(timespec="seconds")))

    def by_infno(self, infno: str) -> list[CallRecord]:
        return [r for r in self.records if r.infno == infno]
