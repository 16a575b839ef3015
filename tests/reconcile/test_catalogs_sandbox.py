"""Catalogue sync against the sandbox: 1301 by version through 9102 (plc), 1312 paged, 1901 (issue 5)."""

from __future__ import annotations

from typing import Any

import pytest

from yibao.core.errors import ValidationError
from yibao.core.workflows.catalogue import CatalogStore
from yibao.sandbox.handlers.catalogs import SEED_VERSION, publish

from .conftest import Centre


def test_file_catalogue_sync_is_incremental_by_version(centre: Centre) -> None:
    calls: list[tuple[str, Any]] = []
    class Spy:
        """An engine observer: what went on the wire."""

        def before_send(self, envelope: Any) -> None:
            calls.append((envelope.infno, envelope.input))

        def after_reply(self, envelope: Any, reply: Any, error: Any) -> None:
            pass

    centre.client.add_observer(Spy())
    first = centre.client.catalog.sync(["1301"])
    assert first[0].rows >= 5 and first[0].ver == SEED_VERSION
    assert [d["data"]["ver"] for i, d in calls if i == "1301"] == ["v0000", SEED_VERSION]
    store = CatalogStore(centre.client.engine.journal.database)
    assert store.state("1301")["ver"] == SEED_VERSION  # type: ignore[index]

    publish(centre.store, "1301", "SBV2026002", [{"code": "SBXNEW0001", "name": "新增测试药品"}],
            "2026-02-01 00:00:00")  # fmt: skip
    calls.clear()
    second = centre.client.catalog.sync(["1301"])
    assert second[0].rows == 1 and second[0].ver == "SBV2026002"  # only the new version came
    assert calls[0][1]["data"]["ver"] == SEED_VERSION
    hits = centre.client.catalog.search("新增测试")
    assert [(h["kind"], h["code"], h["ver"]) for h in hits] == [("1301", "SBXNEW0001", "SBV2026002")]
    third = centre.client.catalog.sync(["1301"])
    assert third[0].rows == 0 and third[0].calls == 1


def test_paged_catalogue_and_dictionaries(centre: Centre) -> None:
    res = {r.kind: r for r in centre.client.catalog.sync(["1312", "1901"], dict_types=["clr_type"])}
    assert res["1312"].rows >= 10 and res["1312"].updt_time == "2026-01-01 00:00:00"
    assert res["1901"].rows >= 4
    rows = CatalogStore(centre.client.engine.journal.database).db.fetchall(
        "SELECT value FROM catalog_dicts WHERE dict_type = ?", ["clr_type"])
    assert {"11", "21", "41"} <= {r["value"] for r in rows}
    publish(centre.store, "1312", "2", [{"code": "SBNEWHI01", "rid": "RNEW1", "hilist_code": "SBNEWHI01",
                                          "hilist_name": "新医保目录项", "vali_flag": "1"}],
            "2026-03-05 10:00:00")  # fmt: skip
    # yyyy-MM-dd means the whole day (spec 重点说明): the last day seen is asked again, no earlier one.
    again = centre.client.catalog.sync(["1312"])[0]
    assert again.updt_time == "2026-03-05 10:00:00" and again.rows == res["1312"].rows + 1
    assert centre.client.catalog.search("新医保目录")[0]["code"] == "SBNEWHI01"
    last = centre.client.catalog.sync(["1312"])[0]
    assert last.rows == 1 and last.calls == 1


def test_code_catalogues_list_diagnoses_and_operations_not_the_priced_items(centre: Centre) -> None:
    """1307-1315 carry codes of their own kind: a HIS's diagnosis picker built from 1307 offers
    diagnoses (the 2203 / 2401 codes of the tests), and 1309 the 慢特病 codes 1101 reports."""
    kinds = ["1304", "1305", "1307", "1308", "1309"]
    res = {r.kind: r for r in centre.client.catalog.sync(kinds)}
    assert res["1307"].rows >= 5 and res["1308"].rows >= 3 and res["1309"].rows == 3
    [pneumonia] = [h for h in centre.client.catalog.search("J18.900") if h["kind"] == "1307"]
    assert pneumonia["name"] == "肺炎" and pneumonia["ver"] == SEED_VERSION
    found = {(h["kind"], h["code"]) for h in centre.client.catalog.search("SB", limit=500)}
    assert not {k for k, c in found if not c.startswith("SBMZ")} & {"1304", "1307", "1308", "1309"}
    assert {c for k, c in found if k == "1304"} == {"SBMZ00010001", "SBMZ00020001"}  # 民族药, not 阿莫西林
    assert ("1305", "SB110200001") in found  # the services' catalogue still has them
    assert {h["code"] for h in centre.client.catalog.search("M0") if h["kind"] == "1309"} == {
        "M01600", "M03900", "M07800"}


def test_search_by_kind_and_with_like_wildcards_taken_literally(centre: Centre) -> None:
    centre.client.catalog.sync(["1301", "1305", "1313"])
    assert {h["kind"] for h in centre.client.catalog.search("SB", kind="1305")} == {"1305"}
    assert [h["code"] for h in centre.client.catalog.search("M81400/3")] == ["M81400/3"]
    assert centre.client.catalog.search("%") == [] and centre.client.catalog.search("_") == []
    assert len(centre.client.catalog.search("SB", limit=2)) == 2
    with pytest.raises(ValidationError) as caught:
        centre.client.catalog.search("SB", kind="1101")
    assert [(i.field, i.rule) for i in caught.value.issues] == [("kind", "enum")]
