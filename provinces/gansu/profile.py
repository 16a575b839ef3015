"""Gansu (620000) as data: 甘肃省医疗保障信息平台两定医疗机构 API 接入指引 (2021-02).

- §2.1 URL form ``http://{IP 地址或域名:端口}/{应用账户编码}/{服务开放路径}``.  We keep the
  account code (应用账户编码) in the *base URL* of the configuration, e.g.
  ``gateway.url = "http://gateway:8080/APPCODE"``, and the 服务开放路径 as the routing path, so
  the engine's ``base + path`` rule covers it without a Gansu-specific hook.  The service path
  is the national ``/fsi/api/rsfComIfsService/callService`` (infno in the body) unless the
  bureau says otherwise; then set ``[gateway] path`` in the configuration.
- §2.2 x-tif headers (the national signature), §2.3 gateway errors ``{errcode, message}``.
- §3.2 medium rules (01 single-use e-voucher; 02 ID number; 03 with ``card_sn`` and
  ``psn_cert_type`` 1 for cross-province cards; 03 + ``psn_cert_type`` 99 for other
  documents) are in :mod:`yibao.provinces.gansu.medium`.
- §3.1.5 every settlement reads the medium again and verifies its password
  (``reread_medium_for``; the settle workflows take ``reader=``).
- §3.8 6201 / 6202 are served *by the institution*: :mod:`yibao.provinces.gansu.receiver`.
- Institution kinds for ``yibao acceptance`` (:mod:`.kinds`) and the 附录1 form (:mod:`.form`).
"""

from __future__ import annotations

from yibao.core import RegionProfile, Routing

from .extras import EXTRA_TRANSACTIONS
from .extras import SERVED_BY_INSTITUTION as _SERVED
from .kinds import KINDS

__all__ = ["BASELINE_INFNOS", "GANSU", "ONLINE_SERVED_BY_INSTITUTION", "SERVED_BY_INSTITUTION"]

#: 表 1 of the baseline version ("基线版本提供的111个接口"; the table has 113 rows with 2203A / 2501A).
BASELINE_INFNOS: tuple[str, ...] = (
    "1101", "1201",
    "1301", "1302", "1303", "1304", "1305", "1306", "1307", "1308", "1309", "1310",
    "1311", "1312", "1313", "1314", "1315", "1316", "1317", "1318", "1319",
    "1901", "2001", "2101", "2102", "2103",
    "2201", "2202", "2203", "2203A", "2204", "2205", "2206", "2207", "2208",
    "2301", "2302", "2303", "2304", "2305",
    "2401", "2402", "2403", "2404", "2405",
    "2501", "2501A", "2502", "2503", "2504", "2505", "2506", "2601",
    "3101", "3201", "3202", "3301", "3302", "3401", "3402", "3403",
    "3501", "3502", "3503", "3504", "3505", "3506", "3507",
    "4101", "4201", "4301", "4302", "4401", "4402",
    "4501", "4502", "4503", "4504", "4505", "4506", "4601", "4602", "4701",
    "5101", "5102", "5201", "5202", "5203", "5204", "5205", "5206",
    "5301", "5302", "5303", "5304", "5401", "5402",
    "6101", "6201", "6202",
    "7101", "7102", "7103", "7104", "7201", "7202", "7203", "7204", "7205",
    "9001", "9002", "9101", "9102",
)  # fmt: skip

#: §3.8 / 表 1 二级分类 "2-定点医药机构提供接口": the centre calls the institution for these.
ONLINE_SERVED_BY_INSTITUTION: frozenset[str] = frozenset({"6201", "6202"})
#: Everything the receiver serves: the online-payment calls and §3.9's feedback to the prescriber.
SERVED_BY_INSTITUTION = _SERVED

GANSU = RegionProfile(
    code="620000",
    name="甘肃省 (Gansu)",
    parent=None,
    plugin="gansu",
    routing=Routing(style="single", path="/fsi/api/rsfComIfsService/callService"),
    auth="x-tif",
    extra_transactions=EXTRA_TRANSACTIONS,
    # §3.2 writes 居民身份证 as psn_cert_type "1" for a cross-province card (the dictionary's 01).
    dictionaries={"psn_cert_type": {"1": "居民身份证(甘肃接入指引§3.2的写法)"}},
    # §3.1.5: 为了交易安全，所有结算时都需要进行读取就诊介质和密码验证.
    reread_medium_for=frozenset({"2102", "2207", "2304"}),
    institution_kinds=KINDS,
    notes=(
        "x-tif gateway; URL http://{host}/{应用账户编码}/{服务开放路径}: put the account code in "
        "gateway.url; 111 baseline transactions; 6201/6202 served by the institution "
        "(yibao.provinces.gansu.receiver)"
    ),
)
