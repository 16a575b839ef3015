"""The catalogue files the centre writes (1301-1315) and its paged catalogue queries (1312, 1316-1319).

Read by the sandbox from the national baseline itself (Hunan V1.1.27, 【1301】-【1315】): each
file transaction's output ``filename`` 说明 lists the TXT columns as "第N列：...".  The
centre's writer needs four of them per kind (1-based, as printed): the row's code
(医疗目录编码, or the kind's own 代码 column), its name, 版本号 and 有效标志.  1312 and
1316-1319 answer pages of JSON rows (``page_num`` / ``page_size`` from ``updt_time``), keyed
by 唯一记录号 ``rid``.

The files are TXT in UTF-8, one row a line, TAB between columns, ``null`` for an empty value,
zipped, and fetched through 9102 with ``fixmedins_code`` = ``plc`` (表373 说明 3).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from typing import NamedTuple

__all__ = ["FILE_KINDS", "PAGED_KINDS", "CatalogueFile", "catalogue_line", "zip_lines"]


class CatalogueFile(NamedTuple):
    """Where the four columns the centre fills sit in one kind's TXT (1-based)."""

    title: str
    columns: int
    code: int
    name: int
    version: int
    valid: int


#: 【1301】-【1315】 file kinds (1312 is a paged query).  Column numbers as the baseline prints.
FILE_KINDS: dict[str, CatalogueFile] = {
    "1301": CatalogueFile("西药中成药目录", 97, code=1, name=4, version=83, valid=79),  # 药品通用名
    "1302": CatalogueFile("中药饮片目录", 33, code=1, name=2, version=18, valid=14),  # 单味药名称
    "1303": CatalogueFile("医疗机构制剂目录", 83, code=1, name=2, version=71, valid=65),  # 药品商品名
    "1305": CatalogueFile("医疗服务项目目录", 19, code=1, name=10, version=15, valid=7),  # 医疗服务项目名称
    "1306": CatalogueFile("医用耗材目录", 71, code=1, name=2, version=70, valid=68),  # 耗材名称
    "1307": CatalogueFile("疾病与诊断目录", 24, code=11, name=12, version=23, valid=19),  # 诊断代码 / 名称
    "1308": CatalogueFile("手术操作目录", 24, code=11, name=12, version=23, valid=19),  # 手术操作代码 / 名称
    "1309": CatalogueFile("门诊慢特病种目录", 16, code=1, name=15, version=10, valid=6),
    "1310": CatalogueFile("按病种付费病种目录", 15, code=2, name=3, version=10, valid=6),
    "1311": CatalogueFile("日间手术治疗病种目录", 15, code=2, name=3, version=8, valid=4),
    "1313": CatalogueFile("肿瘤形态学目录", 11, code=2, name=3, version=10, valid=6),
    "1314": CatalogueFile("中医疾病目录", 14, code=6, name=7, version=13, valid=9),
    "1315": CatalogueFile("中医证候目录", 14, code=6, name=7, version=13, valid=9),
}

#: 【1304】, 【1312】 and 【1316】-【1319】: paged JSON rows (the title only; rows carry their own fields).
PAGED_KINDS: dict[str, str] = {
    "1304": "民族药品目录查询",
    "1312": "医保目录信息查询",
    "1316": "医疗目录与医保目录匹配信息查询",
    "1317": "医药机构目录匹配信息查询",
    "1318": "医保目录限价信息查询",
    "1319": "医保目录先自付比例信息查询",
}

_NULL = "null"


def _cell(value: str) -> str:
    # The TXT has no escape: a TAB or line break inside a value would shift every later column.
    if not value:
        return _NULL
    return value.replace("\t", " ").replace("\r", " ").replace("\n", " ")


def catalogue_line(kind: str, code: str, name: str, version: str) -> str:
    """One TXT row of ``kind`` (without its line end): the four known columns, ``null`` elsewhere."""
    layout = FILE_KINDS[kind]
    cells = [_NULL] * layout.columns
    cells[layout.code - 1] = _cell(code)
    cells[layout.name - 1] = _cell(name)
    cells[layout.version - 1] = _cell(version)
    cells[layout.valid - 1] = "1"
    return "\t".join(cells)


def zip_lines(member: str, lines: Iterable[str]) -> bytes:
    """A ZIP holding one TXT member of ``lines`` (each ended by ``\\n``), deflated."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf, zf.open(member, "w") as out:
        for line in lines:
            out.write(line.encode("utf-8") + b"\n")
    return buf.getvalue()
