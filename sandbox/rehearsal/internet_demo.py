"""``yibao demo --region 350200``: the internet-hospital cycle against the embedded sandbox.

Consultation (doctor checks, 3101, the consultation record, the e-prescription and its review),
the patient's authorisation at the channel, 1101, 2201, 6201, 6202, payment at the cashier, the
6302 notice at the institution's own receiver (served here on a loopback port and registered
with the centre), 6301 agreeing, the e-invoice and its download, the parcel, the HIS
confirmation, the refund (6203) with the bill written off; then a second order whose 6202
answer is lost, resolved by 6301 and undone by 6401 and 2202.  Like the main demo it drives the
client only through ``yibao.core``'s public face and the sandbox through its control API.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from yibao.core import (
    Client,
    Consultation,
    Doctor,
    Identity,
    Medium,
    OrderState,
    OutcomeUnknownError,
    Pharmacist,
    RxItem,
    hookimpl,
)

from ..server import serve_app

__all__ = ["DemoHis", "online_table", "run_internet_cycle"]

KEY_ENV = ("YIBAO_DEMO_MOBILEPAY_SECRET", "YIBAO_DEMO_MOBILEPAY_PLATFORM_KEY", "YIBAO_DEMO_EINVOICE_KEY")
DOCTOR = Doctor(dr_code="D350200000001", dr_name="演示医师")
PHARMACIST = Pharmacist(phar_code="HY350200000001", phar_name="演示药师")
ITEMS = (RxItem("SB110200001", "普通门诊诊查费(测试)", Decimal("1"), Decimal("15.00"), "HIS-ZC01", drug=False),
         RxItem("SBXA01AAA0001", "阿莫西林胶囊(测试)", Decimal("2"), Decimal("12.50"), "HIS-YP01"))
DIAGNOSIS = ("J06.900", "急性上呼吸道感染")


class DemoHis:
    """The demo's HIS: answers the callbacks 23-25 (a hospital installs its own plugin)."""

    def __init__(self) -> None:
        self.confirmed: list[str] = []

    @hookimpl
    def yibao_his_request(self, name: str, payload: Mapping[str, Any]) -> Mapping[str, Any]:
        """结算结果确认 taken, 待扣费处方 none, every prescription known (demo data)."""
        if name == "settlement_confirm":
            self.confirmed.append(str(payload.get("medOrgOrd")))
        if name == "prescription_info":
            return {"resultCode": "0", "setlFlag": "1", "prescription": {"medOrgOrd": payload.get("medOrgOrd")}}
        return {"resultCode": "0", "prescriptions": []}


def online_table(url: str, workdir: Path) -> dict[str, Any]:
    """The sandbox's keys handed over as a deployment gets them: a key file (0600) and variables."""
    creds = httpx.get(f"{url}/_sandbox/mobilepay/credentials", timeout=10).json()
    invoice = httpx.get(f"{url}/_sandbox/einvoice/credentials", timeout=10).json()
    key = workdir / "institution-sm2.key"
    fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(creds["institution_private_key"] + "\n")
    for name, value in zip(KEY_ENV, (creds["appSecret"], creds["platform_public_key"], invoice["appKey"]), strict=True):
        os.environ[name] = value
    return {"app_id": creds["appId"], "app_secret_env": KEY_ENV[0], "private_key_file": str(key),
            "platform_key_env": KEY_ENV[1], "poll_seconds": 1,
            "invoice": {"app_id": invoice["appid"], "app_key_env": KEY_ENV[2]}}


def run_internet_cycle(client: Client, run: Callable[[str, str, Callable[[], str]], bool], control: httpx.Client,
                       persons: list[dict[str, Any]]) -> bool:
    """The steps (``run(name, interfaces, fn)`` prints each); whether every one behaved."""
    his = DemoHis()
    client.hooks.add_plugin(his, "yibao-demo-his")
    online = client.online
    person = next(p for p in persons if p["insuplc_admdvs"] == "350200" and p["insutype"] == "310")
    box: dict[str, Any] = {}

    def post(path: str, body: Mapping[str, Any]) -> Any:
        r = control.post(f"/_sandbox/{path}", json=dict(body))
        r.raise_for_status()
        return r.json()

    def consultation(mo: str) -> Consultation:
        who: Identity = client.identify(Medium.id_card(person["certno"], person["psn_name"]))
        auth = online.authorize(post("mobilepay/authorize", {"certno": person["certno"]})["authCode"])
        return online.consultation(who, auth, DOCTOR, med_org_ord=mo)

    def start() -> str:
        box["v"] = v = consultation(f"DEMO{os.getpid()}1")
        return f"payAuthNo ****{v.auth.pay_auth_no[-4:]}; visit {v.visit.mdtrt_id}"

    def doctor() -> str:
        checks = box["v"].check_doctor()
        post("local/face", {"faceSn": checks["face"]["faceSn"]})
        face = box["v"].face_result(checks["face"]["faceSn"])
        assert checks["auth"]["authFlag"] == "1" and checks["rx_right"]["rxRightFlag"] == "1"
        assert face["faceStas"] == "1"
        return "authorised, may prescribe, face check passed"

    def consult() -> str:
        box["v"].remind(ITEMS, DIAGNOSIS)
        box["v"].record([{"time": "10:00", "role": "patient", "content": "咽痛两天"}, {"time": "10:02", "role":
                         "doctor", "content": "考虑上呼吸道感染"}])
        return "no rule broken; consultation record kept"

    def prescribe() -> str:
        rx = box["v"].prescribe(ITEMS, DIAGNOSIS, PHARMACIST, b"%PDF-1.4 demo prescription")
        post("rx/review", {"hiRxno": rx.hi_rxno})
        review = box["v"].review(rx)
        assert review["rxChkStasCodg"] == "1"
        return f"hiRxno {rx.hi_rxno}, pharmacist approved"

    def upload() -> str:
        order = box["v"].upload_fees(ITEMS, DIAGNOSIS)
        assert order.state == OrderState.UPLOADED and order.cashier_url
        return f"payOrdId {order.pay_ord_id}; cashier page {order.cashier_url.split('?')[0]}"

    def order() -> str:
        o = box["v"].pay()
        assert o.split is not None and o.split.adds_up
        s = o.split
        return f"total {s.fee_sumamt} = fund {s.fund_pay} + account {s.psn_acct_pay} + cash {s.own_pay_amt}"

    def paid() -> str:
        pushes = post("mobilepay/cashier", {"payOrdId": box["v"].order.pay_ord_id})["pushes"]
        settled = box["v"].wait(timeout=15)
        assert settled.state == OrderState.SETTLED and all(p["delivered"] for p in pushes)
        agree = online.orders.query(box["v"].med_org_ord)
        assert not agree.conflict and box["v"].med_org_ord in his.confirmed
        return f"settled by {settled.settled_by}; 6301 agrees; the HIS confirmed"

    def invoice() -> str:
        box["bill"] = bill = box["v"].invoice()
        pdf = online.invoices.download(bill)
        return f"bill {bill.bill_batch_code}-{bill.bill_no}, {bill.total_amt}; downloaded {len(pdf)} bytes"

    def ship() -> str:
        sn = online.local.call("XM21", {"medOrgOrd": box["v"].med_org_ord, "expressCompany": "顺丰速运", "expressNo":
                               "SF0001", "receiverName": person["psn_name"], "receiverTel": "13800000000",
                               "receiverAddr": "厦门市海沧区", "sendTime": "2026-01-01 12:00:00"})["logisticsSn"]
        post("local/logistics", {"logisticsSn": sn})
        assert online.local.call("XM22", {"logisticsSn": sn})["logisticsStas"] == "3"
        return f"parcel {sn} signed for"

    def refund() -> str:
        o = box["v"].cancel()
        online.invoices.write_off(box["bill"], reason="退费", operator="演示员")
        assert o.state == OrderState.REFUNDED
        return f"6203 refunded {o.refunded.total} of {o.split.fee_sumamt if o.split else '?'}; bill written off; 2202"

    def lost() -> str:
        box["w"] = w = consultation(f"DEMO{os.getpid()}2")
        w.upload_fees(ITEMS, DIAGNOSIS)
        post("faults", {"infno": "6202", "mode": "drop_after_commit", "times": 1})
        try:
            w.pay()
        except OutcomeUnknownError as exc:
            assert w.order.state == OrderState.ORDER_UNKNOWN
            return f"answer lost: {exc.msgid} journaled UNKNOWN; nothing undone yet"
        raise AssertionError("the sandbox answered although the fault was armed")

    def resolved() -> str:
        report = online.recover()
        state = box["w"].order.state
        undone = box["w"].cancel()
        assert undone.state == OrderState.CANCELLED, undone
        return f"6301 said {state} ({report['resolved'][0]['ordStas']}), then 6401 and 2202: cancelled"

    with serve_app(online.asgi_app()) as receiver:
        url = f"{receiver.url}{online.online.notice_path}"
        post("mobilepay/callback", {"notify_url": url + "/6302", "sync_url": url + "/6204"})
        ok = True
        for name, infnos, fn in [
            ("authorisation, identify, register", "CH10→1101→2201", start),
            ("doctor checks", "XM01→XM04→XM02→XM03", doctor),
            ("事前提醒, consultation record", "3101→XM06", consult),
            ("e-prescription", "7101→7102→7103→7106", prescribe),
            ("fee upload", "6201", upload),
            ("order (pre-settlement)", "6202", order),
            ("the patient pays; notice; query", "cashier→6204/6302→6301→HIS24", paid),
            ("e-invoice", "EB01→EB04", invoice),
            ("delivery", "XM21→XM22", ship),
            ("refund", "6301→6203→EB02→2202", refund),
            ("an order whose answer is lost", "6202", lost),
            ("resolved by the centre, undone", "6301→6401→2202", resolved),
        ]:
            ok = run(name, infnos, fn) and ok
    return ok
