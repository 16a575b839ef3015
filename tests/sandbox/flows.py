"""Inputs of the business flows, built from the spec tables (spec_reference §6-§9)."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from conftest import Centre, drug_line

NOW = "2024-06-01 10:00:00"
ZERO = Decimal("0.00")


def person(c: Centre, place: str = "441900", insutype: str = "310", min_balc: Decimal = ZERO) -> dict[str, Any]:
    return c.person(
        lambda p: (
            p["insuplc_admdvs"] == place
            and p["insutype"] == insutype
            and p["psn_cert_type"] == "01"
            and p["insuinfo"][0]["psn_insu_stas"] == "1"
            and p["balc"] >= min_balc
        )
    )


def cert(p: dict[str, Any]) -> dict[str, str]:
    return {"mdtrt_cert_type": "02", "mdtrt_cert_no": p["certno"], "psn_cert_type": "01", "certno": p["certno"]}


def total(rows: list[dict[str, Any]]) -> Decimal:
    return sum((r["det_item_fee_sumamt"] for r in rows), ZERO)


def pharmacy_input(p: dict[str, Any], rows: list[dict[str, Any]], acct: str = "1") -> dict[str, Any]:
    info = {
        "psn_no": p["psn_no"],
        **cert(p),
        "begntime": NOW,
        "medfee_sumamt": total(rows),
        "insutype": p["insutype"],
        "acct_used_flag": acct,
        "med_type": "41",
        "psn_name": p["psn_name"],
    }
    return {"druginfo": info, "drugdetail": rows}


def basket() -> list[dict[str, Any]]:
    return [
        drug_line("1", "SBXA01AAA0001", "2", "12.50"),
        drug_line("2", "SBXC08CAA0003", "1", "45.00"),
        drug_line("3", "SBXN02BEA0006", "1", "30"),
    ]


def check_identities(info: dict[str, Any]) -> None:
    assert info["medfee_sumamt"] == info["fund_pay_sumamt"] + info["psn_part_amt"] + info["hosp_part_amt"]
    assert info["psn_part_amt"] == info["acct_pay"] + info["psn_cash_pay"]
    assert info["fund_pay_sumamt"] == (
        info["hifp_pay"]
        + info["cvlserv_pay"]
        + info["hifes_pay"]
        + info["hifmi_pay"]
        + info["hifob_pay"]
        + info["maf_pay"]
        + info["oth_pay"]
    )
    for key in ("clr_type", "clr_optins", "clr_way"):
        assert info[key]


def register(c: Centre, p: dict[str, Any], ins: str) -> str:
    data = {
        "psn_no": p["psn_no"],
        "insutype": p["insutype"],
        "begntime": NOW,
        **cert(p),
        "ipt_otp_no": "OP" + str(time.time_ns()),
        "atddr_no": "D0001",
        "dr_name": "测试医生",
        "dept_code": "A03",
        "dept_name": "内科",
        "caty": "A03",
    }
    out = c.ok("2201", {"data": data}, insuplc_admdvs=ins)
    return str(out["data"]["mdtrt_id"])


def fee_rows(mdtrt_id: str, p: dict[str, Any], bchno: str, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**r, "mdtrt_id": mdtrt_id, "psn_no": p["psn_no"], "chrg_bchno": bchno} for r in lines]


def outpatient_settle_input(p: dict[str, Any], mdtrt_id: str, bchno: str, amount: Decimal) -> dict[str, Any]:
    return {
        "data": {
            "psn_no": p["psn_no"],
            **cert(p),
            "med_type": "11",
            "medfee_sumamt": amount,
            "psn_setlway": "01",
            "mdtrt_id": mdtrt_id,
            "chrg_bchno": bchno,
            "insutype": p["insutype"],
            "acct_used_flag": "1",
            "fulamt_ownpay_amt": ZERO,
            "overlmt_selfpay": ZERO,
            "preselfpay_amt": ZERO,
            "inscp_scp_amt": ZERO,
        }
    }


def admit(c: Centre, p: dict[str, Any], ins: str) -> dict[str, Any]:
    info = {
        "psn_no": p["psn_no"],
        "insutype": p["insutype"],
        "begntime": NOW,
        "mdtrt_cert_type": "02",
        "mdtrt_cert_no": p["certno"],
        "med_type": "21",
        "ipt_no": "IP" + str(time.time_ns()),
        "atddr_no": "D0001",
        "chfpdr_name": "测试医生",
        "adm_diag_dscr": "测试诊断",
        "adm_dept_codg": "A03",
        "adm_dept_name": "内科",
        "adm_bed": "01",
        "dscg_maindiag_code": "J18.900",
        "dscg_maindiag_name": "肺炎",
        "insuplc_admdvs": ins,
        "mdtrtarea_admvs": c.region,
    }
    dise = [
        {
            "psn_no": p["psn_no"],
            "diag_type": "1",
            "maindiag_flag": "1",
            "diag_srt_no": 1,
            "diag_code": "J18.900",
            "diag_name": "肺炎",
            "diag_dept": "内科",
            "dise_dor_no": "D0001",
            "dise_dor_name": "测试医生",
            "diag_time": NOW,
        }
    ]
    return c.call("2401", {"mdtrtinfo": info, "diseinfo": dise}, insuplc_admdvs=ins)


def discharge_input(p: dict[str, Any], mdtrt_id: str) -> dict[str, Any]:
    return {
        "dscginfo": {
            "mdtrt_id": mdtrt_id,
            "psn_no": p["psn_no"],
            "insutype": p["insutype"],
            "endtime": "2024-06-05 10:00:00",
            "dscg_dept_codg": "A03",
            "dscg_dept_name": "内科",
            "dscg_way": "1",
        },
        "diseinfo": [
            {
                "mdtrt_id": mdtrt_id,
                "psn_no": p["psn_no"],
                "diag_type": "1",
                "maindiag_flag": "1",
                "diag_srt_no": 1,
                "diag_code": "J18.900",
                "diag_name": "肺炎",
                "diag_dept": "内科",
                "dise_dor_no": "D0001",
                "dise_dor_name": "测试医生",
                "diag_time": NOW,
            }
        ],
    }


def inpatient_settle_input(p: dict[str, Any], mdtrt_id: str, amount: Decimal, ins: str) -> dict[str, Any]:
    return {
        "data": {
            "psn_no": p["psn_no"],
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": p["certno"],
            "medfee_sumamt": amount,
            "psn_setlway": "01",
            "mdtrt_id": mdtrt_id,
            "insutype": p["insutype"],
            "acct_used_flag": "1",
            "insuplc_admdvs": ins,
            "mdtrtarea_admvs": "441900",
            "mid_setl_flag": "0",
        }
    }
