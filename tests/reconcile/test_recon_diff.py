"""The three-way diff of a 3202 result against the HIS rows (core/workflows/recon_diff.py)."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest

from yibao.core.workflows.recon_diff import Spill
from yibao.core.workflows.recon_files import DetailRow, FileFormatError, ResultRow, write_detail, write_result

D = Decimal
OWN = "H44190000001"


def _result(rows: list[ResultRow]) -> io.BytesIO:
    buf = io.BytesIO()
    write_result(rows, buf)
    buf.seek(0)
    return buf


@pytest.mark.parametrize("buckets", [1, 7])
def test_three_kinds_each_with_ids_and_an_action(tmp_path: Path, buckets: int) -> None:
    his = [
        DetailRow("S1", "M1", "P1", D("10.00"), D("8.00"), D("2.00")),  # balanced
        DetailRow("S2", "M2", "P2", D("10.00"), D("8.00"), D("2.00")),  # one fen off at the centre
        DetailRow("S3", "M3", "P3", D("5.00"), D("5.00"), D("0.00")),  # the centre lacks it
        DetailRow("S4", "M4", "P4", D("7.00"), D("7.00"), D("0.00")),  # absent from the result file
        DetailRow("S5", "M5", "P5", D("3.00"), D("3.00"), D("0.00")),  # refund: forward...
        DetailRow("S5", "M5", "P5", D("-3.00"), D("-3.00"), D("0.00"), "1"),  # ...and reverse
    ]
    spill = Spill(tmp_path / "w", buckets, own_msgid_prefix=OWN)
    n, *_ = write_detail(his, io.BytesIO(), tap=spill.add)
    assert n == 6
    result = _result([
        ResultRow("P1", "M1", "S1", "X1", "0", "0", None, D("10"), D("8"), D("2")),
        ResultRow("P2", "M2", "S2", "X2", "1", "0", "金额不符", D("10.01"), D("8.00"), D("2.00")),
        ResultRow("P3", "M3", "S3", "X3", "1", "0", "中心无此结算", None, None, None),
        ResultRow("P5", "M5", "S5", "X5", "0", "0", None, D("3"), D("3"), D("0")),
        ResultRow("P5", "M5", "S5", "X5", "0", "1", None, D("-3"), D("-3"), D("0")),
        ResultRow("P8", "M8", "S8", "C0000001", "1", "0", "医药机构无此结算", D("1"), D("1"), D("0")),
        ResultRow("P9", "M9", "S9", f"{OWN}202601010101010001", "1", "0", None, D("2"), D("2"), D("0")),
        ResultRow("P7", None, None, "X7", "1", "0", "中心多条", None, None, None),
    ])  # fmt: skip
    diffs = {(d.kind, d.setl_id): d for d in spill.diff(result)}
    assert set(diffs) == {
        ("amounts_differ", "S2"),
        ("only_his", "S3"),
        ("only_his", "S4"),
        ("only_centre", "S8"),
        ("only_centre", "S9"),
        ("centre_flagged", None),
    }
    off = diffs[("amounts_differ", "S2")]
    assert off.his == (D("10.00"), D("8.00"), D("2.00")) and off.centre == (D("10.01"), D("8.00"), D("2.00"))
    assert off.action == "investigate" and off.psn_no == "P2" and off.msgid == "X2"
    assert diffs[("only_centre", "S8")].action == "record"
    lost = diffs[("only_centre", "S9")]
    assert lost.action == "reverse_2601" and lost.msgid is not None and lost.msgid in lost.advice
    assert diffs[("only_his", "S4")].mdtrt_id == "M4"
    assert diffs[("centre_flagged", None)].psn_no == "P7"
    d = off.to_dict()
    assert d["centre"]["medfee_sumamt"] == D("10.01") and d["kind"] == "amounts_differ"


def test_a_balanced_month_has_no_difference(tmp_path: Path) -> None:
    rows = [DetailRow(f"S{i}", f"M{i}", f"P{i}", D(i), D(i), D(0)) for i in range(500)]
    spill = Spill(tmp_path, 4, OWN)
    write_detail(spill.tee(rows), io.BytesIO())
    res = _result([ResultRow(r.psn_no, r.mdtrt_id, r.setl_id, "X", "0", "0", None, r.medfee_sumamt,
                             r.fund_pay_sumamt, r.acct_pay) for r in rows])  # fmt: skip
    assert list(spill.diff(res)) == []


def test_a_malformed_result_line_is_refused(tmp_path: Path) -> None:
    spill = Spill(tmp_path, 2, OWN)
    write_detail([DetailRow("S1", "M1", "P1", D(1), D(1), D(0))], io.BytesIO(), tap=spill.add)
    with pytest.raises(FileFormatError, match="columns"):
        list(spill.diff(io.BytesIO(b"P1\tM1\tS1\tX\t0\n")))
