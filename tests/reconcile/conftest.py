"""A running sandbox and a configured client on loopback, for the reconcile / clear / catalogue tests."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from yibao.core import Diagnosis, FeeItem, Identity, Medium, Settlement
from yibao.core.client import Client
from yibao.core.config import parse_config
from yibao.sandbox.config import SandboxConfig
from yibao.sandbox.server import RunningSandbox, run_in_thread
from yibao.sandbox.store import Store

PAASID = "recon-paasid"
SECRET = "recon-secret-0123456789"
CODE = "H44190000001"
REGION = "441900"
SECRET_ENV = "YIBAO_RECON_TEST_SECRET"

_seq = itertools.count(1)


def config_data(url: str, tmp: Path, *, kind: str = "hospital") -> dict[str, Any]:
    return {
        "region": REGION,
        "gateway": {"url": url, "paasid": PAASID, "secret_env": SECRET_ENV},
        "institution": {"fixmedins_code": CODE, "fixmedins_name": "测试医院", "mdtrtarea_admvs": REGION,
                        "kind": kind},
        "operator": {"opter": "0001", "opter_name": "收费员"},
        "journal": {"url": f"sqlite:///{tmp / 'journal.db'}"},
        "reversal": {"delay_seconds": 0},
    }  # fmt: skip


def config_toml(url: str, tmp: Path) -> Path:
    path = tmp / "yibao.toml"
    path.write_text(
        f'region = "{REGION}"\n[gateway]\nurl = "{url}"\npaasid = "{PAASID}"\nsecret_env = "{SECRET_ENV}"\n'
        f'[institution]\nfixmedins_code = "{CODE}"\nfixmedins_name = "测试医院"\n'
        f'mdtrtarea_admvs = "{REGION}"\n'
        f'[operator]\nopter = "0001"\nopter_name = "收费员"\n'
        f'[journal]\nurl = "sqlite:///{tmp / "journal.db"}"\n[reversal]\ndelay_seconds = 0\n',
        encoding="utf-8",
    )
    return path


class Centre:
    """The sandbox, its books, and a client of one institution with settlement helpers."""

    def __init__(self, sandbox: RunningSandbox, client: Client, tmp: Path) -> None:
        self.sandbox = sandbox
        self.client = client
        self.tmp = tmp
        self.store: Store = sandbox.app.state.sandbox.store
        self.persons = httpx.get(sandbox.url + "/_sandbox/persons").json()
        self.catalog = httpx.get(sandbox.url + "/_sandbox/catalog").json()

    def person(self, prefix: str, n: int = 0) -> Identity:
        """The ``n``-th seeded person insured where ``insuplc_admdvs`` starts with ``prefix``."""
        found = [p for p in self.persons if str(p["insuplc_admdvs"]).startswith(prefix)]
        p = found[n]
        return self.client.identify(Medium.id_card(p["certno"], p["psn_name"]))

    def item(self, n: int = 0, cnt: str = "2", pric: str = "12.30") -> FeeItem:
        code = self.catalog[n]["med_list_codg"]
        return FeeItem(str(next(_seq)), code, f"YP{n}", Decimal(cnt), Decimal(pric))

    def pharmacy(self, who: Identity, **kw: Any) -> Settlement:
        return self.client.pharmacy.settle(who, [self.item(**kw)])

    def cancel(self, who: Identity, s: Settlement) -> Settlement:
        return self.client.pharmacy.cancel(who, s)

    def outpatient(self, who: Identity) -> Settlement:
        visit = self.client.outpatient.register(who, ipt_otp_no=f"MZ{next(_seq):06d}")
        visit.upload_visit([Diagnosis("J00.x00", "急性鼻咽炎")], dise_codg="J00.x00", dise_name="急性鼻咽炎")
        visit.upload_fees("B1", [self.item(1, "1", "20.00")])
        return visit.settle("B1")

    def inpatient(self, who: Identity) -> Settlement:
        dx = [Diagnosis("J18.900", "肺炎")]
        stay = self.client.inpatient.admit(who, ipt_no=f"ZY{next(_seq):06d}", diagnoses=dx)
        stay.upload_fees([self.item(0, "3", "25.00")])
        stay.discharge(dx)
        return stay.settle()

    def fault(self, infno: str, mode: str) -> None:
        # Armed on the plan itself: the control endpoint's reply is not what these tests are about.
        plan = self.sandbox.app.state.sandbox.faults
        plan.arm(plan.parse({"infno": infno, "mode": mode, "times": 1}))


@pytest.fixture
def centre(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Centre]:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    cfg = SandboxConfig(paasid=PAASID, secret=SECRET, state_dir=tmp_path / "sb", region=REGION)
    sandbox = run_in_thread(cfg)
    client = Client(parse_config(config_data(sandbox.url, tmp_path)))
    try:
        yield Centre(sandbox, client, tmp_path)
    finally:
        client.close()
        sandbox.stop()
