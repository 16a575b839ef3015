"""The error tree of yibao, decided in one place.

::

    YibaoError                       .infno .msgid .exit_code
    ├── ConfigurationError           a key of the configuration is missing or wrong   (exit 2)
    ├── PluginError                  duplicate region code, unknown region, bad hook  (exit 2)
    ├── ValidationError              input breaks a rule of the spec catalogue         (exit 2)
    ├── StateError                   refused locally: idempotency conflict, a person
    │                                with an unresolved settlement, sign-in after 9002 (exit 2)
    ├── TransportError
    │   ├── NotSentError             no connection could be made; nothing left us     (exit 6)
    │   └── OutcomeUnknownError      bytes left, no usable answer came back           (exit 4)
    ├── GatewayError                 the x-tif gateway refused: {"errcode", "message"} (exit 5)
    └── BusinessError                the centre answered infcode != 0 with err_msg     (exit 3)

Exit codes are the public contract (``shared/contract.md``): scripts rely on them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, final

__all__ = [
    "BusinessError",
    "ConfigurationError",
    "GatewayError",
    "NotSentError",
    "OutcomeUnknownError",
    "PluginError",
    "StateError",
    "TransportError",
    "ValidationError",
    "ValidationIssue",
    "YibaoError",
]


class YibaoError(Exception):
    """Root of every error yibao raises on purpose."""

    exit_code: ClassVar[int] = 1

    def __init__(self, message: str, *, infno: str | None = None, msgid: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.infno = infno
        self.msgid = msgid

    def __str__(self) -> str:
        where = " ".join(p for p in (f"[{self.infno}]" if self.infno else "", self.msgid or "") if p)
        return f"{where} {self.message}".strip()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (for ``--json`` output and the journal)."""
        return {
            "error": type(self).__name__,
            "message": self.message,
            "infno": self.infno,
            "msgid": self.msgid,
            "exit_code": self.exit_code,
        }


@final
class ConfigurationError(YibaoError):
    """A configuration key is missing or wrong; ``key`` names it."""

    exit_code = 2

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"configuration key '{key}': {problem}")
        self.key = key
        self.problem = problem


@final
class PluginError(YibaoError):
    """The plugin set cannot start: duplicate region code, unknown region, invalid hook."""

    exit_code = 2


class ValidationIssue:
    """One broken rule: which infno, node, row, field and rule."""

    __slots__ = ("field", "infno", "message", "node", "row", "rule")

    def __init__(
        self, infno: str, node: str, field: str, rule: str, message: str, row: int | None = None
    ) -> None:
        self.infno = infno
        self.node = node
        self.field = field
        self.rule = rule
        self.message = message
        self.row = row

    def __str__(self) -> str:
        # "2102 drugdetail[0].pric: sign: ..."; the parts an issue lacks are left out, not printed
        # as " ." (a node-level issue has no field, an option such as --kind no infno or node)
        row = f"[{self.row}]" if self.row is not None else ""
        path = ".".join(p for p in (f"{self.node}{row}", self.field) if p)
        head = " ".join(p for p in (self.infno, path) if p)
        return f"{head}: {self.rule}: {self.message}" if head else f"{self.rule}: {self.message}"

    def __repr__(self) -> str:
        return f"ValidationIssue({self})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "infno": self.infno,
            "node": self.node,
            "row": self.row,
            "field": self.field,
            "rule": self.rule,
            "message": self.message,
        }


@final
class ValidationError(YibaoError):
    """Input breaks the spec catalogue's rules; nothing was sent."""

    exit_code = 2

    def __init__(self, issues: list[ValidationIssue], *, infno: str | None = None, msgid: str | None = None):
        self.issues = list(issues)
        text = "; ".join(str(i) for i in self.issues[:10])
        if len(self.issues) > 10:
            text += f"; and {len(self.issues) - 10} more"
        super().__init__(f"validation failed: {text}", infno=infno, msgid=msgid)

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d["issues"] = [i.to_dict() for i in self.issues]
        return d


@final
class StateError(YibaoError):
    """Refused locally because of state: nothing was sent."""

    exit_code = 2


class TransportError(YibaoError):
    """The HTTP exchange itself failed; see the two leaves."""


@final
class NotSentError(TransportError):
    """No connection could be made (refused, connect timeout, pool timeout): safe to resend."""

    exit_code = 6


@final
class OutcomeUnknownError(TransportError):
    """Bytes left and no usable answer came back: the centre may have committed it.

    Never treated as failed or succeeded: a state-changing message in this state is
    reversed with 2601 (``omsgid`` = ``msgid``) from the journal.
    """

    exit_code = 4


@final
class GatewayError(YibaoError):
    """The gateway refused the request before the centre saw it (``errcode`` / ``message``)."""

    exit_code = 5

    def __init__(self, errcode: int | str, message: str, *, infno: str | None = None, msgid: str | None = None):
        super().__init__(f"gateway refused ({errcode}): {message}", infno=infno, msgid=msgid)
        self.errcode = errcode
        self.gateway_message = message


@final
class BusinessError(YibaoError):
    """The centre answered with ``infcode`` != 0; ``err_msg`` is kept as the centre wrote it."""

    exit_code = 3

    def __init__(
        self,
        err_msg: str,
        *,
        infcode: int = -1,
        infno: str | None = None,
        msgid: str | None = None,
        inf_refmsgid: str | None = None,
    ) -> None:
        super().__init__(err_msg, infno=infno, msgid=msgid)
        self.err_msg = err_msg
        self.infcode = infcode
        self.inf_refmsgid = inf_refmsgid

    def scrub(self, mask: Callable[[str], str]) -> None:
        """Apply ``mask`` to the centre's words (personal data out) before they are stored or shown."""
        self.err_msg = mask(self.err_msg)
        self.message = mask(self.message)
        self.args = (self.message,)
