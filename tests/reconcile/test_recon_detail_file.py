"""The 3202 detail and result files, byte for byte (national baseline 表150/表151, 004 §6)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from yibao.core.files import zip_file
from yibao.core.workflows.recon_files import (
    DetailRow,
    FileFormatError,
    ResultRow,
    format_amount,
    read_detail,
    read_result,
    write_detail,
    write_result,
)
from yibao.core.workflows.recon_groups import GroupKey, his_rows, totals_by_group

D = Decimal


@dataclass
class E:
    """A journal entry as ``Journal.settlements`` yields it (the fields reconcile reads)."""

    msgid: str
    infno: str
    state: str
    psn_no: str | None
    mdtrt_id: str | None
    setl_id: str | None
    medfee_sumamt: Decimal | None
    fund_pay_sumamt: Decimal | None
    acct_pay: Decimal | None
    insutype: str | None = "310"
    clr_type: str | None = None
    clr_optins: str | None = "441900"
    input_full: dict[str, Any] = field(default_factory=dict)


ENTRIES = [
    E("H1", "2102", "SUCCEEDED", "P01", "M01", "S01", D("100.5"), D("80"), D("20.5")),
    # refunded: the settlement and its cancel give a forward and a reverse row
    E("H2", "2102", "SUCCEEDED", "P02", "M02", "S02", D("36.00"), D("30.00"), D("6.00")),
    # the cancel's reply names its own reverse record; the row is keyed by the one it cancels,
    # in the original's group (its reply left insutype out)
    E("H3", "2103", "SUCCEEDED", "P02", "M02", "C02", D("-36.00"), D("-30.00"), D("-6.00"), insutype=None,
      input_full={"data": {"setl_id": "S02"}}),
    # reversed with 2601 and still unknown: not counted
    E("H4", "2102", "REVERSED", "P03", "M03", "S03", D("9.99"), D("9.99"), D("0")),
    E("H5", "2102", "UNKNOWN", "P04", "M04", None, D("9.99"), D("9.99"), D("0")),
    # an empty visit id is written as null
    E("H6", "2207", "SUCCEEDED", "P05", "", "S06", D("12.34"), D("0.00"), D("12.34"), clr_type="11"),
]

ORIGINAL = {"S02": ("310", None, None)}

EXPECTED = (
    b"S01\tM01\tP01\t100.50\t80.00\t20.50\t0\n"
    b"S02\tM02\tP02\t36.00\t30.00\t6.00\t0\n"
    b"S02\tM02\tP02\t-36.00\t-30.00\t-6.00\t1\n"
    b"S06\tnull\tP05\t12.34\t0.00\t12.34\t0\n"
)


def test_detail_file_matches_the_spec_byte_for_byte(tmp_path: Path) -> None:
    rows = [r for _, r, _ in his_rows(ENTRIES, lambda e: "41", "441900", ORIGINAL.get)]
    buf = io.BytesIO()
    n, medfee, fund, acct = write_detail(rows, buf)
    assert buf.getvalue() == EXPECTED
    assert (n, medfee, fund, acct) == (4, D("112.84"), D("80.00"), D("32.84"))
    # zipped, the one TXT inside is the same bytes: UTF-8, TAB, no header, no BOM
    txt = tmp_path / "H44190000001_202601.txt"
    txt.write_bytes(buf.getvalue())
    z = zip_file(txt, tmp_path / "d.zip")
    with zipfile.ZipFile(z) as zf:
        assert zf.namelist() == ["H44190000001_202601.txt"]
        assert zf.read("H44190000001_202601.txt") == EXPECTED


def test_groups_are_net_of_refunds_and_use_the_region_clr_type() -> None:
    groups = totals_by_group(his_rows(ENTRIES, lambda e: "41", "441900", ORIGINAL.get))
    pharmacy = groups[GroupKey("310", "41", "441900")]
    totals = (pharmacy.medfee_sumamt, pharmacy.fund_pay_sumamt, pharmacy.acct_pay)
    assert totals == (D("100.50"), D("80.00"), D("20.50"))
    assert (pharmacy.count, pharmacy.forward, pharmacy.reverse) == (1, 2, 1)
    clinic = groups[GroupKey("310", "11", "441900")]
    assert clinic.count == 1 and clinic.cash_payamt == D("0.00")
    assert len(groups) == 2


def test_detail_round_trip_and_refusals() -> None:
    rows = [DetailRow("S9", "M9", "P9", D("1.1"), D("1"), D("0.1"))]
    buf = io.BytesIO()
    write_detail(rows, buf)
    back = list(read_detail(io.BytesIO(buf.getvalue())))
    assert back == [DetailRow("S9", "M9", "P9", D("1.10"), D("1.00"), D("0.10"), "0")]
    with pytest.raises(ValueError, match="TAB"):
        write_detail([DetailRow("S\t1", "M", "P", D(1), D(1), D(0))], io.BytesIO())
    with pytest.raises(TypeError):
        format_amount(1.5)  # type: ignore[arg-type]
    with pytest.raises(FileFormatError, match="line 1"):
        list(read_detail(io.BytesIO(b"S1\tM1\n")))


def test_result_file_seven_or_ten_columns_crlf_and_utf8() -> None:
    row = ResultRow("P1", None, "S1", "H1202601011200000001", "1", "0", "中心无此结算", None, None, None)
    buf = io.BytesIO()
    write_result([row], buf)
    line = "P1\tnull\tS1\tH1202601011200000001\t1\t0\t中心无此结算\tnull\tnull\tnull\n"
    assert buf.getvalue() == line.encode()
    assert list(read_result(io.BytesIO(buf.getvalue()))) == [row]
    old = b"P2\tM2\tS2\tH2\t0\t0\tnull\r\n"
    (r,) = read_result(io.BytesIO(old))
    assert (r.setl_id, r.memo, r.medfee_sumamt) == ("S2", None, None)
    with pytest.raises(FileFormatError, match="not UTF-8"):
        list(read_result(io.BytesIO(b"\xff\xfe\t\n")))


def test_the_careful_path_writes_null_and_never_minus_zero() -> None:
    zero = DetailRow("S7", "", "P7", D("5.00"), D("5.00"), D("0.00"))
    buf = io.BytesIO()
    write_detail([zero.reverse(), DetailRow("S8", "M8", "P8", D("-0.00"), D("0"), D("0"), "")], buf)
    assert buf.getvalue() == b"S7\tnull\tP7\t-5.00\t-5.00\t0.00\t1\nS8\tM8\tP8\t0.00\t0.00\t0.00\tnull\n"
    with pytest.raises(ValueError, match="line break"):
        write_detail([DetailRow("S9", "M\n9", "P9", D(1), D(1), D(0))], io.BytesIO())
    with pytest.raises(TypeError, match="Decimal"):
        write_detail([DetailRow("S9", "M9", "P9", 1.0, D(1), D(0))], io.BytesIO())  # type: ignore[arg-type]
