"""Errors as ``application/problem+json`` (RFC 9457), with the kind and exit code of the contract
(contract "``yibao serve``" → Errors), so a HIS handles the same seven outcomes a ``yibao call``
script handles:

===================  ======  ====  ====================================================
kind                 status  exit  when
===================  ======  ====  ====================================================
``unauthorized``     401     2     no bearer token, or one no terminal has
``conflict``         409     2     idempotency key reused with another body or still running;
                                   refused by local state (a person's unresolved settlement,
                                   a sign-in after 9002, a visit already being settled)
``validation``       422     2     the input breaks a rule; nothing was sent
``business``         424     3     the centre answered ``infcode`` ≠ 0 (``err_msg``: its words)
``gateway_refused``  502     5     the x-tif gateway refused (signature, timestamp, nonce, paasid)
``not_sent``         503     6     no connection could be made; nothing left
``outcome_unknown``  504     4     bytes left, no usable answer: journaled UNKNOWN, reversed (2601)
===================  ======  ====  ====================================================

Routing answers outside the seven keep the same shape: ``not_found`` 404, ``method_not_allowed``
405, and ``internal`` 500 (a bug; the tests fail on any).
"""

from __future__ import annotations

from typing import Any

import msgspec

from .. import wire
from ..errors import (
    BusinessError,
    GatewayError,
    NotSentError,
    OutcomeUnknownError,
    StateError,
    ValidationError,
    ValidationIssue,
    YibaoError,
)
from ..journal import IllegalTransition
from ..masking import scrub_text

__all__ = ["KINDS", "PROBLEM_TYPE", "Issue", "Problem", "ProblemError", "from_yibao", "problem", "validation"]

PROBLEM_TYPE = "application/problem+json"

#: kind -> (HTTP status, exit code, title)
KINDS: dict[str, tuple[int, int, str]] = {
    "unauthorized": (401, 2, "Unauthorized"),
    "conflict": (409, 2, "Conflict"),
    "validation": (422, 2, "Validation failed: nothing was sent"),
    "business": (424, 3, "The centre refused the transaction"),
    "gateway_refused": (502, 5, "The gateway refused the request"),
    "not_sent": (503, 6, "Not sent: no connection to the centre"),
    "outcome_unknown": (504, 4, "Outcome unknown: journaled, will be reversed"),
    "not_found": (404, 2, "Not found"),
    "method_not_allowed": (405, 2, "Method not allowed"),
    "internal": (500, 1, "Internal error"),
}


class Issue(msgspec.Struct, omit_defaults=False):
    """One broken rule (the CLI's ``issues`` entries)."""

    field: str
    rule: str
    message: str
    infno: str | None = None
    node: str | None = None
    row: int | None = None


class Problem(msgspec.Struct):
    """An error answer (``application/problem+json``)."""

    type: str
    title: str
    status: int
    detail: str
    kind: str
    exit_code: int
    msgid: str | None = None
    err_msg: str | None = None
    issues: list[Issue] = msgspec.field(default_factory=list)


class ProblemError(Exception):
    """Raised by the service's own checks (auth, idempotency) to answer with a problem."""

    def __init__(self, kind: str, detail: str, *, issues: list[Issue] | None = None, msgid: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.issues = issues or []
        self.msgid = msgid
        self.headers = headers or {}


def problem(kind: str, detail: str, *, msgid: str | None = None, err_msg: str | None = None,
            issues: list[Issue] | None = None) -> Problem:
    status, exit_code, title = KINDS[kind]
    return Problem(type=f"urn:yibao:problem:{kind}", title=title, status=status, detail=scrub_text(detail),
                   kind=kind, exit_code=exit_code, msgid=msgid, err_msg=err_msg, issues=issues or [])


def _issue(i: ValidationIssue) -> Issue:
    return Issue(field=i.field, rule=i.rule, message=scrub_text(i.message), infno=i.infno, node=i.node, row=i.row)


def validation(detail: str, field: str = "body", rule: str = "shape") -> ProblemError:
    """A 422 of the service's own input checks (before any engine work)."""
    return ProblemError("validation", detail, issues=[Issue(field=field, rule=rule, message=detail)])


def from_yibao(exc: YibaoError) -> Problem:
    """The problem of an engine or workflow error (the same mapping as the CLI's exit codes)."""
    msgid = exc.msgid
    if isinstance(exc, ValidationError):
        return problem("validation", exc.message, msgid=msgid, issues=[_issue(i) for i in exc.issues])
    if isinstance(exc, BusinessError):
        return problem("business", str(exc), msgid=msgid, err_msg=exc.err_msg)
    if isinstance(exc, GatewayError):
        return problem("gateway_refused", str(exc), msgid=msgid, err_msg=exc.gateway_message)
    if isinstance(exc, NotSentError):
        return problem("not_sent", str(exc), msgid=msgid)
    if isinstance(exc, OutcomeUnknownError):
        return problem("outcome_unknown", str(exc), msgid=msgid)
    if isinstance(exc, StateError | IllegalTransition):
        # Refused by local state, or the journal entry moved under the request (another
        # instance resolved it): the entry, by its msgid, tells what happened.
        return problem("conflict", str(exc), msgid=msgid)
    if exc.exit_code == 2:  # ConfigurationError, PluginError: this deployment lacks what was asked
        return problem("validation", str(exc), msgid=msgid)
    return problem("internal", str(exc), msgid=msgid)


def encode(p: Problem) -> bytes:
    return wire.dumps_bytes(msgspec.to_builtins(p), check_floats=False)


def as_dict(p: Problem) -> dict[str, Any]:
    out: dict[str, Any] = msgspec.to_builtins(p)
    return out
