"""Parse the 字典表 (code tables) at the end of the national baseline into ``{name: {value: label}}``.

The section starts at the heading ``【4906字典表】`` (sic: the Word source glued the section
title to the last transaction number).  Each dictionary is a title line naming the field in
parentheses, a caption, and a table of code/label pairs, two pairs per row::

    就诊凭证类型(mdtrt_cert_type)
    表 408就诊凭证类型
    | 代码值 | 代码名称 | 代码值 | 代码名称 |
    | 01 | 医保电子凭证 | 03 | 社会保障卡 |

The dictionary name is the last ASCII name in parentheses of the title (``清算类别(clr_type)
(异地购药)`` is ``clr_type``; spaces inside, as in ``oprn_patn_type _code``, are dropped).  A
name seen twice merges its tables; the first label of a value wins.  A value cell that contains
Chinese (``03网上经办系统``, a typo of the source) is skipped: values are codes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .parser import DICTIONARY_SECTION

__all__ = ["parse_dictionaries"]

_TITLE_NAME = re.compile(r"[（(]\s*([A-Za-z][A-Za-z0-9_ \-]*?)\s*[)）]")
_CJK = re.compile(r"[\u3400-\u9fff]")


def _title_name(line: str) -> str | None:
    names = _TITLE_NAME.findall(line)
    if not names or line.startswith(("|", "表")):
        return None
    return re.sub(r"\s+", "", names[-1])


def parse_dictionaries(lines: Iterable[str]) -> dict[str, dict[str, str]]:
    """All code tables of the 字典表 section, in document order."""
    result: dict[str, dict[str, str]] = {}
    inside = False
    current: str | None = None
    for raw in lines:
        line = raw.strip()
        if not inside:
            inside = bool(DICTIONARY_SECTION.match(line))
            continue
        if line.startswith("附录"):
            break
        if not line.startswith("|"):
            name = _title_name(line)
            if name is not None:
                current = name
                result.setdefault(current, {})
            continue
        if current is None:
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cells[:2] == ["代码值", "代码名称"]:
            continue
        for value, label in zip(cells[0::2], cells[1::2], strict=False):
            if value and not _CJK.search(value):
                result[current].setdefault(value, label)
    return {name: values for name, values in result.items() if values}
