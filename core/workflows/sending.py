"""Sending one transaction with the journal around it (issue 4 "Journal"; reliability.md §1).

The order of durable steps for a state-changing message::

    validate ─ fail ─> journal FAILED (why), nothing sent, ValidationError (exit 2)
       │
    allocate msgid ─> journal INTENT+SENT (one commit) ─> bytes leave ─> journal outcome

The intent is committed, already marked SENT, before anything is sent: nothing stands between
the two, so they share one fsync.  A crash leaves the row SENT (maybe sent: UNKNOWN, reversed)
or no row at all (nothing was sent; the bill's idempotency claim is taken over).  INTENT alone
is what a failed validation leaves (then FAILED), and NOT_SENT -> SENT a re-send under the same
msgid.  Queries (1101, 52xx...) are logged, not journaled as money.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
import structlog

from ..errors import (
    BusinessError,
    GatewayError,
    NotSentError,
    OutcomeUnknownError,
    ValidationError,
    YibaoError,
)
from ..journal import State, mask_input

if TYPE_CHECKING:
    from ..client import Client
    from ..envelope import Reply

__all__ = ["download_file", "ledger_columns", "send_transaction"]

log = structlog.get_logger("yibao.send")

MONEY_COLUMNS = ("medfee_sumamt", "fund_pay_sumamt", "acct_pay", "psn_cash_pay")
TEXT_COLUMNS = ("setl_id", "mdtrt_id", "insutype", "clr_type", "clr_optins", "clr_way", "setl_time", "med_type")


def ledger_columns(output: Any) -> dict[str, Any]:
    """The journal's ledger columns from a settlement / cancel reply's ``setlinfo``."""
    if not isinstance(output, Mapping):
        return {}
    info = output.get("setlinfo")
    if not isinstance(info, Mapping):
        info = output.get("data") if isinstance(output.get("data"), Mapping) else output
        if not isinstance(info, Mapping):
            return {}
    cols: dict[str, Any] = {}
    for key in MONEY_COLUMNS:
        value = info.get(key)
        if key == "psn_cash_pay" and value is None:
            value = info.get("pdn_cash_pay")  # the 2208 spelling (spec_reference §16.4)
        if value is not None:
            cols[key] = Decimal(str(value)) if not isinstance(value, Decimal) else value
    for key in TEXT_COLUMNS:
        value = info.get(key)
        if value not in (None, ""):
            cols[key] = str(value)
    return cols


def _sign_no(client: Client, kind: str, infno: str) -> str:
    if kind in ("money", "state") or infno in ("9002",):
        return client.sessions.current_sign_no()
    return client.sessions.known_sign_no()


def send_transaction(
    client: Client,
    infno: str,
    data: Mapping[str, Any],
    *,
    insuplc_admdvs: str | None = None,
    idem_key: str | None = None,
    omsgid: str | None = None,
    oinfno: str | None = None,
) -> Reply:
    """Validate, journal, send and classify one transaction (see the module docstring)."""
    tx = client.catalog.get(infno)
    kind = tx.kind if tx is not None else "state"
    journaled = kind in ("money", "state")
    cfg = client.config
    psn_no = None
    try:
        prepared = client.prepare(infno, data)
    except ValidationError as exc:
        if journaled and isinstance(data, Mapping):
            # A failed validation sends nothing and journals why.
            msgid = client.journal.allocate_msgid(cfg.institution.fixmedins_code)
            client.journal.record_intent(
                msgid=msgid, infno=infno, region=client.profile.code,
                fixmedins_code=cfg.institution.fixmedins_code, opter=cfg.operator.opter,
                terminal=cfg.operator.terminal, input_full=dict(data), input_masked=mask_input(dict(data)),
                kind=kind, idem_key=idem_key,
            )
            client.journal.record_outcome(msgid, State.FAILED, err_msg=f"not sent: {exc.message}"[:2000])
            exc.msgid = msgid
        raise
    from ..client import find_field

    psn = find_field(prepared, "psn_no")
    psn_no = psn if isinstance(psn, str) and psn else None
    if kind == "money" and psn_no and infno != "2601":
        client.reversals.settle_person_first(psn_no)
    insuplc = insuplc_admdvs if insuplc_admdvs is not None else client.insuplc_for(prepared)
    sign_no = _sign_no(client, kind, infno)
    msgid = client.journal.allocate_msgid(cfg.institution.fixmedins_code)
    envelope = client.envelope(infno, msgid, prepared, insuplc_admdvs=insuplc, sign_no=sign_no)
    where = {"region": client.profile.code, "infno": infno, "msgid": msgid}
    hook = client.pm.hook.yibao_before_send
    if hook.get_hookimpls():  # the envelope dict is built only for an observer
        hook(profile=client.profile, infno=infno, envelope=envelope.to_dict())
    if journaled:
        mdtrt = find_field(prepared, "mdtrt_id")
        setl = find_field(prepared, "setl_id")
        bch = find_field(prepared, "chrg_bchno")
        client.journal.record_intent(
            msgid=msgid, infno=infno, region=client.profile.code, fixmedins_code=cfg.institution.fixmedins_code,
            opter=cfg.operator.opter, terminal=cfg.operator.terminal, input_full=prepared,
            input_masked=mask_input(prepared), kind=kind, psn_no=psn_no,
            mdtrt_id=mdtrt if isinstance(mdtrt, str) and mdtrt else None,
            setl_id=setl if isinstance(setl, str) and setl else None,
            chrg_bchno=bch if isinstance(bch, str) and bch else None,
            insuplc_admdvs=insuplc or None, idem_key=idem_key, omsgid=omsgid, oinfno=oinfno,
            sending=True,  # INTENT -> SENT in one commit: the bytes leave right after it
        )
    try:
        reply = _send_once(client, envelope, journaled, replay=False)
    except _SignInRefused as refused:
        # The centre refused the sign-in and committed nothing: sign in once more and replay
        # the SAME msgid once (never a new msgid for a state-changing message).
        log.warning("sign_in_invalid", err_msg=refused.error.err_msg, **where)
        client.sessions.refresh()
        envelope = client.envelope(infno, msgid, prepared, insuplc_admdvs=insuplc,
                                   sign_no=client.sessions.current_sign_no())
        reply = _send_once(client, envelope, journaled, replay=True)
    if infno == "1101":
        _remember_insuplc(client, reply.output)
    log.debug("sent", outcome="ok", **where)
    return attrs.evolve(reply, msgid=msgid)


class _SignInRefused(Exception):
    def __init__(self, error: BusinessError) -> None:
        super().__init__(error.err_msg)
        self.error = error


def _send_once(client: Client, envelope: Any, journaled: bool, *, replay: bool) -> Reply:
    j = client.journal
    msgid, infno = envelope.msgid, envelope.infno
    if journaled and replay:
        j.transition(msgid, [State.NOT_SENT], State.SENT)
    try:
        reply = client.transport.send(client.path_for(infno), envelope)
    except BusinessError as exc:
        if journaled and not replay and infno not in ("9001", "9002") \
                and client.sessions.is_invalid_sign_in(exc.err_msg):
            j.record_outcome(msgid, State.NOT_SENT, err_msg=f"sign-in refused: {exc.err_msg}")
            raise _SignInRefused(exc) from None
        if journaled:
            j.record_outcome(msgid, State.FAILED, err_msg=exc.err_msg, infcode=exc.infcode,
                             inf_refmsgid=exc.inf_refmsgid or None)
        raise
    except GatewayError as exc:
        if journaled:
            j.record_outcome(msgid, State.FAILED, err_msg=exc.message)
        raise
    except NotSentError as exc:
        if journaled:
            j.record_outcome(msgid, State.NOT_SENT, err_msg=exc.message)
        raise
    except OutcomeUnknownError as exc:
        if journaled:
            j.record_outcome(msgid, State.UNKNOWN, err_msg=exc.message)
            client.reversals.schedule_new(msgid)
        raise
    except YibaoError:
        raise
    if journaled:
        j.record_outcome(msgid, State.SUCCEEDED, output=reply.output, infcode=reply.infcode,
                         inf_refmsgid=reply.inf_refmsgid or None, **ledger_columns(reply.output))
    return reply


def _remember_insuplc(client: Client, output: Any) -> None:
    if not isinstance(output, Mapping):
        return
    base = output.get("baseinfo")
    insu = output.get("insuinfo")
    if isinstance(base, Mapping) and isinstance(insu, list) and insu:
        psn_no = base.get("psn_no")
        first = insu[0]
        if isinstance(psn_no, str) and isinstance(first, Mapping) and first.get("insuplc_admdvs"):
            client.insuplc[psn_no] = str(first["insuplc_admdvs"])


def download_file(client: Client, fs_download_in: Mapping[str, Any]) -> bytes:
    """9102 文件下载 (spec_reference §12): bytes of the file; a JSON answer is an error."""
    data = {"fsDownloadIn": dict(fs_download_in)} if "fsDownloadIn" not in fs_download_in else dict(fs_download_in)
    prepared = client.prepare("9102", data)
    msgid = client.journal.allocate_msgid(client.config.institution.fixmedins_code)
    envelope = client.envelope("9102", msgid, prepared, sign_no=client.sessions.known_sign_no())
    return client.transport.download(client.path_for("9102"), envelope)
