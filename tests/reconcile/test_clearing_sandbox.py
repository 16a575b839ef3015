"""异地清分 against the sandbox: 3260 paged past 100 rows, 3261 in batches, 3262 rollback (004 §7)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from yibao.core.errors import BusinessError
from yibao.sandbox.handlers.clearing import confirmed

from .conftest import Centre

CST = timezone(timedelta(hours=8))


def _month() -> str:
    return datetime.now(CST).strftime("%Y-%m")


def _stray_rows(centre: Centre, psn_no: str, n: int) -> None:
    """Settlements made at the centre outside the journal, for a person insured elsewhere in the province."""
    code = centre.client.config.institution.fixmedins_code
    for i in range(n):
        centre.store.create_settlement(
            fixmedins_code=code, psn_no=psn_no, medfee_sumamt=Decimal(10 + i), fund_pay_sumamt=Decimal(6),
            acct_pay=Decimal(1), psn_cash_pay=Decimal(3 + i), clr_type="9904", clr_optins="440100",
        )  # fmt: skip


def test_clear_pages_confirms_in_batches_and_rolls_back(centre: Centre) -> None:
    elsewhere = centre.person("4401", 0)
    local = centre.person("4419", 0)
    agreed = [centre.pharmacy(elsewhere) for _ in range(3)]
    cancelled = centre.pharmacy(elsewhere)
    centre.cancel(elsewhere, cancelled)
    off = centre.pharmacy(elsewhere)
    centre.pharmacy(local)  # a local person: not cleared between regions
    centre.store.update_settlement(off.setl_id, medfee_sumamt=off.medfee_sumamt + Decimal("0.01"))
    _stray_rows(centre, elsewhere.psn_no, 230)

    month = _month()
    cleared = centre.client.clearing.plan(month)
    # 3 agreed + the one fen off + 230 strays; the cancelled and the local one are not listed
    assert len(cleared.rows) == 234 and cleared.pages == 3
    assert [r.seqno for r in cleared.rows] == list(range(1, 235))
    flags = {r.setl_sn: r for r in cleared.rows}
    assert all(flags[s.setl_id].cnfm_flag == "1" for s in agreed)
    assert flags[off.setl_id].cnfm_flag == "0" and "medfee_sumamt differs" in flags[off.setl_id].reason
    assert cleared.agreed == 3
    assert "*" in cleared.to_dict()["detail"][0]["certno"]  # the ID number is never shown whole

    refs = centre.client.clearing.confirm(cleared)
    assert len(refs) == 3 and all(len(r) == 30 for r in refs)  # 100 + 100 + 34
    code = centre.client.config.institution.fixmedins_code
    ym = month.replace("-", "")
    live = confirmed(centre.store, code, ym)
    assert len(live) == 234 and sum(1 for f in live.values() if f == "1") == 3

    centre.client.clearing.rollback(month, refs[1])  # the second batch only
    assert len(confirmed(centre.store, code, ym)) == 134
    centre.client.clearing.rollback(month, "all")
    assert confirmed(centre.store, code, ym) == {}
    with pytest.raises(BusinessError):
        centre.client.clearing.rollback(month, "all")  # nothing left to roll back


def test_a_batch_over_100_rows_is_refused_by_the_centre(centre: Centre) -> None:
    elsewhere = centre.person("4401", 0)
    _stray_rows(centre, elsewhere.psn_no, 101)
    cleared = centre.client.clearing.plan(_month())
    rows = [r.detail() for r in cleared.rows]
    with pytest.raises(BusinessError, match="100"):
        centre.client.call("3261", {"data": {"trt_year": cleared.year, "trt_month": cleared.month,
                                             "totalrow": 101}, "detail": rows})  # fmt: skip
