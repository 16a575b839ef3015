"""Identify by a medium reader, and read the medium again at a settlement.

A reader is anything with the :class:`MediumReader` methods: a province's card-reader driver
(Guangdong's ``ReadCardBas`` / ``ReadSFZ`` / ``GetQRBase`` / ``VerifyPIN`` DLL, opened with
``client.card_reader("gd-dll", library=...)``), its simulations (``simulated``, ``sandbox``),
or a HIS's own.  Sources:

- ``ss_card`` 社会保障卡: the card's numbers; its password is verified at every read (Gansu
  §3.1 方式二 "读取社保卡，验证卡密码", Yunnan §1.5 the same);
- ``id_card`` 居民身份证: the ID number and name (no password exists);
- ``ecode`` 医保电子凭证: the QR code's content: a token for 1101, or QR content for 6101.

:func:`identify_by_reader` reads and runs 1101 (``client.identify_by_reader``).
:func:`reread` is what a settlement runs where ``profile.reread_medium_for`` lists it (Gansu
§3.1.5: 为了交易安全，所有结算时都需要进行读取就诊介质和密码验证): the same kind of medium is
read again, its password verified, and it must name the same person; an e-voucher gives a new
token (and 1101 again, the token being single-use).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

import attrs

from ..errors import StateError
from .identify import Identity, Medium, identify

if TYPE_CHECKING:
    from .context import Context

__all__ = ["SOURCES", "MediumReader", "identify_by_reader", "reread", "source_of"]

SOURCES = ("ss_card", "id_card", "ecode")
_BY_TYPE = {"01": "ecode", "02": "id_card", "03": "ss_card"}


@runtime_checkable
class MediumReader(Protocol):
    """What identify needs from a reader."""

    def read(self, source: str) -> Medium:
        """Read one medium of ``source`` (``ss_card``, ``id_card``, ``ecode``)."""
        ...

    def verify_password(self, source: str) -> None:
        """Check the holder's password for ``source`` (raises when wrong); nothing for an ID card."""
        ...


def source_of(medium: Medium) -> str:
    """The source a medium came from (its ``source``, else what its certificate type implies)."""
    return medium.source or _BY_TYPE.get(medium.mdtrt_cert_type, "id_card")


def _read(reader: MediumReader, source: str) -> Medium:
    if source not in SOURCES:
        raise StateError(f"unknown medium source {source!r}: one of {', '.join(SOURCES)}")
    medium = reader.read(source)
    if source == "ss_card":
        reader.verify_password(source)
    return medium if medium.source else attrs.evolve(medium, source=source)


def identify_by_reader(ctx: Context, reader: MediumReader, source: str, *,
                       insuplc_admdvs: str | None = None) -> Identity:  # fmt: skip
    """Read ``source`` with ``reader`` (a card's password checked), then 1101."""
    return identify(ctx, _read(reader, source), insuplc_admdvs=insuplc_admdvs)


def reread(ctx: Context, identity: Identity, infno: str, reader: MediumReader | None) -> Identity:
    """Gansu §3.1.5 before ``infno``: the medium read again with its password; the same person."""
    if infno not in ctx.profile.reread_medium_for:
        return identity
    if reader is None:
        raise StateError(f"{infno}: region {ctx.profile.code} reads the medium and checks its password at every "
                         "settlement (Gansu §3.1.5): pass reader=", infno=infno)  # fmt: skip
    source = source_of(identity.medium)
    medium = _read(reader, source)
    if source != "ss_card":
        reader.verify_password(source)
    if medium.mdtrt_cert_type == "01":  # a new single-use token: 1101 with it
        again = identify(ctx, medium, insuplc_admdvs=identity.insuplc_admdvs)
        if again.psn_no != identity.psn_no:
            raise StateError(f"{infno}: the e-voucher read now is not the person of this visit", infno=infno)
        return again
    if medium.certno and identity.certno and medium.certno != identity.certno:
        raise StateError(f"{infno}: the medium read now is not the person of this visit", infno=infno)
    return identity.with_medium(attrs.evolve(medium, read_at=0.0))
