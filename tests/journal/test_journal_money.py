"""Money stays Decimal through the journal on both backends: stored and read back exactly."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from journal_support import drive

from yibao.core.journal import MONEY_COLUMNS, Entry, Journal, State

MakeEntry = Callable[..., Entry]


def test_point_one_plus_point_two(journal: Journal, new_entry: MakeEntry) -> None:
    """0.10 + 0.20 is stored and read back as exactly 0.30, a Decimal, never a float."""
    e = drive(journal, new_entry(), State.SENT)
    total = Decimal("0.10") + Decimal("0.20")
    journal.record_outcome(e.msgid, State.SUCCEEDED, medfee_sumamt=total, acct_pay=Decimal("0.10"))
    got = journal.get(e.msgid)
    assert got is not None
    assert type(got.medfee_sumamt) is Decimal and got.medfee_sumamt == Decimal("0.30")
    assert str(got.medfee_sumamt) == "0.30"
    assert got.medfee_sumamt - (got.acct_pay or 0) == Decimal("0.20")
    assert got.fund_pay_sumamt is None


def test_json_columns_keep_digits(journal: Journal, new_entry: MakeEntry) -> None:
    """Amounts inside the input and output JSON keep their exact digits (0.10 is not 0.1)."""
    payload = {"feedetail": [{"det_item_fee_sumamt": Decimal("0.10"), "cnt": Decimal("1.0000")}]}
    e = new_entry(input_full=payload, input_masked=payload)
    got = journal.get(e.msgid)
    assert got is not None
    assert str(got.input_full["feedetail"][0]["det_item_fee_sumamt"]) == "0.10"
    assert str(got.input_full["feedetail"][0]["cnt"]) == "1.0000"


def test_float_input_is_refused(journal: Journal, new_entry: MakeEntry) -> None:
    """A float anywhere in the input never reaches the journal."""
    with pytest.raises(TypeError):
        new_entry(input_full={"data": {"medfee_sumamt": 0.3}})


def test_extremes(journal: Journal, new_entry: MakeEntry) -> None:
    """The largest 16,2 amount and negative amounts (cancels) round-trip; int is accepted."""
    e = drive(journal, new_entry(), State.SENT)
    journal.record_outcome(
        e.msgid,
        State.SUCCEEDED,
        medfee_sumamt=Decimal("99999999999999.99"),
        fund_pay_sumamt=Decimal("-12.34"),
        acct_pay=5,
        psn_cash_pay="0",
    )
    got = journal.get(e.msgid)
    assert got is not None
    assert (got.medfee_sumamt, got.fund_pay_sumamt, got.acct_pay, got.psn_cash_pay) == (
        Decimal("99999999999999.99"),
        Decimal("-12.34"),
        Decimal("5.00"),
        Decimal("0.00"),
    )
    too_big = drive(journal, new_entry(), State.SENT)
    with pytest.raises(ValueError, match="16,2"):
        journal.record_outcome(too_big.msgid, State.SUCCEEDED, medfee_sumamt=Decimal("1e14"))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.decimals(min_value=-(10**6), max_value=10**6, places=2), min_size=4, max_size=4))
def test_any_two_decimal_amount_round_trips(journal: Journal, new_entry: MakeEntry, amounts: list[Decimal]) -> None:
    """Any two-decimal amount comes back equal, as a Decimal, in every money column."""
    e = drive(journal, new_entry(), State.SENT)
    columns: dict[str, Any] = dict(zip(MONEY_COLUMNS, amounts, strict=True))
    journal.record_outcome(e.msgid, State.SUCCEEDED, **columns)
    got = journal.get(e.msgid)
    assert got is not None
    for name, amount in zip(MONEY_COLUMNS, amounts, strict=True):
        value = getattr(got, name)
        assert type(value) is Decimal and value == amount
