"""Fixtures of the online tests: the sandbox on loopback (it plays every online party), a Xiamen
client with the keys handed over, the institution's notice receiver served on its own port and
registered with the centre, a patient who authorises and pays at the channel."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog

from yibao.core import Client
from yibao.core.online.flow import Consultation, Doctor, Pharmacist, RxItem
from yibao.sandbox.config import SandboxConfig
from yibao.sandbox.server import RunningSandbox, run_in_thread, serve_app

from .support import SECRET_ENV, Patient, config, hand_over_keys


@pytest.fixture(autouse=True)
def _fresh_logging() -> Iterator[None]:
    """A client configures structlog's library default; leave no configuration to later tests."""
    yield
    structlog.reset_defaults()


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSandbox]:
    with run_in_thread(SandboxConfig(state_dir=tmp_path / "sandbox", region="350200")) as sb:
        monkeypatch.setenv(SECRET_ENV, sb.secret)
        yield sb


@pytest.fixture
def online_table(sandbox: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    return hand_over_keys(sandbox.url, tmp_path, monkeypatch)


MakeClient = Callable[..., Client]


@pytest.fixture
def make_client(sandbox: RunningSandbox, online_table: dict[str, Any], tmp_path: Path) -> Iterator[MakeClient]:
    made: list[Client] = []

    def make(online: dict[str, Any] | None = None, journal: str = "", **tables: Any) -> Client:
        cfg = config(sandbox.url, sandbox.paasid, journal or f"sqlite:///{tmp_path / 'journal.db'}",
                     {**online_table, **(online or {})}, **tables)
        client = Client(cfg)
        made.append(client)
        client.recover()
        return client

    yield make
    for c in made:
        c.close()


@pytest.fixture
def client(make_client: MakeClient) -> Client:
    return make_client()


@pytest.fixture
def receiver(client: Client, sandbox: RunningSandbox) -> Iterator[str]:
    """The institution's receiver on a port of its own, registered as the centre's callback."""
    with serve_app(client.online.asgi_app()) as served:
        url = f"{served.url}{client.profile.online.notice_path}"
        httpx.post(f"{sandbox.url}/_sandbox/mobilepay/callback", json={"notify_url": url + "/6302",
                   "sync_url": url + "/6204"}, timeout=10).raise_for_status()
        yield url


@pytest.fixture
def patient(sandbox: RunningSandbox) -> Patient:
    persons = httpx.get(f"{sandbox.url}/_sandbox/persons", timeout=10).json()
    person = next(p for p in persons if p["insuplc_admdvs"] == "350200" and p["insutype"] == "310")
    return Patient(sandbox.url, person)


DOCTOR = Doctor(dr_code="D350200000001", dr_name="李医生")
PHARMACIST = Pharmacist(phar_code="HY350200000001", phar_name="王药师")
ITEMS = (
    RxItem("SB110200001", "普通门诊诊查费(测试)", Decimal("1"), Decimal("15.00"), "HIS-ZC01", drug=False),
    RxItem("SBXA01AAA0001", "阿莫西林胶囊(测试)", Decimal("2"), Decimal("12.50"), "HIS-YP01"),
)
DIAGNOSIS = ("J06.900", "急性上呼吸道感染")


@pytest.fixture
def visit(client: Client, patient: Patient) -> Callable[[str], Consultation]:
    """A started consultation (1101, the channel's authorisation, 2201) with a fresh medOrgOrd."""

    def start(med_org_ord: str) -> Consultation:
        identity = client.identify(patient.medium)
        auth = client.online.authorize(patient.authorize())
        return client.online.consultation(identity, auth, DOCTOR, med_org_ord=med_org_ord)

    return start
