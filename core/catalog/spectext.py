"""Reading the cells and prose of the spec's field tables (national baseline, 输入/输出 tables).

Every transaction section (``【infno】name``) of the national baseline describes its nodes with
tables ``| 序号 | 参数代码 | 参数名称 | 参数类型 | 参数长度 | 代码标识 | 是否必填 | 说明 |``.
This module turns single cells into catalogue values:

- :func:`map_type` -- 参数类型 to the catalogue's type letters (C, N, NUM, D, DT, INT, bytes);
- :func:`parse_length` -- 参数长度 such as ``16,2`` / ``16，4`` / ``（16,2）`` to (length, scale);
- :func:`caption_node` -- the node name of a caption ``表 64 输入-购药信息（节点标识：druginfo）``;
- :func:`multi_from_text` -- which nodes the 重点说明 text calls 单行数据 / 多行数据.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = [
    "caption_core",
    "caption_node",
    "flag",
    "header_columns",
    "heuristic_multi",
    "is_structure_type",
    "map_type",
    "multi_from_text",
    "parse_length",
]

# Longest prefix first: 日期时间型 must win over 日期型, 数值 over 数字 is not ambiguous.
_TYPES: tuple[tuple[str, str], ...] = (
    ("日期时间", "DT"),
    ("日期", "D"),
    ("数值", "N"),
    ("BigDecimal", "N"),
    ("数字", "NUM"),
    ("整", "INT"),
    ("字节", "bytes"),
    ("文件", "bytes"),
    ("字符", "C"),
    ("VARCHAR", "C"),
    ("大文本", "C"),
    ("文本", "C"),
    ("longtext", "C"),
    ("Base64", "C"),
    ("JSON", "C"),
    ("布尔", "BOOL"),
)

# Words of a 参数类型 cell that announce a structure (a nested node, a map) rather than a value.
_STRUCTURE_WORDS = ("列表", "集合", "list", "List", "LIST", "对象", "DTO", "节点", "Map")


def is_structure_type(spec_type: str) -> bool:
    """True for 列表 / 集合 / List / 对象 / DTO / 节点 / Map types: the catalogue type ``OBJ``."""
    return any(word in spec_type for word in _STRUCTURE_WORDS)


def map_type(spec_type: str) -> str | None:
    """The catalogue type of a 参数类型 cell, or ``None`` when the cell names none we know.

    Besides the spec's seven types, 布尔型 is ``BOOL`` and structures (列表, 集合, 对象, Map, DTO)
    are ``OBJ`` (a JSON value the catalogue does not describe further).  Unknown words (prose cells
    of a few malformed tables) return ``None``; the parser keeps such a field as ``C`` and records
    the original word in its note.
    """
    text = spec_type.strip()
    if is_structure_type(text):
        return "OBJ"
    for prefix, code in _TYPES:
        if text.startswith(prefix):
            return code
    return None


_LEN_PAIR = re.compile(r"^[（(]?\s*(\d+)\s*[,，]\s*(\d+)\s*[)）]?$")
_LEN_ONE = re.compile(r"^[（(]?\s*(\d+)\s*[)）]?$")
_THOUSANDS = re.compile(r"^(\d{1,3}),(\d{3})$")


def parse_length(cell: str, type_code: str) -> tuple[int | None, int | None]:
    """(length, scale) of a 参数长度 cell.

    ``N`` with ``16,2`` is 16 digits of which 2 decimals; ``N`` with a single number has scale 0.
    A character field written ``2,000`` means 2000 characters (a thousands separator, as the
    spec's Word source printed it).  Anything else (``1M``, empty) is no limit: ``(None, None)``.
    """
    text = cell.strip()
    if not text:
        return None, None
    if type_code != "N":
        m = _THOUSANDS.match(text)
        if m:
            return int(m.group(1) + m.group(2)), None
    m = _LEN_PAIR.match(text)
    if m:
        length, scale = int(m.group(1)), int(m.group(2))
        if type_code == "N":
            return length, scale
        return length, None
    m = _LEN_ONE.match(text)
    if m:
        return int(m.group(1)), (0 if type_code == "N" else None)
    return None, None


def flag(cell: str) -> bool:
    """``Y`` / ``是`` in 代码标识 or 是否必填 / 是否非空 columns."""
    return cell.strip().upper() in ("Y", "是", "YES")


# Column headers seen in the baseline for the same meaning (some tables swap 代码 and 名称).
_HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("参数代码", "数据元标识", "数据项"),
    "name": ("参数名称", "数据元名称", "输出名"),
    "type": ("参数类型", "类型"),
    "length": ("参数长度", "长度", "输出值范围"),
    "dict": ("代码标识",),
    "required": ("是否必填", "是否非空"),
    "note": ("说明", "备注"),
}


def header_columns(cells: Sequence[str]) -> dict[str, int]:
    """Map the meaning of each column (code, name, type, ...) to its index in the header row."""
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        text = cell.strip()
        for key, names in _HEADER_ALIASES.items():
            if key not in found and text in names:
                found[key] = index
    return found


_NODE_ID = re.compile(r"节点(?:标识|表示)?\s*[：:]?\s*(?:List\s*<\s*)?([A-Za-z_][A-Za-z0-9_#]*)")
_ASCII_ID = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)")


def caption_node(caption: str) -> str:
    """The node name a caption declares; ``""`` for 无节点 (fields directly under input/output).

    Handles ``（节点标识：druginfo）``, ``（节点标识insuinfo）`` (no colon), ``节点表示： feedetl``,
    ``节点parameters`` and ``List<FsiApplDocResultDTO>``.  A caption without any node id falls
    back to its first ASCII word (``输入 feedetl参数集``), else ``""``.
    """
    if "无节点" in caption:
        return ""
    m = _NODE_ID.search(caption)
    if m:
        return m.group(1)
    m = _ASCII_ID.search(re.sub(r"^表\s*\d+", "", caption))
    return m.group(1) if m else ""


_CAPTION_CORE = re.compile(r"^(?:表\s*\d+\s*)?(?:表\s*)?(?:输入|输出)?\s*[-－—]?\s*")


def caption_core(caption: str) -> str:
    """The Chinese subject of a caption.

    ``表 65 输入-购药明细信息（节点标识：drugdetail）`` -> ``购药明细信息``.
    """
    text = re.split(r"[（(]", caption, maxsplit=1)[0]
    return _CAPTION_CORE.sub("", text.strip()).strip()


_CLAUSE_SPLIT = re.compile(r"[，,；;。\n]")
_ROWS = re.compile(r"(单行|多行)")
_LEAD = re.compile(r"^(?:\d+\s*[、.．)）]\s*)?(?:交易)?")


def multi_from_text(
    text: str, inputs: Sequence[tuple[str, str]], outputs: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], bool]:
    """Read 重点说明 for 单行数据 / 多行数据 statements.

    ``inputs`` / ``outputs`` are (node name, caption core) pairs.  Returns
    ``{("input"|"output", node name): multi}`` for the nodes the text decides; a clause without a
    subject (``交易输入为单行数据``) decides every node of its direction that no clause names.

    Clauses are split at punctuation; a clause without 输入/输出 inherits the direction of the
    previous one (``交易输入人员购药信息为单行数据，购药明细信息为多行数据``).  The subject is
    matched against caption cores: the longest core contained in the subject wins, else the
    shortest core containing the subject.
    """
    decided: dict[tuple[str, str], bool] = {}
    defaults: dict[str, bool] = {}
    direction = ""
    for clause in _CLAUSE_SPLIT.split(text):
        clause = clause.strip()
        if "输入" in clause:
            direction = "input"
        elif "输出" in clause:
            direction = "output"
        m = _ROWS.search(clause)
        if not m or not direction:
            continue
        multi = m.group(1) == "多行"
        subject = clause[: m.start()]
        subject = _LEAD.sub("", subject)
        subject = re.sub(r"^(?:输入|输出)", "", subject)
        subject = re.sub(r"(?:为|是|均为|都为)$", "", subject).strip()
        nodes = inputs if direction == "input" else outputs
        if not subject or subject in ("的", "信息", "数据"):
            defaults.setdefault(direction, multi)
            continue
        target = _match_subject(subject, nodes)
        if target is not None:
            decided[(direction, target)] = multi
        elif len(nodes) == 1:
            decided[(direction, nodes[0][0])] = multi
    for direction_name, nodes in (("input", inputs), ("output", outputs)):
        if direction_name in defaults:
            for name, _core in nodes:
                decided.setdefault((direction_name, name), defaults[direction_name])
    return decided


def _match_subject(subject: str, nodes: Sequence[tuple[str, str]]) -> str | None:
    contained = [(len(core), name) for name, core in nodes if core and core in subject]
    if contained:
        return max(contained)[1]
    containing = [(len(core), name) for name, core in nodes if core and subject in core]
    if containing:
        return min(containing)[1]
    by_name = [name for name, _core in nodes if name and name in subject]
    return by_name[0] if by_name else None


_MULTI_WORDS = ("列表", "明细", "多行")
_MULTI_NAMES = ("list", "detail", "dtos", "detl")


def heuristic_multi(name: str, caption: str) -> bool:
    """Row count when the spec text says nothing: the documented fallback.

    A caption saying 单行/多行 decides; else 列表 / 明细 in the caption, or a node name ending
    in ``list`` / ``detail`` / ``dtos`` / ``detl`` (``feedetail``, ``drugdetail``,
    ``fsi_order_dtos``), means many rows; anything else (``data``, ``setlinfo``) one row.
    """
    if "单行" in caption:
        return False
    if "多行" in caption or caption.strip().startswith("List") or "List<" in caption:
        return True
    core = caption_core(caption)
    if any(word in core for word in _MULTI_WORDS):
        return True
    lowered = name.lower()
    return any(lowered.endswith(suffix) for suffix in _MULTI_NAMES)
