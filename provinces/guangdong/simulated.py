"""Simulated Guangdong card readers with the interface of
:class:`yibao.provinces.guangdong.readers.DllCardReader`, for the demo, the tests and rehearsal.

- :class:`SimulatedReader` answers from one person's data given to it;
- :class:`SandboxReader` holds a sandbox person's media: the card data from
  ``GET /_sandbox/persons``, a QR scan from ``POST /_sandbox/ectoken`` (or ``/_sandbox/qrcode``
  where the city decodes QR contents by 6101).  ``client.card_reader("sandbox", url=...,
  certno=...)`` opens it.

Both are medium readers (``read`` / ``verify_password``, :mod:`.reader_media`), so the identify
flow runs through the same ReadCardBas / ReadSFZ / GetQRBase / VerifyPIN parsing as the DLL's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx

from yibao.core import wire_loads

from .profile import CARD_INIT_URLS
from .reader_media import EcodeAs, MediumReading
from .readers import CardReaderError, IdCard, QrCode, SocialSecurityCard, parse_card_bas, parse_sfz

__all__ = ["SandboxReader", "SimulatedReader"]


class SimulatedReader(MediumReading):
    """A reader with the same interface, answering from one person's data (demo, sandbox).

    :param person: a sandbox person (``certno``, ``psn_name``, ``card_no``, ``card_sn``, ``insuplc_admdvs``).
    :param ectoken: called for each QR scan; e.g. ``POST /_sandbox/ectoken`` of the sandbox.
    :param pin_ok: whether VerifyPIN succeeds.
    """

    def __init__(self, person: Mapping[str, Any], *, ectoken: Callable[[], str] | None = None, pin_ok: bool = True,
                 ecode: EcodeAs = "token") -> None:  # fmt: skip
        self.person = person
        self._ectoken = ectoken
        self.pin_ok = pin_ok
        self.ecode = ecode
        self.initialised = False
        #: the functions called, in order (a test can see VerifyPIN ran after ReadCardBas)
        self.calls: list[str] = []

    def init(self, url: str = CARD_INIT_URLS["test"], user: str = "") -> None:
        self.initialised = self._ready = True
        self.calls.append("Init")

    def _need_init(self, function: str) -> None:
        self.calls.append(function)
        if not self.initialised:
            raise CardReaderError(function, -1, "控件未初始化 (call Init first)")

    def read_card_bas(self) -> SocialSecurityCard:
        """The card as the DLL prints it (``|``-separated, parsed by the DLL's own parser)."""
        self._need_init("ReadCardBas")
        p = self.person
        admdvs = str(p.get("insuplc_admdvs", "440100"))
        card_sn = str(p.get("card_sn") or admdvs + "D156000005")
        fields = [card_sn[:6], str(p["certno"]), str(p.get("card_no") or "SIM" + card_sn[-6:]), card_sn,
                  str(p.get("psn_name", "")), "", "3.00", "20200101", "20300101", "SIM000000001", ""]  # fmt: skip
        return parse_card_bas("|".join(fields) + "|", "SIM-SIGN")

    def read_sfz(self) -> IdCard:
        self._need_init("ReadSFZ")
        p = self.person
        certno = str(p["certno"])
        gend = {"1": "男", "2": "女"}.get(str(p.get("gend", "")), "")
        return parse_sfz("^".join([certno, str(p.get("psn_name", "")), gend, "汉", certno[6:14], "", "", "", ""]) + "^",
                         "SIM-SIGN")  # fmt: skip

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


class SandboxReader(SimulatedReader):
    """The media of the sandbox person ``certno`` (rehearsal; see the module docstring).

    :param url: the sandbox's base URL (its control API, loopback).
    :param qr: scans give the QR content for 6101 (Dongguan) instead of a token.
    """

    def __init__(self, url: str, certno: str, *, qr: bool = False, pin_ok: bool = True) -> None:
        base = url.rstrip("/")
        persons = wire_loads(httpx.get(f"{base}/_sandbox/persons", timeout=10).content)
        person = next((p for p in persons if p.get("certno") == certno), None)
        if person is None:
            raise CardReaderError("ReadCardBas", -3, "读卡器中没有该人员的介质 (no sandbox person with this certno)")
        path, key = ("/_sandbox/qrcode", "qrcode") if qr else ("/_sandbox/ectoken", "ectoken")

        def scan() -> str:
            return str(httpx.post(f"{base}{path}", json={"certno": certno}, timeout=10).json()[key])

        super().__init__(person, ectoken=scan, pin_ok=pin_ok, ecode="qrcode" if qr else "token")
