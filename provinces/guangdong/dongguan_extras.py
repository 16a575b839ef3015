"""Catalogue entries of the transactions Dongguan requires beyond the national baseline.

Same JSON shape as ``core/catalog/data/catalog.json`` (``infno``, ``name``, ``kind``,
``verified``, ``source``, ``input``/``output`` nodes), merged by ``Catalog.with_extra``.

- ``verified: true``: the fields come from a published spec table (``source`` says which).
- ``verified: false``: no public field table was found.  The entry is a *generic envelope*:
  its input is one field-less root node (无节点), so the caller's input is sent as given and nothing is
  invented.  ``source`` says what the name and kind rest on (附件6's interface list).

Transactions the national baseline already has (3505A, 3506A, 3501A, 3502A, 3512, 3513,
3101-3103, 4103, 2503-2506, 5301-5304) come from the national catalogue, and 3260-3262 from the
Guangdong supplementary document there; they are not repeated here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

__all__ = ["EXTRA_INFNOS", "EXTRA_TRANSACTIONS", "GENERIC_NOTE"]

_DOC = "东莞市医疗保障两定机构信息化事项要求 (附件6), interface list"
GENERIC_NOTE: Final = "generic envelope: no public field table; input sent as given"


def _f(code: str, name: str, type_: str = "C", length: int | None = None, *, required: bool = True,
       dict_: bool = False, note: str = "") -> dict[str, Any]:  # fmt: skip
    return {"code": code, "name": name, "type": type_, "length": length, "scale": None,
            "dict": dict_, "required": required, "note": note}  # fmt: skip


def _node(name: str, fields: list[dict[str, Any]], *, multi: bool = False, caption: str = "") -> dict[str, Any]:
    return {"node": name, "caption": caption, "multi": multi, "multi_from": "spec", "aliases": [],
            "fields": fields, "children": []}  # fmt: skip


def _generic(infno: str, name: str, kind: str, basis: str = _DOC) -> dict[str, Any]:
    return {
        "infno": infno,
        "name": name,
        "kind": kind,
        "verified": False,
        "source": f"assumed: {basis}; {GENERIC_NOTE}",
        "input": [_node("", [], caption=GENERIC_NOTE)],
        "output": [],
    }


# CFYYJG106 电子处方药师审方信息上传: 表 53 of the 电子处方 interface copy at
# d.pingjiangxian.com/html/new_rx/CFYYJG106.html (the only public field table found).
_CFYYJG106: Final[dict[str, Any]] = {
    "infno": "CFYYJG106",
    "name": "电子处方药师审方信息上传",
    "kind": "state",
    "verified": True,
    "source": "public spec copy d.pingjiangxian.com/html/new_rx/CFYYJG106.html (表 53)",
    "input": [
        _node(
            "rx_chk_up_info",
            [
                _f("hi_rxno", "医保处方编号", length=30),
                _f("epc_token", "电子处方令牌", length=100),
                _f("ec_token", "审方药师电子凭证令牌", length=64),
                _f("fixmedins_code", "定点医药机构编码", length=30),
                _f("fixmedins_name", "定点医药机构名称", length=200),
                _f("phar_cert_type", "审方药师证件类型", length=6, dict_=True),
                _f("phar_certno", "审方药师证件号码", length=50),
                _f("phar_code", "审方医保药师代码", length=50),
                _f("phar_name", "审方药师姓名", length=50),
                _f("rx_chk_opnn", "处方审核理由", length=2000),
                _f("rx_chk_time", "审核时间", "DT"),
                _f("rx_chk_stas_codg", "处方审核状态代码", length=10, dict_=True),
                _f("rx_sign_verify_sn", "处方签名验签流水号", length=40),
            ],
            caption="处方审方信息",
        )
    ],
    "output": [
        _node(
            "",
            [
                _f("msg_code", "成功标志", length=6, note="0-成功,其他表示失败"),
                _f("flag", "结果说明", length=200, required=False),
                _f("rx_chk_biz_sn", "处方审核业务流水号", length=30, required=False),
            ],
        )
    ],
}

_GENERIC: Final[tuple[tuple[str, str, str], ...]] = (
    # national numbering, but not in the national baseline we carry
    ("2501A", "转院备案A", "state"),
    ("4101A", "医疗保障基金结算清单信息上传A", "state"),
    ("4201A", "自费病人住院费用明细信息上传", "state"),
    ("4202", "自费病人住院就诊和诊断信息上传", "state"),
    ("4203", "自费病人就诊以及费用明细上传完成", "state"),
    ("4204", "自费病人住院费用明细删除", "state"),
    ("4205", "自费病人门诊就医信息上传", "state"),
    ("4206", "自费病人门诊就医信息删除", "state"),
    ("4207", "自费病人就医费用明细查询", "query"),
    ("4208", "自费病人就医就诊信息查询", "query"),
    ("4209", "自费病人就医诊断信息查询", "query"),
    # the city's own
    ("90100", "人员近一年缴费明细查询", "query"),
    ("90101", "生育登记查询", "query"),
    ("90104", "门慢门特登记查询(东莞)", "query"),
    ("90110", "人员定点信息查询(东莞)", "query"),
    ("90201", "生育登记", "state"),
    ("90206", "慢特病备案(东莞)", "state"),
    ("90210", "人员定点备案(东莞)", "state"),
    ("90211", "人员定点备案变更", "state"),
    ("90215", "转院信息查询(东莞)", "query"),
    ("90304", "撤销慢特病备案", "state"),
    ("90306", "撤销结算清单信息", "state"),
    ("90502", "月结对数查询", "query"),
    ("90504", "月结信息查询(东莞)", "query"),
    ("90517", "未就业配偶信息上传", "state"),
    # 线下医保电子处方 (pharmacy side)
    ("CFYYJG101", "电子处方线下流转授权", "state"),
    ("CFYYJG104", "电子处方下载", "query"),
    ("CFYYJG105", "电子处方信息核验", "query"),
    ("CFYYJG107", "药品销售出库明细上传", "state"),
    ("CFYYJG108", "药品销售出库明细撤销", "state"),
    ("CFYYJG109", "药品配送信息同步", "state"),
    ("CFYYJG110", "药品配送签收确认", "state"),
    ("CFYYJG111", "获取电子处方访问令牌", "query"),
    ("YDZF102", "在线库存上传", "state"),
    # 电子处方 (hospital side)
    ("CFYLJG001", "电子处方上传预核验", "query"),
    ("CFYLJG002", "电子处方医保电子签名", "state"),
    ("CFYLJG003", "电子处方上传", "state"),
    ("CFYLJG004", "电子处方撤销", "state"),
    ("CFYLJG005", "电子处方信息查询", "query"),
    ("CFYLJG006", "电子处方审核结果查询", "query"),
    ("CFYLJG007", "电子处方取药结果查询", "query"),
    ("CFYLJG008", "查询药店列表", "query"),
    ("CFYLJG009", "查询处方药品信息", "query"),
)

#: Codes the city uses that the national code tables lack (注意事项（一））: the profile's
#: ``dictionaries`` supplement, so validation accepts them in Dongguan only.
CITY_CODES: Final[Mapping[str, Mapping[str, str]]] = {
    "clr_type": {"9903": "省内异地门诊", "9904": "省内异地药店购药"},
    "med_type": {"9935": "独立门诊部个人账户支付"},
}


_OWN: Final[tuple[Mapping[str, Any], ...]] = (
    _CFYYJG106,
    *(_generic(infno, name, kind) for infno, name, kind in _GENERIC),
)
EXTRA_INFNOS: Final[frozenset[str]] = frozenset(str(e["infno"]) for e in _OWN)

#: The city's own entries (its codes 9903 / 9904 / 9935 go to the profile's ``dictionaries``).
EXTRA_TRANSACTIONS: Final[tuple[Mapping[str, Any], ...]] = _OWN
