"""From the Guangdong reader's functions to the media identify takes (``client.identify_by_reader``).

The province's reader library (补充接口文档, 读卡部分) answers ``ReadCardBas`` (社保卡), ``ReadSFZ``
(身份证), ``GetQRBase`` (医保电子凭证 QR) and ``VerifyPIN``; the 1101 rules of the guide (§4) say
what each becomes:

- 身份证: ``mdtrt_cert_type`` 02 with the ID number;
- 社保卡, local or elsewhere in Guangdong (发卡地 44...): 02 with the card's 社会保障号码;
  cross-province (another 发卡地): 03 with the card number, ``card_sn`` and the ID number
  (``psn_cert_type`` 01: the guide writes "1", the dictionary's code is 01);
- 电子凭证: 01 with the code the scanner read (§4.1), or, where the city decodes it first
  (Dongguan 附件6: 6101), the QR content for 6101 (``ecode="qrcode"``).

The card's PIN is checked with every card read (``verify_password("ss_card")`` -> ``VerifyPIN``;
the card locks after 6 wrong PINs, the reader's text says so).  ``Init`` runs once, before the
first read, with the environment's card-initialisation URL (§3).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from yibao.core import Medium

from .profile import CARD_INIT_URLS

if TYPE_CHECKING:
    from .readers import SocialSecurityCard

__all__ = ["EcodeAs", "MediumReading", "ss_card_medium"]

EcodeAs = Literal["token", "qrcode"]
PROVINCE_PREFIX = "44"


def ss_card_medium(card: SocialSecurityCard, province_prefix: str = PROVINCE_PREFIX) -> Medium:
    """The 1101 medium of a social-security card by the guide's rule (§4.3)."""
    if card.admdvs.startswith(province_prefix):
        return Medium("02", card.ssn, psn_cert_type="01", certno=card.ssn, psn_name=card.name, source="ss_card")
    return Medium("03", card.card_no, card_sn=card.card_sn, psn_cert_type="01", certno=card.ssn, psn_name=card.name,
                  source="ss_card")  # fmt: skip


class MediumReading:
    """``read(source)`` / ``verify_password(source)`` on top of the reader functions (a mixin)."""

    ecode: EcodeAs = "token"
    init_url: str = CARD_INIT_URLS["test"]
    init_user: str = ""
    _ready: bool = False

    def _ensure_init(self) -> None:
        if not self._ready:
            self.init(self.init_url, self.init_user)  # type: ignore[attr-defined]
            self._ready = True

    def read(self, source: str) -> Medium:
        """Read ``ss_card`` (ReadCardBas), ``id_card`` (ReadSFZ) or ``ecode`` (GetQRBase)."""
        self._ensure_init()
        reader: Any = self
        if source == "ss_card":
            return ss_card_medium(reader.read_card_bas())
        if source == "id_card":
            sfz = reader.read_sfz()
            return Medium("02", sfz.certno, psn_cert_type="01", certno=sfz.certno, psn_name=sfz.name, source="id_card")
        if source == "ecode":
            code = reader.get_qr_base().code
            return Medium.ec_qr(code) if self.ecode == "qrcode" else Medium("01", code, source="ecode")
        raise ValueError(f"unknown medium source {source!r}: ss_card, id_card or ecode")

    def verify_password(self, source: str) -> None:
        """VerifyPIN for a card; an ID card has no password, the e-voucher app checks its own."""
        self._ensure_init()
        if source == "ss_card":
            self.verify_pin()  # type: ignore[attr-defined]
