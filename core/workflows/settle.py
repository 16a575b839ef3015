"""Settle, the common part: one bill = its pre-settlement and its settlement under one key,
the e-voucher refresh, and the region's token steps (national baseline 【2101】-【2305】).

Rules applied here from the region profile, never by the caller:

- fixed field values (Dongguan 2102 ``med_type`` 41) are filled in by the engine;
- ``insuplc_admdvs`` in the envelope comes from 1101 (spec 表2 #4);
- a fresh e-voucher token before the infnos in ``profile.fresh_ectoken_for`` (Guangdong §5),
  from the reader when one is given, else from ``ectoken_provider``;
- the medium read again with its password before ``profile.reread_medium_for`` (Gansu §3.1.5,
  :func:`~.readers.reread`);
- an e-voucher token older than ``profile.ectoken_ttl_seconds`` read again through the token
  steps (Yunnan §1.6: 3 minutes), never sent expired;
- the medium-reading steps in ``profile.token_steps`` (Yunnan 1192 before 2207 / 2304).

The cashier warnings a region gives for a result (Dongguan: the personal account is already
debited, do not swipe the POS) come from its ``yibao_after_settle`` hook, on the settlement.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from ..engine import Call, Settlement
from ..errors import StateError
from .identify import Identity, Medium, identify
from .readers import MediumReader, identify_by_reader, reread

if TYPE_CHECKING:
    from .context import Context

__all__ = ["EctokenProvider", "fresh_medium", "settle_bill", "token_fields"]

#: ``provider(identity) -> token``: a new single-use e-voucher code for this person.
EctokenProvider = Callable[[Identity], str]


def fresh_medium(ctx: Context, identity: Identity, infno: str, ectoken_provider: EctokenProvider | None,
                 reader: MediumReader | None = None) -> Identity:  # fmt: skip
    """The medium a settlement of ``infno`` goes with (see the module docstring)."""
    profile = ctx.profile
    if infno in profile.reread_medium_for:
        return reread(ctx, identity, infno, reader)
    if identity.medium.mdtrt_cert_type != "01":
        return identity
    if infno in profile.fresh_ectoken_for:  # Guangdong §5: a new code (and 1101) before 2207 / 2304
        if reader is not None:
            return identify_by_reader(ctx, reader, "ecode", insuplc_admdvs=identity.insuplc_admdvs)
        if ectoken_provider is None:
            raise StateError(f"{infno} needs a fresh e-voucher code for this region: pass ectoken_provider or "
                             "reader", infno=infno)  # fmt: skip
        return identify(ctx, Medium.ectoken(ectoken_provider(identity)), insuplc_admdvs=identity.insuplc_admdvs)
    ttl, read_at = profile.ectoken_ttl_seconds, identity.medium.read_at
    if ttl and read_at and ctx.now().timestamp() - read_at > ttl:
        # Yunnan §1.6: 每个电子凭证令牌的默认有效时间是3分钟: read the e-voucher again (the token steps).
        medium = Medium("01", "", certno=identity.certno, psn_name=identity.psn_name, source="ecode")
        return identify(ctx, medium, insuplc_admdvs=identity.insuplc_admdvs)
    return identity


def token_fields(ctx: Context, identity: Identity, infno: str) -> dict[str, Any]:
    """Region token steps before a settlement (Yunnan 1192 before 2207 / 2304)."""
    out: dict[str, Any] = {}
    for step in ctx.profile.token_steps.get(infno, ()):
        request = {**attrs.asdict(identity.medium), "infno": infno, "psn_name": identity.psn_name,
                   "certno": identity.certno}
        out.update(ctx.hooks.read_medium(step, request, ctx.call))
    return out


def settle_bill(ctx: Context, identity: Identity, infno: str, data: Mapping[str, Any], *,
                pre: tuple[str, Mapping[str, Any]] | None, idem_key: str | None) -> Settlement:
    """Send the pre-settlement (when given) and the settlement of one bill under its key.

    The engine claims ``idem_key`` before anything leaves: a HIS retry of the same bill gets the
    first result back and sends nothing, not even the pre-settlement.
    """
    insuplc = identity.insuplc_admdvs
    first = Call(pre[0], pre[1], insuplc_admdvs=insuplc) if pre else None
    reply = ctx.send(Call(infno, data, insuplc_admdvs=insuplc, idem_key=idem_key), first=first)
    if reply.settlement is None:  # pragma: no cover - the engine parses every settlement reply
        raise StateError(f"{infno} answered without setlinfo", infno=infno, msgid=reply.msgid)
    return reply.settlement


def cancel_bill(ctx: Context, identity: Identity, infno: str, data: Mapping[str, Any]) -> Settlement:
    """Send one cancel (2103 / 2208 / 2305)."""
    reply = ctx.send(Call(infno, data, insuplc_admdvs=identity.insuplc_admdvs))
    if reply.settlement is None:  # pragma: no cover
        raise StateError(f"{infno} answered without setlinfo", infno=infno, msgid=reply.msgid)
    return reply.settlement
