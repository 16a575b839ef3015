"""The Guangdong card-reader binding against a gcc-built fake with the vendor's signatures."""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from pathlib import Path

import pytest

from yibao.provinces.guangdong.profile import CARD_INIT_URLS
from yibao.provinces.guangdong.readers import (
    CardReaderError,
    DllCardReader,
    ReaderUnavailableError,
    parse_card_bas,
    parse_sfz,
)
from yibao.provinces.guangdong.simulated import SimulatedReader

# The document's own example (with its leading "1|" field).  Synthetic person, not real data.
CARD_EXAMPLE = (
    "1|639900|111111198101011110|X00000019|639900D15600000500BF7C7A48FB4966|张三|"
    "00814E43238697159900BF7C7A|1.00|20101001|20201001|410100813475|终端设备号|"
)
SFZ = "440101199001011234^李四^男^汉^19900101^广东省广州市某路1号^广州市公安局^20200101-20400101^QUJD^"


def _fake(build_lib: Callable[[str], Path]) -> tuple[ctypes.CDLL, str]:
    path = build_lib("gd_reader")
    return ctypes.CDLL(str(path)), str(path)


def _set(lib: ctypes.CDLL, fn: str, code: int, out: bytes, sign: bytes = b"SIGN") -> None:
    lib.FakeSet.argtypes = [ctypes.c_char_p, ctypes.c_long, ctypes.c_char_p, ctypes.c_char_p]
    lib.FakeSet(fn.encode(), code, out, sign)


@pytest.mark.parametrize("encoding", ["gbk", "utf-8"])
def test_read_card_bas_parses_pipe_fields_in_either_encoding(build_lib: Callable[[str], Path], encoding: str) -> None:
    """ReadCardBas: 11 fields after the leading extra one, the name decoded from GBK or UTF-8."""
    lib, path = _fake(build_lib)
    reader = DllCardReader(path, encoding=encoding)
    reader.init(CARD_INIT_URLS["test"], "440100")
    _set(lib, "ReadCardBas", 0, CARD_EXAMPLE.encode(encoding), "许可号".encode(encoding))
    card = reader.read_card_bas()
    assert card.admdvs == "639900"
    assert card.ssn == "111111198101011110"
    assert card.card_no == "X00000019"
    assert card.card_sn.startswith("639900D156")
    assert card.name == "张三"
    assert card.spec_version == "1.00"
    assert card.expiry_date == "20201001"
    assert card.device_no == "终端设备号"
    assert card.sign == "许可号"
    assert "111111198101011110" not in repr(card)


def test_init_passes_url_and_region(build_lib: Callable[[str], Path]) -> None:
    """Init receives pUrl and pUser as given; an empty URL is the library's failure."""
    lib, path = _fake(build_lib)
    reader = DllCardReader(path, encoding="utf-8")
    with pytest.raises(CardReaderError) as err:
        reader.read_sfz()
    assert "未初始化" in err.value.text and err.value.code == -100
    reader.init(CARD_INIT_URLS["production"], "441900")
    url, user = ctypes.create_string_buffer(512), ctypes.create_string_buffer(128)
    assert lib.FakeLastInit(url, 512, user, 128) == 1
    assert url.value.decode() == CARD_INIT_URLS["production"]
    assert user.value.decode() == "441900"
    with pytest.raises(CardReaderError):
        reader.init("", "441900")


def test_read_sfz_and_buffer_size(build_lib: Callable[[str], Path]) -> None:
    """ReadSFZ splits on ^; a photo larger than nOutBuffLen comes back as the library's error."""
    lib, path = _fake(build_lib)
    reader = DllCardReader(path, encoding="gbk", sfz_size=4096)
    reader.init()
    _set(lib, "ReadSFZ", 0, SFZ.encode("gbk"))
    card = reader.read_sfz()
    assert (card.certno, card.name, card.gender, card.nation) == ("440101199001011234", "李四", "男", "汉")
    assert card.address == "广东省广州市某路1号" and card.valid_period == "20200101-20400101"
    assert card.photo_base64 == "QUJD"
    assert lib.FakeLastOutLen() == 4096
    big = SFZ.replace("QUJD", "A" * 3000).encode("gbk")
    _set(lib, "ReadSFZ", 0, big)
    small = DllCardReader(path, encoding="gbk", sfz_size=1024)
    small.init()
    with pytest.raises(CardReaderError) as err:
        small.read_sfz()
    assert err.value.text == "buffer too small" and lib.FakeLastOutLen() == 1024
    assert len(reader.read_sfz().photo_base64) == 3000


def test_pin_and_qr_errors_carry_the_reader_text(build_lib: Callable[[str], Path]) -> None:
    """VerifyPIN / ChangePIN / GetQRBase: non-zero returns raise with the library's GBK text."""
    lib, path = _fake(build_lib)
    reader = DllCardReader(path, encoding="gbk")
    reader.init()
    _set(lib, "VerifyPIN", 0, b"")
    reader.verify_pin()
    _set(lib, "VerifyPIN", -3, "密码错误，还剩5次".encode("gbk"))
    with pytest.raises(CardReaderError) as err:
        reader.verify_pin()
    assert err.value.code == -3 and err.value.text == "密码错误，还剩5次"
    _set(lib, "ChangePIN", -4, "两次新密码不一致".encode("gbk"))
    with pytest.raises(CardReaderError, match="两次新密码不一致"):
        reader.change_pin()
    _set(lib, "GetQRBase", 0, b"EC-TOKEN-123", b"OPSIGN")
    qr = reader.get_qr_base(timeout=15)
    assert (qr.code, qr.sign) == ("EC-TOKEN-123", "OPSIGN") and lib.FakeLastTimeout() == 15
    _set(lib, "GetQRBase", -1, "扫码超时".encode("gbk"))
    with pytest.raises(CardReaderError, match="扫码超时"):
        reader.get_qr_base()


def test_missing_vendor_library_is_said_plainly(tmp_path: Path) -> None:
    """Without the vendor library the driver says so and points at the simulated reader."""
    with pytest.raises(ReaderUnavailableError, match=r"not on this machine.*simulated reader"):
        DllCardReader(str(tmp_path / "gdyb_card.dll"))


def test_parsers_are_robust() -> None:
    """Without the leading field and without a device number, the card still parses."""
    card = parse_card_bas("440100|S1|C1|440100D1|王五|R|3.00|20200101|20300101|T1||")
    assert (card.admdvs, card.card_sn, card.device_no, card.terminal_no) == ("440100", "440100D1", "", "T1")
    with pytest.raises(ValueError):
        parse_card_bas("卡片上电失败")
    assert parse_sfz("1^a^b^c^d^e^f^g^").photo_base64 == ""


def test_simulated_reader_has_the_same_interface() -> None:
    """The simulated reader answers from a person and an e-voucher source, and needs Init."""
    reader = SimulatedReader(
        {
            "certno": "440101199001011234",
            "psn_name": "测试",
            "card_sn": "441900D156X",
            "insuplc_admdvs": "441900",
        },
        ectoken=lambda: "tok-1",
        pin_ok=False,
    )
    with pytest.raises(CardReaderError):
        reader.read_card_bas()
    reader.init()
    assert reader.read_card_bas().card_sn == "441900D156X"
    assert reader.read_sfz().birth_date == "19900101"
    assert reader.get_qr_base().code == "tok-1"
    with pytest.raises(CardReaderError, match="密码错误"):
        reader.verify_pin()
