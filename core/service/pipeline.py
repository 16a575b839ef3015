"""How one state-changing request runs (contract "``yibao serve``" → Idempotency, Errors)::

    guard        bearer token -> terminal                                       401
    body         parsed by the handler's struct (Litestar, msgspec)             422
    key          Idempotency-Key: required for money; claimed with the body's
                 fingerprint before anything is sent                          409 / replay
    work         in a worker thread, through the engine (journal before send)
    answer       2xx JSON, or application/problem+json of the error's kind
    store        the response under the key (or the key given back when provably nothing
                 was sent: 422, 503, 409 of local state)

A key whose instance died mid-request (see :mod:`.idempotency`) is decided from what the
journal knows: a money request runs again under the engine's own bill key, which answers from
the journal (the stored settlement, "in progress", or "unknown, being reversed") and never sends
a bill twice; another request whose messages reached the journal is answered 504 (what it sent
is in the journal under the key) and nothing is sent again; one that left nothing runs again.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable
from typing import Any

import attrs
import structlog
from litestar import Request, Response

from .. import wire
from ..engine import reversed_since
from ..errors import YibaoError
from ..masking import mask_input
from .context import RequestContext
from .idempotency import Stored, fingerprint
from .problems import PROBLEM_TYPE, Problem, ProblemError, encode, from_yibao, problem, validation
from .runtime import Service, Worker

__all__ = ["JSON_TYPE", "Outcome", "Route", "execute", "problem_response"]

log = structlog.get_logger("yibao.service")

JSON_TYPE = "application/json"
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
#: Answers that prove nothing was sent: the key is given back (the HIS may retry it).
_RELEASED = frozenset({"validation", "not_sent", "conflict", "internal", "unauthorized", "not_found"})


@attrs.frozen
class Route:
    """What the pipeline needs to know of an endpoint."""

    name: str
    infno: str = ""
    #: moves money (2102, 2207, 2304, their cancels, 2601): an Idempotency-Key is required
    money: bool = False
    #: running it again after its instance died is harmless (reads, recovery, queries)
    rerun_safe: bool = False


@attrs.frozen
class Outcome:
    status: int
    payload: Any = None
    problem: Problem | None = None
    msgid: str | None = None


def problem_response(p: Problem, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(content=encode(p), status_code=p.status, media_type=PROBLEM_TYPE, headers=headers or {})


def _note(request: Request[Any, Any, Any], **fields: Any) -> None:
    # The access line (access.py) reads these from the ASGI scope's state after the response.
    state = request.scope.setdefault("state", {})
    state.update({k: v for k, v in fields.items() if v is not None})


def _work(ctx: RequestContext, fn: Callable[[RequestContext], Outcome]) -> Outcome:
    try:
        outcome = fn(ctx)
    except YibaoError as exc:
        p = from_yibao(exc)
        return Outcome(p.status, problem=p, msgid=p.msgid or (ctx.sent[-1] if ctx.sent else None))
    except ProblemError as exc:
        p = problem(exc.kind, exc.detail, issues=exc.issues, msgid=exc.msgid)
        return Outcome(p.status, problem=p)
    except Exception as exc:  # a bug: answer 500 in the contract's shape; log where, not the message (data)
        where = [f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}" for f in traceback.extract_tb(exc.__traceback__)[-4:]]
        log.error("internal_error", error=type(exc).__name__, where=" < ".join(reversed(where)))
        p = problem("internal", f"internal error ({type(exc).__name__}); nothing further is sent for this request")
        return Outcome(500, problem=p, msgid=ctx.sent[-1] if ctx.sent else None)
    if outcome.msgid is None and ctx.sent:
        outcome = attrs.evolve(outcome, msgid=ctx.sent[-1])
    return outcome


@attrs.frozen
class _Answer:
    status: int
    content: bytes
    media: str
    kind: str
    msgid: str | None = None
    headers: dict[str, str] = attrs.field(factory=dict)


def _encode(outcome: Outcome, *, masked: bool = True) -> _Answer:
    if outcome.problem is not None:
        return _Answer(outcome.status, encode(outcome.problem), PROBLEM_TYPE, outcome.problem.kind, outcome.msgid)
    # A state-changing request is answered as its response is stored for replay: the names and ID
    # numbers the centre echoes masked (the journal's database holds no full ones; issue 10 #11),
    # so a replay is byte for byte the first answer.  Identify (a query) answers in full.
    payload = mask_input(outcome.payload, diagnoses=True) if masked else outcome.payload
    return _Answer(outcome.status, wire.dumps_bytes(payload, check_floats=False), JSON_TYPE, "ok", outcome.msgid)


def _problem_answer(kind: str, detail: str, headers: dict[str, str] | None = None) -> _Answer:
    p = problem(kind, detail)
    return _Answer(p.status, encode(p), PROBLEM_TYPE, kind, headers=headers or {})


async def execute(service: Service, request: Request[Any, Any, Any], route: Route,
                  fn: Callable[[RequestContext], Outcome], *, operator: Any = None,
                  params: dict[str, str] | None = None) -> Response[Any]:
    """Run a state-changing request through key, work, answer and store (module docstring): all of
    it in one worker thread, on one journal connection."""
    terminal = str(request.scope.get("state", {}).get("terminal", ""))
    _note(request, route=route.name, infno=route.infno or None)
    key = request.headers.get("idempotency-key")
    if key is not None and not _KEY.match(key):
        raise validation("Idempotency-Key must be 1-255 printable ASCII characters", "Idempotency-Key", "format")
    if key is None and route.money:
        raise validation(f"a transaction that moves money ({route.infno or route.name}) needs an Idempotency-Key "
                         "header (the HIS's bill number); nothing was sent", "Idempotency-Key", "required")
    digest = fingerprint(route.name, params or {}, wire.loads(await request.body() or b"null")) if key else ""

    def whole(worker: Worker) -> _Answer:
        ctx = service.context(worker, terminal, operator, key)
        if key is None:
            return _encode(_work(ctx, fn))
        claim = worker.idem.claim(key, digest, route.name, terminal)
        if claim.status == "replay" and claim.stored is not None:
            s = claim.stored
            undone = reversed_since(worker.client.engine.journal, s.msgid or "") if s.status_code < 300 else None
            if undone is not None:  # a success undone since by a 2601 by hand: not "settled" any more
                return _problem_answer("conflict", undone.message)
            return _Answer(s.status_code, s.body, s.content_type, "replayed", s.msgid,
                           {"Idempotent-Replayed": "true"})
        if claim.status == "mismatch":
            return _problem_answer("conflict", f"Idempotency-Key {key!r} was used with another request body or "
                                               "endpoint; nothing was sent")
        if claim.status == "running":
            return _problem_answer("conflict", f"Idempotency-Key {key!r}: the first request is still running; "
                                               "retry later for its response", {"Retry-After": "1"})
        sent = service.sent_under(worker, key) if claim.status == "orphaned" and not (route.money or
                                                                                       route.rerun_safe) else []
        if sent:
            outcome = Outcome(504, problem=problem(
                "outcome_unknown", "the instance serving the first request with this Idempotency-Key stopped "
                f"before it answered; its messages ({', '.join(sent)}) are in the journal under the key and "
                "unresolved ones are reversed; nothing is sent again", msgid=sent[-1]), msgid=sent[-1])
        else:
            outcome = _work(ctx, fn)
        answer = _encode(outcome)
        if answer.kind in _RELEASED:
            worker.idem.release(key)
        else:
            worker.idem.finish(key, Stored(answer.status, answer.media, answer.content, answer.msgid))
        return answer

    a = await service.run(whole)
    if a.kind == "replayed":
        service.metrics.replays.inc()
    _note(request, msgid=a.msgid, outcome=a.kind)
    return Response(content=a.content, status_code=a.status, media_type=a.media, headers=a.headers)


async def query(service: Service, request: Request[Any, Any, Any], route: Route,
                fn: Callable[[RequestContext], Outcome], *, operator: Any = None) -> Response[Any]:
    """A request that changes nothing (GET, identify): no key; the same answer shapes."""
    terminal = str(request.scope.get("state", {}).get("terminal", ""))
    _note(request, route=route.name, infno=route.infno or None)
    a = await service.run(lambda w: _encode(_work(service.context(w, terminal, operator, None), fn), masked=False))
    _note(request, msgid=a.msgid, outcome=a.kind)
    return Response(content=a.content, status_code=a.status, media_type=a.media)
