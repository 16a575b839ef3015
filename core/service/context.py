"""The workflows' :class:`~yibao.core.workflows.context.Context` for one HTTP request.

Every call a workflow makes during the request goes out with the request's operator and
terminal (the token's terminal is recorded on each journal row; sign-in sessions follow operator
and terminal), and carries the request's ``Idempotency-Key``: for a money transaction the engine
claims it as the bill's key before anything is sent, on any other journaled message it is
recorded on the row, so what a request sent can be found again (``GET /v1/journal?idem_key=``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

import attrs

from ..engine import Call, Operator
from ..envelope import Reply
from ..workflows.context import Context

__all__ = ["RequestContext"]


@attrs.frozen
class RequestContext(Context):
    """A :class:`Context` that stamps operator, terminal and idempotency key on each call."""

    operator: Operator | None = None
    terminal: str | None = None
    idem_key: str | None = None
    #: the worker's client (its journal service, catalogue...), for the routes that read the books
    client: Any = None
    #: msgids of what this request sent, in order (the access line names the last)
    sent: list[str] = attrs.field(factory=list)

    def _stamp(self, call: Call) -> Call:
        return attrs.evolve(call, operator=call.operator or self.operator, terminal=call.terminal or self.terminal,
                            idem_key=call.idem_key or self.idem_key)

    def send(self, call: Call, *, first: Call | None = None) -> Reply:
        reply = self.engine.send(self._stamp(call), first=self._stamp(first) if first is not None else None)
        self.sent.append(reply.msgid)
        return reply

    def call(self, infno: str, data: Mapping[str, Any], *, insuplc_admdvs: str | None = None) -> Any:
        return self.send(Call(infno, data, insuplc_admdvs=insuplc_admdvs)).output

    def download(self, fs_download_in: Mapping[str, Any], sink: IO[bytes], max_bytes: int) -> int:
        data = dict(fs_download_in) if "fsDownloadIn" in fs_download_in else {"fsDownloadIn": dict(fs_download_in)}
        return self.engine.download(self._stamp(Call("9102", data)), sink, max_bytes)
