"""1101 by e-voucher, ID card, social-security card and 99-type documents; 2001; the seed data."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from conftest import PAASID, SECRET, Centre

from yibao.sandbox.app import create_app
from yibao.sandbox.config import SandboxConfig

_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _check_digit_ok(certno: str) -> bool:
    return "10X98765432"[sum(int(c) * w for c, w in zip(certno[:17], _W, strict=True)) % 11] == certno[17]


def _id_holder(c: Centre) -> dict[str, Any]:
    return c.person(lambda p: p["psn_cert_type"] == "01" and p["insuplc_admdvs"] == "441900")


def _q1101(c: Centre, **data: str) -> dict[str, Any]:
    return c.call("1101", {"data": data})


def test_seed_is_synthetic_and_covers_the_cases(centre: Centre) -> None:
    persons = centre.persons()
    assert len(persons) >= 30
    for p in persons:
        assert p["psn_name"].startswith("测试")
        assert {"psn_no", "certno", "psn_name", "insuplc_admdvs", "card_sn"} <= set(p)
        if p["psn_cert_type"] == "01":
            assert re.fullmatch(r"\d{17}[\dX]", p["certno"]) and _check_digit_ok(p["certno"])
            assert 990 <= int(p["certno"][14:17]) <= 999  # the sandbox's own sequence range
        else:
            assert p["certno"] == p["card_sn"] == p["card_no"]
    types = {p["insutype"] for p in persons}
    assert {"310", "390"} <= types
    assert any(p["insuinfo"][0]["psn_type"] == "12" for p in persons)
    assert any(p["opsp"] for p in persons)
    assert sum(p["psn_cert_type"] == "99" for p in persons) >= 3
    places = {p["insuplc_admdvs"] for p in persons}
    assert {"441900", "440100", "620100", "620200", "530100", "530300", "110000"} <= places
    assert any(p["balc"] > 0 for p in persons) and all(p["balc"] == 0 for p in persons if p["insutype"] == "390")


def test_seed_is_deterministic(tmp_path: Path) -> None:
    a = Centre(app=create_app(SandboxConfig(paasid=PAASID, secret=SECRET, state_dir=tmp_path / "a"))).persons()
    b = Centre(app=create_app(SandboxConfig(paasid=PAASID, secret=SECRET, state_dir=tmp_path / "b"))).persons()
    assert a == b


def test_1101_by_id_card(centre: Centre) -> None:
    p = _id_holder(centre)
    reply = _q1101(
        centre,
        mdtrt_cert_type="02",
        mdtrt_cert_no=p["certno"],
        psn_cert_type="01",
        certno=p["certno"],
        psn_name=p["psn_name"],
    )
    assert reply["infcode"] == 0, reply["err_msg"]
    out = reply["output"]
    assert out["baseinfo"]["psn_no"] == p["psn_no"]
    assert out["insuinfo"][0]["insuplc_admdvs"] == p["insuplc_admdvs"]
    assert out["insuinfo"][0]["balc"] == p["balc"]
    wrong_name = _q1101(
        centre, mdtrt_cert_type="02", mdtrt_cert_no=p["certno"], psn_cert_type="01", psn_name="测试无名"
    )
    assert wrong_name["infcode"] == -1 and "psn_name" in wrong_name["err_msg"]
    unknown = _q1101(centre, mdtrt_cert_type="02", mdtrt_cert_no="110101199001019990", psn_cert_type="01")
    assert unknown["infcode"] == -1


def test_1101_by_card_needs_the_card_sn(centre: Centre) -> None:
    p = _id_holder(centre)
    ok = _q1101(
        centre,
        mdtrt_cert_type="03",
        mdtrt_cert_no=p["card_no"],
        card_sn=p["card_sn"],
        psn_cert_type="01",
        certno=p["certno"],
    )
    assert ok["infcode"] == 0 and ok["output"]["baseinfo"]["psn_no"] == p["psn_no"]
    wrong = _q1101(centre, mdtrt_cert_type="03", mdtrt_cert_no=p["card_no"], card_sn="0" * 32, psn_cert_type="01")
    assert wrong["infcode"] == -1 and "card_sn" in wrong["err_msg"]
    missing = _q1101(centre, mdtrt_cert_type="03", mdtrt_cert_no=p["card_no"], psn_cert_type="01")
    assert missing["infcode"] == -1 and "card_sn" in missing["err_msg"]


def test_1101_hk_macau_taiwan_and_foreign_documents(centre: Centre) -> None:
    docs = [p for p in centre.persons() if p["psn_cert_type"] == "99"]
    for p in docs:
        n = p["certno"]
        reply = _q1101(centre, mdtrt_cert_type="03", mdtrt_cert_no=n, card_sn=n, psn_cert_type="99", certno=n)
        assert reply["infcode"] == 0, reply["err_msg"]
        assert reply["output"]["baseinfo"]["psn_cert_type"] == "99"
    n = docs[0]["certno"]
    mismatch = _q1101(centre, mdtrt_cert_type="03", mdtrt_cert_no=n, card_sn="OTHER", psn_cert_type="99", certno=n)
    assert mismatch["infcode"] == -1


def test_ectoken_single_use(centre: Centre) -> None:
    p = _id_holder(centre)
    status, body = centre.control("POST", "/_sandbox/ectoken", {"certno": p["certno"]})
    assert status == 200
    token = body["ectoken"]
    first = _q1101(centre, mdtrt_cert_type="01", mdtrt_cert_no=token, psn_cert_type="01")
    assert first["infcode"] == 0 and first["output"]["baseinfo"]["psn_no"] == p["psn_no"]
    second = _q1101(centre, mdtrt_cert_type="01", mdtrt_cert_no=token, psn_cert_type="01")
    assert second["infcode"] == -1 and "已使用" in second["err_msg"]
    forged = _q1101(centre, mdtrt_cert_type="01", mdtrt_cert_no="ECT-FORGED", psn_cert_type="01")
    assert forged["infcode"] == -1


def test_ectoken_expires_after_three_minutes(tmp_path: Path) -> None:
    now = [1_800_000_000.0]
    cfg = SandboxConfig(paasid=PAASID, secret=SECRET, state_dir=tmp_path, clock=lambda: now[0])
    c = Centre(app=create_app(cfg), clock=lambda: now[0])
    p = _id_holder(c)
    tokens = [c.control("POST", "/_sandbox/ectoken", {"certno": p["certno"]})[1]["ectoken"] for _ in range(2)]
    now[0] += 179
    assert _q1101(c, mdtrt_cert_type="01", mdtrt_cert_no=tokens[0], psn_cert_type="01")["infcode"] == 0
    now[0] += 2
    late = _q1101(c, mdtrt_cert_type="01", mdtrt_cert_no=tokens[1], psn_cert_type="01")
    assert late["infcode"] == -1 and "过期" in late["err_msg"]


def test_ectoken_for_unknown_certno_is_404(centre: Centre) -> None:
    assert centre.control("POST", "/_sandbox/ectoken", {"certno": "nobody"})[0] == 404
    assert centre.control("POST", "/_sandbox/ectoken", {})[0] == 400


def test_2001_treatment_check(centre: Centre) -> None:
    ok = centre.person(lambda p: p["insuinfo"][0]["psn_insu_stas"] == "1")
    suspended = centre.person(lambda p: p["insuinfo"][0]["psn_insu_stas"] != "1")
    for p, flag in ((ok, "1"), (suspended, "0")):
        data = {
            "psn_no": p["psn_no"],
            "insutype": p["insutype"],
            "fixmedins_code": centre.code,
            "med_type": "11",
            "begntime": "2024-01-01 00:00:00",
        }
        out = centre.ok("2001", {"data": data})
        assert out["trtinfo"][0]["trt_enjymnt_flag"] == flag


def _wrong_check(certno: str) -> str:
    return certno[:17] + next(c for c in "0123456789X" if c != certno[17])


def test_1101_refuses_a_resident_id_whose_check_digit_is_wrong(centre: Centre) -> None:
    """GB 11643 / ISO 7064 MOD 11-2: a 居民身份证 with a wrong last character is no ID number."""
    p = _id_holder(centre)
    bad = _wrong_check(p["certno"])
    by_id = _q1101(centre, mdtrt_cert_type="02", mdtrt_cert_no=bad, psn_cert_type="01")
    assert by_id["infcode"] == -1 and by_id["err_msg"].startswith("data.mdtrt_cert_no")
    assert "GB 11643" in by_id["err_msg"]
    by_card = _q1101(centre, mdtrt_cert_type="03", mdtrt_cert_no=p["card_no"], card_sn=p["card_sn"],
                     psn_cert_type="01", certno=bad)  # fmt: skip
    assert by_card["infcode"] == -1 and by_card["err_msg"].startswith("data.certno")
    assert "GB 11643" in by_card["err_msg"]
    # the same calls with the right number pass
    assert _q1101(centre, mdtrt_cert_type="02", mdtrt_cert_no=p["certno"], psn_cert_type="01")["infcode"] == 0
    good = _q1101(centre, mdtrt_cert_type="03", mdtrt_cert_no=p["card_no"], card_sn=p["card_sn"],
                  psn_cert_type="01", certno=p["certno"])  # fmt: skip
    assert good["infcode"] == 0


def test_the_check_character_follows_the_standard() -> None:
    from yibao.sandbox.idcard import check_character, valid_resident_id

    assert check_character("11010519491231002") == "X"  # the standard's own example
    assert valid_resident_id("11010519491231002X")
    assert not valid_resident_id("11010519491231002x")  # GB 11643 writes an upper-case X
    assert not valid_resident_id("110105194902310021")  # 1949-02-31 is no birth date
    assert not valid_resident_id("11010519491231002")
