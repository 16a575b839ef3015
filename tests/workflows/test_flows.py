"""The outpatient (two fee batches) and inpatient flows with their undo, against the sandbox:
every settlement's amounts add up (medfee = fund + account + cash + hospital part), the
centre's ledger and the journal agree with what the workflow returned, and the undo leaves
nothing charged and the account balance as it was."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from yibao.core import Diagnosis, Identity, Settlement
from yibao.core.client import Client
from yibao.core.journal import State

from .support import Centre, items, settled_total


def _adds_up(s: Settlement) -> None:
    hosp = Decimal(str(s.setlinfo.get("hosp_part_amt") or 0))
    assert s.medfee_sumamt == s.fund_pay_sumamt + s.acct_pay + s.psn_cash_pay + hosp, s
    for amount in (s.medfee_sumamt, s.fund_pay_sumamt, s.acct_pay, s.psn_cash_pay):
        assert isinstance(amount, Decimal) and amount == amount.quantize(Decimal("0.01"))


def _matches_books(client: Client, centre: Centre, s: Settlement, state: str) -> None:
    row = next(r for r in centre.ledger() if r["setl_id"] == s.setl_id)
    assert row["state"] == state and row["msgid"] == s.msgid
    for key in ("medfee_sumamt", "fund_pay_sumamt", "acct_pay", "psn_cash_pay"):
        assert Decimal(str(row[key])) == getattr(s, key), key
    entry = client.journal.get(s.msgid)
    assert entry is not None and entry.state == State.SUCCEEDED and entry.setl_id == s.setl_id
    assert entry.medfee_sumamt == s.medfee_sumamt and entry.acct_pay == s.acct_pay


def test_outpatient_two_batches_and_undo(client: Client, centre: Centre, drugs: list[dict[str, Any]],
                                         who: Callable[[int], Identity]) -> None:
    """2201 → 2203 → 2204 ×2 → 2206/2207 ×2, then 2208 ×2 → 2205 → 2202: amounts add up, books agree, undo is whole."""
    person = who(0)
    visit = client.outpatient.register(person, ipt_otp_no="OP-T1")
    visit.upload_visit([Diagnosis("J06.900", "急性上呼吸道感染")])
    b1, b2 = items(drugs, 1, 2), items(drugs, 3, 2, pric="8.80")
    visit.upload_fees("B1", b1)
    visit.upload_fees("B2", b2)
    s1 = visit.settle("B1", acct_used_flag="1")
    s2 = visit.settle("B2")
    assert s1.mdtrt_id == s2.mdtrt_id == visit.mdtrt_id and s1.setl_id != s2.setl_id
    assert s1.medfee_sumamt == sum((i.amount for i in b1), Decimal("0"))
    assert s2.medfee_sumamt == sum((i.amount for i in b2), Decimal("0"))
    for s in (s1, s2):
        _adds_up(s)
        _matches_books(client, centre, s, "settled")
    assert settled_total(centre.ledger(), person.psn_no) == s1.medfee_sumamt + s2.medfee_sumamt
    assert s1.acct_pay > 0 and s2.acct_pay == 0  # only B1 used the account
    assert client.identify(person.medium).balc == person.balc - s1.acct_pay
    c2 = visit.cancel("B2")
    assert c2.medfee_sumamt == -s2.medfee_sumamt
    assert next(r for r in centre.ledger() if r["setl_id"] == s2.setl_id)["state"] == "cancelled"
    visit.cancel("B1")
    visit.revoke_fees()
    visit.unregister()
    assert {r["state"] for r in centre.ledger()} == {"cancelled"}
    assert settled_total(centre.ledger(), person.psn_no) == Decimal("0")
    assert client.identify(person.medium).balc == person.balc
    cancels = client.journal.list(infno="2208")
    assert len(cancels) == 2 and {e.state for e in cancels} == {State.SUCCEEDED}


def test_inpatient_stay_and_undo(client: Client, centre: Centre, drugs: list[dict[str, Any]],
                                 who: Callable[[int], Identity]) -> None:
    """2401 → 2301 ×2 → 2403 → 2402 → 2303/2304, then 2305 → 2405 → 2302 → 2404: amounts add up, undo is whole."""
    person = who(1)
    stay = client.inpatient.admit(person, ipt_no="IP-T1", diagnoses=[Diagnosis("K35.800", "急性阑尾炎")])
    first, second = items(drugs, 1, 2), items(drugs, 3, 2, cnt="1", pric="120.00")
    stay.upload_fees(first)
    stay.upload_fees(second)
    stay.change([Diagnosis("K35.800", "急性阑尾炎"), Diagnosis("K59.000", "便秘", maindiag_flag="0")])
    stay.discharge([Diagnosis("K35.800", "急性阑尾炎")])
    s = stay.settle(acct_used_flag="1")
    assert s.medfee_sumamt == sum((i.amount for i in first + second), Decimal("0")) == stay.uploaded
    _adds_up(s)
    _matches_books(client, centre, s, "settled")
    assert s.acct_pay > 0
    assert client.identify(person.medium).balc == person.balc - s.acct_pay
    c = stay.cancel_settlement()
    assert c.medfee_sumamt == -s.medfee_sumamt
    stay.cancel_discharge()
    stay.revoke_fees()
    stay.cancel_admission()
    assert [r["state"] for r in centre.ledger()] == ["cancelled"]
    assert settled_total(centre.ledger(), person.psn_no) == Decimal("0")
    assert client.identify(person.medium).balc == person.balc
