"""Parse the spec's transaction sections into catalogue entries (JSON-ready dicts).

Input is the text of the national baseline (``national_baseline_hunan_v1.1.27.md``): sections
start at lines ``【infno】name``; each has 重点说明 prose and field tables preceded by a caption
(``表 64 输入-购药信息（节点标识：druginfo）``, sometimes without 表 number).  The section
``【4906字典表】`` starts the dictionaries and ends the transactions.

One entry per transaction::

    {"infno", "name", "source", "verified", "input": [node...], "output": [node...]}
    node  = {"node", "caption", "multi", "multi_from", "aliases", "fields": [field...], "children": [node...]}
    field = {"code", "name", "type", "length", "scale", "dict", "required", "note"}

``multi_from`` is ``"spec"`` when 重点说明 (or the caption) says 单行/多行, else ``"heuristic"``
(:func:`yibao.core.catalog.spectext.heuristic_multi`).  A table row whose type is empty (or 列表)
and whose code is the node of a later caption in the same section (2102 ``durg_trac_info``) is a
nested node: it moves into its parent's ``children`` and is many rows.

Regenerate the checked-in data with ``python -m yibao.core.catalog.build`` (see that module).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from . import spectext

__all__ = ["DICTIONARY_SECTION", "parse_sections", "parse_transactions"]

_SECTION = re.compile(r"^【([0-9A-Za-z]+)】\s*(.*)$")
DICTIONARY_SECTION = re.compile(r"^【[^】]*字典表[^】]*】")
_DIRECTION_LINE = re.compile(r"^(?:[\d.]+\s*)?(输入|输出)(?:[:：].*)?$")
_HEADER = "| 序号 |"


def parse_sections(lines: Iterable[str]) -> list[tuple[str, str, list[str]]]:
    """Split the document into (infno, name, body lines); stops at the 字典表 section."""
    sections: list[tuple[str, str, list[str]]] = []
    current: tuple[str, str, list[str]] | None = None
    for raw in lines:
        line = raw.rstrip("\n")
        if DICTIONARY_SECTION.match(line):
            break
        m = _SECTION.match(line)
        if m:
            current = (m.group(1), m.group(2).strip(), [])
            sections.append(current)
        elif current is not None:
            current[2].append(line)
    return sections


def _cells(line: str) -> list[str]:
    text = line.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|"):
        text = text[:-1]
    return [c.strip() for c in text.split("|")]


def _field(cells: list[str], cols: dict[str, int]) -> dict[str, Any] | None:
    def cell(key: str) -> str:
        i = cols.get(key)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    code = re.sub(r"\s+", "", cell("code"))
    name = cell("name")
    if not re.match(r"^[A-Za-z_]", code) and re.match(r"^[A-Za-z_]", name):
        # 1304 prints the header as 参数名称 | 参数代码 but fills the cells the usual way round.
        code, name = re.sub(r"\s+", "", name), code
    if not code or not re.match(r"^[A-Za-z_]", code):
        return None
    spec_type = cell("type")
    type_code = spectext.map_type(spec_type)
    note = cell("note")
    if type_code == "OBJ" or (type_code is None and spec_type):
        note = f"{note} (spec type: {spec_type})".strip()
    if type_code is None:
        type_code = "C"
    length, scale = spectext.parse_length(cell("length"), type_code)
    return {
        "code": code,
        "name": name,
        "type": type_code,
        "length": length,
        "scale": scale,
        "dict": spectext.flag(cell("dict")),
        "required": spectext.flag(cell("required")),
        "note": note,
        "_spec_type": spec_type,
    }


def _key_points(body: list[str]) -> str:
    """The 重点说明 prose: from its heading to 交易对象 / the first table or direction line."""
    out: list[str] = []
    inside = False
    for line in body:
        text = line.strip()
        if text == "重点说明":
            inside = True
            continue
        if inside:
            if text.startswith(("交易对象", "|", "{", "表")) or _DIRECTION_LINE.match(text):
                break
            out.append(text)
    return "\n".join(out)


def _tables(body: list[str]) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """(direction, caption, fields) for every field table of a section body."""
    tables: list[tuple[str, str, list[dict[str, Any]]]] = []
    direction = "input"
    i = 0
    while i < len(body):
        text = body[i].strip()
        m = _DIRECTION_LINE.match(text)
        if m:
            direction = "input" if m.group(1) == "输入" else "output"
        if text.startswith(_HEADER):
            caption = body[i - 1].strip() if i > 0 else ""
            if caption.startswith("|") or _DIRECTION_LINE.match(caption):
                caption_text = "" if caption.startswith("|") else caption
            else:
                caption_text = caption
            cols = spectext.header_columns(_cells(text))
            rows: list[dict[str, Any]] = []
            i += 1
            while i < len(body) and body[i].strip().startswith("|"):
                row = _field(_cells(body[i]), cols)
                if row is not None:
                    rows.append(row)
                i += 1
            table_direction = direction
            core = re.split(r"[（(]", caption_text, maxsplit=1)[0]
            if "输入" in core:
                table_direction = "input"
            elif "输出" in core:
                table_direction = "output"
            # File layouts (3202's 输入文件参数说明) describe TXT columns, not JSON nodes.
            if "code" in cols and "文件参数说明" not in caption_text:
                tables.append((table_direction, caption_text, rows))
            continue
        i += 1
    return tables


def _build_nodes(
    tables: list[tuple[str, str, list[dict[str, Any]]]], direction: str
) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    by_name: dict[str, dict[str, Any]] = {}
    for table_direction, caption, rows in tables:
        if table_direction != direction:
            continue
        name = spectext.caption_node(caption)
        node = by_name.get(name)
        if node is None:
            node = {
                "node": name,
                "caption": caption,
                "multi": False,
                "multi_from": "heuristic",
                "aliases": [],
                "fields": [],
                "children": [],
            }
            by_name[name] = node
            nodes.append(node)
        seen = {f["code"] for f in node["fields"]}
        for row in rows:
            if row["code"] not in seen:
                seen.add(row["code"])
                node["fields"].append(row)
    # Nested nodes: a row without a value type whose code is another node of the section.
    for parent in list(nodes):
        for row in list(parent["fields"]):
            child = by_name.get(row["code"])
            is_node_type = row["_spec_type"] == "" or spectext.is_structure_type(row["_spec_type"])
            if child is not None and child is not parent and is_node_type and child in nodes:
                parent["fields"].remove(row)
                nodes.remove(child)
                child["multi"] = True
                child["multi_from"] = "heuristic"
                parent["children"].append(child)
    return nodes


def _decide_multi(nodes_in: list[dict[str, Any]], nodes_out: list[dict[str, Any]], points: str) -> None:
    def pairs(nodes: list[dict[str, Any]]) -> list[tuple[str, str]]:
        return [(n["node"], spectext.caption_core(n["caption"])) for n in nodes]

    decided = spectext.multi_from_text(points, pairs(nodes_in), pairs(nodes_out))
    for direction, nodes in (("input", nodes_in), ("output", nodes_out)):
        for node in nodes:
            caption = node["caption"]
            if "单行" in caption or "多行" in caption:
                node["multi"], node["multi_from"] = "多行" in caption, "spec"
            elif (direction, node["node"]) in decided:
                node["multi"], node["multi_from"] = decided[(direction, node["node"])], "spec"
            else:
                node["multi"] = spectext.heuristic_multi(node["node"], caption)


def _strip_private(nodes: list[dict[str, Any]]) -> None:
    for node in nodes:
        for f in node["fields"]:
            f.pop("_spec_type", None)
        _strip_private(node["children"])


_REMARK = re.compile(r"^(.*?)[（(]([^（）()]{4,})[)）]$")


def _split_remark(heading: str) -> tuple[str, str]:
    """Split an editor's remark off a heading: ``冲正交易（这个尽量别用）`` -> (冲正交易, 这个尽量别用).

    The Hunan copy annotates some headings (已废除 ..., 最好不用 ...); the name is what comes
    before.  Short parentheses that are part of the name (``医疗服务项目（新）目录下载``) stay.
    """
    m = _REMARK.match(heading)
    return (m.group(1).strip(), m.group(2).strip()) if m else (heading, "")


def parse_transactions(lines: Iterable[str], *, source: str) -> list[dict[str, Any]]:
    """Catalogue entries for every 【infno】 section of ``lines`` (in document order)."""
    entries: list[dict[str, Any]] = []
    for infno, heading, body in parse_sections(lines):
        name, remark = _split_remark(heading)
        tables = _tables(body)
        nodes_in = _build_nodes(tables, "input")
        nodes_out = _build_nodes(tables, "output")
        _decide_multi(nodes_in, nodes_out, _key_points(body))
        _strip_private(nodes_in)
        _strip_private(nodes_out)
        entries.append(
            {
                "infno": infno,
                "name": name,
                "source": f"{source} 【{infno}】" + (f" (remark in the heading: {remark})" if remark else ""),
                "verified": True,
                "input": nodes_in,
                "output": nodes_out,
            }
        )
    return entries
