"""Yunnan §1.6 / §1.11.6: 1191 and 1192 as token steps, and the follow-up after a 2304 reversal."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from yibao.core.plugins import RegionHooks, get_plugin_manager, load_registry
from yibao.provinces.yunnan.medium import fresh_feedetl_sns


class Centre:
    """Records the calls a hook makes and answers them from a table."""

    def __init__(self, answers: Mapping[str, Any]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, Mapping[str, Any]]] = []

    def __call__(self, infno: str, data: Mapping[str, Any]) -> Any:
        self.calls.append((infno, data))
        return self.answers.get(infno, {})


class _Scoped:
    """Calls a hook the way the engine does: only on the plugins of the profile's region."""

    def __init__(self, registry: Any) -> None:
        self.registry = registry

    def __getattr__(self, hook: str) -> Any:
        def call(*, profile: Any, **kwargs: Any) -> Any:
            return getattr(RegionHooks.for_region(self.registry, profile).relay, hook)(profile=profile, **kwargs)

        return call


def _hook() -> tuple[Any, Any, Any]:
    reg = load_registry(get_plugin_manager())
    return _Scoped(reg), reg.resolve("530100"), reg.resolve("440100")


def test_1191_e_voucher_sends_operator_fields_and_returns_the_token() -> None:
    """01: businesstype / operator / office go to 1191; the token becomes 1101's mdtrt_cert_no."""
    hook, yunnan, _ = _hook()
    centre = Centre({"1191": {"data": {"mdtrt_cert_no": "TOKEN-1", "certno": "530102199001011234", "psn_name": "甲"}}})
    request = {"mdtrt_cert_type": "01", "operatorid": "0001", "operatorname": "收费员", "officeid": "K01",
               "officename": "门诊"}  # fmt: skip
    out = hook.yibao_read_medium(profile=yunnan, step="1191", request=request, call=centre)
    infno, sent = centre.calls[0]
    assert infno == "1191"
    assert sent["data"]["mdtrt_cert_type"] == "01" and sent["data"]["operatorid"] == "0001"
    assert sent["data"]["officename"] == "门诊" and sent["data"]["businesstype"]
    assert out["mdtrt_cert_no"] == "TOKEN-1" and out["psn_cert_type"] == "01"
    assert out["certno"] == "530102199001011234"


def test_1191_cards_send_cardtype() -> None:
    """03 with cardtype 0 (card) or 1 (electronic card): card number, card_sn and ID come back."""
    hook, yunnan, _ = _hook()
    for cardtype in ("0", "1"):
        centre = Centre({"1191": {"data": {"mdtrt_cert_no": "C1", "card_sn": "SN1", "certno": "X"}}})
        out = hook.yibao_read_medium(
            profile=yunnan, step="1191", request={"mdtrt_cert_type": "03", "cardtype": cardtype}, call=centre
        )
        assert centre.calls[0][1]["data"] == {"mdtrt_cert_type": "03", "cardtype": cardtype}
        assert (out["mdtrt_cert_no"], out["card_sn"], out["psn_cert_type"]) == ("C1", "SN1", "01")


def test_1192_only_for_id_card_persons_and_only_in_yunnan() -> None:
    """1192 carries infno and an empty cardtoken for 02; e-voucher persons and other regions skip it."""
    hook, yunnan, guangdong = _hook()
    centre = Centre({})
    req = {
        "mdtrt_cert_type": "02",
        "mdtrt_cert_no": "ID1",
        "certno": "ID1",
        "psn_name": "乙",
        "infno": "2207",
    }
    assert hook.yibao_read_medium(profile=yunnan, step="1192", request=req, call=centre) == {}
    assert centre.calls == [("1192", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "ID1",
                                                "psn_cert_type": "01", "psn_name": "乙", "infno": "2207",
                                                "cardtoken": ""}})]  # fmt: skip
    assert hook.yibao_read_medium(profile=yunnan, step="1192", request={"mdtrt_cert_type": "01"}, call=centre) == {}
    assert len(centre.calls) == 1
    assert hook.yibao_read_medium(profile=guangdong, step="1191", request=req, call=centre) is None


def test_after_2304_reversal_2405_then_2301_with_fresh_sns() -> None:
    """§1.11.6: 2405, then the journal's standing 2301 rows re-uploaded with new, non-repeating feedetl_sn;
    no 5204 for a lost settlement (its setl_id was never known, and 5204 requires one)."""
    hook, yunnan, _ = _hook()
    rows = [
        {"feedetl_sn": "1", "mdtrt_id": "M1", "med_list_codg": "A", "cnt": Decimal("2"), "pric": Decimal("1.50"),
         "det_item_fee_sumamt": Decimal("3.00")},
        {"feedetl_sn": "2", "mdtrt_id": "M1", "med_list_codg": "B", "cnt": Decimal("1"), "pric": Decimal("9.99"),
         "det_item_fee_sumamt": Decimal("9.99")},
        {"feedetl_sn": "3", "mdtrt_id": "M1", "med_list_codg": "C", "cnt": Decimal("1"), "pric": Decimal("5"),
         "det_item_fee_sumamt": Decimal("5.00")},
    ]  # fmt: skip
    history = [
        {"infno": "2301", "input_full": {"feedetail": rows}},
        {"infno": "2302", "input_full": {"data": [{"feedetl_sn": "3", "mdtrt_id": "M1", "psn_no": "P1"}]}},
    ]
    centre = Centre({})
    entry = {"infno": "2304", "msgid": "m1", "psn_no": "P1", "mdtrt_id": "M1", "input_full": {"data": {}}}
    sent = hook.yibao_after_reversal(profile=yunnan, entry=entry, call=centre, history=history)
    assert sent == ["2405", "2301"]
    assert [i for i, _ in centre.calls] == ["2405", "2301"]  # never a 5204 with an empty setl_id
    assert centre.calls[0] == ("2405", {"data": {"mdtrt_id": "M1", "psn_no": "P1"}})
    upload = centre.calls[1][1]["feedetail"]
    assert [r["med_list_codg"] for r in upload] == ["A", "B"]  # the revoked line 3 is not sent again
    assert {r["feedetl_sn"] for r in upload}.isdisjoint({"1", "2", "3"})
    assert all(r["mdtrt_id"] == "M1" and "init_feedetl_sn" not in r for r in upload)
    assert upload[0]["pric"] == Decimal("1.50")
    assert hook.yibao_after_reversal(profile=yunnan, entry={**entry, "infno": "2207"}, call=centre, history=[]) is None


def test_after_reversal_without_history_asks_5204_only_with_a_setl_id() -> None:
    """No journal rows: 5204 when the reversed settlement's setl_id is known, nothing sent when it is not."""
    hook, yunnan, _ = _hook()
    row = {"feedetl_sn": "9", "med_list_codg": "A", "cnt": Decimal("1"), "pric": Decimal("1"),
           "det_item_fee_sumamt": Decimal("1.00")}  # fmt: skip
    centre = Centre({"5204": {"data": [row]}})
    entry = {"infno": "2304", "msgid": "m1", "psn_no": "P1", "mdtrt_id": "M1", "setl_id": "S1", "input_full": {}}
    assert hook.yibao_after_reversal(profile=yunnan, entry=entry, call=centre, history=[]) == ["2405", "2301"]
    assert centre.calls[1] == ("5204", {"data": {"psn_no": "P1", "mdtrt_id": "M1", "setl_id": "S1"}})
    lost = Centre({})
    assert hook.yibao_after_reversal(profile=yunnan, entry={**entry, "setl_id": None}, call=lost,
                                     history=[]) == ["2405"]
    assert [i for i, _ in lost.calls] == ["2405"]


def test_fresh_sns_are_digits_and_unique() -> None:
    """Fresh feedetl_sn are ≤ 15 digits, distinct, and never one of the old ones."""
    now = datetime(2026, 1, 2, 3, 4, 5)
    old = ["260102030405001", "7"]
    new = fresh_feedetl_sns(old, now)
    assert len(new) == 2 and len(set(new)) == 2 and not set(new) & set(old)
    assert all(s.isdigit() and len(s) <= 15 for s in new)


def test_yunnan_outpatient_runs_1191_and_1192_against_the_sandbox(fake_centre: Any) -> None:
    """With the Yunnan profile over HTTP: 1191 before 1101, 1192 before 2207 for an ID-card person."""
    from yibao.core import Diagnosis, FeeItem, Medium
    from yibao.core.client import Client
    from yibao.core.plugins import RegionProfile, hookimpl

    sent: list[str] = []

    class Watch:
        @hookimpl
        def yibao_before_send(self, profile: RegionProfile, infno: str, envelope: Mapping[str, Any]) -> None:
            sent.append(infno)

    pm = get_plugin_manager()
    pm.register(Watch(), name="watch")
    client = Client(fake_centre.config("530000", transport={"kind": "http"}), registry=load_registry(pm))
    person = fake_centre.persons()[0]
    identity = client.identify(Medium.id_card(person["certno"], person["psn_name"]))
    visit = client.outpatient.register(identity, ipt_otp_no="MZ0001")
    visit.upload_visit([Diagnosis("J00.x00", "急性鼻咽炎")])
    item = fake_centre.items()[0]
    visit.upload_fees("B1", [FeeItem(feedetl_sn="1", med_list_codg=item["med_list_codg"], medins_list_codg="H-1",
                                     cnt=Decimal("1"), pric=Decimal("8.00"))])  # fmt: skip
    settled = visit.settle("B1")
    assert settled.setl_id
    assert sent.index("1191") < sent.index("1101")
    assert sent.index("1192") < sent.index("2207")
    client.close()
