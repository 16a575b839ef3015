"""9101 / 9102 / 3201 / 3202 / 3260 on the wire, with raw signed requests (no client code).

National baseline 【9101】【9102】【3201】【3202】; Guangdong guide 004 §6-§7; contract.md: 9101 /
9102 also at ``{base}/fsi/api/fileupload/upload`` and ``.../download``.
"""

from __future__ import annotations

import base64
import io
import zipfile
from decimal import Decimal

from conftest import Centre, dumps

from yibao.sandbox.handlers.clearing import PAGE

UPLOAD = "/fsi/api/fileupload/upload"
DOWNLOAD = "/fsi/api/fileupload/download"


def _zip(text: bytes, name: str = "d.txt") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, text)
    return buf.getvalue()


def _upload(centre: Centre, data: bytes, as_array: bool = False, path: str = UPLOAD) -> dict[str, object]:
    value: object = list(data) if as_array else base64.b64encode(data).decode()
    reply = centre.call("9101", {"fsUploadIn": {"in": value, "filename": "d.zip", "fixmedins_code": centre.code}},
                        path=path)  # fmt: skip
    assert reply["infcode"] == 0, reply["err_msg"]
    out: dict[str, object] = reply["output"]
    return out


def test_upload_base64_or_byte_array_then_download_the_zip_stream(centre: Centre) -> None:
    data = _zip(b"S1\tM1\tP1\t1.00\t1.00\t0.00\t0\n")
    for as_array in (False, True):
        out = _upload(centre, data, as_array)
        assert out["filename"] == "d.zip" and out["fixmedins_code"] == centre.code and out["file_qury_no"]
        env = centre.envelope("9102", {"fsDownloadIn": {"file_qury_no": out["file_qury_no"], "filename": "d.zip",
                                                        "fixmedins_code": centre.code}})  # fmt: skip

        r = centre.post(DOWNLOAD, dumps(env))
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/zip")
        assert r.content == data


def test_download_errors_are_json_and_other_institutions_are_refused(centre: Centre) -> None:
    out = _upload(centre, _zip(b"x\n"))
    wrong_name = centre.call("9102", {"fsDownloadIn": {"file_qury_no": out["file_qury_no"], "filename": "e.zip",
                                                       "fixmedins_code": centre.code}})  # fmt: skip
    assert wrong_name["infcode"] == -1 and "filename" in wrong_name["err_msg"]
    unknown = centre.call("9102", {"fsDownloadIn": {"file_qury_no": "FQ0", "filename": "d.zip",
                                                    "fixmedins_code": centre.code}})  # fmt: skip
    assert unknown["infcode"] == -1 and "不存在" in unknown["err_msg"]
    other = centre.call("9102", {"fsDownloadIn": {"file_qury_no": out["file_qury_no"], "filename": "d.zip",
                                                  "fixmedins_code": "H44190000099"}},
                        fixmedins_code="H44190000099")  # fmt: skip
    assert other["infcode"] == -1
    not_zip = centre.call("9101", {"fsUploadIn": {"in": base64.b64encode(b"plain").decode(), "filename": "a.txt",
                                                  "fixmedins_code": centre.code}})  # fmt: skip
    assert not_zip["infcode"] == -1 and "ZIP" in not_zip["err_msg"]


def test_3201_balances_only_on_the_exact_totals(centre: Centre) -> None:
    store = centre.app.state.sandbox.store
    row = store.create_settlement(
        fixmedins_code=centre.code, psn_no="P1", medfee_sumamt=Decimal("12.34"), fund_pay_sumamt=Decimal("10.00"),
        acct_pay=Decimal("1.00"), psn_cash_pay=Decimal("1.34"), insutype="310", clr_type="41", clr_optins="441900",
    )  # fmt: skip
    day = row["setl_time"][:10]
    data = {"insutype": "310", "clr_type": "41", "setl_optins": "441900", "stmt_begndate": day, "stmt_enddate": day,
            "medfee_sumamt": Decimal("12.34"), "fund_pay_sumamt": Decimal("10.00"), "acct_pay": Decimal("1.00"),
            "fixmedins_setl_cnt": 1, "refd_setl_flag": "0", "fixmedins_refd_setl_flag": "0"}  # fmt: skip
    assert centre.ok("3201", {"data": data})["stmtinfo"]["stmt_rslt"] == "0"
    off = centre.ok("3201", {"data": {**data, "medfee_sumamt": Decimal("12.35")}})["stmtinfo"]
    assert off["stmt_rslt"] == "1" and "12.34" in off["stmt_rslt_dscr"]

    # 3202 with an upload that lacks the settlement: the result file names it, centre amounts included
    qury = _upload(centre, _zip(b""))["file_qury_no"]
    d = {"setl_optins": "441900", "file_qury_no": qury, "stmt_begndate": day, "stmt_enddate": day,
         "medfee_sumamt": Decimal("0"), "fund_pay_sumamt": Decimal("0"), "cash_payamt": Decimal("0"),
         "fixmedins_setl_cnt": 0, "clr_type": "41", "fixmedins_refd_setl_flag": "0"}  # fmt: skip
    info = centre.ok("3202", {"data": d})["fileinfo"]
    env = centre.envelope("9102", {"fsDownloadIn": {"file_qury_no": info["file_qury_no"],
                                                    "filename": info["filename"], "fixmedins_code": centre.code}})

    body = centre.post(DOWNLOAD, dumps(env)).content
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        (line,) = zf.read(zf.namelist()[0]).decode().splitlines()
    cols = line.split("\t")
    assert cols[2] == row["setl_id"] and cols[4] == "1" and cols[7:] == ["12.34", "10.00", "1.00"]
    mismatch = centre.call("3202", {"data": {**d, "fixmedins_setl_cnt": 3}})
    assert mismatch["infcode"] == -1 and "汇总" in mismatch["err_msg"]


def test_3260_is_paged_by_startrow(centre: Centre) -> None:
    store = centre.app.state.sandbox.store
    p = centre.person(lambda p: str(p["insuplc_admdvs"]).startswith("4401"))
    for i in range(PAGE + 5):
        store.create_settlement(fixmedins_code=centre.code, psn_no=p["psn_no"], medfee_sumamt=Decimal(i + 1),
                                fund_pay_sumamt=Decimal(1), acct_pay=Decimal(0), psn_cash_pay=Decimal(i))  # fmt: skip
    ym = store.ledger(centre.code)[0]["setl_time"][:7].split("-")
    first = centre.ok("3260", {"data": {"trt_year": ym[0], "trt_month": ym[1], "startrow": 1}})["data"]
    second = centre.ok("3260", {"data": {"trt_year": ym[0], "trt_month": ym[1], "startrow": PAGE + 1}})["data"]
    assert len(first) == PAGE and len(second) == 5 and second[-1]["seqno"] == PAGE + 5
    assert first[0]["optins_pay_sumamt"] == Decimal("1.00")
