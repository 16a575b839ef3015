"""Reconcile against the sandbox: 3201 → 9101 → 3202 → 9102 → diff → 3201 (issue 5)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from yibao.core.errors import OutcomeUnknownError
from yibao.core.journal import State
from yibao.core.workflows.reconcile import ReconcileReport, month_bounds

from .conftest import Centre

CST = timezone(timedelta(hours=8))


def _period() -> tuple[date, date]:
    # The centre books in its own local time (UTC+8); reconcile the month it is there.
    today = datetime.now(CST).date()
    return month_bounds(today.strftime("%Y-%m"))


def _run(centre: Centre) -> ReconcileReport:
    begin, end = _period()
    return centre.client.reconcile.period(begin, end)


def _mixed_month(centre: Centre) -> dict[str, str]:
    """Settled, cancelled, lost-then-reversed, outpatient and inpatient settlements."""
    local = centre.person("4419", 0)
    elsewhere = centre.person("4401", 0)
    kept = centre.pharmacy(local)
    cancelled = centre.pharmacy(elsewhere)
    centre.cancel(elsewhere, cancelled)
    centre.fault("2102", "drop_after_commit")
    with pytest.raises(OutcomeUnknownError):
        centre.pharmacy(local, n=1)
    report = centre.client.journal.recover(wait=True, max_wait=20)
    assert report.reversed and not report.pending and not report.needs_attention
    visit = centre.outpatient(centre.person("4419", 1))
    stay = centre.inpatient(centre.person("4419", 2))
    return {"kept": kept.setl_id, "cancelled": cancelled.setl_id, "outpatient": visit.setl_id,
            "inpatient": stay.setl_id}  # fmt: skip


def test_a_mixed_month_balances(centre: Centre) -> None:
    ids = _mixed_month(centre)
    code = centre.client.config.institution.fixmedins_code
    states = {r["setl_id"]: r["state"] for r in centre.store.ledger(code)}
    assert sorted(states.values()) == ["cancelled", "reversed", "settled", "settled", "settled"]
    report = _run(centre)
    assert report.balanced, report.to_dict()
    assert report.differences == [] and report.difference_count == 0
    clr_types = {g.totals.key.clr_type for g in report.groups}
    assert len(clr_types) >= 3  # pharmacy, outpatient and inpatient groups were each asked
    cancelled = [g for g in report.groups if g.totals.reverse]
    assert cancelled and all(g.stmt_rslt == "0" for g in report.groups)
    assert ids["kept"] in states


def test_a_settlement_made_at_the_centre_is_named(centre: Centre) -> None:
    _mixed_month(centre)
    kept = next(r for r in centre.store.ledger(centre.client.config.institution.fixmedins_code)
                if r["state"] == "settled" and r["infno"] == "2102")  # fmt: skip
    stray = centre.store.create_settlement(
        fixmedins_code=kept["fixmedins_code"], psn_no=kept["psn_no"], medfee_sumamt=Decimal("50.00"),
        fund_pay_sumamt=Decimal("30.00"), acct_pay=Decimal("0.00"), psn_cash_pay=Decimal("20.00"),
        insutype=kept["insutype"], clr_type=kept["clr_type"], clr_optins=kept["clr_optins"],
        setl_time=kept["setl_time"], msgid="C44190020260101000000000001",
    )  # fmt: skip
    report = _run(centre)
    assert not report.balanced
    (d,) = report.differences
    assert (d.kind, d.setl_id, d.action) == ("only_centre", stray["setl_id"], "record")
    assert d.centre == (Decimal("50.00"), Decimal("30.00"), Decimal("0.00"))
    bad = [g for g in report.groups if not g.balanced]
    assert [g.totals.key.clr_type for g in bad] == [kept["clr_type"]] and bad[0].detail_file


def test_one_missing_at_the_centre_and_one_fen_off_are_named(centre: Centre) -> None:
    ids = _mixed_month(centre)
    code = centre.client.config.institution.fixmedins_code
    # The centre lost the outpatient settlement and books the inpatient one a fen higher.
    centre.store.update_settlement(ids["outpatient"], state="reversed")
    row = centre.store.settlement(code, ids["inpatient"])
    assert row is not None
    centre.store.update_settlement(ids["inpatient"], medfee_sumamt=row["medfee_sumamt"] + Decimal("0.01"))
    report = _run(centre)
    assert not report.balanced
    named = {(d.kind, d.setl_id) for d in report.differences}
    assert named == {("only_his", ids["outpatient"]), ("amounts_differ", ids["inpatient"])}
    fen = next(d for d in report.differences if d.kind == "amounts_differ")
    assert fen.centre is not None and fen.his is not None
    assert fen.centre[0] - fen.his[0] == Decimal("0.01") and fen.msgid
    assert all(g.final_rslt == "1" for g in report.groups if not g.balanced)


def test_a_lost_reply_that_committed_is_reversed_by_its_msgid(centre: Centre) -> None:
    who = centre.person("4419", 0)
    centre.pharmacy(who)
    centre.fault("2102", "drop_after_commit")
    with pytest.raises(OutcomeUnknownError):
        centre.pharmacy(who, n=1)
    lost = [e for e in centre.client.journal.list(infno="2102") if e.state == State.UNKNOWN]
    assert len(lost) == 1
    report = _run(centre)  # before recovery: the centre has it, the HIS does not count it
    (d,) = report.differences
    assert (d.kind, d.action, d.msgid) == ("only_centre", "reverse_2601", lost[0].msgid)


def test_a_settlement_reversed_by_hand_is_reversed_in_the_journal_too(centre: Centre) -> None:
    """A 2601 sent by hand (``yibao call 2601``; an acceptance list's 冲正 case) that the centre
    accepted undoes the sale there; the journal says so (REVERSED, reversed_by, the 2601 naming
    it), the month still balances, and the bill's key no longer answers "settled"."""
    from yibao.core.errors import StateError

    who = centre.person("4419", 0)
    item = centre.item()
    sale = centre.client.pharmacy.settle(who, [item], idem_key="RX-BY-HAND-1")
    undo = centre.client.reply("2601", {"data": {"psn_no": who.psn_no, "omsgid": sale.msgid, "oinfno": "2102"}},
                               insuplc_admdvs=who.insuplc_admdvs, idem_key="RX-BY-HAND-1-undo")
    original = centre.client.journal.get(sale.msgid)
    assert original is not None and (original.state, original.reversed_by) == (State.REVERSED, undo.msgid)
    reversal = centre.client.journal.get(undo.msgid)
    assert reversal is not None and (reversal.omsgid, reversal.oinfno, reversal.reversal_of) == (
        sale.msgid, "2102", sale.msgid)
    report = _run(centre)
    assert report.balanced and report.differences == [], report.to_dict()
    with pytest.raises(StateError, match="reversed with 2601"):  # the same bill again: refused, not replayed
        centre.client.pharmacy.settle(who, [item], idem_key="RX-BY-HAND-1")
    code = centre.client.config.institution.fixmedins_code
    assert [r["state"] for r in centre.store.ledger(code) if r["setl_id"] == sale.setl_id] == ["reversed"]
