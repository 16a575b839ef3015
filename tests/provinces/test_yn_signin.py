"""Yunnan §1.7 sign-in rules."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from yibao.core.errors import StateError
from yibao.provinces.yunnan.signin import check_sign_in_allowed, needs_new_cycle


def test_no_second_sign_in_after_sign_out_the_same_day() -> None:
    """A 9002 today blocks 9001 for that operator until tomorrow."""
    with pytest.raises(StateError):
        check_sign_in_allowed("0001", date(2026, 1, 2), date(2026, 1, 2))
    check_sign_in_allowed("0001", date(2026, 1, 1), date(2026, 1, 2))
    check_sign_in_allowed("0001", None, date(2026, 1, 2))


def test_cycle_must_not_span_days() -> None:
    """A cycle from yesterday needs sign-out and sign-in; today's does not."""
    assert needs_new_cycle(datetime(2026, 1, 1, 23, 59), datetime(2026, 1, 2, 0, 1))
    assert not needs_new_cycle(datetime(2026, 1, 2, 8, 0), datetime(2026, 1, 2, 17, 0))
    assert needs_new_cycle(None, datetime(2026, 1, 2))
