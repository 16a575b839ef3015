"""The centre's own 3202 file handling: its reader, its result writer and its ZIP checks.

National baseline 【3202】 表150 / 表151, 【9101】; Guangdong guide 004 §6.  Through the wire
(9101 then 3202) and alone.  The client's writer is used here only as a witness that both
sides read the format the same way; the sandbox itself never imports it.
"""

from __future__ import annotations

import base64
import io
import zipfile
from decimal import Decimal
from typing import Any

import pytest
from conftest import Centre

from yibao.sandbox.recon_files import DetailFormatError, read_detail, result_line
from yibao.sandbox.zipsafe import UnsafeZip, ZipLimits, open_data_member


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _3202(centre: Centre, data: bytes, medfee: str = "0", cnt: int = 0) -> dict[str, Any]:
    up = centre.call("9101", {"fsUploadIn": {"in": base64.b64encode(data).decode(), "filename": "d.zip",
                                             "fixmedins_code": centre.code}})  # fmt: skip
    assert up["infcode"] == 0, up["err_msg"]
    d = {"setl_optins": "441900", "file_qury_no": up["output"]["file_qury_no"], "stmt_begndate": "2026-01-01",
         "stmt_enddate": "2026-01-31", "medfee_sumamt": Decimal(medfee), "fund_pay_sumamt": Decimal("0"),
         "cash_payamt": Decimal("0"), "fixmedins_setl_cnt": cnt, "clr_type": "41", "fixmedins_refd_setl_flag": "0"}
    return centre.call("3202", {"data": d})  # fmt: skip


@pytest.mark.parametrize(
    ("members", "words"),
    [
        ({"../evil.txt": b"x"}, "不安全"),
        ({"/etc/evil.txt": b"x"}, "不安全"),
        ({"C:\\evil.txt": b"x"}, "不安全"),
        ({"bomb.txt": b"\0" * (20 << 20)}, "压缩比"),
        ({f"m{i}.txt": b"" for i in range(17)}, "最多16个"),
        ({"d.txt": b"S1\tM1\tP1\t1.005\t1.00\t0.00\t0\n"}, "第1行: medfee_sumamt"),  # N16,2: two decimals
        ({"d.txt": b"S1\tM1\tP1\t1.00\t1.00\t0.00\n"}, "第1行: 有6列"),
        ({"d.txt": b"S1\tM1\tP1\t1.00\t1.00\t0.00\t2\n"}, "refd_setl_flag"),
        ({"d.txt": b"null\tM1\tP1\t1.00\t1.00\t0.00\t0\n"}, "setl_id不能为空"),
        ({"d.txt": b"S1\tM1\t\xff\t1.00\t1.00\t0.00\t0\n"}, "UTF-8"),
        ({"d.txt": "".join(str(i) for i in range(2000)).encode() + b"\n"}, "超过1024字节"),
    ],
)
def test_hostile_or_malformed_uploads_are_refused(centre: Centre, members: dict[str, bytes], words: str) -> None:
    reply = _3202(centre, _zip(members), "1.00", 1)
    assert reply["infcode"] == -1 and words in reply["err_msg"], reply["err_msg"]
    assert reply["err_msg"].startswith("file_qury_no")


def test_windows_line_ends_a_bom_and_null_visit_ids_are_read(centre: Centre) -> None:
    text = "\ufeffS1\tnull\tP1\t1.00\t1.00\t0.00\t0\r\n\r\nS2\tM2\tP2\t2.50\t2.00\t0.50\t0\r\n".encode()
    reply = _3202(centre, _zip({"d.txt": text}), "3.50", 2)
    assert reply["infcode"] == 0, reply["err_msg"]


def test_a_file_written_by_the_client_is_read_alike() -> None:
    from yibao.core.workflows.recon_files import DetailRow, write_detail

    rows = [DetailRow("S1", "M1", "P1", Decimal("10.5"), Decimal("8"), Decimal("2.5")),
            DetailRow("S1", "M1", "P1", Decimal("10.5"), Decimal("8"), Decimal("2.5")).reverse()]  # fmt: skip
    buf = io.BytesIO()
    write_detail(rows, buf)
    got = list(read_detail(io.BytesIO(buf.getvalue())))
    assert [(r.setl_id, r.medfee_sumamt, r.refd_setl_flag) for r in got] == [
        ("S1", Decimal("10.50"), "0"), ("S1", Decimal("-10.50"), "1")]  # fmt: skip


def test_reader_alone() -> None:
    with pytest.raises(DetailFormatError, match="第2行"):
        list(read_detail(io.BytesIO(b"S1\tM1\tP1\t1.00\t1.00\t0.00\t0\nS2\tM2\tP2\t1,00\t1.00\t0.00\t0\n")))
    assert list(read_detail(io.BytesIO(b""))) == []


def test_result_lines() -> None:
    amounts = (Decimal("0") - Decimal("0.00"), Decimal("-3.5"), Decimal("12"))
    assert result_line("P1", None, "S1", "H1", "1", "0", "中心无此结算", None) == (
        "P1\tnull\tS1\tH1\t1\t0\t中心无此结算\tnull\tnull\tnull\n".encode())  # fmt: skip
    line = result_line("P1", "M1", "S1", "H1", "0", "1", None, amounts)
    assert line == b"P1\tM1\tS1\tH1\t0\t1\tnull\t0.00\t-3.50\t12.00\n"
    assert result_line("P\t1", "M1", "S1", "H1", "0", "0", "a\nb", amounts).count(b"\t") == 9


def test_zip_limits_alone() -> None:
    data = _zip({"d.txt": b"x" * 5000})
    small = ZipLimits(max_member_bytes=1000)
    with pytest.raises(UnsafeZip, match="声明5000字节"), open_data_member(io.BytesIO(data), small):
        pass
    with pytest.raises(UnsafeZip, match="不是有效的ZIP"), open_data_member(io.BytesIO(b"PK\x03\x04 not a zip")):
        pass
    with open_data_member(io.BytesIO(_zip({"a/readme.md": b"r", "a/d.txt": b"ok\n"}))) as f:
        assert f.read() == b"ok\n"
