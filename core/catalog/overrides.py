"""Known conflicts of the source documents, resolved in favour of the national baseline.

The parsed document is the national baseline *as published by Hunan* (V1.1.27).  Hunan added
fields and tightened required flags (``shared/reference/spec_reference.md`` §16 and its ᴴᴺ
marks); a client built for every province must follow the national baseline, so those changes
are undone here, after parsing, one row per decision with its reason.  The same table fixes a
few printing errors of the sources (a node caption, a 日期型 cell whose note says date-time).

The table is listed in ``docs/catalogue.md``; :func:`apply_overrides` refuses to run when a row
no longer matches anything (the spec changed and the decision must be looked at again).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

__all__ = [
    "DICTIONARY_SUPPLEMENTS",
    "FIELD_OVERRIDES",
    "NODE_OVERRIDES",
    "DictionarySupplement",
    "FieldOverride",
    "NodeOverride",
    "apply_overrides",
]

_HN_IDENTITY = ("card_sn", "psn_cert_type", "cert_type", "certno", "psn_type", "psn_name")


@attrs.frozen
class FieldOverride:
    """Set ``changes`` on the fields ``codes`` of the ``direction`` nodes of each infno."""

    infnos: tuple[str, ...]
    direction: str
    codes: tuple[str, ...]
    changes: Mapping[str, Any]
    reason: str
    node: str | None = None  # None: every node of that direction


@attrs.frozen
class NodeOverride:
    """Set ``changes`` on one node (``path`` = parent names then the node, for nested nodes)."""

    infno: str
    direction: str
    path: tuple[str, ...]
    changes: Mapping[str, Any]
    reason: str


@attrs.frozen
class DictionarySupplement:
    """National codes missing from the Hunan 字典表 (added, never replacing a label)."""

    name: str
    values: Mapping[str, str]
    reason: str


FIELD_OVERRIDES: tuple[FieldOverride, ...] = (
    FieldOverride(
        ("2101", "2102", "2201", "2206", "2207", "2303", "2304", "2401"), "input", _HN_IDENTITY,
        {"required": False},
        "HN-only identity fields (ᴴᴺ, §16.1): absent from the national baseline; kept optional",
    ),
    FieldOverride(
        ("2303", "2304", "2401"), "input", ("insuplc_admdvs", "mdtrtarea_admvs"), {"required": False},
        "HN duplicates the envelope's 区划 inside the node (ᴴᴺ, §16.1); nationally only in the envelope",
    ),
    FieldOverride(
        ("2203",), "input", ("dise_codg", "dise_name"), {"required": False},
        "required only in HN (§16.2); optional in the national baseline", node="mdtrtinfo",
    ),
    FieldOverride(
        ("2303", "2304", "2401"), "input", ("mdtrt_cert_no",), {"required": True},
        "required nationally (§16.2); HN made it optional",
    ),
    FieldOverride(
        ("1101",), "input", ("certno", "psn_name"), {"required": False},
        "optional nationally (§16.2); HN made them required",
    ),
    FieldOverride(
        ("9001",), "input", ("mac",), {"required": False}, "optional nationally (NT, §16.2); HN requires it",
    ),
    FieldOverride(
        ("2201",), "input", ("atddr_no", "dr_name"), {"required": True},
        "required nationally (§16.2); HN optional since 2023-05",
    ),
    FieldOverride(
        ("5204",), "input", ("setl_id",), {"required": False},
        "optional in the national models (BZ, §16.2); HN made it required",
    ),
    FieldOverride(
        ("3201", "3202"), "input", ("fixmedins_refd_setl_flag",), {"required": False},
        "HN addition (ᴴᴺ in §11); refund flags are 2021-12+ additions with undocumented semantics (§16.8)",
    ),
    FieldOverride(
        ("3202",), "input", ("clr_type",), {"required": False},
        "HN addition (ᴴᴺ in §11): not in the national models of 3202",
    ),
    FieldOverride(
        ("1901",), "input", ("Vali_Flag",), {"code": "vali_flag"},
        "spec typo (§16.4): HN prints Vali_Flag; keys are lower-case (wire rule), NT uses vali_flag",
    ),
    FieldOverride(
        ("9001", "9002"), "output", ("sign_time",), {"type": "DT"},
        "declared 日期型 but documented and sent as yyyy-MM-dd HH:mm:ss (§3)",
    ),
)

NODE_OVERRIDES: tuple[NodeOverride, ...] = (
    NodeOverride(
        "9002", "output", ("sign_time",), {"node": "signoutoutb"},
        "HN caption misprints the node as sign_time; live replies use signoutoutb (§3)",
    ),
    NodeOverride(
        "2102", "input", ("drugdetail", "durg_trac_info"), {"aliases": ["drug_trac_info"]},
        "spec typo durg_trac_info (§16.4) kept as printed; the corrected spelling is accepted too",
    ),
)

DICTIONARY_SUPPLEMENTS: tuple[DictionarySupplement, ...] = (
    DictionarySupplement(
        "med_type",
        {"12": "门诊挂号", "19": "意外伤害门诊", "21": "普通住院", "23": "转外诊治住院",
         "24": "急诊转住院", "53": "计划生育手术费"},
        "national codes (NT/HB, spec text of 2206/2207) missing from the HN table (§14)",
    ),
    DictionarySupplement(
        "naty", {f"{i:02d}": "" for i in range(1, 10)},
        "GB 3304 two-digit codes; HN prints 1-9 unpadded, live samples send 01 (§14)",
    ),
    DictionarySupplement(
        "opter_type", {"1": "经办人", "2": "自助终端", "3": "移动终端"},
        "envelope definition (表2); the HN 字典表 lists only 1 (§14)",
    ),
)


def _walk(nodes: list[dict[str, Any]], path: tuple[str, ...]) -> dict[str, Any] | None:
    for node in nodes:
        if node["node"] == path[0]:
            return node if len(path) == 1 else _walk(node["children"], path[1:])
    return None


def _all_nodes(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for node in nodes:
        out.append(node)
        out.extend(_all_nodes(node["children"]))
    return out


def apply_overrides(
    entries: list[dict[str, Any]],
    dictionaries: dict[str, dict[str, str]],
    *,
    fields: tuple[FieldOverride, ...] = FIELD_OVERRIDES,
    nodes: tuple[NodeOverride, ...] = NODE_OVERRIDES,
    supplements: tuple[DictionarySupplement, ...] = DICTIONARY_SUPPLEMENTS,
) -> None:
    """Apply the three tables in place (the national ones unless a region passes its own, as
    Guangdong does for its 3260-3262); ``ValueError`` when a row matches nothing for an infno."""
    by_infno = {e["infno"]: e for e in entries}
    for fo in fields:
        for infno in fo.infnos:
            hits = 0
            for node in _all_nodes(by_infno[infno][fo.direction]):
                if fo.node is not None and node["node"] != fo.node:
                    continue
                for f in node["fields"]:
                    if f["code"] in fo.codes:
                        f.update(fo.changes)
                        f["note"] = f"{f['note']} [override: {fo.reason}]".strip()
                        hits += 1
            if not hits:
                raise ValueError(f"override for {infno} {fo.codes} matches no field")
    for no in nodes:
        target = _walk(by_infno[no.infno][no.direction], no.path)
        if target is None:
            raise ValueError(f"node override for {no.infno} {no.path} matches no node")
        target.update(no.changes)
    for ds in supplements:
        table = dictionaries.setdefault(ds.name, {})
        for value, label in ds.values.items():
            table.setdefault(value, label or table.get(value.lstrip("0"), ""))
