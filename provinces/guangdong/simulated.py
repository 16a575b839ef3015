"""A simulated Guangdong card reader with the interface of
:class:`yibao.provinces.guangdong.readers.DllCardReader`, for the demo and the sandbox."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .profile import CARD_INIT_URLS
from .readers import CardReaderError, IdCard, QrCode, SocialSecurityCard

__all__ = ["SimulatedReader"]


class SimulatedReader:
    """A reader with the same interface, answering from one person's data (demo, sandbox).

    :param person: a sandbox person (``certno``, ``psn_name``, ``card_sn``, ``insuplc_admdvs``).
    :param ectoken: called for each QR scan; e.g. ``POST /_sandbox/ectoken`` of the sandbox.
    :param pin_ok: whether VerifyPIN succeeds.
    """

    def __init__(
        self,
        person: Mapping[str, Any],
        *,
        ectoken: Callable[[], str] | None = None,
        pin_ok: bool = True,
    ) -> None:
        self.person = person
        self._ectoken = ectoken
        self.pin_ok = pin_ok
        self.initialised = False

    def init(self, url: str = CARD_INIT_URLS["test"], user: str = "") -> None:
        self.initialised = True

    def _need_init(self, function: str) -> None:
        if not self.initialised:
            raise CardReaderError(function, -1, "控件未初始化 (call Init first)")

    def read_card_bas(self) -> SocialSecurityCard:
        self._need_init("ReadCardBas")
        p = self.person
        admdvs = str(p.get("insuplc_admdvs", "440100"))
        card_sn = str(p.get("card_sn") or admdvs + "D156000005")
        return SocialSecurityCard(
            admdvs=card_sn[:6], ssn=str(p["certno"]), card_no=str(p.get("card_no", "SIM" + card_sn[-6:])),
            card_sn=card_sn, name=str(p.get("psn_name", "")), reset_info="", spec_version="3.00",
            issue_date="20200101", expiry_date="20300101", terminal_no="SIM000000001", device_no="",
            sign="SIM-SIGN",
        )  # fmt: skip

    def read_sfz(self) -> IdCard:
        self._need_init("ReadSFZ")
        p = self.person
        certno = str(p["certno"])
        return IdCard(
            certno=certno, name=str(p.get("psn_name", "")), gender=str(p.get("gend", "")), nation="01",
            birth_date=certno[6:14], address="", issuer="", valid_period="", photo_base64="",
            sign="SIM-SIGN",
        )  # fmt: skip

    def get_qr_base(self, timeout: int = 30) -> QrCode:
        self._need_init("GetQRBase")
        if self._ectoken is None:
            raise CardReaderError("GetQRBase", -1, "扫码超时 (no e-voucher source configured)")
        return QrCode(code=self._ectoken(), sign="SIM-SIGN")

    def verify_pin(self) -> None:
        self._need_init("VerifyPIN")
        if not self.pin_ok:
            raise CardReaderError("VerifyPIN", -2, "密码错误")

    def change_pin(self) -> None:
        self._need_init("ChangePIN")
        if not self.pin_ok:
            raise CardReaderError("ChangePIN", -2, "原密码错误")
