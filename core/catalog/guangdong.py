"""The Guangdong guide's 异地清分 transactions 3260 / 3261 / 3262 (``004_*.txt``).

The Guangdong document (``/shared/specs/004_623e0e444b3b734e.txt``, the envelope section
followed by 【3260】提取异地清分明细, 【3261】异地清分结果确认, 【3262】异地清分结果确认回退)
was extracted from Word with one table cell per line: each cell starts with two TABs, a cell's
later paragraphs follow without TABs, and rows are separated by blank lines.  This module turns
that layout back into the pipe rows the national-baseline parser reads, so both documents go
through one parser (:func:`yibao.core.catalog.parser.parse_transactions`).

A cell's continuation paragraph (``如1月为01`` below ``格式为：MM``) is joined to the cell with a
space.  A row is complete once it has as many cells as the header row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["GUANGDONG_INFNOS", "to_pipe_lines"]

GUANGDONG_INFNOS = ("3260", "3261", "3262")

_SECTION = re.compile(r"^\s*【(\d{4})】")


def _section_lines(lines: Iterable[str], infnos: tuple[str, ...]) -> list[str]:
    """The lines from the first wanted 【infno】 heading to the end of the last wanted section."""
    out: list[str] = []
    keep = False
    for raw in lines:
        m = _SECTION.match(raw)
        if m:
            keep = m.group(1) in infnos
        if keep:
            out.append(raw.rstrip("\n"))
    return out


def to_pipe_lines(lines: Iterable[str], infnos: tuple[str, ...] = GUANGDONG_INFNOS) -> list[str]:
    """The wanted sections as markdown-like lines: prose as is, tables as ``| a | b |`` rows."""
    out: list[str] = []
    cells: list[str] | None = None  # the flat cells of the table being read
    for raw in _section_lines(lines, infnos):
        if raw.startswith("\t\t"):
            if cells is None:
                cells = []
            cells.append(raw[2:].strip())
            continue
        text = raw.strip()
        if not text:
            continue
        if cells is not None and cells and not _is_prose_start(text):
            # A further paragraph of the last cell (the notes column of 3260/3261/3262).
            cells[-1] = f"{cells[-1]} {text}".strip()
            continue
        if cells is not None:
            out.extend(_rows(cells))
            cells = None
        out.append(text)
    if cells is not None:
        out.extend(_rows(cells))
    return out


def _is_prose_start(text: str) -> bool:
    """Lines that end a table: a heading, a caption, a direction word, 无。"""
    return bool(_SECTION.match(text) or text.startswith(("表", "输入", "输出", "无", "交易", "重点说明")))


def _rows(cells: list[str]) -> list[str]:
    """Cut a table's flat cells into pipe rows; the header runs from 序号 to 说明 (its width)."""
    width = cells.index("说明") + 1 if "说明" in cells else 8
    rows: list[str] = []
    for start in range(0, len(cells), width):
        part = cells[start : start + width]
        part += [""] * (width - len(part))
        rows.append("| " + " | ".join(c.replace("|", "/") for c in part) + " |")
    return rows
