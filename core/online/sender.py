"""One online message through its layers, as the engine sends a national one::

    send(interface, data)
      prepare     the region's fixed values, the catalogue's field table    fails: nothing sent, refusal journaled
      journal     msg_id, INTENT+SENT in one commit, with the order's move  -- before any byte leaves
      exchange    seal, post, open, classify                               (:mod:`.channel`)
      outcome     SUCCEEDED / FAILED / NOT_SENT / UNKNOWN committed with the order's next state

``money`` and ``state`` interfaces (:attr:`~.profile.Endpoint.kind`) are journaled in
``online_messages``; queries are not.  The order moves to its ``*_UNKNOWN`` state in the same
commit as the intent ("maybe sent"), so a crash between the bytes leaving and the answer leaves
exactly what a lost answer leaves; the outcome then moves it on.  A re-send is the *same*
message (same row, same ``appRefdSn`` / ``medOrgOrd``), never a new one for the same money.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs

from .. import gm, wire
from ..catalog import Catalog, validate
from ..engine.prepare import apply_fixed
from ..errors import (
    BusinessError,
    ConfigurationError,
    NotSentError,
    OutcomeUnknownError,
    StateError,
    ValidationError,
    ValidationIssue,
    YibaoError,
)
from ..journal import Journal
from ..masking import mask_input
from ..plugins import RegionProfile
from .channel import Channel, Observer, OnlineCall, timed
from .store import DuplicateRow, OnlineStore, utc_now

__all__ = ["Move", "Sender"]


@attrs.frozen
class Move:
    """How a message moves its order: ``intent`` when the intent is committed, then one state
    per outcome (``None``: leave it); ``values`` are set with the intent."""

    med_org_ord: str
    sources: Sequence[str]
    intent: str
    succeeded: str | None = None
    failed: str | None = None
    values: Mapping[str, Any] = attrs.field(factory=dict)


class Sender:
    """Sends the messages of one institution to its online parties."""

    def __init__(self, *, store: OnlineStore, journal: Journal, catalog: Catalog, profile: RegionProfile,
                 fixmedins_code: str, kind: str, channels: Mapping[str, Channel], terminal: str = "T01") -> None:
        self.store = store
        self.journal = journal
        self.catalog = catalog
        self.profile = profile
        self.fixmedins_code = fixmedins_code
        #: the terminal's share of the msgid sequence (yibao.core.journal.msgid)
        self.terminal = terminal
        self.kind = kind
        self.channels = dict(channels)
        self.observers: list[Observer] = []

    def new_msgid(self, code: str | None = None) -> str:
        """A fresh msgid of ``code`` (default the institution's) from this terminal's sequence."""
        return self.journal.allocate_msgid(code or self.fixmedins_code, self.terminal)

    # ------------------------------------------------------------------ prepare
    def prepare(self, interface: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """``data`` with the region's fixed values, checked against the interface's field table."""
        tx = self.catalog.get(interface)
        if tx is None:
            raise ValidationError([ValidationIssue(interface, "-", "interface", "unknown",
                                                   f"{interface} is not in the catalogue of {self.profile.code}")],
                                  infno=interface)
        primary = tx.input[0].name if tx.input else "data"
        nodes: dict[str, Any] = {primary: dict(data)}
        for node in tx.input[1:]:  # sibling nodes (7101 rxdrugdetail / mdtrtinfo / diseinfo) sit inside data
            if node.name in nodes[primary]:
                nodes[node.name] = nodes[primary].pop(node.name)
        if primary == "":
            nodes = dict(nodes[primary])
        filled = apply_fixed(self.profile, interface, nodes, self.kind)
        issues = validate(self.catalog, interface, filled)
        if issues:
            raise ValidationError(issues, infno=interface)
        if primary == "":
            return filled
        out = dict(filled[primary])
        out.update({k: v for k, v in filled.items() if k != primary})
        return out

    # ------------------------------------------------------------------ send
    def send(self, interface: str, data: Mapping[str, Any], *, move: Move | None = None, biz_ser: str = "",
             refund: Mapping[str, Decimal] | None = None, resend: str = "", msg_id: str = "",
             order: str = "") -> tuple[str, gm.Reply]:
        """Send ``data`` to ``interface``; ``(msg_id, reply)`` for a verified success, else the
        error of the outcome class.  ``resend`` names an UNKNOWN message to send again as it was;
        ``msg_id`` one allocated by the caller (it is also the message's ``orgBizSer`` / ``appRefdSn``);
        ``order`` the ``medOrgOrd`` a message that moves no order belongs to (an e-invoice)."""
        endpoint = self.profile.online.endpoint(interface) if self.profile.online else None
        if endpoint is None:
            raise ValidationError([ValidationIssue(interface, "-", "interface", "unknown", "no online profile")])
        journaled = endpoint.kind in ("money", "state")
        try:
            ready = self.prepare(interface, data)
        except ValidationError as exc:
            if journaled:
                self._refused(interface, data, exc, move, order)
            raise
        channel = self.channels.get(f"{endpoint.party}:{endpoint.envelope}") or self.channels.get(endpoint.party)
        if channel is None:
            raise ConfigurationError("online", f"{interface}: no {endpoint.party} party is configured")
        msg_id = resend or msg_id or self.new_msgid()
        if journaled:
            self._intent(msg_id, interface, endpoint.kind, ready, move, biz_ser, refund, resend, order)
        stopwatch = timed()
        try:
            reply = channel.exchange(endpoint.path, ready, interface=interface, msg_id=msg_id)
        except BusinessError as exc:
            self._outcome(msg_id, "FAILED", move, move.failed if move else None, journaled,
                          err_msg=exc.err_msg, code=exc.infcode)
            self._tell(interface, msg_id, ready, None, exc, stopwatch(), channel.party)
            raise
        except NotSentError as exc:
            self._outcome(msg_id, "NOT_SENT", move, move.failed if move else None, journaled, err_msg=exc.message)
            self._tell(interface, msg_id, ready, None, exc, stopwatch(), channel.party)
            raise
        except OutcomeUnknownError as exc:
            self._outcome(msg_id, "UNKNOWN", move, None, journaled, err_msg=exc.message)
            self._tell(interface, msg_id, ready, None, exc, stopwatch(), channel.party)
            raise
        except BaseException:
            # Ctrl-C, a bug: the bytes may have left; the order stays in its *_UNKNOWN state.
            self._outcome(msg_id, "UNKNOWN", move, None, journaled, err_msg="interrupted while on the wire")
            raise
        self._outcome(msg_id, "SUCCEEDED", move, move.succeeded if move else None, journaled,
                      output=reply.data, code=reply.code)
        self._tell(interface, msg_id, ready, reply.data, None, stopwatch(), channel.party)
        return msg_id, reply

    # ------------------------------------------------------------------ journal
    def _intent(self, msg_id: str, interface: str, kind: str, ready: Mapping[str, Any], move: Move | None,
                biz_ser: str, refund: Mapping[str, Decimal] | None, resend: str, order: str) -> None:
        now = utc_now()
        with self.store.transaction():
            if move is not None:
                row = self.store.one("online_orders", med_org_ord=move.med_org_ord)
                prev = row["state"] if row else None
                if not self.store.update("online_orders", {"med_org_ord": move.med_org_ord},
                                         {"state": move.intent, "updated_at": now, **move.values}, move.sources):
                    raise StateError(f"order {move.med_org_ord} is {prev or 'unknown'}: {interface} needs one of "
                                     f"{', '.join(move.sources)}", infno=interface)
            else:
                prev = None
            if resend:
                self.store.update("online_messages", {"msg_id": resend},
                                  {"state": "SENT", "sent_at": now, "attempts": self._attempts(resend) + 1},
                                  ["UNKNOWN", "NOT_SENT"])
                return
            try:
                self.store.insert("online_messages", {
                    "msg_id": msg_id, "med_org_ord": move.med_org_ord if move else order or None,
                    "interface": interface, "kind": kind, "state": "SENT", "prev_state": prev,
                    "biz_ser": biz_ser or None,
                    "input_full": dict(ready), "input_masked": mask_input(dict(ready)),
                    **{f"refd_{k}": v for k, v in (refund or {}).items()}, "created_at": now, "sent_at": now,
                })  # fmt: skip
            except DuplicateRow:
                # The unique index: another money message of this order is open (any process).
                raise StateError(f"another money message of order {move.med_org_ord if move else ''} is in flight "
                                 "or unresolved; resolve it first", infno=interface) from None

    def _attempts(self, msg_id: str) -> int:
        row = self.store.one("online_messages", msg_id=msg_id)
        return int(row["attempts"]) if row else 0

    def _outcome(self, msg_id: str, state: str, move: Move | None, order_state: str | None, journaled: bool,
                 **values: Any) -> None:
        if not journaled:
            return
        if "output" in values and values["output"] is not None:
            values["output"] = wire.loads(wire.dumps(values["output"], check_floats=False))
        with self.store.transaction():
            self.store.update("online_messages", {"msg_id": msg_id},
                              {"state": state, "outcome_at": utc_now(), **values}, ["SENT"])
            if move is not None and order_state is not None:
                target = order_state
                if target == "@prev":
                    row = self.store.one("online_messages", msg_id=msg_id)
                    target = (row or {}).get("prev_state") or move.sources[0]
                self.store.update("online_orders", {"med_org_ord": move.med_org_ord},
                                  {"state": target, "updated_at": utc_now()}, [move.intent])

    def _refused(self, interface: str, data: Mapping[str, Any], exc: ValidationError, move: Move | None,
                 order: str) -> None:
        msg_id = self.new_msgid()
        safe: Any = data
        try:
            wire.dumps(dict(data))
        except (TypeError, ValueError):
            safe = {"unreadable_input": type(data).__name__}
        now = utc_now()
        self.store.insert("online_messages", {
            "msg_id": msg_id, "med_org_ord": move.med_org_ord if move else order or None, "interface": interface,
            "kind": "refused", "state": "FAILED", "input_full": dict(safe), "input_masked": mask_input(dict(safe)),
            "err_msg": f"not sent: {exc.message}"[:2000], "created_at": now, "outcome_at": now,
        })  # fmt: skip
        exc.msgid = msg_id

    # ------------------------------------------------------------------ observers
    def _tell(self, interface: str, msg_id: str, request: Any, reply: Any, error: YibaoError | None,
              seconds: float, party: str) -> None:
        if not self.observers:
            return
        record = OnlineCall(interface=interface, msg_id=msg_id, request=mask_input(request),
                            reply=mask_input(reply) if isinstance(reply, dict | list) else reply, ok=error is None,
                            error="" if error is None else f"{type(error).__name__}: {error.message}",
                            seconds=seconds, party=party)
        for observer in list(self.observers):
            observer(record)

    def tell(self, record: OnlineCall) -> None:
        """Report an exchange made outside :meth:`send` (the channel's GET, a notice received)."""
        for observer in list(self.observers):
            observer(record)

