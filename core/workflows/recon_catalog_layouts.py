"""Catalogue file layouts of 1301-1315 and the paged catalogue queries 1312, 1316-1319 (data only).

National baseline 【1301】-【1315】: the output ``filename`` 说明 lists the TXT columns ("第N列");
the rows come as a ZIP through 9102 with ``fixmedins_code`` = ``plc`` (表373).  Which column
holds the code, the name, the 版本号 and the 有效标志 was read from those lists (1-based, as
printed).  1312 and 1316-1319 are queries paged by ``page_num`` / ``page_size`` from a local
``updt_time``; their rows are JSON objects keyed by ``rid`` (唯一记录号).

Shared by the client (:mod:`.catalogue`) and the sandbox's catalogue handlers.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["FILE_KINDS", "INITIAL_VERSION", "PAGED_KINDS", "FileLayout", "PagedLayout"]

#: 本地最大版本号 before the first download (HN: "初始值 v0000").
INITIAL_VERSION = "v0000"


class FileLayout(NamedTuple):
    """Columns of one catalogue TXT (1-based positions)."""

    title: str
    columns: int
    code: int
    name: int
    version: int
    valid: int


FILE_KINDS: dict[str, FileLayout] = {
    "1301": FileLayout("西药中成药目录", 97, 1, 4, 83, 79),
    "1302": FileLayout("中药饮片目录", 33, 1, 2, 18, 14),
    "1303": FileLayout("医疗机构制剂目录", 83, 1, 2, 71, 65),
    "1305": FileLayout("医疗服务项目目录", 19, 1, 10, 15, 7),
    "1306": FileLayout("医用耗材目录", 71, 1, 2, 70, 68),
    "1307": FileLayout("疾病与诊断目录", 24, 11, 12, 23, 19),
    "1308": FileLayout("手术操作目录", 24, 11, 12, 23, 19),
    "1309": FileLayout("门诊慢特病种目录", 16, 1, 15, 10, 6),
    "1310": FileLayout("按病种付费病种目录", 15, 2, 3, 10, 6),
    "1311": FileLayout("日间手术治疗病种目录", 15, 2, 3, 8, 4),
    "1313": FileLayout("肿瘤形态学目录", 11, 2, 3, 10, 6),
    "1314": FileLayout("中医疾病目录", 14, 6, 7, 13, 9),
    "1315": FileLayout("中医证候目录", 14, 6, 7, 13, 9),
}


class PagedLayout(NamedTuple):
    """Fields of one paged catalogue query's rows."""

    title: str
    code: str
    name: str | None


PAGED_KINDS: dict[str, PagedLayout] = {
    # 【1304】 民族药品目录查询 is a paged query in the baseline, like 1312 (its rows carry rid, updt_time).
    "1304": PagedLayout("民族药品目录", "med_list_codg", "drug_genname"),
    "1312": PagedLayout("医保目录信息", "hilist_code", "hilist_name"),
    "1316": PagedLayout("医疗目录与医保目录匹配信息", "med_list_codg", None),
    "1317": PagedLayout("医药机构目录匹配信息", "medins_list_codg", "medins_list_name"),
    "1318": PagedLayout("医保目录限价信息", "hilist_code", None),
    "1319": PagedLayout("医保目录先自付比例信息", "hilist_code", None),
}
