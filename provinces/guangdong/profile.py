"""Guangdong (440000) as data: 广东省医疗保障信息平台两定医药机构接入指引.

- §1.1 test gateway ``igb.hsa.gdgov.cn`` bound to the bureau's IP through the hosts file:
  in yibao that is ``[gateway] resolve = {"igb.hsa.gdgov.cn" = "<IP the bureau gives>"}``.
- §2 x-tif headers; transactions are POSTed to ``base + /hsa/hgs/{infno}`` where the base is
  the environment's ``http://igb.hsa.gdgov.cn/ebus/gdyb_inf/poc`` (test).  The production base is
  announced before go-live (正式环境地址上线前另行通知); :data:`ENVIRONMENTS` carries our
  assumption by analogy with the card-initialisation URL and says so.
- §3 card-initialisation URLs of the reader DLL (``Init(pUrl, pUser)``) for test / production.
- §5 a fresh e-voucher code for 2207 and 2304 (``fresh_ectoken_for``).
- §6 9101 carries the zip as a byte array (``file_in_encoding = "array"``), txt tab-separated.
- §7 3260-3262 (异地清分) come from the supplementary document and the catalogue.
"""

from __future__ import annotations

from typing import Final

import attrs

from yibao.core import RegionProfile, Routing

from .extras import EXTRA_TRANSACTIONS

__all__ = ["CARD_INIT_URLS", "ENVIRONMENTS", "GATEWAY_HOST", "GUANGDONG", "KINDS", "Environment"]

GATEWAY_HOST: Final = "igb.hsa.gdgov.cn"


@attrs.frozen
class Environment:
    """One Guangdong environment: gateway base, card-initialisation URL, and how sure we are."""

    name: str
    base_url: str
    card_init_url: str
    verified: bool
    source: str


#: §3 读卡初始化地址, verbatim from the document.
CARD_INIT_URLS: Final[dict[str, str]] = {
    "test": "http://igb.hsa.gdgov.cn/gdyb_inf/poc/api/card/initDll",
    "production": "http://igb.hsa.gdgov.cn/gdyb_api/prd/api/card/initDll",
}

ENVIRONMENTS: Final[dict[str, Environment]] = {
    "test": Environment(
        name="test",
        base_url="http://igb.hsa.gdgov.cn/ebus/gdyb_inf/poc",
        card_init_url=CARD_INIT_URLS["test"],
        verified=True,
        source="§1.1 test gateway igb.hsa.gdgov.cn; path prefix as in §3's test card URL",
    ),
    "production": Environment(
        name="production",
        base_url="http://igb.hsa.gdgov.cn/ebus/gdyb_api/prd",
        card_init_url=CARD_INIT_URLS["production"],
        # The document announces production later; the prefix mirrors §3's production card URL.
        verified=False,
        source="assumed from §3's production card URL (gdyb_api/prd); confirm with the bureau",
    ),
}

_RECON = ("3201", "9101", "3202", "9102")
_CLEAR = ("3260", "3261", "3262")
_OUTPATIENT = ("2201", "2203", "2204", "2206", "2207", "5201", "5202", "5203", "5204", "2208", "2205", "2202")
#: The institution kinds of the guide (接入指引): every settlement identifies the person through the
#: province's card reader (§3: ID card, social-security card, e-voucher QR), an e-voucher person
#: gets a new code before 2207 / 2304 (§5), the reconciliation files go as byte arrays (§6), and
#: 异地清分 3260-3262 (§7) closes the month.  2601 reverses a settlement whose answer was lost.
KINDS: Final[dict[str, tuple[str, ...]]] = {
    "pharmacy": ("9001", "1101", "2101", "2102", "5201", "5203", "5204", "2103", "2601", *_RECON, *_CLEAR),
    "clinic": ("9001", "1101", *_OUTPATIENT, "2601", *_RECON, *_CLEAR),
    "hospital": ("9001", "1101", *_OUTPATIENT, "2401", "5303", "2403", "2301", "2402", "2303", "2304", "2305", "2405",
                 "2302", "2404", "2601", *_RECON, *_CLEAR),
}  # fmt: skip

GUANGDONG = RegionProfile(
    code="440000",
    name="广东省 (Guangdong)",
    parent=None,
    plugin="guangdong",
    # 9101 / 9102 take the same base + infno route as every other transaction here.
    routing=Routing(style="infno_path", path="/hsa/hgs/{infno}", file_upload_path=None, file_download_path=None),
    auth="x-tif",
    fresh_ectoken_for=frozenset({"2207", "2304"}),
    extra_transactions=EXTRA_TRANSACTIONS,
    file_in_encoding="array",
    card_readers={
        "gd-dll": "yibao.provinces.guangdong.readers:DllCardReader",
        "simulated": "yibao.provinces.guangdong.simulated:SimulatedReader",
        "sandbox": "yibao.provinces.guangdong.simulated:SandboxReader",
    },
    institution_kinds=KINDS,
    notes=(
        "x-tif gateway igb.hsa.gdgov.cn (bind with gateway.resolve); base + /hsa/hgs/{infno}; "
        "new e-voucher code for 2207 / 2304 (§5); 9101 as byte array (§6); 3260-3262 (§7)"
    ),
)
