"""One e-prescription state machine for both sides (CFYLJG / CFYYJG), 6101 QR decoding, 3301 / 3302 目录对照,
结算清单 (4101A, 4103, 90306) and self-pay uploads (4201-4209) at the centre."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from conftest import Centre
from flows import basket, person, pharmacy_input

D = "2026-01-02"


@pytest.fixture
def c(live_centre: Centre) -> Centre:
    live_centre.sign_in()
    return live_centre


def _decode(c: Centre, qrcode: str) -> dict[str, Any]:
    data = {"orgId": c.code, "businessType": "01101", "operatorId": "0001", "operatorName": "收费员",
            "officeId": "0001", "officeName": "收费处", "ecQrCode": qrcode}  # fmt: skip
    return c.call("6101", {"InData": data})


def test_6101_decodes_a_qr_content_once_into_a_token_for_1101(c: Centre) -> None:
    """POST /_sandbox/qrcode -> 6101 -> ecToken (single use) -> 1101; the QR content is used once."""
    p = person(c)
    status, body = c.control("POST", "/_sandbox/qrcode", {"certno": p["certno"]})
    assert status == 200 and body["qrcode"]
    out = _decode(c, body["qrcode"])["output"]["OutData"]
    assert out["idNo"] == p["certno"] and out["ecToken"]
    again = _decode(c, body["qrcode"])
    assert again["infcode"] == -1 and "ecQrCode" in again["err_msg"]
    info = c.ok("1101", {"data": {"mdtrt_cert_type": "01", "mdtrt_cert_no": out["ecToken"], "psn_cert_type": "01"}})
    assert info["baseinfo"]["psn_no"] == p["psn_no"]
    assert "orgId" in c.call("6101", {"InData": {**{"orgId": "H00000000000"}, "businessType": "01101",
                                                 "operatorId": "1", "operatorName": "x", "officeId": "1",
                                                 "officeName": "x", "ecQrCode": "SBQRX"}})["err_msg"]  # fmt: skip


def _token(c: Centre, certno: str) -> str:
    return str(c.control("POST", "/_sandbox/ectoken", {"certno": certno})[1]["ectoken"])


def test_prescription_from_upload_to_dispensing_through_both_sides(c: Centre) -> None:
    """A prescription created for a patient is authorised to one pharmacy only, downloaded, verified,
    reviewed, dispensed (undone, dispensed again), delivered and signed; revoked ones cannot be."""
    p = person(c)
    status, rx = c.control("POST", "/_sandbox/prescriptions", {"certno": p["certno"]})
    assert status == 200
    token = c.ok("CFYYJG111", {"data": {"fixmedins_code": c.code, "fixmedins_name": "药店", "opter": "1",
                                        "opter_name": "x"}})["access_token"]  # fmt: skip
    acc = {"access_token": token, "fixmedins_code": c.code, "ip_info": "127.0.0.1", "opter": "1", "opter_name": "x",
           "optins_no": c.code}  # fmt: skip
    no_token = c.call("CFYYJG101", {"data": {**acc, "access_token": "EPA-WRONG", "psn_name": p["psn_name"],
                                             "psn_cert_type": "01", "certno": p["certno"], "ec_token": _token(c,
                                                                                                              p["certno"])}})
    assert "access_token" in no_token["err_msg"]
    auth = c.ok("CFYYJG101", {"data": {**acc, "psn_name": p["psn_name"], "psn_cert_type": "01", "certno": p["certno"],
                                       "ec_token": _token(c, p["certno"])}})["data"]  # fmt: skip
    other = Centre(url=c.url, code="P44190000099", region="441900")
    bad = other.call("CFYYJG104", {"data": {**acc, "fixmedins_code": other.code, "epc_token": auth["epc_token"],
                                            "auth_rxno": auth["auth_rxno"], "dev_info": "POS"}})
    assert bad["infcode"] == -1  # another pharmacy has no access token, and no authorisation either
    got = c.ok("CFYYJG104", {"data": {**acc, "epc_token": auth["epc_token"], "auth_rxno": auth["auth_rxno"],
                                      "dev_info": "POS"}})  # fmt: skip
    hi = got["data"]["hi_rxno"]
    assert hi == rx["hi_rxno"] and got["data"]["rx_trace_code"] == rx["rx_trace_code"]
    wrong = c.call("CFYYJG105", {"data": {"access_token": token, "hi_rxno": hi, "fixmedins_code": c.code,
                                          "rx_trace_code": "RT-WRONG", "rx_file": got["data"]["rx_file"],
                                          "epc_token": auth["epc_token"]}})  # fmt: skip
    assert "rx_trace_code" in wrong["err_msg"]
    verify = c.ok("CFYYJG105", {"data": {"access_token": token, "hi_rxno": hi, "fixmedins_code": c.code,
                                         "rx_trace_code": rx["rx_trace_code"], "rx_file": got["data"]["rx_file"],
                                         "epc_token": auth["epc_token"]}})["data"]  # fmt: skip
    dispense = {"data": {"access_token": token, "hi_rxno": hi, "fixmedins_code": c.code, "fixmedins_name": "药店",
                         "rx_chk_biz_sn": "RXC-NONE"},
                "rx_sale_drug_detl": [{"rtal_docno": "LS1", "stooout_time": D, "stoout_time": D,
                                       "med_list_codg": got["rx_detl_list"][0]["med_list_codg"],
                                       "medins_list_codg": "H1",
                                       "drug_genname": "药", "drug_spec": "规格", "drug_totlcnt": Decimal("1"),
                                       "drug_totlcnt_emp": "盒"}]}  # fmt: skip
    assert "当前状态为uploaded" in c.call("CFYYJG107", dispense)["err_msg"]  # not reviewed yet
    review = {"hi_rxno": hi, "epc_token": auth["epc_token"], "ec_token": _token(c, p["certno"]),
              "fixmedins_code": c.code,
              "fixmedins_name": "药店", "phar_cert_type": "01", "phar_certno": p["certno"], "phar_code": "Y1",
              "phar_name": "药师", "rx_chk_opnn": "合理", "rx_chk_time": f"{D} 10:00:00", "rx_chk_stas_codg": "1",
              "rx_sign_verify_sn": verify["rx_sign_verify_sn"]}  # fmt: skip
    biz = c.ok("CFYYJG106", {"rx_chk_up_info": review})["rx_chk_biz_sn"]
    dispense["data"]["rx_chk_biz_sn"] = biz
    other_drug = {**dispense, "rx_sale_drug_detl": [{**dispense["rx_sale_drug_detl"][0],
                                                     "med_list_codg": "SB110200001"}]}
    assert "不是处方中的药品" in c.call("CFYYJG107", other_drug)["err_msg"]
    assert c.call("CFYYJG107", dispense)["infcode"] == 0
    assert c.call("CFYYJG108", {"data": {"access_token": token, "hi_rxno": hi,
                                         "fixmedins_code": c.code}})["infcode"] == 0
    assert c.call("CFYYJG107", dispense)["infcode"] == 0
    delivery = {"access_token": token, "hi_rxno": hi, "delv_no": "PS1", "delv_addr": "地址", "delv_entp_name": "配送",
                "delv_stas_codg": "1", "delv_stas_name": "配送中", "delv_stas_time": f"{D} 11:00:00",
                "delv_conner": "人",
                "fixmedins_code": c.code, "fixmedins_name": "药店"}  # fmt: skip
    assert c.call("CFYYJG109", {"data": delivery})["infcode"] == 0
    sign = {"access_token": token, "hi_rxno": hi, "delv_no": "PS1", "delver_cert_type": "01", "delver_certno": "X",
            "delver_name": "员", "delv_stas_time": D}  # fmt: skip
    assert c.call("CFYYJG110", {"data": sign})["infcode"] == 0
    assert "已签收" in c.call("CFYYJG110", {"data": sign})["err_msg"]
    assert "已配送" in c.call("CFYYJG108", {"data": {"access_token": token, "hi_rxno": hi,
                                                  "fixmedins_code": c.code}})["err_msg"]
    nothing = c.call("CFYYJG101", {"data": {**acc, "psn_name": p["psn_name"], "psn_cert_type": "01",
                                            "certno": p["certno"],
                                            "ec_token": _token(c, p["certno"])}})  # fmt: skip
    assert "没有待取药" in nothing["err_msg"]  # the one prescription is dispensed


def test_3301_3302_mappings_with_state_and_1317(c: Centre) -> None:
    """3301 refuses a wrong list type and a second active mapping; 3302 undoes; 1317 shows both states."""
    m = {"fixmedins_hilist_id": "HIS-A", "fixmedins_hilist_name": "院内阿莫西林", "list_type": "101",
         "med_list_codg": "SBXA01AAA0001", "begndate": D, "enddate": "2099-12-31"}  # fmt: skip
    assert "list_type" in c.call("3301", {"data": {**m, "list_type": "201"}})["err_msg"]
    assert c.call("3301", {"data": m})["infcode"] == 0
    assert "3302" in c.call("3301", {"data": m})["err_msg"]
    undo = {"fixmedins_code": c.code, "fixmedins_hilist_id": "HIS-A", "list_type": "101",
            "med_list_codg": "SBXA01AAA0001"}
    assert c.call("3302", {**undo, "med_list_codg": "SBXC08CAA0003"})["infcode"] == -1
    assert c.call("3302", undo)["infcode"] == 0
    assert c.call("3301", {"data": m})["infcode"] == 0
    rows = c.ok("1317", {"data": {"updt_time": "2000-01-01", "page_num": 1, "page_size": 10}})["data"]
    assert sorted(r["vali_flag"] for r in rows) == ["0", "1"]


def test_settlement_list_upload_query_and_revoke(c: Centre) -> None:
    """4101A names a standing settlement of the person, once; 4103 reads it; 90306 revokes it; "
      "a second upload then works."""
    p = person(c, min_balc=Decimal("100"))
    setl = c.ok("2102", pharmacy_input(p, basket()), insuplc_admdvs=p["insuplc_admdvs"])["setlinfo"]
    from yibao.core.acceptance import synth_input
    from yibao.core.catalog import load_catalog
    from yibao.provinces.guangdong.dongguan_extras import EXTRA_TRANSACTIONS

    catalog = load_catalog().with_extra(EXTRA_TRANSACTIONS)
    inp = synth_input(catalog, "4101A", {"psn_no": p["psn_no"], "mdtrt_id": setl["mdtrt_id"],
                                         "setl_id": setl["setl_id"]})
    other = c.call("4101A", {**inp, "setlinfo": {**inp["setlinfo"], "mdtrt_id": "M-OTHER"}})
    assert "mdtrt_id" in other["err_msg"]
    list_id = c.ok("4101A", inp)["data"]["setl_list_id"]
    assert len(list_id) <= 9 and "90306" in c.call("4101A", inp)["err_msg"]
    assert c.ok("4103", {"data": {"psn_no": p["psn_no"],
                                  "setl_id": setl["setl_id"]}})["setlinfo"]["setl_list_sn"] == list_id
    assert c.call("90306", {"data": {"psn_no": p["psn_no"], "setl_id": setl["setl_id"],
                                     "setl_list_id": list_id}})["infcode"] == 0
    assert c.call("4103", {"data": {"psn_no": p["psn_no"], "setl_id": setl["setl_id"]}})["infcode"] == -1
    assert c.call("4101A", inp)["infcode"] == 0


def test_selfpay_visit_fees_completion(c: Centre) -> None:
    """4202 opens a stay, 4201A lines (unique feedetl_sn, amount = cnt x pric), 4204 deletes, 4203 closes only
    with the centre's count and total, nothing changes after; 4207-4209 read back."""
    p = person(c)
    who = {"psn_cert_type": "01", "certno": p["certno"], "psn_name": p["psn_name"]}
    visit = {"mdtrt_sn": "ZF1", "ipt_otp_no": "ZF1", "med_type": "21", **who, "gend": "1", "begntime": f"{D} 09:00:00",
             "dept_codg": "A1", "dept_name": "内科"}  # fmt: skip
    diag = [{"diag_type": "1", "diag_srt_no": 1, "diag_code": "J18.900", "diag_name": "肺炎", "maindiag_flag": "1"}]
    def fee(sn: str, amount: str = "25.00") -> dict[str, Any]:
        return {"mdtrt_sn": "ZF1", "ipt_otp_no": "ZF1", "med_type": "21", "chrg_bchno": "1", "feedetl_sn": sn, **who,
                "fee_ocur_time": f"{D} 09:00:00", "cnt": Decimal("2"), "pric": Decimal("12.50"),
                "det_item_fee_sumamt": Decimal(amount), "med_list_codg": "SB110900001", "medins_list_codg": "H1",
                "medins_list_name": "床位", "med_chrgitm_type": "01", "bilg_dept_codg": "A1", "bilg_dept_name": "内科",
                "bilg_dr_codg": "D1", "bilg_dr_name": "医师"}  # fmt: skip

    assert "自费就诊信息不存在" in c.call("4201A", {"feedetail": [fee("1")]})["err_msg"]  # the stay first (4202)
    assert c.call("4202", {"mdtrtinfo": visit, "diseinfo": diag})["infcode"] == 0
    assert "det_item_fee_sumamt" in c.call("4201A", {"feedetail": [fee("1", "24.00")]})["err_msg"]
    assert c.call("4201A", {"feedetail": [fee("1"), fee("2")]})["infcode"] == 0
    assert "feedetl_sn" in c.call("4201A", {"feedetail": [fee("1")]})["err_msg"]
    assert c.call("4204", {"data": {"mdtrt_sn": "ZF1", "feedetl_sn": "2"}})["infcode"] == 0
    assert "fee_cnt" in c.call("4203", {"data": {"mdtrt_sn": "ZF1", "fee_cnt": 2,
                                                 "medfee_sumamt": Decimal("50.00")}})["err_msg"]
    assert c.call("4203", {"data": {"mdtrt_sn": "ZF1", "fee_cnt": 1,
                                    "medfee_sumamt": Decimal("25.00")}})["infcode"] == 0
    assert "上传完成" in c.call("4201A", {"feedetail": [fee("3")]})["err_msg"]
    assert [r["feedetl_sn"] for r in c.ok("4207", {"data": {"mdtrt_sn": "ZF1"}})["feedetail"]] == ["1"]
    assert c.ok("4208", {"data": {"mdtrt_sn": "ZF1"}})["mdtrtinfo"]["upld_stas"] == "1"
    assert [d["diag_code"] for d in c.ok("4209", {"data": {"mdtrt_sn": "ZF1"}})["diseinfo"]] == ["J18.900"]


def test_the_prescribing_side_checks_patient_visit_signature_and_state(c: Centre) -> None:
    """CFYLJG001 needs the patient's own e-voucher token and visit; 003 a digest 002 issued; a revoked
    prescription (004) cannot be authorised to a pharmacy; 005 / 006 answer the state."""
    from flows import register

    from yibao.core.acceptance import synth_input
    from yibao.core.catalog import load_catalog
    from yibao.provinces.guangdong.dongguan_extras import EXTRA_TRANSACTIONS

    p = person(c)
    mdtrt_id = register(c, p, p["insuplc_admdvs"])
    catalog = load_catalog().with_extra(EXTRA_TRANSACTIONS)
    now = f"{D} 10:00:00"
    base = synth_input(catalog, "CFYLJG001", {}, overrides={
        "data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": p["certno"], "ec_token": _token(c, p["certno"]),
                 "hosp_rxno": "CF-1", "prsc_time": now, "vali_end_time": f"{D} 23:00:00", "rx_drug_cnt": 1},
        "mdtrtinfo": {"fixmedins_code": c.code, "mdtrt_id": mdtrt_id, "psn_no": p["psn_no"], "certno": p["certno"]},
        "rxdrugdetail": {"med_list_codg": "SBXA01AAA0001"}})  # fmt: skip
    other = person(c, place="440100")
    stolen = {**base, "data": {**base["data"], "ec_token": _token(c, other["certno"])}}
    assert "ec_token" in c.call("CFYLJG001", stolen)["err_msg"]
    bad_visit = {**base, "mdtrtinfo": {**base["mdtrtinfo"], "mdtrt_id": "M-NONE"}}
    assert "mdtrt_id" in c.call("CFYLJG001", bad_visit)["err_msg"]
    pre = c.ok("CFYLJG001", base)["data"]
    assert "hosp_rxno" in c.call("CFYLJG001", base)["err_msg"]
    up = synth_input(catalog, "CFYLJG003", {}, overrides={"data": {
        "rx_trace_code": pre["rx_trace_code"], "hi_rxno": pre["hi_rxno"], "mdtrt_id": mdtrt_id, "certno": p["certno"],
        "fixmedins_code": c.code, "sign_digest": "NOT-ISSUED", "rx_file": "RklMRQ=="}})  # fmt: skip
    assert "sign_digest" in c.call("CFYLJG003", up)["err_msg"]
    signed = c.ok("CFYLJG002", {"data": {"fixmedins_code": c.code, "original_value": "v",
                                         "original_rx_file": "RklMRQ=="}})
    up["data"]["sign_digest"] = signed["data"]["sign_digest"]
    assert c.ok("CFYLJG003", up)["data"]["rx_stas_codg"] == "1"
    ask = {"data": {"fixmedins_code": c.code, "hi_rxno": pre["hi_rxno"], "mdtrt_id": mdtrt_id,
                    "psn_name": p["psn_name"],
                    "psn_cert_type": "01", "certno": p["certno"]}}  # fmt: skip
    assert c.ok("CFYLJG006", ask)["data"]["rx_chk_stas_name"] == "未审核"
    undo = synth_input(catalog, "CFYLJG004", {}, overrides={"data": {"hi_rxno": pre["hi_rxno"],
                                                                     "fixmedins_code": c.code}})
    assert c.ok("CFYLJG004", undo)["data"]["rx_stas_codg"] == "3"
    assert c.ok("CFYLJG005", ask)["data"]["rx_stas_name"] == "已撤销"
    token = c.ok("CFYYJG111", {"data": {"fixmedins_code": c.code, "fixmedins_name": "药店", "opter": "1",
                                        "opter_name": "x"}})["access_token"]  # fmt: skip
    auth = c.call("CFYYJG101", {"data": {"access_token": token, "fixmedins_code": c.code, "ip_info": "127.0.0.1",
                                         "opter": "1", "opter_name": "x", "optins_no": c.code,
                                         "psn_name": p["psn_name"],
                                         "psn_cert_type": "01", "certno": p["certno"],
                                         "ec_token": _token(c, p["certno"])}})  # fmt: skip
    assert auth["infcode"] == -1 and "没有待取药" in auth["err_msg"]
