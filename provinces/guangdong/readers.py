"""Guangdong card-reader driver (广东省读卡动态库; 两定医疗机构补充接口文档, 读卡部分).

The province ships one DLL for ID cards, social-security cards and QR codes::

    long WINAPI Init(const char *pUrl, const char *pUser);
    long WINAPI ReadCardBas(char *pOutBuff, int nOutBuffLen, char *pSignBuff, int nSignBuffLen);
    long WINAPI VerifyPIN(char *pOutBuff, int nOutBuffLen);
    long WINAPI ChangePIN(char *pOutBuff, int nOutBuffLen);
    long WINAPI ReadSFZ(char *pOutBuff, int nOutBuffLen, char *pSignBuff, int nSignBuffLen);
    long WINAPI GetQRBase(int nTimeout, char *pOutBuff, int nOutBuffLen, char *pSignBuff, int nSignBuffLen);

0 is success; otherwise ``pOutBuff`` holds the error text.  ReadCardBas answers ``|``-separated
fields ending with ``|``; ReadSFZ ``^``-separated fields ending with ``^``.  The text is GBK
from the Windows library and UTF-8 from some builds: ``encoding`` is configurable.
:class:`yibao.provinces.guangdong.simulated.SimulatedReader` has the same interface for the demo
and the sandbox.
"""

from __future__ import annotations

import ctypes
from typing import Any, Protocol

import attrs

from yibao.core import YibaoError

from .._ctypes_lib import Calling, LibraryUnavailable, load_library
from .profile import CARD_INIT_URLS
from .reader_media import EcodeAs, MediumReading

__all__ = [
    "CardReader",
    "CardReaderError",
    "DllCardReader",
    "IdCard",
    "QrCode",
    "ReaderUnavailableError",
    "SocialSecurityCard",
    "parse_card_bas",
    "parse_sfz",
]


class CardReaderError(YibaoError):
    """The reader answered non-zero; ``message`` is its own error text, ``code`` its return value."""

    exit_code = 1

    def __init__(self, function: str, code: int, text: str) -> None:
        super().__init__(f"{function} failed ({code}): {text or 'no error text'}")
        self.function = function
        self.code = code
        self.text = text


class ReaderUnavailableError(YibaoError):
    """The vendor library is not on this machine (or cannot be loaded here)."""

    exit_code = 1


@attrs.frozen
class SocialSecurityCard:
    """ReadCardBas: 社保卡基本信息 (+ ``sign``: 持卡就诊登记许可号)."""

    admdvs: str  # 发卡地区行政区划代码 (卡识别码前6位)
    ssn: str  # 社会保障号码
    card_no: str  # 卡号
    card_sn: str  # 卡识别码
    name: str  # 姓名
    reset_info: str  # 卡复位信息 (历史字节)
    spec_version: str  # 规范版本
    issue_date: str  # 发卡日期
    expiry_date: str  # 卡有效期
    terminal_no: str  # 终端机编号
    device_no: str  # 终端设备号 ("" when the terminal has none)
    sign: str = ""

    def __repr__(self) -> str:  # never print a person's number or name in full
        return f"SocialSecurityCard(admdvs={self.admdvs!r}, card_sn={self.card_sn[:6]}…)"


@attrs.frozen
class IdCard:
    """ReadSFZ: 身份证信息 (+ ``sign``: 数字签名)."""

    certno: str  # 公民身份号码
    name: str  # 姓名
    gender: str  # 性别
    nation: str  # 民族
    birth_date: str  # 出生日期
    address: str  # 户籍地址
    issuer: str  # 签发机构
    valid_period: str  # 有效期
    photo_base64: str  # 照片 (BASE64)
    sign: str = ""

    def __repr__(self) -> str:
        return f"IdCard(certno={self.certno[:6]}…)"


@attrs.frozen
class QrCode:
    """GetQRBase: the QR text (e-voucher code) and ``sign`` (持身份证就诊登记许可号)."""

    code: str
    sign: str = ""


_CARD_FIELDS = 11
_SFZ_FIELDS = 9


def _split(text: str, sep: str) -> list[str]:
    parts = text.split(sep)
    if parts and parts[-1] == "":  # the terminator after the last field
        parts.pop()
    return parts


def parse_card_bas(text: str, sign: str = "") -> SocialSecurityCard:
    """Parse ReadCardBas output.

    The document lists 11 fields but its example carries a leading ``1|``; we anchor on the
    card's identification code, which starts with the 6-digit issuing region (卡识别码前6位),
    so any leading fields are skipped.
    """
    parts = _split(text.strip(), "|")
    start = None
    for i in range(len(parts) - 3):
        head = parts[i]
        if len(head) == 6 and head.isdigit() and parts[i + 3].startswith(head):
            start = i
            break
    if start is None:
        start = max(0, len(parts) - _CARD_FIELDS)
    fields = parts[start : start + _CARD_FIELDS]
    if len(fields) < _CARD_FIELDS - 1:
        raise ValueError(f"ReadCardBas answered {len(parts)} fields, expected {_CARD_FIELDS}")
    fields += [""] * (_CARD_FIELDS - len(fields))  # 终端设备号 may be missing entirely
    names = [f.name for f in attrs.fields(SocialSecurityCard) if f.name != "sign"]
    return SocialSecurityCard(**dict(zip(names, fields, strict=True)), sign=sign)


def parse_sfz(text: str, sign: str = "") -> IdCard:
    """Parse ReadSFZ output: nine ``^``-separated fields, the last one the BASE64 photo."""
    parts = _split(text.strip(), "^")
    if len(parts) < _SFZ_FIELDS - 1:
        raise ValueError(f"ReadSFZ answered {len(parts)} fields, expected {_SFZ_FIELDS}")
    parts += [""] * (_SFZ_FIELDS - len(parts))
    names = [f.name for f in attrs.fields(IdCard) if f.name != "sign"]
    return IdCard(**dict(zip(names, parts[:_SFZ_FIELDS], strict=True)), sign=sign)


class CardReader(Protocol):
    """What the identify workflow needs from a reader (the DLL or the simulation)."""

    def init(self, url: str, user: str) -> None: ...
    def read_card_bas(self) -> SocialSecurityCard: ...
    def verify_pin(self) -> None: ...
    def change_pin(self) -> None: ...
    def read_sfz(self) -> IdCard: ...
    def get_qr_base(self, timeout: int = 30) -> QrCode: ...


class DllCardReader(MediumReading):
    """The province's reader library through ctypes.

    ``read(source)`` / ``verify_password(source)`` (:class:`~.reader_media.MediumReading`) make it
    a medium reader for ``client.identify_by_reader``.

    :param library: path of the vendor DLL / shared object.
    :param encoding: ``gbk`` (the Windows library) or ``utf-8``.
    :param ecode: ``token`` (the scanned code is the e-voucher number) or ``qrcode`` (the city
        decodes it by 6101 first: Dongguan).
    :param init_url / user: ``Init``'s URL and 使用地区 (run once before the first read).
    :param out_size: ``nOutBuffLen`` (the document suggests 1024; ReadSFZ carries a photo, so
        its buffer is ``sfz_size``).
    """

    def __init__(
        self,
        library: str,
        *,
        encoding: str = "gbk",
        out_size: int = 1024,
        sign_size: int = 1024,
        sfz_size: int = 8192,
        calling: Calling = "auto",
        ecode: EcodeAs = "token",
        init_url: str = CARD_INIT_URLS["test"],
        user: str = "",
    ) -> None:
        self.ecode, self.init_url, self.init_user = ecode, init_url, user
        try:
            self._lib = load_library(library, calling)
        except LibraryUnavailable as exc:
            raise ReaderUnavailableError(
                f"Guangdong card reader: {exc}. Install the province's reader library (读卡动态库, "
                "issued by the city project team) and set its path, or use the simulated reader."
            ) from exc
        self.encoding = encoding
        self.out_size = out_size
        self.sign_size = sign_size
        self.sfz_size = sfz_size
        for name in ("Init", "ReadCardBas", "VerifyPIN", "ChangePIN", "ReadSFZ", "GetQRBase"):
            fn = getattr(self._lib, name, None)
            if fn is None:
                raise ReaderUnavailableError(f"the reader library has no function {name}")
            fn.restype = ctypes.c_long
        self._lib.Init.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
        two: list[Any] = [ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        self._lib.ReadCardBas.argtypes = two
        self._lib.ReadSFZ.argtypes = two
        self._lib.VerifyPIN.argtypes = [ctypes.c_char_p, ctypes.c_int]
        self._lib.ChangePIN.argtypes = [ctypes.c_char_p, ctypes.c_int]
        self._lib.GetQRBase.argtypes = [ctypes.c_int, *two]

    def _text(self, buf: ctypes.Array[ctypes.c_char]) -> str:
        return buf.value.decode(self.encoding, errors="replace")

    def _check(self, function: str, rc: int, out: ctypes.Array[ctypes.c_char]) -> None:
        if rc != 0:
            raise CardReaderError(function, rc, self._text(out))

    def init(self, url: str = CARD_INIT_URLS["test"], user: str = "") -> None:
        """Init(pUrl, pUser): must run once before any other call (``user`` = 使用地区)."""
        rc = self._lib.Init(url.encode(self.encoding), user.encode(self.encoding))
        if rc != 0:
            raise CardReaderError("Init", rc, "initialisation failed (check pUrl and pUser)")
        self._ready = True

    def _two(self, function: str, size: int, *lead: int) -> tuple[str, str]:
        out = ctypes.create_string_buffer(size)
        sign = ctypes.create_string_buffer(self.sign_size)
        rc = getattr(self._lib, function)(*lead, out, size, sign, self.sign_size)
        self._check(function, rc, out)
        return self._text(out), self._text(sign)

    def read_card_bas(self) -> SocialSecurityCard:
        """ReadCardBas: the social-security card's basic data."""
        return parse_card_bas(*self._two("ReadCardBas", self.out_size))

    def read_sfz(self) -> IdCard:
        """ReadSFZ: the second-generation ID card."""
        return parse_sfz(*self._two("ReadSFZ", self.sfz_size))

    def get_qr_base(self, timeout: int = 30) -> QrCode:
        """GetQRBase: wait up to ``timeout`` seconds for a QR code (the e-voucher code)."""
        code, sign = self._two("GetQRBase", self.out_size, timeout)
        return QrCode(code=code, sign=sign)

    def _pin(self, function: str) -> None:
        out = ctypes.create_string_buffer(self.out_size)
        rc = getattr(self._lib, function)(out, self.out_size)
        self._check(function, rc, out)

    def verify_pin(self) -> None:
        """VerifyPIN: the card locks after 6 wrong PINs; the reader's text says how many remain."""
        self._pin("VerifyPIN")

    def change_pin(self) -> None:
        """ChangePIN: the holder types old and new PIN on the reader's keypad."""
        self._pin("ChangePIN")
