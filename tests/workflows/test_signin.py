"""Sign-in sessions against the sandbox (reliability.md §2 cases 13-15; Yunnan guide §1.7):
one 9001 a day shared across restarts, no sign-in after 9002, one re-sign and one replay of the
SAME msgid when the centre refuses a stale ``sign_no``, a new 9001 on a new business day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from yibao.core import Identity, Medium
from yibao.core.clock import now as beijing_now
from yibao.core.errors import BusinessError, StateError
from yibao.core.journal import State

from .conftest import MakeClient
from .support import Centre, CountingTransport, items


def test_one_sign_in_per_day_across_restarts(make_client: MakeClient, persons: list[dict[str, Any]],
                                             drugs: list[dict[str, Any]]) -> None:
    """The sign_no of the day's 9001 is kept in the journal: a restarted client settles without a new 9001."""
    first_t, second_t = CountingTransport(), CountingTransport()
    first = make_client(transport=first_t)
    sign_no = first.sessions.current_sign_no()
    person = first.identify(Medium.id_card(persons[0]["certno"]))
    first.pharmacy.settle(person, items(drugs, 1, 1))
    first.close()
    second = make_client(transport=second_t)  # a new process on the same journal
    assert second.sessions.current_sign_no() == sign_no
    person = second.identify(Medium.id_card(persons[0]["certno"]))
    second.pharmacy.settle(person, items(drugs, 1, 1))
    assert first_t.infnos().count("9001") == 1
    assert "9001" not in second_t.infnos() and "2102" in second_t.infnos()


def test_no_sign_in_after_sign_out_the_same_day(make_client: MakeClient, persons: list[dict[str, Any]],
                                                drugs: list[dict[str, Any]]) -> None:
    """After 9002 a same-day sign-in is refused with a clear error and nothing is retried or sent."""
    counting = CountingTransport()
    client = make_client(transport=counting)
    person = client.identify(Medium.id_card(persons[0]["certno"]))
    client.sessions.current_sign_no()
    client.sessions.sign_out()
    with pytest.raises(StateError, match="9002"):
        client.pharmacy.settle(person, items(drugs, 1, 1))
    assert counting.infnos().count("9001") == 1 and "2102" not in counting.infnos()
    restarted = make_client(transport=counting)
    with pytest.raises(StateError, match="signed out"):
        restarted.sessions.current_sign_no()
    # The centre says the same when asked directly: one refusal, no loop.
    with pytest.raises(BusinessError, match="签退"):
        restarted.sessions.sign_in()
    assert counting.infnos().count("9001") == 2


def test_stale_sign_no_is_refreshed_and_the_same_msgid_replayed(
        make_client: MakeClient, centre: Centre, drugs: list[dict[str, Any]],
        who: Callable[[int], Identity]) -> None:
    """A sign_no the centre no longer knows: one new 9001, then the 2102 replayed with the SAME msgid, settled once."""
    counting = CountingTransport()
    client = make_client(transport=counting)
    person = who(0)
    op = client.config.operator
    now = client.engine.now()
    client.engine.journal.save_session(op.opter, op.terminal, now.date(), "SN441900STALE000000000001", now)
    s = client.pharmacy.settle(person, items(drugs, 1, 2))
    sends = [m for i, m in counting.sent if i == "2102"]
    assert sends == [s.msgid, s.msgid]  # refused once, replayed under the same msgid
    assert counting.infnos().count("9001") == 1
    entry = client.journal.get(s.msgid)
    assert entry is not None and entry.state == State.SUCCEEDED and entry.setl_id == s.setl_id
    assert [(r["msgid"], r["state"]) for r in centre.ledger()] == [(s.msgid, "settled")]
    assert client.sessions.known_sign_no() not in ("", "SN441900STALE000000000001")


def test_new_business_day_signs_in_again(make_client: MakeClient, persons: list[dict[str, Any]]) -> None:
    """A client whose clock is past midnight sends a new 9001 although today's session exists."""
    counting = CountingTransport()
    today = make_client(transport=counting)
    today.sessions.current_sign_no()
    # Beijing time: a naive host clock would be "today" in Beijing between 16:00 and 24:00 UTC.
    tomorrow = make_client(transport=counting, clock=lambda: beijing_now() + timedelta(days=1))
    tomorrow.sessions.current_sign_no()
    assert counting.infnos().count("9001") == 2
    op = today.config.operator
    next_day = (beijing_now() + timedelta(days=1)).date()
    session = today.engine.journal.get_session(op.opter, op.terminal, next_day)
    assert session is not None and session.state == "in"
    tomorrow.sessions.current_sign_no()  # the next day's session is reused, not signed again
    assert counting.infnos().count("9001") == 2
