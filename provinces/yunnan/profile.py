"""Yunnan (530000) as data: 云南省医疗保障信息平台定点医药机构接口 接入说明.

- §1.2 every call goes through the province's dynamic library (接口动态库), not HTTP:
  ``transport = "dll"``; the ``yibao_transport`` hook returns
  :class:`yibao.provinces.yunnan.dll.DllTransport`.
- §1.6 medium reading: 1191 before 1101 (e-voucher, ID card, social-security card ``cardtype``
  0 / electronic card 1); 1192 before 2207 / 2304 for ID-card persons.  Both run as the
  identify / settle workflows' token steps through ``yibao_read_medium``
  (:mod:`yibao.provinces.yunnan.medium`).  E-voucher tokens are valid 3 minutes.
- §1.7 sign-in rules (:mod:`yibao.provinces.yunnan.signin`).
- §1.11.6 after an inpatient settlement is reversed: 2405, then 2301 with fresh ``feedetl_sn``
  (``yibao_after_reversal``).
"""

from __future__ import annotations

from typing import Final

from yibao.core import RegionProfile, Routing

from .extras import EXTRA_TRANSACTIONS

__all__ = ["ECTOKEN_TTL_SECONDS", "KINDS", "YUNNAN"]

#: §1.6 每个电子凭证令牌的默认有效时间是3分钟.
ECTOKEN_TTL_SECONDS: Final = 180

_RECON = ("3201", "9101", "3202", "9102")
_OUTPATIENT = ("2201", "2203", "2204", "2206", "1192", "2207", "5201", "5202", "5203", "5204", "2208", "2205", "2202")
#: Institution kinds whose flows run the library's medium steps (§1.6): 1191 before every 1101,
#: 1192 before an ID-card person's 2207 / 2304; a day's business inside one sign-in cycle, signed
#: out at the end (§1.7); after a reversed 2304, 2405 and 2301 again (§1.11.6).
KINDS: Final[dict[str, tuple[str, ...]]] = {
    "pharmacy": ("9001", "1191", "1101", "2101", "2102", "5201", "5203", "5204", "2103", "2601", *_RECON, "9002"),
    "clinic": ("9001", "1191", "1101", *_OUTPATIENT, "2601", *_RECON, "9002"),
    "hospital": ("9001", "1191", "1101", *_OUTPATIENT, "2401", "5303", "2403", "2301", "2402", "2303", "2304",
                 "2305", "2405", "2302", "2404", "2601", *_RECON, "9002"),
}  # fmt: skip

YUNNAN = RegionProfile(
    code="530000",
    name="云南省 (Yunnan)",
    parent=None,
    plugin="yunnan",
    # The library decides where the message goes; the path only matters when the same flows are
    # rehearsed over HTTP against the sandbox (transport "http" in the configuration).
    routing=Routing(style="single"),
    transport="dll",
    # The [transport] keys DllTransport reads (yibao.provinces.yunnan.dll); others are refused.
    transport_options=frozenset({"library", "name", "calling", "function", "signature", "encoding", "output_size",
                                 "not_sent_codes", "not_sent_patterns"}),
    extra_transactions=EXTRA_TRANSACTIONS,
    token_steps={"identify": ("1191",), "2207": ("1192",), "2304": ("1192",)},
    ectoken_ttl_seconds=ECTOKEN_TTL_SECONDS,
    sign_out_stale_cycles=True,
    institution_kinds=KINDS,
    notes=(
        "transport through the province's dynamic library (yibao.provinces.yunnan.dll); 1191 "
        "medium read before 1101, 1192 before 2207 / 2304 for ID cards; e-voucher token 3 min; "
        "after a 2304 reversal: 2405 + 2301 with fresh feedetl_sn"
    ),
)
