"""Region facts of the centre: extra transactions and local dictionary codes (``data/regions.json``).

The centre keeps these for itself and never loads the client's plugin registry: a region
profile that is wrong on the client's side must not be "confirmed" by a centre that reads
the same profile.  What is kept, per region (admdvs code):

- ``dictionaries``: local codes the national code tables lack (Dongguan spec 001 注意事项（一）:
  ``clr_type`` 9903 / 9904, ``med_type`` 9935); valid in that region only.
- ``transactions``: the region's own entries in the spec catalogue's JSON shape, each with its
  ``verified`` flag and ``source``.  ``"generic": true`` marks an entry without a public field
  table (its input is accepted as given, like the client's generic envelope); ``"widen"``
  patches field lengths of the national entry (Guangdong 补充接口文档 §7: 3262 ``otransid`` is
  the 30-character ``inf_refmsgid``, though the table prints 22).  An entry overrides the
  national one of the same infno (Gansu's 2021 meanings of 6101 and 7101-7205).

A city inherits its province (Dongguan 441900 from Guangdong 440000); any other code resolves
to its province, else to the national catalogue alone.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from importlib import resources
from typing import Any

import attrs

from yibao.core.catalog.schema import Catalog, load_catalog

__all__ = ["Region", "catalog_for", "region_of"]

_GENERIC_CAPTION = "generic envelope: no public field table; input accepted as given"


@attrs.frozen
class Region:
    """The facts of one region as the centre applies them (its province's merged in)."""

    code: str
    name: str
    dictionaries: Mapping[str, Mapping[str, str]]
    #: catalogue entries, the province's first (a city's entry of the same infno wins)
    transactions: tuple[Mapping[str, Any], ...]
    #: the entries this region itself declares (a city without its province's)
    own: tuple[Mapping[str, Any], ...]


@functools.cache
def _data() -> Mapping[str, Any]:
    text = resources.files("yibao.sandbox").joinpath("data", "regions.json").read_text(encoding="utf-8")
    regions: Mapping[str, Any] = json.loads(text)["regions"]
    return regions


def _expand(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A data entry as a full catalogue entry (generic envelopes and widened national ones)."""
    if entry.get("generic"):
        caption = entry.get("caption") or _GENERIC_CAPTION
        return {
            "infno": entry["infno"],
            "name": entry.get("name", ""),
            "kind": entry.get("kind", ""),
            "verified": bool(entry.get("verified", False)),
            "source": entry.get("source", ""),
            "input": [{"node": "", "caption": caption, "multi": False, "fields": [], "children": []}],
            "output": [],
        }
    if "widen" in entry:
        national = load_catalog().get(str(entry["infno"]))
        if national is None:
            raise KeyError(f"regions.json widens {entry['infno']}, which the national catalogue lacks")
        full = national.to_json()
        lengths: Mapping[str, int] = entry["widen"]
        for node in full["input"]:
            for field in node["fields"]:
                wanted = lengths.get(field["code"])
                if wanted is not None and (field.get("length") or 0) < wanted:
                    field["length"] = wanted
        full["verified"] = bool(entry.get("verified", False))
        full["source"] = f"{full['source']}; {entry.get('source', '')}"
        return full
    return dict(entry)


def _chain(code: str) -> list[str]:
    """The known region codes that apply to ``code``, province first."""
    data = _data()
    found = code if code in data else (code[:2] + "0000" if code[:2] + "0000" in data else "")
    chain: list[str] = []
    while found:
        chain.insert(0, found)
        found = data[found].get("parent") or ""
    return chain


@functools.lru_cache(maxsize=256)  # envelopes name any code: a bounded cache
def region_of(code: str) -> Region:
    """The region of an admdvs code: the city, else its province, else the national default."""
    code = (code or "")[:6]
    chain = _chain(code)
    data = _data()
    dictionaries: dict[str, dict[str, str]] = {}
    transactions: list[Mapping[str, Any]] = []
    for known in chain:
        for name, codes in data[known].get("dictionaries", {}).items():
            dictionaries.setdefault(name, {}).update(codes)
        transactions.extend(_expand(e) for e in data[known].get("transactions", ()))
    own = tuple(_expand(e) for e in data[chain[-1]].get("transactions", ())) if chain else ()
    name = data[chain[-1]]["name"] if chain else "国家基线"
    return Region(code=chain[-1] if chain else "000000", name=name, dictionaries=dictionaries,
                  transactions=tuple(transactions), own=own)  # fmt: skip


@functools.cache
def _catalog(region_code: str) -> Catalog:
    region = region_of(region_code)
    base = load_catalog()
    if not region.transactions and not region.dictionaries:
        return base
    return base.with_extra(region.transactions, region.dictionaries)


def catalog_for(code: str) -> Catalog:
    """The national catalogue with the region's entries and local codes (cached per region)."""
    return _catalog(region_of(code).code)
