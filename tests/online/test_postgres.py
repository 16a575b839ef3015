"""The online tables on a PostgreSQL journal (the registered migration, NUMERIC money, the
unique index of open money messages): a paid order and a lost 6202 resolved, as on SQLite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from yibao.core import OutcomeUnknownError
from yibao.core.online.states import OrderState

from ..pg import throwaway_schema
from .conftest import DIAGNOSIS, DOCTOR, ITEMS, MakeClient
from .support import Patient, amount, arm


@pytest.fixture
def pg_url() -> Iterator[str]:
    with throwaway_schema("yibao_online") as url:
        yield url


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
