"""The policy calculator of the sandbox: detail split and settlement (spec_reference §2.3, §2.4).

Deterministic and documented (``docs/sandbox.md``); every amount is ``Decimal`` quantised to
0.01 with ROUND_HALF_UP at the points marked ``q()``.

Detail split, per line (2101/2102 ``detlcutinfo``, 2204/2301 ``result``):

1. not in the catalogue, 丙类 (chrgitm_lv 03), a restricted item (lmt_used_flag 1) without
   hospital approval (hosp_appr_flag 1), or an unrestricted one refused by approval (2):
   the whole amount is ``fulamt_ownpay_amt``;
2. otherwise ``overlmt_amt`` = amount - q(cnt x pric_uplmt_amt) when the price is over the cap;
3. ``preselfpay_amt`` = q((amount - overlmt) x selfpay_prop) (先自付, 乙类);
4. ``inscp_scp_amt`` = the rest.  The four parts add up to the amount exactly.

Settlement, over the split lines:

- ``act_pay_dedc`` = min(in-scope, the deductible of kind and institution level);
- ratio = base(insurance group, kind) - level_step x (level - 1) + retiree bonus - other-province
  cut, within [0, max_ratio]; ``hifp_pay`` = min(q((in-scope - deductible) x ratio), cap);
- ``cvlserv_pay`` (civil servants, employees only) = q(rest x cvlserv_ratio), then
  ``maf_pay`` (低保 2303 / 特困 2304) = q(what is still left x maf_ratio);
- ``fund_pay_sumamt`` = hifp + cvlserv + maf; ``hosp_part_amt`` = 0;
  ``psn_part_amt`` = medfee - fund - hosp_part;
- ``acct_pay`` = min(balance, psn_part) only when ``acct_used_flag`` is "1" (共济 "2" is not
  modelled and pays nothing from the account); ``psn_cash_pay`` = psn_part - acct_pay.

So medfee_sumamt = fund_pay_sumamt + psn_part_amt + hosp_part_amt and
psn_part_amt = acct_pay + psn_cash_pay hold by construction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import attrs

from .rules import Kind, Locality, PolicyParams

__all__ = ["Settlement", "amount_matches", "q", "settle", "split_line"]

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def q(value: Decimal) -> Decimal:
    """Quantise to 0.01, ROUND_HALF_UP."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def amount_matches(cnt: Decimal, pric: Decimal, amount: Decimal) -> bool:
    """``det_item_fee_sumamt`` equals cnt x pric within one cent (prices have 6 decimals)."""
    return abs(cnt * pric - amount) <= CENT


def split_line(line: Mapping[str, Any], entry: Mapping[str, Any] | None) -> dict[str, Any]:
    """The split result row of one fee line (``line`` values: cnt, pric, det_item_fee_sumamt as Decimal)."""
    amount = q(Decimal(line["det_item_fee_sumamt"]))
    cnt, pric = Decimal(line["cnt"]), Decimal(line["pric"])
    appr = str(line.get("hosp_appr_flag") or "")
    memo = ""
    if entry is None:
        lv, typ, cap, prop, lmt = "03", "14", Decimal("0"), Decimal("1"), "0"
        memo = "目录外项目，全自费"
    else:
        lv, typ = entry["chrgitm_lv"], entry["med_chrgitm_type"]
        cap, prop, lmt = entry["pric_uplmt_amt"], entry["selfpay_prop"], entry["lmt_used_flag"]
    own = ZERO
    overlmt = ZERO
    pre = ZERO
    if entry is None or lv == "03":
        own = amount
        memo = memo or "丙类项目，全自费"
    elif (lmt == "1" and appr != "1") or (lmt != "1" and appr == "2"):
        own = amount
        memo = "限制使用项目未获医院审批，全自费" if lmt == "1" else "医院审批不通过，全自费"
    else:
        if cap > 0 and pric > cap:
            overlmt = amount - q(cnt * cap)
        pre = q((amount - overlmt) * prop)
    inscp = amount - own - overlmt - pre
    return {
        "feedetl_sn": str(line["feedetl_sn"]),
        "det_item_fee_sumamt": amount,
        "cnt": cnt,
        "pric": pric,
        "pric_uplmt_amt": cap,
        "selfpay_prop": prop,
        "fulamt_ownpay_amt": own,
        "overlmt_amt": overlmt,
        "preselfpay_amt": pre,
        "inscp_scp_amt": inscp,
        "chrgitm_lv": lv,
        "med_chrgitm_type": typ,
        "bas_medn_flag": "0",
        "hi_nego_drug_flag": "1" if entry is not None and lmt == "1" else "0",
        "chld_medc_flag": "0",
        "list_sp_item_flag": "0",
        "lmt_used_flag": lmt,
        "drt_reim_flag": "0",
        "memo": memo,
    }


@attrs.frozen
class Settlement:
    """The money of one settlement (all Decimal, 0.01)."""

    medfee_sumamt: Decimal
    fulamt_ownpay_amt: Decimal
    overlmt_selfpay: Decimal
    preselfpay_amt: Decimal
    inscp_scp_amt: Decimal
    act_pay_dedc: Decimal
    pool_prop_selfpay: Decimal
    hifp_pay: Decimal
    cvlserv_pay: Decimal
    maf_pay: Decimal
    fund_pay_sumamt: Decimal
    hosp_part_amt: Decimal
    psn_part_amt: Decimal
    acct_pay: Decimal
    psn_cash_pay: Decimal
    balc: Decimal
    cap: Decimal
    setldetail: tuple[Mapping[str, Any], ...]


def _ratio(
    params: PolicyParams, group: str, kind: Kind, level: int, psn_type: str, locality: Locality
) -> Decimal:
    ratio = params.ratio[(group, kind)] - params.level_step * (level - 1)
    if psn_type.startswith(("12", "13")):
        ratio += params.retiree_bonus
    if locality == "other":
        ratio -= params.other_cut
    return min(max(ratio, Decimal("0")), params.max_ratio)


def settle(
    split: Iterable[Mapping[str, Any]],
    *,
    params: PolicyParams,
    kind: Kind,
    level: int,
    insutype: str,
    psn_type: str,
    cvlserv_flag: str,
    idet_types: Iterable[str],
    locality: Locality,
    acct_used_flag: str,
    balance: Decimal,
) -> Settlement:
    """Settle split lines (see the module docstring for the rules)."""
    rows = list(split)
    medfee = sum((Decimal(r["det_item_fee_sumamt"]) for r in rows), ZERO)
    own = sum((Decimal(r["fulamt_ownpay_amt"]) for r in rows), ZERO)
    overlmt = sum((Decimal(r["overlmt_amt"]) for r in rows), ZERO)
    pre = sum((Decimal(r["preselfpay_amt"]) for r in rows), ZERO)
    inscp = sum((Decimal(r["inscp_scp_amt"]) for r in rows), ZERO)
    group = "emp" if insutype[:2] in {"31", "32", "33", "34", "35", "36", "37"} else "res"
    ratio = _ratio(params, group, kind, level, psn_type, locality)
    deductible = params.deductible[kind][level - 1]
    dedc = min(max(inscp, ZERO), deductible)
    pool_base = max(inscp - dedc, ZERO)
    cap = params.cap[kind]
    hifp = min(q(pool_base * ratio), cap)
    rest = pool_base - hifp
    cvlserv = q(rest * params.cvlserv_ratio) if cvlserv_flag == "1" and group == "emp" else ZERO
    rest -= cvlserv
    maf = q(rest * params.maf_ratio) if {"2303", "2304"} & set(idet_types) else ZERO
    fund = hifp + cvlserv + maf
    hosp_part = ZERO
    psn_part = medfee - fund - hosp_part
    acct = ZERO
    if acct_used_flag == "1" and psn_part > 0 and balance > 0:
        acct = min(balance, psn_part)
    cash = psn_part - acct
    detail: list[Mapping[str, Any]] = [
        {
            "fund_pay_type": "310100" if group == "emp" else "390100",
            "fund_pay_type_name": "基本医疗保险统筹基金" if group == "emp" else "城乡居民基本医疗保险基金",
            "inscp_scp_amt": q(inscp),
            "crt_payb_lmt_amt": q(cap),
            "fund_payamt": q(hifp),
            "setl_proc_info": "",
        },
    ]
    for code, name, amt in (
        ("320100", "公务员医疗补助基金", cvlserv),
        ("610100", "医疗救助基金", maf),
        ("310200", "职工基本医疗保险个人账户基金", acct),
    ):
        if amt:
            detail.append(
                {
                    "fund_pay_type": code,
                    "fund_pay_type_name": name,
                    "inscp_scp_amt": q(inscp),
                    "crt_payb_lmt_amt": ZERO,
                    "fund_payamt": q(amt),
                    "setl_proc_info": "",
                }
            )
    return Settlement(
        medfee_sumamt=q(medfee),
        fulamt_ownpay_amt=q(own),
        overlmt_selfpay=q(overlmt),
        preselfpay_amt=q(pre),
        inscp_scp_amt=q(inscp),
        act_pay_dedc=q(dedc),
        pool_prop_selfpay=ratio.quantize(Decimal("0.0001")),
        hifp_pay=q(hifp),
        cvlserv_pay=q(cvlserv),
        maf_pay=q(maf),
        fund_pay_sumamt=q(fund),
        hosp_part_amt=q(hosp_part),
        psn_part_amt=q(psn_part),
        acct_pay=q(acct),
        psn_cash_pay=q(cash),
        balc=q(balance - acct),
        cap=q(cap),
        setldetail=tuple(detail),
    )
