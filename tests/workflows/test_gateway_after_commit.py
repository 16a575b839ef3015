"""A gateway that answers badly after the centre committed (issue 10 #1): never a double charge.

A loopback proxy stands in front of the real sandbox.  The sandbox commits the 2102; the proxy
then answers as a failing gateway would.  Each such answer is an UNKNOWN outcome: journaled
UNKNOWN, reversed by 2601, the bill's key held until then, and the HIS's retry of the same bill
settles exactly once.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from yibao.core import OutcomeUnknownError, StateError
from yibao.core.journal import State

from ..gateway_proxy import gateway_proxy, once
from .conftest import MakeClient
from .support import Centre, items, settled_total

BAD_ANSWERS = {
    "504 with a JSON errcode body": (504, b'{"errcode":504,"message":"Gateway Time-out"}'),
    "502 with a JSON errcode body": (502, b'{"errcode":502,"message":"Bad Gateway"}'),
    "200 with errcode 500": (200, b'{"errcode":500,"message":"internal error"}'),
    "infcode null": (200, b'{"infcode":null,"output":{}}'),
    "infcode empty": (200, b'{"infcode":"","output":{}}'),
    "infcode ok": (200, b'{"infcode":"ok","output":{}}'),
    "infcode false": (200, b'{"infcode":false,"output":{}}'),
    # infcode 0, but no settlement named: it cannot be cancelled or reconciled (case 9)
    "infcode 0 without output": (200, b'{"infcode":0}'),
    "infcode 0 without setl_id": (200, b'{"infcode":0,"output":{"setlinfo":{"medfee_sumamt":50.00}}}'),
    "infcode 0 with unreadable amounts": (200, b'{"infcode":0,"output":{"setlinfo":{"setl_id":"S1",'
                                               b'"medfee_sumamt":"fifty"}}}'),
    "GBK body": (200, '{"infcode":0,"output":{"setlinfo":{"setl_id":"结算1"}}}'.encode("gbk")),
}


@pytest.mark.parametrize("answer", list(BAD_ANSWERS))
def test_a_bad_answer_after_the_commit_is_unknown_reversed_and_charged_once(
        answer: str, make_client: MakeClient, centre: Centre, persons: list[dict[str, Any]],
        drugs: list[dict[str, Any]]) -> None:
    """UNKNOWN (exit 4), 2601 sent, the same bill refused until reversed, then settled once."""
    status, body = BAD_ANSWERS[answer]
    with gateway_proxy(centre.url, {"2102": once(status, body)}) as url:
        client = make_client(url=url)
        p = persons[0]
        from yibao.core import Medium

        who = client.identify(Medium.id_card(p["certno"], p["psn_name"]))
        bill = items(drugs, 1, 2)
        with pytest.raises(OutcomeUnknownError) as info:
            client.pharmacy.settle(who, bill, idem_key="BILL-GW-1")
        assert info.value.exit_code == 4
        lost = client.journal.get(str(info.value.msgid))
        assert lost is not None and lost.state == State.UNKNOWN
        assert settled_total(centre.ledger(), who.psn_no) > 0  # the centre did commit it
        with pytest.raises(StateError):  # the HIS retries at once: refused, nothing sent
            client.pharmacy.settle(who, bill, idem_key="BILL-GW-1")
        report = client.journal.recover(wait=True, max_wait=20)
        assert report.reversed == [lost.msgid]
        assert settled_total(centre.ledger(), who.psn_no) == Decimal("0")
        again = client.pharmacy.settle(who, bill, idem_key="BILL-GW-1")  # the HIS retries later
        assert settled_total(centre.ledger(), who.psn_no) == again.medfee_sumamt > 0
        settled = [r for r in centre.ledger() if r["psn_no"] == who.psn_no and r["state"] == "settled"]
        assert len(settled) == 1


def test_the_gateways_own_refusal_is_not_sent_and_not_reversed(make_client: MakeClient, centre: Centre,
                                                                persons: list[dict[str, Any]],
                                                                drugs: list[dict[str, Any]]) -> None:
    """A 401 signature refusal, answered by the gateway without forwarding: exit 5, FAILED, no
    2601, and the centre holds nothing."""
    from yibao.core import GatewayError, Medium

    refusal = "{\"errcode\":401,\"message\":\"签名不一致!\"}".encode()
    with gateway_proxy(centre.url, refuse={"2102": (401, refusal)}) as url:
        client = make_client(url=url)
        p = persons[1]
        who = client.identify(Medium.id_card(p["certno"], p["psn_name"]))
        with pytest.raises(GatewayError) as info:
            client.pharmacy.settle(who, items(drugs, 1, 1))
        assert info.value.exit_code == 5
        entry = client.journal.get(str(info.value.msgid))
        assert entry is not None and entry.state == State.FAILED
        assert client.journal.list(infno="2601") == []
        assert [r for r in centre.ledger() if r["psn_no"] == who.psn_no] == []
