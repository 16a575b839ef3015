"""The steps of ``yibao demo`` (see :mod:`.demo`); each step checks what it must show."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from .. import wire
from ..client import Client
from ..config import parse_config
from ..errors import OutcomeUnknownError, YibaoError
from ..journal import State
from ..workflows.identify import Identity, Medium, identify
from ..workflows.inpatient import InpatientStay
from ..workflows.outpatient import Diagnosis, OutpatientVisit
from ..workflows.settle import FeeItem, Settlement, cancel_pharmacy, settle_pharmacy

__all__ = ["run_demo"]

SECRET_ENV = "YIBAO_DEMO_SECRET"


class Steps:
    def __init__(self, console: Console) -> None:
        self.rows: list[dict[str, Any]] = []
        self.console = console

    def run(self, name: str, infno: str, fn: Callable[[], str]) -> bool:
        t0 = time.perf_counter()
        try:
            detail = fn()
            ok = True
        except (YibaoError, AssertionError, KeyError, httpx.HTTPError) as exc:
            detail, ok = f"{type(exc).__name__}: {exc}", False
        ms = (time.perf_counter() - t0) * 1000
        self.rows.append({"step": name, "infno": infno, "ok": ok, "detail": detail, "ms": round(ms)})
        mark = "[green]ok[/]" if ok else "[red]FAILED[/]"
        self.console.print(f"{mark:>20} {infno:<16} {name:<44} {detail}", highlight=False)
        return ok


def _amounts(s: Settlement) -> str:
    return (f"total {s.medfee_sumamt} = fund {s.fund_pay_sumamt} + account {s.acct_pay} + cash {s.psn_cash_pay}"
            f"  setl_id {s.setl_id}")


def run_demo(workdir: Path, *, as_json: bool = False) -> bool:
    """Run the cycle; returns whether every step behaved."""
    from yibao.sandbox.config import SandboxConfig
    from yibao.sandbox.server import run_in_thread

    console = Console(highlight=False, quiet=as_json)
    steps = Steps(console)
    with run_in_thread(SandboxConfig(state_dir=workdir / "sandbox")) as sb:
        console.print(f"[bold]yibao demo[/]: embedded sandbox at {sb.url} (paasid {sb.paasid}); work dir {workdir}")
        os.environ[SECRET_ENV] = sb.secret
        cfg = parse_config({
            "region": "441900",
            "gateway": {"url": sb.url, "paasid": sb.paasid, "secret_env": SECRET_ENV},
            "institution": {"fixmedins_code": "H44190000001", "fixmedins_name": "东莞演示医院",
                            "mdtrtarea_admvs": "441900", "kind": "hospital"},
            "operator": {"opter": "0001", "opter_name": "演示收费员"},
            "journal": {"url": f"sqlite:///{workdir / 'journal.db'}"},
            "reversal": {"delay_seconds": 0},
        }, source="demo")
        control = httpx.Client(base_url=sb.url, timeout=10)
        persons = control.get("/_sandbox/persons").json()
        catalog = control.get("/_sandbox/catalog").json()
        local = [p for p in persons if str(p.get("insuplc_admdvs", "")).startswith("4419")]
        drugs = [c for c in catalog if c.get("chrgitm_lv") in ("01", "02")]
        with Client(cfg) as client:
            ok = _cycle(client, steps, control, local, drugs)
        control.close()
    table = Table("step", "infno", "result", title="yibao demo")
    for r in steps.rows:
        table.add_row(r["step"], r["infno"], "ok" if r["ok"] else "FAILED")
    if as_json:
        print(wire.dumps({"ok": ok, "steps": steps.rows}, check_floats=False))
    else:
        console.print(table)
        console.print("[bold green]every step behaved[/]" if ok else "[bold red]some steps did not behave[/]")
    return ok


def _items(drugs: list[dict[str, Any]], start: int, n: int, cnt: str = "2", pric: str = "12.50") -> list[FeeItem]:
    return [FeeItem(feedetl_sn=str(start + i), med_list_codg=d["med_list_codg"], medins_list_codg=f"HIS{start + i:05d}",
                    cnt=Decimal(cnt), pric=Decimal(pric)) for i, d in enumerate(drugs[:n])]


def _cycle(client: Client, steps: Steps, control: httpx.Client, persons: list[dict[str, Any]],
           drugs: list[dict[str, Any]]) -> bool:
    box: dict[str, Any] = {}

    def token(identity: Identity) -> str:
        return str(control.post("/_sandbox/ectoken", json={"certno": identity.certno}).json()["ectoken"])

    def sign_in() -> str:
        sign_no = client.sessions.current_sign_no()
        return f"sign_no {sign_no}"

    def by_id() -> str:
        p = persons[0]
        box["a"] = identify(client, Medium.id_card(p["certno"], p["psn_name"]))
        return f"psn_no {box['a'].psn_no} insutype {box['a'].insutype} {box['a'].locality} balance {box['a'].balc}"

    def by_ectoken() -> str:
        p = persons[1]
        t = control.post("/_sandbox/ectoken", json={"certno": p["certno"]}).json()["ectoken"]
        box["b"] = identify(client, Medium.ectoken(t))
        return f"psn_no {box['b'].psn_no} via e-voucher (single use)"

    def by_card() -> str:
        p = next(x for x in persons[2:] if x.get("card_sn"))
        box["c"] = identify(client, Medium.ss_card(p["card_no"], p["card_sn"], p["certno"]))
        return f"psn_no {box['c'].psn_no} via card {p['card_no'][:4]}****"

    def pharmacy() -> str:
        s = settle_pharmacy(client, box["a"], _items(drugs, 1, 3), acct_used_flag="1", idem_key="DEMO-RX-1")
        box["rx"] = s
        assert s.medfee_sumamt == s.fund_pay_sumamt + s.acct_pay + s.psn_cash_pay
        return _amounts(s) + ("  [account debited: no POS swipe]" if s.warning else "")

    def pharmacy_again() -> str:
        s = settle_pharmacy(client, box["a"], _items(drugs, 1, 3), acct_used_flag="1", idem_key="DEMO-RX-1")
        assert s.setl_id == box["rx"].setl_id
        return f"same bill number: stored result {s.setl_id}, nothing sent"

    def outpatient() -> str:
        v = OutpatientVisit.register(client, box["b"], ipt_otp_no="OP0001")
        v.upload_visit([Diagnosis("J06.900", "急性上呼吸道感染")])
        v.upload_fees("B1", _items(drugs, 1, 2))
        v.upload_fees("B2", _items(drugs, 3, 2, pric="8.80"))
        s1 = v.settle("B1", ectoken_provider=token)
        s2 = v.settle("B2", ectoken_provider=token)
        box["op"] = v
        return f"mdtrt_id {v.mdtrt_id}; batch B1 {s1.medfee_sumamt}, batch B2 {s2.medfee_sumamt}"

    def inpatient() -> str:
        st = InpatientStay.admit(client, box["c"], ipt_no="IP0001", diagnoses=[Diagnosis("K35.800", "急性阑尾炎")])
        st.upload_fees(_items(drugs, 1, 2))
        st.upload_fees(_items(drugs, 3, 2, cnt="1", pric="120.00"))
        st.change([Diagnosis("K35.800", "急性阑尾炎"), Diagnosis("K59.000", "便秘", maindiag_flag="0")])
        st.discharge([Diagnosis("K35.800", "急性阑尾炎")])
        s = st.settle(acct_used_flag="0")
        box["ip"] = st
        return _amounts(s)

    def cancel_rx() -> str:
        c = cancel_pharmacy(client, box["a"], box["rx"])
        return f"2103 reversed {box['rx'].setl_id}: {c.medfee_sumamt}"

    def cancel_op() -> str:
        v: OutpatientVisit = box["op"]
        c = v.cancel("B2")
        return f"2208 cancelled batch B2: {c.medfee_sumamt}"

    def cancel_ip() -> str:
        st: InpatientStay = box["ip"]
        st.cancel_settlement()
        st.cancel_discharge()
        st.revoke_fees()
        st.cancel_admission()
        return "2305 → 2405 → 2302 → 2404 done"

    def lost_answer() -> str:
        control.post("/_sandbox/faults", json={"infno": "2102", "mode": "drop_after_commit", "times": 1})
        p = persons[3]
        who = identify(client, Medium.id_card(p["certno"], p["psn_name"]))
        try:
            settle_pharmacy(client, who, _items(drugs, 1, 1), acct_used_flag="0")
        except OutcomeUnknownError as exc:
            box["lost"] = exc.msgid
            entry = client.journal.get(str(exc.msgid))
            assert entry is not None and entry.state == State.UNKNOWN
            return f"answer lost: {exc.msgid} journaled UNKNOWN (the HIS shows 结算失败)"
        raise AssertionError("the sandbox answered although the fault was armed")

    def reversal() -> str:
        report = client.reversals.recover(wait=True, max_wait=30)
        entry = client.journal.get(box["lost"])
        assert entry is not None and entry.state == State.REVERSED, report
        ledger = control.get("/_sandbox/ledger").json()
        row = next(r for r in ledger if r["msgid"] == box["lost"])
        assert row["state"] == "reversed", row
        return f"2601 omsgid {box['lost']}: centre shows it reversed, journal REVERSED"

    def day_totals() -> str:
        return _reconcile_day(client)

    ok = True
    for name, infno, fn in [
        ("sign in", "9001", sign_in),
        ("identify by ID number", "1101", by_id),
        ("identify by e-voucher", "1101", by_ectoken),
        ("identify by social-security card", "1101", by_card),
        ("pharmacy sale", "2101→2102", pharmacy),
        ("the same sale again (idempotency key)", "—", pharmacy_again),
        ("outpatient visit, two fee batches", "2201→2203→2204×2→2206/2207×2", outpatient),
        ("inpatient stay", "2401→2301×2→2403→2402→2303→2304", inpatient),
        ("cancel the pharmacy sale", "2103", cancel_rx),
        ("cancel one outpatient batch", "2208", cancel_op),
        ("undo the inpatient stay", "2305→2405→2302→2404", cancel_ip),
        ("a settlement whose answer is lost", "2102", lost_answer),
        ("automatic reversal", "2601", reversal),
        ("reconcile the day", "3201", day_totals),
    ]:
        ok = steps.run(name, infno, fn) and ok
    return ok


def _reconcile_day(client: Client) -> str:
    """3201 for every group of today's settlements; detail reconciliation where one does not balance."""
    from ..workflows.reconcile import reconcile

    today = client.clock().date()
    report = reconcile(client, today, today)
    assert report.balanced, report.to_dict()
    return f"{len(report.groups)} groups, every one balanced (stmt_rslt 0)"
