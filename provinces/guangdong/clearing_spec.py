"""The Guangdong guide's 异地清分 transactions 3260 / 3261 / 3262 (``004_*.txt``).

The Guangdong document (``/shared/specs/004_623e0e444b3b734e.txt``, the envelope section
followed by 【3260】提取异地清分明细, 【3261】异地清分结果确认, 【3262】异地清分结果确认回退)
was extracted from Word with one table cell per line: each cell starts with two TABs, a cell's
later paragraphs follow without TABs, and rows are separated by blank lines.  This module turns
that layout back into the pipe rows the national-baseline parser reads, so both documents go
through one parser (:func:`yibao.core.catalog.parse_transactions`).

The entries are built once and checked in (``data/clearing.json``), with the Guangdong
document's own corrections (:data:`FIELD_OVERRIDES`, :data:`NODE_OVERRIDES`)::

    python -m yibao.provinces.guangdong.clearing_spec      # from the repository root

A cell's continuation paragraph (``如1月为01`` below ``格式为：MM``) is joined to the cell with a
space.  A row is complete once it has as many cells as the header row.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from yibao.core.catalog import FieldOverride, NodeOverride, apply_overrides, kind_of, parse_transactions

__all__ = ["DATA_FILE", "FIELD_OVERRIDES", "GUANGDONG_INFNOS", "NODE_OVERRIDES", "build_entries", "to_pipe_lines"]

DOCUMENT = "004_623e0e444b3b734e.txt"
DATA_FILE = Path(__file__).resolve().parent / "data" / "clearing.json"

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


_DT = "Guangdong guide: cell says 日期型, its note says yyyy-MM-dd HH:mm:ss"
FIELD_OVERRIDES: tuple[FieldOverride, ...] = (
    FieldOverride(("3260",), "output", ("mdtrt_setl_time",), {"type": "DT"}, _DT),
    FieldOverride(("3261",), "input", ("mdtrt_setl_time",), {"type": "DT"}, _DT),
    # 表9 prints otransid C22, yet §7 fills it with the 3261 reply's inf_refmsgid, which the
    # envelope table (表3) makes 30 characters (admdvs 6 + time 14 + serial 10).
    FieldOverride(("3262",), "input", ("otransid",), {"length": 30},
                  "Guangdong §7: the inf_refmsgid of 3261, 30 characters by 表3; the 3262 table's 22 is too short"),
    # 表8 prints mdtrt_id C20 (Guangdong's own 'S'+6+6+7 shape); it is the platform's mdtrt_id,
    # C30 everywhere else in the baseline, and 3260 hands it over as the centre issued it.
    FieldOverride(("3261",), "input", ("mdtrt_id",), {"length": 30},
                  "the platform's mdtrt_id is C30 in the baseline; 表8's C20 is too short for what 3260 returns"),
)
NODE_OVERRIDES: tuple[NodeOverride, ...] = (
    NodeOverride("3261", "input", ("data",), {"multi": False, "multi_from": "spec"},
                 "Guangdong guide: data carries trt_year/trt_month/totalrow once; 'detail' holds the many rows"),
)


def build_entries(specs: Path) -> list[dict[str, Any]]:
    """The catalogue entries of 3260-3262 parsed from the Guangdong guide, corrections applied."""
    lines = to_pipe_lines((specs / DOCUMENT).read_text(encoding="utf-8").splitlines())
    entries = parse_transactions(lines, source=f"{DOCUMENT} (Guangdong)")
    apply_overrides(entries, {}, fields=FIELD_OVERRIDES, nodes=NODE_OVERRIDES, supplements=())
    for entry in entries:
        entry["kind"] = kind_of(entry["infno"], entry["name"])
        entry["verified"] = True
    return entries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m yibao.provinces.guangdong.clearing_spec", description=__doc__)
    parser.add_argument("--specs", type=Path, default=Path("..") / "shared" / "specs", help="folder of the specs")
    parser.add_argument("--out", type=Path, default=DATA_FILE, help="the JSON file to write")
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(build_entries(args.specs), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
