"""Settlement plumbing shared by pharmacy (2101-2103), outpatient (2206-2208) and inpatient
(2303-2305): split the fee lines, run the policy, build ``setlinfo`` / ``setldetail``, write the
ledger, and cancel (spec_reference §2.1-§2.4).

Settlement replies always carry ``clr_type``, ``clr_optins`` (= the person's
``insuplc_admdvs``) and ``clr_way`` ``"1"``: the keys by which 3201 groups the books.
A cancel reply reports the reverse record: a new ``setl_id`` and the original's amounts negated
(the spec does not state the sign; negative is what live centres are reported to send).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from .books import dec, req
from .handlers import CallContext, Refusal
from .policy import Settlement, amount_matches, settle, split_line
from .rules import Kind
from .seed import catalog_entry

__all__ = ["cancel", "clr_keys", "compute", "record", "setlinfo", "split_rows"]

ZERO = Decimal("0.00")
_NEGATED = (
    "medfee_sumamt",
    "fulamt_ownpay_amt",
    "overlmt_selfpay",
    "preselfpay_amt",
    "inscp_scp_amt",
    "act_pay_dedc",
    "hifp_pay",
    "cvlserv_pay",
    "hifes_pay",
    "hifmi_pay",
    "hifob_pay",
    "maf_pay",
    "oth_pay",
    "fund_pay_sumamt",
    "psn_part_amt",
    "acct_pay",
    "psn_cash_pay",
    "hosp_part_amt",
    "acct_mulaid_pay",
    "hifdm_pay",
)


def split_rows(
    rows: Sequence[Mapping[str, Any]], where: str, *, seen: set[str] | None = None
) -> list[dict[str, Any]]:
    """Check and split fee lines: feedetl_sn unique, det_item_fee_sumamt = cnt x pric (±0.01)."""
    seen = set() if seen is None else seen
    out = []
    for i, row in enumerate(rows):
        here = f"{where}[{i}]"
        sn = req(row, "feedetl_sn", here)
        if sn in seen:
            raise Refusal(f"{here}.feedetl_sn: 费用明细流水号[{sn}]重复(就诊内应唯一)")
        seen.add(sn)
        code = req(row, "med_list_codg", here)
        cnt, pric = dec(row, "cnt", here), dec(row, "pric", here)
        amount = dec(row, "det_item_fee_sumamt", here)
        if not amount_matches(cnt, pric, amount):
            raise Refusal(f"{here}.det_item_fee_sumamt: 明细项目费用总额[{amount}]与数量×单价不符")
        line = {**row, "feedetl_sn": sn, "cnt": cnt, "pric": pric, "det_item_fee_sumamt": amount}
        out.append(split_line(line, catalog_entry(code)))
    return out


def check_total(given: Decimal, split: Sequence[Mapping[str, Any]], where: str = "data") -> None:
    total = sum((Decimal(r["det_item_fee_sumamt"]) for r in split), ZERO)
    if given != total:
        raise Refusal(f"{where}.medfee_sumamt: 医疗费总额[{given}]与费用明细合计[{total}]不符")


def clr_keys(ctx: CallContext, insuplc_admdvs: str, kind: Kind) -> dict[str, str]:
    locality = ctx.rules.classify(insuplc_admdvs, ctx.region)
    return {"clr_type": ctx.rules.clr_type(kind, locality), "clr_optins": insuplc_admdvs, "clr_way": "1"}


def compute(
    ctx: CallContext,
    person: Mapping[str, Any],
    split: Sequence[Mapping[str, Any]],
    *,
    kind: Kind,
    acct_used_flag: str,
) -> Settlement:
    insu = person["insu"]
    return settle(
        split,
        params=ctx.rules.policy,
        kind=kind,
        level=ctx.rules.institution_level(ctx.fixmedins_code),
        insutype=insu["insutype"],
        psn_type=insu["psn_type"],
        cvlserv_flag=insu["cvlserv_flag"],
        idet_types=[r["psn_idet_type"] for r in person.get("idetinfo", [])],
        locality=ctx.rules.classify(insu["insuplc_admdvs"], ctx.region),
        acct_used_flag=acct_used_flag,
        balance=ctx.store.balance(person["psn_no"]),
    )


def setlinfo(
    ctx: CallContext,
    person: Mapping[str, Any],
    s: Settlement,
    *,
    mdtrt_id: str,
    setl_id: str | None,
    med_type: str,
    kind: Kind,
    mdtrt_cert_type: str = "",
) -> dict[str, Any]:
    """The ``setlinfo`` block of a (pre-)settlement (§2.1); no ``setl_id`` for a pre-settlement."""
    from .handlers.identity import age_on

    insu = person["insu"]
    info: dict[str, Any] = {"mdtrt_id": mdtrt_id}
    if setl_id is not None:
        info["setl_id"] = setl_id
    info.update(
        {
            "psn_no": person["psn_no"],
            "psn_name": person["psn_name"],
            "psn_cert_type": person["psn_cert_type"],
            "certno": person["certno"],
            "gend": person["gend"],
            "naty": person["naty"],
            "brdy": person["brdy"],
            "age": age_on(person["brdy"], ctx.today),
            "insutype": insu["insutype"],
            "psn_type": insu["psn_type"],
            "cvlserv_flag": insu["cvlserv_flag"],
            "setl_time": ctx.now_text,
            "mdtrt_cert_type": mdtrt_cert_type,
            "med_type": med_type,
            "medfee_sumamt": s.medfee_sumamt,
            "fulamt_ownpay_amt": s.fulamt_ownpay_amt,
            "overlmt_selfpay": s.overlmt_selfpay,
            "preselfpay_amt": s.preselfpay_amt,
            "inscp_scp_amt": s.inscp_scp_amt,
            "act_pay_dedc": s.act_pay_dedc,
            "hifp_pay": s.hifp_pay,
            "pool_prop_selfpay": s.pool_prop_selfpay,
            "cvlserv_pay": s.cvlserv_pay,
            "hifes_pay": ZERO,
            "hifmi_pay": ZERO,
            "hifob_pay": ZERO,
            "maf_pay": s.maf_pay,
            "oth_pay": ZERO,
            "fund_pay_sumamt": s.fund_pay_sumamt,
            "psn_part_amt": s.psn_part_amt,
            "acct_pay": s.acct_pay,
            "psn_cash_pay": s.psn_cash_pay,
            "hosp_part_amt": s.hosp_part_amt,
            "balc": s.balc,
            "acct_mulaid_pay": ZERO,
            "medins_setl_id": ctx.msgid,
            "hifdm_pay": ZERO,
            "exp_content": "",
        }
    )
    info.update(clr_keys(ctx, insu["insuplc_admdvs"], kind))
    return info


def record(
    ctx: CallContext,
    person: Mapping[str, Any],
    s: Settlement,
    info: Mapping[str, Any],
    output: Mapping[str, Any],
) -> None:
    """Write the ledger row and take the account payment."""
    ctx.store.create_settlement(
        fixmedins_code=ctx.fixmedins_code,
        psn_no=person["psn_no"],
        medfee_sumamt=s.medfee_sumamt,
        fund_pay_sumamt=s.fund_pay_sumamt,
        acct_pay=s.acct_pay,
        psn_cash_pay=s.psn_cash_pay,
        hosp_part_amt=s.hosp_part_amt,
        insutype=info["insutype"],
        clr_type=info["clr_type"],
        clr_optins=info["clr_optins"],
        clr_way=info["clr_way"],
        setl_time=ctx.now_text,
        infno=ctx.infno,
        msgid=ctx.msgid,
        mdtrt_id=info["mdtrt_id"],
        setl_id=info["setl_id"],
        med_type=info["med_type"],
        balc=s.balc,
        detail=output,
    )
    if s.acct_pay:
        ctx.store.adjust_balance(person["psn_no"], -s.acct_pay)


def cancel(
    ctx: CallContext, data: Mapping[str, Any], *, forward_infno: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Cancel a settlement once (2103 / 2208 / 2305); returns (ledger row, cancel output)."""
    setl_id = req(data, "setl_id")
    mdtrt_id = req(data, "mdtrt_id")
    psn_no = req(data, "psn_no")
    row = ctx.store.settlement(ctx.fixmedins_code, setl_id)
    if row is None or row["mdtrt_id"] != mdtrt_id or row["psn_no"] != psn_no:
        raise Refusal(f"data.setl_id: 结算ID[{setl_id}]不存在或与就诊ID、人员编号不符")
    if row["infno"] != forward_infno:
        raise Refusal(f"data.setl_id: 结算ID[{setl_id}]不是{forward_infno}的结算，不能用{ctx.infno}撤销")
    if row["state"] == "cancelled":
        raise Refusal(f"结算ID[{setl_id}]已撤销，不能重复撤销")
    if row["state"] == "reversed":
        raise Refusal(f"结算ID[{setl_id}]已冲正，不能撤销")
    cancel_setl_id = ctx.ids.setl_id()
    balc = ctx.store.adjust_balance(psn_no, row["acct_pay"]) if row["acct_pay"] else ctx.store.balance(psn_no)
    ctx.store.update_settlement(
        setl_id,
        state="cancelled",
        cancel_setl_id=cancel_setl_id,
        cancel_msgid=ctx.msgid,
        cancel_infno=ctx.infno,
        cancel_time=ctx.now_text,
    )
    orig = row["detail"].get("setlinfo", {})
    info: dict[str, Any] = {"mdtrt_id": mdtrt_id, "setl_id": cancel_setl_id, "psn_no": psn_no}
    for key in _NEGATED:
        info[key] = -Decimal(orig.get(key, 0) or 0) + ZERO
    info.update(
        setl_time=ctx.now_text,
        balc=balc,
        medins_setl_id=ctx.msgid,
        clr_optins=row["clr_optins"],
        clr_type=row["clr_type"],
        clr_way=row["clr_way"],
        pool_prop_selfpay=orig.get("pool_prop_selfpay", ZERO),
    )
    if ctx.infno == "2208":
        info["pdn_cash_pay"] = info["psn_cash_pay"]  # the spec's own spelling in 2208 (§2.1)
    # the cancel's fund lines undo the settlement's: both amounts negated, the limit (crt_payb_lmt_amt,
    # what the fund could still pay) kept as it was
    detail = [
        {**d, **{k: -Decimal(d.get(k, 0) or 0) + ZERO for k in ("inscp_scp_amt", "fund_payamt")}}
        for d in row["detail"].get("setldetail", [])
    ]
    return row, {"setlinfo": info, "setldetail": detail}
