"""Dongguan's field tables: the checked-in data is what the generator builds, and the centre's copy
(sandbox/data/regions.json) holds the same tables (it never imports the client)."""

from __future__ import annotations

import json
from importlib import resources

from yibao.provinces.guangdong.dongguan import DONGGUAN
from yibao.provinces.guangdong.dongguan_data import CONDITIONAL_GROUPS, REQUIRED
from yibao.provinces.guangdong.dongguan_tables import DATA_FILE, RX_MAP, build_entries


def _shape(entry: dict) -> list:  # type: ignore[type-arg]
    def node(n: dict) -> tuple:  # type: ignore[type-arg]
        return (n["node"], n["multi"], [(f["code"], f["type"], f["length"], f["scale"], f["dict"], f["required"])
                                        for f in n["fields"]], [node(c) for c in n.get("children", [])])  # fmt: skip

    return [node(n) for n in entry["input"]]


def test_checked_in_data_is_the_generators() -> None:
    """data/dongguan_extras.json == build_entries() (regenerate with python -m ...dongguan_tables)."""
    assert json.loads(DATA_FILE.read_text(encoding="utf-8")) == build_entries()


def test_the_centre_has_the_same_tables() -> None:
    """Every Dongguan entry has the same nodes and fields in the sandbox's own copy."""
    text = resources.files("yibao.sandbox").joinpath("data", "regions.json").read_text(encoding="utf-8")
    centre = {e["infno"]: e for e in json.loads(text)["regions"]["441900"]["transactions"]}
    for entry in build_entries():
        assert _shape(centre[entry["infno"]]) == _shape(entry), entry["infno"]


def test_every_listed_extra_has_a_table_and_says_how_sure_it_is() -> None:
    """No listed Dongguan transaction is a field-less generic envelope; each carries verified and source;
    the e-prescription calls mapped by name are the national tables in snake_case."""
    listed = {i for k in REQUIRED.values() for i in k} | {i for g in CONDITIONAL_GROUPS.values() for x in g.values()
                                                           for i in x}  # fmt: skip
    own = {str(e["infno"]): e for e in DONGGUAN.extra_transactions}
    for infno in listed & set(own):
        e = own[infno]
        assert any(n["fields"] for n in e["input"]), infno
        assert isinstance(e["verified"], bool) and e["source"], infno
    assert own["CFYYJG106"]["verified"] is True
    assert {i for i, _, _ in RX_MAP} <= set(own) and all(own[i]["verified"] is False for i, _, _ in RX_MAP)
    codes = {f["code"] for f in own["CFYLJG003"]["input"][0]["fields"]}
    assert {"hi_rxno", "rx_trace_code", "sign_digest"} <= codes
    assert len(RX_MAP) + 1 == 15  # 14 by name, CFYYJG106 by its public table = the national 7206's fields
