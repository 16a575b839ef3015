"""Dongguan (441900) rules as data: 东莞市医疗保障两定机构信息化事项要求 (附件6).

Three institution kinds, each with the interfaces the city requires (一、需实现的接口) in the
order an acceptance run calls them, the fixed field values of 注意事项（一）, the 清算类别 of
3201 / 3202 by kind and person's region, and the person classification by ``insuplc_admdvs``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

__all__ = [
    "ACCT_PAY_WARNING",
    "CLR_TYPES",
    "CONDITIONAL_GROUPS",
    "DONGGUAN_CODE",
    "KINDS",
    "KIND_FIXED_FIELDS",
    "LOCAL_PREFIX",
    "PROVINCE_PREFIX",
    "REQUIRED",
    "acceptance_notes",
    "acct_pay_warning",
]

DONGGUAN_CODE: Final = "441900"
#: 【1101】insuplc_admdvs: 本市 4419 开头, 省内异地 44 开头且非 4419, 跨省异地 非 44 开头.
LOCAL_PREFIX: Final = "4419"
PROVINCE_PREFIX: Final = "44"

KINDS: Final = ("pharmacy", "clinic", "hospital")

_ENVELOPE = {"mdtrtarea_admvs": DONGGUAN_CODE}

#: 注意事项（一）字段固定值, by kind.  The pharmacy values are the city profile's own fixed
#: fields (a Dongguan deployment is a pharmacy unless it says otherwise); the clinic values
#: apply to an independent clinic (独立门诊部个人账户支付) only, so they live here and are merged
#: by :func:`yibao.provinces.guangdong.dongguan.profile_for_kind`.
KIND_FIXED_FIELDS: Final[Mapping[str, Mapping[str, Mapping[str, Mapping[str, Any]]]]] = {
    "pharmacy": {
        "2101": {"druginfo": {"med_type": "41"}, "envelope": _ENVELOPE},
        "2102": {"druginfo": {"med_type": "41"}, "envelope": _ENVELOPE},
    },
    "clinic": {
        "2203": {"mdtrtinfo": {"med_type": "9935"}, "envelope": _ENVELOPE},
        "2204": {"envelope": _ENVELOPE},
        "2206": {"data": {"med_type": "9935", "psn_setlway": "01"}, "envelope": _ENVELOPE},
        "2207": {"data": {"med_type": "9935", "psn_setlway": "01"}, "envelope": _ENVELOPE},
    },
    # 使用医保统筹基金支付的医疗机构: no fixed values in the document beyond the area code.
    "hospital": {},
}

#: 3201 / 3202 clr_type: 药店 本市 41 药店购药 / 省内异地 9904; 独立门诊部 本市 11 门诊 / 省内异地 9903.
#: Hospitals and cross-province persons: the document names none, the national default applies.
CLR_TYPES: Final[Mapping[str, Mapping[str, str]]] = {
    "pharmacy": {"local": "41", "province": "9904"},
    "clinic": {"local": "11", "province": "9903"},
}

_RECONCILE = ("9101", "9102", "3201", "3202", "90502", "90504")
_CLEARING = ("3260", "3261", "3262", "2601")
_TRACE_SALES = ("3505", "3505A", "3506", "3506A")
_TRACE_STOCK = ("3501", "3501A", "3502", "3502A", "3513", "3512")
_AUDIT = ("3101", "3102", "3103")

#: 一、需实现的接口, in a sensible calling order (sign in, identify, settle, cancel, query, trace
#: codes, audit, reconcile, clearing).  6101 stands beside 1101 on every list: 附件6 demands
#: "需能通过6101接口解码获取身份核验令牌-ectoken" under 1101 for all three kinds.
#: 提取异地清分明细 is 3260 (Guangdong §7).
REQUIRED: Final[Mapping[str, tuple[str, ...]]] = {
    "pharmacy": (
        "9001", "1101", "6101", "2101", "2102", "5201", "5203", "5204", "2103",
        *_TRACE_SALES, "3513", *_AUDIT, *_RECONCILE, *_CLEARING,
        # 线下医保电子处方相关接口
        "CFYYJG111", "CFYYJG101", "CFYYJG104", "CFYYJG105", "CFYYJG106", "CFYYJG107",
        "CFYYJG108", "CFYYJG109", "CFYYJG110", "YDZF102",
    ),
    "clinic": (
        "9001", "1101", "6101", "2201", "2203", "2204", "2206", "2207", "5201", "5203", "5204",
        "2208", "2205", "2202", *_TRACE_SALES, *_TRACE_STOCK, *_AUDIT, *_RECONCILE, *_CLEARING,
    ),
    "hospital": (
        "9001", "1101", "6101", "1201", "1901", "90100",
        # (一) 门诊业务
        "2201", "2203", "2204", "2206", "2207", "5201", "5202", "5203", "5204",
        "2208", "2205", "2202",
        # (二) 住院业务
        "2401", "5303", "2403", "2301", "2402", "2303", "2304", "2305", "2405", "2302", "2404", "4401",
        # 审批备案类 (the document's "2502-人员慢特病备案" is 2503 in the national numbering)
        "2501", "2501A", "90215", "5304", "2503", "2505", "90206", "90304", "90104",
        "5301", "5302", "90210", "90211", "90110",
        # 自费结算数据上传
        "4201", "4201A", "4202", "4203", "4204", "4205", "4206", "4207", "4208", "4209",
        # 电子处方
        "CFYLJG008", "CFYLJG009", "CFYLJG001", "CFYLJG002", "CFYLJG003", "CFYLJG004",
        "CFYLJG005", "CFYLJG006", "CFYLJG007",
        *_TRACE_SALES, *_TRACE_STOCK, *_AUDIT, "4101A", "4103", "90306", *_RECONCILE, *_CLEARING,
    ),
}  # fmt: skip

#: Interfaces the document requires only for some institutions (its 其他 paragraphs), selected
#: with ``yibao acceptance --with GROUP``: ``chronic`` (其他: 如存在医疗类别14-门诊慢特病服务范畴)
#: and ``maternity`` (90201/90101/90517: 存在生育业务服务范畴机构需实现).
CONDITIONAL_GROUPS: Final[Mapping[str, Mapping[str, tuple[str, ...]]]] = {
    "pharmacy": {"chronic": ("90104", "5301", "5302")},  # 医疗类别 14 门诊慢特病
    "clinic": {},
    "hospital": {"maternity": ("90201", "90101", "90517")},  # 生育业务
}

ACCT_PAY_WARNING: Final = "个人账户已通过接口直接扣除 (acct_pay={acct_pay})，无需再刷POS机，避免重复扣参保人个账！"


#: The settlements that can charge the personal account (the cancels 2103 / 2208 / 2305 refund it).
CHARGES: Final = frozenset({"2102", "2207", "2304"})


def acct_pay_warning(infno: str, acct_pay: Decimal) -> str | None:
    """注意事项（一）: the warning a cashier must see when a settlement already paid from the account.

    When a settlement's ``acct_pay`` is more than zero the personal account was charged through
    the interface, and swiping the POS again would charge it twice.  A cancel refunds the
    account (its ``acct_pay`` is negative or a refund): nothing to warn about.  ``None`` when
    there is nothing to say.
    """
    if infno not in CHARGES or acct_pay <= 0:
        return None
    return ACCT_PAY_WARNING.format(acct_pay=format(acct_pay, "f"))


_SCREEN = "提供界面截图验收"
_SCREEN_QUERY = "提供界面查询截图验收"
_LOG = "提供使用日志"
_BACK = "提供界面截图，后台查验上传数据验收"
_RECON = "完成对账，提供界面截图验收"
_CLEAR = "提供功能界面截图验收即可"

#: The document's 【...】 notes per interface (the evidence the bureau asks for).
_NOTES: Final[Mapping[str, str]] = {
    "1101": (
        "需能通过6101接口解码获取身份核验令牌-ectoken，实现就诊凭证类型01-医保电子凭证获取；"
        "能正常读取港澳台、非大陆证件证件类型"
    ),
    "2102": "需上传追溯码，完成至少1笔身份证读卡结算和1笔医保电子凭证全流程结算，提供结算ID和结算过程录屏验收",
    "2207": "完成至少1笔身份证读卡结算和1笔医保电子凭证全流程结算，提供结算ID和结算过程录屏验收",
    "2103": "提供界面截图，并正常办理，后台验收",
    "2202": "提供界面截图，并正常办理，后台验收",
    "5201": _SCREEN_QUERY, "5202": _SCREEN_QUERY, "5203": _SCREEN_QUERY, "5204": _SCREEN_QUERY,
    "90100": _SCREEN_QUERY, "1201": _SCREEN_QUERY, "1901": _SCREEN_QUERY, "90104": _SCREEN_QUERY,
    "5301": _SCREEN_QUERY, "5302": _SCREEN_QUERY,
    "3505": _BACK, "3505A": _BACK, "3506": _BACK, "3506A": _BACK, "3501": _BACK, "3501A": _BACK,
    "3502": _SCREEN, "3502A": _SCREEN, "3513": _SCREEN, "3512": _SCREEN,
    "3101": _LOG, "3102": _LOG, "3103": _LOG,
    "9101": _RECON, "9102": _RECON, "3201": _RECON, "3202": _RECON,
    "90502": "查出数据提供界面截图验收", "90504": _SCREEN,
    "6101": "(1101) 需能通过6101接口解码获取身份核验令牌-ectoken",
    "3260": _CLEAR, "3261": _CLEAR, "3262": _CLEAR, "2601": _CLEAR,
    "2501": _SCREEN, "2501A": _SCREEN, "90215": _SCREEN, "5304": _SCREEN, "2503": _SCREEN, "2505": _SCREEN,
    "90206": _SCREEN, "90304": _SCREEN, "90210": _SCREEN, "90211": _SCREEN, "90110": _SCREEN,
    **{f"CFYYJG{n}": _LOG for n in ("101", "104", "105", "106", "107", "108", "109", "110", "111")},
    "YDZF102": _LOG,
}  # fmt: skip


def acceptance_notes(kind: str) -> dict[str, str]:
    """The notes of the interfaces ``kind`` must show (on its list or one of its groups)."""
    listed = set(REQUIRED.get(kind, ())) | {i for g in CONDITIONAL_GROUPS.get(kind, {}).values() for i in g}
    return {infno: note for infno, note in _NOTES.items() if infno in listed}
