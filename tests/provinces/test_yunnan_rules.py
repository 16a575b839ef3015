"""Yunnan against the real sandbox: §1.11.6 after a lost 2304, §1.7 sign-in cycles, §1.6 token lifetime."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from yibao.core import SHANGHAI, Diagnosis, FeeItem, Identity, InpatientStay, Medium, OutcomeUnknownError, State
from yibao.core.client import Client
from yibao.core.plugins import RegionProfile, get_plugin_manager, hookimpl, load_registry
from yibao.sandbox.rehearsal.pytest_plugin import FakeCentre


class Wire:
    """Every envelope that left, in order (infno and input)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, Mapping[str, Any], str]] = []

    @hookimpl
    def yibao_before_send(self, profile: RegionProfile, infno: str, envelope: Mapping[str, Any]) -> None:
        self.sent.append((infno, envelope["input"], str(envelope.get("sign_no") or "")))

    def infnos(self) -> list[str]:
        return [i for i, _, _ in self.sent]


def _client(fc: FakeCentre, wire: Wire, **kw: Any) -> Client:
    pm = get_plugin_manager()
    pm.register(wire, name=f"wire-{id(wire)}")
    return Client(fc.config("530000", fixmedins_code="H53010000001", mdtrtarea_admvs="530100",
                            transport={"kind": "http"}), registry=load_registry(pm), **kw)  # fmt: skip


def _yunnan_person(fc: FakeCentre) -> dict[str, Any]:
    return next(p for p in fc.persons() if p["insuplc_admdvs"] == "530100" and p["psn_cert_type"] == "01"
                and p["insutype"] == "310")  # fmt: skip


def _admitted(fc: FakeCentre, wire: Wire, ipt_no: str) -> tuple[Client, Identity, InpatientStay, list[Diagnosis]]:
    """A client on ``wire`` and a Yunnan person admitted (2401) as ``ipt_no``, with the stay's diagnosis."""
    client = _client(fc, wire)
    p = _yunnan_person(fc)
    who = client.identify(Medium.id_card(p["certno"], p["psn_name"]))
    diag = [Diagnosis("J18.900", "肺炎")]
    return client, who, client.inpatient.admit(who, ipt_no=ipt_no, diagnoses=diag), diag


def test_lost_2304_reversed_then_2405_and_2301_from_the_journal(fake_centre: FakeCentre) -> None:
    """§1.11.6 against the sandbox: the 2304 whose answer is lost is reversed, then 2405 and the stay's
    details again (2301, fresh feedetl_sn, from the journal: never a 5204 with an empty setl_id); the stay
    then settles again for the same amount."""
    wire = Wire()
    client, _, stay, diag = _admitted(fake_centre, wire, "ZY0001")
    items = [FeeItem(feedetl_sn=str(n), med_list_codg=code, medins_list_codg=f"H-{n}", cnt=Decimal("2"),
                     pric=Decimal("12.50")) for n, code in ((1, "SB110900001"), (2, "SBC0101000001"))]  # fmt: skip
    stay.upload_fees(items)
    stay.discharge(diag)
    httpx.post(f"{fake_centre.url}/_sandbox/faults", json={"infno": "2304", "mode": "drop_after_commit", "times": 1})
    with pytest.raises(OutcomeUnknownError):
        stay.settle()
    lost = next(e for e in client.journal.list(infno="2304"))
    assert lost.state == State.UNKNOWN and not lost.setl_id
    report = client.journal.recover(wait=False)
    assert report.follow_ups.get(lost.msgid) == ["2405", "2301"]
    after = wire.infnos()[wire.infnos().index("2601"):]
    assert after[:3] == ["2601", "2405", "2301"] and "5204" not in after
    reupload = [inp for infno, inp, _ in wire.sent if infno == "2301"][-1]["feedetail"]
    assert [r["med_list_codg"] for r in reupload] == ["SB110900001", "SBC0101000001"]
    assert {r["feedetl_sn"] for r in reupload}.isdisjoint({"1",
                                                           "2"}) and all(r["feedetl_sn"].isdigit() for r in reupload)
    ledger = httpx.get(f"{fake_centre.url}/_sandbox/ledger").json()
    assert [r["state"] for r in ledger] == ["reversed"]
    # The centre has the details again: discharge, settle, the same total as the lost one.
    stay.discharge(diag)
    settled = stay.settle()
    assert settled.medfee_sumamt == Decimal("50.00") == Decimal(str(ledger[0]["medfee_sumamt"]))
    client.close()


def test_sign_out_yesterday_then_sign_in_today(fake_centre: FakeCentre) -> None:
    """§1.7 rule 2: yesterday's open cycle is signed out (9002 with its own sign_no) before today's 9001."""
    wire = Wire()
    # Beijing time throughout: the business day is Beijing's, whatever this machine's zone is.
    yesterday = _client(fake_centre, wire, clock=lambda: datetime.now(SHANGHAI) - timedelta(days=1))
    old = yesterday.sessions.sign_in()
    yesterday.close()
    # The centre's own clock is today's (the gateway checks timestamps against it): its record of
    # that sign-in is moved to yesterday, as it would be had a day passed.
    yday_text = (datetime.now(SHANGHAI) - timedelta(days=1)).strftime("%Y-%m-%d")
    store = fake_centre.sandbox.app.state.sandbox.store
    with store.transaction():
        store.execute("UPDATE signins SET sign_day = ? WHERE sign_no = ?", (yday_text, old))
    today_wire = Wire()
    today = _client(fake_centre, today_wire)
    new = today.sessions.current_sign_no()
    assert new != old
    order = [(i, inp, sign) for i, inp, sign in today_wire.sent if i in ("9001", "9002")]
    assert [i for i, _, _ in order] == ["9002", "9001"]
    assert order[0][1]["signOut"]["sign_no"] == old and order[0][2] == old
    op = today.config.operator
    yday = (datetime.now(SHANGHAI) - timedelta(days=1)).date()
    session = today.engine.journal.get_session(op.opter, op.terminal, yday)
    assert session is not None and session.state == "out"
    today.sessions.current_sign_no()  # the day's cycle is reused: no second 9002 / 9001
    assert [i for i, _, _ in today_wire.sent].count("9001") == 1
    today.close()


def test_e_voucher_token_older_than_3_minutes_is_read_again(fake_centre: FakeCentre) -> None:
    """§1.6: an e-voucher token read by 1191 is not sent after 3 minutes: 1191 + 1101 again before 2207."""
    wire = Wire()
    shift = {"s": 0.0}
    client = _client(fake_centre, wire, clock=lambda: datetime.now(SHANGHAI) + timedelta(seconds=shift["s"]))
    p = _yunnan_person(fake_centre)
    who = client.identify(Medium("01", "", certno=p["certno"], source="ecode"))
    first_token = who.medium.mdtrt_cert_no
    assert who.medium.read_at > 0 and first_token
    visit = client.outpatient.register(who, ipt_otp_no="MZ0002")
    visit.upload_visit([Diagnosis("J00.x00", "急性鼻咽炎")])
    visit.upload_fees("B1", [FeeItem(feedetl_sn="1", med_list_codg="SB110200001", medins_list_codg="H-1",
                                     cnt=Decimal("1"), pric=Decimal("10.00"))])  # fmt: skip
    shift["s"] = 200.0  # the cashier took more than 3 minutes
    mark = len(wire.sent)
    visit.settle("B1")
    later = wire.infnos()[mark:]
    assert later.index("1191") < later.index("1101") < later.index("2207")
    sent_2207 = [inp for infno, inp, _ in wire.sent if infno == "2207"][-1]["data"]
    assert sent_2207["mdtrt_cert_no"] != first_token
    client.close()


def test_1191_sends_office_fields(fake_centre: FakeCentre) -> None:
    """§1.6: 1191 for an e-voucher carries businesstype, operatorid, operatorname, officeid and officename."""
    wire = Wire()
    client = _client(fake_centre, wire)
    client.identify(Medium("01", "", certno=_yunnan_person(fake_centre)["certno"], source="ecode"))
    data = next(inp for infno, inp, _ in wire.sent if infno == "1191")["data"]
    assert all(data[k] for k in ("businesstype", "operatorid", "operatorname", "officeid", "officename"))
    client.close()


def test_a_2304_reversed_by_hand_gets_the_same_follow_up(fake_centre: FakeCentre) -> None:
    """§1.11.6 after a 2601 sent by hand (an acceptance's 冲正 case, ``yibao call 2601``): the settled
    stay is REVERSED in the journal and 2405 + 2301 follow, as after the queue's own reversal."""
    wire = Wire()
    client, who, stay, diag = _admitted(fake_centre, wire, "ZY0002")
    stay.upload_fees([FeeItem(feedetl_sn="1", med_list_codg="SB110900001", medins_list_codg="H-1", cnt=Decimal("2"),
                              pric=Decimal("12.50"))])
    stay.discharge(diag)
    settled = stay.settle()
    undo = client.reply("2601", {"data": {"psn_no": who.psn_no, "omsgid": settled.msgid, "oinfno": "2304"}},
                        insuplc_admdvs=who.insuplc_admdvs, idem_key="ZY0002-undo")
    original = client.journal.get(settled.msgid)
    assert original is not None and (original.state, original.reversed_by) == (State.REVERSED, undo.msgid)
    after = wire.infnos()[wire.infnos().index("2601"):]
    assert after[:3] == ["2601", "2405", "2301"], after
    assert "follow-up sent: 2405, 2301" in (client.journal.get(settled.msgid).notes or "")  # type: ignore[union-attr]
