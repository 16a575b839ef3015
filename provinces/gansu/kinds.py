"""Gansu's institution kinds for ``yibao acceptance`` (接入指引 §3, 表1, 附录1).

Each kind's list is the guide's flows in calling order, drawn from the 111-transaction baseline
(表1) by what the kind's business needs: 药店 §3.3 and 进销存, 门诊 §3.4 (with 门慢 / 门特: 2503
备案 and 门诊慢特病 settlements), 住院 §3.5 with 2403, 备案 (2501-2506), 对账 §3.6-§3.7 and §3.10,
and 目录验证 of 附录1: every catalogue 1301-1319, 1901, 3301 / 3302 目录对照.  Online payment
(§3.8, 6101 / 6201 / 6202) and external prescriptions (§3.9, 7101-7205) are 附录1's "其他": they
have no public Gansu table (``yibao.provinces.gansu.extras``) and are not on the lists.
"""

from __future__ import annotations

from typing import Final

__all__ = ["CATALOGUE", "KINDS"]

CATALOGUE: Final = ("1301", "1302", "1303", "1304", "1305", "1306", "1307", "1308", "1309", "1310", "1311", "1312",
                    "1313", "1314", "1315", "1316", "1317", "1318", "1319", "1901", "3301", "3302")  # fmt: skip
_RECON: Final = ("3201", "9101", "3202", "9102")
_OUTPATIENT: Final = ("2201", "2203", "2204", "2206", "2207", "2208", "2205", "2202")
_QUERIES: Final = ("5201", "5202", "5203", "5204", "5205", "5206")

KINDS: Final[dict[str, tuple[str, ...]]] = {
    "pharmacy": ("9001", "1101", "1201", *CATALOGUE, "2001", "2101", "2102", "2103", "2601", "5201", "5203",
                 "5204", "5205", "5206", "5301", "3101", "3501", "3502", "3505", "3506", *_RECON, "9002"),
    "clinic": ("9001", "1101", "1201", *CATALOGUE, "2001", "2503", "5301", *_OUTPATIENT, "2601", *_QUERIES,
               "2504", "3101", *_RECON, "9002"),
    "hospital": ("9001", "1101", "1201", *CATALOGUE, "2001", "2503", "5301", *_OUTPATIENT,
                 "2401", "5303", "2403", "2301", "2402", "2303", "2304", "2305", "2405", "2302", "2404",
                 "2601", *_QUERIES, "2504", "2501", "2501A", "2502", "5304", "2505", "2506", "5302",
                 "3101", "4101", "4401", *_RECON, "9002"),
}  # fmt: skip
