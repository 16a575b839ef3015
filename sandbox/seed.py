"""Seed data of the sandbox: synthetic persons and a priced catalogue (deterministic).

Everything here is invented and looks it: names are 测试 + a heavenly stem + a number (测试甲一),
18-digit ID numbers are generated from a fixed seed with sequence codes 990-999 (a range the
sandbox keeps for itself) and a valid GB 11643 check digit; document numbers of the 99-type
persons start with letters that no real document series of that kind is known to use here.

Persons (:func:`persons`): for each built-in region (Gansu 620000, Guangdong 440000, Dongguan
441900, Yunnan 530000) someone insured locally, elsewhere in the province and in another
province, employees (310, with account balances) and residents (390, balance 0), retirees
(psn_type 12), a civil servant (cvlserv_flag 1), a 低保 person (idet 2303), special-disease
(慢特病) records, a suspended insurance (psn_insu_stas 2) and HK/Macau/Taiwan and foreign
documents (psn_cert_type 99: certno = card_no = card_sn = the document number).

Catalogue (:data:`CATALOG`): drugs, herbs, services and materials with 甲/乙/丙 levels
(chrgitm_lv 01/02/03), 先自付 ratios (``selfpay_prop``) and price caps (``pric_uplmt_amt``).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .idcard import check_character, valid_resident_id

if TYPE_CHECKING:
    from .store import Store

__all__ = ["CATALOG", "catalog_entry", "id_check_digit", "persons", "seed_store"]

SEED = 20210101
_STEMS = "甲乙丙丁戊己庚辛壬癸"
_NUMS = "一二三四五六七八九十"


def id_check_digit(first17: str) -> str:
    """GB 11643-1999 check character of the first 17 digits (:mod:`yibao.sandbox.idcard`)."""
    return check_character(first17)


def _certno(rng: random.Random, area: str, year: int, female: bool) -> str:
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    seq = rng.randint(990, 999)
    # The sex digit is the last of the sequence code: odd male, even female.
    if (seq % 2 == 0) != female:
        seq = seq - 1 if seq > 990 else seq + 1
    first17 = f"{area}{year:04d}{month:02d}{day:02d}{seq:03d}"
    certno = first17 + id_check_digit(first17)
    assert valid_resident_id(certno), certno  # the seed must never show a centre a bad number
    return certno


# (insuplc_admdvs, insutype, psn_type, balc, extra) -- the extra keys tweak one person.
_PLAN: tuple[tuple[str, str, str, str, Mapping[str, Any]], ...] = (
    # Guangdong 440000: Guangzhou local, Shenzhen elsewhere in the province, Beijing other.
    ("440100", "310", "11", "1000.00", {}),
    ("440100", "310", "12", "3000.00", {"retired": True}),
    ("440100", "390", "15", "0.00", {}),
    ("440300", "310", "11", "200.00", {}),
    ("110000", "310", "11", "800.00", {}),
    ("440100", "310", "11", "50.00", {"cvlserv": True}),
    # Dongguan 441900: local, Guangzhou = elsewhere in Guangdong, Lanzhou = another province.
    ("441900", "310", "11", "1500.00", {}),
    ("441900", "310", "12", "2500.00", {"retired": True, "opsp": ("M03900", "高血压")}),
    ("441900", "390", "15", "0.00", {}),
    ("441900", "390", "16", "0.00", {"opsp": ("M07800", "糖尿病")}),
    ("440100", "310", "11", "600.00", {}),
    ("620100", "310", "11", "400.00", {}),
    ("441900", "310", "11", "0.00", {"suspended": True}),
    # Gansu 620000: Lanzhou local, Jiayuguan elsewhere in the province, Guangzhou other.
    ("620100", "310", "11", "700.00", {}),
    ("620100", "390", "15", "0.00", {"idet": "2303"}),
    ("620200", "310", "12", "1200.00", {"retired": True}),
    ("440100", "390", "15", "0.00", {}),
    ("620100", "310", "11", "90.00", {"opsp": ("M01600", "慢性阻塞性肺疾病")}),
    # Yunnan 530000: Kunming local, Qujing elsewhere in the province, Beijing other.
    ("530100", "310", "11", "900.00", {}),
    ("530100", "390", "15", "0.00", {}),
    ("530300", "310", "11", "300.00", {}),
    ("110000", "390", "15", "0.00", {}),
    ("530100", "310", "12", "2000.00", {"retired": True, "idet": "2304"}),
    ("530100", "390", "1402", "0.00", {"child": True}),
    # More Guangdong / Dongguan people for batch tests.
    ("441900", "310", "11", "5000.00", {}),
    ("441900", "310", "11", "20.00", {}),
    ("440600", "390", "15", "0.00", {}),
    ("441900", "390", "15", "0.00", {"idet": "2303"}),
)

# HK / Macau / Taiwan and foreign documents (psn_cert_type 99 per the Gansu and Guangdong guides).
_DOCS: tuple[tuple[str, str, str, str], ...] = (
    ("441900", "310", "SBH9900001", "港澳居民来往内地通行证(香港)"),
    ("441900", "390", "SBM9900002", "港澳居民来往内地通行证(澳门)"),
    ("620100", "310", "SBT9900003", "台湾居民来往大陆通行证"),
    ("530100", "310", "SBE9900004", "外国人永久居留身份证"),
)

# Fujian / Xiamen 350200 (internet-hospital rehearsal): an employee with an account, a resident.
# After the documents, so that every person above keeps its number and ID.
_LATE: tuple[tuple[str, str, str, str, Mapping[str, Any]], ...] = (
    ("350200", "310", "11", "800.00", {}),
    ("350200", "390", "15", "0.00", {}),
)

_AREAS = {"110000": "110101", "440000": "440106"}


def _area_of(insuplc: str) -> str:
    """A plausible 6-digit area code for the ID number of someone insured at ``insuplc``."""
    if insuplc in _AREAS:
        return _AREAS[insuplc]
    return insuplc[:4] + "02"


def persons() -> list[dict[str, Any]]:
    """The seeded persons (same list on every call)."""
    rng = random.Random(SEED)
    out: list[dict[str, Any]] = []
    rows: list[tuple[str, str, str, str, Mapping[str, Any], str | None, str | None]] = [(*p, None, None) for p in _PLAN]
    rows += [
        (ins, it, "11" if it == "310" else "15", "300.00" if it == "310" else "0.00", {}, doc, what)
        for ins, it, doc, what in _DOCS
    ]
    rows += [(*p, None, None) for p in _LATE]
    for i, (insuplc, insutype, psn_type, balc, extra, doc, doc_kind) in enumerate(rows):
        female = i % 2 == 1
        year = 1950 + rng.randint(0, 20) if extra.get("retired") else 1970 + rng.randint(0, 30)
        if extra.get("child"):
            year = 2020
        name = f"测试{_STEMS[i // 10 % 10]}{_NUMS[i % 10]}"
        if doc:
            certno = card_no = card_sn = doc
            cert_type = "99"
            brdy = f"{year}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
        else:
            certno = _certno(rng, _area_of(insuplc), year, female)
            cert_type = "01"
            card_no = f"SB{rng.randint(0, 10**7 - 1):07d}"
            card_sn = f"{insuplc}D156{rng.randint(0, 16**22 - 1):022X}"
            brdy = f"{certno[6:10]}-{certno[10:12]}-{certno[12:14]}"
        insu = {
            "insutype": insutype,
            "psn_type": psn_type,
            "psn_insu_stas": "2" if extra.get("suspended") else "1",
            "psn_insu_date": "2015-01-01",
            "paus_insu_date": "2024-01-01" if extra.get("suspended") else "",
            "cvlserv_flag": "1" if extra.get("cvlserv") else "0",
            "insuplc_admdvs": insuplc,
            "emp_name": "测试单位有限公司" if insutype == "310" else "",
        }
        idet = []
        if extra.get("idet"):
            idet.append(
                {
                    "psn_idet_type": extra["idet"],
                    "psn_type_lv": "",
                    "memo": "",
                    "begntime": "2020-01-01 00:00:00",
                    "endtime": "",
                }
            )
        opsp = []
        if extra.get("opsp"):
            code, dname = extra["opsp"]
            opsp.append({"opsp_dise_code": code, "opsp_dise_name": dname, "begndate": "2022-01-01", "enddate": ""})
        out.append(
            {
                "psn_no": f"SB{insuplc}{i + 1:08d}",
                "psn_cert_type": cert_type,
                "certno": certno,
                "psn_name": name,
                "gend": "2" if female else "1",
                "naty": "01",
                "brdy": brdy,
                "card_no": card_no,
                "card_sn": card_sn,
                "insuplc_admdvs": insuplc,
                "insutype": insutype,
                "psn_type": psn_type,
                "insuinfo": [insu],
                "idetinfo": idet,
                "opsp": opsp,
                "doc_kind": doc_kind or "居民身份证",
                "balc": Decimal(balc),
            }
        )
    return out


def _c(
    code: str,
    name: str,
    lv: str,
    typ: str,
    list_type: str,
    prop: str,
    cap: str,
    spec: str,
    dosform: str = "",
    lmt: str = "0",
    gend_lmt: str = "",
) -> dict[str, Any]:
    return {
        "med_list_codg": code,
        "med_list_name": name,
        "chrgitm_lv": lv,
        "med_chrgitm_type": typ,
        "list_type": list_type,
        "selfpay_prop": Decimal(prop),
        "pric_uplmt_amt": Decimal(cap),
        "spec": spec,
        "dosform_name": dosform,
        "lmt_used_flag": lmt,
        # 限定性别 (the 3101 / 3102 gender rule): "1" men only, "2" women only, "" anyone.
        "gend_lmt": gend_lmt,
    }


#: The priced catalogue (``med_list_codg`` -> entry).  Codes are synthetic (prefix ``SB``).
CATALOG: dict[str, dict[str, Any]] = {
    e["med_list_codg"]: e
    for e in (
        _c("SBXA01AAA0001", "阿莫西林胶囊(测试)", "01", "09", "101", "0", "30.000000", "0.25g*24粒", "胶囊剂"),
        _c(
            "SBXA02BAA0002",
            "布洛芬缓释胶囊(测试)",
            "01",
            "09",
            "101",
            "0",
            "25.000000",
            "0.3g*20粒",
            "胶囊剂",
        ),
        _c(
            "SBXC08CAA0003",
            "苯磺酸氨氯地平片(测试)",
            "02",
            "09",
            "101",
            "0.10",
            "40.000000",
            "5mg*28片",
            "片剂",
        ),
        _c(
            "SBXA10BAA0004",
            "盐酸二甲双胍片(测试)",
            "02",
            "09",
            "101",
            "0.05",
            "20.000000",
            "0.5g*48片",
            "片剂",
        ),
        _c(
            "SBZA01AAA0005",
            "连花清瘟胶囊(测试)",
            "02",
            "11",
            "101",
            "0.10",
            "35.000000",
            "0.35g*36粒",
            "胶囊剂",
        ),
        _c("SBXN02BEA0006", "保健营养口服液(测试)", "03", "09", "101", "1", "0", "10ml*10支", "口服液"),
        _c(
            "SBXL01XCA0007",
            "靶向谈判药注射液(测试)",
            "02",
            "09",
            "101",
            "0.20",
            "1500.000000",
            "100mg",
            "注射剂",
            lmt="1",
        ),
        _c("SBT000100001", "黄芪饮片(测试)", "01", "10", "102", "0", "0.500000", "每克"),
        _c("SB110200001", "普通门诊诊查费(测试)", "01", "02", "201", "0", "20.000000", "次"),
        _c("SB120100001", "血常规(测试)", "01", "04", "201", "0", "30.000000", "次"),
        _c("SB210300001", "CT平扫(测试)", "02", "03", "201", "0.10", "250.000000", "部位"),
        _c("SB110900001", "普通病房床位费(测试)", "01", "01", "201", "0", "60.000000", "日"),
        _c("SB311300001", "单人间床位费(测试)", "03", "01", "201", "1", "0", "日"),
        _c("SBC0101000001", "一次性输液器(测试)", "02", "08", "301", "0.10", "8.000000", "套"),
        _c("SBC0302000002", "人工关节假体(测试)", "02", "08", "301", "0.30", "20000.000000", "个"),
        _c("SB120400001", "挂号费(测试)", "01", "13", "201", "0", "10.000000", "次"),
        _c("SB250300001", "宫颈细胞学检查(测试)", "01", "04", "201", "0", "60.000000", "次", gend_lmt="2"),
        _c("SB250400001", "前列腺液常规检查(测试)", "01", "04", "201", "0", "40.000000", "次", gend_lmt="1"),
        # 䓬 (U+44EC, CJK extension A, as in 苯二氮䓬) is not in GBK: a HIS that reads the catalogue
        # through the code page of a Chinese Windows meets it in a real drug class.  Last, so that
        # every entry above keeps its place.
        _c("SBXN05CDA0008", "艾司唑仑片(苯二氮䓬类,测试)", "01", "09", "101", "0", "5.000000", "1mg*20片", "片剂"),
    )
}


def catalog_entry(med_list_codg: str) -> dict[str, Any] | None:
    """The catalogue entry of a code, or ``None`` (unknown items are fully self-paid)."""
    return CATALOG.get(med_list_codg)


def seed_store(store: Store) -> None:
    """Load the persons and their account balances into an empty store."""
    for p in persons():
        record = {k: v for k, v in p.items() if k != "balc"}
        store.add_person(record, p["balc"])
