"""``yibao demo``: a full cycle through the public Python API against an embedded sandbox.

It starts the simulated centre in-process on a free loopback port, then runs (printing each
step with its infno, result and amounts) sign-in; identify by ID number, e-voucher and card; a
pharmacy sale and its idempotent resubmission; an outpatient visit with two fee batches; an
inpatient stay; a cancel of each kind; one settlement whose answer is lost (a sandbox fault)
and its automatic 2601; and a 3201 for the day.  Exit 0 only when every step behaved.

This module is a client of both sides: it drives the sandbox through its control API and the
client only through :mod:`yibao.core`'s public face, like any HIS would.
"""

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
from rich.text import Text

from yibao.core import (
    Client,
    Diagnosis,
    FeeItem,
    Identity,
    InpatientStay,
    Medium,
    OutcomeUnknownError,
    OutpatientVisit,
    Settlement,
    State,
    YibaoError,
    load_registry,
    parse_config,
    wire_dumps,
    wire_loads,
)

from ..config import SandboxConfig
from ..server import run_in_thread
from .internet_demo import online_table, run_internet_cycle

__all__ = ["DEFAULT_REGION", "run_demo"]

SECRET_ENV = "YIBAO_DEMO_SECRET"
#: The sandbox's richest region (Dongguan: fixed values, local clearing types, all three kinds).
DEFAULT_REGION = "441900"


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
        # The step and its infno on one line, what came of it indented below: a detail (amounts,
        # ids) after two padded columns would wrap at any usual width.
        self.console.print(Text.assemble(("      ok " if ok else "  FAILED ", "green" if ok else "red"),
                                         f"{name}  ", (infno, "cyan")))
        for part in Text(detail, style="" if ok else "red").wrap(self.console, max(self.console.width - 9, 20)):
            part.rstrip()
            self.console.print(Text(" " * 9) + part, soft_wrap=True)
        return ok


def _amounts(s: Settlement) -> str:
    return (f"setl_id {s.setl_id}: total {s.medfee_sumamt} = fund {s.fund_pay_sumamt} + account {s.acct_pay}"
            f" + cash {s.psn_cash_pay}")


def _config(url: str, paasid: str, workdir: Path, region: str, online: dict[str, Any] | None = None) -> Any:
    extra = {"online": online} if online else {}
    return parse_config({
        "region": region,
        "gateway": {"url": url, "paasid": paasid, "secret_env": SECRET_ENV},
        "institution": {"fixmedins_code": f"H{region}00001", "fixmedins_name": "演示医院",
                        "mdtrtarea_admvs": region, "kind": "hospital"},
        "operator": {"opter": "0001", "opter_name": "演示收费员"},
        "journal": {"url": f"sqlite:///{workdir / 'journal.db'}"},
        "reversal": {"delay_seconds": 0}, **extra,
    }, source="demo")  # fmt: skip


def run_demo(workdir: Path, *, as_json: bool = False, region: str = DEFAULT_REGION) -> bool:
    """Run the cycle; returns whether every step behaved."""
    console = Console(highlight=False, quiet=as_json, markup=False)
    steps = Steps(console)
    with run_in_thread(SandboxConfig(state_dir=workdir / "sandbox", region=region)) as sb:
        console.print(f"yibao demo: region {region}; sandbox {sb.url} (paasid {sb.paasid})", soft_wrap=True)
        console.print(f"work dir {workdir}", soft_wrap=True)
        os.environ[SECRET_ENV] = sb.secret
        control = httpx.Client(base_url=sb.url, timeout=10)
        persons = wire_loads(control.get("/_sandbox/persons").content)
        catalog = wire_loads(control.get("/_sandbox/catalog").content)
        local = [p for p in persons if str(p.get("insuplc_admdvs", "")).startswith(region[:4])] or persons
        drugs = [c for c in catalog if c.get("chrgitm_lv") in ("01", "02")]
        online = load_registry().resolve(region).online is not None
        keys = online_table(sb.url, workdir) if online else None
        with Client(_config(sb.url, sb.paasid, workdir, region, keys)) as client:
            client.recover()
            if online:  # an internet-hospital region: the online cycle (internet_demo.py)
                ok = run_internet_cycle(client, lambda n, i, fn: steps.run(n, i, fn), control, persons)
            else:
                ok = _cycle(client, steps, control, local, drugs)
        control.close()
    table = Table("step", "infno", "result", title="yibao demo")
    for r in steps.rows:
        table.add_row(r["step"], r["infno"], "ok" if r["ok"] else "FAILED")
    if as_json:
        print(wire_dumps({"ok": ok, "region": region, "steps": steps.rows}))
    else:
        console.print(table)
        console.print(Text("every step behaved", "bold green") if ok else Text("some steps did not behave", "bold red"))
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
        return f"sign_no {client.sessions.current_sign_no()}"

    def by_id() -> str:
        p = persons[0]
        box["a"] = client.identify(Medium.id_card(p["certno"], p["psn_name"]))
        return f"psn_no {box['a'].psn_no} insutype {box['a'].insutype} {box['a'].locality} balance {box['a'].balc}"

    def by_ectoken() -> str:
        p = persons[1]
        t = control.post("/_sandbox/ectoken", json={"certno": p["certno"]}).json()["ectoken"]
        box["b"] = client.identify(Medium.ectoken(t))
        return f"psn_no {box['b'].psn_no} via e-voucher (single use)"

    def by_card() -> str:
        p = next(x for x in persons[2:] if x.get("card_sn"))
        box["c"] = client.identify(Medium.ss_card(p["card_no"], p["card_sn"], p["certno"]))
        return f"psn_no {box['c'].psn_no} via card {p['card_no'][:4]}****"

    def pharmacy() -> str:
        s = client.pharmacy.settle(box["a"], _items(drugs, 1, 3), acct_used_flag="1", idem_key="DEMO-RX-1")
        box["rx"] = s
        assert s.medfee_sumamt == s.fund_pay_sumamt + s.acct_pay + s.psn_cash_pay
        return _amounts(s) + ("  [account debited: no POS swipe]" if s.warnings else "")

    def pharmacy_again() -> str:
        s = client.pharmacy.settle(box["a"], _items(drugs, 1, 3), acct_used_flag="1", idem_key="DEMO-RX-1")
        assert s.setl_id == box["rx"].setl_id
        return f"same bill number: stored result {s.setl_id}, nothing sent"

    def outpatient() -> str:
        v = client.outpatient.register(box["b"], ipt_otp_no="OP0001")
        v.upload_visit([Diagnosis("J06.900", "急性上呼吸道感染")])
        v.upload_fees("B1", _items(drugs, 1, 2))
        v.upload_fees("B2", _items(drugs, 3, 2, pric="8.80"))
        s1 = v.settle("B1", ectoken_provider=token)
        s2 = v.settle("B2", ectoken_provider=token)
        box["op"] = v
        return f"mdtrt_id {v.mdtrt_id}; batch B1 {s1.medfee_sumamt}, batch B2 {s2.medfee_sumamt}"

    def inpatient() -> str:
        st = client.inpatient.admit(box["c"], ipt_no="IP0001", diagnoses=[Diagnosis("K35.800", "急性阑尾炎")])
        st.upload_fees(_items(drugs, 1, 2))
        st.upload_fees(_items(drugs, 3, 2, cnt="1", pric="120.00"))
        st.change([Diagnosis("K35.800", "急性阑尾炎"), Diagnosis("K59.000", "便秘", maindiag_flag="0")])
        st.discharge([Diagnosis("K35.800", "急性阑尾炎")])
        s = st.settle(acct_used_flag="0")
        box["ip"] = st
        return _amounts(s)

    def cancel_rx() -> str:
        c = client.pharmacy.cancel(box["a"], box["rx"])
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
        who = client.identify(Medium.id_card(p["certno"], p["psn_name"]))
        try:
            client.pharmacy.settle(who, _items(drugs, 1, 1), acct_used_flag="0")
        except OutcomeUnknownError as exc:
            box["lost"] = exc.msgid
            entry = client.journal.get(str(exc.msgid))
            assert entry is not None and entry.state == State.UNKNOWN
            return f"answer lost: {exc.msgid} journaled UNKNOWN (the HIS shows 结算失败)"
        raise AssertionError("the sandbox answered although the fault was armed")

    def reversal() -> str:
        report = client.journal.recover(wait=True, max_wait=30)
        entry = client.journal.get(box["lost"])
        assert entry is not None and entry.state == State.REVERSED, report
        ledger = wire_loads(control.get("/_sandbox/ledger").content)
        row = next(r for r in ledger if r["msgid"] == box["lost"])
        assert row["state"] == "reversed", row
        return f"2601 omsgid {box['lost']}: centre shows it reversed, journal REVERSED"

    def day_totals() -> str:
        report = client.reconcile.day()
        assert report.balanced, report.to_dict()
        return f"{len(report.groups)} groups, every one balanced (stmt_rslt 0)"

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
