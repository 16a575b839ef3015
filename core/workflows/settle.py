"""Settle: the common part (results, idempotency, e-voucher refresh, token steps) and the
pharmacy flow 2101 药店预结算 → 2102 药店结算, undo 2103 药店结算撤销.

Outpatient and inpatient flows live in :mod:`.outpatient` and :mod:`.inpatient`.

Rules applied here, by data from the region profile and never by the caller:
- fixed field values (Dongguan 2102 ``med_type`` 41) are filled by the client;
- ``insuplc_admdvs`` in the envelope comes from 1101 (spec 表2 #4);
- a fresh e-voucher token before the infnos in ``profile.fresh_ectoken_for`` (Guangdong §5);
- a result with ``acct_pay`` not 0 says plainly that the personal account is already debited
  and the POS must not be swiped again (Dongguan 注意事项).
"""

from __future__ import annotations

import contextvars
import hashlib
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

import attrs

from .. import wire
from ..errors import OutcomeUnknownError, StateError, YibaoError
from ..journal import KeyClaim, State
from .identify import Identity, Medium, identify

if TYPE_CHECKING:
    from ..client import Client

__all__ = ["FeeItem", "Settlement", "cancel_pharmacy", "fresh_medium", "idempotent", "settle_pharmacy"]

CENT = Decimal("0.01")
#: A claim held this long by a process of another host, with nothing journaled, was abandoned
#: (a live request reaches its settlement's journal entry within a few read timeouts).
ABANDONED_AFTER = 900
ACCT_WARNING = ("个人账户已通过接口直接扣除 {acct_pay} 元，无需再刷POS机，避免重复扣参保人个账 "
                "(the personal account is already debited; do not swipe the POS again)")


@attrs.frozen
class FeeItem:
    """One fee line as the HIS has it; rows for 2101/2102, 2204 and 2301 are built from it."""

    feedetl_sn: str
    med_list_codg: str
    medins_list_codg: str
    cnt: Decimal
    pric: Decimal
    fee_ocur_time: datetime | None = None
    det_item_fee_sumamt: Decimal | None = None
    rxno: str = ""
    rx_circ_flag: str = "0"
    bilg_dept_codg: str = "A01"
    bilg_dept_name: str = "门诊"
    bilg_dr_codg: str = "D000000000001"
    bilg_dr_name: str = "医师"
    hosp_appr_flag: str = "0"
    extra: Mapping[str, Any] = attrs.field(factory=dict)

    @property
    def amount(self) -> Decimal:
        if self.det_item_fee_sumamt is not None:
            return self.det_item_fee_sumamt
        return (self.cnt * self.pric).quantize(CENT, rounding=ROUND_HALF_UP)

    def row(self, now: datetime, **more: Any) -> dict[str, Any]:
        t = (self.fee_ocur_time or now).strftime("%Y-%m-%d %H:%M:%S")
        out: dict[str, Any] = {
            "feedetl_sn": self.feedetl_sn, "rxno": self.rxno, "rx_circ_flag": self.rx_circ_flag,
            "fee_ocur_time": t, "med_list_codg": self.med_list_codg, "medins_list_codg": self.medins_list_codg,
            "det_item_fee_sumamt": self.amount, "cnt": self.cnt, "pric": self.pric,
            "bilg_dr_codg": self.bilg_dr_codg, "bilg_dr_name": self.bilg_dr_name,
        }
        out.update(more)
        out.update(self.extra)
        return out


def total(items: Sequence[FeeItem]) -> Decimal:
    return sum((i.amount for i in items), Decimal("0"))


@attrs.frozen
class Settlement:
    """A settlement (or cancel) as the centre answered it."""

    infno: str
    msgid: str
    setl_id: str
    mdtrt_id: str
    medfee_sumamt: Decimal
    fund_pay_sumamt: Decimal
    acct_pay: Decimal
    psn_cash_pay: Decimal
    setlinfo: Mapping[str, Any]
    setldetail: tuple[Mapping[str, Any], ...] = ()
    warning: str = ""

    @classmethod
    def from_output(cls, infno: str, msgid: str, output: Any) -> Settlement:
        info = output.get("setlinfo", {}) if isinstance(output, Mapping) else {}
        detail = output.get("setldetail", []) if isinstance(output, Mapping) else []

        def dec(key: str, alt: str = "") -> Decimal:
            v = info.get(key, info.get(alt) if alt else None)
            return Decimal(str(v)) if v not in (None, "") else Decimal("0")

        acct = dec("acct_pay")
        return cls(
            infno=infno, msgid=msgid, setl_id=str(info.get("setl_id", "")), mdtrt_id=str(info.get("mdtrt_id", "")),
            medfee_sumamt=dec("medfee_sumamt"), fund_pay_sumamt=dec("fund_pay_sumamt"), acct_pay=acct,
            psn_cash_pay=dec("psn_cash_pay", "pdn_cash_pay"), setlinfo=dict(info),
            setldetail=tuple(detail if isinstance(detail, list) else []),
            warning=ACCT_WARNING.format(acct_pay=acct) if acct != 0 and infno in ("2102", "2207", "2304") else "",
        )

    def to_json(self) -> dict[str, Any]:
        return attrs.asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Settlement:
        d = dict(data)
        for k in ("medfee_sumamt", "fund_pay_sumamt", "acct_pay", "psn_cash_pay"):
            d[k] = Decimal(str(d[k]))
        d["setldetail"] = tuple(d.get("setldetail", ()))
        return cls(**d)


# Fields each attempt stamps anew (the time of the attempt, a single-use e-voucher code): they
# are not the bill's content, so a HIS retry a second later must not look like another bill.
_VOLATILE = frozenset({"begntime", "fee_ocur_time", "mdtrt_cert_type", "mdtrt_cert_no", "card_sn"})


# The idempotency key of the bill being run, so that its settlement's journal row carries it:
# recovery after a crash then frees or completes the key (ReversalQueue.recover_interrupted).
_RUNNING_KEY: contextvars.ContextVar[str | None] = contextvars.ContextVar("yibao_idem_key", default=None)


def _stable(payload: Any) -> Any:
    if isinstance(payload, Mapping):
        return {k: _stable(v) for k, v in payload.items() if k not in _VOLATILE}
    if isinstance(payload, list | tuple):
        return [_stable(v) for v in payload]
    return payload


def idempotent(client: Client, key: str | None, payload: Any, run: Callable[[], Settlement]) -> Settlement:
    """Our edge's idempotency (reliability.md §1): same key + same content → the stored result;
    other content → error; while the first runs → "in progress".  The content is ``payload``
    without the fields an attempt stamps anew (``_VOLATILE``)."""
    if not key:
        return run()
    fingerprint = hashlib.sha256(wire.dumps(_stable(payload), check_floats=False).encode()).hexdigest()
    claim = client.journal.claim_key(key, fingerprint)
    if claim.status == "conflict":
        raise StateError(f"idempotency key {key!r} was already used with other content")
    if claim.status == "in_progress":
        taken = _take_over(client, key, claim)
        if taken is not None:
            return taken if isinstance(taken, Settlement) else idempotent(client, key, payload, run)
        raise StateError(f"idempotency key {key!r}: the first request is still in progress")
    if claim.status == "done" and claim.result is not None:
        stored = dict(claim.result)
        if "unknown_msgid" in stored:
            entry = client.journal.get(str(stored["unknown_msgid"]))
            if entry is None or entry.state != State.REVERSED:
                raise StateError(f"idempotency key {key!r}: the outcome of {stored['unknown_msgid']} is unknown "
                                 "and it is being reversed; retry after `yibao journal recover`")
            # The journal keeps a finished key for good (release_key frees only an in-progress
            # claim), so the new attempt after the reversal runs under a key derived from the
            # reversed msgid: a chain that ends, one link per reversed attempt of this bill.
            derived = f"{key}~{stored['unknown_msgid']}"
            if len(derived) > 255:
                derived = hashlib.sha256(derived.encode()).hexdigest()
            return idempotent(client, derived, payload, run)
        return Settlement.from_json(stored)
    token = _RUNNING_KEY.set(key)
    try:
        result = run()
    except OutcomeUnknownError as exc:
        client.journal.complete_key(key, {"unknown_msgid": exc.msgid})
        raise
    except YibaoError:
        client.journal.release_key(key)
        raise
    finally:
        _RUNNING_KEY.reset(token)
    client.journal.complete_key(key, result.to_json())
    return result


def _take_over(client: Client, key: str, claim: KeyClaim) -> Settlement | bool | None:
    """An ``in_progress`` key whose process died: what the journal knows decides.

    - its settlement SUCCEEDED but the key was never completed (killed in between): the key is
      completed from the journal's reply and that result returned;
    - nothing of it reached the journal and its holder is dead (a process of this host that no
      longer exists) or, for a holder elsewhere, the claim is older than
      :data:`ABANDONED_AFTER` seconds: abandoned before anything was sent, so it is released
      (``True``: claim again);
    - otherwise ``None``: a live request, or one recovery has to resolve first.
    """
    entries = [e for e in client.journal.list(idem_key=key, limit=20) if e.kind == "money"]
    for e in entries:
        if e.state == State.SUCCEEDED and e.output is not None:
            result = Settlement.from_output(e.infno, e.msgid, e.output)
            client.journal.complete_key(key, result.to_json())
            return result
    if entries:
        return None
    stale = claim.claimed_at is not None and \
        (datetime.now(UTC) - claim.claimed_at).total_seconds() > ABANDONED_AFTER
    if not (claim.owner_is_dead or stale):
        return None
    client.journal.release_key(key)
    return True


def fresh_medium(client: Client, identity: Identity, infno: str,
                 ectoken_provider: Callable[[Identity], str] | None) -> Identity:
    """Guangdong §5: an e-voucher person needs a new code (and 1101) before 2207 / 2304."""
    if identity.medium.mdtrt_cert_type != "01" or infno not in client.profile.fresh_ectoken_for:
        return identity
    if ectoken_provider is None:
        raise StateError(f"{infno} needs a fresh e-voucher code for this region: pass ectoken_provider", infno=infno)
    return identify(client, Medium.ectoken(ectoken_provider(identity)), insuplc_admdvs=identity.insuplc_admdvs)


def token_fields(client: Client, identity: Identity, infno: str) -> dict[str, Any]:
    """Region token steps before a settlement (Yunnan 1192 before 2207 / 2304)."""
    out: dict[str, Any] = {}
    for step in client.profile.token_steps.get(infno, ()):
        request = {**attrs.asdict(identity.medium), "infno": infno, "psn_name": identity.psn_name,
                   "certno": identity.certno}
        extra = client.pm.hook.yibao_read_medium(profile=client.profile, step=step, request=request, call=client.call)
        if extra:
            out.update(extra)
    return out


def _send(client: Client, infno: str, data: Mapping[str, Any], identity: Identity) -> Settlement:
    reply = client.reply(infno, data, insuplc_admdvs=identity.insuplc_admdvs, idem_key=_RUNNING_KEY.get())
    result = Settlement.from_output(infno, reply.msgid, reply.output)
    client.pm.hook.yibao_after_settle(profile=client.profile, infno=infno, output=reply.output or {})
    return result


def settle_pharmacy(
    client: Client, identity: Identity, items: Sequence[FeeItem], *, acct_used_flag: str = "0",
    med_type: str = "", idem_key: str | None = None, dise_codg: str = "", dise_name: str = "",
) -> Settlement:
    """2101 药店预结算 then 2102 药店结算 (with the details); the region fixes ``med_type``."""
    now = client.clock()
    druginfo: dict[str, Any] = {
        "psn_no": identity.psn_no, **identity.cert_fields(), "begntime": now.strftime("%Y-%m-%d %H:%M:%S"),
        "medfee_sumamt": total(items), "insutype": identity.insutype, "acct_used_flag": acct_used_flag,
        "med_type": med_type, "dise_codg": dise_codg, "dise_name": dise_name,
    }
    data = {"druginfo": druginfo, "drugdetail": [i.row(now) for i in items]}

    def run() -> Settlement:
        client.call("2101", data, insuplc_admdvs=identity.insuplc_admdvs)
        return _send(client, "2102", data, identity)

    return idempotent(client, idem_key, data, run)


def cancel_pharmacy(client: Client, identity: Identity, settlement: Settlement) -> Settlement:
    """2103 药店结算撤销 of one settlement."""
    data = {"data": {"setl_id": settlement.setl_id, "mdtrt_id": settlement.mdtrt_id, "psn_no": identity.psn_no}}
    return _send(client, "2103", data, identity)
