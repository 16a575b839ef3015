"""``yibao acceptance --kind internet``: the internet-hospital cycle through ``client.online``, and
the region's functions (Xiamen's 29) each with the calls that are its evidence.

The run drives two consultations through the public API (:mod:`yibao.core.online.flow`): the
first is checked, prescribed, uploaded, ordered, paid at the channel, notified (6302), queried
(6301), invoiced, shipped and finally refunded (6203) with its bill written off; the second is
uploaded and then undone before payment (6401, 2202), and a prescription is withdrawn (7104).
The HIS callbacks (23-25) and the reports (28, 29) are asked at the end.  Every exchange is
recorded (the engine's observer for 1101 / 2201 / 2202 / 3101, the online observer for the
rest); a function passed when each of its interfaces answered at least once and none failed.

What the patient and the centre's people do (authorise, pay at the cashier, the pharmacist's
review, the doctor's face check, the parcel's delivery) comes from :class:`Rehearsal`: against
the sandbox its control API; against the bureau's test environment there is none, and the steps
that need it are reported ``not_run`` saying so.  Without an installed HIS plugin a stand-in
answers the HIS callbacks in a rehearsal (the report says so).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from ..clock import now
from ..errors import YibaoError
from ..plugins import hookimpl
from ..workflows.identify import Medium
from .recorder import Recorder
from .report import AcceptanceReport, InterfaceResult

if TYPE_CHECKING:
    from ..client import Client

__all__ = ["Rehearsal", "StandInHis", "run_internet"]


@attrs.frozen
class Rehearsal:
    """The other people's steps (the sandbox's control API in a rehearsal)."""

    authorize: Callable[[str], str]  # certno -> the channel's authCode
    pay: Callable[[str], Any]  # payOrdId: the patient pays at the cashier
    review: Callable[[str], Any]  # hiRxno: the centre's pharmacist approves
    face: Callable[[str], Any]  # faceSn: the doctor's face check passes
    deliver: Callable[[str], Any]  # logisticsSn: the parcel is signed for
    register_callback: Callable[[str], Any]  # the receiver's URL (6302 at +/6302, 6204 at +/6204)


class StandInHis:
    """Answers ``yibao_his_request`` in a rehearsal where no HIS plugin is installed."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, Mapping[str, Any]]] = []

    @hookimpl
    def yibao_his_request(self, name: str, payload: Mapping[str, Any]) -> Mapping[str, Any]:
        """A HIS that knows every prescription and takes every confirmation (rehearsal only)."""
        self.seen.append((name, dict(payload)))
        if name == "prescription_info":
            return {"resultCode": "0", "setlFlag": "1", "prescription": {"medOrgOrd": payload.get("medOrgOrd")}}
        if name == "pending_prescriptions":
            return {"resultCode": "0", "prescriptions": []}
        return {"resultCode": "0", "resultMsg": "ok"}


def _serve(app: Any) -> tuple[str, Callable[[], None]]:
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="yibao-acceptance-receiver", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)

    return f"http://127.0.0.1:{port}", stop


class _Run:
    def __init__(self, client: Client, persons: list[Mapping[str, Any]], rehearsal: Rehearsal | None) -> None:
        from ..online.flow import Doctor, Pharmacist, RxItem

        self.client, self.rehearsal = client, rehearsal
        self.notes: list[str] = []
        self.online = client.online
        local = client.profile.classify
        area = client.config.institution.mdtrtarea_admvs
        ok = [p for p in persons if p.get("psn_cert_type", "01") == "01"]
        self.person = next((p for p in ok if local(str(p.get("insuplc_admdvs", "")), area) == "local"), ok[0])
        self.doctor = Doctor(dr_code="D" + client.config.institution.fixmedins_code[-12:], dr_name="验收医师")
        self.pharmacist = Pharmacist(phar_code="HY" + client.config.institution.fixmedins_code[-12:],
                                     phar_name="验收药师")
        self.items = (RxItem("SB110200001", "普通门诊诊查费", Decimal("1"), Decimal("15.00"), "ACC-ZC01", drug=False),
                      RxItem("SBXA01AAA0001", "阿莫西林胶囊", Decimal("2"), Decimal("12.50"), "ACC-YP01"))
        self.diagnosis = ("J06.900", "急性上呼吸道感染")
        self.stamp = f"{now():%y%m%d%H%M%S}"

    def step(self, label: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except (YibaoError, ValueError, KeyError, TypeError) as exc:
            self.notes.append(f"{label}: {type(exc).__name__}: {exc}")
            return None

    def needs(self, what: str) -> bool:
        if self.rehearsal is None:
            self.notes.append(f"{what}: needs the patient / the centre's people (a rehearsal against the sandbox)")
            return False
        return True

    def consult(self, n: int) -> Any:
        if not self.needs("authorisation (CH10)"):
            return None
        assert self.rehearsal is not None
        who = self.client.identify(Medium.id_card(str(self.person["certno"]), str(self.person.get("psn_name", ""))))
        auth = self.online.authorize(self.rehearsal.authorize(str(self.person["certno"])))
        return self.online.consultation(who, auth, self.doctor, med_org_ord=f"ACC{self.stamp}{n}")

    def run(self) -> None:
        r = self.rehearsal
        first = self.step("2201 consultation", lambda: self.consult(1))
        if first is None:
            return
        checks = self.step("XM01/XM04/XM02 doctor", first.check_doctor)
        if checks and r is not None:
            face_sn = str(checks["face"]["faceSn"])
            self.step("face check", lambda: r.face(face_sn))
            self.step("XM03", lambda: first.face_result(face_sn))
        self.step("3101", lambda: first.remind(self.items, self.diagnosis))
        self.step("XM06", lambda: first.record([{"time": f"{now():%Y-%m-%d %H:%M:%S}", "role": "doctor",
                                                 "content": "验收问诊记录"}]))
        rx = self.step("7101-7103", lambda: first.prescribe(self.items, self.diagnosis, self.pharmacist,
                                                              b"%PDF-1.4 acceptance"))
        if rx is not None and r is not None:
            self.step("review", lambda: r.review(rx.hi_rxno))
            self.step("7106", lambda: first.review(rx))
        order = self.step("6201", lambda: first.upload_fees(self.items, self.diagnosis))
        order = self.step("6202", first.pay) if order is not None else None
        if order is not None and r is not None:
            self.step("cashier", lambda: r.pay(order.pay_ord_id))
            self.step("6302 / 6301", lambda: first.wait(timeout=15, poll=1))
            self.step("6301", lambda: self.online.orders.query(first.med_org_ord))
        bill = self.step("EB01", first.invoice)
        if bill is not None:
            self.step("EB04", lambda: self.online.invoices.download(bill))
            self.step("EB03", lambda: self.online.invoices.status(bill))
        sn = self.step("XM21", lambda: self.online.local.call("XM21", self._parcel(first.med_org_ord)))
        if sn and r is not None:
            self.step("deliver", lambda: r.deliver(str(sn["logisticsSn"])))
            self.step("XM22", lambda: self.online.local.call("XM22", {"logisticsSn": sn["logisticsSn"]}))
        his = self.online.his
        who = {"idNo": self.person["certno"], "userName": self.person.get("psn_name", ""),
               "psnNo": first.identity.psn_no}
        self.step("HIS23", lambda: his.ask("HIS23", who))
        self.step("HIS25", lambda: his.ask("HIS25", {"medOrgOrd": first.med_org_ord}))
        self.step("HIS24", lambda: his.deliver_due())
        today = f"{now():%Y-%m-%d}"
        page = {"begnDate": today, "endDate": today, "pageNum": Decimal("1"), "pageSize": Decimal("50")}
        self.step("XM28", lambda: self.online.local.call("XM28", page))
        self.step("XM29", lambda: self.online.local.call("XM29", page))
        self.step("6203", first.cancel)
        if bill is not None:
            self.step("EB02", lambda: self.online.invoices.write_off(bill, reason="退费", operator="验收员"))
        second = self.step("second consultation", lambda: self.consult(2))
        if second is not None:
            rx2 = self.step("7101-7103 (2)", lambda: second.prescribe(self.items, self.diagnosis, self.pharmacist,
                                                                        b"%PDF-1.4 withdrawn"))
            if rx2 is not None:
                self.step("7104", lambda: second.withdraw(rx2, "处方开错"))
            self.step("6201 (2)", lambda: second.upload_fees(self.items, self.diagnosis))
            self.step("6401 / 2202", second.cancel)

    def _parcel(self, mo: str) -> dict[str, Any]:
        return {"medOrgOrd": mo, "expressCompany": "顺丰速运", "expressNo": f"SF{self.stamp}", "receiverName":
                self.person.get("psn_name", ""), "receiverTel": "13800000000", "receiverAddr": "厦门市海沧区(验收)",
                "sendTime": f"{now():%Y-%m-%d %H:%M:%S}"}


def _evidence(records: list[Any]) -> str:
    parts = []
    for r in records:
        reply = r.reply if isinstance(r.reply, Mapping) else {}
        keys = [k for k in ("payOrdId", "ordStas", "hiRxno", "rxStasCodg", "rxChkStasCodg", "billNo", "faceSn",
                            "authFlag", "rxRightFlag", "uploadSn", "logisticsSn", "logisticsStas", "refStatus",
                            "total", "resultCode", "success", "bytes") if k in reply]
        shown = ", ".join(f"{k} {reply[k]}" for k in keys)
        parts.append(f"{r.infno} {r.msgid or '-'} {'ok' if r.ok else 'FAILED'}{': ' + shown if shown else ''}")
    return "; ".join(parts)


def run_internet(client: Client, persons: list[Mapping[str, Any]], rehearsal: Rehearsal | None) -> AcceptanceReport:
    """Run the internet-hospital cycle and report the region's functions (module docstring)."""
    profile = client.profile
    online = profile.online
    if online is None:
        raise ValueError(f"region {profile.code} has no online settlement")
    report = AcceptanceReport(region=profile.code, kind="internet",
                              fixmedins_code=client.config.institution.fixmedins_code,
                              gateway=client.config.gateway.url, started_at=now().isoformat(timespec="seconds"))
    recorder = Recorder()
    if rehearsal is not None and not client.hooks.implements("yibao_his_request"):
        client.hooks.add_plugin(StandInHis(), "yibao-rehearsal-his")
        report.notes.append("HIS callbacks answered by the rehearsal's stand-in HIS (no HIS plugin is installed)")
    client.add_observer(recorder)
    client.online.add_observer(recorder.online)
    url, stop = _serve(client.online.asgi_app())
    try:
        if rehearsal is not None:
            rehearsal.register_callback(url + online.notice_path)
        run = _Run(client, list(persons), rehearsal)
        run.step("flows", run.run)
        report.notes.extend(run.notes)
    finally:
        stop()
        client.online.remove_observer(recorder.online)
        client.remove_observer(recorder)
    for interface in profile.institution_kinds.get("internet", ()):
        records = recorder.by_infno(interface)
        failed = [r for r in records if not r.ok]
        shown = (failed or records)[0] if records else None
        status = "not_run" if not records else ("failed" if failed else "passed")
        report.interfaces.append(InterfaceResult(
            infno=interface, name=online.endpoints[interface].name if interface in online.endpoints else "",
            status=status, seconds=round(sum(r.seconds for r in records), 4), calls=tuple(records),
            error=shown.error if shown else "no flow reached it", evidence_asked="",
            evidence=_evidence(records)))  # fmt: skip
    by_id = {i.infno: i for i in report.interfaces}
    for f in online.functions:
        states = [by_id[i].status if i in by_id else "not_run" for i in f.interfaces]
        status = "passed" if all(s == "passed" for s in states) else ("failed" if "failed" in states else "not_run")
        report.functions.append({"number": f.number, "module": f.module, "name": f.name,
                                 "interfaces": list(f.interfaces), "verified": f.verified, "basis": f.basis,
                                 "status": status,
                                 "evidence": "; ".join(by_id[i].evidence for i in f.interfaces if i in by_id)})
    report.records = recorder.records
    report.finished_at = now().isoformat(timespec="seconds")
    return report
