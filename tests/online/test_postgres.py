"""The online tables on a PostgreSQL journal (the registered migration, NUMERIC money, the
unique index of open money messages): a paid order and a lost 6202 resolved, as on SQLite."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from yibao.core import OutcomeUnknownError
from yibao.core.online.states import OrderState

from .conftest import DIAGNOSIS, DOCTOR, ITEMS, MakeClient
from .support import Patient, amount, arm

PG_BASE = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture
def pg_url() -> Iterator[str]:
    try:
        import psycopg

        with psycopg.connect(PG_BASE, connect_timeout=3, autocommit=True) as conn:
            schema = f"yibao_online_{uuid.uuid4().hex[:12]}"
            conn.execute(f"CREATE SCHEMA {schema}")
    except Exception as exc:  # no server: skip, visibly
        pytest.skip(f"no PostgreSQL at 127.0.0.1:5432: {exc}")
    try:
        yield f"{PG_BASE}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(PG_BASE, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.mark.postgres
def test_orders_on_postgresql(make_client: MakeClient, pg_url: str, patient: Patient) -> None:
    client = make_client(journal=pg_url)
    identity = client.identify(patient.medium)
    v = client.online.consultation(identity, client.online.authorize(patient.authorize()), DOCTOR,
                                   med_org_ord="MO-PG-1")
    v.upload_fees(ITEMS, DIAGNOSIS)
    arm(client.config.gateway.url, "6202", "drop_after_commit")
    with pytest.raises(OutcomeUnknownError):
        v.pay()
    assert client.online.recover()["resolved"][0]["state"] == OrderState.ORDERED
    patient.pay(v.order.pay_ord_id, notify=False)  # no receiver: 6301 tells
    assert v.wait(timeout=10, poll=0).state == OrderState.SETTLED
    undone = v.cancel()
    assert undone.state == OrderState.REFUNDED and undone.refunded.total == amount("40.00")
