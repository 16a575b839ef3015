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

__all__ = ["ECTOKEN_TTL_SECONDS", "YUNNAN"]

#: §1.6 每个电子凭证令牌的默认有效时间是3分钟.
ECTOKEN_TTL_SECONDS: Final = 180

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
    notes=(
        "transport through the province's dynamic library (yibao.provinces.yunnan.dll); 1191 "
        "medium read before 1101, 1192 before 2207 / 2304 for ID cards; e-voucher token 3 min; "
        "after a 2304 reversal: 2405 + 2301 with fresh feedetl_sn"
    ),
)
