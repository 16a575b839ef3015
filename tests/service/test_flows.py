"""The outpatient visit and the inpatient stay through the service, each step sent to one of two
instances on the same journal in turn (any instance may take any step: the fee batches live in
the journal's database), amounts checked against the centre's books to the fen."""

from __future__ import annotations

from decimal import Decimal
from itertools import cycle
from typing import Any

import httpx

from yibao.core import wire

from ..workflows.support import Centre, settled_total
from .conftest import StartService, api_client, new_key


def _lines(drugs: list[dict[str, Any]], start: int, n: int, cnt: str = "2", pric: str = "12.50"
           ) -> list[dict[str, Any]]:
    return [{"feedetl_sn": str(start + i), "med_list_codg": d["med_list_codg"],
             "medins_list_codg": f"HIS{start + i:05d}", "cnt": Decimal(cnt), "pric": Decimal(pric)}
            for i, d in enumerate(drugs[:n])]


class Alternating:
    """POSTs to two instances in turn, each with a key; answers decoded with exact amounts."""

    def __init__(self, *clients: httpx.Client) -> None:
        self._next = cycle(clients)

    def post(self, path: str, body: dict[str, Any], status: int = 200) -> Any:
        r = next(self._next).post(path, content=wire.dumps_bytes(body), headers={"Idempotency-Key": new_key()})
        assert r.status_code == status, r.text
        return wire.loads(r.content)


def _person(api: httpx.Client, p: dict[str, Any]) -> dict[str, Any]:
    r = api.post("/v1/identify", json={"medium": {"kind": "id_card", "certno": p["certno"], "psn_name": p["psn_name"]}})
    assert r.status_code == 200, r.text
    person: dict[str, Any] = wire.loads(r.content)["person"]
    return person


def _adds_up(s: dict[str, Any]) -> None:
    assert s["fund_pay_sumamt"] + s["acct_pay"] + s["psn_cash_pay"] == s["medfee_sumamt"]


def test_outpatient_visit_through_two_instances(start: StartService, centre: Centre, drugs: list[dict[str, Any]],
                                                persons: list[dict[str, Any]]) -> None:
    """2201 → 2203 → 2204 ×2 → 2206 → 2207 ×2 → 2208 ×2 → 2205 → 2202."""
    a, b = start(kind="hospital"), start(kind="hospital")
    api = Alternating(api_client(a.url), api_client(b.url, "T02"))
    person = _person(api_client(a.url), persons[0])
    visit = api.post("/v1/outpatient/visits", {"person": person, "ipt_otp_no": "OP-S1"})
    base = f"/v1/outpatient/visits/{visit['mdtrt_id']}"
    step = {"person": person, "ipt_otp_no": "OP-S1"}
    api.post(f"{base}/diagnoses", {**step, "diagnoses": [{"diag_code": "J06.900", "diag_name": "急性上呼吸道感染"}]})
    b1 = api.post(f"{base}/fees", {**step, "chrg_bchno": "B1", "items": _lines(drugs, 1, 2)})
    api.post(f"{base}/fees", {**step, "chrg_bchno": "B2", "items": _lines(drugs, 3, 2, pric="8.80")})
    assert b1["medfee_sumamt"] == Decimal("50.00")
    pre = api.post(f"{base}/pre-settlement", {**step, "chrg_bchno": "B1"})
    assert pre["infno"] == "2206" and pre["output"]
    s1 = api.post(f"{base}/settlement", {**step, "chrg_bchno": "B1", "acct_used_flag": "1"})
    s2 = api.post(f"{base}/settlement", {**step, "chrg_bchno": "B2"})
    assert (s1["medfee_sumamt"], s2["medfee_sumamt"]) == (Decimal("50.00"), Decimal("35.20"))
    assert s1["mdtrt_id"] == s2["mdtrt_id"] == visit["mdtrt_id"]
    for s in (s1, s2):
        _adds_up(s)
    assert settled_total(centre.ledger(), person["psn_no"]) == Decimal("85.20")
    api.post(f"{base}/settlement", {**step, "chrg_bchno": "B9"}, status=409)  # never uploaded: refused, nothing sent
    wrong = api.post(f"{base}/settlement/cancel", {**step, "setl_id": s2["setl_id"], "mdtrt_id": "M-OTHER"},
                     status=422)  # another visit's id in the body: refused, nothing sent
    assert [(i["field"], i["rule"]) for i in wrong["issues"]] == [("mdtrt_id", "match")]
    # the cancel takes the visit's context like every other step, or only the settlement
    for s, body in ((s2, step), (s1, {"person": person})):
        c = api.post(f"{base}/settlement/cancel", {**body, "setl_id": s["setl_id"]})
        assert c["medfee_sumamt"] == -s["medfee_sumamt"]
    api.post(f"{base}/fees/revoke", step)
    api.post(f"{base}/cancel", step)
    assert {r["state"] for r in centre.ledger()} == {"cancelled"}
    assert settled_total(centre.ledger(), person["psn_no"]) == Decimal("0")


def test_inpatient_stay_through_two_instances(start: StartService, centre: Centre, drugs: list[dict[str, Any]],
                                              persons: list[dict[str, Any]]) -> None:
    """2401 → 2301 ×2 → 2402 → 2303 → 2304 → 2305 → 2405 → 2302 → 2404."""
    a, b = start(kind="hospital"), start(kind="hospital")
    api = Alternating(api_client(a.url, "T03"), api_client(b.url))
    person = _person(api_client(a.url), persons[1])
    diag = [{"diag_code": "K35.800", "diag_name": "急性阑尾炎"}]
    stay = api.post("/v1/inpatient/stays", {"person": person, "ipt_no": "IP-S1", "diagnoses": diag})
    base = f"/v1/inpatient/stays/{stay['mdtrt_id']}"
    step = {"person": person, "ipt_no": "IP-S1"}
    api.post(f"{base}/fees", {**step, "batch_no": "D1", "items": _lines(drugs, 1, 2)})
    api.post(f"{base}/fees", {**step, "batch_no": "D2", "items": _lines(drugs, 3, 2, cnt="1", pric="120.00")})
    api.post(f"{base}/discharge", {**step, "diagnoses": diag})
    pre = api.post(f"{base}/pre-settlement", {**step})
    assert pre["infno"] == "2303"
    s = api.post(f"{base}/settlement", {**step, "acct_used_flag": "1"})
    assert s["medfee_sumamt"] == Decimal("290.00") and s["acct_pay"] > 0
    _adds_up(s)
    assert settled_total(centre.ledger(), person["psn_no"]) == Decimal("290.00")
    c = api.post(f"{base}/settlement/cancel", {**step, "med_type": "21", "setl_id": s["setl_id"]})
    assert c["medfee_sumamt"] == Decimal("-290.00")
    api.post(f"{base}/discharge/cancel", step)
    api.post(f"{base}/fees/revoke", step)
    api.post(f"{base}/cancel", step)
    assert [r["state"] for r in centre.ledger()] == ["cancelled"]
