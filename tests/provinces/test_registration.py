"""The four built-in regions register through their entry points with the spec's data."""

from __future__ import annotations

import attrs

from yibao.core.plugins import load_registry
from yibao.provinces.guangdong.dongguan import DONGGUAN, profile_for_kind
from yibao.provinces.guangdong.profile import GUANGDONG


def test_regions_are_registered_by_their_entry_points() -> None:
    """`yibao plugins` sees Gansu, Guangdong, Dongguan (parent 440000) and Yunnan."""
    reg = load_registry()
    got = {p.code: (p.parent, p.plugin) for p in reg}
    assert got["620000"] == (None, "gansu")
    assert got["440000"] == (None, "guangdong")
    assert got["441900"] == ("440000", "guangdong-dongguan")
    assert got["530000"] == (None, "yunnan")


def test_routing_per_region() -> None:
    """Guangdong routes base + /hsa/hgs/{infno}; Gansu and Yunnan use the single service path."""
    reg = load_registry()
    assert reg.resolve("440100").routing.path_for("2102") == "/hsa/hgs/2102"
    assert reg.resolve("441900").routing.path_for("9101") == "/hsa/hgs/9101"
    assert reg.resolve("620100").routing.path_for("1101") == "/fsi/api/rsfComIfsService/callService"
    assert reg.get("530000") is not None and reg.get("530000").transport == "dll"  # type: ignore[union-attr]


def test_dongguan_is_guangdong_with_city_values() -> None:
    """Dongguan keeps Guangdong's routing and e-voucher rule, and fixes 2102 med_type / area."""
    assert DONGGUAN.routing == GUANGDONG.routing
    assert DONGGUAN.fresh_ectoken_for == frozenset({"2207", "2304"})
    fixed = DONGGUAN.fixed_for("2102")
    assert fixed["druginfo"]["med_type"] == "41"
    assert fixed["envelope"]["mdtrtarea_admvs"] == "441900"
    assert not GUANGDONG.fixed_for("2102"), "the province itself fixes nothing"
    clinic = profile_for_kind("clinic")
    assert clinic.fixed_for("2207")["data"] == {"med_type": "9935", "psn_setlway": "01"}
    assert attrs.evolve(clinic, fixed_fields={}) == attrs.evolve(DONGGUAN, fixed_fields={})


def test_dongguan_classification_and_clr_types() -> None:
    """4419 local, 44 province, anything else other; clr_type 41/9904 pharmacy, 11/9903 clinic."""
    assert DONGGUAN.classify("441900", "441900") == "local"
    assert DONGGUAN.classify("440100", "441900") == "province"
    assert DONGGUAN.classify("110000", "441900") == "other"
    assert DONGGUAN.clr_type_for("pharmacy", "local", "x") == "41"
    assert DONGGUAN.clr_type_for("pharmacy", "province", "x") == "9904"
    assert DONGGUAN.clr_type_for("clinic", "local", "x") == "11"
    assert DONGGUAN.clr_type_for("clinic", "province", "x") == "9903"
    assert DONGGUAN.clr_type_for("hospital", "local", "x") == "x"


def test_card_reader_references_resolve() -> None:
    """Every `module:Class` in a profile's card_readers imports."""
    import importlib

    for profile in load_registry():
        for name, ref in profile.card_readers.items():
            module, _, cls = ref.partition(":")
            assert isinstance(getattr(importlib.import_module(module), cls), type), (profile.code, name)


def test_guangdong_3262_takes_a_30_character_inf_refmsgid() -> None:
    """§7: otransid is 3261's inf_refmsgid (30 characters), for the province and the city."""
    from yibao.core.catalog import load_catalog, validate

    for profile in (GUANGDONG, DONGGUAN):
        catalog = load_catalog().with_extra(profile.extra_transactions)
        data = {"data": {"trt_year": "2026", "trt_month": "01", "otransid": "4419002026010112000000000000001"[:30]}}
        assert validate(catalog, "3262", data) == []
    assert validate(load_catalog(), "3262", data), "the national table's 22 would refuse it"
