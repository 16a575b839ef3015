"""A compact notation for the field tables Guangdong / Dongguan publish no table for.

One field per ``;``-separated item: ``code[*] 名称 TYPE[#] [note]``:

- ``*`` after the code: required (必填);
- TYPE: ``C30`` 字符型 of length 30, ``N16,2`` 数值型, ``NUM30`` 数字型, ``INT10`` 整型, ``D``
  日期型 (yyyy-MM-dd), ``DT`` 日期时间型 (yyyy-MM-dd HH:mm:ss);
- ``#`` after the type: a dictionary field (代码标识 Y), checked against the code table of the
  same name where one exists.

:func:`node` and :func:`entry` build the JSON shape of ``core/catalog/data/catalog.json``, so
the catalogue reads these entries like the national ones.  :func:`snake` turns the national
e-prescription centre's camelCase names into the snake_case names the public Guangdong copy of
CFYYJG106 uses (表 53: ``hi_rxno``, ``epc_token``, ``rx_chk_stas_codg``...).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["entry", "fields", "node", "snake", "snake_entry"]

_TYPE = re.compile(r"^(C|N|NUM|INT|DT|D)(\d+)?(?:,(\d+))?(#)?$")
_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


def fields(spec: str) -> list[dict[str, Any]]:
    """The fields of ``spec`` (see the module docstring)."""
    out: list[dict[str, Any]] = []
    for item in (part.strip() for part in spec.split(";")):
        if not item:
            continue
        code, name, kind, *note = item.split(maxsplit=3)
        m = _TYPE.match(kind)
        if m is None:
            raise ValueError(f"{code}: bad type {kind!r}")
        typ, length, scale, coded = m.groups()
        out.append({
            "code": code.rstrip("*"), "name": name, "type": typ,
            "length": int(length) if length else None, "scale": int(scale) if scale else None,
            "dict": bool(coded), "required": code.endswith("*"), "note": note[0] if note else "",
        })  # fmt: skip
    return out


def node(name: str, spec: str, *, multi: bool = False, caption: str = "",
         children: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:  # fmt: skip
    """One node: ``name`` (``""`` for fields directly under ``input``), its fields, its children."""
    return {"node": name, "caption": caption, "multi": multi, "multi_from": "spec", "aliases": [],
            "fields": fields(spec), "children": list(children)}  # fmt: skip


def entry(infno: str, name: str, kind: str, source: str, inputs: Sequence[Mapping[str, Any]],
          outputs: Sequence[Mapping[str, Any]] = (), *, verified: bool = False) -> dict[str, Any]:  # fmt: skip
    """A catalogue entry; ``verified`` only where a published table gives the fields."""
    return {"infno": infno, "name": name, "kind": kind, "verified": verified, "source": source,
            "input": list(inputs), "output": list(outputs)}  # fmt: skip


def snake(name: str) -> str:
    """``hiRxno`` -> ``hi_rxno``; ``rxDetlList`` -> ``rx_detl_list``; snake_case stays as it is."""
    return _CAMEL.sub(r"_\1", name).lower()


def _snake_node(n: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(n)
    out["node"] = snake(str(n["node"]))
    out["aliases"] = []
    out["fields"] = [{**f, "code": snake(str(f["code"]))} for f in n["fields"]]
    out["children"] = [_snake_node(c) for c in n.get("children", [])]
    return out


def snake_entry(national: Mapping[str, Any], infno: str, name: str, source: str) -> dict[str, Any]:
    """A national entry renamed: the same nodes and fields, in snake_case, under ``infno``."""
    return entry(infno, name, str(national["kind"]), source, [_snake_node(n) for n in national["input"]],
                 [_snake_node(n) for n in national["output"]])  # fmt: skip
