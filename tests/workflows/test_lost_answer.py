"""Unknown outcomes and their reversal against the sandbox over loopback (reliability.md §2
cases 1-4, 8, 9): the journal state, the 2601 messages and the centre's books."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from yibao.core import Identity
from yibao.core.client import Client
from yibao.core.errors import BusinessError, NotSentError, OutcomeUnknownError, StateError
from yibao.core.journal import Entry, State

from .conftest import MakeClient
from .support import Centre, items, settled_total


def _reversals_of(client: Client, msgid: str) -> list[Entry]:
    """The 2601 messages sent for ``msgid``, oldest first."""
    rows = [e for e in client.journal.list(infno="2601", limit=1000) if e.omsgid == msgid]
    return sorted(rows, key=lambda e: (e.created_at, e.msgid))


def _lost(client: Client, identity: Identity, drugs: list[dict[str, Any]], n: int = 2) -> str:
    with pytest.raises(OutcomeUnknownError) as info:
        client.pharmacy.settle(identity, items(drugs, 1, n), acct_used_flag="1")
    msgid = info.value.msgid
    assert msgid is not None
    return str(msgid)


def test_lost_answer_after_commit_is_reversed(client: Client, centre: Centre, drugs: list[dict[str, Any]],
                                              who: Callable[[int], Identity]) -> None:
    """A 2102 committed then dropped is UNKNOWN; recover() sends 2601 and the centre's books go back to zero."""
    person = who(0)
    balance_before = person.balc
    centre.fault("2102", "drop_after_commit")
    msgid = _lost(client, person, drugs)
    entry = client.journal.get(msgid)
    assert entry is not None and entry.state == State.UNKNOWN
    # The centre did commit it: the person is charged until the 2601.
    row = next(r for r in centre.ledger() if r["msgid"] == msgid)
    assert row["state"] == "settled" and settled_total(centre.ledger(), person.psn_no) > 0
    report = client.journal.recover(wait=True, max_wait=20)
    assert report.reversed == [msgid] and report.unresolved == []
    entry = client.journal.get(msgid)
    assert entry is not None and entry.state == State.REVERSED
    ledger = centre.ledger()
    assert next(r for r in ledger if r["msgid"] == msgid)["state"] == "reversed"
    assert settled_total(ledger, person.psn_no) == Decimal("0")
    (rev,) = _reversals_of(client, msgid)
    assert rev.oinfno == "2102" and rev.state == State.SUCCEEDED and rev.msgid != msgid
    # The account payment came back: 1101 shows the balance as before.

    assert client.identify(person.medium).balc == balance_before


def test_connection_refused_is_not_sent(make_client: MakeClient, centre: Centre, drugs: list[dict[str, Any]],
                                        who: Callable[[int], Identity]) -> None:
    """Connection refused: NOT_SENT, no 2601 queued or sent, nothing at the centre."""
    from tests.core.sigserver import free_closed_port

    person = who(1)
    client = make_client()
    client.sessions.current_sign_no()  # signed in while the centre is up
    dead = make_client(url=f"http://127.0.0.1:{free_closed_port()}")
    with pytest.raises(NotSentError) as info:
        dead.call("2102", {"druginfo": _druginfo(person, drugs), "drugdetail": _detail(drugs)},
                  insuplc_admdvs=person.insuplc_admdvs)
    msgid = str(info.value.msgid)
    entry = dead.journal.get(msgid)
    assert entry is not None and entry.state == State.NOT_SENT
    report = dead.journal.recover(wait=False)
    assert report.reversed == [] and report.unresolved == []
    assert _reversals_of(dead, msgid) == []
    assert centre.ledger() == []


def _detail(drugs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from datetime import datetime

    return [i.row(datetime.now()) for i in items(drugs, 1, 1)]


def _druginfo(person: Identity, drugs: list[dict[str, Any]]) -> dict[str, Any]:
    from datetime import datetime

    return {"psn_no": person.psn_no, **person.cert_fields(), "begntime": datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
            "medfee_sumamt": items(drugs, 1, 1)[0].amount, "insutype": person.insutype, "acct_used_flag": "0"}


def test_slow_commit_timeout_then_reversal(make_client: MakeClient, centre: Centre, drugs: list[dict[str, Any]],
                                           persons: list[dict[str, Any]]) -> None:
    """The centre answers after the client gave up (delay > read timeout): UNKNOWN, then 2601 reverses it."""
    from yibao.core import Medium

    client = make_client(read_timeout="1")
    p = persons[2]
    person = client.identify(Medium.id_card(p["certno"], p["psn_name"]))
    centre.fault("2102", "delay", seconds=3)
    msgid = _lost(client, person, drugs)
    entry = client.journal.get(msgid)
    assert entry is not None and entry.state == State.UNKNOWN
    report = client.journal.recover(wait=True, max_wait=20)
    assert report.reversed == [msgid]
    assert next(r for r in centre.ledger() if r["msgid"] == msgid)["state"] == "reversed"
    assert settled_total(centre.ledger(), person.psn_no) == Decimal("0")


def test_reversal_of_an_original_the_centre_never_saw_needs_attention(
        make_client: MakeClient, centre: Centre, drugs: list[dict[str, Any]],
        who: Callable[[int], Identity]) -> None:
    """2601 answered "原交易不存在": retried not_found_retries times with fresh msgids, then NEEDS_ATTENTION."""
    client = make_client(not_found_retries=2)
    person = who(3)
    centre.fault("2102", "html_page")  # nothing committed, and the answer is not an envelope
    msgid = _lost(client, person, drugs)
    report = client.journal.recover(wait=True, max_wait=20)
    assert report.needs_attention == [msgid] and report.reversed == []
    entry = client.journal.get(msgid)
    assert entry is not None and entry.state == State.NEEDS_ATTENTION
    tries = _reversals_of(client, msgid)
    assert len(tries) == 3  # the first answer plus not_found_retries repeats
    assert len({t.msgid for t in tries}) == 3 and all(t.state == State.FAILED for t in tries)
    assert all("不存在" in (t.err_msg or "") for t in tries)
    assert centre.ledger() == []
    # The person stays blocked: a human must look at it first.
    from yibao.core.errors import StateError

    with pytest.raises(StateError):
        client.pharmacy.settle(person, items(drugs, 1, 1))


@pytest.mark.parametrize("mode", ["drop_after_commit", "delay"])
def test_reversal_whose_answer_is_lost_is_retried_with_same_omsgid(
        mode: str, make_client: MakeClient, centre: Centre, drugs: list[dict[str, Any]],
        who: Callable[[int], Identity]) -> None:
    """The first 2601 commits but its answer is lost or late: a second 2601 (new msgid, same omsgid) ends REVERSED."""
    client = make_client(read_timeout="1")
    person = who(4)
    centre.fault("2102", "drop_after_commit")
    msgid = _lost(client, person, drugs)
    centre.fault("2601", mode, seconds=3)  # delay: answered after the client's 1 s read timeout
    report = client.journal.recover(wait=True, max_wait=20)
    assert report.reversed == [msgid]
    entry = client.journal.get(msgid)
    assert entry is not None and entry.state == State.REVERSED
    tries = _reversals_of(client, msgid)
    assert len(tries) == 2 and tries[0].msgid != tries[1].msgid
    assert {t.omsgid for t in tries} == {msgid} and {t.oinfno for t in tries} == {"2102"}
    assert sorted(t.state.value for t in tries) == ["SUCCEEDED", "UNKNOWN"]
    rows = [r for r in centre.ledger() if r["psn_no"] == person.psn_no]
    assert [r["state"] for r in rows] == ["reversed"]  # one settlement, reversed once
    assert settled_total(rows, person.psn_no) == Decimal("0")


def test_business_error_is_failed_without_reversal(client: Client, centre: Centre, drugs: list[dict[str, Any]],
                                                   who: Callable[[int], Identity]) -> None:
    """infcode -1 (reject fault) is FAILED: no 2601, nothing at the centre, the person may settle again."""
    person = who(5)
    centre.fault("2102", "reject", err_msg="余额不足(模拟)")
    with pytest.raises(BusinessError) as info:
        client.pharmacy.settle(person, items(drugs, 1, 1))
    msgid = str(info.value.msgid)
    entry = client.journal.get(msgid)
    assert entry is not None and entry.state == State.FAILED and "余额不足" in (entry.err_msg or "")
    assert client.journal.recover(wait=False).unresolved == []
    assert _reversals_of(client, msgid) == [] and centre.ledger() == []
    ok = client.pharmacy.settle(person, items(drugs, 1, 1))
    assert [r["setl_id"] for r in centre.ledger()] == [ok.setl_id]


@pytest.mark.parametrize("mode", ["truncated_json", "error_500", "html_page"])
def test_bad_responses_are_unknown(mode: str, make_client: MakeClient, centre: Centre,
                                   drugs: list[dict[str, Any]], who: Callable[[int], Identity]) -> None:
    """HTML page, truncated JSON, HTTP 500: UNKNOWN (never FAILED), then 2601; nothing stays charged."""
    client = make_client(not_found_retries=1)
    person = who(6)
    centre.fault("2102", mode)
    msgid = _lost(client, person, drugs)
    entry = client.journal.get(msgid)
    assert entry is not None and entry.state == State.UNKNOWN
    report = client.journal.recover(wait=True, max_wait=20)
    entry = client.journal.get(msgid)
    assert entry is not None
    committed = [r for r in centre.ledger() if r["msgid"] == msgid]
    if committed:  # truncated_json: the centre committed, then cut the answer
        assert report.reversed == [msgid] and entry.state == State.REVERSED
        assert committed[0]["state"] == "reversed"
    else:  # 500 / HTML: nothing committed, so 2601 finds nothing and a human is asked
        assert report.needs_attention == [msgid] and entry.state == State.NEEDS_ATTENTION
    assert mode != "truncated_json" or committed
    assert settled_total(centre.ledger(), person.psn_no) == Decimal("0")
    assert _reversals_of(client, msgid)


def test_reversal_refused_otherwise_escalates_after_max_attempts(
        make_client: MakeClient, centre: Centre, drugs: list[dict[str, Any]],
        who: Callable[[int], Identity]) -> None:
    """A 2601 the centre keeps refusing for another reason: max_attempts tries, then NEEDS_ATTENTION."""
    client = make_client(max_attempts=3)
    person = who(0)
    centre.fault("2102", "drop_after_commit")
    msgid = _lost(client, person, drugs)
    centre.fault("2601", "reject", times=10, err_msg="系统繁忙(模拟)")
    report = client.journal.recover(wait=True, max_wait=20)
    assert report.needs_attention == [msgid]
    tries = _reversals_of(client, msgid)
    assert len(tries) == 3 and {t.state for t in tries} == {State.FAILED}
    # Still charged at the centre: exactly the case a human must resolve.
    assert next(r for r in centre.ledger() if r["msgid"] == msgid)["state"] == "settled"


def test_centre_busy_with_the_original_then_reversed(tmp_path: Path, journal_url: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A 2601 that overtakes the original (centre answers "原交易处理中") is retried later and ends REVERSED."""
    from yibao.core import Medium
    from yibao.core.config import parse_config
    from yibao.sandbox.config import SandboxConfig
    from yibao.sandbox.server import run_in_thread

    from .support import SECRET_ENV, config_dict

    with run_in_thread(SandboxConfig(state_dir=tmp_path / "busy", reversal_delay=2)) as sb:
        monkeypatch.setenv(SECRET_ENV, sb.secret)
        centre = Centre(sb.url)
        client = Client(parse_config(config_dict(sb.url, sb.paasid, journal_url)))
        monkeypatch.setattr(client.reversals, "backoff", lambda attempts: 1.0)
        p = next(x for x in centre.local_persons() if x.get("psn_cert_type") == "01")
        person = client.identify(Medium.id_card(p["certno"]))
        centre.fault("2102", "drop_after_commit")
        msgid = _lost(client, person, centre.drugs())
        report = client.journal.recover(wait=True, max_wait=20)
        assert report.reversed == [msgid]
        tries = _reversals_of(client, msgid)
        assert len(tries) >= 2 and "处理中" in (tries[0].err_msg or "")
        assert tries[-1].state == State.SUCCEEDED
        assert next(r for r in centre.ledger() if r["msgid"] == msgid)["state"] == "reversed"
        client.close()
        centre.close()


def test_reversal_queue_survives_restarts_while_the_centre_is_down(
        make_client: MakeClient, centre: Centre, drugs: list[dict[str, Any]],
        who: Callable[[int], Identity]) -> None:
    """2601s refused a connection across restarts stay queued (attempts counted); centre back: REVERSED."""
    from tests.core.sigserver import free_closed_port

    client = make_client()
    person = who(2)
    centre.fault("2102", "drop_after_commit")
    msgid = _lost(client, person, drugs)
    dead = f"http://127.0.0.1:{free_closed_port()}"
    attempts = [0]
    for restart in (1, 2):
        down = make_client(url=dead)  # a new process (its start-up run tries too) while the centre is down
        time.sleep(0.1)  # past the (test-short) backoff of the previous try
        report = down.journal.recover(wait=False)
        assert report.pending == [msgid], restart
        entry = down.journal.get(msgid)
        assert entry is not None and entry.state == State.REVERSING
        assert entry.attempts > attempts[-1]  # counted across restarts, never reset
        attempts.append(entry.attempts)
        down.close()
    tries = _reversals_of(client, msgid)
    assert len(tries) == attempts[-1] and {t.state for t in tries} == {State.NOT_SENT}
    # Meanwhile a new settlement of that person is refused (the guard's own 2601 try fails too).
    down = make_client(url=dead)
    with pytest.raises(StateError, match="unresolved"):
        down.call("2102", {"druginfo": _druginfo(person, drugs), "drugdetail": _detail(drugs)},
                  insuplc_admdvs=person.insuplc_admdvs)
    assert len(client.journal.list(infno="2102")) == 1
    time.sleep(0.1)
    back = make_client()  # the centre is back: the start-up run of the queue reverses it
    entry = back.journal.get(msgid)
    assert entry is not None and entry.state == State.REVERSED
    assert back.journal.recover(wait=False).unresolved == []
    assert next(r for r in centre.ledger() if r["msgid"] == msgid)["state"] == "reversed"
    assert settled_total(centre.ledger(), person.psn_no) == Decimal("0")


def test_recover_leaves_a_live_terminals_in_flight_row_alone(make_client: MakeClient) -> None:
    """An INTENT / SENT row younger than reversal.interrupted_after_seconds may be another
    terminal's settlement still on the wire: recovery does not touch it; an old one it resolves."""
    client = make_client(interrupted_after_seconds=120)
    j = client.engine.journal
    msgid = j.allocate_msgid(client.config.institution.fixmedins_code, "T09")
    j.record_intent(msgid=msgid, infno="2102", region="441900", fixmedins_code=client.config.institution.fixmedins_code,
                    opter="0002", terminal="T09", input_full={"druginfo": {}}, input_masked={"druginfo": {}},
                    kind="money", psn_no="P-LIVE")
    j.mark_sent(msgid)
    report = client.journal.recover(wait=False)
    entry = j.get(msgid)
    assert entry is not None and entry.state == State.SENT
    assert msgid not in report.unresolved
    old = make_client(interrupted_after_seconds=0, recover=False)
    old.reversals.recover_interrupted()
    entry = old.journal.get(msgid)
    assert entry is not None and entry.state == State.UNKNOWN


def test_a_2601_by_hand_racing_the_queue_leaves_one_reversal(client: Client, centre: Centre,
                                                             drugs: list[dict[str, Any]],
                                                             who: Callable[[int], Identity]) -> None:
    """An operator's 2601 for an UNKNOWN sale lands while the queue's own is on its way: the centre
    answers the queue "already reversed", the entry is REVERSED once, naming the operator's 2601,
    and the queue reports it reversed instead of failing on a row that moved under it."""
    person = who(0)
    centre.fault("2102", "drop_after_commit")
    msgid = _lost(client, person, drugs)
    queue = client._reversals
    own, by_hand = queue._send, []

    def racing(call: Any) -> Any:
        if call.omsgid == msgid and not by_hand:
            by_hand.append(client.reply("2601", {"data": {"psn_no": person.psn_no, "omsgid": msgid, "oinfno": "2102"}},
                                        insuplc_admdvs=person.insuplc_admdvs, idem_key=f"HAND-{msgid}"))
        return own(call)

    queue._send = racing
    report = client.journal.recover(wait=True, max_wait=20, at_once=True)
    entry = client.journal.get(msgid)
    assert by_hand and entry is not None and (entry.state, entry.reversed_by) == (State.REVERSED, by_hand[0].msgid)
    assert report.unresolved == [] and report.needs_attention == []
    assert [r["state"] for r in centre.ledger() if r["msgid"] == msgid] == ["reversed"]
    assert settled_total(centre.ledger(), person.psn_no) == Decimal("0")
